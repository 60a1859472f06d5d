"""Losing partial disclosure (INFORM, compliance-rules.md 1.11), in a browser: staff revoke a
residential seller's partial disclosure on its verification page, the vendor sees the notice
and consents to full disclosure, and shoppers then see its street."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from freehold.marketplace import rules
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS
from tests.factories import make_store_settings
from tests.marketplace.factories import PASSWORD, make_member
from tests.marketplace.test_inform_disclosure import STREET, seller

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _store(transactional_db) -> None:
    """A browser test's database was flushed by the one before: the rules again."""
    rules.defaults_load()
    make_store_settings(name="Northwind Market")


def test_staff_revoke_partial_disclosure_and_the_vendor_consents(
    dashboard_page: Page, browser: Browser, live_server
):
    # Given a disclosed high-volume seller that certified a residential address
    vendor, product, _order, _customer = seller("50000", residential_address=True)
    member = make_member(vendor)
    staff = dashboard_page
    staff.goto(product.get_absolute_url())
    expect(staff.locator(".seller-address")).to_have_text("Texas, US")

    # When staff revoke it on the vendor's verification page, for unanswered buyers
    staff.goto(f"/dashboard/marketplace/verification/vendors/{vendor.pk}/")
    staff.get_by_label("Buyers' inquiries were not answered").check()
    staff.get_by_label("Details for the vendor (optional)").fill("Three buyers waited a month.")
    staff.once("dialog", lambda dialog: dialog.accept())
    staff.get_by_role("button", name="Revoke partial disclosure").click()
    expect(staff.get_by_text("Partial disclosure revoked. The vendor was notified")).to_be_visible()
    expect(staff.get_by_role("button", name="Withdraw the notice")).to_be_visible()

    # Then the vendor sees the notice with its reason and consents to full disclosure
    context = browser.new_context(base_url=live_server.url, locale="en-US")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    errors: list[str] = []
    vendor_page = context.new_page()
    vendor_page.on("pageerror", lambda error: errors.append(str(error)))
    vendor_page.goto("/account/login")
    vendor_page.get_by_label("E-mail").fill(member.email)
    vendor_page.get_by_label("Password").fill(PASSWORD)
    vendor_page.get_by_role("button", name="Log in").click()
    vendor_page.wait_for_url(re.compile(r"/account/?$"))
    vendor_page.goto("/vendor/verification")
    notice = vendor_page.locator("#partial-disclosure-notice")
    expect(notice).to_contain_text("Three buyers waited a month.")
    vendor_page.once("dialog", lambda dialog: dialog.accept())
    notice.get_by_role("button", name="I consent to full disclosure").click()
    expect(vendor_page.get_by_text("Your full address and phone are now shown")).to_be_visible()
    expect(vendor_page.locator("#partial-disclosure-notice")).to_have_count(0)
    context.close()
    assert not errors, errors

    # And shoppers see the street on the product page
    staff.goto(product.get_absolute_url())
    expect(staff.locator(".seller-address")).to_contain_text(STREET)
