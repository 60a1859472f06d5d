"""The demo's marketplace: six partner brands, one in each INFORM state, selling and paid out.

Called by `freehold seed` after the catalog, the orders and the staff account exist. Marketplace
mode is switched on, a few of the demo's products are handed to the vendors (the rest stay the
operator's), every vendor gets the DSA trader data except the last (its listings show what is
missing under Marketplace → Traders), and each vendor's account (owner@<handle>.example) logs
in with the store owner's password.

Then money moves through the real services, at past moments on a frozen clock: a handful of
orders mixing the operator's goods and two vendors' are placed (split into sub-orders), paid
(sale and commission in the ledger), one vendor ships its parcel, one line is refunded (clawed
back), a first payout run is marked paid, and today's run leaves the others pending and holds the
suspended vendor's payout with the reason. `inform.seed_inform` puts the vendors in the six
verification states after the orders (its states are set directly, not sold into).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from contextlib import contextmanager

from django.contrib.auth.hashers import make_password
from django.db import transaction

from freehold.catalog.models import Product, Variant
from freehold.checkout import services as checkout
from freehold.checkout.placement import checkout_complete
from freehold.core import clock
from freehold.core.audit import Actor
from freehold.customers.models import Customer
from freehold.demo import brand
from freehold.marketplace import dsa, inform, money, product_safety, rules
from freehold.marketplace.models import (
    MarketplaceSettings,
    Payout,
    SubOrder,
    Vendor,
    VendorMember,
    VendorProduct,
    VerificationRecord,
)
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from freehold.orders.operations import fulfilment_create, order_refund
from freehold.payments.services import payment_mark_paid
from freehold.storefront.models import StoreSettings

# name, handle, country, region
DEMO_VENDORS: tuple[tuple[str, str, str, str], ...] = (
    ("Alpine Wool Co.", "alpine-wool", "AT", "Tirol"),
    ("Harbour Canvas", "harbour-canvas", "GB", "Cornwall"),
    ("Lakeside Leather", "lakeside-leather", "US", "MN"),
    ("Nordic Knit Studio", "nordic-knit", "DK", "Hovedstaden"),
    ("Prairie Denim", "prairie-denim", "US", "TX"),
    ("Coastline Goods", "coastline-goods", "US", "CA"),
)
PRODUCTS_PER_VENDOR = 2

# The demo's marketplace orders: days before the seed, the vendors' indexes (DEMO_VENDORS),
# and whether the operator's own goods are in the cart too.
DEMO_ORDERS: tuple[tuple[int, tuple[int, ...], bool], ...] = (
    (75, (0, 1), True),
    (60, (2, 3), False),
    (40, (4, 5), True),
    (20, (0, 5), False),
    (6, (2, 3), True),
)
FIRST_PAYOUT_DAYS_AGO = 45
ADDRESS = {
    "first_name": "Lena",
    "last_name": "Vogel",
    "line1": "Oranienstraße 25",
    "city": "Berlin",
    "postal_code": "10999",
    "country_code": "DE",
}
ACTOR = Actor.system("demo")


def seed_marketplace(*, seed: int = 42) -> list[Vendor]:
    """Create the demo vendors and their money (once: existing ones are left alone)."""
    handles = [row[1] for row in DEMO_VENDORS]
    if Vendor.objects.filter(handle__in=handles).exists():
        return list(Vendor.objects.filter(handle__in=handles))
    rules.defaults_load()  # present since migration 0002, unless a test database was flushed
    settings = MarketplaceSettings.objects.get_or_create(pk=1)[0]
    settings.enabled = True
    settings.report_phone = settings.report_phone or "+49 30 5550 1000"
    settings.save()
    now = clock.now()
    owner = Customer.objects.filter(email=brand.STAFF_EMAIL).first()
    # The owner's hash, not a new one: the demo's one password, and no slow hashing.
    password = owner.password if owner is not None and owner.has_usable_password() else None
    vendors = []
    products = list(
        Product.objects.filter(status=Product.Status.ACTIVE)
        .order_by("-pk")
        .values_list("pk", flat=True)[: PRODUCTS_PER_VENDOR * len(DEMO_VENDORS)]
    )
    for index, (name, handle, country, region) in enumerate(DEMO_VENDORS):
        vendor = Vendor.objects.create(
            name=name,
            handle=handle,
            status=Vendor.Status.ACTIVE,
            email=f"hello@{handle}.example",
            phone="+1 512 555 0100" if country == "US" else "+43 512 555 010",
            country_code=country,
            region=region,
            residential_address=handle == "prairie-denim",
            created_at=now,
        )
        member, _ = Customer.objects.get_or_create(
            email=f"owner@{handle}.example",
            defaults={"first_name": name.split()[0], "password": password or make_password(None)},
        )
        VendorMember.objects.create(vendor=vendor, customer=member)
        mine = products[index * PRODUCTS_PER_VENDOR : (index + 1) * PRODUCTS_PER_VENDOR]
        VendorProduct.objects.bulk_create(
            VendorProduct(product_id=product_id, vendor=vendor) for product_id in mine
        )
        missing = (VerificationRecord.Field.SELF_CERTIFICATION,) if index == 5 else ()
        dsa.seed_trader(vendor=vendor, missing=missing)
        product_safety.seed_product_safety(vendor=vendor, product_ids=mine)
        vendors.append(vendor)
    with _quietly():
        _seed_money(vendors, now=now, rng=random.Random(f"freehold-demo-{seed}-marketplace"))
    inform.seed_inform(vendors=vendors)
    # Today's run: the others' payouts pending, the suspended vendor's held with the reason.
    money.payouts_create(now=now)
    return vendors


@contextmanager
def _quietly() -> Iterator[None]:
    """Drop what the demo's past orders would do after the commit: e-mails to made-up shoppers,
    and INFORM's recount, which would undo the states `seed_inform` sets without 200 sales."""
    connection = transaction.get_connection()
    before = len(connection.run_on_commit) if connection.in_atomic_block else None
    try:
        yield
    finally:
        if before is not None:
            del connection.run_on_commit[before:]


def _variant(product_ids: list[int], rng: random.Random) -> Variant | None:
    """An in-stock variant of one of the products (the generator's pick), or None."""
    candidates = list(
        Variant.objects.filter(product_id__in=product_ids, product__status=Product.Status.ACTIVE)
        .exclude(track_inventory=True, stock_quantity__lt=3, inventory_policy="deny")
        .order_by("pk")
    )
    return rng.choice(candidates) if candidates else None


def _shipping_code(currency: str) -> str:
    """The German zone's first rate in the store's currency ("<zone>:<code>"), or ""."""
    for zone in ShippingZone.objects.order_by("position", "pk"):
        if "DE" in (zone.countries or []):
            rate = (
                ShippingRate.objects.filter(zone=zone, currency=currency)
                .order_by("price_amount", "pk")
                .first()
            )
            if rate is not None:
                return f"{zone.pk}:{rate.code}"
    return ""


def _place(
    variants: list[Variant], *, rng: random.Random, currency: str, shipping: str, email: str
) -> Order:
    cart = checkout.cart_create(currency=currency)
    for variant in variants:
        checkout.cart_add(cart=cart, variant_id=variant.pk, quantity=rng.choice((1, 1, 2)))
    checkout.cart_set_details(cart=cart, email=email, shipping_address=ADDRESS)
    if shipping:
        checkout.cart_set_shipping_method(cart=cart, code=shipping)
    return checkout_complete(
        cart_token=cart.token,
        email=email,
        idempotency_key=f"demo-marketplace-{cart.token}",
        shipping_address=ADDRESS,
        payment_gateway="manual",
    )


def _seed_money(vendors: list[Vendor], *, now: dt.datetime, rng: random.Random) -> None:
    """Orders, a shipment, a refund and a paid payout run, each at its moment in the past."""
    store = StoreSettings.objects.filter(pk=1).first()
    currency = store.currency if store is not None else "EUR"
    shipping = _shipping_code(currency)
    vendor_products = {
        vendor.pk: list(vendor.products.values_list("product_id", flat=True)) for vendor in vendors
    }
    sold = {product_id for ids in vendor_products.values() for product_id in ids}
    own = list(
        Product.objects.filter(status=Product.Status.ACTIVE)
        .exclude(pk__in=sold)
        .order_by("pk")
        .values_list("pk", flat=True)[:40]
    )
    shoppers = list(
        Customer.objects.filter(is_staff=False, email__endswith=".example")
        .exclude(email__startswith="owner@")
        .order_by("pk")
        .values_list("email", flat=True)[:50]
    ) or ["shopper@example.com"]
    orders: list[Order] = []
    for days_ago, indexes, with_own in DEMO_ORDERS:
        picks = [_variant(vendor_products[vendors[index].pk], rng) for index in indexes]
        if not any(picks):
            continue  # a catalog too small to give these vendors products
        if with_own and own:
            picks.append(_variant([rng.choice(own)], rng))
        variants = [variant for variant in picks if variant is not None]
        if not variants:
            continue
        moment = now - dt.timedelta(days=days_ago, hours=rng.randint(1, 10))
        with clock.frozen_at(moment):
            order = _place(
                variants, rng=rng, currency=currency, shipping=shipping, email=rng.choice(shoppers)
            )
        with clock.frozen_at(moment + dt.timedelta(hours=2)):
            payment_mark_paid(order=order, actor=ACTOR)
        orders.append(order)
    if not orders:
        return
    first = orders[0]
    suborders = list(SubOrder.objects.filter(order__in=orders).order_by("created_at", "number"))
    if suborders:
        # The first vendor ships its parcel two days after the sale.
        parcel = suborders[0]
        lines = {row.order_line_id: row.order_line.quantity for row in parcel.lines.all()}
        with clock.frozen_at(parcel.created_at + dt.timedelta(days=2)):
            fulfilment_create(
                order=parcel.order,
                lines=lines,
                actor=ACTOR,
                carrier="DHL",
                tracking_number=f"00340434{rng.randrange(10**10):010d}",
            )
    refunded = (
        SubOrder.objects.filter(order=first).order_by("number").last()
        if SubOrder.objects.filter(order=first).exists()
        else None
    )
    if refunded is not None:
        line = refunded.lines.select_related("order_line").first()
        if line is not None:
            with clock.frozen_at(refunded.created_at + dt.timedelta(days=5)):
                order_refund(
                    order=Order.objects.get(pk=first.pk),
                    actor=ACTOR,
                    lines={line.order_line_id: 1},
                    reason="Arrived damaged",
                )
    # The first payout run, paid by bank transfer two days later.
    run_at = now - dt.timedelta(days=FIRST_PAYOUT_DAYS_AGO)
    with clock.frozen_at(run_at):
        created = money.payouts_create(now=run_at)
    with clock.frozen_at(run_at + dt.timedelta(days=2)):
        for payout in created:
            if payout.status == Payout.Status.SCHEDULED:
                money.payout_mark_paid(
                    payout=payout, reference=f"SEPA-{payout.pk:06d}", actor=ACTOR
                )
