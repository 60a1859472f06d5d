"""The dashboard in a browser: log in from the login redirect, move around by keyboard."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


def test_staff_log_in_and_reach_every_area(dashboard_page):
    page = dashboard_page
    nav = page.get_by_role("navigation", name="Dashboard")
    for name, path in [("Orders", "/dashboard/orders/"), ("Products", "/dashboard/products/")]:
        nav.get_by_role("link", name=name).click()
        page.wait_for_url(f"**{path}")
    page.keyboard.press("g")
    page.keyboard.press("c")
    page.wait_for_url("**/dashboard/customers/")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "dash-search"
