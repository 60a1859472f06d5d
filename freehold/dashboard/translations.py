"""The "Translations" pages of products, collections and content pages (and the menus).

One panel per language the store may translate into (the markets' languages first): a form
with the translatable fields, the default text beside each for reference, and the state of
the translation (translated / partly / missing). Each form saves one language through the
owning app's service (`product_translation_save`, `page_translation_save`...), which checks,
sanitises and audits; a refused field keeps the typed text and names the problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect

from freehold.catalog.html import html_to_text, truncate
from freehold.catalog.translations import (
    LanguageChoice,
    translatable_languages,
    translation_state,
)
from freehold.core.errors import FreeholdError
from freehold.dashboard.pages import render_page
from freehold.markets.resolution import market_config, prefix_for

REFERENCE_LENGTH = 240
LABELS = {
    "title": "Title",
    "description_html": "Description (HTML)",
    "body_html": "Body (HTML)",
    "seo_title": "SEO title",
    "seo_description": "SEO description",
}
MAX_LENGTHS = {"title": 255, "seo_title": 255, "seo_description": 512}
STATE_BADGES = {"translated": "ok", "partly": "warn", "missing": "bad"}


def reference(value: str) -> str:
    """The default text shown beside a field: plain, short."""
    plain = html_to_text(value) if "<" in (value or "") else (value or "").strip()
    return truncate(plain, REFERENCE_LENGTH) if plain else "(empty)"


class TranslationForm(forms.Form):
    """One language's fields; prefixed with the language so several share one page."""

    def __init__(
        self,
        *args: Any,
        fields: Sequence[str],
        original: Any,
        extra: Sequence[tuple[str, forms.Field]] = (),
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        for name in fields:
            is_html = name.endswith("_html")
            self.fields[name] = forms.CharField(
                label=LABELS.get(name, name),
                required=False,
                max_length=MAX_LENGTHS.get(name),
                strip=False,
                widget=forms.Textarea(attrs={"rows": 8 if is_html else 2})
                if is_html or name == "seo_description"
                else forms.TextInput(),
                help_text="Default: " + reference(str(getattr(original, name, "") or "")),
            )
        for name, extra_field in extra:
            self.fields[name] = extra_field


@dataclass
class Panel:
    language: LanguageChoice
    form: TranslationForm
    state: str
    store_url: str = ""
    groups: list[tuple[str, list[str]]] = field(default_factory=list)

    @property
    def badge(self) -> str:
        return STATE_BADGES[self.state]


def store_prefixes() -> dict[str, str]:
    """Per language, the URL prefix of a market speaking it ("/de-de"), for "View" links."""
    config = market_config()
    prefixes: dict[str, str] = {}
    for market in config.markets:
        country = market.main_country.lower() or config.default_country.lower()
        for language in market.languages:
            if country and language not in prefixes:
                prefix = prefix_for(config, market=market, country=country, language=language)
                prefixes[language] = f"/{prefix}" if prefix else ""
    return prefixes


Saver = Callable[[str, dict[str, Any]], None]
ExtraFields = Callable[[Any], Sequence[tuple[str, forms.Field]]]


def translations_page(
    request: HttpRequest,
    *,
    obj: Model | None,
    rows: Sequence[Any],
    fields: Sequence[str],
    save: Saver,
    context: dict[str, Any],
    own_url: str,
    store_path: str = "",
    extra_fields: ExtraFields | None = None,
    extra_initial: Callable[[str], dict[str, Any]] | None = None,
    groups: Sequence[tuple[str, list[str]]] = (),
    state: Callable[[str], str] | None = None,
) -> HttpResponse:
    """GET: a panel per language. POST: save the posted language's form (one transaction)."""
    by_language = {row.language: row for row in rows}
    posted = request.POST.get("language", "") if request.method == "POST" else ""
    choices = translatable_languages()
    prefixes = store_prefixes() if store_path else {}
    panels: list[Panel] = []
    status = 200
    if request.method == "POST" and posted not in {choice.code for choice in choices}:
        messages.error(request, "Choose one of the store's languages.")
        status = 400
    for choice in choices:
        row = by_language.get(choice.code)
        extra = list(extra_fields(choice.code)) if extra_fields else []
        if choice.code == posted:
            form = TranslationForm(
                request.POST, prefix=choice.code, fields=fields, original=obj, extra=extra
            )
            if form.is_valid():
                try:
                    with transaction.atomic():
                        save(choice.code, form.cleaned_data)
                except FreeholdError as error:
                    form.add_error(
                        error.field if error.field in form.fields else None, error.message
                    )
                else:
                    messages.success(request, f"{choice.name} translation saved.")
                    return HttpResponseRedirect(f"{own_url}#language-{choice.code}")
            status = 400
        else:
            initial = {name: getattr(row, name, "") if row else "" for name in fields}
            if extra_initial:
                initial.update(extra_initial(choice.code))
            form = TranslationForm(
                initial=initial, prefix=choice.code, fields=fields, original=obj, extra=extra
            )
        prefix = prefixes.get(choice.code)
        panels.append(
            Panel(
                language=choice,
                form=form,
                state=state(choice.code) if state else translation_state(obj, row, fields),
                store_url=f"{prefix}{store_path}" if prefix is not None and store_path else "",
                groups=list(groups),
            )
        )
    return render_page(
        request,
        "dashboard/translations/edit.html",
        {**context, "panels": panels, "fields": fields, "own_url": own_url},
        status=status,
    )
