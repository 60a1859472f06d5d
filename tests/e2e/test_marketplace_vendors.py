"""Marketplace mode in a browser: the owner turns it on and invites a vendor; the vendor
registers from the e-mail's link, accepts, and lists a product; a shopper sees who sells it."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from freehold.marketplace import rules
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def marketplace_rules(transactional_db):
    """A browser test's database was flushed by the one before: load the rules again."""
    rules.defaults_load()


def test_owner_invites_a_vendor_who_lists_a_product_the_shopper_sees_sold_by(
    dashboard_page: Page, browser: Browser, live_server, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    page = dashboard_page

    # Given the owner turns marketplace mode on (vendors selling only outside the EU)
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Marketplace").click()
    expect(page.locator("#marketplace-state")).to_have_text("Off")
    page.get_by_label("Marketplace mode").check()
    page.get_by_label("Vendors sell to consumers in the EU").uncheck()
    page.get_by_role("button", name="Save marketplace settings").click()
    expect(page.get_by_text("Marketplace settings saved.")).to_be_visible()
    expect(page.locator("#marketplace-state")).to_have_text("On")

    # When they invite a vendor
    page.get_by_role("link", name="Vendors").click()
    page.get_by_label("Vendor name").fill("Acme Tea")
    page.get_by_label("E-mail address to invite").fill("tea@example.com")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_text("Invitation sent to tea@example.com")).to_be_visible()
    expect(page.locator("#vendor-status")).to_have_text("Invited")
    (message,) = mail.outbox
    link = re.search(r"https?://\S+/vendor/invitation/\S+", message.body)
    assert link is not None, message.body

    # And the vendor, in their own browser, registers from the link and accepts
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    vendor = context.new_page()
    errors: list[str] = []
    vendor.on(
        "console",
        lambda console: (
            errors.append(console.text)
            if console.type == "error" and "favicon" not in console.location.get("url", "")
            else None
        ),
    )
    try:
        vendor.goto(link.group(0))
        vendor.get_by_role("link", name="Create an account").click()
        vendor.get_by_label("E-mail address").fill("tea@example.com")
        vendor.get_by_label("Password").fill("a long vendor password")
        vendor.get_by_role("button", name="Create account").click()
        vendor.get_by_role("button", name="Accept the invitation").click()
        vendor.wait_for_url("**/vendor/")
        expect(vendor.get_by_role("heading", level=1)).to_have_text("Acme Tea")

        # And lists a product
        vendor.get_by_role("navigation", name="Vendor").get_by_role("link", name="Products").click()
        vendor.get_by_role("link", name="Add a product").click()
        vendor.get_by_label("Title").fill("Green Tea")
        vendor.get_by_label("Price").fill("12.50")
        vendor.get_by_label("Stock").fill("5")
        vendor.get_by_label("Status").select_option("active")
        vendor.get_by_role("button", name="Create product").click()
        expect(vendor.get_by_text("Green Tea created.")).to_be_visible()
        product_url = vendor.get_by_role("link", name="View in the store").get_attribute("href")
    finally:
        context.close()
    assert product_url
    assert not errors, errors  # e.g. a CSP violation on the vendor pages

    # Then a shopper sees who sells it
    shopper = browser.new_context(base_url=live_server.url, locale="en-GB").new_page()
    try:
        shopper.goto(product_url)
        expect(shopper.get_by_role("heading", level=1)).to_have_text("Green Tea")
        expect(shopper.locator("#product-sold-by")).to_have_text("Sold by Acme Tea")
    finally:
        shopper.context.close()

    # And the owner's vendor page lists the member
    page.reload()
    expect(page.locator("#vendor-status")).to_have_text("Active")
    expect(page.get_by_text("tea@example.com").first).to_be_visible()
