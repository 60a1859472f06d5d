"""Settings → Taxes in a browser: the owner of a British store registers for New York sales tax
at 8.875 % (the tracker then says "Registered" and a checkout to New York shows the tax line),
and records next year's French VAT rate as a dated change seen in France's history."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from freehold.markets.models import ShippingRate, ShippingZone
from freehold.taxes import services
from freehold.taxes.models import TaxRate, TaxRegistration
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.e2e


def a_british_store_selling_a_lamp() -> str:
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="GB")
    services.defaults_load()  # a browser test's database was flushed: load the rules again
    lamp = make_product(title="Brass Lamp", price="80.00", stock=10, currency="EUR")
    world = ShippingZone.objects.create(name="World", countries=["GB", "FR", "US"])
    ShippingRate.objects.create(
        zone=world, code="standard", name="Standard", price_amount=Decimal("5.00"), currency="EUR"
    )
    return lamp.handle


def test_the_owner_registers_in_new_york_and_records_a_rate_change(dashboard_page):
    page = dashboard_page
    handle = a_british_store_selling_a_lamp()

    # When the owner says the business is established in the UK
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Taxes", exact=True).click()
    expect(page.get_by_text("EUR 10,000 a year")).to_be_visible()
    page.get_by_label("Established in").select_option("GB")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Tax profile saved.")).to_be_visible()

    # and adds a New York sales-tax registration at 8.875 % (a refused form answers 400, which
    # Chromium logs as an error: the refusals are tested in tests/dashboard/test_taxes.py)
    page.get_by_role("link", name="Add a registration").click()
    page.get_by_label("Scheme").select_option("us_sales_tax")
    page.get_by_label("State", exact=True).fill("NY")
    page.get_by_label("Rate (%)").fill("8.875")
    page.get_by_role("button", name="Save registration").click()

    # Then the registration is listed, and the tracker says New York is registered
    expect(page.get_by_text("Registration saved: US sales tax (one state) US-NY.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="New York (US-NY)")
    expect(row).to_contain_text("8.875 %")
    expect(row).to_contain_text("Active")
    assert TaxRegistration.objects.get().rate == Decimal("0.08875")
    page.get_by_role("link", name="US sales-tax nexus").click()
    new_york = page.locator("#nexus-US-NY")
    expect(new_york).to_contain_text("$500,000 and 100 transactions")
    expect(new_york).to_contain_text("Registered")

    # When the owner records France's standard VAT at 21 % from 1 January 2027
    page.get_by_role("link", name="Tax rates").click()
    page.locator("form.filters").get_by_label("Country").select_option("FR")
    page.get_by_role("button", name="Show").click()
    change = page.get_by_role("region", name="Add a dated change")
    expect(change.get_by_label("Country")).to_have_value("FR")
    change.get_by_label("Rate (%)").fill("21")
    change.get_by_label("Valid from").fill("2027-01-01")
    change.get_by_role("button", name="Add the rate").click()

    # Then France's history shows the new rate as upcoming and the old one ending the day before
    expect(page.get_by_text("VAT FR standard: 21 % from 2027-01-01.")).to_be_visible()
    history = page.get_by_role("region", name="History of France")
    upcoming = history.get_by_role("row").filter(has_text="21 %")
    expect(upcoming).to_contain_text("Upcoming")
    expect(history.get_by_role("row").filter(has_text="2026-12-31")).to_contain_text("20 %")
    assert TaxRate.objects.filter(country="FR", rate=Decimal("0.21")).count() == 1

    # And a checkout to New York shows the sales tax the owner set
    page.goto(f"/products/{handle}")
    page.click("#add-to-cart-button")
    expect(page).to_have_url(re.compile(r"/cart$"))
    page.goto("/checkout")
    page.select_option("#country_code", "US")
    # (the summary for the country arrives first: selecting the state before it could race)
    expect(page.locator("#notice-duties_on_delivery")).to_be_visible()
    page.wait_for_function("() => !document.querySelector('.htmx-request, .htmx-settling')")
    page.select_option("#region", "NY")
    expect(page.locator("#region")).to_have_value("NY")
    expect(page.locator("#checkout-summary")).to_contain_text("Sales tax US-NY 8.875 %")
    expect(page.locator("#summary-tax")).to_have_text("€7.54")
