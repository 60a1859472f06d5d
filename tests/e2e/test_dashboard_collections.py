"""The merchant builds a manual collection in the dashboard, puts its two products in order,
and the shopper sees that order on the collection's page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.e2e


def test_create_a_manual_collection_and_order_its_products(dashboard_page, live_server):
    page = dashboard_page
    make_store_settings(currency="EUR")
    make_product(title="Linen Shirt", currency="EUR")
    make_product(title="Wool Coat", currency="EUR")

    # Given the collections page, reached from the products list
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Products").click()
    page.wait_for_url("**/dashboard/products/")
    page.get_by_role("link", name="Collections", exact=True).click()
    page.get_by_role("link", name="Add collection").click()

    # When the merchant creates a manual collection sorted by hand
    page.get_by_label("Title", exact=True).fill("Autumn Edit")
    page.get_by_label("Sort products").select_option("manual")
    page.get_by_role("button", name="Create collection").click()
    page.wait_for_url(re.compile(r".*/dashboard/products/collections/\d+/$"))
    expect(page.get_by_text("Collection created.")).to_be_visible()

    # And finds and adds the shirt, then the coat
    for query, title in (("shirt", "Linen Shirt"), ("coat", "Wool Coat")):
        page.get_by_label("Find products by title or SKU").fill(query)
        page.get_by_role("button", name="Search").click()
        page.get_by_role("button", name=f"Add “{title}”").click()
        expect(page.get_by_text(f"“{title}” added.")).to_be_visible()
    rows = page.locator("table.collection-products tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Linen Shirt")

    # And moves the coat up
    page.get_by_role("button", name="Move “Wool Coat” up").click()
    expect(rows.first).to_contain_text("Wool Coat")

    # Then the store's collection page shows the coat first
    page.goto(f"{live_server.url}/collections/autumn-edit")
    expect(page.get_by_role("heading", level=1)).to_have_text("Autumn Edit")
    body = page.locator("main").inner_text()
    assert body.index("Wool Coat") < body.index("Linen Shirt")
