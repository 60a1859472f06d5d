"""Every write to the catalog: one function per business operation.

Services take keyword arguments, run in a transaction, keep the product summary and price
history current and tell the page cache what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils.text import slugify

from freehold.catalog import cache
from freehold.catalog.html import html_to_text, sanitise_html
from freehold.catalog.models import (
    Collection,
    CollectionProduct,
    PriceChange,
    Product,
    ProductFacet,
    ProductOption,
    Redirect,
    Tag,
    Variant,
)
from freehold.core import clock
from freehold.core.pagecache import invalidate

COLLECTION_RULE_FIELDS = {
    "tag": "Product tag",
    "type": "Product type",
    "brand": "Brand",
    "title": "Title",
    "price": "Price",
    "compare_at": "Compare-at price",
    "in_stock": "In stock",
}
COLLECTION_RULE_RELATIONS = {
    "equals",
    "not_equals",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "greater_than",
    "less_than",
}
NUMERIC_RULE_FIELDS = {"price", "compare_at"}


@dataclass
class VariantInput:
    price: Decimal
    options: Sequence[str] = ()
    sku: str = ""
    barcode: str = ""
    compare_at_price: Decimal | None = None
    cost: Decimal | None = None
    weight_grams: int = 0
    stock_quantity: int = 0
    inventory_policy: str = Variant.InventoryPolicy.DENY
    requires_shipping: bool = True
    taxable: bool = True
    track_inventory: bool = True
    image_position: int | None = None


@dataclass
class ProductInput:
    title: str
    variants: list[VariantInput]
    handle: str = ""
    description_html: str = ""
    product_type: str = ""
    brand: str = ""
    tags: Sequence[str] = ()
    status: str = Product.Status.ACTIVE
    options: Sequence[tuple[str, Sequence[str]]] = ()
    seo_title: str = ""
    seo_description: str = ""
    hs_code: str = ""
    country_of_origin: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def unique_handle(
    title: str, *, model: type[Product] | type[Collection] = Product, exclude_pk: int | None = None
) -> str:
    base = slugify(title, allow_unicode=True)[:240] or "item"
    candidate, n = base, 1
    qs = model._default_manager.all()
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    while qs.filter(handle=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _variant_title(options: Sequence[str]) -> str:
    values = [v for v in options if v]
    return " / ".join(values) if values and values != ["Default Title"] else ""


@transaction.atomic
def product_create(*, data: ProductInput, currency: str) -> Product:
    """Create a product with its options and variants; validates every variant first."""
    if not data.variants:
        raise ValidationError({"variants": "A product needs at least one variant."})
    if len(data.options) > 3:
        raise ValidationError({"options": "A product has at most three options."})
    product = Product(
        handle=data.handle or unique_handle(data.title),
        title=data.title,
        description_html=sanitise_html(data.description_html),
        product_type=data.product_type,
        brand=data.brand,
        status=data.status,
        seo_title=data.seo_title,
        seo_description=data.seo_description,
        hs_code=data.hs_code,
        country_of_origin=data.country_of_origin,
        currency=currency,
        published_at=clock.now() if data.status == Product.Status.ACTIVE else None,
    )
    product.full_clean(exclude=["featured_image"])
    product.save()
    for position, (name, values) in enumerate(data.options, start=1):
        ProductOption.objects.create(
            product=product, position=position, name=name, values=list(values)
        )
    variants = []
    for position, item in enumerate(data.variants, start=1):
        options = [*item.options, "", "", ""]
        variant = Variant(
            product=product,
            title=_variant_title(item.options),
            sku=item.sku,
            barcode=item.barcode,
            option1=options[0],
            option2=options[1],
            option3=options[2],
            position=position,
            currency=currency,
            price_amount=item.price,
            compare_at_price_amount=item.compare_at_price,
            cost_amount=item.cost,
            weight_grams=item.weight_grams,
            stock_quantity=item.stock_quantity,
            inventory_policy=item.inventory_policy,
            requires_shipping=item.requires_shipping,
            taxable=item.taxable,
            track_inventory=item.track_inventory,
        )
        try:
            variant.full_clean(exclude=["product", "image"], validate_unique=False)
        except ValidationError as exc:
            raise ValidationError(
                {f"variants[{position}].{k}": v for k, v in exc.message_dict.items()}
            ) from exc
        variants.append(variant)
    Variant.objects.bulk_create(variants)
    PriceChange.objects.bulk_create(
        PriceChange(
            variant=v,
            currency=v.currency,
            price_amount=v.price_amount,
            compare_at_price_amount=v.compare_at_price_amount,
            changed_at=product.created_at,
        )
        for v in variants
    )
    product_set_tags(product=product, tags=data.tags)
    product_refresh_summary(product=product)
    return product


def product_set_tags(*, product: Product, tags: Iterable[str]) -> None:
    names = sorted({t.strip() for t in tags if t and t.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    product.tags.set([existing[n] for n in names])


@transaction.atomic
def product_update(*, product: Product, **changes: Any) -> Product:
    """Change product fields; a new handle leaves a 301 redirect from the old URL."""
    old_url = product.get_absolute_url()
    if "description_html" in changes:
        changes["description_html"] = sanitise_html(changes["description_html"])
    tags = changes.pop("tags", None)
    for name, value in changes.items():
        setattr(product, name, value)
    if product.status == Product.Status.ACTIVE and product.published_at is None:
        product.published_at = clock.now()
    product.updated_at = clock.now()
    product.full_clean(exclude=["featured_image"])
    product.save()
    if product.get_absolute_url() != old_url:
        redirect_create(old_path=old_url, new_path=product.get_absolute_url())
    if tags is not None:
        product_set_tags(product=product, tags=tags)
    product_refresh_summary(product=product)
    return product


def redirect_create(*, old_path: str, new_path: str) -> None:
    """Point `old_path` at `new_path`, and keep chains one hop long (a→b, b→c gives a→c)."""
    Redirect.objects.filter(new_path=old_path).update(new_path=new_path)
    Redirect.objects.filter(old_path=new_path).delete()
    Redirect.objects.update_or_create(old_path=old_path, defaults={"new_path": new_path})


@transaction.atomic
def variant_set_price(
    *, variant: Variant, price: Decimal, compare_at_price: Decimal | None = None
) -> Variant:
    """Change a price and record it in the history (the EU 30-day low reads it)."""
    if price < 0:
        raise ValidationError({"price": "A price cannot be negative."})
    variant.price_amount = price
    variant.compare_at_price_amount = compare_at_price
    variant.updated_at = clock.now()
    variant.save(update_fields=["price_amount", "compare_at_price_amount", "updated_at"])
    PriceChange.objects.create(
        variant=variant,
        currency=variant.currency,
        price_amount=price,
        compare_at_price_amount=compare_at_price,
    )
    product_refresh_summary(product=variant.product)
    return variant


@transaction.atomic
def stock_adjust(*, variant: Variant, delta: int) -> int:
    """Add to (or take from) a variant's stock; returns the new quantity."""
    Variant.objects.filter(pk=variant.pk).update(stock_quantity=F("stock_quantity") + delta)
    variant.refresh_from_db(fields=["stock_quantity"])
    product_refresh_summary(product=variant.product)
    return variant.stock_quantity


def stock_decrement(*, variant_id: int, quantity: int) -> bool:
    """Take `quantity` units if they are there. False means sold out, never an oversell.

    The conditional UPDATE is the whole guarantee: two buyers racing for the last unit
    cannot both get a row updated. Variants that continue selling, or do not track stock,
    always succeed.

    One statement on the common path (`RETURNING` gives the new stock): the product row is
    written only when its `is_in_stock` flips, so concurrent buyers of one product (a flash
    sale) contend on the variant row alone, not on a second hot row held until COMMIT. The
    page cache is told only when what a page shows changes: the product page shows "Only N
    left" at `LOW_STOCK_THRESHOLD` units and below, and "Sold out"; listings show the
    product's in-stock flag (`pagecache.invalidate` bumps again at COMMIT).
    """
    from freehold.catalog.selectors import LOW_STOCK_THRESHOLD  # selectors import models only

    table = connection.ops.quote_name(Variant._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET stock_quantity = stock_quantity - %s"
            " WHERE id = %s AND NOT (track_inventory AND inventory_policy = %s"
            " AND stock_quantity < %s)"
            " RETURNING product_id, stock_quantity, track_inventory, inventory_policy",
            [quantity, variant_id, Variant.InventoryPolicy.DENY.value, quantity],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    product_id, stock_left, tracked, policy = row
    if not tracked or stock_left > LOW_STOCK_THRESHOLD:
        return True  # nothing any page shows has changed
    tags = [f"product:{product_id}"]
    if stock_left <= 0 and policy == Variant.InventoryPolicy.DENY:
        # This variant just sold out: the product is out of stock if no other variant sells.
        available = Variant.objects.filter(product_id=OuterRef("pk")).filter(
            Q(track_inventory=False)
            | Q(stock_quantity__gt=0)
            | Q(inventory_policy=Variant.InventoryPolicy.CONTINUE)
        )
        flipped = (
            Product.objects.filter(pk=product_id, is_in_stock=True)
            .exclude(Exists(available))
            .update(is_in_stock=False)
        )
        if flipped:
            tags.append(cache.LISTINGS_TAG)
    invalidate(*tags)
    return True


def product_refresh_stock(*, product_id: int) -> None:
    """Recompute `Product.is_in_stock` from its variants in one statement."""
    available = Variant.objects.filter(product_id=OuterRef("pk")).filter(
        Q(track_inventory=False)
        | Q(stock_quantity__gt=0)
        | Q(inventory_policy=Variant.InventoryPolicy.CONTINUE)
    )
    Product.objects.filter(pk=product_id).update(is_in_stock=Exists(available))
    cache.invalidate_products(product_id)


def product_refresh_summary(*, product: Product) -> None:
    """Recompute what listing pages read from the product row: prices, stock, facets, search."""
    variants = list(Variant.objects.filter(product=product).order_by("price_amount", "position"))
    options = list(ProductOption.objects.filter(product=product).order_by("position"))
    if variants:
        cheapest = variants[0]
        product.price_min_amount = cheapest.price_amount
        product.price_max_amount = max(v.price_amount for v in variants)
        on_sale = [v for v in variants if v.is_on_sale]
        product.compare_at_amount = (
            min(on_sale, key=lambda v: v.price_amount).compare_at_price_amount if on_sale else None
        )
        product.is_in_stock = any(v.is_available for v in variants)
        product.currency = cheapest.currency
    else:
        product.price_min_amount = product.price_max_amount = Decimal(0)
        product.compare_at_amount = None
        product.is_in_stock = False
    product.featured_image = product.images.order_by("position", "id").first()
    tag_names = list(product.tags.values_list("name", flat=True))
    product.search_text = " ".join(
        part
        for part in (
            product.brand,
            product.product_type,
            " ".join(tag_names),
            " ".join(v.sku for v in variants if v.sku),
            " ".join(sorted({val for v in variants for val in v.option_values})),
            html_to_text(product.description_html)[:4000],
        )
        if part
    )
    product.save(
        update_fields=[
            "price_min_amount",
            "price_max_amount",
            "compare_at_amount",
            "is_in_stock",
            "currency",
            "featured_image",
            "search_text",
        ]
    )
    facets = {
        (option.name, value)
        for v in variants
        for option in options
        if (value := getattr(v, f"option{option.position}"))
    }
    # Delete what went, add what came: concurrent refreshes of one product stay consistent.
    current = set(ProductFacet.objects.filter(product=product).values_list("name", "value"))
    for name, value in current - facets:
        ProductFacet.objects.filter(product=product, name=name, value=value).delete()
    ProductFacet.objects.bulk_create(
        (
            ProductFacet(product=product, name=name, value=value)
            for name, value in sorted(facets - current)
        ),
        ignore_conflicts=True,
    )


def collection_validate_rules(rules: Any) -> list[dict[str, str]]:
    """Check a rule-based collection's rules; errors name the rule by its number."""
    if not isinstance(rules, list):
        raise ValidationError({"rules": "Rules are a list of {field, relation, value}."})
    clean = []
    for number, rule in enumerate(rules, start=1):
        if not isinstance(rule, dict):
            raise ValidationError({f"rules[{number}]": "A rule is {field, relation, value}."})
        field_name, relation, value = rule.get("field"), rule.get("relation"), rule.get("value", "")
        if field_name not in COLLECTION_RULE_FIELDS:
            raise ValidationError({f"rules[{number}].field": f"Unknown field {field_name!r}."})
        if relation not in COLLECTION_RULE_RELATIONS:
            raise ValidationError({f"rules[{number}].relation": f"Unknown relation {relation!r}."})
        if field_name in NUMERIC_RULE_FIELDS:
            try:
                Decimal(str(value))
            except ArithmeticError as exc:
                raise ValidationError(
                    {f"rules[{number}].value": f"{value!r} is not a number."}
                ) from exc
        clean.append({"field": field_name, "relation": relation, "value": str(value)})
    return clean


@transaction.atomic
def collection_create(
    *,
    title: str,
    handle: str = "",
    kind: str = Collection.Kind.MANUAL,
    rules: list[dict[str, str]] | None = None,
    match_all_rules: bool = True,
    sort_order: str = Collection.SortOrder.MANUAL,
    description_html: str = "",
    products: Sequence[Product] = (),
    **extra: Any,
) -> Collection:
    collection = Collection(
        handle=handle or unique_handle(title, model=Collection),
        title=title,
        kind=kind,
        rules=collection_validate_rules(rules or []) if kind == Collection.Kind.SMART else [],
        match_all_rules=match_all_rules,
        sort_order=sort_order,
        description_html=sanitise_html(description_html),
        **extra,
    )
    collection.full_clean(exclude=["image"])
    collection.save()
    if products:
        collection_set_products(collection=collection, products=products)
    return collection


def collection_set_products(*, collection: Collection, products: Sequence[Product]) -> None:
    CollectionProduct.objects.filter(collection=collection).delete()
    CollectionProduct.objects.bulk_create(
        CollectionProduct(collection=collection, product=p, position=i)
        for i, p in enumerate(products)
    )
    cache.invalidate(f"collection:{collection.pk}", cache.LISTINGS_TAG)


@transaction.atomic
def collection_update(*, collection: Collection, **changes: Any) -> Collection:
    old_url = collection.get_absolute_url()
    if "rules" in changes:
        changes["rules"] = collection_validate_rules(changes["rules"])
    if "description_html" in changes:
        changes["description_html"] = sanitise_html(changes["description_html"])
    for name, value in changes.items():
        setattr(collection, name, value)
    collection.updated_at = clock.now()
    collection.full_clean(exclude=["image"])
    collection.save()
    if collection.get_absolute_url() != old_url:
        redirect_create(old_path=old_url, new_path=collection.get_absolute_url())
    return collection
