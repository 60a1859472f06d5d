"""A shopper from the newsletter buys in a real browser; the dashboard credits the e-mail and
counts the visit's funnel, from the events the pages' beacon and the server recorded."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect

from freehold.insights.models import Event
from freehold.orders.models import Order
from tests.dashboard.conftest import PASSWORD, make_staff
from tests.e2e.test_checkout_journey import a_store_with_a_jacket, fill_address

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _headless_chrome_counts(settings):
    """The test browser is headless Chrome, which the bot filter leaves out otherwise."""
    settings.INSIGHTS_COUNT_HEADLESS = True


def eventually(page: Page, condition: Callable[[], bool]) -> None:
    """Beacons are sent in the background: wait until the server has recorded them."""
    for _ in range(50):
        if condition():
            return
        page.wait_for_timeout(100)
    assert condition()


def test_a_newsletter_shopper_buys_and_the_dashboard_shows_the_channel_and_funnel(page: Page):
    jacket = a_store_with_a_jacket()

    # A shopper follows the newsletter's link to the jacket (no consent asked yet: no cookie)
    page.goto(
        f"/products/{jacket.handle}?utm_source=newsletter&utm_medium=email&utm_campaign=winter"
    )
    page.wait_for_selector("#variant-picker[data-ready]", state="attached")
    eventually(page, lambda: Event.objects.filter(kind="product_view").exists())
    page.locator("label", has_text="Olive").first.click()
    page.click("#add-to-cart-button")
    expect(page).to_have_url(re.compile(r"/cart$"))
    page.get_by_role("link", name="Checkout").click()
    fill_address(page)
    page.locator("label[for=payment-test]").click()
    page.get_by_role("button", name="Order with obligation to pay").click()
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("#order-payment-status")).to_have_text("Paid")

    # The order carries the campaign; no analytics cookie was set without consent
    order = Order.objects.get()
    assert (order.utm_source, order.utm_medium, order.utm_campaign) == (
        "newsletter",
        "email",
        "winter",
    )
    assert order.first_touch_channel == order.last_touch_channel == "email"
    names = {cookie["name"] for cookie in page.context.cookies()}
    assert not names & {"fh_vid", "fh_sid", "fh_attr"}
    product_view = Event.objects.get(kind="product_view")
    assert product_view.channel == "email" and product_view.product_id == jacket.pk

    # The owner opens the dashboard: the order under e-mail, the visit's funnel
    owner = make_staff("owner@example.com")
    page.goto("/dashboard/")
    page.get_by_label("E-mail").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/")
    page.goto("/dashboard/?period=today")

    for table in ("#channels-first-table", "#channels-last-table"):
        row = page.locator(f"{table} tr[data-channel=email]")
        expect(row).to_contain_text("E-mail")
        expect(row.locator("td").first).to_have_text("1")
    funnel = page.locator("#funnel-table")
    for step in ("product_view", "add_to_cart", "begin_checkout", "purchase"):
        expect(funnel.locator(f"tr[data-step={step}] td").first).to_have_text("1")
    expect(page.locator("#figure-conversion .value")).to_have_text("100.0 %")
    assert page.locator("#funnel svg.chart-bar rect.bar").count() == 5
