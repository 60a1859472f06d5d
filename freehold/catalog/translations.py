"""Translated content on the storefront: products, options, collections (and, through the same
helpers, the storefront's pages and menus).

A translation row holds one object's texts in one language; each empty field falls back to the
object's own text, which is written in the store's language (`StoreSettings.language`).

Reads add the translation to the query that loads the objects, as correlated subqueries on the
unique (object, language) index (`with_translation`), and copy the non-empty texts over the
loaded objects' fields (`overlay`). So a translated page runs as many queries as the default
one, and in the store's own language the queries are exactly what they were. The objects so
changed are for display only: nothing saves them (services always load their own rows).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db.models import Field, Model, OuterRef, QuerySet, Subquery
from django.utils import translation

from freehold.catalog.models import (
    CollectionTranslation,
    ProductOptionTranslation,
    ProductTranslation,
)

PRODUCT_FIELDS = ("title", "description_html", "seo_title", "seo_description")
COLLECTION_FIELDS = ("title", "description_html", "seo_title", "seo_description")
OPTION_FIELDS = ("name", "values")
# Product cards show the title only: listings leave the large texts alone.
LISTING_FIELDS = ("title",)
ANNOTATION_PREFIX = "translated_"

AnyQuerySet = TypeVar("AnyQuerySet", bound=QuerySet[Any])


# --- Languages ------------------------------------------------------------------------------


def language_code(raw: str) -> str:
    """A language in Django's form ("de", "zh-hans"), or "" when the store has no such one."""
    code = (raw or "").strip().lower().replace("_", "-")
    available = {code for code, _ in settings.LANGUAGES}
    if code in available:
        return code
    base = code.split("-")[0]
    return base if base in available else ""


def default_language() -> str:
    """The language the objects' own fields are written in: the store's (cached settings)."""
    from freehold.storefront.selectors import chrome  # storefront models import catalog's

    return language_code(chrome(None).settings.language) or language_code(settings.LANGUAGE_CODE)


def content_language() -> str:
    """The language to show content in now, or "" when that is the objects' own language
    (then nothing is translated and nothing extra is queried)."""
    active = language_code(translation.get_language() or "")
    if not active or active == default_language():
        return ""
    return active


@dataclass(frozen=True)
class LanguageChoice:
    code: str
    name: str
    spoken: bool  # a market speaks it, so shoppers can see it


def translatable_languages() -> list[LanguageChoice]:
    """Every store language but the default one, those a market speaks first."""
    from freehold.markets.resolution import market_config

    default = default_language()
    spoken = {code for market in market_config().markets for code in market.languages}
    choices = [
        LanguageChoice(code=code, name=str(name), spoken=code in spoken)
        for code, name in settings.LANGUAGES
        if code != default
    ]
    return sorted(choices, key=lambda choice: not choice.spoken)


# --- Reading ------------------------------------------------------------------------------


def with_translation(
    queryset: AnyQuerySet,
    *,
    model: type[Model],
    owner: str,
    fields: Sequence[str],
    language: str,
    outer: str = "pk",
    prefix: str = ANNOTATION_PREFIX,
) -> AnyQuerySet:
    """`queryset` with each translated field of `language` as an annotation (no extra query).

    `owner` is the translation's foreign key to the object, `outer` the object's key in the
    queryset's rows ("pk", or "collection_id" when the rows are memberships).
    """
    if not language:
        return queryset
    rows = model._default_manager.filter(**{owner: OuterRef(outer)}, language=language)
    columns = {name: model._meta.get_field(name) for name in fields}
    return queryset.annotate(
        **{
            f"{prefix}{name}": Subquery(rows.values(name)[:1], output_field=column)
            for name, column in columns.items()
            if isinstance(column, Field)
        }
    )


def overlay(
    target: Any, fields: Sequence[str], *, source: Any = None, prefix: str = ANNOTATION_PREFIX
) -> Any:
    """Copy the non-empty annotated translations over `target`'s fields (field by field)."""
    source = target if source is None else source
    for name in fields:
        value = getattr(source, f"{prefix}{name}", None)
        if value:
            setattr(target, name, value)
    return target


def overlay_all(objects: Iterable[Any], fields: Sequence[str]) -> None:
    for obj in objects:
        overlay(obj, fields)


def translated_products(products: AnyQuerySet, *, fields: Sequence[str] = LISTING_FIELDS) -> Any:
    return with_translation(
        products,
        model=ProductTranslation,
        owner="product",
        fields=fields,
        language=content_language(),
    )


def translated_collections(
    collections: AnyQuerySet, *, fields: Sequence[str] = COLLECTION_FIELDS, outer: str = "pk"
) -> Any:
    return with_translation(
        collections,
        model=CollectionTranslation,
        owner="collection",
        fields=fields,
        language=content_language(),
        outer=outer,
    )


def translated_options(options: AnyQuerySet) -> Any:
    return with_translation(
        options,
        model=ProductOptionTranslation,
        owner="option",
        fields=OPTION_FIELDS,
        language=content_language(),
    )


def overlay_option(option: Any) -> Any:
    """An option's translated name, and `value_labels`: each value's label in the language
    (the values themselves stay: variants and URLs use them)."""
    overlay(option, ("name",))
    labels = getattr(option, f"{ANNOTATION_PREFIX}values", None) or []
    option.value_labels = {
        value: (str(labels[index]) if index < len(labels) and labels[index] else value)
        for index, value in enumerate(option.values)
    }
    return option


# --- The dashboard's indicator ------------------------------------------------------------


TRANSLATED, PARTLY, MISSING = "translated", "partly", "missing"


def translation_state(original: Any, translated: Any | None, fields: Sequence[str]) -> str:
    """translated: every field with default text has its translation; missing: none has."""
    wanted = [name for name in fields if getattr(original, name, "")]
    if translated is None or not wanted:
        return MISSING if translated is None or not _any_text(translated, fields) else TRANSLATED
    done = [name for name in wanted if getattr(translated, name, "")]
    if len(done) == len(wanted):
        return TRANSLATED
    return PARTLY if done or _any_text(translated, fields) else MISSING


def _any_text(translated: Any, fields: Sequence[str]) -> bool:
    return any(getattr(translated, name, "") for name in fields)
