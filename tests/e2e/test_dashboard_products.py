"""The merchant adds a product with variants and images in the dashboard, the shopper sees it in
the store, and a stock adjustment lands in the variant's history."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from freehold.catalog.models import Product, StockMovement
from tests.factories import make_store_settings, png_bytes

# Stock a product is created with (its first movement), left out where a test counts others.
OPENING = "Opening stock"

pytestmark = pytest.mark.e2e


def test_add_a_product_with_variants_and_images(dashboard_page):
    page = dashboard_page
    make_store_settings(currency="EUR")

    # Given the products area, empty
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Products").click()
    page.wait_for_url("**/dashboard/products/")
    page.get_by_role("link", name="Add product").click()

    # When the merchant creates a product with its price and stock
    page.get_by_label("Title", exact=True).fill("Linen Overshirt")
    page.get_by_label("Description", exact=True).fill("<p>Washed linen, boxy fit.</p>")
    page.get_by_label("Status", exact=True).select_option("active")
    page.get_by_label("Price", exact=True).fill("89.00")
    page.get_by_label("Stock", exact=True).fill("6")
    page.get_by_role("button", name="Create product").click()
    page.wait_for_url(re.compile(r".*/dashboard/products/\d+/$"))
    expect(page.get_by_text("Linen Overshirt created.")).to_be_visible()

    # And defines the options: two sizes by two colours
    page.get_by_label("Option 1 name").fill("Size")
    page.get_by_label("Option 1 values").fill("S, M")
    page.get_by_label("Option 2 name").fill("Colour")
    page.get_by_label("Option 2 values").fill("Sand, Navy")
    page.get_by_role("button", name="Save options").click()
    expect(page.get_by_text("3 variants added")).to_be_visible()
    grid = page.locator("table.variant-grid tbody tr")
    expect(grid).to_have_count(4)

    # And gives the M / Navy its own SKU and a higher price in the grid
    page.get_by_label("SKU of M / Navy").fill("LO-M-NAVY")
    page.get_by_label("Price of M / Navy").fill("95.00")
    page.get_by_role("button", name="Save variants").click()
    expect(page.get_by_text("1 variant saved.")).to_be_visible()

    # And uploads two photos at once, then puts the second first
    page.get_by_label("Add images").set_input_files(
        [
            {"name": "front.png", "mimeType": "image/png", "buffer": png_bytes(600, 800)},
            {
                "name": "back.png",
                "mimeType": "image/png",
                "buffer": png_bytes(600, 800, (20, 40, 90)),
            },
        ]
    )
    page.get_by_label("Alt text", exact=True).fill("Linen overshirt")
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_text("2 images added.")).to_be_visible()
    page.get_by_label("Alt text of image 2").fill("Back view")
    page.get_by_role("button", name="Move image 2 up").click()
    expect(page.get_by_label("Alt text of image 1")).to_have_value("Back view")
    product = Product.objects.get(title="Linen Overshirt")
    assert product.images.count() == 2

    # And (with JavaScript) drags the front view back to the top
    images = page.locator("ol.image-list > li")
    images.nth(1).drag_to(images.nth(0))
    expect(page.get_by_text("Image order saved.")).to_be_visible()
    expect(page.get_by_label("Alt text of image 1")).to_have_value("Linen overshirt")

    # Then the storefront shows the product with its options, the new price and the photo
    page.goto(f"/products/{product.handle}")
    expect(page.get_by_role("heading", name="Linen Overshirt")).to_be_visible()
    expect(page.locator("fieldset.option legend").first).to_contain_text("Size")
    for value in ("S", "M", "Sand", "Navy"):
        expect(page.locator("label.option-label", has_text=value).first).to_be_visible()
    main_image = page.locator("#product-main-image")
    expect(main_image).to_be_visible()
    assert "/media/images/" in (main_image.get_attribute("src") or "")
    page.locator("label.option-label", has_text="M").first.click()
    page.locator("label.option-label", has_text="Navy").first.click()
    expect(page.locator("#product-price")).to_contain_text("95")


def test_a_stock_adjustment_appears_in_the_history(dashboard_page):
    from tests.factories import make_product

    page = dashboard_page
    product = make_product(title="Stoneware Mug", stock=4, options={"Colour": ["Ash", "Moss"]})

    # Given the product's edit page
    page.goto(f"/dashboard/products/{product.pk}/")

    # When the merchant receives 12 Moss mugs
    page.get_by_role("link", name="Adjust stock of Moss").click()
    page.get_by_label("Change").fill("12")
    page.get_by_label("Reason").select_option("received")
    page.get_by_label("Note").fill("Delivery from the pottery")
    page.get_by_role("button", name="Adjust stock").click()

    # Then the stock is 16 and the history says why and who
    expect(page.get_by_text("is now 16")).to_be_visible()
    history = page.locator("table.stock-history tbody tr").first
    expect(history).to_contain_text("+12")
    expect(history).to_contain_text("Received")
    expect(history).to_contain_text("Delivery from the pottery")
    expect(history).to_contain_text("owner@example.com")
    assert StockMovement.objects.exclude(note=OPENING).get().quantity_after == 16

    # And a bad change is refused next to its field
    page.get_by_label("Change").fill("0")
    page.get_by_role("button", name="Adjust stock").click()
    expect(page.get_by_text("Change: adjust by at least one unit.")).to_be_visible()
