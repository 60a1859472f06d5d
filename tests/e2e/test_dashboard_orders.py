"""A merchant's daily order work in the browser: find an order, ship it, refund a line."""

from __future__ import annotations

import re

import pytest

from freehold.orders.models import Fulfilment, Order, Payment
from tests.orders.builders import make_variant, place_order

pytestmark = pytest.mark.e2e


def test_find_an_order_fulfil_it_with_tracking_and_refund_a_line(dashboard_page):
    page = dashboard_page
    mug = make_variant(title="Stoneware mug", price="18.00", sku="MUG-STONE")
    tote = make_variant(title="Linen tote", price="30.00", sku="TOTE-LIN")
    order = place_order([(mug, 2), (tote, 1)], email="ana.lima@example.com", paid=True)
    place_order([(mug, 1)], email="someone.else@example.com", paid=True)

    # find an order: search by e-mail from the top search box
    page.goto("/dashboard/orders/")
    page.keyboard.press("/")
    page.keyboard.type("ana.lima@example.com")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/dashboard/orders/\?q=ana\.lima%40example\.com"))
    rows = page.locator("table.orders-list tbody tr")
    assert rows.count() == 1
    rows.first.get_by_role("link", name=f"#{order.number}").click()
    page.wait_for_url(f"**/dashboard/orders/{order.number}/")
    assert page.get_by_role("heading", name=f"Order #{order.number}").is_visible()

    # fulfil it with tracking: DHL and a tracking number, every unit in one parcel
    ship = page.get_by_role("form", name="Ship a parcel")
    ship.get_by_label("Carrier").fill("DHL")
    ship.get_by_label("Tracking number").fill("JD0146000042")
    ship.get_by_role("button", name="Ship").click()
    page.wait_for_url(f"**/dashboard/orders/{order.number}/")
    assert page.get_by_text("Parcel shipped.").is_visible()
    parcel = page.get_by_test_id("parcel")
    assert "DHL" in parcel.inner_text()
    link = parcel.get_by_role("link", name="JD0146000042")
    assert link.get_attribute("href").startswith("https://www.dhl.com/")
    assert link.get_attribute("href").endswith("JD0146000042")
    assert page.get_by_test_id("fulfilment-status").inner_text() == "Fulfilled"

    # refund a line: one unit of the mugs, with a reason
    page.get_by_text("Refund items", exact=True).first.click()
    refund = page.get_by_role("form", name="Refund items")
    refund.get_by_label("Stoneware mug").fill("1")
    refund.get_by_label("Reason").fill("arrived chipped")
    page.once("dialog", lambda dialog: dialog.accept())
    refund.get_by_role("button", name="Refund items").click()
    page.wait_for_url(f"**/dashboard/orders/{order.number}/")
    assert page.get_by_text("Refund issued.").is_visible()
    assert page.get_by_test_id("payment-status").inner_text() == "Partially refunded"
    payments = page.get_by_test_id("payments")
    assert "Refund" in payments.inner_text() and "−€18.00" in payments.inner_text()
    assert page.get_by_text("Refunded 18.00 EUR: arrived chipped.").is_visible()

    order.refresh_from_db()
    assert order.payment_status == "partially_refunded"
    assert Fulfilment.objects.get(order=order).tracking_number == "JD0146000042"
    assert Payment.objects.get(order=order, kind="refund").amount == 18
    assert Order.objects.count() == 2


def test_print_the_packing_slip_and_invoice(dashboard_page):
    page = dashboard_page
    mug = make_variant(title="Stoneware mug", price="18.00", sku="MUG-STONE")
    order = place_order([(mug, 2)], paid=True)

    page.goto(f"/dashboard/orders/{order.number}/")
    page.get_by_role("link", name="Invoice").click()
    page.wait_for_url(f"**/dashboard/orders/{order.number}/invoice")
    assert page.get_by_role("heading", name="Invoice").is_visible()
    print_button = page.get_by_role("button", name="Print")
    assert "no-print" in (page.locator(".print-bar").get_attribute("class") or "")
    assert print_button.get_attribute("data-print") is not None
    page.emulate_media(media="print")
    assert not print_button.is_visible()
    page.emulate_media(media="screen")
    page.get_by_role("link", name="← Back").click()
    page.get_by_role("link", name="Packing slip").click()
    page.wait_for_url(f"**/dashboard/orders/{order.number}/packing-slip")
    assert "MUG-STONE" in page.locator("table.slip-lines").inner_text()
