"""The superuser back door to the catalog (the merchant dashboard is its own app).

The admin writes models directly, so it repeats what the services guarantee: descriptions
are sanitised, a changed handle leaves a redirect, a price change is recorded for the EU
30-day low, uploaded images get renditions, and the product summary is recomputed after the
inlines are saved.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.html import format_html

from freehold.catalog.html import sanitise_html
from freehold.catalog.images import make_renditions, validate_image_file
from freehold.catalog.models import (
    Collection,
    CollectionProduct,
    MediaImage,
    PriceChange,
    Product,
    ProductImage,
    ProductOption,
    Redirect,
    RenditionedImage,
    Tag,
    Variant,
)
from freehold.catalog.services import (
    collection_validate_rules,
    product_refresh_summary,
    redirect_create,
)
from freehold.core import clock


def thumbnail(image: RenditionedImage | None, width: int = 64) -> str:
    if image is None or not image.file:
        return "–"
    small = (image.renditions or {}).get("160", {}).get("jpeg")
    url = image.file.storage.url(small) if small else image.file.url
    return format_html('<img src="{}" width="{}" alt="">', url, width)


class RenditionedImageForm(forms.ModelForm):
    """Refuses files we cannot serve (format, over 40 megapixels) before they are stored."""

    def clean_file(self) -> Any:
        upload = self.cleaned_data.get("file")
        if upload and "file" in self.changed_data and hasattr(upload, "seek"):
            try:
                validate_image_file(upload, field_name="file")
            except ValidationError as error:
                raise forms.ValidationError(error.message_dict["file"]) from error
        return upload


def _renditions_for_changed_files(objects: list[tuple[Model, list[str]]], new: list[Any]) -> None:
    for image in new:
        make_renditions(image)
    for image, changed in objects:
        if "file" in changed:
            assert isinstance(image, RenditionedImage)
            make_renditions(image)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    list_display = ["name"]


class ProductOptionInline(admin.TabularInline):
    model = ProductOption
    extra = 0
    max_num = 3
    fields = ["position", "name", "values"]


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = [
        "position", "title", "option1", "option2", "option3", "sku", "barcode",
        "price_amount", "compare_at_price_amount", "cost_amount", "stock_quantity",
        "inventory_policy", "weight_grams", "image",
    ]  # fmt: skip
    raw_id_fields = ["image"]


class ProductImageInline(admin.TabularInline):
    model = ProductImage
    form = RenditionedImageForm
    extra = 0
    fields = ["preview", "file", "alt", "position", "width", "height"]
    readonly_fields = ["preview", "width", "height"]

    @admin.display(description="Preview")
    def preview(self, image: ProductImage) -> str:
        return thumbnail(image)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "title", "status", "product_type", "brand", "price_min_amount", "currency", "is_in_stock",
        "updated_at",
    ]  # fmt: skip
    list_filter = ["status", "product_type", "brand", "is_in_stock"]
    search_fields = ["title", "handle", "=variants__sku"]
    prepopulated_fields = {"handle": ["title"]}
    autocomplete_fields = ["tags"]
    date_hierarchy = "created_at"
    list_per_page = 50
    inlines = [ProductOptionInline, VariantInline, ProductImageInline]
    readonly_fields = [
        "currency", "price_min_amount", "price_max_amount", "compare_at_amount", "is_in_stock",
        "featured_image_preview", "sales_count", "created_at", "updated_at",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["title", "handle", "status", "description_html", "tags"]}),
        ("Organisation", {"fields": ["product_type", "brand", "published_at"]}),
        ("Search engines", {"fields": ["seo_title", "seo_description"]}),
        ("Customs and tax", {"fields": ["hs_code", "country_of_origin", "tax_class"]}),
        (
            "Summary of the variants (recomputed on save)",
            {
                "classes": ["collapse"],
                "fields": [
                    "currency",
                    "price_min_amount",
                    "price_max_amount",
                    "compare_at_amount",
                    "is_in_stock",
                    "featured_image_preview",
                    "sales_count",
                    "created_at",
                    "updated_at",
                ],
            },
        ),
    ]

    @admin.display(description="Featured image")
    def featured_image_preview(self, product: Product) -> str:
        return thumbnail(product.featured_image, width=120)

    def save_model(self, request: HttpRequest, obj: Product, form: Any, change: bool) -> None:
        obj.description_html = sanitise_html(obj.description_html)
        obj.updated_at = clock.now()
        if obj.status == Product.Status.ACTIVE and obj.published_at is None:
            obj.published_at = clock.now()
        super().save_model(request, obj, form, change)
        old_handle = form.initial.get("handle")
        if change and old_handle and old_handle != obj.handle:
            redirect_create(old_path=f"/products/{old_handle}", new_path=obj.get_absolute_url())

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Variant:
            self._save_variants(form.instance, formset)
        elif formset.model is ProductImage:
            formset.save()
            _renditions_for_changed_files(formset.changed_objects, formset.new_objects)
        else:
            super().save_formset(request, form, formset, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        product_refresh_summary(product=form.instance)

    @staticmethod
    def _currency(product: Product) -> str:
        from freehold.storefront.models import StoreSettings

        existing = Variant.objects.filter(product=product).values_list("currency", flat=True)
        store = StoreSettings.objects.filter(pk=1).values_list("currency", flat=True)
        return existing.first() or store.first() or product.currency

    def _save_variants(self, product: Product, formset: BaseInlineFormSet) -> None:
        """Save variants and record every new price, compared with what the database had."""
        variants = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        known = [variant.pk for variant in variants if variant.pk]
        before = {
            pk: (price, compare_at)
            for pk, price, compare_at in Variant.objects.filter(pk__in=known).values_list(
                "pk", "price_amount", "compare_at_price_amount"
            )
        }
        currency = self._currency(product)
        now = clock.now()
        for variant in variants:
            if variant.pk is None:
                variant.currency = currency
                variant.created_at = now
            variant.updated_at = now
            variant.save()
            if before.get(variant.pk) != (variant.price_amount, variant.compare_at_price_amount):
                PriceChange.objects.create(
                    variant=variant,
                    currency=variant.currency,
                    price_amount=variant.price_amount,
                    compare_at_price_amount=variant.compare_at_price_amount,
                    changed_at=now,
                )
        formset.save_m2m()


class CollectionForm(forms.ModelForm):
    def clean_rules(self) -> Any:
        rules = self.cleaned_data.get("rules") or []
        if self.cleaned_data.get("kind") != Collection.Kind.SMART:
            return rules
        try:
            return collection_validate_rules(rules)
        except ValidationError as error:
            raise forms.ValidationError(
                [
                    f"{key}: {message}"
                    for key, messages in error.message_dict.items()
                    for message in messages
                ]
            ) from error


class CollectionProductInline(admin.TabularInline):
    model = CollectionProduct
    extra = 0
    fields = ["product", "position"]
    autocomplete_fields = ["product"]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    form = CollectionForm
    list_display = ["title", "handle", "kind", "sort_order", "is_published", "updated_at"]
    list_filter = ["kind", "is_published", "sort_order"]
    search_fields = ["title", "handle"]
    prepopulated_fields = {"handle": ["title"]}
    raw_id_fields = ["image"]
    inlines = [CollectionProductInline]
    fields = [
        "title", "handle", "description_html", "kind", "rules", "match_all_rules",
        "sort_order", "image", "is_published", "seo_title", "seo_description",
    ]  # fmt: skip

    def save_model(self, request: HttpRequest, obj: Collection, form: Any, change: bool) -> None:
        obj.description_html = sanitise_html(obj.description_html)
        if obj.kind != Collection.Kind.SMART:
            obj.rules = []
        obj.updated_at = clock.now()
        super().save_model(request, obj, form, change)
        old_handle = form.initial.get("handle")
        if change and old_handle and old_handle != obj.handle:
            redirect_create(old_path=f"/collections/{old_handle}", new_path=obj.get_absolute_url())


@admin.register(MediaImage)
class MediaImageAdmin(admin.ModelAdmin):
    form = RenditionedImageForm
    list_display = ["preview", "alt", "width", "height", "created_at"]
    search_fields = ["alt", "file"]
    fields = ["preview", "file", "alt", "width", "height"]
    readonly_fields = ["preview", "width", "height"]

    @admin.display(description="Preview")
    def preview(self, image: MediaImage) -> str:
        return thumbnail(image)

    def save_model(self, request: HttpRequest, obj: MediaImage, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if "file" in form.changed_data:
            make_renditions(obj)


@admin.register(Redirect)
class RedirectAdmin(admin.ModelAdmin):
    list_display = ["old_path", "new_path", "created_at"]
    search_fields = ["old_path", "new_path"]
