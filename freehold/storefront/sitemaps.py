"""sitemap.xml: the home page, collections, products (with their images) and content pages.

URLs are absolute on FREEHOLD_SITE_URL when it is set (so a cached sitemap never carries a
spoofed Host header), else on the request's host.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.db.models import QuerySet

from freehold.catalog import selectors as catalog
from freehold.catalog.models import Collection, Product
from freehold.markets.links import market_path
from freehold.storefront.models import Page


class StoreSitemap(Sitemap):
    def get_protocol(self, protocol: str | None = None) -> str:
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).scheme or "https"
        return super().get_protocol(protocol)

    def get_domain(self, site: Any = None) -> str:
        if settings.SITE_URL:
            return urlsplit(settings.SITE_URL).netloc
        return super().get_domain(site)


class HomeSitemap(StoreSitemap):
    changefreq = "daily"
    priority = 1.0

    def items(self) -> list[str]:
        return ["/", "/collections/all"]

    def location(self, item: str) -> str:
        return market_path(item)


class CollectionSitemap(StoreSitemap):
    changefreq = "daily"
    priority = 0.8

    def items(self) -> QuerySet[Collection]:
        return Collection.objects.filter(is_published=True).order_by("id")

    def lastmod(self, item: Collection) -> Any:
        return item.updated_at


class ProductSitemap(StoreSitemap):
    """Products with their images (<image:image>, read by image search)."""

    changefreq = "weekly"
    priority = 0.6

    def items(self) -> QuerySet[Product]:
        return catalog.sitemap_products()

    def lastmod(self, item: Product) -> Any:
        return item.updated_at


class PageSitemap(StoreSitemap):
    changefreq = "monthly"
    priority = 0.4

    def items(self) -> QuerySet[Page]:
        return Page.objects.filter(is_published=True).order_by("id")

    def lastmod(self, item: Page) -> Any:
        return item.updated_at


SITEMAPS: dict[str, type[Sitemap] | Sitemap] = {
    "home": HomeSitemap,
    "collections": CollectionSitemap,
    "products": ProductSitemap,
    "pages": PageSitemap,
}
