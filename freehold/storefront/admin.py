"""The superuser back door to the brand: settings (one row), menus and content pages.

Every page shows the brand, menus and settings, so each save here invalidates the whole
page cache (the `store` tag).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from freehold.catalog.html import sanitise_html
from freehold.core import clock, pagecache
from freehold.storefront.models import FeaturedCollection, Menu, MenuItem, Page, StoreSettings


class InvalidatesStore(admin.ModelAdmin):
    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        pagecache.invalidate(pagecache.GLOBAL_TAG)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        pagecache.invalidate(pagecache.GLOBAL_TAG)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        pagecache.invalidate(pagecache.GLOBAL_TAG)


class FeaturedCollectionInline(admin.TabularInline):
    model = FeaturedCollection
    extra = 0
    fields = ["collection", "position"]
    autocomplete_fields = ["collection"]


@admin.register(StoreSettings)
class StoreSettingsAdmin(InvalidatesStore):
    """A singleton: no second row, no deleting the only one, the list jumps to the row."""

    inlines = [FeaturedCollectionInline]
    raw_id_fields = ["logo", "hero_image", "social_image"]
    fieldsets = [
        (None, {"fields": ["name", "tagline", "currency", "language"]}),
        ("Tax", {"fields": ["tax_label", "tax_rate_percent", "prices_include_tax"]}),
        (
            "Business identity (shown on Contact and Imprint)",
            {
                "fields": [
                    "legal_name",
                    "legal_form",
                    "representatives",
                    "address_line1",
                    "address_line2",
                    "postal_code",
                    "city",
                    "region",
                    "country_code",
                    "email",
                    "phone",
                    "register_name",
                    "register_number",
                    "vat_id",
                ]
            },
        ),
        (
            "Look",
            {
                "fields": [
                    "logo",
                    "color_primary",
                    "color_accent",
                    "color_background",
                    "color_text",
                    "font_heading",
                    "font_body",
                ]
            },
        ),
        (
            "Home page",
            {
                "fields": [
                    "announcement_enabled",
                    "announcement_text",
                    "announcement_url",
                    "hero_title",
                    "hero_subtitle",
                    "hero_cta_label",
                    "hero_cta_url",
                    "hero_image",
                    "featured_products_per_collection",
                ]
            },
        ),
        (
            "Search engines and social networks",
            {
                "fields": [
                    "seo_title",
                    "seo_description",
                    "social_image",
                    "twitter_handle",
                    "instagram_url",
                    "facebook_url",
                    "tiktok_url",
                ]
            },
        ),
        ("Returns", {"fields": ["return_window_days"]}),
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return super().has_add_permission(request) and not StoreSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        only = StoreSettings.objects.order_by("pk").first()
        if only is not None:
            return HttpResponseRedirect(
                reverse("admin:storefront_storesettings_change", args=[only.pk])
            )
        return super().changelist_view(request, extra_context)

    def save_model(self, request: HttpRequest, obj: StoreSettings, form: Any, change: bool) -> None:
        if not change:
            obj.pk = 1
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)


class MenuItemInline(admin.TabularInline):
    model = MenuItem
    extra = 1
    fields = ["title", "url", "position"]


@admin.register(Menu)
class MenuAdmin(InvalidatesStore):
    list_display = ["title", "handle"]
    search_fields = ["title", "handle"]
    inlines = [MenuItemInline]


@admin.register(Page)
class PageAdmin(InvalidatesStore):
    list_display = ["title", "handle", "template", "is_published", "updated_at"]
    list_filter = ["template", "is_published"]
    search_fields = ["title", "handle"]
    prepopulated_fields = {"handle": ["title"]}
    fields = [
        "title", "handle", "template", "body_html", "is_published", "seo_title",
        "seo_description",
    ]  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Page, form: Any, change: bool) -> None:
        obj.body_html = sanitise_html(obj.body_html)
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)
