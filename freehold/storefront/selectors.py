"""Reads for the storefront's frame: store settings, menus, home page, content pages.

Settings and menus appear on every page, so they are cached in the Django cache under the
version of the page cache's `store` tag: an edit moves the tag (storefront.cache) and the next
request reads them afresh. In a per-process cache an edit in another process shows after
`CHROME_CACHE_SECONDS` at worst.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Exists
from django.http import HttpRequest

from freehold.catalog import translations
from freehold.catalog.models import Collection
from freehold.core import pagecache
from freehold.storefront.models import (
    FeaturedCollection,
    MenuItem,
    MenuItemTranslation,
    Page,
    PageTranslation,
    StoreSettings,
)

CHROME_CACHE_SECONDS = 300
_CHROME_KEY = "storefront:chrome:{version}"
_MENU_TITLES_KEY = "storefront:menu-titles:{version}:{language}"
PAGE_FIELDS = ("title", "body_html", "seo_title", "seo_description")
_REQUEST_ATTRIBUTE = "_freehold_chrome"


@dataclass
class SocialLink:
    name: str
    url: str


@dataclass
class Chrome:
    """What every page shows around its content."""

    settings: StoreSettings
    menus: dict[str, list[MenuItem]] = field(default_factory=dict)

    def menu(self, handle: str) -> list[MenuItem]:
        """A menu's links, titled in the page's language (copies: the chrome is shared)."""
        items = self.menus.get(handle, [])
        language = translations.content_language() if items else ""
        titles = menu_titles(language) if language else {}
        if not titles:
            return items
        shown = []
        for item in items:
            if item.pk in titles:
                item = copy.copy(item)
                item.title = titles[item.pk]
            shown.append(item)
        return shown

    @property
    def social_links(self) -> list[SocialLink]:
        s = self.settings
        links = [
            SocialLink("Instagram", s.instagram_url),
            SocialLink("Facebook", s.facebook_url),
            SocialLink("TikTok", s.tiktok_url),
        ]
        handle = s.twitter_handle.strip().lstrip("@")
        if handle:
            links.append(SocialLink("X", f"https://x.com/{handle}"))
        return [link for link in links if link.url]


def store_settings() -> StoreSettings:
    """The settings row, created with defaults on a fresh install.

    Annotated with `marketplace_on` (the footer links the marketplace page): in the same
    statement, so a store without the marketplace pays nothing for it.
    """
    from freehold.marketplace.models import MarketplaceSettings

    settings, _ = (
        StoreSettings.objects.select_related("logo", "hero_image", "social_image")
        .annotate(marketplace_on=Exists(MarketplaceSettings.objects.filter(pk=1, enabled=True)))
        .get_or_create(pk=1)
    )
    return settings


def load_chrome() -> Chrome:
    """Settings and every menu: two queries."""
    menus: dict[str, list[MenuItem]] = {}
    for item in MenuItem.objects.select_related("menu").order_by("menu_id", "position", "id"):
        menus.setdefault(item.menu.handle, []).append(item)
    return Chrome(settings=store_settings(), menus=menus)


def chrome(request: HttpRequest | None = None) -> Chrome:
    """The chrome for this request: from the request, the cache, or the database."""
    if request is not None:
        found: Chrome | None = getattr(request, _REQUEST_ATTRIBUTE, None)
        if found is not None:
            return found
    key = _CHROME_KEY.format(version=pagecache.version(pagecache.GLOBAL_TAG))
    loaded: Chrome | None = cache.get(key)
    if loaded is None:
        loaded = load_chrome()
        cache.set(key, loaded, timeout=CHROME_CACHE_SECONDS)
    if request is not None:
        setattr(request, _REQUEST_ATTRIBUTE, loaded)
    return loaded


def menu_titles(language: str) -> dict[int, str]:
    """Menu links' titles in `language`, by item: one query per language, then cached with the
    chrome (any menu edit moves the same `store` version)."""
    key = _MENU_TITLES_KEY.format(
        version=pagecache.version(pagecache.GLOBAL_TAG), language=language
    )
    titles: dict[int, str] | None = cache.get(key)
    if titles is None:
        titles = dict(
            MenuItemTranslation.objects.filter(language=language)
            .exclude(title="")
            .values_list("item_id", "title")
        )
        cache.set(key, titles, timeout=CHROME_CACHE_SECONDS)
    return titles


def theme_version(settings: StoreSettings) -> str:
    """The version in /theme.css?v=…: the settings' last change, in milliseconds."""
    return str(int(settings.updated_at.timestamp() * 1000))


def featured_collections(settings: StoreSettings) -> list[Collection]:
    """The published collections chosen for the home page, in their order, titled in the
    page's language: one query."""
    rows = translations.translated_collections(
        FeaturedCollection.objects.filter(settings=settings, collection__is_published=True)
        .select_related("collection", "collection__image")
        .order_by("position", "id"),
        fields=("title",),
        outer="collection_id",
    )
    return [translations.overlay(row.collection, ("title",), source=row) for row in rows]


def published_page(handle: str) -> Page | None:
    """A published page, its texts in the page's language (falling back field by field)."""
    found = translations.with_translation(
        Page.objects.filter(handle=handle, is_published=True),
        model=PageTranslation,
        owner="page",
        fields=PAGE_FIELDS,
        language=translations.content_language(),
    ).first()
    return translations.overlay(found, PAGE_FIELDS) if found else None


def published_pages() -> Any:
    return Page.objects.filter(is_published=True).order_by("handle")
