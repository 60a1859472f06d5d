"""Reads for the dashboard's products area: the filtered list, the edit page, the CSV export.

The list is one query for the page of products (thumbnail joined, variant count, stock and
"running low" annotated), plus one each for the type and brand filter choices and the store's
low-stock level: constant whatever the page size.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum

from freehold.catalog.models import (
    Product,
    ProductImage,
    ProductOption,
    StockMovement,
    Variant,
)
from freehold.catalog.services import low_stock_threshold

# A search longer than this is cut: nobody types a 200-character product title.
MAX_SEARCH = 100


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    status: str = ""
    product_type: str = ""
    brand: str = ""
    low_stock: bool = False

    @classmethod
    def from_query(cls, params: Mapping[str, str]) -> ProductFilters:
        status = params.get("status", "")
        return cls(
            q=params.get("q", "").strip()[:MAX_SEARCH],
            status=status if status in Product.Status.values else "",
            product_type=params.get("type", "").strip(),
            brand=params.get("brand", "").strip(),
            low_stock=params.get("low") == "1",
        )

    @property
    def active(self) -> bool:
        return bool(self.q or self.status or self.product_type or self.brand or self.low_stock)


def _low_variants(threshold: int) -> QuerySet[Variant]:
    return Variant.objects.filter(
        product_id=OuterRef("pk"), track_inventory=True, stock_quantity__lte=threshold
    )


def product_list(filters: ProductFilters, *, threshold: int) -> QuerySet[Product]:
    """Products matching the filters, newest first, each with its thumbnail and stock figures.

    Search matches title, handle or any variant's SKU (case-insensitive substring): staff
    look for "the linen one" and for "LS-042" alike; unlike the storefront's search it
    finds drafts and archived products too.
    """
    products = Product.objects.select_related("featured_image")
    if filters.q:
        sku = Variant.objects.filter(product_id=OuterRef("pk"), sku__icontains=filters.q)
        products = products.filter(
            Q(title__icontains=filters.q) | Q(handle__icontains=filters.q) | Exists(sku)
        )
    if filters.status:
        products = products.filter(status=filters.status)
    if filters.product_type:
        products = products.filter(product_type=filters.product_type)
    if filters.brand:
        products = products.filter(brand=filters.brand)
    if filters.low_stock:
        products = products.filter(Exists(_low_variants(threshold)))
    return products.annotate(
        variant_count=Count("variants"),
        stock_total=Sum("variants__stock_quantity", filter=Q(variants__track_inventory=True)),
        low_count=Count(
            "variants",
            filter=Q(variants__track_inventory=True, variants__stock_quantity__lte=threshold),
        ),
    ).order_by("-created_at", "-id")


def filter_choices() -> dict[str, list[str]]:
    """The product types and brands in use, for the filter selects (one query each)."""

    def distinct(field_name: str) -> list[str]:
        return list(
            Product.objects.exclude(**{field_name: ""})
            .order_by(field_name)
            .values_list(field_name, flat=True)
            .distinct()
        )

    return {"types": distinct("product_type"), "brands": distinct("brand")}


def product_for_edit(product_id: int) -> Product | None:
    """A product with everything its edit page shows, in a constant number of queries."""
    return (
        Product.objects.filter(pk=product_id)
        .prefetch_related(
            Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
            Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
            Prefetch("options", queryset=ProductOption.objects.order_by("position")),
            "tags",
        )
        .first()
    )


def stock_history(variant: Variant) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(variant=variant).order_by("-created_at", "-id")


def variants_for_bulk_edit(product_ids: list[int]) -> list[Variant]:
    """The variants of the chosen products, product by product, in one query."""
    return list(
        Variant.objects.filter(product_id__in=product_ids)
        .select_related("product")
        .order_by("product__title", "product_id", "position", "id")
    )


def current_threshold() -> int:
    return low_stock_threshold()
