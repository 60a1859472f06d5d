"""Address forms in a real browser: each country's fields, labels and subdivisions, its postal
codes checked, and an order to the US placed with the phone stored in E.164."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from freehold.customers.models import Address
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from tests.customers.builders import PASSWORD, make_customer
from tests.factories import make_product, make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def a_store_shipping_worldwide() -> str:
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="DE")
    mug = make_product(title="Stoneware Mug", price="12.50", stock=20, currency="EUR")
    world = ShippingZone.objects.create(name="World", countries=["DE", "US", "JP"])
    ShippingRate.objects.create(
        zone=world, code="standard", name="Standard", price_amount=Decimal("9"), currency="EUR"
    )
    return str(mug.get_absolute_url())


def to_the_checkout(page: Page, product_url: str) -> None:
    page.goto(product_url)
    page.click("#add-to-cart-button")
    expect(page).to_have_url(re.compile(r"/cart$"))
    page.get_by_role("link", name="Checkout").click()
    expect(page).to_have_url(re.compile(r"/checkout$"))


def settled(page: Page) -> None:
    """Wait for htmx's refresh (a new country, postal code or state re-prices the shipping):
    placing the order while one is in flight would abort it."""
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_the_checkout_form_follows_the_country_and_an_order_goes_to_the_us(page: Page):
    to_the_checkout(page, a_store_shipping_worldwide())
    page.fill("#email", "jo@example.com")
    page.fill("#first_name", "Jo")
    page.fill("#last_name", "Doe")

    # Japan: prefectures to choose from, no city; what was typed stays
    page.select_option("#country_code", "JP")
    expect(page.locator("label[for=region]")).to_have_text("Prefecture")
    expect(page.locator("#region option", has_text="Tokyo")).to_have_count(1)
    expect(page.locator("#city")).to_have_count(0)
    expect(page.locator("#first_name")).to_have_value("Jo")

    # The US: a state and a ZIP code
    page.select_option("#country_code", "US")
    expect(page.locator("label[for=region]")).to_have_text("State")
    expect(page.locator("label[for=postal_code]")).to_have_text("ZIP code")

    # Germany with a four-digit postcode: refused, naming it
    page.select_option("#country_code", "DE")
    expect(page.locator("#region")).to_have_count(0)
    page.fill("#line1", "Torstraße 12")
    page.fill("#postal_code", "1234")
    page.fill("#city", "Berlin")
    settled(page)
    page.get_by_role("button", name="Order with obligation to pay").click()
    expect(page.locator("#postal_code-error")).to_have_text(
        'Postal code "1234" is not valid for Germany (for example 26133).'
    )
    assert not Order.objects.exists()

    # The US address, the state chosen by name, a national phone number: the order is placed
    page.select_option("#country_code", "US")
    expect(page.locator("label[for=region]")).to_have_text("State")
    page.fill("#line1", "1600 Amphitheatre Parkway")
    page.fill("#city", "Mountain View")
    page.select_option("#region", label="California")
    settled(page)
    page.fill("#postal_code", "94043")
    page.fill("#phone", "(650) 253-0000")
    settled(page)
    page.get_by_role("button", name="Order with obligation to pay").click()

    expect(page).to_have_url(re.compile(r"/orders/"))
    expect(page.locator(".order-address")).to_contain_text("Mountain View, CA 94043")
    order = Order.objects.get()
    assert order.shipping_address["region"] == "CA"
    assert order.shipping_address["phone"] == "+16502530000"


def test_the_address_book_form_follows_the_country(page: Page, live_server):
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="DE")
    customer = make_customer("jo@example.com")

    page.goto("/account/login")
    page.get_by_label("E-mail address").fill(customer.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/account/addresses/new")
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Doe")

    # Choosing Japan re-renders the form (address.js presses the hidden Update button)
    page.select_option("#address-country_code", "JP")
    expect(page.locator("label[for=address-region]")).to_have_text("Prefecture")
    expect(page.get_by_label("First name")).to_have_value("Jo")

    # The US: a state and a ZIP code; saved with the state's code and the phone in E.164
    page.select_option("#address-country_code", "US")
    expect(page.locator("label[for=address-postal_code]")).to_have_text("ZIP code")
    page.locator("#address-line1").fill("1600 Amphitheatre Parkway")
    page.locator("#address-city").fill("Mountain View")
    page.select_option("#address-region", label="California")
    page.locator("#address-postal_code").fill("94043")
    page.locator("#address-phone").fill("650 253 0000")
    page.get_by_role("button", name="Save address").click()

    expect(page).to_have_url(re.compile(r"/account/addresses$"))
    expect(page.locator(".address-card")).to_contain_text("Mountain View, CA 94043")
    saved = Address.objects.get(customer=customer)
    assert (saved.region, saved.phone) == ("CA", "+16502530000")
