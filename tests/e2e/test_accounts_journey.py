"""A shopper's account in a real browser: created from the order confirmation, logged out and
back in, with the order in the history. Plain forms: nothing here needs JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.customers.builders import make_variant, place_order
from tests.factories import make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


def test_guest_registers_from_an_order_logs_out_and_in_and_sees_the_order_history(page: Page):
    # Given a guest order by Ana
    make_store_settings(name="Northwind Supply Co.", currency="EUR")
    order = place_order(
        (make_variant(title="Harbour Rain Jacket", price="120.00"), 1),
        email="ana@example.com",
    )

    # When she follows "Create an account" from its confirmation
    page.goto(f"/account/register?order={order.token}")
    expect(page.get_by_label("E-mail address")).to_have_value("ana@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("First name").fill("Ana")
    page.get_by_role("button", name="Create account").click()

    # Then she is logged in and looking at that order
    expect(page).to_have_url(re.compile(rf"/account/orders/{order.number}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order #{order.number}")
    expect(page.get_by_text("Harbour Rain Jacket")).to_be_visible()

    # When she logs out
    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/$"))

    # Then her account asks her to log in again
    page.goto("/account/orders")
    expect(page).to_have_url(re.compile(r"/account/login\?next="))

    # When she logs in (a typo first)
    page.get_by_label("E-mail address").fill("ana@example.com")
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#login-error")).to_contain_text("not correct")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # Then she is back on her order history, with the order in it
    expect(page).to_have_url(re.compile(r"/account/orders$"))
    row = page.get_by_role("row").filter(has_text=f"#{order.number}")
    expect(row).to_contain_text(f"€{order.total_amount:,.2f}")
    row.get_by_role("link", name=f"#{order.number}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Order #{order.number}")
