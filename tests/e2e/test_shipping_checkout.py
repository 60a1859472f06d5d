"""Shipping at checkout in a real browser: changing the country (and the state) shows only that
zone's rates with their delivery estimates; a country not shipped to is named."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from freehold.markets.models import ShippingRate, ShippingZone
from tests.factories import make_product, make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def rate(zone: ShippingZone, code: str, name: str, price: str, days: tuple[int, int]) -> None:
    ShippingRate.objects.create(
        zone=zone,
        code=code,
        name=name,
        price_amount=Decimal(price),
        currency="EUR",
        min_delivery_days=days[0],
        max_delivery_days=days[1],
    )


def a_store_shipping_to_europe_and_the_united_states() -> str:
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="DE")
    lamp = make_product(title="Brass Lamp", price="80.00", stock=10, currency="EUR")
    europe = ShippingZone.objects.create(name="Europe", countries=["DE", "FR"], position=0)
    rate(europe, "standard", "Standard", "4.90", (2, 4))
    rate(europe, "express", "Express", "12.50", (1, 1))
    united_states = ShippingZone.objects.create(name="United States", countries=["US"], position=1)
    rate(united_states, "standard", "Transatlantic", "19.90", (5, 8))
    remote = ShippingZone.objects.create(name="Alaska and Hawaii", regions=["US-AK", "US-HI"])
    rate(remote, "standard", "Remote islands", "39.90", (7, 12))
    return lamp.handle


def test_changing_country_and_state_shows_only_that_zones_rates_and_names_the_unshipped(
    page: Page,
):
    handle = a_store_shipping_to_europe_and_the_united_states()

    # Given a lamp in the cart, at the checkout (the store's country, Germany, preselected)
    page.goto(f"/products/{handle}")
    page.click("#add-to-cart-button")
    expect(page).to_have_url(re.compile(r"/cart$"))
    page.goto("/checkout")
    shipping = page.locator("#shipping-options")
    expect(shipping).to_contain_text("Standard")
    expect(shipping).to_contain_text("Delivery: 2–4 business days")
    expect(shipping).to_contain_text("Express")
    expect(shipping).to_contain_text("Delivery: 1 business day")
    expect(shipping).not_to_contain_text("Transatlantic")

    # When the shopper picks the United States: only the US zone's rate, with its estimate
    page.select_option("#country_code", "US")
    expect(shipping).to_contain_text("Transatlantic")
    expect(shipping).to_contain_text("Delivery: 5–8 business days")
    expect(shipping).not_to_contain_text("Express")
    expect(page.locator("#summary-total")).to_have_text("€99.90")

    # And then Hawaii as the state: the region's own zone replaces the mainland's rate
    page.select_option("#region", "HI")
    expect(shipping).to_contain_text("Remote islands")
    expect(shipping).to_contain_text("Delivery: 7–12 business days")
    expect(shipping).not_to_contain_text("Transatlantic")
    expect(page.locator("#summary-total")).to_have_text("€119.90")

    # When the shopper picks New Caledonia: no rate, and a message naming the country
    page.select_option("#country_code", "NC")
    expect(shipping).to_contain_text("We don’t ship to New Caledonia yet.")
    expect(shipping.locator("input[name=shipping_method]")).to_have_count(0)
    expect(shipping.locator("summary", has_text="Where we ship")).to_be_visible()

    # And back in France, Europe's rates come back, the cheapest chosen
    page.select_option("#country_code", "FR")
    expect(shipping).to_contain_text("Standard")
    expect(shipping.locator("input[name=shipping_method]:checked")).to_have_count(1)
    expect(page.locator("#summary-total")).to_have_text("€84.90")


@pytest.mark.allow_console_errors  # the refused form answers 400, which Chromium logs
def test_the_owner_prices_hawaii_apart_and_sees_every_rates_conditions(dashboard_page: Page):
    page = dashboard_page
    ShippingZone.objects.create(name="United States", countries=["US"])

    # Given the owner on the shipping settings, adding a zone for two states
    page.goto("/dashboard/settings/shipping/")
    page.get_by_role("link", name="Add a zone").click()
    page.get_by_label("Name").fill("Alaska and Hawaii")
    page.get_by_label("Regions").fill("us-ak, US-HI")
    page.get_by_label("Postcode patterns").fill("BT*")  # no country: refused, naming the field
    page.get_by_role("button", name="Save zone").click()
    expect(page.locator("#id_postcodes_text-error")).to_contain_text("start with the country")
    page.get_by_label("Postcode patterns").fill("")
    page.get_by_role("button", name="Save zone").click()

    # When they add a rate for orders from 50 to below 100 EUR, up to 2 kg
    remote = page.locator("section", has=page.get_by_role("heading", name="Alaska and Hawaii"))
    expect(remote).to_contain_text("Regions: US-AK, US-HI")
    remote.get_by_role("link", name="Add a rate").click()
    page.get_by_label("Name").fill("Remote")
    page.get_by_label("Code").fill("standard")
    page.get_by_label("Price").fill("39.90")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_label("Order subtotal from").fill("50")
    page.get_by_label("Order subtotal below").fill("100")
    page.get_by_label("Weight up to (g)").fill("2000")
    page.get_by_label("Delivery days (from)").fill("7")
    page.get_by_label("Delivery days (to)").fill("12")
    page.get_by_role("button", name="Save rate").click()

    # Then the list shows every condition of the rate
    remote = page.locator("section", has=page.get_by_role("heading", name="Alaska and Hawaii"))
    row = remote.locator("tr", has_text="Remote")
    expect(row).to_contain_text("€39.90")
    expect(row).to_contain_text("from €50.00, below €100.00")
    expect(row).to_contain_text("0–2000 g")
    expect(row).to_contain_text("7–12 business days")
    assert ShippingZone.objects.get(name="Alaska and Hawaii").regions == ["US-AK", "US-HI"]
