"""Reads about imported things: a product's identifiers elsewhere and its images still to come."""

from __future__ import annotations

from dataclasses import dataclass

from freehold.catalog.models import Product
from freehold.imports.models import ExternalId, ImageSource

SCHEME_LABELS = {
    "asin": "ASIN",
    "amazon-listing-id": "Amazon listing id",
    "woocommerce-id": "WooCommerce id",
}


@dataclass(frozen=True)
class ProductImportState:
    identifiers: list[tuple[str, str, str]]  # (label, value, variant title or "")
    waiting_images: list[ImageSource]  # pending or given up, with their last error


def product_import_state(product: Product) -> ProductImportState:
    identifiers = [
        (
            SCHEME_LABELS.get(row.scheme, row.scheme),
            row.value,
            row.variant.title if row.variant else "",
        )
        for row in ExternalId.objects.filter(product=product)
        .select_related("variant")
        .order_by("scheme", "value")
    ]
    waiting = list(
        ImageSource.objects.filter(product=product)
        .exclude(status=ImageSource.Status.FETCHED)
        .order_by("position", "pk")
    )
    return ProductImportState(identifiers=identifiers, waiting_images=waiting)
