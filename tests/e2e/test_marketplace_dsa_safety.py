"""DSA Art. 31 in a browser: a shopper sees a trader's product-safety information next to the
seller; the owner draws random listings from the traders page and suspends one, which leaves
the store."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from freehold.catalog.models import Product
from freehold.marketplace import rules
from freehold.marketplace.models import ProductCompliance
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product
from tests.marketplace.test_dsa_traceability import complete_trader

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def marketplace_rules(transactional_db):
    """A browser test's database was flushed by the one before: load the rules again."""
    rules.defaults_load()


def test_the_owner_checks_random_listings_and_suspends_one(dashboard_page: Page) -> None:
    # Given a trader's live product with its product-safety information
    enable_marketplace()
    vendor = make_vendor(name="Kestrel")
    complete_trader(vendor)
    product = make_vendor_product(vendor, title="Glow toy")
    ProductCompliance.objects.create(
        product=product,
        operator_name="Kestrel Goods GmbH",
        operator_address="Torstraße 12\n10119 Berlin",
        operator_contact="safety@kestrel.example",
        identification="Model KS-7",
        warnings="Not for children under 3 years.",
    )
    page = dashboard_page

    # A shopper sees it on the product page
    page.goto(product.get_absolute_url())
    safety = page.get_by_role("region", name="Product safety")
    expect(safety).to_contain_text("Economic operator in the EU: Kestrel Goods GmbH")
    expect(safety).to_contain_text("Product identification: Model KS-7")
    expect(safety).to_contain_text("Not for children under 3 years.")

    # When the owner draws random listings from the traders page
    page.goto("/dashboard/marketplace/traders/")
    page.get_by_label("Check").fill("5")
    page.get_by_role("button", name="Check N random listings").click()
    listing = page.get_by_role("region", name="Glow toy")
    expect(listing).to_contain_text("Model KS-7")

    # And suspends it with a reason
    listing.get_by_label("Reason (shown to the vendor)").fill("No CE marking on the toy")
    page.once("dialog", lambda dialog: dialog.accept())
    listing.get_by_role("button", name="Suspend listing").click()

    # Then it is off the store and listed as suspended
    expect(page.get_by_text("Listing suspended")).to_be_visible()
    expect(page.get_by_role("heading", name="Suspended listings")).to_be_visible()
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT
