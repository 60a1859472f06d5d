"""WooCommerce product CSV parser: pure (no database), fixtures in tests/imports/data/."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest

from freehold.core import clock
from freehold.imports import records
from freehold.imports.parsers import detect_format, woocommerce
from freehold.imports.records import ImageRecord, Problem
from freehold.imports.textfile import read_table

DATA = Path(__file__).parent / "data"
UPLOADS = "https://shop.example.com/wp-content/uploads/2024/03/"


def parse_fixture(name: str) -> records.ParseResult:
    return woocommerce.parse_products((DATA / name).read_bytes())


def woo_csv(*rows: dict[str, str], delimiter: str = ",") -> bytes:
    """A WooCommerce export holding the columns `rows` use (in their order of appearance)."""
    header: list[str] = ["ID", "Type", "SKU", "Name", "Regular price"]
    for row in rows:
        header += [column for column in row if column not in header]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    writer.writerows([row.get(column, "") for column in header] for row in rows)
    return out.getvalue().encode()


def simple(**cells: str) -> dict[str, str]:
    row = {"ID": "1", "Type": "simple", "SKU": "MUG", "Name": "Mug", "Regular price": "10.00"}
    # Sale_price=… for "Sale price"; plugin columns ("Meta: _yoast…") as they are
    row.update(
        {key if ":" in key else key.replace("_", " "): value for key, value in cells.items()}
    )
    return row


def test_the_export_header_is_recognised():
    header = read_table((DATA / "woocommerce-products.csv").read_bytes()).header

    assert woocommerce.looks_like_products(header)
    assert woocommerce.looks_like_products(["ID", "Type", "SKU", "Name", "Parent"])
    assert not woocommerce.looks_like_products(["Handle", "Title", "Type", "Variant SKU"])
    assert not woocommerce.looks_like_products(["item-name", "seller-sku", "price"])
    assert detect_format((DATA / "woocommerce-products.csv").read_bytes()) == (
        records.WOOCOMMERCE_PRODUCTS
    )


def test_the_export_reads_simple_and_variable_products_without_problems():
    result = parse_fixture("woocommerce-products.csv")

    assert result.format == records.WOOCOMMERCE_PRODUCTS
    assert result.extra["encoding"] == "utf-8-sig"
    assert result.rows == 9
    assert result.problems == []
    assert [(p.title, p.rows, p.problems) for p in result.products] == [
        ("Stoneware Mug", [2], []),
        ("Linen Apron", [3], []),
        ("Sourdough Baking (e-book)", [4], []),
        ("Organic Cotton T-Shirt", [5, 6, 7, 8, 9, 10], []),
    ]
    assert all(p.handle == "" for p in result.products)


def test_a_simple_product():
    mug = parse_fixture("woocommerce-products.csv").products[0]

    assert mug.status == "active"
    assert mug.description_html == (
        "<p>Hand-thrown in Stoke-on-Trent.</p>\n<p>Holds 350 ml. Dishwasher safe.</p>"
    )
    # Yoast's meta description wins over the short description
    assert mug.seo_description == "A white stoneware mug, thrown by hand in Stoke-on-Trent."
    assert mug.product_type == "Mugs"
    assert mug.tags == ["stoneware", "handmade", "Mugs"]
    assert mug.identifiers == {records.WOOCOMMERCE_ID: "10"}
    assert mug.options == []
    assert mug.images == [
        ImageRecord(url=UPLOADS + "mug-white.jpg", position=1),
        ImageRecord(url=UPLOADS + "mug-white-side.jpg", position=2),
    ]
    [variant] = mug.variants
    assert variant.row == 2
    assert variant.sku == "MUG-WHITE"
    assert variant.barcode == "4006381333931"
    assert variant.price == Decimal("18.00")
    assert variant.compare_at_price is None
    assert variant.stock_quantity == 25
    assert variant.track_inventory is True
    assert variant.inventory_policy == "deny"
    assert variant.weight_grams == 450
    assert variant.taxable is True
    assert variant.requires_shipping is True
    assert variant.options == []
    assert variant.identifiers == {}


def test_a_product_on_sale_with_unmanaged_stock_and_a_plain_text_description():
    apron = parse_fixture("woocommerce-products.csv").products[1]

    [variant] = apron.variants
    assert variant.price == Decimal("24.00")
    assert variant.compare_at_price == Decimal("32.00")
    # Stock blank and in stock: WooCommerce does not count it, so neither does Freehold
    assert variant.stock_quantity is None
    assert variant.track_inventory is False
    assert variant.weight_grams == 300
    assert apron.product_type == "Textiles"
    assert apron.tags == ["linen", "sale", "Textiles"]  # "Sale" is already there as "sale"
    assert apron.description_html == (
        "<p>Washed linen, with a long tie.</p><p>One size fits most.<br>\nMachine wash at 40°C.</p>"
    )
    assert apron.seo_description == ""


def test_a_virtual_download_in_draft_with_only_a_short_description():
    ebook = parse_fixture("woocommerce-products.csv").products[2]

    assert ebook.status == "draft"  # Published -1
    assert ebook.description_html == "<p><strong>120 pages</strong> of bread.</p>"
    assert ebook.seo_description == "120 pages of bread."
    assert ebook.product_type == ""  # "Uncategorized" is no type
    assert ebook.tags == []
    assert ebook.images == []
    [variant] = ebook.variants
    assert variant.price == Decimal("9.99")  # written "9,99"
    assert variant.requires_shipping is False
    assert variant.taxable is False
    assert variant.weight_grams == 0


def test_a_variable_product_with_two_attributes_and_its_variations():
    shirt = parse_fixture("woocommerce-products.csv").products[3]

    assert shirt.identifiers == {records.WOOCOMMERCE_ID: "20"}
    assert shirt.product_type == "T-shirts"
    assert shirt.tags == ["cotton", "T-shirts", "Organic, Fair"]
    # Black is only offered by a disabled variation: no option value
    assert shirt.options == [("Color", ["Navy", "Sand"]), ("Size", ["S", "M"])]
    # Variants in their Position order, not the file's
    assert [
        (
            v.row,
            v.sku,
            v.options,
            v.price,
            v.compare_at_price,
            v.stock_quantity,
            v.inventory_policy,
            v.weight_grams,
            v.image_url,
            v.identifiers,
        )
        for v in shirt.variants
    ] == [
        (6, "TSHIRT-NAVY-S", ["Navy", "S"], Decimal("25.00"), None, 5, "deny", 200, "",
         {records.WOOCOMMERCE_ID: "21"}),
        (8, "TSHIRT-NAVY-M", ["Navy", "M"], Decimal("25.00"), None, 0, "continue", 200, "",
         {records.WOOCOMMERCE_ID: "22"}),
        (7, "TSHIRT-SAND-S", ["Sand", "S"], Decimal("20.00"), Decimal("25.00"), 3, "deny", 200,
         UPLOADS + "tshirt-sand.jpg", {records.WOOCOMMERCE_ID: "23"}),
        (9, "TSHIRT-SAND-M", ["Sand", "M"], Decimal("27.00"), None, 0, "deny", 250,
         UPLOADS + "tshirt-sand.jpg", {records.WOOCOMMERCE_ID: "24"}),
    ]  # fmt: skip
    assert all(v.track_inventory for v in shirt.variants)
    # The variations' image joins the product's images once, after the product's own
    assert shirt.images == [
        ImageRecord(url=UPLOADS + "tshirt.jpg", position=1),
        ImageRecord(url=UPLOADS + "tshirt-sand.jpg", position=2),
    ]


def test_every_broken_row_is_reported_on_its_product_with_row_and_column():
    result = parse_fixture("woocommerce-broken.csv")

    assert result.problems == []
    assert [(p.label, p.rows, p.problems) for p in result.products] == [
        ("Good Mug", [2], []),
        ("Gift Set", [3], [Problem(3, "Type", "type grouped is not supported")]),
        ("Affiliate Book", [4], [Problem(4, "Type", "type external is not supported")]),
        (
            "Bad Price Mug",
            [5],
            [Problem(5, "Regular price", 'Regular price: "eighteen" is not a price')],
        ),
        ("Heavy Anvil", [6], [Problem(6, "Weight (kg)", 'Weight (kg): "heavy" is not a number')]),
        ("Second Good Mug", [7], [Problem(7, "SKU", 'SKU "MUG-OK" is already used on row 2')]),
        (
            "Hoodie",
            [8, 9, 10],
            [
                Problem(
                    10,
                    "Attribute 1 value(s)",
                    '"Purple" is not one of the Color values of the parent (row 8): Grey, Green',
                )
            ],
        ),
        (
            "Scarf - Red",
            [11],
            [Problem(11, "Parent", 'the parent "id:999" is not in the file')],
        ),
        (
            "Cap",
            [12],
            [Problem(12, "Type", "the variable product has no variations in the file")],
        ),
        ("Priceless Vase", [13], [Problem(13, "Regular price", "the product has no price")]),
        ("Many Spoons", [14], [Problem(14, "Stock", 'Stock: "lots" is not a whole number')]),
        ("Yes Plate", [15], [Problem(15, "Published", 'Published: "yes" is not 1, 0 or -1')]),
        (
            "Bowl",
            [16],
            [
                Problem(
                    16,
                    "GTIN, UPC, EAN, or ISBN",
                    "GTIN, UPC, EAN, or ISBN: The barcode 4006381333932 has a wrong check digit.",
                )
            ],
        ),
        ("Mug With Reused ID", [17], [Problem(17, "ID", 'ID "100" is already used on row 2')]),
    ]


def test_a_header_without_the_required_columns_is_a_problem_on_row_1():
    result = woocommerce.parse_products(b"ID,SKU,Name,Parent\n1,MUG,Mug,\n")

    assert result.products == []
    assert result.problems == [Problem(1, "", "the header lacks the column(s) Type, Regular price")]


@pytest.mark.parametrize(
    ("column", "weight", "grams"),
    [
        ("Weight (kg)", "1.5", 1500),
        ("Weight (g)", "250", 250),
        ("Weight (lbs)", "2", 907),
        ("Weight (oz)", "8", 227),
        ("Weight (kg)", "0,75", 750),
        ("Weight", "2", 2000),  # no unit: WooCommerce's default, kilograms
    ],
)
def test_the_weight_unit_comes_from_the_header(column, weight, grams):
    result = woocommerce.parse_products(woo_csv(simple(**{column: weight})))

    assert result.products[0].problems == []
    assert result.products[0].variants[0].weight_grams == grams


def test_an_unknown_weight_unit_is_a_problem():
    result = woocommerce.parse_products(woo_csv(simple(**{"Weight (stone)": "2"})))

    assert result.products[0].problems == [
        Problem(2, "Weight (stone)", "Weight (stone): the unit is not kg, g, lbs or oz")
    ]


@pytest.mark.parametrize(
    ("starts", "ends", "price", "compare_at"),
    [
        ("", "", Decimal("8.00"), Decimal("10.00")),
        ("2026-01-01", "2026-12-31 23:59:59", Decimal("8.00"), Decimal("10.00")),
        ("2026-12-01", "", Decimal("10.00"), None),  # not started yet
        ("", "2026-06-30", Decimal("10.00"), None),  # over
    ],
)
def test_a_sale_price_counts_only_while_its_sale_runs(starts, ends, price, compare_at):
    row = simple(
        Sale_price="8.00", Date_sale_price_starts=starts, Date_sale_price_ends=ends
    )  # fmt: skip
    with clock.frozen_at(dt.datetime(2026, 11, 27, 12, tzinfo=dt.UTC)):
        result = woocommerce.parse_products(woo_csv(row))

    variant = result.products[0].variants[0]
    assert (variant.price, variant.compare_at_price) == (price, compare_at)


def test_a_sale_price_not_below_the_regular_price_has_no_compare_at_price():
    result = woocommerce.parse_products(woo_csv(simple(Sale_price="10.00")))

    assert result.products[0].variants[0].compare_at_price is None


@pytest.mark.parametrize(
    ("in_stock", "stock", "backorders", "quantity", "tracked", "policy"),
    [
        ("1", "7", "0", 7, True, "deny"),
        ("1", "-2", "1", -2, True, "continue"),
        ("0", "", "0", 0, True, "deny"),
        ("1", "", "0", None, False, "deny"),
        ("backorder", "", "", None, True, "continue"),
        ("1", "3", "notify", 3, True, "continue"),
    ],
)
def test_stock_and_backorders(in_stock, stock, backorders, quantity, tracked, policy):
    row = simple(**{"In stock?": in_stock, "Stock": stock, "Backorders allowed?": backorders})

    variant = woocommerce.parse_products(woo_csv(row)).products[0].variants[0]

    assert (variant.stock_quantity, variant.track_inventory, variant.inventory_policy) == (
        quantity,
        tracked,
        policy,
    )


def variable(**cells: str) -> dict[str, str]:
    row = {
        "ID": "10",
        "Type": "variable",
        "SKU": "CAP",
        "Name": "Cap",
        "Regular price": "",
        "Attribute 1 name": "Color",
        "Attribute 1 value(s)": "Red, Blue",
    }
    row.update(cells)
    return row


def variation(number: str, color: str, **cells: str) -> dict[str, str]:
    row = {
        "ID": number,
        "Type": "variation",
        "SKU": f"CAP-{color.upper()}",
        "Name": f"Cap - {color}",
        "Regular price": "15.00",
        "Parent": "id:10",
        "Attribute 1 name": "Color",
        "Attribute 1 value(s)": color,
    }
    row.update(cells)
    return row


def test_variations_may_come_before_their_parent_and_name_it_by_sku():
    data = woo_csv(
        variation("11", "Red", Parent="CAP", Stock="parent"),
        variable(),
        variation("12", "blue"),
    )

    [cap] = woocommerce.parse_products(data).products

    assert cap.problems == []
    assert cap.rows == [2, 3, 4]
    assert cap.options == [("Color", ["Red", "Blue"])]
    # The parent's spelling of a value wins
    assert [v.options for v in cap.variants] == [["Red"], ["Blue"]]
    # "parent": the parent counts the stock of all its variations
    assert cap.variants[0].stock_quantity is None
    assert cap.variants[0].track_inventory is True


def test_a_variation_for_any_value_is_a_problem():
    data = woo_csv(variable(), variation("11", "Red"), variation("12", ""))

    [cap] = woocommerce.parse_products(data).products

    assert cap.problems == [
        Problem(
            4, "Attribute 1 value(s)", "the variation is for any Color: Freehold needs one value"
        )
    ]


def test_a_variation_naming_an_attribute_its_parent_lacks_is_a_problem():
    data = woo_csv(variable(), variation("11", "Red", **{"Attribute 1 name": "Colour"}))

    [cap] = woocommerce.parse_products(data).products

    assert cap.problems == [
        Problem(3, "Attribute 1 name", 'the parent (row 2) has no attribute "Colour"')
    ]


def test_two_variations_with_the_same_values_are_a_problem():
    data = woo_csv(variable(), variation("11", "Red"), variation("12", "Red", SKU="CAP-RED-2"))

    [cap] = woocommerce.parse_products(data).products

    assert cap.problems == [Problem(4, "", "the variation Red is already on row 3")]


def test_a_variation_of_a_simple_product_is_a_problem_of_its_own():
    data = woo_csv(simple(ID="10"), variation("11", "Red"))

    mug, orphan = woocommerce.parse_products(data).products

    assert mug.problems == []
    assert orphan.rows == [3]
    assert orphan.problems == [
        Problem(3, "Parent", 'the parent "id:10" (row 2) is not a variable product')
    ]


def test_a_variation_without_a_price_rejects_its_product():
    data = woo_csv(variable(), variation("11", "Red", **{"Regular price": ""}))

    [cap] = woocommerce.parse_products(data).products

    assert cap.problems == [Problem(3, "Regular price", "the variation has no price")]


def test_more_than_three_variation_attributes_are_a_problem():
    attributes = {}
    for number in range(1, 5):
        attributes[f"Attribute {number} name"] = f"A{number}"
        attributes[f"Attribute {number} value(s)"] = "x"
    data = woo_csv(
        variable(**attributes),
        variation("11", "x", **attributes),
    )

    [cap] = woocommerce.parse_products(data).products

    assert cap.problems == [
        Problem(2, "", "the variations use 4 attributes; a product has at most 3 options")
    ]


def test_a_variable_product_whose_variations_are_all_disabled_is_a_problem():
    data = woo_csv(variable(), variation("11", "Red", Published="0"))

    [cap] = woocommerce.parse_products(data).products

    assert cap.problems == [
        Problem(2, "Type", "all the variations are disabled (Published 0 or -1)")
    ]


def test_slug_brand_and_seo_plugin_columns():
    row = simple(
        Slug="stoneware-mug",
        Brands="Potters > Leach",
        **{
            "Meta: _yoast_wpseo_title": "%%title%% %%sep%% %%sitename%%",
            "Meta: rank_math_title": "A mug worth keeping",
            "Short description": "Thrown by hand.",
        },
    )

    [mug] = woocommerce.parse_products(woo_csv(row)).products

    assert mug.handle == "stoneware-mug"
    assert mug.brand == "Leach"
    assert mug.seo_title == "A mug worth keeping"  # Yoast's is a template: ignored
    assert mug.seo_description == "Thrown by hand."
    assert mug.description_html == "<p>Thrown by hand.</p>"


def test_a_semicolon_separated_file_as_european_excel_saves_it():
    data = woo_csv(simple(Regular_price="12,50", Categories="Küche > Tassen"), delimiter=";")

    [mug] = woocommerce.parse_products(data).products

    assert mug.problems == []
    assert mug.variants[0].price == Decimal("12.50")
    assert mug.product_type == "Tassen"


def test_an_image_that_is_not_a_web_address_is_a_problem():
    [mug] = woocommerce.parse_products(woo_csv(simple(Images="mug.jpg"))).products

    assert mug.problems == [Problem(2, "Images", '"mug.jpg" is not a web address')]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("Red, Blue", ["Red", "Blue"]),
        ("Red,Blue,", ["Red", "Blue"]),
        ("Salt\\, Pepper, Oil", ["Salt, Pepper", "Oil"]),
        ("", []),
    ],
)
def test_list_cells_split_on_unescaped_commas(text, values):
    assert woocommerce.split_values(text) == values


def test_wordpress_shortcodes_are_dropped_and_their_text_kept():
    description = (
        "[vc_row][vc_column][vc_column_text]Thrown by hand.[/vc_column_text][/vc_column][/vc_row]"
        '\\n\\n[caption id="attachment_7" align="alignnone"]A mug[/caption] [sic]'
    )

    [mug] = woocommerce.parse_products(woo_csv(simple(Description=description))).products

    assert mug.description_html == "<p>Thrown by hand.</p><p>A mug [sic]</p>"
