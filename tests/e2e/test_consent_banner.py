"""The consent banner in a real browser, under the strict CSP: a shopper in Germany sees it,
"Reject all" hides it and keeps the answer, and it does not come back on the next page."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from freehold.customers.consent import CONSENT_COOKIE, WORDING_VERSION
from freehold.customers.models import Consent
from tests.markets.conftest import markets  # noqa: F401

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("markets"),
]


def consent_cookie(page: Page) -> str:
    found = [c["value"] for c in page.context.cookies() if c["name"] == CONSENT_COOKIE]
    # Quoted by the server's cookie library (the value holds "="); Django unquotes it.
    return found[0].strip('"') if found else ""


def test_reject_all_in_germany_hides_the_banner_for_good(page: Page):
    page.goto("/de-de/")
    banner = page.locator("#consent-banner")
    expect(banner).to_be_visible()
    expect(banner.get_by_role("button")).to_have_count(3)  # "Save choices" waits for "Choose"

    banner.locator("button[value=reject]").click()

    expect(banner).to_be_hidden()
    page.wait_for_function(f"document.cookie.includes('{CONSENT_COOKIE}=')")
    assert consent_cookie(page) == f"a=0&m=0&s=0&v={WORDING_VERSION}"
    assert sorted(Consent.objects.values_list("purpose", "granted")) == [
        ("analytics", False),
        ("marketing", False),
    ]

    page.reload()
    page.wait_for_load_state("load")
    expect(page.locator("#consent-banner")).to_be_hidden()
    assert page.url.endswith("/de-de/")


def test_choose_opens_the_boxes_and_saves_only_what_is_ticked(page: Page):
    page.goto("/")
    banner = page.locator("#consent-banner")
    expect(banner).to_be_visible()

    banner.locator("[data-consent-choose]").click()
    banner.get_by_label("Analytics").check()
    banner.locator("[data-consent-save]").click()

    expect(banner).to_be_hidden()
    page.wait_for_function(f"document.cookie.includes('{CONSENT_COOKIE}=')")
    assert consent_cookie(page).startswith("a=1&m=0&")
