"""Amount-only refunds in marketplace mode: apportioned over the merchandise (the operator's lines
included), shipping the operator's, every part exact to the cent with odd amounts and three
vendors. Orders are placed with a real shipping rate and paid through the real services."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from freehold.catalog.models import Variant
from freehold.checkout import services as checkout
from freehold.checkout.placement import checkout_complete
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.marketplace import money
from freehold.marketplace.models import LedgerEntry, SubOrder, Vendor
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from freehold.orders.operations import order_refund
from freehold.payments.services import payment_mark_paid
from tests.factories import make_store_settings
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product
from tests.orders.builders import address, make_variant

pytestmark = pytest.mark.django_db

STAFF = Actor.system("test")
CENT = Decimal("0.01")
SHIPPING = Decimal("4.95")
MERCHANDISE = Decimal("20.00") + Decimal("10.05") + Decimal("25.97") + Decimal("2.97")  # 58.99


def vendor_variant(vendor: Vendor, price: str) -> Variant:
    product = make_vendor_product(vendor, price=price, currency="EUR", stock=50)
    return Variant.objects.get(product=product)


def place_shipped(items: list[tuple[Variant, int]], *, zone: ShippingZone) -> Order:
    """Placed through the checkout with the zone's standard rate chosen, then paid."""
    make_store_settings(currency="EUR")
    cart = checkout.cart_create(currency="EUR")
    for variant, quantity in items:
        checkout.cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    checkout.cart_set_details(cart=cart, email="ana@example.com", shipping_address=address())
    checkout.cart_set_shipping_method(cart=cart, code=f"{zone.pk}:standard")
    order = checkout_complete(
        cart_token=cart.token,
        email="ana@example.com",
        idempotency_key=uuid.uuid4().hex,
        shipping_address=address(),
        payment_gateway="manual",
    )
    payment_mark_paid(order=order, actor=STAFF)
    order.refresh_from_db()
    return order


def refunds_by_vendor(order: Order) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for entry in LedgerEntry.objects.filter(suborder__order=order, kind="refund"):
        totals[entry.vendor.name] = totals.get(entry.vendor.name, Decimal(0)) - entry.amount
    return totals


def balance(vendor: Vendor) -> Decimal:
    return sum((entry.amount for entry in LedgerEntry.objects.filter(vendor=vendor)), Decimal(0))


@pytest.fixture
def order() -> Order:
    """The operator's 20.00 mug and three vendors' goods (10.05; 2 x 7.99 + 3 x 3.33; 3 x 0.99),
    shipped to Germany for 4.95, paid."""
    enable_marketplace(default_commission_percent=Decimal("12.5"), default_commission_fixed=0)
    zone = ShippingZone.objects.create(name="Germany", countries=["DE"])
    ShippingRate.objects.create(
        zone=zone, code="standard", name="Standard", price_amount=SHIPPING, currency="EUR"
    )
    alpha = make_vendor(name="Alpha Ceramics")
    beta = make_vendor(name="Beta Bags")
    gamma = make_vendor(name="Gamma Goods", commission_fixed_amount=Decimal("0.07"))
    placed = place_shipped(
        [
            (make_variant(title="Operator mug", price="20.00"), 1),
            (vendor_variant(alpha, "10.05"), 1),
            (vendor_variant(beta, "7.99"), 2),
            (vendor_variant(beta, "3.33"), 3),
            (vendor_variant(gamma, "0.99"), 3),
        ],
        zone=zone,
    )
    assert placed.shipping_amount == SHIPPING
    assert sum(line.total_amount for line in placed.lines.all()) == MERCHANDISE
    return placed


def test_an_amount_refund_falls_on_the_merchandise_not_the_order_total(order):
    # when 10.00 is refunded without lines
    order_refund(order=order, actor=STAFF, amount=Decimal("10.00"))

    # then each vendor gives back its share of the merchandise (58.99), cumulatively rounded:
    # 10 x 10.05 / 58.99 = 1.7037 → 1.70; 10 x 36.02 / 58.99 = 6.1061 → 6.11 (B: 4.41);
    # 10 x 38.99 / 58.99 = 6.6096 → 6.61 (C: 0.50); the operator's mug keeps 3.39
    assert refunds_by_vendor(order) == {
        "Alpha Ceramics": Decimal("1.70"),
        "Beta Bags": Decimal("4.41"),
        "Gamma Goods": Decimal("0.50"),
    }
    operator = Decimal("10.00") - sum(refunds_by_vendor(order).values())
    assert operator == (Decimal("10.00") * Decimal("20.00") / MERCHANDISE).quantize(CENT)
    # and each vendor is given back its commission in proportion (12.5 %, Gamma + 0.07)
    returned = {
        entry.vendor.name: entry.amount
        for entry in LedgerEntry.objects.filter(kind="commission_refund")
    }
    assert returned["Alpha Ceramics"] == Decimal("0.21")  # 1.26 x 1.70 / 10.05 = 0.2131
    assert returned["Beta Bags"] == Decimal("0.55")  # 3.25 x 4.41 / 25.97 = 0.5519
    assert returned["Gamma Goods"] == Decimal("0.07")  # 0.44 x 0.50 / 2.97 = 0.0741


def test_a_refund_the_operator_calls_shipping_takes_nothing_from_vendors(order):
    # when the shipping is refunded as shipping
    order_refund(order=order, actor=STAFF, amount=SHIPPING, shipping=True, reason="Late parcel")

    # then no vendor's ledger moves; the operator bore it, and it is on record as shipping
    assert not LedgerEntry.objects.filter(kind__in=["refund", "commission_refund"]).exists()
    assert money.shipping_refunded(order=order) == SHIPPING
    event = AuditEvent.objects.get(verb="order.refunded")
    assert event.data["shipping"] is True


def test_shipping_beyond_what_is_left_of_it_is_merchandise(order):
    # given 3.00 of shipping refunded already
    order_refund(order=order, actor=STAFF, amount=Decimal("3.00"), shipping=True)
    assert not LedgerEntry.objects.filter(kind="refund").exists()

    # when 7.00 more is refunded "as shipping": 1.95 of shipping is left, 5.05 is merchandise
    order.refresh_from_db()
    order_refund(order=order, actor=STAFF, amount=Decimal("7.00"), shipping=True)

    assert money.shipping_refunded(order=order) == SHIPPING
    # 5.05 x 10.05 / 58.99 = 0.8604 → 0.86; x 36.02 → 3.0836 → 3.08 (2.22); x 38.99 → 3.3379
    # → 3.34 (0.26)
    assert refunds_by_vendor(order) == {
        "Alpha Ceramics": Decimal("0.86"),
        "Beta Bags": Decimal("2.22"),
        "Gamma Goods": Decimal("0.26"),
    }


def test_without_the_shipping_flag_the_same_amount_is_merchandise(order):
    order_refund(order=order, actor=STAFF, amount=SHIPPING)
    assert sum(refunds_by_vendor(order).values()) > 0
    assert money.shipping_refunded(order=order) == 0


def test_refunding_everything_in_odd_steps_brings_every_vendor_to_exactly_zero(order):
    vendors = list(Vendor.objects.order_by("name"))
    total = order.total_amount
    steps = [Decimal("0.01"), Decimal("3.33"), Decimal("0.07"), Decimal("11.11")]
    for step in steps:
        order_refund(order=order, actor=STAFF, amount=step)
        order.refresh_from_db()
    # the last step is more than the merchandise left: vendors are capped at what is left
    order_refund(order=order, actor=STAFF, amount=total - sum(steps))

    for vendor in vendors:
        assert balance(vendor) == 0, vendor.name
    for suborder in SubOrder.objects.filter(order=order):
        refunded = -sum(e.amount for e in suborder.ledger.filter(kind="refund"))
        given_back = sum(e.amount for e in suborder.ledger.filter(kind="commission_refund"))
        assert (refunded, given_back) == (suborder.subtotal_amount, suborder.commission_amount)


def test_apportion_adds_up_to_the_amount_to_the_cent():
    parts = [Decimal("10.05"), Decimal("25.97"), Decimal("2.97"), Decimal("20.00")]
    for amount in (Decimal("0.01"), Decimal("0.03"), Decimal("9.99"), Decimal("58.98")):
        shares = money._apportion(amount, parts=parts, whole=sum(parts), currency="EUR")
        assert sum(shares) == amount
        for share, part in zip(shares, parts, strict=True):
            assert abs(share - amount * part / sum(parts)) < CENT
    assert money._apportion(Decimal("5"), parts=[Decimal(1)], whole=Decimal(0), currency="EUR") == [
        Decimal(0)
    ]


def test_the_dashboard_refund_form_can_say_shipping(order):
    staff = Customer.objects.create_user(
        "owner@example.com", "staff-pass-1", is_staff=True, staff_role=Customer.StaffRole.OWNER
    )
    client = Client()
    client.force_login(staff)

    page = client.get(reverse("dashboard:order-detail", args=[order.number])).content.decode()
    assert "This refund is of shipping" in page
    response = client.post(
        f"/dashboard/orders/{order.number}/refund",
        {"mode": "amount", "refund-amount-amount": "4.95", "refund-amount-shipping": "on"},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.payment_status == "partially_refunded"
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    assert money.shipping_refunded(order=order) == SHIPPING


def test_the_admin_api_refund_can_say_shipping(order):
    from tests.api.admin_client import call, token

    response = call(
        "post",
        f"/api/v1/admin/orders/{order.number}/refunds",
        token("orders:read", "orders:write"),
        {"amount": "4.95", "shipping": True, "reason": "Late parcel"},
        HTTP_IDEMPOTENCY_KEY="refund-shipping-1",
    )

    assert response.status_code == 201, response.content
    assert not LedgerEntry.objects.filter(kind="refund").exists()
    assert money.shipping_refunded(order=order) == SHIPPING
