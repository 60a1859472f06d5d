"""What the marketplace shows shoppers and vendors, in a browser.

A vendor edits its product (description, a new variant, a photo put first) and a shopper sees
every change and picks the new variant; a suspended seller's product cannot be added whatever
variant is picked, and can again once the seller gives its information; "Sold by" leads to
the seller's page, the footer to the marketplace page, and a trader's DSA identity is on the
product page (never a residential seller's street); a vendor's member finds its seller
dashboard from the account pages.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from freehold.core import clock
from freehold.core.audit import Actor
from freehold.marketplace import dsa, inform, rules, verification
from freehold.marketplace.models import Vendor
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS
from tests.factories import make_store_settings
from tests.marketplace.factories import (
    PASSWORD,
    enable_marketplace,
    make_customer,
    make_member,
    make_vendor,
    make_vendor_product,
)
from tests.marketplace.test_dsa_traceability import complete_trader
from tests.marketplace.test_inform_counters import sell
from tests.marketplace.test_inform_status import VALUES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _store(transactional_db) -> None:
    """A browser test's database was flushed by the one before: the rules again, and a store
    selling in euros."""
    rules.defaults_load()
    make_store_settings(name="Northwind Market", currency="EUR", country_code="DE")


@pytest.fixture
def shopper_page(browser: Browser, live_server) -> Iterator[Page]:
    """A second person's browser (no cookies), failing the test on a console error like the
    `page` fixture does."""
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    shopper = context.new_page()
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            errors.append(f"console: {message.text}")

    shopper.on("console", on_console)
    shopper.on("pageerror", lambda error: errors.append(f"page error: {error}"))
    try:
        yield shopper
    finally:
        context.close()
    assert not errors, errors


def log_in(page: Page, email: str) -> None:
    """Through the store's own login form (vendors have no other)."""
    page.goto("/account/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def png_file(folder: Path, name: str, colour: tuple[int, int, int]) -> Path:
    path = folder / name
    Image.new("RGB", (640, 480), colour).save(path, format="PNG")
    return path


def suspended_vendor(name: str) -> Vendor:
    """A high-volume seller asked for its information 15 days ago that gave none (due after
    10 days): its sales are suspended now."""
    vendor = make_vendor(name=name, country_code="US")
    anchor = make_vendor_product(vendor, title=f"{name} sampler", currency="EUR")
    now = clock.now()
    sell(anchor, count=200, total="5000", first_at=now - dt.timedelta(days=20))
    with clock.frozen_at(now - dt.timedelta(days=15)):
        vendor = inform.vendor_recompute(vendor=vendor)
    assert inform.verification_status(vendor) == inform.SUSPENDED
    return vendor


# --- 1. A vendor edits its product; the shopper sees the changes ----------------------------


def test_a_vendors_edits_reach_the_product_page(page: Page, shopper_page: Page, tmp_path: Path):
    # Given an active vendor's product in two sizes with one photo, and the vendor logged in
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(name="Fjord Knits")
    member = make_member(vendor)
    product = make_vendor_product(
        vendor,
        title="Wool Beanie",
        price="25.00",
        currency="EUR",
        options={"Size": ["S", "M"]},
        images=1,
        description_html="<p>Old words.</p>",
    )
    store = shopper_page
    store.goto(product.get_absolute_url())  # the page is now in the page cache
    expect(store.locator(".product-description")).to_have_text("Old words.")
    page.goto(f"/vendor/products/{product.pk}")  # anonymous: the store's login, and back
    expect(page).to_have_url(re.compile(r"/account/login\?next="))
    page.get_by_label("E-mail").fill(member.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"**/vendor/products/{product.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wool Beanie")

    # When it rewrites the description and saves
    page.get_by_label("Description", exact=True).fill("<p>Hand-knitted in Bergen.</p>")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_text("Saved.", exact=True)).to_be_visible()

    # And adds a size L at its own price, with stock
    page.get_by_label("New variant's Size").fill("L")
    page.get_by_label("New variant's price", exact=True).fill("29.50")
    page.get_by_label("New variant's stock").fill("4")
    page.get_by_role("button", name="Add the variant").click()
    expect(page.get_by_text("Variant L added.")).to_be_visible()
    expect(page.get_by_label("L: price", exact=True)).to_have_value("29.50")

    # And uploads a photo and puts it first
    page.get_by_label("Add images").set_input_files(
        png_file(tmp_path, "close-up.png", (20, 60, 90))
    )
    page.get_by_label("Alt text", exact=True).fill("Beanie close-up")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("1 image added.")).to_be_visible()
    page.get_by_role("button", name="Move image 2 up").click()
    expect(page.get_by_text("Image moved.")).to_be_visible()
    expect(page.get_by_label("Alt text of image 1")).to_have_value("Beanie close-up")

    # Then a shopper sees the new description and the new photo first
    store.reload()
    expect(store.get_by_role("heading", level=1)).to_have_text("Wool Beanie")
    expect(store.locator(".product-description")).to_have_text("Hand-knitted in Bergen.")
    expect(store.locator("body")).not_to_contain_text("Old words.")
    main_image = store.locator("#product-main-image")
    expect(main_image).to_have_attribute("alt", "Beanie close-up")
    assert "/media/" in (main_image.get_attribute("src") or "")
    expect(store.locator("#product-price")).to_have_text("€25.00")

    # And picking L (product.js, no reload) shows its price and lets it be added
    store.locator("label.option-label", has_text=re.compile(r"^L")).click()
    expect(store.locator("#product-price")).to_have_text("€29.50")
    expect(store.locator("#add-to-cart-button")).to_be_enabled()
    expect(store.locator("#add-to-cart-button")).to_have_text("Add to cart")
    expect(store).to_have_url(re.compile(r"[?&]variant=\d+"))
    store.click("#add-to-cart-button")
    expect(store).to_have_url(re.compile(r"/cart$"))
    expect(store.locator("main")).to_contain_text("€29.50")


# --- 2. A suspended seller's product -------------------------------------------------------


def test_a_suspended_sellers_product_cannot_be_added_until_it_gives_its_information(
    page: Page,
):
    # Given marketplace mode on and a seller suspended under INFORM, with a product in 2 colours
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = suspended_vendor("Late Lamps")
    lamp = make_vendor_product(
        vendor,
        title="Desk Lamp",
        price="40.00",
        currency="EUR",
        options={"Colour": ["Red", "Blue"]},
    )

    # When a shopper opens its product page
    page.goto(lamp.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("Desk Lamp")

    # Then it says the seller's sales are suspended, once, and the button cannot be used
    expect(page.get_by_text("This seller's sales are suspended")).to_have_count(1)
    button = page.locator("#add-to-cart-button")
    expect(button).to_have_text("Unavailable")
    expect(button).to_be_disabled()

    # And picking the other colour (product.js) keeps it so, though the colour is in stock
    expect(page.locator("#variant-picker")).to_have_attribute("data-ready", "true")
    page.locator("label.option-label", has_text="Blue").click()
    expect(page).to_have_url(re.compile(r"[?&]variant=\d+"))
    expect(page.locator("#product-availability")).to_have_text(re.compile("In stock", re.I))
    expect(button).to_have_text("Unavailable")
    expect(button).to_be_disabled()
    page.locator("label.option-label", has_text="Red").click()
    expect(button).to_be_disabled()

    # And the seller's page says so too
    page.locator("#product-sold-by").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Late Lamps")
    expect(page.locator("section.seller-block")).to_contain_text(
        "This seller's sales are suspended"
    )
    page.goto(lamp.get_absolute_url())

    # When the seller gives every item it was asked for
    actor = Actor.system("test vendor")
    for field, value in VALUES.items():
        verification.submit(vendor=vendor, field=field, value=value, actor=actor)
    assert inform.verification_status(vendor) == inform.SUBMITTED

    # Then its products can be added again: the cached pages were invalidated
    page.reload()
    expect(page.locator("#product-seller-suspended")).to_have_count(0)
    expect(button).to_have_text("Add to cart")
    expect(button).to_be_enabled()
    page.goto(f"/sellers/{vendor.handle}")
    expect(page.get_by_role("heading", name="About the seller")).to_be_visible()
    expect(page.get_by_text("This seller's sales are suspended")).to_have_count(0)
    page.goto(vendor.products.exclude(product=lamp).get().product.get_absolute_url())
    expect(page.locator("#add-to-cart-button")).to_have_text("Add to cart")
    page.goto(lamp.get_absolute_url())
    page.locator("label.option-label", has_text="Blue").click()
    expect(button).to_be_enabled()
    button.click()
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator("main")).to_contain_text("Desk Lamp")


# --- 3. The seller page, the marketplace page, the DSA items --------------------------------


def test_sold_by_leads_to_the_seller_page_and_the_footer_to_the_marketplace_page(page: Page):
    # Given marketplace mode on, selling to EU consumers, and a trader with its DSA details
    enable_marketplace(sells_to_eu_consumers=True)
    vendor = make_vendor(name="Kestrel", country_code="DE")
    complete_trader(vendor)
    bowl = make_vendor_product(vendor, title="Stoneware Bowl", currency="EUR")
    make_vendor_product(vendor, title="Stoneware Plate", currency="EUR")
    make_vendor_product(vendor, title="Stoneware Jug", currency="EUR", status="draft")

    # When a shopper opens one of its products
    page.goto(bowl.get_absolute_url())

    # Then the trader's identity is there (DSA Art. 30(7)): name, address, e-mail, register,
    # self-certification
    block = page.locator("section.seller-block")
    expect(block.get_by_role("heading", name="About the seller")).to_be_visible()
    expect(block).to_contain_text("Kestrel sells as a trader.")
    expect(block).to_contain_text("Kestrel Goods GmbH")
    expect(block.locator(".seller-address")).to_contain_text("Torstraße 12")
    expect(block.locator(".seller-address")).to_contain_text("10119 Berlin")
    expect(block.get_by_role("link", name="legal@kestrel.example")).to_have_attribute(
        "href", "mailto:legal@kestrel.example"
    )
    expect(block).to_contain_text("+49 30 1234567")
    expect(block).to_contain_text("Trade register: Amtsgericht Berlin HRB, 123456")
    expect(block).to_contain_text(f"The trader certifies: {dsa.SELF_CERTIFICATION_TEXT}")

    # When it follows "Sold by Kestrel"
    page.locator("#product-sold-by").get_by_role("link", name="Sold by Kestrel").click()

    # Then the seller page shows the same block and both products
    expect(page).to_have_url(re.compile(rf"/sellers/{vendor.handle}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Kestrel")
    expect(page.get_by_role("heading", name="About the seller")).to_be_visible()
    expect(page.locator("section.seller-block")).to_contain_text("Kestrel Goods GmbH")
    products = page.locator("section.seller-products")
    for title in ("Stoneware Bowl", "Stoneware Plate"):
        expect(products.get_by_role("link", name=title).first).to_be_visible()
    expect(products).not_to_contain_text("Stoneware Jug")  # a draft

    # And the footer's "How this marketplace works" opens the marketplace page
    page.locator("footer").get_by_role("link", name="How this marketplace works").click()
    expect(page).to_have_url(re.compile(r"/legal/marketplace$"))
    expect(page.locator("main")).to_contain_text("independent sellers")
    expect(page.locator("main")).to_contain_text("no seller can pay for a better one")


def test_a_residential_sellers_street_never_appears(page: Page):
    # Given a trader working from home (region and country shown instead of the street)
    enable_marketplace(sells_to_eu_consumers=True)
    vendor = make_vendor(
        name="Home Studio", residential_address=True, region="Berlin", country_code="DE"
    )
    complete_trader(vendor)
    mug = make_vendor_product(vendor, title="Studio Mug", currency="EUR")

    # When a shopper opens its product page and its seller page
    page.goto(mug.get_absolute_url())
    expect(page.locator("section.seller-block")).to_contain_text("Kestrel Goods GmbH")
    expect(page.locator(".seller-address")).to_have_text("Berlin, DE")
    product_html = page.content()
    page.locator("#product-sold-by").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Home Studio")
    expect(page.locator(".seller-address")).to_have_text("Berlin, DE")
    seller_html = page.content()

    # Then the street is on neither
    for html in (product_html, seller_html):
        assert "Torstraße" not in html
        assert "10119" not in html


# --- 4. The account link to the seller dashboard -------------------------------------------


def test_a_vendor_member_reaches_the_seller_dashboard_from_the_account(page: Page):
    # Given an active vendor and one of its members
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(name="Acme Tea")
    member = make_member(vendor)

    # When the member logs in through the store's account login
    log_in(page, member.email)
    page.wait_for_url(re.compile(r"/account/?$"))

    # Then the account navigation offers the seller dashboard, which opens /vendor/
    navigation = page.get_by_role("navigation", name="Your account")
    link = navigation.get_by_role("link", name="Seller dashboard: Acme Tea")
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url("**/vendor/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Acme Tea")


def test_a_customer_who_sells_nothing_has_no_seller_dashboard_link(page: Page):
    # Given marketplace mode on and a customer who is no vendor's member
    enable_marketplace(sells_to_eu_consumers=False)
    make_vendor(name="Acme Tea")
    shopper = make_customer("shopper@example.com")

    # When they log in
    log_in(page, shopper.email)
    page.wait_for_url(re.compile(r"/account/?$"))

    # Then their account has no seller dashboard link
    expect(page.get_by_role("navigation", name="Your account")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("Seller dashboard"))).to_have_count(0)
