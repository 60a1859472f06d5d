"""/dashboard/settings/pages/<id>/translations/ and /dashboard/settings/navigation/translations/:
content pages and menu links in the store's other languages.

Behind `staff_required("settings")`; writes through the storefront's translation services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from freehold.catalog.translations import MISSING, PARTLY, TRANSLATED
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.translations import translations_page
from freehold.storefront.models import MenuItem, MenuItemTranslation, Page, PageTranslation
from freehold.storefront.services import (
    PAGE_TRANSLATION_FIELDS,
    menu_item_translation_save,
    page_translation_save,
)

SECTION = "settings"


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def page(request: HttpRequest, page_id: int) -> HttpResponse:
    shown = get_object_or_404(Page, pk=page_id)
    actor = Actor.for_user(request.user)

    def save(language: str, data: dict[str, Any]) -> None:
        page_translation_save(
            page=shown,
            language=language,
            data={name: data[name] for name in PAGE_TRANSLATION_FIELDS},
            actor=actor,
        )

    return translations_page(
        request,
        obj=shown,
        rows=list(PageTranslation.objects.filter(page=shown)),
        fields=PAGE_TRANSLATION_FIELDS,
        save=save,
        own_url=reverse("dashboard:settings-page-translations", args=[shown.pk]),
        store_path=f"/pages/{shown.handle}" if shown.is_published else "",
        context={
            "title": f"Translations of “{shown.title}”",
            "section": SECTION,
            "subject": shown.title,
            "breadcrumbs": [
                ("Settings", reverse("dashboard:settings")),
                ("Pages", reverse("dashboard:settings-pages")),
                (shown.title, reverse("dashboard:settings-page", args=[shown.pk])),
            ],
        },
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def navigation(request: HttpRequest) -> HttpResponse:
    items = list(MenuItem.objects.select_related("menu").order_by("menu__handle", "position", "id"))
    titles = {
        (row.item_id, row.language): row.title
        for row in MenuItemTranslation.objects.filter(item__in=items)
    }
    actor = Actor.for_user(request.user)

    def extra(language: str) -> list[tuple[str, forms.Field]]:
        return [
            (
                f"item-{item.pk}",
                forms.CharField(
                    label=f"{item.menu.title}: {item.title}",
                    required=False,
                    max_length=255,
                    help_text=f"Default: {item.title}",
                ),
            )
            for item in items
        ]

    def save(language: str, data: dict[str, Any]) -> None:
        for item in items:
            try:
                menu_item_translation_save(
                    item=item, language=language, title=data[f"item-{item.pk}"], actor=actor
                )
            except FreeholdError as error:
                error.field = f"item-{item.pk}"
                raise

    def state(language: str) -> str:
        done = sum(1 for item in items if titles.get((item.pk, language)))
        if not items or done == len(items):
            return TRANSLATED if items else MISSING
        return PARTLY if done else MISSING

    return translations_page(
        request,
        obj=None,
        rows=[],
        fields=(),
        save=save,
        own_url=reverse("dashboard:settings-navigation-translations"),
        store_path="/",
        extra_fields=extra,
        extra_initial=lambda language: {
            f"item-{item.pk}": titles.get((item.pk, language), "") for item in items
        },
        state=state,
        groups=[("Menu links", [f"item-{item.pk}" for item in items])],
        context={
            "title": "Translations of the menus",
            "section": SECTION,
            "subject": "the menus",
            "breadcrumbs": [
                ("Settings", reverse("dashboard:settings")),
                ("Navigation", reverse("dashboard:settings-navigation")),
            ],
        },
    )
