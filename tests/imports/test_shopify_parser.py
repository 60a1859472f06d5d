"""Reading Shopify's product and customer CSVs into import records (no database)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from freehold.imports.parsers import shopify
from freehold.imports.records import Problem, ProductRecord

DATA = Path(__file__).parent / "data"


def read(name: str) -> bytes:
    return (DATA / name).read_bytes()


def header(name: str) -> list[str]:
    return next(csv.reader(io.StringIO(read(name).decode("utf-8-sig"))))


def products(name: str) -> dict[str, ProductRecord]:
    result = shopify.parse_products(read(name))
    assert result.problems == []
    return {record.handle: record for record in result.products}


# --- Recognising the files ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["shopify-apparel.csv", "shopify-jewelery.csv", "shopify-newer.csv"]
)
def test_product_files_are_recognised_as_products_not_customers(name):
    assert shopify.looks_like_products(header(name))
    assert not shopify.looks_like_customers(header(name))


@pytest.mark.parametrize("name", ["shopify-customers.csv", "shopify-customers-older.csv"])
def test_customer_files_are_recognised_as_customers_not_products(name):
    assert shopify.looks_like_customers(header(name))
    assert not shopify.looks_like_products(header(name))


def test_other_headers_are_not_shopify():
    woocommerce = ["ID", "Type", "SKU", "Name", "Published", "Regular price"]
    amazon = ["item-name", "item-description", "listing-id", "seller-sku", "price"]

    assert not shopify.looks_like_products(woocommerce)
    assert not shopify.looks_like_products(amazon)
    assert not shopify.looks_like_customers(woocommerce)


# --- The published sample files -----------------------------------------------------------------


def test_apparel_sample_gives_twenty_products_of_twenty_two_variants():
    result = shopify.parse_products(read("shopify-apparel.csv"))

    assert result.rows == 22
    assert result.problems == []
    assert len(result.products) == 20
    assert sum(len(record.variants) for record in result.products) == 22
    assert [record for record in result.products if record.problems] == []


def test_apparel_single_variant_product_has_no_options():
    shirt = products("shopify-apparel.csv")["ocean-blue-shirt"]

    assert shirt.title == "Ocean Blue Shirt"
    assert shirt.brand == "partners-demo"
    assert shirt.tags == ["men"]
    assert shirt.status == "active"
    assert shirt.options == []
    assert len(shirt.variants) == 1
    variant = shirt.variants[0]
    assert variant.options == []
    assert variant.price == Decimal("50")
    assert variant.compare_at_price is None
    # "Variant Inventory Tracker" is blank: Shopify did not count this stock.
    assert variant.track_inventory is False
    assert variant.stock_quantity == 1
    assert [image.url for image in shirt.images] == [
        "https://burst.shopifycdn.com/photos/young-man-in-bright-fashion_925x.jpg"
    ]


def test_apparel_sizes_are_one_product_with_an_option():
    top = products("shopify-apparel.csv")["classic-varsity-top"]

    assert top.rows == [3, 4, 5]
    assert top.options == [("Size", ["Small", "Medium", "Large"])]
    assert [variant.options for variant in top.variants] == [["Small"], ["Medium"], ["Large"]]
    assert {variant.price for variant in top.variants} == {Decimal("60")}
    assert len(top.images) == 1


def test_jewelery_sample_gives_twenty_products_of_twenty_three_variants():
    result = shopify.parse_products(read("shopify-jewelery.csv"))

    assert result.rows == 41
    assert len(result.products) == 20
    assert sum(len(record.variants) for record in result.products) == 23
    assert [record for record in result.products if record.problems] == []


def test_chain_bracelet_has_two_colours_with_their_images():
    bracelet = products("shopify-jewelery.csv")["chain-bracelet"]
    chakra = "https://burst.shopifycdn.com/photos/7-chakra-bracelet_925x.jpg"
    navy = "https://burst.shopifycdn.com/photos/navy-blue-chakra-bracelet_925x.jpg"

    assert bracelet.title == "7 Shakra Bracelet"
    assert bracelet.product_type == "Bracelet"
    assert bracelet.brand == "Company 123"
    assert bracelet.tags == ["Beads"]
    assert bracelet.options == [("Color", ["Blue", "Black"])]
    blue, black = bracelet.variants
    assert (blue.options, blue.price, blue.compare_at_price) == (
        ["Blue"],
        Decimal("42.99"),
        Decimal("44.99"),
    )
    assert (black.options, black.stock_quantity) == (["Black"], 0)
    assert (blue.image_url, black.image_url) == (navy, chakra)
    assert [(image.position, image.url) for image in bracelet.images] == [(1, chakra), (2, navy)]


def test_image_rows_add_images_to_their_product():
    anchor = products("shopify-jewelery.csv")["leather-anchor"]

    assert len(anchor.variants) == 2
    assert [variant.price for variant in anchor.variants] == [Decimal("69.99"), Decimal("55")]
    assert anchor.tags == ["Anchor", "Gold", "Leather", "Silver"]
    assert [image.position for image in anchor.images] == [1, 2, 3]
    assert anchor.images[2].url.endswith("/leather-anchor-bracelet-for-men_925x.jpg")


def test_every_variant_image_is_among_its_products_images():
    for name in ("shopify-apparel.csv", "shopify-jewelery.csv", "shopify-newer.csv"):
        for record in products(name).values():
            urls = {image.url for image in record.images}
            assert all(
                variant.image_url in urls for variant in record.variants if variant.image_url
            )


def test_jewelery_details_are_kept():
    catalog = products("shopify-jewelery.csv")

    assert catalog["boho-earrings"].variants[0].weight_grams == 28
    assert "<li>Made in USA</li>" in catalog["choker-with-gold-pendant"].description_html
    gemstone = catalog["gemstone"]
    assert gemstone.options == [("Colour", ["Blue", "Purple"])]
    purple = gemstone.variants[1]
    assert (
        purple.image_url == "https://burst.shopifycdn.com/photos/purple-gemstone-necklace_925x.jpg"
    )
    assert [image.url for image in gemstone.images].index(purple.image_url) == 3


# --- Newer exports: Status, cost, tracker, Google Shopping --------------------------------------


def test_newer_export_groups_rows_of_a_handle_even_when_apart():
    shirt = products("shopify-newer.csv")["linen-shirt"]

    assert shirt.rows == [2, 3, 5]
    assert shirt.options == [("Size", ["S", "M"]), ("Colour", ["White", "Blue"])]
    assert [variant.options for variant in shirt.variants] == [
        ["S", "White"],
        ["M", "White"],
        ["S", "Blue"],
    ]
    assert [variant.sku for variant in shirt.variants] == ["LIN-S-W", "LIN-M-W", "LIN-S-B"]


def test_newer_export_reads_variant_fields():
    white, medium, blue = products("shopify-newer.csv")["linen-shirt"].variants

    assert white.price == Decimal("49.00")
    assert white.compare_at_price == Decimal("59.00")
    assert white.cost == Decimal("12.30")
    assert white.barcode == "4006381333931"
    assert white.weight_grams == 210
    assert (white.track_inventory, white.stock_quantity) == (True, 5)
    assert medium.stock_quantity == 0
    # A decimal comma, as a spreadsheet in Europe writes it.
    assert blue.price == Decimal("52.50")
    assert blue.cost is None


def test_newer_export_reads_product_fields():
    shirt = products("shopify-newer.csv")["linen-shirt"]

    assert shirt.description_html == "<p>Washed linen.</p>"
    assert shirt.product_type == "Shirts"
    assert shirt.tags == ["summer", "linen"]
    assert shirt.seo_title == "Linen shirt in white and blue"
    assert shirt.seo_description == "Washed linen shirt."
    assert shirt.feed_attributes == {
        "google_product_category": "212",
        "gender": "unisex",
        "age_group": "adult",
        "mpn": "LS-100",
        "condition": "new",
        "custom_product": "FALSE",
        "custom_label_0": "summer",
    }


def test_images_are_ordered_by_position_and_a_variant_image_is_added_last():
    shirt = products("shopify-newer.csv")["linen-shirt"]

    assert [(image.position, image.url.rsplit("/", 1)[1], image.alt) for image in shirt.images] == [
        (1, "linen-white.jpg", "Linen shirt, white"),
        (2, "linen-blue.jpg", "Linen shirt, blue"),
        (3, "linen-detail.jpg", "Collar detail"),
        (4, "linen-blue-front.jpg", ""),
    ]


def test_single_variant_product_without_stock_tracking():
    mug = products("shopify-newer.csv")["ceramic-mug"]

    assert mug.status == "draft"
    assert mug.options == []
    (variant,) = mug.variants
    assert variant.options == []
    assert variant.price == Decimal("18")
    assert variant.stock_quantity is None
    assert variant.track_inventory is False
    assert variant.inventory_policy == "continue"
    assert variant.weight_grams == 350
    assert variant.requires_shipping is False
    assert variant.taxable is False


def test_status_and_published_decide_the_status():
    catalog = products("shopify-newer.csv")

    # Handles are kept as given, lower-cased.
    assert catalog["old-poster"].status == "archived"
    # Active, but not on the Online Store: this store's storefront is that channel.
    assert catalog["hidden-print"].status == "draft"
    assert catalog["linen-shirt"].status == "active"


def test_published_false_without_status_is_a_draft():
    data = (
        b"Handle,Title,Published,Option1 Name,Option1 Value,Variant Price\n"
        b"a,A,false,Title,Default Title,5\n"
        b"b,B,true,Title,Default Title,5\n"
    )

    result = shopify.parse_products(data)

    assert [(record.handle, record.status) for record in result.products] == [
        ("a", "draft"),
        ("b", "active"),
    ]


def test_windows_1252_file_is_read():
    data = (
        "Handle,Title,Option1 Name,Option1 Value,Variant Price\r\n"
        "cafe-creme,Café crème,Title,Default Title,4.50\r\n"
    ).encode("cp1252")

    result = shopify.parse_products(data)

    assert result.extra["encoding"] == "windows-1252"
    assert result.products[0].title == "Café crème"


def test_cells_a_spreadsheet_safe_export_quoted_are_read_as_written():
    data = (
        b"Handle,Title,Option1 Name,Option1 Value,Variant Price,Variant Barcode\n"
        b"sale-tee,'-50% Tee,Title,Default Title,5,'4006381333931\n"
    )

    (record,) = shopify.parse_products(data).products

    assert record.title == "-50% Tee"
    assert record.variants[0].barcode == "4006381333931"


def test_google_shopping_metafield_columns_of_newer_exports():
    data = (
        b"Handle,Title,Option1 Name,Option1 Value,Variant Price,"
        b"Google: Gender (product.metafields.mm-google-shopping.gender),"
        b"Google: Custom Label 2 (product.metafields.mm-google-shopping.custom_label_2)\n"
        b"tee,Tee,Title,Default Title,5,female,clearance\n"
    )

    (record,) = shopify.parse_products(data).products

    assert record.feed_attributes == {"gender": "female", "custom_label_2": "clearance"}


# --- Broken rows -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broken() -> dict[str, ProductRecord]:
    result = shopify.parse_products(read("shopify-broken.csv"))
    assert result.problems == []
    return {record.handle: record for record in result.products}


@pytest.mark.parametrize(
    ("handle", "problems"),
    [
        ("bad-price", [(3, "Variant Price", '"12,x" is not a price')]),
        ("negative-price", [(4, "Variant Price", "-5.00 is negative")]),
        ("missing-price", [(6, "Variant Price", "every variant needs a price")]),
        (
            "duplicate-combination",
            [(8, "Option1 Value", "already has the variant S (row 7)")],
        ),
        ("four-options", [(9, "Option4 Name", "at most 3 options")]),
        (
            "undeclared-option",
            [(10, "Option2 Value", '"Red" but undeclared-option has no option 2')],
        ),
        (
            "second-sku",
            [(12, "Variant SKU", "SHARED-1 is already the SKU of a variant of first-sku (row 11)")],
        ),
        ("bad-barcode", [(13, "Variant Barcode", "wrong check digit")]),
        ("bad-policy", [(14, "Variant Inventory Policy", '"sometimes" is not deny or continue')]),
        ("bad-status", [(15, "Status", '"hidden" is not a status')]),
        ("no-title", [(16, "Title", "No row of no-title gives the product's title")]),
        ("bad handle!", [(17, "Handle", '"bad handle!" is not a handle')]),
        ("", [(18, "Handle", "Empty")]),
        (
            "bad-cells",
            [
                (19, "Variant Compare At Price", '"n/a" is not a price'),
                (19, "Variant Grams", '"heavy" is not a weight in grams'),
                (19, "Variant Inventory Qty", '"some" is not a quantity'),
                (19, "Variant Taxable", '"perhaps" is neither true nor false'),
            ],
        ),
        (
            "bad-image",
            [
                (20, "Image Position", '"first" is not a position'),
                (20, "Image Src", '"photos/tee.jpg" is not a web address'),
            ],
        ),
    ],
)
def test_broken_rows_reject_their_product_naming_row_and_column(broken, handle, problems):
    record = broken[handle]

    assert [(p.row, p.column) for p in record.problems] == [(r, c) for r, c, _m in problems]
    for problem, (_row, _column, message) in zip(record.problems, problems, strict=True):
        assert message in problem.message


def test_broken_file_keeps_its_good_products(broken):
    assert broken["first-sku"].problems == []
    tee = broken["good-tee"]
    assert tee.problems == []
    assert tee.rows == [2, 21, 22]
    assert [variant.options for variant in tee.variants] == [["S"], ["M"]]
    assert [image.url.rsplit("/", 1)[1] for image in tee.images] == [
        "tee.jpg",
        "tee-back.jpg",
        "tee-m.jpg",
    ]


def test_broken_file_has_one_record_per_handle_and_per_row_without_one(broken):
    assert len(broken) == 17


def test_problem_reads_with_row_and_column(broken):
    assert str(broken["bad-price"].problems[0]) == (
        'row 3, column Variant Price: "12,x" is not a price.'
    )


def test_a_handle_given_two_titles_is_refused():
    data = (
        b"Handle,Title,Option1 Name,Option1 Value,Variant Price\n"
        b"mug,Mug,Size,S,5\n"
        b"mug,Vase,Size,M,5\n"
    )

    (record,) = shopify.parse_products(data).products

    assert [(p.row, p.column) for p in record.problems] == [(3, "Title")]
    assert 'mug is already "Mug" (row 2)' in record.problems[0].message


def test_file_without_handle_column_is_a_file_problem():
    result = shopify.parse_products(b"Title,Variant Price\nMug,5\n")

    assert result.products == []
    assert [(p.row, p.column) for p in result.problems] == [(1, "Handle")]


def test_empty_file_is_a_file_problem():
    result = shopify.parse_products(b"")

    assert result.problems == [Problem(1, "", "The file is empty.")]


@pytest.mark.parametrize(
    ("text", "amount"),
    [("12.50", Decimal("12.50")), ("12", Decimal("12")), ("12,5", Decimal("12.5")), (" 0 ", 0)],
)
def test_prices_are_decimals(text, amount):
    assert shopify.parse_price(text) == amount


@pytest.mark.parametrize("text", ["1,234", "NaN", "Infinity", "12.34567", "abc", "-1"])
def test_prices_that_are_not(text):
    with pytest.raises(shopify.CellError):
        shopify.parse_price(text)


# --- Customers ---------------------------------------------------------------------------------


def test_current_customers_layout():
    result = shopify.parse_customers(read("shopify-customers.csv"))

    assert result.rows == 6
    ann, bob, chloe, *_rest = result.customers
    assert (ann.row, ann.email, ann.first_name, ann.last_name) == (
        2,
        "ann@example.com",
        "Ann",
        "Lee",
    )
    assert ann.accepts_marketing is True
    # The spreadsheet's apostrophe is dropped; phones are E.164.
    assert ann.phone == "+12125550199"
    assert ann.tags == ["VIP", "wholesale"]
    assert ann.note == "Prefers e-mail"
    (address,) = ann.addresses
    assert (address.first_name, address.last_name, address.company) == ("Ann", "Lee", "Lee & Co")
    assert (address.line1, address.line2, address.city) == (
        "350 Fifth Avenue",
        "Floor 21",
        "New York",
    )
    assert (address.region, address.postal_code, address.country_code) == ("NY", "10118", "US")
    assert address.phone == "+12125550123"
    assert bob.addresses == []
    assert bob.problems == []
    assert chloe.tax_exempt is True
    assert chloe.addresses[0].phone == "+33142603000"


def test_current_customers_layout_problems_name_the_column():
    customers = shopify.parse_customers(read("shopify-customers.csv")).customers

    assert [[(p.row, p.column) for p in c.problems] for c in customers] == [
        [],
        [],
        [],
        [(5, "Email")],
        [(6, "Default Address Province Code"), (6, "Default Address Zip")],
        [(7, "Email")],
    ]
    assert "already on row 2" in customers[5].problems[0].message


def test_older_customers_layout():
    dana, eli, fay, gus, hal = shopify.parse_customers(
        read("shopify-customers-older.csv")
    ).customers

    assert dana.accepts_marketing is True
    assert dana.phone == "+493022630"
    assert dana.addresses[0].country_code == "DE"
    assert eli.addresses[0].company == "Kato Design"
    assert (eli.addresses[0].region, eli.addresses[0].postal_code) == ("ON", "M5H 2N2")
    # Country and province by name only.
    assert (fay.addresses[0].country_code, fay.addresses[0].region) == ("CA", "ON")
    assert gus.addresses == []
    assert [p for c in (dana, eli, fay, gus) for p in c.problems] == []
    assert [(p.row, p.column) for p in hal.problems] == [(6, "Accepts Marketing"), (6, "Country")]


def test_customers_file_without_email_column_is_a_file_problem():
    result = shopify.parse_customers(b"First Name,Last Name\nAnn,Lee\n")

    assert result.customers == []
    assert [(p.row, p.column) for p in result.problems] == [(1, "Email")]
