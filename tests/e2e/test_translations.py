"""The merchant types a German title in the dashboard; the German product page shows it, the
English one keeps the product's own."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from freehold.markets.pricing import forget_rates
from tests.factories import make_product
from tests.translation_helpers import make_eu_store

pytestmark = pytest.mark.e2e


def test_a_german_title_typed_in_the_dashboard_shows_on_the_german_product_page(
    dashboard_page, live_server
):
    page = dashboard_page
    make_eu_store()
    coat = make_product(
        title="Wool Coat", currency="EUR", description_html="<p>Boiled wool, cut long.</p>"
    )
    try:
        # Given the product's edit page, and its Translations page
        page.goto(f"{live_server.url}/dashboard/products/{coat.pk}/")
        page.get_by_role("link", name="Translations").click()
        page.wait_for_url(re.compile(r".*/dashboard/products/\d+/translations/$"))
        german = page.locator("#language-de")
        expect(german.get_by_text("Missing")).to_be_visible()
        expect(german.get_by_text("Default: Wool Coat")).to_be_visible()

        # When the merchant types the German title and saves
        german.get_by_label("Title", exact=True).fill("Wollmantel")
        german.get_by_role("button", name="Save Deutsch").click()
        expect(page.get_by_text("Deutsch translation saved.")).to_be_visible()
        expect(page.locator("#language-de").get_by_text("Partly")).to_be_visible()

        # Then the German product page shows it, with the English description as fallback
        page.goto(f"{live_server.url}/de-de/products/{coat.handle}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Wollmantel")
        expect(page.get_by_text("Boiled wool, cut long.")).to_be_visible()
        expect(page).to_have_title(re.compile(r"^Wollmantel"))

        # And the default-language page keeps the product's own title
        page.goto(f"{live_server.url}/products/{coat.handle}")
        expect(page.get_by_role("heading", level=1)).to_have_text("Wool Coat")
    finally:
        forget_rates()
