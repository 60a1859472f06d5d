"""Amazon's All Listings Report parser: pure (no database), fixtures in tests/imports/data/."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from freehold.imports import records
from freehold.imports.parsers import amazon, detect_format
from freehold.imports.records import ImageRecord, Problem
from freehold.imports.textfile import read_table

DATA = Path(__file__).parent / "data"
# The report's current header, as Seller Central writes it.
HEADER = [
    "item-name",
    "item-description",
    "listing-id",
    "seller-sku",
    "price",
    "quantity",
    "open-date",
    "image-url",
    "item-is-marketplace",
    "product-id-type",
    "zshop-shipping-fee",
    "item-note",
    "item-condition",
    "zshop-category1",
    "zshop-browse-path",
    "zshop-storefront-feature",
    "asin1",
    "asin2",
    "asin3",
    "will-ship-internationally",
    "expedited-shipping",
    "zshop-boldface",
    "product-id",
    "bid-for-featured-placement",
    "add-delete",
    "pending-quantity",
    "fulfillment-channel",
    "merchant-shipping-group",
    "status",
]


def parse_fixture(name: str) -> records.ParseResult:
    return amazon.parse_listings((DATA / name).read_bytes())


def listing(**cells: str) -> bytes:
    """A one-listing report with the current header; `cells` by column, "-" as "_"."""
    values = [cells.get(column.replace("-", "_"), "") for column in HEADER]
    return ("\t".join(HEADER) + "\n" + "\t".join(values) + "\n").encode()


def by_sku(result: records.ParseResult) -> dict[str, records.ProductRecord]:
    return {product.variants[0].sku: product for product in result.products}


def test_the_report_header_is_recognised_in_its_current_and_older_forms():
    # Given the current header, the older one without the last three columns, and others
    older = HEADER[:-3]
    shopify = ["Handle", "Title", "Body (HTML)", "Variant SKU", "Variant Price"]
    woocommerce = ["ID", "Type", "SKU", "Name", "Published", "Regular price"]

    # Then only Amazon's are listings reports
    assert amazon.looks_like_listings(HEADER)
    assert amazon.looks_like_listings(older)
    assert amazon.looks_like_listings(["SELLER-SKU", "Item-Name", "Price"])
    assert not amazon.looks_like_listings(shopify)
    assert not amazon.looks_like_listings(woocommerce)


def test_the_fixtures_are_detected_as_amazon_listings():
    for name in ("amazon-listings-utf8bom.txt", "amazon-listings-cp1252.txt"):
        assert detect_format((DATA / name).read_bytes()) == records.AMAZON_LISTINGS


def test_a_utf8_report_with_a_byte_order_mark_reads_every_listing():
    # When the UTF-8 (with BOM) report is parsed
    result = parse_fixture("amazon-listings-utf8bom.txt")

    # Then every listing is a product with one variant and nothing is wrong
    assert result.format == records.AMAZON_LISTINGS
    assert result.extra["encoding"] == "utf-8-sig"
    assert result.rows == 8
    assert result.problems == []
    assert [p.problems for p in result.products] == [[]] * 8
    assert [p.rows for p in result.products] == [[n] for n in range(2, 10)]
    assert [p.title for p in result.products] == [
        "Organic Cotton T-Shirt, Navy, M",
        "Café Crème Espresso-Tasse – 250 ml",
        "Stainless Steel Water Bottle 750 ml",
        "The Art of Computer Programming, Vol. 1",
        "Wireless Earbuds (Renewed)",
        "Linen Tea Towel",
        '12" Vinyl Record Storage Box',
        "Organic Cotton T-Shirt, Navy, M (Prime)",
    ]
    assert all(len(p.variants) == 1 and p.options == [] for p in result.products)
    assert all(p.handle == "" for p in result.products)


def test_a_listing_becomes_a_product_with_its_identifiers_barcode_and_image():
    shirt = parse_fixture("amazon-listings-utf8bom.txt").products[0]

    assert shirt.description_html == "<p>Soft organic cotton, knitted in Portugal.</p>"
    assert shirt.product_type == "Apparel"
    assert shirt.status == "active"
    assert shirt.feed_attributes == {"condition": "new"}
    assert shirt.identifiers == {
        records.ASIN: "B07TSNAVYM",
        records.AMAZON_LISTING_ID: "0315Q2ABCDE",
    }
    assert shirt.images == [
        ImageRecord(url="https://m.media-amazon.com/images/I/61TsNavyM1L.jpg", position=1)
    ]
    variant = shirt.variants[0]
    assert variant.row == 2
    assert variant.sku == "TS-NAVY-M"
    assert variant.price == Decimal("19.99")
    assert variant.compare_at_price is None
    assert variant.stock_quantity == 25
    assert variant.track_inventory is True
    assert variant.inventory_policy == "deny"
    assert variant.barcode == "012345678905"
    assert variant.options == []
    assert variant.identifiers == shirt.identifiers


def test_a_non_ascii_title_and_a_decimal_comma_price_are_read():
    cup = by_sku(parse_fixture("amazon-listings-utf8bom.txt"))["CUP-CREME-250"]

    assert cup.title == "Café Crème Espresso-Tasse – 250 ml"
    assert cup.description_html == "<p>Porzellan aus Bayern. Spülmaschinenfest.</p>"
    assert cup.variants[0].price == Decimal("12.99")
    assert cup.variants[0].barcode == "4006381333931"
    assert cup.images == []


def test_fulfilled_by_amazon_listings_say_nothing_about_stock():
    products = by_sku(parse_fixture("amazon-listings-utf8bom.txt"))

    bottle = products["BOTTLE-750-FBA"].variants[0]
    assert bottle.stock_quantity is None
    assert bottle.track_inventory is True
    # "EAN" written as a word rather than the code 4
    assert bottle.barcode == "5012345678900"
    assert products["BOTTLE-750-FBA"].product_type == ""


def test_fba_stock_is_ignored_even_when_the_quantity_column_has_a_number():
    result = amazon.parse_listings(
        listing(
            item_name="Mug",
            seller_sku="MUG-FBA",
            price="9",
            quantity="12",
            fulfillment_channel="AMAZON_EU",
        )
    )

    assert result.products[0].variants[0].stock_quantity is None


def test_a_used_book_keeps_its_condition_note_and_its_isbn_as_an_isbn13_barcode():
    book = by_sku(parse_fixture("amazon-listings-utf8bom.txt"))["BOOK-TAOCP-1-VG"]

    assert book.feed_attributes == {"condition": "used"}
    assert book.variants[0].barcode == "9780201896831"
    assert book.identifiers[records.ASIN] == "0201896834"
    assert book.description_html == (
        "<p>Third edition. Light shelf wear.</p><p>Small pencil mark on page 12.</p>"
    )


def test_inactive_and_incomplete_listings_become_drafts():
    products = by_sku(parse_fixture("amazon-listings-utf8bom.txt"))

    earbuds = products["EARBUDS-RFB"]
    assert earbuds.status == "draft"
    assert earbuds.feed_attributes == {"condition": "refurbished"}
    assert earbuds.variants[0].stock_quantity == 0
    # An 11-digit UPC (Excel dropped its leading zero) is padded back
    assert earbuds.variants[0].barcode == "036000291452"
    assert products["TOWEL-LINEN"].status == "draft"


def test_a_product_id_of_type_asin_is_the_asin_when_asin1_is_empty():
    towel = by_sku(parse_fixture("amazon-listings-utf8bom.txt"))["TOWEL-LINEN"]

    assert towel.identifiers == {
        records.ASIN: "B0CTOWELLN",
        records.AMAZON_LISTING_ID: "0814Q2ZABCD",
    }
    assert towel.variants[0].barcode == ""
    assert towel.description_html == ""
    assert towel.images == []


def test_a_description_with_amazons_html_tags_is_kept_as_html_and_a_quote_is_just_a_quote():
    box = by_sku(parse_fixture("amazon-listings-utf8bom.txt"))["VINYL-BOX-OAK"]

    assert box.title == '12" Vinyl Record Storage Box'
    assert box.description_html == "Holds 80 records.<br>Solid oak.<br><b>Made to order.</b>"
    assert box.variants[0].price == Decimal("1249.00")
    assert box.variants[0].barcode == "042100005264"


def test_an_asin_sold_as_two_listings_identifies_only_the_first():
    # Given the same ASIN listed twice (merchant-fulfilled, then FBA)
    result = parse_fixture("amazon-listings-utf8bom.txt")
    products = by_sku(result)

    # Then the first keeps it; the second is known by its listing id (and its SKU)
    assert products["TS-NAVY-M"].identifiers[records.ASIN] == "B07TSNAVYM"
    fba = products["TS-NAVY-M-FBA"]
    assert fba.identifiers == {records.AMAZON_LISTING_ID: "1016Q2JKLMN"}
    assert fba.variants[0].identifiers == {records.AMAZON_LISTING_ID: "1016Q2JKLMN"}
    assert fba.problems == []
    assert result.extra["shared_asins"] == {"B07TSNAVYM": [9]}


def test_an_older_windows_1252_report_without_the_last_columns():
    # When the older report (no fulfillment-channel, merchant-shipping-group, status),
    # saved by Excel in windows-1252 with CRLF line ends and a quoted cell, is parsed
    data = (DATA / "amazon-listings-cp1252.txt").read_bytes()
    assert "é".encode("cp1252") in data and b"\r\n" in data
    result = amazon.parse_listings(data)

    # Then the accents, the trademark sign and the dashes survive, and listings are active
    assert result.extra["encoding"] == "windows-1252"
    assert result.problems == []
    assert [p.title for p in result.products] == [
        "Château Rouge™ Wine Glass – Set of 2",
        "Café Crêpe Pan – 28 cm",
        '"Paris" Poster – 50×70 cm',
    ]
    assert [p.status for p in result.products] == ["active"] * 3
    assert [p.problems for p in result.products] == [[], [], []]
    assert [p.variants[0].stock_quantity for p in result.products] == [12, 5, 30]
    assert [p.variants[0].barcode for p in result.products] == [
        "5449000000996",
        "7612345678900",
        "",
    ]
    poster = result.products[2]
    assert poster.description_html == "<p>Print of &quot;Paris at night&quot;.</p>"
    assert poster.variants[0].sku == "POSTER-PARIS"


def test_every_broken_row_is_rejected_with_its_row_column_and_reason():
    result = parse_fixture("amazon-listings-broken.txt")

    assert result.problems == []
    assert result.rows == 14  # the blank line 14 is no listing
    problems = {p.first_row: p.problems for p in result.products}
    assert problems == {
        2: [],
        3: [Problem(3, "price", 'price: "twelve" is not a price')],
        4: [Problem(4, "seller-sku", "the listing has no seller-sku")],
        5: [Problem(5, "seller-sku", 'seller-sku "CANDLE-BEE" is already used on row 2')],
        6: [
            Problem(
                6,
                "product-id",
                "product-id (EAN): The barcode 4006381333932 has a wrong check digit.",
            )
        ],
        7: [
            Problem(
                7,
                "product-id",
                "product-id (UPC): A barcode (GTIN) has 8, 12, 13 or 14 digits; got ABC123.",
            )
        ],
        8: [
            Problem(
                8,
                "price",
                'price: "1,299" is ambiguous (a thousands separator or a decimal comma?)',
            )
        ],
        9: [Problem(9, "quantity", 'quantity: "-2" is not a whole number of items')],
        10: [
            Problem(
                10,
                "item-condition",
                'item-condition: "99" is not an Amazon condition '
                "(11 New, 1-4 Used, 5-8 Collectible, 10 Refurbished)",
            )
        ],
        11: [Problem(11, "status", 'status: "Deleted" is not Active, Inactive or Incomplete')],
        12: [Problem(12, "item-name", "the listing has no title (item-name)")],
        13: [Problem(13, "asin1", 'asin1: "B0SHORT" is not an ASIN (10 letters and digits)')],
        15: [Problem(15, "price", "the listing has no price")],
        16: [Problem(16, "product-id", 'product-id: "0201896835" is not a valid ISBN')],
    }
    # The report can still name each rejected listing
    assert [p.label for p in result.products][:4] == [
        "Beeswax Candle",
        "Beeswax Candle",
        "Beeswax Candle",
        "Beeswax Candle (again)",
    ]
    assert result.products[10].label == "CANDLE-NOTITLE"


def test_a_header_without_the_required_columns_is_a_problem_on_row_1():
    data = b"item-name\tlisting-id\tquantity\tasin1\nMug\t123\t4\tB0MUGMUGMU\n"

    result = amazon.parse_listings(data)

    assert result.products == []
    assert result.problems == [
        Problem(1, "", "the header lacks the column(s) seller-sku, price"),
    ]


def test_a_cell_starting_with_a_quote_does_not_swallow_the_following_lines():
    # Given a raw report (no quoting) whose first title opens a quote it never closes
    data = listing(item_name='"Handmade Mug', seller_sku="MUG-1", price="9.00") + (
        b"Second Mug\t\t\tMUG-2\t9.50\n"
    )

    result = amazon.parse_listings(data)

    assert [(p.title, p.variants[0].sku) for p in result.products] == [
        ('"Handmade Mug', "MUG-1"),
        ("Second Mug", "MUG-2"),
    ]
    assert [p.rows for p in result.products] == [[2], [3]]


@pytest.mark.parametrize(
    ("text", "price"),
    [
        ("12.99", Decimal("12.99")),
        ("12,99", Decimal("12.99")),
        ("0.5", Decimal("0.5")),
        ("1,299.00", Decimal("1299.00")),
        ("1.299,00", Decimal("1299.00")),
        ("1 299,00", Decimal("1299.00")),
        ("1,299,000", Decimal("1299000")),
        ("7", Decimal("7")),
        ("1,299", None),
        ("1.2.3,4", None),
        ("12.34567", None),
        ("-3.00", None),
        ("$12", None),
        ("NaN", None),
        ("", None),
    ],
)
def test_prices_with_a_decimal_point_or_an_unambiguous_decimal_comma(text, price):
    assert amazon.parse_price(text) == price


@pytest.mark.parametrize(
    ("kind", "product_id", "barcode"),
    [
        ("3", "012345678905", "012345678905"),
        ("UPC", "12345678905", "012345678905"),
        ("4", "4006381333931", "4006381333931"),
        ("ean", "400-6381-33393-1", "4006381333931"),
        ("2", "978-0-201-89683-1", "9780201896831"),
        ("ISBN", "020189683X", ""),  # an ISBN-10 with a wrong check digit → problem below
        ("1", "B07TSNAVYM", ""),
        ("", "4006381333931", "4006381333931"),
        ("", "not-a-code", ""),
        ("9", "4006381333931", "4006381333931"),
    ],
)
def test_product_ids_become_barcodes_when_they_are_gtins(kind, product_id, barcode):
    result = amazon.parse_listings(
        listing(
            item_name="Mug",
            seller_sku="MUG",
            price="9",
            product_id_type=kind,
            product_id=product_id,
        )
    )

    product = result.products[0]
    assert product.variants[0].barcode == barcode
    assert [p.column for p in product.problems] == (["product-id"] if kind == "ISBN" else [])


@pytest.mark.parametrize(
    ("written", "condition"),
    [
        ("11", "new"),
        ("1", "used"),
        ("4", "used"),
        ("5", "used"),
        ("8", "used"),
        ("10", "refurbished"),
        ("New", "new"),
        ("Used - Like New", "used"),
        ("CollectibleVeryGood", "used"),
        ("Refurbished", "refurbished"),
    ],
)
def test_item_conditions_in_googles_vocabulary(written, condition):
    result = amazon.parse_listings(
        listing(item_name="Mug", seller_sku="MUG", price="9", item_condition=written)
    )

    assert result.products[0].feed_attributes == {"condition": condition}
    assert result.products[0].problems == []


def test_a_listing_without_a_condition_sets_none():
    result = amazon.parse_listings(listing(item_name="Mug", seller_sku="MUG", price="9"))

    assert result.products[0].feed_attributes == {}
    assert result.products[0].status == "active"
    assert result.products[0].variants[0].stock_quantity is None


def test_an_image_url_that_is_not_a_web_address_is_a_problem():
    result = amazon.parse_listings(
        listing(item_name="Mug", seller_sku="MUG", price="9", image_url="C:\\photos\\mug.jpg")
    )

    assert result.products[0].problems == [
        Problem(2, "image-url", 'image-url: "C:\\photos\\mug.jpg" is not a web address')
    ]


def test_a_plain_text_description_is_escaped():
    result = amazon.parse_listings(
        listing(item_name="Mug", seller_sku="MUG", price="9", item_description="5 < 6 & 7 > 2")
    )

    assert result.products[0].description_html == "<p>5 &lt; 6 &amp; 7 &gt; 2</p>"


def test_a_repeated_listing_id_is_rejected_naming_the_first_row():
    one = listing(item_name="Mug", seller_sku="MUG-1", price="9", listing_id="0101X")
    two = "\t".join(["Mug", "", "0101X", "MUG-2", "9"]).encode() + b"\n"

    result = amazon.parse_listings(one + two)

    assert result.products[1].problems == [
        Problem(3, "listing-id", 'listing-id "0101X" is already used on row 2')
    ]


def test_the_reader_reports_the_header_as_textfile_reads_it():
    # The parser's row numbers agree with textfile's for a report with no quotes
    data = (DATA / "amazon-listings-broken.txt").read_bytes()
    numbers = [number for number, _ in read_table(data, delimiter="\t").rows()]

    assert [p.first_row for p in amazon.parse_listings(data).products] == numbers


def test_a_title_longer_than_a_product_title_is_shortened_at_a_word():
    long_title = "Ceramic Mug " + "with a very long keyword list " * 10

    [mug] = amazon.parse_listings(
        listing(item_name=long_title.strip(), seller_sku="MUG", price="9")
    ).products

    assert len(mug.title) <= 255
    assert mug.title.startswith("Ceramic Mug with a very long keyword list with")
    assert mug.title.endswith("list…")
    assert mug.problems == []


def test_a_report_saved_by_excel_as_unicode_text_is_read():
    # Excel's "Unicode Text" is UTF-16 (little-endian, with a byte-order mark)
    text = (DATA / "amazon-listings-cp1252.txt").read_bytes().decode("cp1252")

    result = amazon.parse_listings(text.encode("utf-16"))

    assert result.extra["encoding"] == "utf-16-le"
    assert result.products[0].title == "Château Rouge™ Wine Glass – Set of 2"
    assert [p.problems for p in result.products] == [[], [], []]
