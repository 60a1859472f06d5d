"""The public storefront API: what a shop's own front end (or an app) reads without a login.

Only active products and published collections; prices as the storefront shows them. Every
endpoint is rate limited per client address (`conventions.STOREFRONT_RATE`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from freehold.api.conventions import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ErrorOut,
    MoneyOut,
    check_rate,
    money,
    page_by_key,
)
from freehold.catalog import selectors as catalog
from freehold.catalog.models import Collection, Product, ProductImage, Variant
from freehold.catalog.search import search_product_ids
from freehold.core.errors import NotFound
from freehold.storefront.jinja import image_sources

router = Router(tags=["storefront"])

ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class ImageOut(Schema):
    url: str
    srcset: str
    width: int
    height: int
    alt: str


class ProductSummaryOut(Schema):
    id: int
    handle: str
    title: str
    url: str
    price_min: MoneyOut | None
    price_max: MoneyOut | None
    compare_at: MoneyOut | None
    in_stock: bool
    image: ImageOut | None
    created_at: dt.datetime


class ProductPage(Schema):
    items: list[ProductSummaryOut]
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )


class OptionOut(Schema):
    name: str
    values: list[str]


class VariantOut(Schema):
    id: int
    title: str
    sku: str
    options: list[str]
    price: MoneyOut
    compare_at: MoneyOut | None
    available: bool
    availability: str
    image_id: int | None


class VendorRefOut(Schema):
    name: str
    handle: str


class ProductOut(ProductSummaryOut):
    vendor: VendorRefOut | None = Field(
        None, description="The seller, for a partner's product in marketplace mode; else null."
    )
    description_html: str
    product_type: str
    brand: str
    tags: list[str]
    seo_title: str
    seo_description: str
    options: list[OptionOut]
    variants: list[VariantOut]
    images: list[ImageOut]


class CollectionOut(Schema):
    id: int
    handle: str
    title: str
    url: str
    description_html: str


class CollectionPage(Schema):
    items: list[CollectionOut]
    next_cursor: str | None = None


class ListParameters(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)


def _image(picture: ProductImage | Any | None) -> ImageOut | None:
    sources = image_sources(picture)
    if sources is None:
        return None
    return ImageOut(
        url=sources["src"],
        srcset=sources["srcset"],
        width=sources["width"],
        height=sources["height"],
        alt=sources["alt"],
    )


def _summary(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "handle": product.handle,
        "title": product.title,
        "url": product.get_absolute_url(),
        "price_min": money(product.price_min_amount, product.currency),
        "price_max": money(product.price_max_amount, product.currency),
        "compare_at": money(product.compare_at_amount, product.currency),
        "in_stock": product.is_in_stock,
        "image": _image(product.featured_image),
        "created_at": product.created_at,
    }


def _vendor_of(product: Product) -> VendorRefOut | None:
    """The seller of a partner's product (its name and handle, never identity data); None for
    the operator's own products and whenever marketplace mode is off. `product_detail` selects
    the link with the product: one more query only for a partner's product."""
    link = getattr(product, "vendor_link", None)
    if link is None:
        return None
    from freehold.marketplace.models import MarketplaceSettings

    if not MarketplaceSettings.objects.filter(pk=1, enabled=True).exists():
        return None
    return VendorRefOut(name=link.vendor.name, handle=link.vendor.handle)


def _product_page(products: QuerySet[Product], parameters: ListParameters) -> ProductPage:
    """Newest first, keyed on the primary key: a cursor is the last id of the page before."""
    rows, next_cursor = page_by_key(
        catalog.for_listing(products), limit=parameters.limit, cursor=parameters.cursor
    )
    return ProductPage(
        items=[ProductSummaryOut(**_summary(product)) for product in rows],
        next_cursor=next_cursor,
    )


@router.get("/products", response={200: ProductPage, **ERRORS}, summary="List products")
def list_products(request: HttpRequest, parameters: Query[ListParameters]) -> ProductPage:
    """Active products, newest first."""
    check_rate(request)
    return _product_page(catalog.active_products(), parameters)


@router.get(
    "/products/{handle}", response={200: ProductOut, **ERRORS}, summary="A product by its handle"
)
def get_product(request: HttpRequest, handle: str) -> ProductOut:
    """An active product with its options, variants (price, stock state) and images."""
    check_rate(request)
    detail = catalog.product_detail(handle[:255])
    if detail is None:
        raise NotFound("No product has this handle.", field="handle")
    product = detail.product
    variants: list[Variant] = detail.variants
    return ProductOut(
        **_summary(product),
        vendor=_vendor_of(product),
        description_html=product.description_html,
        product_type=product.product_type,
        brand=product.brand,
        tags=sorted(tag.name for tag in product.tags.all()),
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        options=[
            OptionOut(name=option.name, values=list(option.values)) for option in detail.options
        ],
        variants=[
            VariantOut(
                id=variant.pk,
                title=variant.title,
                sku=variant.sku,
                options=[
                    value for value in (variant.option1, variant.option2, variant.option3) if value
                ],
                price=money(variant.price_amount, variant.currency),  # type: ignore[arg-type]
                compare_at=money(variant.compare_at_price_amount, variant.currency),
                available=variant.is_available,
                availability=catalog.availability_text(variant),
                image_id=variant.image_id,
            )
            for variant in variants
        ],
        images=[image for image in (_image(picture) for picture in detail.images) if image],
    )


@router.get("/collections", response={200: CollectionPage, **ERRORS}, summary="List collections")
def list_collections(request: HttpRequest, parameters: Query[ListParameters]) -> CollectionPage:
    """Published collections, newest first."""
    check_rate(request)
    rows, next_cursor = page_by_key(
        Collection.objects.filter(is_published=True),
        limit=parameters.limit,
        cursor=parameters.cursor,
    )
    return CollectionPage(
        items=[
            CollectionOut(
                id=collection.pk,
                handle=collection.handle,
                title=collection.title,
                url=collection.get_absolute_url(),
                description_html=collection.description_html,
            )
            for collection in rows
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/collections/{handle}/products",
    response={200: ProductPage, **ERRORS},
    summary="The products of a collection",
)
def collection_products(
    request: HttpRequest, handle: str, parameters: Query[ListParameters]
) -> ProductPage:
    """The active products of a published collection (manual or rule-based), newest first."""
    check_rate(request)
    collection = catalog.published_collection(handle[:255])
    if collection is None:
        raise NotFound("No published collection has this handle.", field="handle")
    return _product_page(catalog.collection_products(collection), parameters)


class SearchParameters(Schema):
    q: str = Field(..., min_length=1, max_length=200, description="Words to look for.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class SearchOut(Schema):
    items: list[ProductSummaryOut]


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search products")
def search(request: HttpRequest, parameters: Query[SearchParameters]) -> SearchOut:
    """Active products matching the words (prefixes count), best match first."""
    check_rate(request)
    ids = search_product_ids(parameters.q, limit=parameters.limit)
    products = {product.pk: product for product in catalog.products_in_order(ids)}
    return SearchOut(
        items=[ProductSummaryOut(**_summary(products[pk])) for pk in ids if pk in products]
    )
