"""The vendor's order and payout pages, and the operator's payouts and ledger pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from freehold.catalog.models import Variant
from freehold.customers.models import Customer
from freehold.marketplace import money
from freehold.marketplace.models import MarketplaceSettings, Payout, SubOrder, Vendor
from freehold.orders.models import Fulfilment, Order
from tests.marketplace.factories import (
    enable_marketplace,
    make_vendor,
    make_vendor_product,
    vendor_client,
)
from tests.orders.builders import make_variant, place_order

pytestmark = pytest.mark.django_db


def vendor_variant(vendor: Vendor, price: str) -> Variant:
    product = make_vendor_product(vendor, price=price, currency="EUR", stock=50)
    return Variant.objects.get(product=product)


def staff_client(*, role: str = Customer.StaffRole.OWNER, permissions=()) -> Client:
    user = Customer.objects.create_user(
        f"{role}-{len(permissions)}@example.com",
        "staff-pass-1",
        is_staff=True,
        staff_role=role,
        staff_permissions=list(permissions),
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def shop() -> dict[str, object]:
    enable_marketplace()
    alpha = make_vendor(name="Alpha Ceramics")
    beta = make_vendor(name="Beta Bags")
    order = place_order(
        [
            (make_variant(title="Operator mug", price="20.00"), 1),
            (vendor_variant(alpha, "12.00"), 2),
            (vendor_variant(beta, "30.00"), 1),
        ],
        paid=True,
    )
    return {"alpha": alpha, "beta": beta, "order": order}


def test_a_vendor_sees_its_sub_orders_only(shop):
    client = vendor_client(shop["alpha"])
    order: Order = shop["order"]

    page = client.get("/vendor/orders")

    assert page.status_code == 200
    text = page.content.decode()
    assert f"{order.number}-A" in text
    assert f"{order.number}-B" not in text
    assert "Operator mug" not in text
    assert "To ship" in text
    assert page.headers["Cache-Control"] == "private, no-store"


def test_a_vendor_cannot_open_another_vendors_sub_order(shop):
    client = vendor_client(shop["alpha"])
    number = shop["order"].number
    assert client.get(f"/vendor/orders/{number}-A").status_code == 200
    assert client.get(f"/vendor/orders/{number}-B").status_code == 404
    assert client.post(f"/vendor/orders/{number}-B", {"carrier": "DHL"}).status_code == 404
    assert client.get("/vendor/orders/9999-A").status_code == 404


def test_mark_shipped_creates_a_fulfilment_of_the_vendors_lines(shop):
    client = vendor_client(shop["alpha"])
    order: Order = shop["order"]
    suborder = SubOrder.objects.get(order=order, vendor=shop["alpha"])
    line = suborder.lines.get().order_line

    response = client.post(
        f"/vendor/orders/{suborder.number}",
        {f"quantity-{line.pk}": "2", "carrier": "DHL", "tracking_number": "JJD0001"},
    )

    assert response.status_code == 302
    fulfilment = Fulfilment.objects.get(order=order)
    assert (fulfilment.carrier, fulfilment.tracking_number) == ("DHL", "JJD0001")
    assert [(row.order_line_id, row.quantity) for row in fulfilment.lines.all()] == [(line.pk, 2)]
    order.refresh_from_db()
    assert order.fulfilment_status == "partially_fulfilled"
    assert "Fulfilled" in client.get("/vendor/orders").content.decode()


def test_a_vendor_cannot_ship_another_vendors_line_through_its_own_form(shop):
    client = vendor_client(shop["alpha"])
    order: Order = shop["order"]
    beta_line = SubOrder.objects.get(order=order, vendor=shop["beta"]).lines.get().order_line

    response = client.post(
        f"/vendor/orders/{order.number}-A", {f"quantity-{beta_line.pk}": "1", "carrier": "DHL"}
    )

    assert response.status_code == 400
    assert not Fulfilment.objects.exists()


def test_over_shipping_is_refused_with_the_reason(shop):
    client = vendor_client(shop["alpha"])
    suborder = SubOrder.objects.get(order=shop["order"], vendor=shop["alpha"])
    line = suborder.lines.get().order_line
    response = client.post(f"/vendor/orders/{suborder.number}", {f"quantity-{line.pk}": "5"})
    assert response.status_code == 400
    assert "Only 2" in response.content.decode()


def test_payouts_page_and_statement(shop):
    alpha: Vendor = shop["alpha"]
    client = vendor_client(alpha)
    # 24.00 sold, 10 % commission 2.40: 21.60 owed
    assert "21.60" in client.get("/vendor/payouts").content.decode()

    payout = next(
        p
        for p in money.payouts_create(now=money.clock.now() + dt.timedelta(seconds=1))
        if p.vendor == alpha
    )
    assert payout.amount == Decimal("21.60")
    page = client.get("/vendor/payouts").content.decode()
    assert f"/vendor/payouts/{payout.pk}" in page
    statement = client.get(f"/vendor/payouts/{payout.pk}")
    assert statement.status_code == 200
    assert "data-print" in statement.content.decode()
    assert "-€2.40" in statement.content.decode()  # the commission

    # another vendor's statement is not found
    other = next(p for p in Payout.objects.all() if p.vendor_id != alpha.pk)
    assert client.get(f"/vendor/payouts/{other.pk}").status_code == 404


def test_vendor_pages_are_not_found_when_the_marketplace_is_off(shop):
    client = vendor_client(shop["alpha"])
    MarketplaceSettings.objects.filter(pk=1).update(enabled=False)
    assert client.get("/vendor/orders").status_code == 404
    assert client.get("/vendor/payouts").status_code == 404


def test_the_operator_lists_payouts_marks_one_paid_and_reads_the_ledger(shop):
    money.payouts_create(now=money.clock.now() + dt.timedelta(seconds=1))
    payout = Payout.objects.get(vendor=shop["alpha"])
    client = staff_client()

    listing = client.get("/dashboard/marketplace/payouts/")
    assert listing.status_code == 200
    assert "Alpha Ceramics" in listing.content.decode()

    response = client.post(
        f"/dashboard/marketplace/payouts/{payout.pk}/paid", {"reference": "SEPA-42"}
    )
    assert response.status_code == 302
    payout.refresh_from_db()
    assert (payout.status, payout.reference) == (Payout.Status.PAID, "SEPA-42")

    ledger = client.get(f"/dashboard/marketplace/ledger/?vendor={shop['alpha'].pk}")
    assert ledger.status_code == 200
    text = ledger.content.decode()
    assert "Commission" in text and "Payout" in text


def test_the_operator_makes_the_due_payouts_now_once_and_it_is_audited(shop):
    from freehold.core.models import AuditEvent

    client = staff_client()
    with money.clock.frozen_at(money.clock.now() + dt.timedelta(seconds=1)):
        first = client.post("/dashboard/marketplace/payouts/run", follow=True)
        again = client.post("/dashboard/marketplace/payouts/run", follow=True)

    assert "2 payout(s) made" in first.content.decode()
    assert {payout.vendor.name for payout in Payout.objects.select_related("vendor")} == {
        "Alpha Ceramics",
        "Beta Bags",
    }
    # the interval has not passed since: nothing is paid twice
    assert "No payout is due" in again.content.decode()
    assert Payout.objects.count() == 2
    assert AuditEvent.objects.filter(verb="marketplace.payouts_run").count() == 2


def test_staff_without_the_settings_area_get_403(shop):
    money.payouts_create(now=money.clock.now() + dt.timedelta(seconds=1))
    payout = Payout.objects.first()
    client = staff_client(role=Customer.StaffRole.STAFF, permissions=["orders"])
    assert client.get("/dashboard/marketplace/payouts/").status_code == 403
    assert client.get("/dashboard/marketplace/ledger/").status_code == 403
    assert client.post("/dashboard/marketplace/payouts/run").status_code == 403
    response = client.post(f"/dashboard/marketplace/payouts/{payout.pk}/paid", {"reference": "x"})
    assert response.status_code == 403
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SCHEDULED


def test_the_vendor_order_list_runs_the_same_queries_for_1_and_6_sub_orders(
    shop, django_assert_max_num_queries
):
    alpha: Vendor = shop["alpha"]
    client = vendor_client(alpha)
    client.get("/vendor/orders")  # sessions, store settings cached
    with django_assert_max_num_queries(12) as few:
        client.get("/vendor/orders")
    for _ in range(5):
        place_order([(vendor_variant(alpha, "5.00"), 2), (vendor_variant(alpha, "6.00"), 1)])
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/vendor/orders")
    assert page.content.decode().count("To ship") == 6
