"""Shoppers from three countries in a real browser (issue 5's "done when"):
- in Germany: German, euros, prices with VAT, and an order paying the right VAT;
- in Japan: yen in whole numbers, and the notice that duties may be due on delivery;
- in the United States: dollars, sales tax only in a state where the merchant has nexus;
and the order in the dashboard shows both currencies and the rate.

The store: a German company (EUR, 19 % VAT in its prices) registered for OSS and with nexus
in New York, using the ECB's recorded rates of 8 July 2022 (USD 1.0163, JPY 138.05).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Browser, Page, expect

from freehold.core.audit import Actor
from freehold.markets import fx
from freehold.markets.models import Market, ShippingRate, ShippingZone
from freehold.markets.pricing import forget_rates
from freehold.markets.services import fx_rates_import, market_save
from freehold.orders.models import Order
from freehold.taxes import services as taxes
from freehold.taxes.services import TaxRegistrationInput
from tests.factories import make_product, make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ACTOR = Actor.system("test")


@pytest.fixture
def store(live_server):
    make_store_settings(
        name="Fjell & Co",
        currency="EUR",
        country_code="DE",
        language="en",
        prices_include_tax=True,
        tax_rate_percent=Decimal("19"),
    )
    taxes.defaults_load()  # the browser test's database was flushed: the rules again
    taxes.tax_profile_update(established_country="DE", ships_from_country="DE")
    for scheme, region, rate in (("oss", "", None), ("us_sales_tax", "US-NY", "0.08875")):
        taxes.tax_registration_save(
            data=TaxRegistrationInput(
                scheme=scheme, region=region, rate=rate, valid_from=dt.date(2021, 7, 1)
            )
        )
    fx_rates_import(data=fx.RECORDED_DAILY_FILE.read_bytes(), source="ecb-recorded")
    forget_rates()
    for fields in (
        {"code": "eu", "name": "European Union", "countries": ["DE", "FR", "AT"],
         "currency": "EUR", "languages": ["en", "de", "fr"], "prices_include_tax": True,
         "is_default": True},
        {"code": "us", "name": "United States", "countries": ["US"], "currency": "USD",
         "languages": ["en", "es"], "rounding": Market.Rounding.ENDING_99},
        {"code": "jp", "name": "Japan", "countries": ["JP"], "currency": "JPY",
         "languages": ["ja", "en"], "prices_include_tax": True,
         "rounding": Market.Rounding.INCREMENT, "rounding_increment": Decimal(10)},
    ):  # fmt: skip
        market_save(market=Market(**fields), actor=ACTOR)
    zone = ShippingZone.objects.create(name="Everywhere", countries=["DE", "FR", "AT", "US", "JP"])
    ShippingRate.objects.create(
        zone=zone, code="standard", name="Standard", price_amount=Decimal("4.90"), currency="EUR"
    )
    make_product(title="Wool Coat", price="119.00", stock=10, currency="EUR")
    yield
    forget_rates()


def shopper(browser: Browser, live_server, locale: str) -> Page:
    context = browser.new_context(base_url=live_server.url, locale=locale)
    context.set_default_timeout(15_000)
    return context.new_page()


def settled(page: Page) -> None:
    page.wait_for_function("() => !document.querySelector('.htmx-request')")


def test_a_shopper_in_germany_sees_german_euros_with_vat_and_pays_the_right_vat(
    browser: Browser, live_server, store
):
    page = shopper(browser, live_server, "de-DE")

    # Arriving on the English page, the browser's German is offered, not imposed
    page.goto("/products/wool-coat")
    banner = page.locator("#market-suggestion")
    expect(banner).to_be_visible()
    banner.locator("button.button-primary").click()

    # The German page: language, euros with the VAT in them
    expect(page).to_have_url(re.compile(r"/de-de/products/wool-coat$"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#product-price")).to_have_text("119,00\xa0€")
    expect(page.locator(".tax-note")).to_contain_text("Inkl. MwSt.")
    page.click("#add-to-cart-button")
    expect(page).to_have_url(re.compile(r"/de-de/cart$"))
    page.goto("/de-de/checkout")

    page.fill("#email", "lena@example.com")
    page.fill("#first_name", "Lena")
    page.fill("#last_name", "Schulz")
    page.fill("#line1", "Torstraße 12")
    page.fill("#postal_code", "10119")
    page.fill("#city", "Berlin")
    settled(page)
    # 119.00 + 4.90 shipping, with 19 % German VAT included: 19.00 + 0.78
    expect(page.locator("#summary-total")).to_have_text("123,90\xa0€")
    expect(page.locator("#checkout-summary")).to_contain_text("19,78\xa0€")
    page.locator("label[for=payment-manual]").click()
    page.locator("#place-order").click()

    expect(page).to_have_url(re.compile(r"/de-de/orders/"))
    order = Order.objects.get()
    assert (order.currency, order.market_code, order.language) == ("EUR", "eu", "de")
    assert order.total_amount == Decimal("123.90")
    assert order.tax_amount == Decimal("19.78")
    assert order.tax_included


def test_a_shopper_in_japan_sees_whole_yen_and_the_duties_notice(
    browser: Browser, live_server, store
):
    page = shopper(browser, live_server, "ja-JP")

    page.goto("/ja-jp/products/wool-coat")
    # 100.00 net x 138.05 = 13,805, up to the next 10 yen; no decimals anywhere
    expect(page.locator("#product-price")).to_have_text("￥13,810")
    page.click("#add-to-cart-button")
    expect(page).to_have_url(re.compile(r"/ja-jp/cart$"))
    expect(page.locator("#cart-subtotal")).to_have_text("￥13,810")
    page.goto("/ja-jp/checkout")

    # Shipping EUR 4.90 = 676.445 yen, up to 677; Japan's consumption tax is due on delivery
    expect(page.locator("#summary-total")).to_have_text("￥14,487")
    expect(page.locator("#notice-duties_on_delivery")).to_be_visible()
    assert "." not in page.locator("#checkout-summary").inner_text().replace("...", "")


def test_a_shopper_in_the_us_pays_sales_tax_only_where_the_merchant_has_nexus(
    browser: Browser, live_server, store
):
    page = shopper(browser, live_server, "en-US")

    page.goto("/en-us/products/wool-coat")
    expect(page.locator("#product-price")).to_have_text("$101.99")
    expect(page.locator(".tax-note")).to_contain_text("Tax calculated at checkout")
    page.click("#add-to-cart-button")
    page.goto("/en-us/checkout")
    summary = page.locator("#checkout-summary")

    page.select_option("#region", "TX")
    settled(page)
    expect(summary).not_to_contain_text("Sales tax")

    page.select_option("#region", "NY")
    settled(page)
    expect(summary).to_contain_text("Sales tax US-NY 8.875 %")
    expect(page.locator("#summary-tax")).to_contain_text("$")


def test_the_dashboard_shows_an_order_in_both_currencies(
    browser: Browser, live_server, store, dashboard_page: Page
):
    page = shopper(browser, live_server, "en-US")
    page.goto("/en-us/products/wool-coat")
    page.click("#add-to-cart-button")
    page.goto("/en-us/checkout")
    page.fill("#email", "sam@example.com")
    page.fill("#first_name", "Sam")
    page.fill("#last_name", "Lee")
    page.fill("#line1", "1200 Main Street")
    page.fill("#city", "Austin")
    page.select_option("#region", "TX")
    page.fill("#postal_code", "73301")
    settled(page)
    page.locator("label[for=payment-manual]").click()
    page.locator("#place-order").click()
    expect(page).to_have_url(re.compile(r"/en-us/orders/"))
    order = Order.objects.get()

    dashboard_page.goto(f"/dashboard/orders/{order.number}/")

    expect(dashboard_page.locator(".grand").last).to_contain_text("$")
    expect(dashboard_page.locator(".base-total")).to_contain_text("€")
    expect(dashboard_page.locator(".base-total")).to_contain_text("1 EUR = 1.0163 USD")
    assert order.base_currency == "EUR" and order.fx_rate == Decimal("1.0163")
