"""Page-cache invalidation for every way the catalog changes.

Infrastructure, not domain behaviour: the full-page cache must hear about edits made through
services, the admin back door and imports alike, so model signals are the right hook here
(architecture.md). Bulk `.update()` calls in services invalidate explicitly.

Tags: `product:<id>` (pages showing that product), `collection:<id>`, `listings` (any page
listing products: collections, search, home; moved by a price, status or in-stock change)
and `store` (settings, menus, pages: every page).
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_delete, post_save

from freehold.catalog.models import (
    Collection,
    CollectionProduct,
    CollectionTranslation,
    MediaImage,
    Product,
    ProductImage,
    ProductOption,
    ProductOptionTranslation,
    ProductTranslation,
    Redirect,
    Variant,
)
from freehold.core.pagecache import GLOBAL_TAG, invalidate

LISTINGS_TAG = "listings"


def invalidate_products(*product_ids: int) -> None:
    invalidate(*[f"product:{pid}" for pid in product_ids], LISTINGS_TAG)


def _product_changed(sender: Any, instance: Product, **kwargs: Any) -> None:
    invalidate_products(instance.pk)


def _product_child_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    invalidate_products(instance.product_id)


def _collection_changed(sender: Any, instance: Collection, **kwargs: Any) -> None:
    invalidate(f"collection:{instance.pk}", LISTINGS_TAG)


def _collection_child_changed(sender: Any, instance: CollectionTranslation, **kwargs: Any) -> None:
    invalidate(f"collection:{instance.collection_id}", LISTINGS_TAG)


def _option_translation_changed(
    sender: Any, instance: ProductOptionTranslation, **kwargs: Any
) -> None:
    # Read, not `instance.option`: in a cascade the option may already be gone (and its own
    # delete has invalidated the product).
    product_ids = ProductOption.objects.filter(pk=instance.option_id).values_list(
        "product_id", flat=True
    )
    invalidate_products(*product_ids)


def _membership_changed(sender: Any, instance: CollectionProduct, **kwargs: Any) -> None:
    invalidate(f"collection:{instance.collection_id}", LISTINGS_TAG)


def _store_changed(sender: Any, **kwargs: Any) -> None:
    invalidate(GLOBAL_TAG)


for signal in (post_save, post_delete):
    signal.connect(_product_changed, sender=Product, dispatch_uid=f"pc-product-{signal}")
    for child in (Variant, ProductImage, ProductOption, ProductTranslation):
        signal.connect(_product_child_changed, sender=child, dispatch_uid=f"pc-{child}-{signal}")
    signal.connect(_collection_changed, sender=Collection, dispatch_uid=f"pc-collection-{signal}")
    signal.connect(
        _collection_child_changed, sender=CollectionTranslation, dispatch_uid=f"pc-ct-{signal}"
    )
    signal.connect(
        _option_translation_changed,
        sender=ProductOptionTranslation,
        dispatch_uid=f"pc-pot-{signal}",
    )
    signal.connect(_membership_changed, sender=CollectionProduct, dispatch_uid=f"pc-cp-{signal}")
    signal.connect(_store_changed, sender=MediaImage, dispatch_uid=f"pc-media-{signal}")
    signal.connect(_store_changed, sender=Redirect, dispatch_uid=f"pc-redirect-{signal}")
m2m_changed.connect(_store_changed, sender=Product.tags.through, dispatch_uid="pc-tags")
