"""Admin API, products: list, one product, create with options and variants, edit, variants and
stock (`products:read`, `products:write`).

Every write goes through `catalog.services`, which validates, keeps the product's summary
(price range, stock state, facets, search text) current and tells the page cache.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import Prefetch, Q
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from pydantic import StringConstraints

from freehold.api.conventions import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MoneyOut,
    OneOf,
    money,
    page_by_key,
    store_currency,
)
from freehold.api.staff import (
    ERRORS,
    IDEMPOTENCY,
    absent,
    actor_of,
    admin_router,
    as_api_errors,
    changes_of,
    create_once,
    once,
    scope,
)
from freehold.catalog import services as catalog_services
from freehold.catalog.models import Product, ProductOption, ProductTranslation, Variant
from freehold.catalog.services import ProductInput, VariantInput
from freehold.core.errors import NotFound, ValidationFailed

router = admin_router("products")
ProductStatus = Annotated[str, OneOf(Product.Status)]
InventoryPolicy = Annotated[str, OneOf(Variant.InventoryPolicy)]

# Model field names as the API calls them, for errors raised by the services.
RENAMES = {
    "price_amount": "price",
    "compare_at_price_amount": "compare_at_price",
    "cost_amount": "cost",
    "option1": "options",
    "option2": "options",
    "option3": "options",
}
TEXT = 255
Name = Annotated[str, StringConstraints(min_length=1, max_length=TEXT)]


class OptionOut(Schema):
    name: str
    values: list[str]


class AdminVariantOut(Schema):
    id: int
    product_id: int
    sku: str
    barcode: str
    title: str
    options: list[str]
    price: MoneyOut
    compare_at_price: MoneyOut | None
    cost: MoneyOut | None
    weight_grams: int
    stock_quantity: int
    track_inventory: bool
    inventory_policy: InventoryPolicy
    requires_shipping: bool
    taxable: bool
    position: int


class TranslationOut(Schema):
    """A product's texts in one language; an empty one shows the product's own."""

    title: str
    description_html: str
    seo_title: str
    seo_description: str


class AdminProductOut(Schema):
    id: int
    handle: str
    title: str
    status: ProductStatus
    description_html: str
    product_type: str
    brand: str
    tags: list[str]
    seo_title: str
    seo_description: str
    hs_code: str
    country_of_origin: str
    price_min: MoneyOut
    price_max: MoneyOut
    in_stock: bool
    options: list[OptionOut]
    variants: list[AdminVariantOut]
    translations: dict[str, TranslationOut] = Field(
        default_factory=dict, description="Texts in the store's other languages, by language."
    )
    created_at: dt.datetime
    updated_at: dt.datetime
    published_at: dt.datetime | None


class AdminProductPage(Schema):
    items: list[AdminProductOut]
    next_cursor: str | None = None


class ProductFilters(Schema):
    status: ProductStatus | None = None
    q: str | None = Field(None, max_length=200, description="A handle or a variant's SKU.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)


def _money(amount: Decimal | None, currency: str) -> MoneyOut:
    value = money(amount if amount is not None else Decimal(0), currency)
    assert value is not None
    return value


def _admin_variant(variant: Variant) -> AdminVariantOut:
    return AdminVariantOut(
        id=variant.pk,
        product_id=variant.product_id,
        sku=variant.sku,
        barcode=variant.barcode,
        title=variant.title,
        options=variant.option_values,
        price=_money(variant.price_amount, variant.currency),
        compare_at_price=money(variant.compare_at_price_amount, variant.currency),
        cost=money(variant.cost_amount, variant.currency),
        weight_grams=variant.weight_grams,
        stock_quantity=variant.stock_quantity,
        track_inventory=variant.track_inventory,
        inventory_policy=variant.inventory_policy,
        requires_shipping=variant.requires_shipping,
        taxable=variant.taxable,
        position=variant.position,
    )


def _admin_product(product: Product) -> AdminProductOut:
    return AdminProductOut(
        id=product.pk,
        handle=product.handle,
        title=product.title,
        status=product.status,
        description_html=product.description_html,
        product_type=product.product_type,
        brand=product.brand,
        tags=sorted(tag.name for tag in product.tags.all()),
        seo_title=product.seo_title,
        seo_description=product.seo_description,
        hs_code=product.hs_code,
        country_of_origin=product.country_of_origin,
        price_min=_money(product.price_min_amount, product.currency),
        price_max=_money(product.price_max_amount, product.currency),
        in_stock=product.is_in_stock,
        options=[OptionOut(name=o.name, values=list(o.values)) for o in product.options.all()],
        variants=[_admin_variant(variant) for variant in product.variants.all()],
        translations={
            row.language: TranslationOut(
                title=row.title,
                description_html=row.description_html,
                seo_title=row.seo_title,
                seo_description=row.seo_description,
            )
            for row in product.translations.all()
        },
        created_at=product.created_at,
        updated_at=product.updated_at,
        published_at=product.published_at,
    )


def _products() -> Any:
    """Products with what the answer shows, in four queries whatever the page size."""
    return Product.objects.prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
        Prefetch("options", queryset=ProductOption.objects.order_by("position")),
        Prefetch("translations", queryset=ProductTranslation.objects.order_by("language")),
        "tags",
    )


def _product(product_id: int) -> Product:
    product = _products().filter(pk=product_id).first()
    if product is None:
        raise NotFound("No product has this id.", field="product_id")
    return product


def _variant(variant_id: int) -> Variant:
    variant = Variant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        raise NotFound("No variant has this id.", field="variant_id")
    return variant


@router.get(
    "/admin/products",
    response={200: AdminProductPage, **ERRORS},
    summary="List products",
    auth=scope("products:read"),
)
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> AdminProductPage:
    """Every status (drafts and archived too), newest first, with options, variants and stock.
    Scope `products:read`."""
    products = _products()
    if filters.status:
        products = products.filter(status=filters.status)
    if filters.q:
        text = filters.q.strip()
        products = products.filter(Q(handle=text) | Q(variants__sku=text)).distinct()
    rows, next_cursor = page_by_key(products, limit=filters.limit, cursor=filters.cursor)
    return AdminProductPage(
        items=[_admin_product(product) for product in rows], next_cursor=next_cursor
    )


@router.get(
    "/admin/products/{product_id}",
    response={200: AdminProductOut, **ERRORS},
    summary="A product",
    auth=scope("products:read"),
)
def get_product(request: HttpRequest, product_id: int) -> AdminProductOut:
    """Any status, with options, variants and stock. Scope `products:read`."""
    return _admin_product(_product(product_id))


# --- Creating and editing ------------------------------------------------------------------


class OptionIn(Schema):
    name: str = Field(..., min_length=1, max_length=TEXT, description="Size, Colour…")
    values: list[Name] = Field(..., min_length=1, max_length=100)


class VariantIn(Schema):
    price: Decimal = Field(..., ge=0, max_digits=16, decimal_places=4)
    options: list[Name] = Field(
        [],
        max_length=3,
        description='One value per product option, in the options\' order: ["M", "Blue"].',
    )
    sku: str = Field("", max_length=TEXT)
    barcode: str = Field("", max_length=32, description="GTIN (EAN/UPC), checked.")
    compare_at_price: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=4)
    cost: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=4)
    weight_grams: int = Field(0, ge=0, le=1_000_000_000)
    stock_quantity: int = Field(0, ge=-1_000_000, le=1_000_000_000)
    inventory_policy: InventoryPolicy = Variant.InventoryPolicy.DENY.value
    requires_shipping: bool = True
    taxable: bool = True
    track_inventory: bool = True


class ProductIn(Schema):
    title: str = Field(..., min_length=1, max_length=TEXT)
    handle: str = Field(
        "",
        max_length=TEXT,
        pattern=r"^[-\w]*$",
        description="The URL name; made from the title when empty.",
    )
    status: ProductStatus = Field(Product.Status.DRAFT.value, description="Draft until published.")
    description_html: str = Field("", max_length=100_000, description="Sanitised on save.")
    product_type: str = Field("", max_length=TEXT)
    brand: str = Field("", max_length=TEXT)
    tags: list[Name] = Field([], max_length=250)
    seo_title: str = Field("", max_length=TEXT)
    seo_description: str = Field("", max_length=512)
    hs_code: str = Field("", max_length=16)
    country_of_origin: str = Field("", max_length=2)
    options: list[OptionIn] = Field([], max_length=3)
    variants: list[VariantIn] = Field(..., min_length=1, max_length=100)


class ProductPatch(Schema):
    """Only the fields sent change. Variants have their own endpoints."""

    title: str = Field(default_factory=absent, min_length=1, max_length=TEXT)
    handle: str = Field(
        default_factory=absent,
        min_length=1,
        max_length=TEXT,
        pattern=r"^[-\w]+$",
        description="A new handle leaves a redirect from the old URL.",
    )
    status: ProductStatus = Field(default_factory=absent)
    description_html: str = Field(default_factory=absent, max_length=100_000)
    product_type: str = Field(default_factory=absent, max_length=TEXT)
    brand: str = Field(default_factory=absent, max_length=TEXT)
    tags: list[Name] = Field(
        default_factory=absent, max_length=250, description="Replaces every tag."
    )
    seo_title: str = Field(default_factory=absent, max_length=TEXT)
    seo_description: str = Field(default_factory=absent, max_length=512)
    hs_code: str = Field(default_factory=absent, max_length=16)
    country_of_origin: str = Field(default_factory=absent, max_length=2)


def _check_options(options: list[OptionIn], variants: list[VariantIn]) -> None:
    """Each variant names one value of every option, and no two variants the same ones: the
    shape of the variant matrix, checked before anything is written."""
    names = [option.name.strip().casefold() for option in options]
    if len(set(names)) != len(names):
        raise ValidationFailed("Two options have the same name.", field="options")
    seen: set[tuple[str, ...]] = set()
    for position, variant in enumerate(variants):
        field = f"variants.{position}.options"
        if len(variant.options) != len(options):
            raise ValidationFailed(
                f"Give {len(options)} option value(s), one per product option.", field=field
            )
        for option, value in zip(options, variant.options, strict=True):
            if value not in option.values:
                raise ValidationFailed(
                    f"{value!r} is not a value of the option {option.name}.", field=field
                )
        combination = tuple(variant.options)
        if combination in seen:
            raise ValidationFailed("Another variant has the same options.", field=field)
        seen.add(combination)


def _variant_input(variant: VariantIn) -> VariantInput:
    return VariantInput(
        price=variant.price,
        options=list(variant.options),
        sku=variant.sku.strip(),
        barcode=variant.barcode.strip(),
        compare_at_price=variant.compare_at_price,
        cost=variant.cost,
        weight_grams=variant.weight_grams,
        stock_quantity=variant.stock_quantity,
        inventory_policy=variant.inventory_policy,
        requires_shipping=variant.requires_shipping,
        taxable=variant.taxable,
        track_inventory=variant.track_inventory,
    )


@router.post(
    "/admin/products",
    response={201: AdminProductOut, **ERRORS},
    summary="Create a product with options and variants (Idempotency-Key required)",
    auth=scope("products:write"),
)
def create_product(
    request: HttpRequest, data: ProductIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `products:write`. Prices are in the store's currency. A retry with the same key
    answers with the product the first call made."""
    actor = actor_of(request)
    _check_options(data.options, data.variants)

    def create() -> int:
        product_data = ProductInput(
            title=data.title.strip(),
            variants=[_variant_input(variant) for variant in data.variants],
            handle=data.handle,
            description_html=data.description_html,
            product_type=data.product_type,
            brand=data.brand,
            tags=list(data.tags),
            status=data.status,
            options=[(option.name.strip(), list(option.values)) for option in data.options],
            seo_title=data.seo_title,
            seo_description=data.seo_description,
            hs_code=data.hs_code,
            country_of_origin=data.country_of_origin.upper(),
        )
        with as_api_errors(RENAMES):
            product = catalog_services.product_create(
                data=product_data, currency=store_currency(), actor=actor
            )
        return product.pk

    product_id = create_once(request, kind="product", key=idempotency_key, data=data, create=create)
    return Status(201, _admin_product(_product(product_id)))


@router.patch(
    "/admin/products/{product_id}",
    response={200: AdminProductOut, **ERRORS},
    summary="Edit a product's fields",
    auth=scope("products:write"),
)
def update_product(request: HttpRequest, product_id: int, data: ProductPatch) -> AdminProductOut:
    """Scope `products:write`. Send only what changes; `tags` replaces every tag."""
    actor = actor_of(request)
    product = _product(product_id)
    changes = changes_of(data)
    if "title" in changes:
        changes["title"] = changes["title"].strip()
    if "country_of_origin" in changes:
        changes["country_of_origin"] = changes["country_of_origin"].upper()
    if changes:
        with as_api_errors(RENAMES):
            catalog_services.product_update(product=product, actor=actor, **changes)
    return _admin_product(_product(product_id))


class TranslationPatch(Schema):
    title: str = Field(default_factory=absent, max_length=TEXT)
    description_html: str = Field(default_factory=absent, max_length=100_000)
    seo_title: str = Field(default_factory=absent, max_length=TEXT)
    seo_description: str = Field(default_factory=absent, max_length=512)


@router.patch(
    "/admin/products/{product_id}/translations/{language}",
    response={200: AdminProductOut, **ERRORS},
    summary="Edit a product's texts in one language",
    auth=scope("products:write"),
)
def update_product_translation(
    request: HttpRequest, product_id: int, language: str, data: TranslationPatch
) -> AdminProductOut:
    """Scope `products:write`. `language` is one of the store's languages other than its own
    ("de", "fr"…). Send only what changes; an empty text falls back to the product's own, and
    a language left without any text is removed."""
    product = _product(product_id)
    changes = changes_of(data)
    if changes:
        with as_api_errors():
            catalog_services.product_translation_save(
                product=product, language=language, data=changes, actor=actor_of(request)
            )
    return _admin_product(_product(product_id))


# --- Stock ----------------------------------------------------------------------------------


class StockIn(Schema):
    delta: int = Field(
        ..., ge=-1_000_000, le=1_000_000, description="Units to add (negative: remove)."
    )
    reason: str = Field(
        ...,
        min_length=1,
        max_length=200,
        description="received, correction, damaged, returned, other, or words of your own.",
    )
    note: str = Field("", max_length=255, description="Kept in the stock history.")


@router.post(
    "/admin/variants/{variant_id}/stock",
    response={200: AdminVariantOut, **ERRORS},
    summary="Adjust a variant's stock (Idempotency-Key required)",
    auth=scope("products:write"),
)
def adjust_stock(
    request: HttpRequest, variant_id: int, data: StockIn, idempotency_key: str = IDEMPOTENCY
) -> AdminVariantOut:
    """Scope `products:write`. The movement goes into the stock history and the audit trail
    with the reason and the token's name."""
    actor = actor_of(request)
    variant = _variant(variant_id)

    def operation() -> dict[str, Any]:
        after = catalog_services.stock_adjust(
            variant=variant, delta=data.delta, reason=data.reason, note=data.note, actor=actor
        )
        return {"stock_quantity": after}

    once(scope=f"api.stock:{variant.pk}", key=idempotency_key, data=data, operation=operation)
    return _admin_variant(_variant(variant_id))


# --- Variants -------------------------------------------------------------------------------


class VariantPatch(Schema):
    """Only the fields sent change. Stock moves through the stock endpoint, with a reason."""

    options: list[Name] = Field(
        default_factory=absent, max_length=3, description="A new value is added."
    )
    sku: str = Field(default_factory=absent, max_length=TEXT)
    barcode: str = Field(default_factory=absent, max_length=32)
    price: Decimal = Field(default_factory=absent, ge=0, max_digits=16, decimal_places=4)
    compare_at_price: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=4)
    cost: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=4)
    weight_grams: int = Field(default_factory=absent, ge=0, le=1_000_000_000)
    inventory_policy: InventoryPolicy = Field(default_factory=absent)
    requires_shipping: bool = Field(default_factory=absent)
    taxable: bool = Field(default_factory=absent)
    track_inventory: bool = Field(default_factory=absent)


@router.post(
    "/admin/products/{product_id}/variants",
    response={201: AdminVariantOut, **ERRORS},
    summary="Add a variant (Idempotency-Key required)",
    auth=scope("products:write"),
)
def create_variant(
    request: HttpRequest, product_id: int, data: VariantIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `products:write`. One value per product option (a new value is added to its
    option), a combination no other variant has; the stock given is recorded as received."""
    actor = actor_of(request)
    product = _product(product_id)

    def create() -> int:
        with as_api_errors(RENAMES):
            variant = catalog_services.variant_create(
                product=product, data=_variant_input(data), actor=actor
            )
        return variant.pk

    variant_id = create_once(
        request, kind=f"variant.{product.pk}", key=idempotency_key, data=data, create=create
    )
    return Status(201, _admin_variant(_variant(variant_id)))


@router.patch(
    "/admin/variants/{variant_id}",
    response={200: AdminVariantOut, **ERRORS},
    summary="Edit a variant",
    auth=scope("products:write"),
)
def update_variant(request: HttpRequest, variant_id: int, data: VariantPatch) -> AdminVariantOut:
    """Scope `products:write`. A new price is kept in the price history."""
    actor = actor_of(request)
    variant = _variant(variant_id)
    changes = changes_of(data)
    if changes:
        with as_api_errors(RENAMES):
            catalog_services.variant_update(variant=variant, actor=actor, **changes)
    return _admin_variant(_variant(variant_id))


@router.delete(
    "/admin/variants/{variant_id}",
    response={204: None, **ERRORS},
    summary="Delete a variant",
    auth=scope("products:write"),
)
def delete_variant(request: HttpRequest, variant_id: int) -> Status:
    """Scope `products:write`. Never the last one: archive the product instead. Orders keep
    their lines."""
    actor = actor_of(request)
    catalog_services.variant_delete(variant=_variant(variant_id), actor=actor)
    return Status(204, None)
