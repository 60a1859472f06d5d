"""The demo's marketplace has money: orders split into sub-orders and paid, a parcel shipped,
a refund clawed back, payouts paid, pending and held; vendors log in with the demo password.
`seed_marketplace` runs here on a small catalog (the full demo seed is tests/demo's)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.core.clock import frozen_at
from freehold.customers.models import Customer
from freehold.marketplace import inform, money
from freehold.marketplace.demo import DEMO_VENDORS, seed_marketplace
from freehold.marketplace.models import LedgerEntry, Payout, SubOrder, Vendor
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Fulfilment, Order
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
PASSWORD = "demo-owner-pass-1"


@pytest.fixture
def demo() -> list[Vendor]:
    make_store_settings(currency="EUR", country_code="DE")
    zone = ShippingZone.objects.create(name="Germany", countries=["DE"])
    ShippingRate.objects.create(
        zone=zone, code="standard", name="Standard", price_amount=Decimal("4.90"), currency="EUR"
    )
    for number in range(20):
        make_product(
            title=f"Demo product {number}", price=f"{19 + number}.90", stock=40, currency="EUR"
        )
    Customer.objects.create_user(
        "admin@example.com", PASSWORD, is_staff=True, staff_role=Customer.StaffRole.OWNER
    )
    with frozen_at(NOW):
        return seed_marketplace(seed=42)


def test_vendors_log_in_with_the_owners_password_and_keep_one_state_each(demo):
    for _name, handle, _country, _region in DEMO_VENDORS:
        assert Customer.objects.get(email=f"owner@{handle}.example").check_password(PASSWORD)
    with frozen_at(NOW):
        states = [inform.verification_status(vendor) for vendor in demo]
    assert states == [
        "not_high_volume",
        "info_requested",
        "submitted",
        "verified",
        "rejected",
        "suspended",
    ]


def test_multi_vendor_orders_were_split_paid_shipped_and_refunded(demo):
    orders = Order.objects.filter(suborders__isnull=False).distinct()
    assert orders.count() == 5
    for order in orders:
        assert order.suborders.count() == 2
        assert order.payment_status in ("paid", "partially_refunded")
        assert NOW - dt.timedelta(days=80) < order.created_at < NOW
    # the vendors' sales and commission are in the ledger, once per sub-order
    assert LedgerEntry.objects.filter(kind="sale").count() == SubOrder.objects.count() == 10
    # one vendor shipped its parcel: its lines only
    shipped = Fulfilment.objects.get(order__in=orders)
    shipped_lines = {row.order_line_id for row in shipped.lines.all()}
    owner = SubOrder.objects.get(lines__order_line_id__in=shipped_lines)
    assert shipped_lines == {row.order_line_id for row in owner.lines.all()}
    # one line was refunded and clawed back with its commission
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.memo == "Arrived damaged"
    assert LedgerEntry.objects.filter(kind="commission_refund", suborder=refund.suborder).exists()


def test_payouts_paid_pending_and_held_for_the_suspended_vendor(demo):
    suspended = demo[-1]
    statuses = set(Payout.objects.values_list("status", flat=True))
    assert statuses == {Payout.Status.PAID, Payout.Status.SCHEDULED, Payout.Status.HELD}
    held = Payout.objects.get(status=Payout.Status.HELD)
    assert held.vendor == suspended
    assert "not provided" in held.hold_reason
    for payout in Payout.objects.filter(status=Payout.Status.PAID):
        assert payout.reference.startswith("SEPA-")
        assert payout.period_end == NOW - dt.timedelta(days=45)
    # every vendor's earnings went into a payout: balances are zero, to the cent
    for vendor in demo:
        assert all(amount == 0 for amount in money.balances(vendor=vendor).values())

    # and a second call changes nothing
    counts = (Order.objects.count(), LedgerEntry.objects.count(), Payout.objects.count())
    with frozen_at(NOW + dt.timedelta(days=1)):
        seed_marketplace(seed=42)
    assert (Order.objects.count(), LedgerEntry.objects.count(), Payout.objects.count()) == counts
