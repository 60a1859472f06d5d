"""A shopper's journeys through the storefront in a real browser (Debian's Chromium).

They arrive from a social-media ad on a product page, pick a variant, look for another product
with the search box's suggestions and narrow a collection with filters; with JavaScript and,
for the variant picker, without it.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from freehold.catalog.image_services import product_image_add
from freehold.catalog.models import Variant
from freehold.catalog.services import VariantInput
from tests.factories import make_collection, make_product, make_store_settings, png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def jacket_with_a_picture_per_colour():
    make_store_settings(name="Northwind Supply Co.", currency="EUR")
    product = make_product(
        title="Harbour Rain Jacket",
        currency="EUR",
        options={"Colour": ["Navy", "Olive"], "Size": ["M", "L"]},
        variants=[
            VariantInput(price="120.00", options=["Navy", "M"], sku="HRJ-N-M", stock_quantity=5),
            VariantInput(price="120.00", options=["Navy", "L"], sku="HRJ-N-L", stock_quantity=0),
            VariantInput(
                price="95.00",
                compare_at_price="120.00",
                options=["Olive", "M"],
                sku="HRJ-O-M",
                stock_quantity=2,
            ),
            VariantInput(price="120.00", options=["Olive", "L"], sku="HRJ-O-L", stock_quantity=9),
        ],
    )
    variants = {v.sku: v for v in Variant.objects.filter(product=product)}
    navy = product_image_add(
        product=product,
        file=png_bytes(400, 500, (20, 40, 90)),
        filename="navy.png",
        alt="Navy jacket",
        variant_ids=[variants["HRJ-N-M"].pk, variants["HRJ-N-L"].pk],
    )
    olive = product_image_add(
        product=product,
        file=png_bytes(400, 500, (90, 100, 40)),
        filename="olive.png",
        alt="Olive jacket",
        variant_ids=[variants["HRJ-O-M"].pk, variants["HRJ-O-L"].pk],
    )
    return product, variants, navy, olive


def test_shopper_from_an_ad_picks_a_variant_and_price_image_and_url_follow(page: Page):
    # Given a jacket whose olive colour is on sale and has its own picture
    product, variants, _navy, _olive = jacket_with_a_picture_per_colour()

    # When a shopper lands on it from an ad and chooses Olive
    page.goto(f"/products/{product.handle}?utm_source=instagram&fbclid=abc")
    expect(page.locator("#product-price")).to_contain_text("120.00")
    page.locator("label", has_text="Olive").first.click()

    # Then price, sale, availability, picture and URL follow without a reload
    expect(page.locator("#product-price")).to_contain_text("95.00")
    expect(page.locator("#product-compare-at")).to_be_visible()
    expect(page.locator("#product-availability")).to_contain_text("Only 2 left")
    expect(page.locator("#product-main-image")).to_have_attribute("alt", "Olive jacket")
    expect(page).to_have_url(re.compile(rf"variant={variants['HRJ-O-M'].pk}"))

    # And choosing a sold-out combination says so
    page.locator("label", has_text="Navy").first.click()
    page.locator("label", has_text=re.compile(r"^\s*L")).first.click()
    expect(page.locator("#product-availability")).to_contain_text("Sold out")
    expect(page.locator("#product-main-image")).to_have_attribute("alt", "Navy jacket")


def test_variant_picker_works_without_javascript(browser: Browser, live_server):
    # Given the same jacket, and a browser with JavaScript off
    product, _variants, _navy, _olive = jacket_with_a_picture_per_colour()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        # When the shopper picks Olive / M and presses Choose
        page.goto(f"/products/{product.handle}")
        page.locator("label", has_text="Olive").first.click()
        page.locator("label", has_text=re.compile(r"^\s*M")).first.click()
        page.get_by_role("button", name="Choose").click()

        # Then the reloaded page shows that variant's price and stock
        expect(page.locator("#product-price")).to_contain_text("95.00")
        expect(page.locator("#product-availability")).to_contain_text("Only 2 left")
    finally:
        context.close()


def test_search_suggestions_lead_to_the_product(page: Page):
    # Given a few products
    make_store_settings(name="Northwind Supply Co.")
    make_product(title="Merino Crew Sweater", price="89.00")
    make_product(title="Canvas Tote Bag", price="35.00")

    # When a shopper types the start of a word into the search box
    page.goto("/")
    page.locator("#search-input").fill("meri")

    # Then a suggestion appears, and Enter on it opens the product
    suggestions = page.locator("#search-suggestions [role=option]")
    expect(suggestions).to_have_count(1)
    expect(suggestions.first).to_contain_text("Merino Crew Sweater")
    page.locator("#search-input").press("ArrowDown")
    page.locator("#search-input").press("Enter")
    expect(page).to_have_url(re.compile(r"/products/merino-crew-sweater"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Merino Crew Sweater")


def test_collection_filters_narrow_the_grid(page: Page):
    # Given a collection of shirts in two sizes, one of them sold out
    make_store_settings(name="Northwind Supply Co.")
    small = make_product(title="Oxford Shirt", options={"Size": ["S"]}, price="50.00")
    large = make_product(title="Flannel Shirt", options={"Size": ["L"]}, price="70.00")
    gone = make_product(title="Chambray Shirt", options={"Size": ["S"]}, price="60.00", stock=0)
    make_collection(title="Shirts", handle="shirts", products=[small, large, gone])

    # When the shopper filters for size S, in stock only
    page.goto("/collections/shirts")
    expect(page.locator("article.card")).to_have_count(3)
    form = page.locator("#filter-form")
    form.get_by_label(re.compile(r"^\s*S \(")).check()
    form.get_by_label(re.compile("in stock", re.IGNORECASE)).check()
    form.get_by_role("button", name=re.compile("apply", re.IGNORECASE)).click()

    # Then only the small shirt in stock is left
    expect(page.locator("article.card")).to_have_count(1)
    expect(page.locator("article.card")).to_contain_text("Oxford Shirt")
