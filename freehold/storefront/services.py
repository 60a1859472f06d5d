"""Writes of the storefront's own content: translations of pages and menu links.

Each write is audited; the storefront's cache signals move the page cache's `store` tag on
every translation save or delete (pages show in menus and footers on every page).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from freehold.catalog.services import content_translation_save, translation_language
from freehold.core import audit
from freehold.core.audit import Actor
from freehold.storefront.models import MenuItem, MenuItemTranslation, Page, PageTranslation

PAGE_TRANSLATION_FIELDS = ("title", "body_html", "seo_title", "seo_description")


def _actor(actor: Actor | None) -> Actor:
    return actor if actor is not None else Actor.system()


@transaction.atomic
def page_translation_save(
    *, page: Page, language: str, data: dict[str, Any], actor: Actor | None = None
) -> PageTranslation | None:
    """A content page's title, body and SEO texts in `language` (the body sanitised like the
    page's own), audited. Empty fields show the page's own text; no text left deletes it."""
    row, changed = content_translation_save(
        model=PageTranslation,
        owner_field="page",
        owner=page,
        language=language,
        data=data,
        fields=PAGE_TRANSLATION_FIELDS,
        html_fields=("body_html",),
    )
    if changed:
        audit.record(
            actor=_actor(actor),
            verb="page.translated",
            obj=page,
            data={"language": translation_language(language), "fields": changed},
        )
    return row


@transaction.atomic
def menu_item_translation_save(
    *, item: MenuItem, language: str, title: str, actor: Actor | None = None
) -> MenuItemTranslation | None:
    """A menu link's text in `language`, audited; an empty title shows the link's own."""
    row, changed = content_translation_save(
        model=MenuItemTranslation,
        owner_field="item",
        owner=item,
        language=language,
        data={"title": title},
        fields=("title",),
    )
    if changed:
        audit.record(
            actor=_actor(actor),
            verb="menu_item.translated",
            obj=item,
            data={"language": translation_language(language), "title": title.strip()},
        )
    return row
