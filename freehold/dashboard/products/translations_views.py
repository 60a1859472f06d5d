"""/dashboard/products/<id>/translations/ and /dashboard/products/collections/<id>/translations/:
a product's (with its options') and a collection's texts in the store's other languages.

Behind `staff_required("products")`; writes through the catalog's translation services.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from freehold.catalog import services as catalog
from freehold.catalog.models import (
    Collection,
    CollectionTranslation,
    Product,
    ProductOption,
    ProductOptionTranslation,
    ProductTranslation,
)
from freehold.core.audit import Actor
from freehold.dashboard.access import staff_required
from freehold.dashboard.translations import translations_page

SECTION = "products"


def _option_field(option: ProductOption, index: int | None) -> tuple[str, forms.Field]:
    if index is None:
        return f"option-{option.pk}-name", forms.CharField(
            label="Option name",
            required=False,
            max_length=255,
            help_text=f"Default: {option.name}",
        )
    value = option.values[index]
    return f"option-{option.pk}-value-{index}", forms.CharField(
        label=f"Label of “{value}”",
        required=False,
        max_length=255,
        help_text=f"Default: {value}",
    )


def _option_fields(options: list[ProductOption]) -> list[tuple[str, forms.Field]]:
    return [
        _option_field(option, index)
        for option in options
        for index in (None, *range(len(option.values)))
    ]


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def product(request: HttpRequest, product_id: int) -> HttpResponse:
    item = get_object_or_404(Product, pk=product_id)
    options = list(ProductOption.objects.filter(product=item).order_by("position"))
    option_rows = {
        (row.option_id, row.language): row
        for row in ProductOptionTranslation.objects.filter(option__product=item)
    }
    actor = Actor.for_user(request.user)

    def save(language: str, data: dict[str, Any]) -> None:
        catalog.product_translation_save(
            product=item,
            language=language,
            data={name: data[name] for name in catalog.PRODUCT_TRANSLATION_FIELDS},
            actor=actor,
        )
        for option in options:
            try:
                catalog.product_option_translation_save(
                    option=option,
                    language=language,
                    name=data[f"option-{option.pk}-name"],
                    values=[
                        data[f"option-{option.pk}-value-{index}"]
                        for index in range(len(option.values))
                    ],
                    actor=actor,
                )
            except catalog.ValidationFailed as error:
                error.field = f"option-{option.pk}-{error.field}"
                raise

    def initial(language: str) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for option in options:
            row = option_rows.get((option.pk, language))
            values[f"option-{option.pk}-name"] = row.name if row else ""
            labels = list(row.values) if row else []
            for index in range(len(option.values)):
                values[f"option-{option.pk}-value-{index}"] = (
                    labels[index] if index < len(labels) else ""
                )
        return values

    own_url = reverse("dashboard:product-translations", args=[item.pk])
    return translations_page(
        request,
        obj=item,
        rows=list(ProductTranslation.objects.filter(product=item)),
        fields=catalog.PRODUCT_TRANSLATION_FIELDS,
        save=save,
        own_url=own_url,
        store_path=f"/products/{item.handle}" if item.is_visible else "",
        extra_fields=lambda language: _option_fields(options),
        extra_initial=initial,
        groups=[
            (
                option.name,
                [name for name, _ in _option_fields([option])],
            )
            for option in options
        ],
        context={
            "title": f"Translations of “{item.title}”",
            "section": SECTION,
            "subject": item.title,
            "breadcrumbs": [
                ("Products", reverse("dashboard:products")),
                (item.title, reverse("dashboard:product-edit", args=[item.pk])),
            ],
        },
    )


@staff_required(SECTION)
@require_http_methods(["GET", "HEAD", "POST"])
def collection(request: HttpRequest, collection_id: int) -> HttpResponse:
    shown = get_object_or_404(Collection, pk=collection_id)
    actor = Actor.for_user(request.user)

    def save(language: str, data: dict[str, Any]) -> None:
        catalog.collection_translation_save(
            collection=shown,
            language=language,
            data={name: data[name] for name in catalog.COLLECTION_TRANSLATION_FIELDS},
            actor=actor,
        )

    return translations_page(
        request,
        obj=shown,
        rows=list(CollectionTranslation.objects.filter(collection=shown)),
        fields=catalog.COLLECTION_TRANSLATION_FIELDS,
        save=save,
        own_url=reverse("dashboard:collection-translations", args=[shown.pk]),
        store_path=f"/collections/{shown.handle}" if shown.is_published else "",
        context={
            "title": f"Translations of “{shown.title}”",
            "section": SECTION,
            "subject": shown.title,
            "breadcrumbs": [
                ("Products", reverse("dashboard:products")),
                ("Collections", reverse("dashboard:collections")),
                (shown.title, reverse("dashboard:collection-edit", args=[shown.pk])),
            ],
        },
    )
