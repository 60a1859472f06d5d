"""Write the demo brand into the database: fast enough for 10,000 products and 100,000 customers.

`generate.py` decides what exists; this module only writes it, in steps:

1. pictures: a pool of product illustrations (one per silhouette, colour and angle actually
   used), the logo and the hero, each drawn and resized once;
2. catalog: products, options, variants, images, facets, tags and price history with
   `bulk_create` in batches of 1,000 products. The product summary (price range, compare-at,
   stock, featured image, search text, facets) is computed here from the generated data,
   with the same rules as `services.product_refresh_summary`, instead of calling it 10,000
   times; the SQLite FTS5 triggers fire on the bulk INSERT, so search is right at once;
3. collections (manual and rule-based), then the store settings, menus and pages;
4. customers and addresses, sharing one password hash (argon2 is slow by design);
5. 18 months of orders (`orders.py` generates them) with their lines, payments and
   fulfilments, in batches of 2,000 orders written with COPY (`bulk.py`), then
   `Product.sales_count` in one pass and the order number sequence after the last number
   used, so live orders continue from there;
6. the staff account.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import secrets
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import islice
from typing import Any, TypeVar

from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import OuterRef, Subquery
from django.utils.text import slugify
from tqdm import tqdm

from freehold.catalog import cache as catalog_cache
from freehold.catalog.html import html_to_text
from freehold.catalog.images import StoredImage, stored_image_create, stored_image_save
from freehold.catalog.models import (
    Collection,
    CollectionProduct,
    MediaImage,
    PriceChange,
    Product,
    ProductFacet,
    ProductImage,
    ProductOption,
    Redirect,
    StockMovement,
    Tag,
    Variant,
)
from freehold.catalog.services import collection_create, collection_set_products
from freehold.checkout.models import Cart, CartLine
from freehold.core import clock, pagecache
from freehold.core.bulk import IdBlock, RowWriter
from freehold.customers.consent_services import seed_consent
from freehold.customers.models import Address, Consent, Customer, PrivacyRequest
from freehold.customers.privacy import seed_privacy
from freehold.demo import brand
from freehold.demo.catalog_data import COLOURS, PRODUCT_TYPES
from freehold.demo.generate import (
    CustomerSpec,
    ImageSpec,
    ProductSpec,
    VariantSpec,
    generate_customers,
    generate_products,
    german_vat_id,
)
from freehold.demo.orders import TAX_RATE, Buyer, OrderSpec, SellableVariant, generate_orders
from freehold.demo.pictures import encoded_product_picture, hero_picture, logo_picture
from freehold.demo.translations_data import translation_querysets, write_translations
from freehold.imports.models import ExternalId, ImageSource
from freehold.insights.demo_events import seed_events
from freehold.insights.models import CustomerScore, Event, Segment
from freehold.insights.segments import DEMO_SEGMENTS, seed_audience
from freehold.marketing.models import DiscountCode, DiscountRedemption
from freehold.marketplace.demo import seed_marketplace
from freehold.marketplace.models import (
    CertificationNotice,
    IllegalProductNotice,
    IllegalProductRecipient,
    LedgerEntry,
    MarketplaceSettings,
    Payout,
    ProductCompliance,
    SubOrder,
    SubOrderLine,
    SuspiciousActivityReport,
    Vendor,
    VendorMember,
    VendorProduct,
    VerificationRecord,
)
from freehold.markets import fx
from freehold.markets.models import FxRate, Market, MarketPrice, ShippingRate, ShippingZone
from freehold.markets.services import fx_rates_import
from freehold.orders.models import (
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    OrderNote,
    OrderNumberSequence,
    OrderTaxLine,
    Payment,
)
from freehold.orders.services import order_number_continue_after, order_number_last
from freehold.orders.states import FulfilmentStatus, PaymentStatus
from freehold.returns.models import ReturnRequest, ReturnRequestLine, Withdrawal
from freehold.storefront.models import FeaturedCollection, Menu, MenuItem, Page, StoreSettings
from freehold.taxes.models import TaxProfile, TaxRegistration
from freehold.taxes.services import rules_changed

BATCH = 1000
ORDER_BATCH = 2000
DEMO_ORDERS = 2000
T = TypeVar("T")


@dataclass
class SeedResult:
    products: int = 0
    variants: int = 0
    product_images: int = 0
    pictures: int = 0
    collections: int = 0
    customers: int = 0
    addresses: int = 0
    orders: int = 0
    order_lines: int = 0
    staff_email: str = ""
    staff_password: str | None = None


@dataclass
class SeedContext:
    """What the steps share; a later `orders` step reads the ids collected here."""

    seed: int
    now: dt.datetime
    progress: bool
    images: bool
    currency: str = brand.CURRENCY
    pictures: dict[str, StoredImage] = field(default_factory=dict)
    customer_ids: list[int] = field(default_factory=list)
    result: SeedResult = field(default_factory=SeedResult)


def chunked(items: Iterable[T], size: int) -> Iterator[list[T]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def catalog_exists() -> bool:
    """A store that has products or collections is never seeded over (handles would clash)."""
    return Product.objects.exists() or Collection.objects.exists()


def seed(
    *,
    products: int = 300,
    customers: int = 500,
    orders: int = DEMO_ORDERS,
    seed: int = 42,
    progress: bool = True,
    images: bool = True,
    staff_password: str | None = None,
) -> SeedResult:
    """Create the demo brand: store settings, catalog, collections, customers, orders, staff.

    `staff_password` sets the password of admin@example.com (created if missing); without
    it an existing account keeps its password and a new one gets a random password, which
    is returned in the result so it can be printed once.
    """
    context = SeedContext(seed=seed, now=clock.now(), progress=progress, images=images)
    specs = list(generate_products(count=products, seed=seed))
    if images:
        _draw_pictures(context, specs)
    with transaction.atomic():
        _write_catalog(context, specs)
        collections = _write_collections(context)
        _write_store(context, collections)
        write_translations()
        _write_shipping_and_discounts(context)
        # The ECB's rates of one recorded day, so currency features work offline.
        fx_rates_import(data=fx.RECORDED_DAILY_FILE.read_bytes(), source="ecb-recorded")
        _write_markets()
        _write_customers(context, generate_customers(count=customers, seed=seed), customers)
        # A consent history (sign-up opt-ins, banner answers, a few GPC browsers).
        seed_consent(customer_ids=context.customer_ids, seed=seed)
        _write_orders(context, orders)
        # Visits around the last 90 days of orders (the funnel, channels), a privacy queue,
        # and the customers' RFM scores (the worker recomputes them nightly after this).
        seed_events(now=context.now)
        seed_privacy()
        seed_audience()  # RFM scores now (not at the first nightly run) and example segments
        _write_staff(context, staff_password)
        # Partner brands in each verification state, with orders, a refund and payouts; their
        # accounts share the staff account's password (so it is written first).
        seed_marketplace(seed=seed)
        transaction.on_commit(
            lambda: pagecache.invalidate(pagecache.GLOBAL_TAG, catalog_cache.LISTINGS_TAG)
        )
    return context.result


# 1. Pictures -------------------------------------------------------------------------------


def _draw_pictures(context: SeedContext, specs: Sequence[ProductSpec]) -> None:
    """Draw each needed illustration once; thousands of image rows then share its files.

    Drawing and encoding is the slow part of a small seed, so it uses every core.
    """
    wanted: dict[str, ImageSpec] = {}
    for spec in specs:
        for image in spec.images:
            wanted.setdefault(image.key, image)
    jobs = [
        (key, image.silhouette, COLOURS[image.colour].hex, image.angle)
        for key, image in sorted(wanted.items())
    ]
    bar = tqdm(total=len(jobs) + 2, desc="Pictures", unit="picture", disable=not context.progress)
    with bar:
        workers = min(len(jobs), os.cpu_count() or 1, 4)
        if workers > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for key, encoded in pool.map(encoded_product_picture, jobs):
                    context.pictures[key] = stored_image_save(encoded, name=f"demo/{key}")
                    bar.update()
        else:
            for job in jobs:
                key, encoded = encoded_product_picture(job)
                context.pictures[key] = stored_image_save(encoded, name=f"demo/{key}")
                bar.update()
        settings = brand.STORE_SETTINGS
        context.pictures["logo"] = stored_image_create(
            logo_picture(
                name=brand.LOGO_TEXT,
                colour=settings["color_primary"],
                background=settings["color_background"],
            ),
            name="demo/logo",
        )
        bar.update()
        hero_colours = (COLOURS["Forest"].hex, "#8a9bb0", COLOURS["Slate"].hex, COLOURS["Navy"].hex)
        context.pictures["hero"] = stored_image_create(
            hero_picture(seed=context.seed, colours=hero_colours), name="demo/hero"
        )
        bar.update()
    context.result.pictures = len(context.pictures)


# 2. Catalog --------------------------------------------------------------------------------


def _at(context: SeedContext, seconds_ago: int) -> dt.datetime:
    return context.now - dt.timedelta(seconds=seconds_ago)


def _tag_ids(specs: Sequence[ProductSpec]) -> tuple[dict[str, int], dict[str, int]]:
    """Tag ids by name, and each name's rank in the database's own ordering of names.

    `product_refresh_summary` lists tags in the database's collation order, which on
    PostgreSQL is not Python's; ranking by the database keeps the search text identical.
    """
    names = sorted({tag for spec in specs for tag in spec.tags})
    Tag.objects.bulk_create([Tag(name=name) for name in names], ignore_conflicts=True)
    rows = list(Tag.objects.filter(name__in=names).order_by("name").values_list("name", "id"))
    return {name: pk for name, pk in rows}, {name: rank for rank, (name, _) in enumerate(rows)}


def _sorted_variants(spec: ProductSpec) -> list[tuple[int, VariantSpec]]:
    """(position, variant) cheapest first, as `product_refresh_summary` orders them."""
    return sorted(enumerate(spec.variants, start=1), key=lambda item: (item[1].price, item[0]))


def product_summary(spec: ProductSpec, tag_rank: dict[str, int]) -> dict[str, Any]:
    """The summary fields `services.product_refresh_summary` would store, from plain data.

    Keep in step with that function: price range, compare-at of the cheapest variant on
    sale, in stock if any variant can be bought, search text of brand, type, tags, SKUs
    (cheapest first), option values and the description's text.
    """
    ordered = [variant for _, variant in _sorted_variants(spec)]
    cheapest = ordered[0]
    on_sale = [variant for variant in ordered if variant.is_on_sale]
    tags = sorted(spec.tags, key=lambda name: tag_rank[name])
    search_text = " ".join(
        part
        for part in (
            spec.brand,
            spec.product_type,
            " ".join(tags),
            " ".join(variant.sku for variant in ordered if variant.sku),
            " ".join(sorted({value for variant in ordered for value in variant.options})),
            html_to_text(spec.description_html)[:4000],
        )
        if part
    )
    return {
        "price_min_amount": cheapest.price,
        "price_max_amount": max(variant.price for variant in ordered),
        "compare_at_amount": (
            min(on_sale, key=lambda variant: variant.price).compare_at_price if on_sale else None
        ),
        "is_in_stock": any(variant.is_available for variant in ordered),
        "search_text": search_text,
    }


def product_facets(spec: ProductSpec) -> list[tuple[str, str]]:
    return sorted(
        {
            (name, variant.options[position])
            for variant in spec.variants
            for position, (name, _) in enumerate(spec.options)
            if position < len(variant.options) and variant.options[position]
        }
    )


def _write_catalog(context: SeedContext, specs: Sequence[ProductSpec]) -> None:
    tag_ids, tag_rank = _tag_ids(specs)
    result = context.result
    bar = tqdm(total=len(specs), desc="Products", unit="product", disable=not context.progress)
    with bar:
        for batch in chunked(specs, BATCH):
            products = _write_product_batch(context, batch, tag_ids, tag_rank)
            result.products += len(products)
            bar.update(len(batch))


def _write_product_batch(
    context: SeedContext,
    batch: list[ProductSpec],
    tag_ids: dict[str, int],
    tag_rank: dict[str, int],
) -> list[Product]:
    products = []
    for spec in batch:
        created = _at(context, spec.created_seconds_ago)
        products.append(
            Product(
                handle=spec.handle,
                title=spec.title,
                description_html=spec.description_html,
                product_type=spec.product_type,
                brand=spec.brand,
                status=spec.status,
                seo_title=spec.seo_title,
                seo_description=spec.seo_description,
                hs_code=spec.hs_code,
                country_of_origin=spec.country_of_origin,
                published_at=None if spec.status == Product.Status.DRAFT else created,
                created_at=created,
                updated_at=created,
                currency=context.currency,
                **product_summary(spec, tag_rank),
            )
        )
    Product.objects.bulk_create(products)

    images: list[ProductImage] = []
    # The front view in each colour, shown when a shopper picks a variant of that colour.
    front_views: list[dict[str, ProductImage]] = [{} for _ in batch]
    if context.images:
        for spec, product, fronts in zip(batch, products, front_views, strict=True):
            for position, image in enumerate(spec.images, start=1):
                row = ProductImage(
                    product=product,
                    position=position,
                    alt=image.alt,
                    **context.pictures[image.key].as_fields(),
                )
                images.append(row)
                if image.angle == "front":
                    fronts.setdefault(image.colour, row)
        ProductImage.objects.bulk_create(images)

    options, variants, facets, tag_links = [], [], [], []
    for spec, product, fronts in zip(batch, products, front_views, strict=True):
        for position, (name, values) in enumerate(spec.options, start=1):
            options.append(
                ProductOption(product=product, position=position, name=name, values=list(values))
            )
        for name, value in product_facets(spec):
            facets.append(ProductFacet(product=product, name=name, value=value))
        for tag in spec.tags:
            tag_links.append(Product.tags.through(product_id=product.pk, tag_id=tag_ids[tag]))
        for position, variant in enumerate(spec.variants, start=1):
            option_values = [*variant.options, "", "", ""]
            variants.append(
                Variant(
                    product=product,
                    title=variant.title,
                    sku=variant.sku,
                    barcode=variant.barcode,
                    option1=option_values[0],
                    option2=option_values[1],
                    option3=option_values[2],
                    position=position,
                    currency=context.currency,
                    price_amount=variant.price,
                    compare_at_price_amount=variant.compare_at_price,
                    cost_amount=variant.cost,
                    weight_grams=variant.weight_grams,
                    stock_quantity=variant.stock_quantity,
                    inventory_policy=variant.inventory_policy,
                    image=fronts.get(variant.colour),
                    created_at=product.created_at,
                    updated_at=product.created_at,
                )
            )
    ProductOption.objects.bulk_create(options)
    ProductFacet.objects.bulk_create(facets)
    Product.tags.through.objects.bulk_create(tag_links)
    Variant.objects.bulk_create(variants)

    variant_specs = [variant for spec in batch for variant in spec.variants]
    PriceChange.objects.bulk_create(
        PriceChange(
            variant=row,
            currency=context.currency,
            price_amount=point.price,
            compare_at_price_amount=point.compare_at_price,
            changed_at=_at(context, point.seconds_ago),
        )
        for row, variant in zip(variants, variant_specs, strict=True)
        for point in variant.price_history
    )
    if images:
        # The featured image is the first by (position, id), as in product_refresh_summary.
        first_image = ProductImage.objects.filter(product=OuterRef("pk")).order_by("position", "id")
        Product.objects.filter(pk__in=[product.pk for product in products]).update(
            featured_image=Subquery(first_image.values("pk")[:1])
        )
    context.result.variants += len(variants)
    context.result.product_images += len(images)
    return products


# 3. Collections, store settings, menus and pages -------------------------------------------


def _write_collections(context: SeedContext) -> dict[str, Collection]:
    rng = random.Random(f"freehold-demo-{context.seed}-collections")
    collections: dict[str, Collection] = {}
    for definition in brand.MANUAL_COLLECTIONS:
        collections[definition["handle"]] = collection_create(
            kind=Collection.Kind.MANUAL, **definition
        )
    for definition in brand.SMART_COLLECTIONS:
        collections[definition["handle"]] = collection_create(
            kind=Collection.Kind.SMART, **definition
        )
    for product_type in PRODUCT_TYPES:
        handle = slugify(product_type.name)
        collections[handle] = collection_create(
            kind=Collection.Kind.SMART,
            handle=handle,
            title=product_type.name,
            rules=[{"field": "type", "relation": "equals", "value": product_type.name}],
            sort_order=Collection.SortOrder.CREATED_DESC,
            description_html=f"<p>{brand.TYPE_COLLECTION_DESCRIPTIONS[product_type.name]}</p>",
        )
    active = Product.objects.filter(status=Product.Status.ACTIVE)
    in_stock = active.filter(is_in_stock=True)
    newest = list(in_stock.order_by("-created_at", "-id")[: brand.NEW_ARRIVALS_COUNT])
    collection_set_products(collection=collections["new-arrivals"], products=newest)
    candidates = list(in_stock.order_by("id"))
    picks = rng.sample(candidates, min(brand.STAFF_PICKS_COUNT, len(candidates)))
    collection_set_products(collection=collections["staff-picks"], products=picks)
    context.result.collections = len(collections)
    return collections


def _media(context: SeedContext, key: str, alt: str) -> MediaImage | None:
    stored = context.pictures.get(key)
    if stored is None:
        return None
    return MediaImage.objects.create(alt=alt, created_at=context.now, **stored.as_fields())


def _write_store(context: SeedContext, collections: dict[str, Collection]) -> None:
    hero = _media(context, "hero", brand.HERO_ALT)
    values = {
        **brand.STORE_SETTINGS,
        "vat_id": german_vat_id(brand.VAT_ID_BODY),
        "logo": _media(context, "logo", f"{brand.STORE_NAME} logo"),
        "hero_image": hero,
        "social_image": hero,
        "updated_at": context.now,
    }
    settings = StoreSettings.objects.filter(pk=1).first() or StoreSettings(pk=1)
    for name, value in values.items():
        setattr(settings, name, value)
    settings.full_clean()
    settings.save()
    FeaturedCollection.objects.filter(settings=settings).delete()
    FeaturedCollection.objects.bulk_create(
        FeaturedCollection(settings=settings, collection=collections[handle], position=position)
        for position, handle in enumerate(brand.FEATURED_COLLECTIONS)
    )
    for handle, title, items in (
        ("main", "Main menu", brand.MAIN_MENU),
        ("footer", "Footer menu", brand.FOOTER_MENU),
    ):
        menu, _ = Menu.objects.update_or_create(handle=handle, defaults={"title": title})
        MenuItem.objects.filter(menu=menu).delete()
        menu_items = [
            MenuItem(menu=menu, title=item_title, url=url, position=position)
            for position, (item_title, url) in enumerate(items)
        ]
        for item in menu_items:
            item.full_clean()
        MenuItem.objects.bulk_create(menu_items)
    for page in brand.PAGES:
        Page.objects.update_or_create(
            handle=page["handle"], defaults={**page, "updated_at": context.now}
        )


# 4. Customers -------------------------------------------------------------------------------


# Germany first (the brand ships from there), then the rest of the EU, then everywhere else.
EU_COUNTRIES = (
    "AT",
    "BE",
    "BG",
    "CY",
    "CZ",
    "DK",
    "EE",
    "ES",
    "FI",
    "FR",
    "GR",
    "HR",
    "HU",
    "IE",
    "IT",
    "LT",
    "LU",
    "LV",
    "MT",
    "NL",
    "PL",
    "PT",
    "RO",
    "SE",
    "SI",
    "SK",
)
RateRow = tuple[str, str, str, str, str | None, int, int]
DEMO_SHIPPING: tuple[tuple[str, Sequence[str] | None, list[RateRow]], ...] = (
    # zone name, countries (None: the rest of the world), rates:
    # (code, name, carrier, price, free over, min days, max days)
    ("Germany", ["DE"], [
        ("standard", "Standard", "DHL", "4.90", "75", 1, 3),
        ("express", "Express", "DHL", "9.90", None, 1, 1),
    ]),
    ("European Union", EU_COUNTRIES, [
        ("standard", "Standard", "DHL", "9.90", "100", 3, 6),
        ("express", "Express", "UPS", "24.90", None, 1, 3),
    ]),
    ("Rest of world", None, [("international", "International", "DHL", "19.90", None, 5, 12)]),
)  # fmt: skip
# Zones naming regions, priced in their own currency where the shopper pays in it: the
# United States in dollars, Alaska and Hawaii dearer (a region beats its country), and the
# Canary Islands apart from the rest of Spain (in euros, as the store's currency).
RegionalRow = tuple[str, list[str], list[str], str | None, list[RateRow]]
DEMO_REGIONAL_SHIPPING: tuple[RegionalRow, ...] = (
    # zone name, countries, regions, currency (None: the store's), rates
    ("United States", ["US"], [], "USD", [
        ("standard", "Standard", "USPS", "14.90", "150", 5, 8),
    ]),
    ("Alaska and Hawaii", [], ["US-AK", "US-HI"], "USD", [
        ("standard", "Standard", "USPS", "29.90", None, 7, 12),
    ]),
    ("Canary Islands", [], ["ES-CN"], None, [
        ("standard", "Standard", "Correos", "19.90", None, 5, 10),
    ]),
)  # fmt: skip
# Markets: the EU at home (no prefix in English, /de-de/, /fr-fr/ …), and abroad in the
# shopper's currency, converted with the recorded ECB rates and rounded the local way.
MarketRow = tuple[str, str, list[str], str, list[str], bool, str, Decimal | None, str]
DEMO_MARKETS: tuple[MarketRow, ...] = (
    # code, name, countries, currency, languages, prices include tax, rounding, increment, duties
    ("eu", "European Union", ["DE", *(c for c in EU_COUNTRIES if c != "DE")], "EUR",
     ["en", "de", "fr", "es"], True, "none", None, "dap"),
    ("uk", "United Kingdom", ["GB"], "GBP", ["en"], True, "ending_99", None, "dap"),
    ("us", "United States", ["US"], "USD", ["en", "es"], False, "ending_99", None, "ddp"),
    ("jp", "Japan", ["JP"], "JPY", ["ja", "en"], True, "increment", Decimal(10), "dap"),
    ("cn", "China", ["CN"], "CNY", ["zh-hans", "en"], True, "whole", None, "dap"),
    ("world", "Rest of world", [], "USD", ["en"], False, "ending_99", None, "dap"),
)  # fmt: skip
DEMO_SOURCE = "demo"
DEMO_DISCOUNTS = (
    ("WELCOME10", DiscountCode.Kind.PERCENTAGE, "10", None),
    ("FREESHIP", DiscountCode.Kind.FREE_SHIPPING, "0", "50"),
)
DEMO_DISCOUNT_CODES = [code for code, *_ in DEMO_DISCOUNTS]


def _write_shipping_and_discounts(context: SeedContext) -> None:
    """Shipping zones with real-looking rates, and two codes to try at checkout."""
    for position, (name, countries, rates) in enumerate(DEMO_SHIPPING):
        zone = ShippingZone.objects.create(
            name=name,
            countries=list(countries or []),
            is_rest_of_world=countries is None,
            position=position,
        )
        ShippingRate.objects.bulk_create(
            ShippingRate(
                zone=zone,
                code=code,
                name=rate_name,
                carrier=carrier,
                price_amount=Decimal(price),
                currency=context.currency,
                free_over_amount=Decimal(free_over) if free_over else None,
                min_delivery_days=low,
                max_delivery_days=high,
                position=index,
            )
            for index, (code, rate_name, carrier, price, free_over, low, high) in enumerate(rates)
        )
    for position, (name, countries, regions, currency, rates) in enumerate(
        DEMO_REGIONAL_SHIPPING, start=len(DEMO_SHIPPING)
    ):
        zone = ShippingZone.objects.create(
            name=name, countries=countries, regions=regions, position=position
        )
        ShippingRate.objects.bulk_create(
            ShippingRate(
                zone=zone,
                code=code,
                name=rate_name,
                carrier=carrier,
                price_amount=Decimal(price),
                currency=currency or context.currency,
                free_over_amount=Decimal(free_over) if free_over else None,
                min_delivery_days=low,
                max_delivery_days=high,
                position=index,
            )
            for index, (code, rate_name, carrier, price, free_over, low, high) in enumerate(rates)
        )
    for code, kind, value, minimum in DEMO_DISCOUNTS:
        DiscountCode.objects.update_or_create(
            code=code,
            defaults={
                "kind": kind,
                "value": Decimal(value),
                "currency": context.currency if kind != DiscountCode.Kind.PERCENTAGE else "",
                "minimum_subtotal_amount": Decimal(minimum) if minimum else None,
            },
        )


def _write_markets() -> None:
    """The demo's markets and tax registrations (what the merchant made is kept: the demo adds
    only what is missing). Written directly, like the shipping zones: the demo's own data is
    known to be valid, and audit entries would name changes nobody made."""
    taken = {c for m in Market.objects.filter(is_active=True) for c in m.countries or []}
    has_default = Market.objects.filter(is_default=True).exists()
    has_rest = Market.objects.filter(is_rest_of_world=True).exists()
    for position, row in enumerate(DEMO_MARKETS):
        code, name, countries, currency, languages, with_tax, rounding, increment, duties = row
        if Market.objects.filter(code=code).exists() or (not countries and has_rest):
            continue
        Market.objects.create(
            code=code,
            name=name,
            countries=[country for country in countries if country not in taken],
            is_rest_of_world=not countries,
            currency=currency,
            languages=languages,
            prices_include_tax=with_tax,
            rounding=rounding,
            rounding_increment=increment,
            duties_mode=duties,
            is_default=code == "eu" and not has_default,
            position=position,
        )
    # A German company registered for OSS (destination VAT across the EU), UK VAT (it charges
    # UK VAT on parcels up to GBP 135) and with nexus in New York (US sales tax there only).
    profile, _ = TaxProfile.objects.get_or_create(pk=1)
    if not profile.established_country:
        profile.established_country = profile.ships_from_country = "DE"
        profile.save()
    if not TaxRegistration.objects.exists():
        since = dt.date(2021, 7, 1)
        TaxRegistration.objects.bulk_create(
            [
                TaxRegistration(scheme="oss", valid_from=since, source=DEMO_SOURCE),
                TaxRegistration(scheme="uk_vat", valid_from=since, source=DEMO_SOURCE),
                TaxRegistration(
                    scheme="us_sales_tax",
                    country="US",
                    region="US-NY",
                    rate=Decimal("0.08875"),
                    valid_from=since,
                    source=DEMO_SOURCE,
                ),
            ]
        )
        rules_changed()


def _write_customers(context: SeedContext, specs: Iterable[CustomerSpec], total: int) -> None:
    """Customers in batches, all with one password hash computed once (argon2 is slow)."""
    password_hash = make_password(secrets.token_urlsafe(24))
    bar = tqdm(total=total, desc="Customers", unit="customer", disable=not context.progress)
    with bar:
        for batch in chunked(specs, BATCH):
            customers = [
                Customer(
                    email=spec.email,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    phone=spec.phone,
                    country_code=spec.country_code,
                    language=spec.language,
                    password=password_hash,
                    date_joined=_at(context, spec.joined_seconds_ago),
                )
                for spec in batch
            ]
            Customer.objects.bulk_create(customers)
            addresses = [
                Address(customer=customer, **address.__dict__)
                for customer, spec in zip(customers, batch, strict=True)
                for address in spec.addresses
            ]
            Address.objects.bulk_create(addresses)
            context.customer_ids += [customer.pk for customer in customers]
            context.result.customers += len(customers)
            context.result.addresses += len(addresses)
            bar.update(len(batch))


# 5. Orders ---------------------------------------------------------------------------------


def order_inputs(context: SeedContext) -> tuple[list[Buyer], list[SellableVariant]]:
    """The customers just written and the active products' variants, as plain values."""
    addresses: dict[int, list[dict[str, str]]] = {}
    address_fields = [
        "first_name", "last_name", "company", "line1", "line2", "city", "city_area",
        "region", "postal_code", "country_code", "phone",
    ]  # fmt: skip
    rows = Address.objects.filter(customer_id__in=context.customer_ids).order_by(
        "customer_id", "-is_default", "id"
    )
    for row in rows.values("customer_id", *address_fields).iterator(chunk_size=5000):
        customer_id = row.pop("customer_id")
        addresses.setdefault(customer_id, []).append(row)
    buyers = [
        Buyer(
            customer_id=pk,
            email=email,
            language=language,
            joined=joined,
            addresses=tuple(addresses.get(pk, ())),
        )
        for pk, email, language, joined in Customer.objects.filter(pk__in=context.customer_ids)
        .order_by("id")
        .values_list("id", "email", "language", "date_joined")
        .iterator(chunk_size=5000)
    ]
    variants = [
        SellableVariant(
            variant_id=pk,
            product_id=product_id,
            product_title=product_title,
            variant_title=title,
            sku=sku,
            price=price,
            cost=cost,
            hs_code=hs_code,
            country_of_origin=origin,
        )
        for pk, product_id, product_title, title, sku, price, cost, hs_code, origin in (
            Variant.objects.filter(product__status=Product.Status.ACTIVE)
            .order_by("id")
            .values_list(
                "id",
                "product_id",
                "product__title",
                "title",
                "sku",
                "price_amount",
                "cost_amount",
                "product__hs_code",
                "product__country_of_origin",
            )
            .iterator(chunk_size=5000)
        )
    ]
    return buyers, variants


@dataclass
class _OrderWriters:
    """One row writer and one block of primary keys per order table, for the whole run."""

    tables: tuple[type[models.Model], ...] = (Order, OrderLine, Payment, Fulfilment, FulfilmentLine)
    writers: dict[type[models.Model], RowWriter] = field(default_factory=dict)
    ids: dict[type[models.Model], IdBlock] = field(default_factory=dict)
    # The first order of each e-mail and customer account so far, for
    # `Order.customer_first_order_at` (orders are generated oldest first).
    first_by_email: dict[str, dt.datetime] = field(default_factory=dict)
    first_by_customer: dict[int, dt.datetime] = field(default_factory=dict)

    def first_order_before(self, spec: OrderSpec) -> dt.datetime | None:
        """When the order's e-mail or account first ordered, if before it (what an order's
        INSERT asks the database, `orders.models.first_order_before`), and remember this one."""
        known = [self.first_by_email.get(spec.email)]
        if spec.customer_id is not None:
            known.append(self.first_by_customer.get(spec.customer_id))
        earlier = min((moment for moment in known if moment is not None), default=None)
        if spec.email not in self.first_by_email:
            self.first_by_email[spec.email] = spec.placed_at
        if spec.customer_id is not None and spec.customer_id not in self.first_by_customer:
            self.first_by_customer[spec.customer_id] = spec.placed_at
        return earlier if earlier is not None and earlier < spec.placed_at else None

    def __post_init__(self) -> None:
        for model in self.tables:
            self.writers[model] = RowWriter(model)
            self.ids[model] = IdBlock(model)

    def finish(self) -> None:
        for block in self.ids.values():
            block.finish()


def _write_orders(context: SeedContext, count: int) -> None:
    """Orders in batches of 2,000, written with COPY (PostgreSQL) or executemany (SQLite).

    Primary keys come from blocks reserved at the start, so lines, payments and fulfilments
    point at their order without reading anything back (see `bulk.py`; about ten times the
    speed of `bulk_create` at a million orders).
    """
    buyers, variants = order_inputs(context)
    if count <= 0 or not variants:
        return
    first_number = order_number_last() + 1
    specs = generate_orders(
        count=count,
        seed=context.seed,
        now=context.now,
        currency=context.currency,
        buyers=buyers,
        variants=variants,
    )
    writers = _OrderWriters()
    sold: dict[int, int] = {}
    number = first_number - 1
    bar = tqdm(total=count, desc="Orders", unit="order", disable=not context.progress)
    with bar:
        for batch in chunked(specs, ORDER_BATCH):
            _write_order_batch(context, writers, batch, first_number=number + 1)
            for spec in batch:
                if spec.units_sold:
                    for line in spec.lines:
                        product_id = line.variant.product_id
                        sold[product_id] = sold.get(product_id, 0) + line.quantity
            number += len(batch)
            bar.update(len(batch))
    writers.finish()
    products = [Product(pk=pk, sales_count=units) for pk, units in sold.items()]
    Product.objects.bulk_update(products, ["sales_count"], batch_size=BATCH)
    # The counter row, and PostgreSQL's sequence (setval), continue after the seeded orders.
    order_number_continue_after(last_value=number)


def _write_order_batch(
    context: SeedContext, writers: _OrderWriters, batch: list[OrderSpec], *, first_number: int
) -> None:
    currency = context.currency
    ids = writers.ids
    orders: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    payments: list[dict[str, Any]] = []
    fulfilments: list[dict[str, Any]] = []
    fulfilment_lines: list[dict[str, Any]] = []
    for index, spec in enumerate(batch):
        order_id = ids[Order].take()
        orders.append(
            {
                "id": order_id,
                "number": str(first_number + index),
                "customer_id": spec.customer_id,
                "email": spec.email,
                "status": spec.status,
                "payment_status": spec.payment_status,
                "fulfilment_status": spec.fulfilment_status,
                "payment_gateway": spec.payments[0].gateway if spec.payments else "manual",
                "shipping_address": spec.shipping_address,
                "billing_address": spec.shipping_address,
                "language": spec.language,
                "currency": currency,
                "subtotal_amount": spec.subtotal,
                "shipping_amount": spec.shipping,
                "tax_amount": spec.tax,
                "total_amount": spec.total,
                "tax_included": True,
                "base_currency": currency,
                "base_total_amount": spec.total,
                "utm_source": spec.utm_source,
                "utm_medium": spec.utm_medium,
                "utm_campaign": spec.utm_campaign,
                "placed_at": spec.placed_at,
                "customer_first_order_at": writers.first_order_before(spec),
                "paid_at": spec.paid_at,
                "cancelled_at": spec.cancelled_at,
                "created_at": spec.placed_at,
                "updated_at": spec.updated_at,
            }
        )
        shipped = spec.fulfilment_status in (FulfilmentStatus.FULFILLED, FulfilmentStatus.RETURNED)
        refunded = spec.payment_status == PaymentStatus.REFUNDED
        order_lines = []
        for line in spec.lines:
            order_lines.append(
                {
                    "id": ids[OrderLine].take(),
                    "order_id": order_id,
                    "variant_id": line.variant.variant_id,
                    "product_title": line.variant.product_title,
                    "variant_title": line.variant.variant_title,
                    "sku": line.variant.sku,
                    "quantity": line.quantity,
                    "currency": currency,
                    "unit_price_amount": line.variant.price,
                    "tax_amount": line.tax,
                    "total_amount": line.subtotal,
                    "tax_rate": TAX_RATE,
                    "unit_cost_amount": line.variant.cost,
                    "quantity_fulfilled": line.quantity if shipped else 0,
                    "quantity_refunded": line.quantity if refunded else 0,
                    "hs_code": line.variant.hs_code,
                    "country_of_origin": line.variant.country_of_origin,
                }
            )
        lines += order_lines
        payments += [
            {
                "id": ids[Payment].take(),
                "order_id": order_id,
                "gateway": payment.gateway,
                "kind": payment.kind,
                "status": Payment.Status.SUCCEEDED,
                "currency": currency,
                "amount": payment.amount,
                "fee_amount": payment.fee,
                "provider_reference": payment.reference,
                "created_at": payment.at,
            }
            for payment in spec.payments
        ]
        if spec.fulfilment is not None:
            parcel = spec.fulfilment
            fulfilment_id = ids[Fulfilment].take()
            fulfilments.append(
                {
                    "id": fulfilment_id,
                    "order_id": order_id,
                    "status": parcel.status,
                    "carrier": parcel.carrier,
                    "tracking_number": parcel.tracking_number,
                    "tracking_url": parcel.tracking_url,
                    "shipping_cost_amount": parcel.shipping_cost,
                    "shipping_cost_currency": currency,
                    "shipped_at": parcel.shipped_at,
                    "delivered_at": parcel.delivered_at,
                    "created_at": parcel.shipped_at,
                }
            )
            fulfilment_lines += [
                {
                    "id": ids[FulfilmentLine].take(),
                    "fulfilment_id": fulfilment_id,
                    "order_line_id": line["id"],
                    "quantity": line["quantity"],
                }
                for line in order_lines
            ]
    for model, rows in (
        (Order, orders),
        (OrderLine, lines),
        (Payment, payments),
        (Fulfilment, fulfilments),
        (FulfilmentLine, fulfilment_lines),
    ):
        writers.writers[model].write(rows)
    context.result.orders += len(orders)
    context.result.order_lines += len(lines)


# 6. Staff -----------------------------------------------------------------------------------


def staff_ensure(*, email: str, password: str | None = None) -> tuple[Customer, str | None]:
    """Make `email` a superuser and the store's owner; returns the account and the password if
    one was set.

    A new account without `password` gets a random one; an existing account keeps its
    password unless `password` is given.
    """
    account = Customer.objects.filter(email=email.lower()).first()
    if account is None:
        password = password or secrets.token_urlsafe(12)
        account = Customer.objects.create_superuser(
            email,
            password,
            first_name="Store",
            last_name="Admin",
            staff_role=Customer.StaffRole.OWNER,
        )
        return account, password
    account.is_staff = account.is_superuser = account.is_active = True
    account.staff_role = Customer.StaffRole.OWNER
    if password:
        account.set_password(password)
    account.save()
    return account, password


def _write_staff(context: SeedContext, password: str | None) -> None:
    _, chosen = staff_ensure(email=brand.STAFF_EMAIL, password=password)
    context.result.staff_email = brand.STAFF_EMAIL
    context.result.staff_password = chosen


# Starting over ----------------------------------------------------------------------------


def wipe() -> None:
    """Delete the orders (with their returns, notes and withdrawals), the catalog with its stock
    history, the brand settings, the demo's recorded exchange rates and every customer who is
    not staff.

    Raw deletes, children first: the ORM's cascading delete would load and signal every
    one of 100,000 variants. Staff accounts stay, so nobody is locked out.
    """
    with transaction.atomic():
        shoppers = Customer.objects.filter(is_staff=False, is_superuser=False)
        Product.objects.update(featured_image=None)
        for queryset in (
            *translation_querysets(),
            # What points at orders, products and shoppers goes first (raw deletes cascade
            # nothing): visits, scores, consents, privacy requests, imported identifiers.
            Event.objects.all(),
            CustomerScore.objects.filter(customer__in=shoppers),
            Consent.objects.filter(customer__in=shoppers),
            Consent.objects.filter(customer__isnull=True),
            PrivacyRequest.objects.all(),
            Segment.objects.filter(name__in=[row[0] for row in DEMO_SEGMENTS]),
            ExternalId.objects.all(),
            # The marketplace's rows point at orders, products and shoppers too.
            LedgerEntry.objects.all(),
            Payout.objects.all(),
            SubOrderLine.objects.all(),
            SubOrder.objects.all(),
            SuspiciousActivityReport.objects.all(),
            CertificationNotice.objects.all(),
            VerificationRecord.objects.all(),
            IllegalProductRecipient.objects.all(),
            IllegalProductNotice.objects.all(),
            ProductCompliance.objects.all(),
            VendorProduct.objects.all(),
            VendorMember.objects.all(),
            Vendor.objects.all(),
            MarketplaceSettings.objects.all(),
            ImageSource.objects.all(),
            CartLine.objects.all(),
            Cart.objects.all(),
            DiscountRedemption.objects.filter(customer__in=shoppers),
            # The demo's own codes; codes the merchant made stay.
            DiscountRedemption.objects.filter(discount__code__in=DEMO_DISCOUNT_CODES),
            DiscountCode.objects.filter(code__in=DEMO_DISCOUNT_CODES),
            ReturnRequestLine.objects.all(),
            ReturnRequest.objects.all(),
            Withdrawal.objects.all(),
            OrderNote.objects.all(),
            FulfilmentLine.objects.all(),
            Fulfilment.objects.all(),
            Payment.objects.all(),
            OrderTaxLine.objects.all(),  # orders placed through checkout (the marketplace's)
            OrderLine.objects.all(),
            Order.objects.all(),
            OrderNumberSequence.objects.all(),
            PriceChange.objects.all(),
            StockMovement.objects.all(),
            ProductFacet.objects.all(),
            Product.tags.through.objects.all(),
            CollectionProduct.objects.all(),
            FeaturedCollection.objects.all(),
            MarketPrice.objects.all(),
            Variant.objects.all(),
            ProductImage.objects.all(),
            ProductOption.objects.all(),
            Product.objects.all(),
            Collection.objects.all(),
            StoreSettings.objects.all(),
            MediaImage.objects.all(),
            Tag.objects.all(),
            Redirect.objects.all(),
            ShippingRate.objects.all(),
            ShippingZone.objects.all(),
            FxRate.objects.filter(source="ecb-recorded"),  # rates fetched from the ECB stay
            Market.objects.filter(code__in=[row[0] for row in DEMO_MARKETS]),
            TaxRegistration.objects.filter(source=DEMO_SOURCE),
            MenuItem.objects.all(),
            Menu.objects.all(),
            Page.objects.all(),
            Address.objects.filter(customer__in=shoppers),
            Customer.groups.through.objects.filter(customer__in=shoppers),
            Customer.user_permissions.through.objects.filter(customer__in=shoppers),
            shoppers,
        ):
            queryset._raw_delete(queryset.db)
        rules_changed()  # the demo's tax registrations are gone
        transaction.on_commit(
            lambda: pagecache.invalidate(pagecache.GLOBAL_TAG, catalog_cache.LISTINGS_TAG)
        )
