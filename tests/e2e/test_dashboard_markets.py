"""Markets in a browser: the owner creates an EU market in euros with .99 endings, sees a
catalog price as that market shows it, then switches it to fixed prices and sets one."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from freehold.catalog.services import VariantInput
from freehold.markets import pricing
from freehold.markets.fx import RECORDED_DAILY_FILE
from freehold.markets.models import Market, MarketPrice
from freehold.markets.services import fx_rates_import
from tests.factories import make_product

pytestmark = pytest.mark.e2e


def test_the_owner_creates_an_eu_market_and_fixes_a_price(dashboard_page):
    page = dashboard_page
    # Given a store in USD selling a 10.00 USD mug, and the ECB's rates of 8 July 2022
    make_product(
        title="Mug", variants=[VariantInput(price=Decimal("10.00"), sku="MUG-1", stock_quantity=3)]
    )
    fx_rates_import(data=RECORDED_DAILY_FILE.read_bytes())
    pricing.forget_rates()

    # When the owner adds an EU market in EUR with .99 endings
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Markets", exact=True).click()
    expect(page.get_by_text("No markets")).to_be_visible()
    page.get_by_role("link", name="Add a market").click()
    page.get_by_label("Name", exact=True).fill("European Union")
    page.get_by_label("Code", exact=True).fill("eu")
    page.get_by_label("Countries", exact=True).fill("de, fr it")
    page.get_by_label("Currency", exact=True).fill("EUR")
    page.get_by_label("Deutsch (de)").check()
    page.get_by_label("Default language").select_option("de")
    page.get_by_label("Rounding", exact=True).select_option("ending_99")
    # (the form previews the catalog under these settings as they are typed)
    expect(page.locator("#market-preview")).to_contain_text("€9.99")
    page.get_by_role("button", name="Save market").click()

    # Then the list shows the market, the default, with the mug at 10 / 1.0163 = 9.84 → €9.99
    expect(page.get_by_text("Market “European Union” saved.")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="European Union")
    expect(row).to_contain_text("Germany, France, Italy")
    expect(row).to_contain_text("Default")
    expect(row).to_contain_text("Up to .99")
    expect(row).to_contain_text("€9.99")
    assert Market.objects.get().countries == ["DE", "FR", "IT"]

    # When they switch the market to fixed prices and fix the mug at €8.50
    row.get_by_role("link", name="Edit European Union").click()
    page.get_by_label("Pricing mode").select_option("fixed")
    page.get_by_role("button", name="Save market").click()
    page.get_by_role("row").filter(has_text="European Union").get_by_role(
        "link", name="Set prices"
    ).click()
    page.wait_for_url(re.compile(r".*/markets/\d+/prices/$"))
    price = page.get_by_label("Fixed price of Mug")
    expect(price).to_have_attribute("placeholder", "9.99")
    price.fill("8.50")
    page.get_by_role("button", name="Save prices").click()

    # Then it is kept, and the market's sample price is the fixed one
    expect(page.get_by_text("1 fixed price(s) saved in European Union.")).to_be_visible()
    assert MarketPrice.objects.get().price_amount == Decimal("8.50")
    page.get_by_role("link", name="Markets", exact=True).click()
    row = page.get_by_role("row").filter(has_text="European Union")
    expect(row).to_contain_text("€8.50")
    expect(row).to_contain_text("(fixed)")
