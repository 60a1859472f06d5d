"""Taxes at checkout in a real browser: the destination decides the tax line (French VAT under
IOSS, New York sales tax where the merchant has nexus, none in Texas) and the DAP notice is
shown before payment."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from freehold.markets.models import ShippingRate, ShippingZone
from freehold.taxes import services
from freehold.taxes.services import TaxRegistrationInput
from tests.factories import make_product, make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def a_british_store_with_ioss_and_new_york_nexus() -> str:
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="GB")
    services.defaults_load()  # a browser test's database was flushed: load the rules again
    services.tax_profile_update(established_country="GB")
    for scheme, region, rate in (("ioss", "", None), ("us_sales_tax", "US-NY", "0.08875")):
        services.tax_registration_save(
            data=TaxRegistrationInput(
                scheme=scheme, region=region, rate=rate, valid_from=dt.date(2020, 1, 1)
            )
        )
    lamp = make_product(title="Brass Lamp", price="80.00", stock=10, currency="EUR")
    world = ShippingZone.objects.create(name="World", countries=["GB", "FR", "US"])
    ShippingRate.objects.create(
        zone=world, code="standard", name="Standard", price_amount=Decimal("5.00"), currency="EUR"
    )
    return lamp.handle


def test_the_destination_decides_the_tax_line_and_the_notice(page: Page):
    handle = a_british_store_with_ioss_and_new_york_nexus()
    page.goto(f"/products/{handle}")
    page.click("#add-to-cart-button")
    expect(page).to_have_url(re.compile(r"/cart$"))
    page.goto("/checkout")
    summary = page.locator("#checkout-summary")

    # France under IOSS: 20 % French VAT on the lamp and the shipping, shown before payment
    page.select_option("#country_code", "FR")
    expect(summary).to_contain_text("VAT FR 20 %")
    expect(page.locator("#summary-tax")).to_have_text("€17.00")
    expect(page.locator("#summary-total")).to_have_text("€102.00")

    # New York, where the merchant has nexus: its sales tax, and US duty due on delivery
    page.select_option("#country_code", "US")
    page.select_option("#region", "NY")
    expect(summary).to_contain_text("Sales tax US-NY 8.875 %")
    expect(page.locator("#summary-tax")).to_have_text("€7.54")
    expect(page.locator("#notice-duties_on_delivery")).to_contain_text(
        "Duties and import taxes may be due on delivery"
    )

    # Texas, without nexus: no tax line at all (chosen at once: the choice must be heard even
    # right after the previous update was swapped in)
    page.select_option("#region", "TX")
    expect(page.locator("#region")).to_have_value("TX")
    expect(summary).not_to_contain_text("Sales tax")
    expect(page.locator("#summary-tax")).to_have_count(0)
    expect(page.locator("#summary-total")).to_have_text("€85.00")
