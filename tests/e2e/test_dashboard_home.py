"""The dashboard's home in a browser: the server-drawn charts render without a console or CSP
error, the period switch works, and the chart's figures open as a table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.core import clock
from freehold.orders.models import Order
from freehold.orders.services import order_number_next
from freehold.orders.states import PaymentStatus

pytestmark = pytest.mark.e2e


def place(days_ago: int, total: str, country: str) -> None:
    Order.objects.create(
        number=order_number_next(),
        email=f"buyer-{days_ago}@example.com",
        currency="USD",
        total_amount=Decimal(total),
        payment_status=PaymentStatus.PAID,
        shipping_address={"country_code": country},
        placed_at=clock.now() - dt.timedelta(days=days_ago, minutes=5 if days_ago else 0),
    )


def test_home_draws_the_charts_and_switches_period(dashboard_page):
    for days_ago, total, country in [(0, "40.00", "DE"), (2, "25.00", "FR"), (10, "60.00", "DE")]:
        place(days_ago, total, country)
    page = dashboard_page

    page.goto("/dashboard/?period=30")
    charts = page.locator("svg.chart")
    assert charts.count() == 3  # sales by day, the conversion funnel, sales by country
    assert charts.first.is_visible()
    assert page.locator("svg.chart-line polyline.line").count() >= 1
    countries = page.locator("section[aria-labelledby=countries-title]")
    assert countries.locator("svg.chart-bar rect.bar").count() == 2
    # The dashed line is dashed through the stylesheet (no inline style is allowed).
    dash = page.locator("svg.chart-line polyline.previous").first.evaluate(
        "line => getComputedStyle(line).strokeDasharray"
    )
    assert dash not in ("", "none")
    assert "$125.00" in page.locator("#figure-sales").inner_text()

    page.get_by_role("navigation", name="Period").get_by_role("link", name="Last 7 days").click()
    page.wait_for_url("**/dashboard/?period=7")
    assert page.locator("[aria-current=page]", has_text="Last 7 days").count() == 1
    assert "$65.00" in page.locator("#figure-sales").inner_text()

    page.get_by_text("Show the figures as a table").click()
    table = page.locator("details.chart-data table")
    assert table.is_visible()
    assert table.locator("tbody tr").count() == 7

    page.get_by_role("navigation", name="Period").get_by_role("link", name="Today").click()
    page.wait_for_url("**/dashboard/?period=today")
    assert "$40.00" in page.locator("#figure-sales").inner_text()
