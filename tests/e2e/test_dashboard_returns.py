"""A shopper's return request worked through in the dashboard: approved, received, refunded."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from freehold.core.clock import frozen_at
from freehold.orders.models import Payment
from freehold.returns import services
from freehold.returns.models import ReturnRequest
from tests.factories import make_store_settings
from tests.returns.conftest import DELIVERED, make_customer, pay, place, ship, variant

pytestmark = pytest.mark.e2e


def test_staff_approve_receive_and_refund_a_return_request(dashboard_page):
    page = dashboard_page
    make_store_settings()
    # given Ana's delivered order of 2 mugs and 1 tote, and her request to return one mug
    ana = make_customer("ana.lima@example.com")
    mug, tote = variant("20.00"), variant("30.00")
    order = pay(place((mug, 2), (tote, 1), customer=ana, email=ana.email))
    ship(order, delivered_at=DELIVERED)
    mug_line = order.lines.get(variant=mug)
    with frozen_at(DELIVERED + dt.timedelta(days=3)):
        request = services.return_request(
            order=order,
            customer=ana,
            lines={mug_line.pk: 1},
            reason=ReturnRequest.Reason.DAMAGED,
            note="The handle came off",
        )

    # staff find it from the orders list
    page.goto("/dashboard/orders/")
    page.get_by_role("link", name="Returns", exact=True).click()
    page.wait_for_url("**/dashboard/orders/returns/")
    row = page.get_by_test_id("return-row")
    assert row.count() == 1
    assert "Arrived damaged or faulty" in row.inner_text()
    row.get_by_role("link", name=f"Return {request.pk}").click()
    page.wait_for_url(f"**/dashboard/orders/returns/{request.pk}/")
    assert page.get_by_test_id("customer-note").inner_text() == "The handle came off"

    # approve, with a note
    approve = page.get_by_role("form", name="Approve the return")
    approve.get_by_label("Staff note").fill("Prepaid label sent")
    approve.get_by_role("button", name="Approve").click()
    page.wait_for_url(f"**/dashboard/orders/returns/{request.pk}/")
    assert page.get_by_text("Return approved").is_visible()
    assert page.get_by_test_id("return-status").inner_text() == "Approved"

    # the parcel comes back
    page.get_by_role("button", name="Mark received").click()
    page.wait_for_url(f"**/dashboard/orders/returns/{request.pk}/")
    assert page.get_by_test_id("return-status").inner_text() == "Received"

    # refund (confirming the dialog)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Refund and restock").click()
    page.wait_for_url(f"**/dashboard/orders/returns/{request.pk}/")
    assert page.get_by_text("Refunded €20.00; items restocked.").is_visible()
    assert page.get_by_test_id("return-status").inner_text() == "Refunded"

    # the order's page shows the refund and links back to the return
    page.get_by_role("link", name=f"Order #{order.number}").first.click()
    page.wait_for_url(f"**/dashboard/orders/{order.number}/")
    assert page.get_by_test_id("payment-status").inner_text() == "Partially refunded"
    assert "−€20.00" in page.get_by_test_id("payments").inner_text()
    returns = page.get_by_test_id("order-returns")
    assert re.search(rf"Return {request.pk} · Refunded", returns.inner_text())

    request.refresh_from_db()
    assert request.status == ReturnRequest.Status.REFUNDED
    assert request.staff_note == "Prepaid label sent"
    assert Payment.objects.get(order=order, kind=Payment.Kind.REFUND).amount == 20
