"""Every write to the catalog: one function per business operation.

Services take keyword arguments, run in a transaction, keep the product summary and price
history current and tell the page cache what changed.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.db.models import Exists, F, Max, OuterRef, Q
from django.utils.text import slugify

from freehold.catalog import cache
from freehold.catalog.html import html_to_text, sanitise_html
from freehold.catalog.images import make_renditions
from freehold.catalog.models import (
    Collection,
    CollectionProduct,
    CollectionTranslation,
    PriceChange,
    Product,
    ProductFacet,
    ProductImage,
    ProductOption,
    ProductOptionTranslation,
    ProductTranslation,
    Redirect,
    StockMovement,
    Tag,
    Variant,
)
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.core.pagecache import invalidate
from freehold.storefront.models import StoreSettings
from freehold.webhooks.payloads import inventory_payload, product_payload
from freehold.webhooks.services import webhook_emit

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
# Used when the store has no settings row yet (StoreSettings.low_stock_threshold's default).
DEFAULT_LOW_STOCK_THRESHOLD = 5
# More combinations than this is a catalogue mistake (Shopify's long-standing limit was 100).
MAX_VARIANTS = 250
MAX_OPTIONS = 3


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
    tax_class: str = "standard"
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


def _actor(actor: Actor | None) -> Actor:
    """Services called without an actor (seed, imports, tests) act as the system."""
    return actor if actor is not None else Actor.system()


def _emit_product_updated(product: Product) -> None:
    """`product.updated` with the variants as they are now (never a stale prefetch)."""
    prefetched = getattr(product, "_prefetched_objects_cache", None)
    if prefetched:
        prefetched.pop("variants", None)
    webhook_emit("product.updated", product_payload(product))


def _touch(product: Product) -> None:
    """Mark the product changed (its `updated_at`) when only its children were written."""
    product.updated_at = clock.now()
    Product.objects.filter(pk=product.pk).update(updated_at=product.updated_at)


def _variants_insert(variants: Sequence[Variant], *, at: dt.datetime) -> None:
    """Insert new variants with their first price as the start of their price history."""
    Variant.objects.bulk_create(variants)
    PriceChange.objects.bulk_create(
        PriceChange(
            variant=v,
            currency=v.currency,
            price_amount=v.price_amount,
            compare_at_price_amount=v.compare_at_price_amount,
            changed_at=at,
        )
        for v in variants
    )


@transaction.atomic
def product_create(*, data: ProductInput, currency: str, actor: Actor | None = None) -> Product:
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
        tax_class=data.tax_class or "standard",
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
            # SKUs are checked below, all at once, with a message naming the taken one.
            variant.full_clean(
                exclude=["product", "image"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            raise ValidationError(
                {f"variants[{position}].{k}": v for k, v in exc.message_dict.items()}
            ) from exc
        variants.append(variant)
    try:
        _check_skus_free([(f"variants[{n}].sku", v.sku) for n, v in enumerate(variants, start=1)])
    except ValidationFailed as exc:
        raise ValidationError({exc.field or "variants": exc.message}) from exc
    _variants_insert(variants, at=product.created_at)
    # Opening stock is the first line of each variant's stock history.
    StockMovement.objects.bulk_create(
        StockMovement(
            variant=v,
            delta=v.stock_quantity,
            quantity_after=v.stock_quantity,
            reason=StockMovement.Reason.RECEIVED,
            note="Opening stock",
            actor_label=_actor(actor).label,
            created_at=product.created_at,
        )
        for v in variants
        if v.stock_quantity
    )
    product_set_tags(product=product, tags=data.tags)
    product_refresh_summary(product=product)
    audit.record(
        actor=_actor(actor),
        verb="product.created",
        obj=product,
        to_state=product.status,
        data={"title": product.title, "variants": len(variants)},
    )
    _emit_product_updated(product)
    return product


def _check_skus_free(skus: Sequence[tuple[str, str]], *, exclude_pks: Sequence[int] = ()) -> None:
    """Refuse SKUs used twice in `skus` or by another variant; the error names the field.

    `skus` pairs the field to blame ("variants[2].sku") with the SKU. Blank SKUs are allowed
    any number of times (the database's unique constraint ignores them too).
    """
    seen: dict[str, str] = {}
    for field_name, sku in skus:
        if not sku:
            continue
        if sku in seen:
            raise ValidationFailed(f"SKU {sku} is given twice ({seen[sku]}).", field=field_name)
        seen[sku] = field_name
    if not seen:
        return
    taken = (
        Variant.objects.filter(sku__in=list(seen))
        .exclude(pk__in=list(exclude_pks))
        .select_related("product")
        .first()
    )
    if taken is not None:
        raise ValidationFailed(
            f"SKU {taken.sku} is already used by {_variant_label(taken)}.", field=seen[taken.sku]
        )


def _variant_label(variant: Variant) -> str:
    product = variant.product
    return f"{product.title} – {variant.title}" if variant.title else product.title


def product_set_tags(*, product: Product, tags: Iterable[str]) -> None:
    names = sorted({t.strip() for t in tags if t and t.strip()})
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    product.tags.set([existing[n] for n in names])


@transaction.atomic
def product_update(*, product: Product, actor: Actor | None = None, **changes: Any) -> Product:
    """Change product fields; a new handle leaves a 301 redirect from the old URL.

    Announced as `product.updated` and audited with the names of the changed fields.
    """
    old_url = product.get_absolute_url()
    old_status = product.status
    changed = sorted(changes)
    if "description_html" in changes:
        changes["description_html"] = sanitise_html(changes["description_html"])
    tags = changes.pop("tags", None)
    for name, value in changes.items():
        setattr(product, name, value)
    if product.status == Product.Status.ACTIVE and old_status != Product.Status.ACTIVE:
        _check_may_go_live(product)
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
    audit.record(
        actor=_actor(actor),
        verb="product.updated",
        obj=product,
        from_state=old_status if old_status != product.status else "",
        to_state=product.status if old_status != product.status else "",
        data={"fields": changed},
    )
    _emit_product_updated(product)
    return product


def _check_may_go_live(product: Product) -> None:
    """Marketplace mode: a vendor's product goes live only with its trader data complete
    (DSA Art. 30(1)); the error names what is missing. Imported here: marketplace builds on
    the catalog."""
    from freehold.marketplace import dsa

    try:
        dsa.product_publish_check(product)
    except dsa.ListingBlocked as exc:
        raise ValidationError({"status": exc.message}) from exc


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


def _stock_reason(reason: str, note: str) -> tuple[str, str]:
    """A reason code and a note: free text (as the API sends) becomes "other" with that note."""
    text, note = reason.strip(), note.strip()
    if text.lower() in StockMovement.Reason.values:
        return text.lower(), note[:255]
    if not text:
        return StockMovement.Reason.OTHER, note[:255]
    return StockMovement.Reason.OTHER, (f"{text} – {note}" if note else text)[:255]


def low_stock_threshold() -> int:
    """The store's "running low" level (StoreSettings.low_stock_threshold)."""
    value = StoreSettings.objects.filter(pk=1).values_list("low_stock_threshold", flat=True).first()
    return DEFAULT_LOW_STOCK_THRESHOLD if value is None else value


@transaction.atomic
def stock_adjust(
    *,
    variant: Variant,
    delta: int,
    reason: str = "",
    actor: Actor | None = None,
    note: str = "",
) -> int:
    """Add to (or take from) a variant's stock; returns the new quantity.

    `reason` is a `StockMovement.Reason` code (received, correction, damaged, returned, sold,
    other) or free text, kept as "other" with the text as its note. Records the movement and
    an audit event, and announces `inventory.low` when a tracked variant falls from above the
    store's threshold to it or below. The UPDATE adds to whatever the row holds, so two
    adjustments at once both count.
    """
    if delta == 0:
        raise ValidationFailed("Adjust the stock by at least one unit.", field="delta")
    code, note = _stock_reason(reason, note)
    who = _actor(actor)
    Variant.objects.filter(pk=variant.pk).update(
        stock_quantity=F("stock_quantity") + delta, updated_at=clock.now()
    )
    variant.refresh_from_db(fields=["stock_quantity", "track_inventory", "updated_at"])
    after = variant.stock_quantity
    before = after - delta
    StockMovement.objects.create(
        variant=variant,
        delta=delta,
        quantity_after=after,
        reason=code,
        note=note,
        actor_label=who.label,
    )
    audit.record(
        actor=who,
        verb="stock.adjusted",
        obj=variant,
        data={"delta": delta, "reason": code, "note": note, "before": before, "after": after},
    )
    product_refresh_summary(product=variant.product)
    if variant.track_inventory:
        threshold = low_stock_threshold()
        if before > threshold >= after:
            webhook_emit("inventory.low", inventory_payload(variant, threshold=threshold))
    return after


def stock_decrement(*, variant_id: int, quantity: int, note: str = "") -> bool:
    """Take `quantity` units if they are there. False means sold out, never an oversell.

    The conditional UPDATE is the whole guarantee: two buyers racing for the last unit
    cannot both get a row updated. Variants that continue selling, or do not track stock,
    always succeed.

    One statement on the common path (`RETURNING` gives the new stock, and the store's
    low-stock threshold through a scalar subquery, so knowing it costs no round trip), plus
    one INSERT for the stock history ("sold", with `note`, e.g. the order number). The
    product row is written only when its `is_in_stock` flips, so concurrent buyers of one
    product (a flash sale) contend on the variant row alone, not on a second hot row held
    until COMMIT. The page cache is told only when what a page shows changes: the product
    page shows "Only N left" at `LOW_STOCK_THRESHOLD` units and below, and "Sold out";
    listings show the product's in-stock flag (`pagecache.invalidate` bumps again at COMMIT).
    `inventory.low` is announced when a tracked variant crosses the store's threshold.
    """
    from freehold.catalog.selectors import LOW_STOCK_THRESHOLD  # selectors import models only

    table = connection.ops.quote_name(Variant._meta.db_table)
    settings_table = connection.ops.quote_name(StoreSettings._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET stock_quantity = stock_quantity - %s"
            " WHERE id = %s AND NOT (track_inventory AND inventory_policy = %s"
            " AND stock_quantity < %s)"
            " RETURNING product_id, stock_quantity, track_inventory, inventory_policy,"
            f" (SELECT low_stock_threshold FROM {settings_table} WHERE id = 1)",
            [quantity, variant_id, Variant.InventoryPolicy.DENY.value, quantity],
        )
        row = cursor.fetchone()
    if row is None:
        return False
    product_id, stock_left, tracked, policy, threshold = row
    StockMovement.objects.create(
        variant_id=variant_id,
        delta=-quantity,
        quantity_after=stock_left,
        reason=StockMovement.Reason.SOLD,
        note=note[:255],
        actor_label="checkout",
    )
    if threshold is None:
        threshold = DEFAULT_LOW_STOCK_THRESHOLD
    if tracked and stock_left + quantity > threshold >= stock_left:
        variant = Variant.objects.get(pk=variant_id)
        webhook_emit("inventory.low", inventory_payload(variant, threshold=threshold))
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


def summary_fields(
    *,
    variants: Sequence[Variant],
    brand: str,
    product_type: str,
    description_html: str,
    tag_names: Sequence[str],
    translated_titles: Sequence[str] = (),
) -> dict[str, Any]:
    """The product row's summary of its variants (prices, stock, search text), computed.

    Pure, so a bulk import fills new rows without reading them back; `variants` in any order.
    """
    fields: dict[str, Any]
    if variants:
        ordered = sorted(variants, key=lambda v: (v.price_amount, v.position))
        cheapest = ordered[0]
        on_sale = [v for v in ordered if v.is_on_sale]
        fields = {
            "price_min_amount": cheapest.price_amount,
            "price_max_amount": max(v.price_amount for v in ordered),
            "compare_at_amount": (
                min(on_sale, key=lambda v: v.price_amount).compare_at_price_amount
                if on_sale
                else None
            ),
            "is_in_stock": any(v.is_available for v in ordered),
            "currency": cheapest.currency,
        }
    else:
        fields = {
            "price_min_amount": Decimal(0),
            "price_max_amount": Decimal(0),
            "compare_at_amount": None,
            "is_in_stock": False,
        }
    # Translated titles too, so a German shopper finds the coat by "Mantel".
    fields["search_text"] = " ".join(
        part
        for part in (
            " ".join(translated_titles),
            brand,
            product_type,
            " ".join(tag_names),
            " ".join(v.sku for v in sorted(variants, key=_by_price) if v.sku),
            " ".join(sorted({val for v in variants for val in v.option_values})),
            html_to_text(description_html)[:4000],
        )
        if part
    )
    return fields


def _by_price(variant: Variant) -> tuple[Decimal, int]:
    return (variant.price_amount, variant.position)


def facets_of(
    variants: Sequence[Variant], options: Sequence[ProductOption]
) -> set[tuple[str, str]]:
    """(option name, value) pairs the variants offer: the collection filters' rows."""
    return {
        (option.name, value)
        for v in variants
        for option in options
        if (value := getattr(v, f"option{option.position}"))
    }


def product_refresh_summary(*, product: Product) -> None:
    """Recompute what listing pages read from the product row: prices, stock, facets, search."""
    variants = list(Variant.objects.filter(product=product).order_by("price_amount", "position"))
    options = list(ProductOption.objects.filter(product=product).order_by("position"))
    translated_titles = ProductTranslation.objects.filter(product=product).exclude(title="")
    fields = summary_fields(
        variants=variants,
        brand=product.brand,
        product_type=product.product_type,
        description_html=product.description_html,
        tag_names=list(product.tags.values_list("name", flat=True)),
        translated_titles=list(
            translated_titles.order_by("language").values_list("title", flat=True)
        ),
    )
    for name, value in fields.items():
        setattr(product, name, value)
    product.featured_image = product.images.order_by("position", "id").first()
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
    facets = facets_of(variants, options)
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


# --- Variants, options, images: what the dashboard and the staff API edit --------------------

# Model field -> the name services and forms use for it (errors name the latter).
_VARIANT_FIELD_NAMES = {
    "price_amount": "price",
    "compare_at_price_amount": "compare_at_price",
    "cost_amount": "cost",
}
_VARIANT_PLAIN_FIELDS = {
    "sku",
    "barcode",
    "weight_grams",
    "inventory_policy",
    "track_inventory",
    "requires_shipping",
    "taxable",
    "image",
}


def _validated(instance: Variant | Product, *, exclude: Sequence[str]) -> None:
    """`full_clean` whose first error becomes a `ValidationFailed` naming the field."""
    try:
        instance.full_clean(
            exclude=list(exclude), validate_unique=False, validate_constraints=False
        )
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        field_name = _VARIANT_FIELD_NAMES.get(name, name)
        raise ValidationFailed(" ".join(messages), field=field_name) from exc


def _option_values(product: Product, values: Sequence[str]) -> list[str]:
    """Check one value per option of the product; returns them stripped."""
    options = list(ProductOption.objects.filter(product=product).order_by("position"))
    clean = [value.strip() for value in values]
    names = ", ".join(option.name for option in options)
    if len(clean) != len(options) or not all(clean):
        if not options:
            raise ValidationFailed("This product has no options to choose.", field="options")
        raise ValidationFailed(f"Give one value for each option: {names}.", field="options")
    for option, value in zip(options, clean, strict=True):
        if value not in option.values:
            option.values = [*option.values, value]
            option.save(update_fields=["values"])
    return clean


def _combination_taken(product: Product, values: Sequence[str], exclude_pk: int | None) -> bool:
    padded = [*values, "", "", ""]
    others = Variant.objects.filter(
        product=product, option1=padded[0], option2=padded[1], option3=padded[2]
    )
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    return others.exists()


_MONEY_LABELS = {"price": "A price", "compare_at_price": "A compare-at price", "cost": "A cost"}


def _check_money(name: str, value: Decimal | None) -> None:
    if value is not None and value < 0:
        raise ValidationFailed(f"{_MONEY_LABELS[name]} cannot be negative.", field=name)


@transaction.atomic
def variant_create(*, product: Product, data: VariantInput, actor: Actor | None = None) -> Variant:
    """Add a variant: one value per product option, a combination no other variant has.

    A value the option did not list yet is added to it. The price starts the variant's price
    history; the stock given is recorded as received.
    """
    values = _option_values(product, data.options) if data.options else []
    if not values and ProductOption.objects.filter(product=product).exists():
        raise ValidationFailed("Give one value for each option.", field="options")
    if _combination_taken(product, values, None):
        title = _variant_title(values) or "Default"
        raise ValidationFailed(f"A variant {title} already exists.", field="options")
    for name, amount in (
        ("price", data.price),
        ("compare_at_price", data.compare_at_price),
        ("cost", data.cost),
    ):
        _check_money(name, amount)
    _check_skus_free([("sku", data.sku.strip())])
    padded = [*values, "", "", ""]
    highest = product.variants.aggregate(top=Max("position"))["top"] or 0
    variant = Variant(
        product=product,
        title=_variant_title(values),
        sku=data.sku.strip(),
        barcode=data.barcode.strip(),
        option1=padded[0],
        option2=padded[1],
        option3=padded[2],
        position=highest + 1,
        currency=product.currency,
        price_amount=data.price,
        compare_at_price_amount=data.compare_at_price,
        cost_amount=data.cost,
        weight_grams=data.weight_grams,
        stock_quantity=0,
        inventory_policy=data.inventory_policy,
        requires_shipping=data.requires_shipping,
        taxable=data.taxable,
        track_inventory=data.track_inventory,
    )
    _validated(variant, exclude=["product", "image"])
    variant.save()
    PriceChange.objects.create(
        variant=variant,
        currency=variant.currency,
        price_amount=variant.price_amount,
        compare_at_price_amount=variant.compare_at_price_amount,
    )
    if data.stock_quantity:
        stock_adjust(variant=variant, delta=data.stock_quantity, reason="received", actor=actor)
    _touch(product)
    product_refresh_summary(product=product)
    audit.record(
        actor=_actor(actor),
        verb="variant.created",
        obj=variant,
        data={"product_id": product.pk, "title": variant.title, "sku": variant.sku},
    )
    _emit_product_updated(product)
    return variant


@transaction.atomic
def variant_update(*, variant: Variant, actor: Actor | None = None, **changes: Any) -> Variant:
    """Change a variant: sku, barcode, price, compare_at_price, cost, weight_grams,
    inventory_policy, track_inventory, requires_shipping, taxable, image, options.

    Prices go through `variant_set_price`, so the price history (the EU 30-day low) stays
    right. Stock is never set here: `stock_adjust` records why it moved.
    """
    if "stock_quantity" in changes:
        raise ValidationFailed(
            "Stock changes are adjustments with a reason (stock_adjust).", field="stock_quantity"
        )
    allowed = _VARIANT_PLAIN_FIELDS | {"price", "compare_at_price", "cost", "options"}
    for name in changes:
        if name not in allowed:
            raise ValidationFailed(f"A variant has no field {name!r} to change.", field=name)
    product = variant.product
    for name in ("price", "compare_at_price", "cost"):
        if name in changes:
            _check_money(name, changes[name])
    if "price" in changes and changes["price"] is None:
        raise ValidationFailed("A variant needs a price.", field="price")
    if "sku" in changes:
        changes["sku"] = (changes["sku"] or "").strip()
        if changes["sku"] != variant.sku:
            _check_skus_free([("sku", changes["sku"])], exclude_pks=[variant.pk])
    if "barcode" in changes:
        changes["barcode"] = (changes["barcode"] or "").strip()
    image = changes.get("image")
    if image is not None and image.product_id != product.pk:
        raise ValidationFailed("This image belongs to another product.", field="image")
    if "options" in changes:
        values = _option_values(product, changes.pop("options"))
        if _combination_taken(product, values, variant.pk):
            raise ValidationFailed(
                f"A variant {_variant_title(values)} already exists.", field="options"
            )
        padded = [*values, "", "", ""]
        variant.option1, variant.option2, variant.option3 = padded[:3]
        variant.title = _variant_title(values)
    for name in _VARIANT_PLAIN_FIELDS & set(changes):
        setattr(variant, name, changes[name])
    if "cost" in changes:
        variant.cost_amount = changes["cost"]
    new_price = changes.get("price", variant.price_amount)
    new_compare_at = changes.get("compare_at_price", variant.compare_at_price_amount)
    price_changed = (
        new_price != variant.price_amount or new_compare_at != variant.compare_at_price_amount
    )
    variant.updated_at = clock.now()
    _validated(variant, exclude=["product", "image"])
    variant.save()
    if price_changed:
        variant_set_price(variant=variant, price=new_price, compare_at_price=new_compare_at)
    else:
        product_refresh_summary(product=product)
    _touch(product)
    audit.record(
        actor=_actor(actor),
        verb="variant.updated",
        obj=variant,
        data={"fields": sorted(changes), "title": variant.title},
    )
    _emit_product_updated(product)
    return variant


def _prune_option_values(product: Product) -> None:
    """Drop option values no variant has any more (the product page would offer them)."""
    variants = list(product.variants.values_list("option1", "option2", "option3"))
    for option in ProductOption.objects.filter(product=product):
        used = {row[option.position - 1] for row in variants}
        kept = [value for value in option.values if value in used]
        if kept != option.values:
            option.values = kept
            option.save(update_fields=["values"])


@transaction.atomic
def variant_delete(*, variant: Variant, actor: Actor | None = None) -> None:
    """Remove a variant (orders keep their lines: they copy what was sold). Never the last."""
    product = variant.product
    if not Variant.objects.filter(product=product).exclude(pk=variant.pk).exists():
        raise ValidationFailed(
            "A product needs at least one variant: archive the product instead.", field="variant"
        )
    audit.record(
        actor=_actor(actor),
        verb="variant.deleted",
        obj=variant,
        data={"product_id": product.pk, "title": variant.title, "sku": variant.sku},
    )
    variant.delete()
    _prune_option_values(product)
    _touch(product)
    product_refresh_summary(product=product)
    _emit_product_updated(product)


@transaction.atomic
def product_archive(*, product: Product, actor: Actor | None = None) -> Product:
    """Hide a product from the storefront without losing it (orders and history keep it)."""
    return product_update(product=product, actor=actor, status=Product.Status.ARCHIVED)


@transaction.atomic
def product_unarchive(*, product: Product, actor: Actor | None = None) -> Product:
    """Bring an archived product back as a draft, to be checked before it is active again."""
    return product_update(product=product, actor=actor, status=Product.Status.DRAFT)


def _copy_image(image: ProductImage, product: Product) -> ProductImage | None:
    """A new image row with its own copy of the file and its own renditions.

    Its own files, so deleting either image never takes the other's files. A missing
    original (a file removed behind our back) is skipped, not fatal.
    """
    try:
        with image.file.open("rb") as handle:
            content = handle.read()
    except (OSError, ValueError):
        return None
    copy = ProductImage(product=product, alt=image.alt, position=image.position)
    copy.file.save(
        (image.file.name or "image").rsplit("/", 1)[-1], ContentFile(content), save=False
    )
    # Saving a ContentFile leaves the dimension fields empty; the original's are the same.
    copy.width, copy.height = image.width, image.height
    copy.save()
    make_renditions(copy)
    return copy


@transaction.atomic
def product_duplicate(*, product: Product, actor: Actor | None = None) -> Product:
    """A draft copy to start a similar product from: same options, variants, tags, images.

    The copy gets a new handle ("copy-of-…"); its variants have no SKU or barcode (they
    identify the original's goods) and no stock (nothing is on the shelf yet).
    """
    title = f"Copy of {product.title}"[:255]
    copy = Product.objects.get(pk=product.pk)
    copy.pk = None
    copy.id = None
    copy.handle = unique_handle(title)
    copy.title = title
    copy.status = Product.Status.DRAFT
    copy.published_at = None
    copy.created_at = copy.updated_at = clock.now()
    copy.featured_image = None
    copy.sales_count = 0
    copy.save()
    ProductOption.objects.bulk_create(
        ProductOption(
            product=copy, position=option.position, name=option.name, values=option.values
        )
        for option in ProductOption.objects.filter(product=product)
    )
    images: dict[int, ProductImage] = {}
    for image in ProductImage.objects.filter(product=product):
        copied = _copy_image(image, copy)
        if copied is not None:
            images[image.pk] = copied
    originals = list(Variant.objects.filter(product=product).order_by("position", "id"))
    variants = [
        Variant(
            product=copy,
            title=original.title,
            option1=original.option1,
            option2=original.option2,
            option3=original.option3,
            position=original.position,
            currency=original.currency,
            price_amount=original.price_amount,
            compare_at_price_amount=original.compare_at_price_amount,
            cost_amount=original.cost_amount,
            weight_grams=original.weight_grams,
            requires_shipping=original.requires_shipping,
            taxable=original.taxable,
            track_inventory=original.track_inventory,
            stock_quantity=0,
            inventory_policy=original.inventory_policy,
            image=images.get(original.image_id) if original.image_id else None,
        )
        for original in originals
    ]
    _variants_insert(variants, at=copy.created_at)
    copy.tags.set(product.tags.all())
    product_refresh_summary(product=copy)
    audit.record(
        actor=_actor(actor),
        verb="product.duplicated",
        obj=copy,
        data={"from_product_id": product.pk, "title": copy.title},
    )
    _emit_product_updated(copy)
    return copy


@dataclass
class OptionsMatrixResult:
    """What `product_set_options_matrix` did: variants made, kept, removed (by title)."""

    created: list[Variant]
    kept: list[Variant]
    removed: list[str]


def _clean_options(options: Sequence[tuple[str, Sequence[str]]]) -> list[tuple[str, list[str]]]:
    if len(options) > MAX_OPTIONS:
        raise ValidationFailed("A product has at most three options.", field="options")
    clean: list[tuple[str, list[str]]] = []
    seen_names: set[str] = set()
    for number, (name, values) in enumerate(options, start=1):
        name = name.strip()
        if not name:
            raise ValidationFailed(
                f"Option {number} needs a name.", field=f"options[{number}].name"
            )
        if len(name) > 255:
            raise ValidationFailed(
                f"Option {number}'s name is too long.", field=f"options[{number}].name"
            )
        if name.casefold() in seen_names:
            raise ValidationFailed(
                f"There are two options named {name}.", field=f"options[{number}].name"
            )
        seen_names.add(name.casefold())
        unique = list(dict.fromkeys(value.strip() for value in values if value.strip()))
        if not unique:
            raise ValidationFailed(
                f"Option {name} needs at least one value.", field=f"options[{number}].values"
            )
        if any(len(value) > 255 for value in unique):
            raise ValidationFailed(
                f"A value of option {name} is too long.", field=f"options[{number}].values"
            )
        clean.append((name, unique))
    return clean


@transaction.atomic
def product_set_options_matrix(
    *,
    product: Product,
    options: Sequence[tuple[str, Sequence[str]]],
    price: Decimal | None = None,
    remove_missing: bool = False,
    actor: Actor | None = None,
) -> OptionsMatrixResult:
    """Make the product's variants every combination of its options' values.

    `options` is [(name, [values...]), ...] in display order, e.g. Size: S, M, L by Colour:
    Red, Blue. Existing variants are matched by option *name*, so reordering options or adding
    values keeps them (with their SKUs, stock and history); an option that is new to the product
    gives existing variants its first value (how a single-variant product becomes "S"). Missing
    combinations become variants priced like the first variant (or at `price`), with no stock.

    A variant whose combination is no longer listed is deleted only with `remove_missing`;
    otherwise nothing is written and the error names those variants, so removing stock-holding
    variants is always a deliberate second step.
    """
    clean = _clean_options(options)
    matrix = list(itertools.product(*(values for _, values in clean)))
    if len(matrix) > MAX_VARIANTS:
        raise ValidationFailed(
            f"{len(matrix)} combinations: a product has at most {MAX_VARIANTS} variants.",
            field="options",
        )
    if price is not None:
        _check_money("price", price)
    old_positions = {
        option.name.casefold(): option.position
        for option in ProductOption.objects.filter(product=product)
    }
    variants = list(Variant.objects.filter(product=product).order_by("position", "id"))

    def combination(variant: Variant) -> tuple[str, ...]:
        return tuple(
            getattr(variant, f"option{old_positions[name.casefold()]}")
            if name.casefold() in old_positions
            else values[0]
            for name, values in clean
        )

    wanted = set(matrix)
    kept: dict[tuple[str, ...], Variant] = {}
    obsolete: list[Variant] = []
    for variant in variants:
        key = combination(variant)
        if key in wanted and key not in kept:
            kept[key] = variant
        else:
            obsolete.append(variant)
    if obsolete and not remove_missing:
        titles = ", ".join(v.title or "Default" for v in obsolete)
        raise ValidationFailed(
            f"These variants are not in the new options: {titles}. "
            "Confirm to delete them, or keep their values.",
            field="options",
        )
    template = variants[0] if variants else None
    ProductOption.objects.filter(product=product).delete()
    ProductOption.objects.bulk_create(
        ProductOption(product=product, position=position, name=name, values=values)
        for position, (name, values) in enumerate(clean, start=1)
    )
    removed = [v.title or "Default" for v in obsolete]
    if obsolete:
        Variant.objects.filter(pk__in=[v.pk for v in obsolete]).delete()
    created: list[Variant] = []
    now = clock.now()
    for position, key in enumerate(matrix, start=1):
        padded = [*key, "", "", ""]
        existing = kept.get(key)
        if existing is not None:
            existing.option1, existing.option2, existing.option3 = padded[:3]
            existing.title = _variant_title(key)
            existing.position = position
            existing.updated_at = now
            continue
        created.append(
            Variant(
                product=product,
                title=_variant_title(key),
                option1=padded[0],
                option2=padded[1],
                option3=padded[2],
                position=position,
                currency=template.currency if template else product.currency,
                price_amount=price
                if price is not None
                else (template.price_amount if template else Decimal(0)),
                compare_at_price_amount=None
                if template is None or price is not None
                else template.compare_at_price_amount,
                cost_amount=template.cost_amount if template else None,
                weight_grams=template.weight_grams if template else 0,
                requires_shipping=template.requires_shipping if template else True,
                taxable=template.taxable if template else True,
                track_inventory=template.track_inventory if template else True,
                inventory_policy=template.inventory_policy
                if template
                else Variant.InventoryPolicy.DENY,
                stock_quantity=0,
            )
        )
    Variant.objects.bulk_update(
        list(kept.values()), ["option1", "option2", "option3", "title", "position", "updated_at"]
    )
    _variants_insert(created, at=now)
    cache.invalidate_products(product.pk)  # bulk writes send no signals
    _touch(product)
    product_refresh_summary(product=product)
    audit.record(
        actor=_actor(actor),
        verb="product.options_set",
        obj=product,
        data={
            "options": [[name, values] for name, values in clean],
            "created": [v.title for v in created],
            "removed": removed,
        },
    )
    _emit_product_updated(product)
    return OptionsMatrixResult(created=created, kept=list(kept.values()), removed=removed)


@transaction.atomic
def image_add(
    *, product: Product, upload: Any, alt: str = "", actor: Actor | None = None
) -> ProductImage:
    """Add an uploaded photo (last in order) with its renditions; refused unless a real image.

    `upload` is a Django `File` (an `UploadedFile` from a form) or raw bytes.
    """
    from freehold.catalog.image_services import product_image_add  # it imports this module

    filename = getattr(upload, "name", "") or "image"
    image = product_image_add(product=product, file=upload, filename=filename, alt=alt)
    _touch(product)
    audit.record(
        actor=_actor(actor),
        verb="product.image_added",
        obj=product,
        data={"image_id": image.pk, "alt": image.alt},
    )
    _emit_product_updated(product)
    return image


@transaction.atomic
def image_update(*, image: ProductImage, alt: str, actor: Actor | None = None) -> ProductImage:
    """Change an image's alternative text (what screen readers and search engines read)."""
    image.alt = alt.strip()[:512]
    image.save(update_fields=["alt"])
    product = image.product
    _touch(product)
    audit.record(
        actor=_actor(actor), verb="product.image_updated", obj=product, data={"image_id": image.pk}
    )
    return image


@transaction.atomic
def images_reorder(
    *, product: Product, ordered_ids: Sequence[int], actor: Actor | None = None
) -> None:
    """Put the product's images in this order; the first is the featured image.

    `ordered_ids` must list each of the product's images exactly once.
    """
    images = {image.pk: image for image in ProductImage.objects.filter(product=product)}
    ids = [int(pk) for pk in ordered_ids]
    if len(ids) != len(set(ids)) or set(ids) != set(images):
        raise ValidationFailed(
            "List each of this product's images exactly once.", field="ordered_ids"
        )
    for position, pk in enumerate(ids, start=1):
        images[pk].position = position
    ProductImage.objects.bulk_update(list(images.values()), ["position"])
    cache.invalidate_products(product.pk)
    _touch(product)
    product_refresh_summary(product=product)
    audit.record(
        actor=_actor(actor), verb="product.images_reordered", obj=product, data={"order": ids}
    )
    _emit_product_updated(product)


def _image_files(image: ProductImage) -> set[str]:
    files: set[str] = {image.file.name} if image.file and image.file.name else set()
    for entry in (image.renditions or {}).values():
        files.update(path for key, path in entry.items() if key in ("jpeg", "webp"))
    return files


@transaction.atomic
def image_delete(*, image: ProductImage, actor: Actor | None = None) -> None:
    """Remove an image; its files go once the transaction commits (never before a rollback).

    Files another image row points at (the demo's shared pictures) are left in place.
    """
    product = image.product
    files = _image_files(image)
    audit.record(
        actor=_actor(actor),
        verb="product.image_deleted",
        obj=product,
        data={"image_id": image.pk, "file": image.file.name},
    )
    image.delete()
    shared = set(ProductImage.objects.filter(file__in=list(files)).values_list("file", flat=True))
    orphaned = files - shared

    def remove_files() -> None:
        for name in orphaned:
            default_storage.delete(name)

    transaction.on_commit(remove_files)
    _touch(product)
    product_refresh_summary(product=product)
    _emit_product_updated(product)


# --- Collections as the dashboard edits them: audited, errors naming the field or rule ------


def _collection_failure(exc: ValidationError) -> ValidationFailed:
    """The first error of a model or rules check, naming its field (`rules[2].value`)."""
    name, messages = next(iter(exc.message_dict.items()))
    return ValidationFailed(" ".join(messages), field=name)


@transaction.atomic
def collection_save(
    *,
    collection: Collection | None,
    actor: Actor | None = None,
    image_upload: Any = None,
    remove_image: bool = False,
    **fields: Any,
) -> Collection:
    """Create (`collection=None`) or change a collection, audited with the changed fields.

    A manual collection keeps no rules; a rule-based one keeps no hand-picked products (its
    products are whatever the rules match), so switching kind clears the other half.
    `image_upload` (an uploaded file or bytes) becomes the banner image, with renditions;
    `remove_image` drops it (the media row stays: other pages may use it).
    """
    from freehold.catalog.image_services import media_image_create  # it imports this module

    if "handle" in fields and not fields["handle"]:
        fields.pop("handle")
    if image_upload is not None:
        try:
            fields["image"] = media_image_create(
                file=image_upload,
                filename=getattr(image_upload, "name", "") or "",
                alt=fields.get("title", collection.title if collection else ""),
            )
        except ValidationError as exc:
            raise ValidationFailed(" ".join(exc.messages), field="image") from exc
    elif remove_image:
        fields["image"] = None
    kind = fields.get("kind", collection.kind if collection else Collection.Kind.MANUAL)
    if kind != Collection.Kind.SMART:
        fields["rules"] = []
    try:
        if collection is None:
            collection = collection_create(**fields)
            verb = "collection.created"
        else:
            collection = collection_update(collection=collection, **fields)
            verb = "collection.updated"
    except ValidationError as exc:
        raise _collection_failure(exc) from exc
    if kind == Collection.Kind.SMART:
        CollectionProduct.objects.filter(collection=collection).delete()
    cache.invalidate(f"collection:{collection.pk}", cache.LISTINGS_TAG)
    audit.record(actor=_actor(actor), verb=verb, obj=collection, data={"fields": sorted(fields)})
    return collection


@transaction.atomic
def collection_delete(*, collection: Collection, actor: Actor | None = None) -> None:
    """Delete a collection; its storefront page then answers 404 (products stay)."""
    audit.record(
        actor=_actor(actor),
        verb="collection.deleted",
        obj=collection,
        data={"handle": collection.handle, "title": collection.title},
    )
    pk = collection.pk
    collection.delete()
    cache.invalidate(f"collection:{pk}", cache.LISTINGS_TAG)


def _manual_only(collection: Collection) -> None:
    if collection.kind != Collection.Kind.MANUAL:
        raise ValidationFailed(
            "A rule-based collection holds the products its rules match.", field="products"
        )


@transaction.atomic
def collection_add_product(
    *, collection: Collection, product: Product, actor: Actor | None = None
) -> None:
    """Put a product last in a manual collection (already there: nothing changes)."""
    _manual_only(collection)
    members = CollectionProduct.objects.filter(collection=collection)
    if members.filter(product=product).exists():
        return
    last = members.aggregate(last=Max("position"))["last"]
    CollectionProduct.objects.create(
        collection=collection, product=product, position=0 if last is None else last + 1
    )
    audit.record(
        actor=_actor(actor),
        verb="collection.product_added",
        obj=collection,
        data={"product_id": product.pk},
    )


@transaction.atomic
def collection_remove_product(
    *, collection: Collection, product_id: int, actor: Actor | None = None
) -> None:
    _manual_only(collection)
    deleted, _ = CollectionProduct.objects.filter(
        collection=collection, product_id=product_id
    ).delete()
    if deleted:
        audit.record(
            actor=_actor(actor),
            verb="collection.product_removed",
            obj=collection,
            data={"product_id": product_id},
        )


@transaction.atomic
def collection_move_product(
    *, collection: Collection, product_id: int, direction: str, actor: Actor | None = None
) -> None:
    """Swap a product with its neighbour (`up` or `down`); positions are renumbered 0..n-1."""
    _manual_only(collection)
    if direction not in ("up", "down"):
        raise ValidationFailed("Move a product up or down.", field="direction")
    members = list(
        CollectionProduct.objects.select_for_update()
        .filter(collection=collection)
        .order_by("position", "id")
    )
    index = next((i for i, m in enumerate(members) if m.product_id == product_id), None)
    if index is None:
        raise ValidationFailed("That product is not in this collection.", field="product")
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(members):
        return
    members[index], members[other] = members[other], members[index]
    for position, member in enumerate(members):
        member.position = position
    CollectionProduct.objects.bulk_update(members, ["position"])
    cache.invalidate(f"collection:{collection.pk}", cache.LISTINGS_TAG)
    audit.record(
        actor=_actor(actor),
        verb="collection.product_moved",
        obj=collection,
        data={"product_id": product_id, "direction": direction},
    )


# --- Translations: one row per object and language; empty fields show the default text ------


def translation_language(language: str) -> str:
    """A language content may be translated into: a store language, not the default one."""
    from freehold.catalog.translations import default_language, language_code

    code = language_code(language)
    if not code or code != str(language).strip().lower():
        raise ValidationFailed(
            f"“{language}” is not one of the store's languages.", field="language"
        )
    if code == default_language():
        raise ValidationFailed(
            "This is the store's own language: edit the content itself.", field="language"
        )
    return code


def content_translation_save(
    *,
    model: type[Any],
    owner_field: str,
    owner: Any,
    language: str,
    data: dict[str, Any],
    fields: Sequence[str],
    html_fields: Sequence[str] = (),
) -> tuple[Any | None, list[str]]:
    """Write one object's translation in `language`: the (row or None, changed fields).

    Fields missing from `data` keep their value; a row left without any text is deleted (the
    object then shows its default content everywhere). Errors name the field.
    """
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ValueError(f"not translatable fields: {', '.join(unknown)}")
    language = translation_language(language)
    values = {
        name: sanitise_html(str(value or "")).strip()
        if name in html_fields
        else str(value or "").strip()
        for name, value in data.items()
    }
    existing = (
        model.objects.select_for_update().filter(**{owner_field: owner}, language=language).first()
    )
    row = existing if existing is not None else model(**{owner_field: owner, "language": language})
    changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
    for name in changed:
        setattr(row, name, values[name])
    if not any(getattr(row, name) for name in fields):
        if existing is not None:
            existing.delete()
        return None, changed
    row.updated_at = clock.now()
    try:
        row.full_clean(exclude=[owner_field])
    except ValidationError as exc:
        name, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(" ".join(messages), field=name) from exc
    if changed or existing is None:
        row.save()
    return row, changed


PRODUCT_TRANSLATION_FIELDS = ("title", "description_html", "seo_title", "seo_description")
COLLECTION_TRANSLATION_FIELDS = ("title", "description_html", "seo_title", "seo_description")


@transaction.atomic
def product_translation_save(
    *, product: Product, language: str, data: dict[str, Any], actor: Actor | None = None
) -> ProductTranslation | None:
    """A product's title, description and SEO texts in `language`, audited; the search text
    takes the translated title in, so shoppers find the product by it in any language."""
    row, changed = content_translation_save(
        model=ProductTranslation,
        owner_field="product",
        owner=product,
        language=language,
        data=data,
        fields=PRODUCT_TRANSLATION_FIELDS,
        html_fields=("description_html",),
    )
    if changed:
        product_refresh_summary(product=product)
        audit.record(
            actor=_actor(actor),
            verb="product.translated",
            obj=product,
            data={"language": translation_language(language), "fields": changed},
        )
    return row


@transaction.atomic
def product_option_translation_save(
    *,
    option: ProductOption,
    language: str,
    name: str,
    values: Sequence[str],
    actor: Actor | None = None,
) -> ProductOptionTranslation | None:
    """An option's name and its values' labels in `language` (in the option's value order;
    an empty label shows the value itself), audited. Variants and URLs keep the values."""
    language = translation_language(language)
    name = str(name or "").strip()
    labels = [str(value or "").strip() for value in values]
    if len(name) > 255:
        raise ValidationFailed("An option name has at most 255 characters.", field="name")
    if len(labels) > len(option.values):
        raise ValidationFailed(
            f"{option.name} has {len(option.values)} values, not {len(labels)}.", field="values"
        )
    if any(len(label) > 255 for label in labels):
        raise ValidationFailed("A value label has at most 255 characters.", field="values")
    labels = labels + [""] * (len(option.values) - len(labels)) if any(labels) else []
    existing = (
        ProductOptionTranslation.objects.select_for_update()
        .filter(option=option, language=language)
        .first()
    )
    if existing is not None and existing.name == name and existing.values == labels:
        return existing
    row: ProductOptionTranslation | None
    if not name and not labels:
        if existing is None:
            return None
        existing.delete()
        row = None
    else:
        row = existing or ProductOptionTranslation(option=option, language=language)
        row.name, row.values, row.updated_at = name, labels, clock.now()
        row.save()
    audit.record(
        actor=_actor(actor),
        verb="product.option_translated",
        obj=option.product,
        data={"option": option.name, "language": language},
    )
    return row


@transaction.atomic
def collection_translation_save(
    *, collection: Collection, language: str, data: dict[str, Any], actor: Actor | None = None
) -> CollectionTranslation | None:
    """A collection's title, description and SEO texts in `language`, audited."""
    row, changed = content_translation_save(
        model=CollectionTranslation,
        owner_field="collection",
        owner=collection,
        language=language,
        data=data,
        fields=COLLECTION_TRANSLATION_FIELDS,
        html_fields=("description_html",),
    )
    if changed:
        audit.record(
            actor=_actor(actor),
            verb="collection.translated",
            obj=collection,
            data={"language": translation_language(language), "fields": changed},
        )
    return row
