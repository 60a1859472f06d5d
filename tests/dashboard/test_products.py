"""The dashboard's products area: list, create, edit with the variant matrix, images, stock,
bulk edit, duplicate, archive, CSV export; and who may use it."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from freehold.catalog import services
from freehold.catalog.models import PriceChange, Product, ProductImage, StockMovement, Variant
from freehold.catalog.services import VariantInput
from freehold.core.models import AuditEvent
from tests.factories import make_product, make_product_image, make_store_settings, png_bytes

# Stock a product is created with (its first movement), left out where a test counts others.
OPENING = "Opening stock"

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def errors(response) -> list[str]:
    """The error messages shown next to fields and above forms, as plain text."""
    found = re.findall(r'class="error"[^>]*>(.*?)</p>', text(response), re.S)
    found += re.findall(r'class="flash flash-error"[^>]*>(.*?)</div>', text(response), re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in found]


def shirt(**fields) -> Product:
    return make_product(
        title=fields.pop("title", "Linen Shirt"),
        price=fields.pop("price", "49.00"),
        options=fields.pop("options", {"Size": ["S", "M"]}),
        stock=fields.pop("stock", 10),
        currency="EUR",
        **fields,
    )


def grid_data(product: Product, **overrides) -> dict[str, str]:
    """The variant grid as the edit page posts it, with `v<id>-<field>` overrides."""
    data: dict[str, str] = {}
    for variant in product.variants.all():
        prefix = f"v{variant.pk}"
        data.update(
            {
                f"{prefix}-sku": variant.sku,
                f"{prefix}-price": str(variant.price_amount),
                f"{prefix}-compare_at_price": str(variant.compare_at_price_amount or ""),
                f"{prefix}-cost": str(variant.cost_amount or ""),
                f"{prefix}-weight_grams": str(variant.weight_grams),
                f"{prefix}-barcode": variant.barcode,
                f"{prefix}-inventory_policy": variant.inventory_policy,
            }
        )
        if variant.track_inventory:
            data[f"{prefix}-track_inventory"] = "on"
    data.update(overrides)
    return data


# --- Permissions ----------------------------------------------------------------------------


def all_urls(product: Product) -> list[tuple[str, str]]:
    variant = product.variants.first()
    image = make_product_image(product)
    pk = product.pk
    return [
        ("get", reverse("dashboard:products")),
        ("get", reverse("dashboard:product-new")),
        ("post", reverse("dashboard:product-new")),
        ("get", reverse("dashboard:product-export")),
        ("get", reverse("dashboard:product-bulk") + f"?ids={pk}"),
        ("post", reverse("dashboard:product-bulk")),
        ("get", reverse("dashboard:product-edit", args=[pk])),
        ("post", reverse("dashboard:product-edit", args=[pk])),
        ("post", reverse("dashboard:product-options", args=[pk])),
        ("post", reverse("dashboard:product-variants", args=[pk])),
        ("post", reverse("dashboard:product-variant-delete", args=[pk, variant.pk])),
        ("get", reverse("dashboard:product-variant-stock", args=[pk, variant.pk])),
        ("post", reverse("dashboard:product-variant-stock", args=[pk, variant.pk])),
        ("post", reverse("dashboard:product-images", args=[pk])),
        ("post", reverse("dashboard:product-image", args=[pk, image.pk])),
        ("post", reverse("dashboard:product-images-order", args=[pk])),
        ("post", reverse("dashboard:product-duplicate", args=[pk])),
        ("post", reverse("dashboard:product-archive", args=[pk])),
    ]


def test_staff_without_the_products_permission_get_403_everywhere(staff_client_with):
    # Given a staff member with every permission but products
    client = staff_client_with("orders", "customers", "discounts", "reports", "settings")
    product = shirt()
    before = (Product.objects.count(), Variant.objects.count(), AuditEvent.objects.count())

    # When they open every page and send every form of the area
    for method, url in all_urls(product):
        response = getattr(client, method)(url, {"action": "archive", "delta": "5"})

        # Then each is refused, naming the permission, and nothing changed
        assert response.status_code == 403, (method, url)
        assert "Products" in text(response)
    assert (Product.objects.count(), Variant.objects.count(), AuditEvent.objects.count()) == before
    assert Product.objects.get(pk=product.pk).status == Product.Status.ACTIVE


def test_anonymous_visitors_are_sent_to_log_in():
    product = shirt()
    for method, url in all_urls(product):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("account-login"))


def test_staff_with_the_products_permission_may_use_the_area(staff_client_with):
    client = staff_client_with("products")
    product = shirt()
    assert client.get(reverse("dashboard:products")).status_code == 200
    assert client.get(reverse("dashboard:product-edit", args=[product.pk])).status_code == 200


# --- List -----------------------------------------------------------------------------------


def test_list_searches_title_handle_and_sku(owner_client):
    # Given three products
    shirt(title="Linen Shirt")
    make_product(title="Stoneware Mug", variants=[VariantInput(price=Decimal(12), sku="MUG-77")])
    make_product(title="Canvas Tote", handle="bag-canvas")

    def titles(**query) -> list[str]:
        response = owner_client.get(reverse("dashboard:products"), query)
        assert response.status_code == 200
        return re.findall(r'<a href="/dashboard/products/\d+/">([^<]+)</a>', text(response))

    # Then search finds by title, by SKU and by handle, case-insensitively
    assert titles(q="linen") == ["Linen Shirt"]
    assert titles(q="mug-77") == ["Stoneware Mug"]
    assert titles(q="bag-can") == ["Canvas Tote"]
    assert len(titles()) == 3


def test_list_filters_by_status_type_brand_and_low_stock(owner_client):
    make_store_settings(low_stock_threshold=3)
    shirt(title="Shirt", product_type="Shirts", brand="Northwind")
    make_product(title="Draft Mug", status=Product.Status.DRAFT, product_type="Mugs")
    make_product(title="Last Lamp", stock=2, brand="Lumen")
    make_product(
        title="Untracked Print",
        variants=[VariantInput(price=Decimal(5), track_inventory=False)],
    )

    def titles(**query) -> list[str]:
        response = owner_client.get(reverse("dashboard:products"), query)
        return re.findall(r'<a href="/dashboard/products/\d+/">([^<]+)</a>', text(response))

    assert titles(status="draft") == ["Draft Mug"]
    assert titles(type="Shirts") == ["Shirt"]
    assert titles(brand="Lumen") == ["Last Lamp"]
    assert titles(low="1") == ["Last Lamp"]
    assert "1 low" in text(owner_client.get(reverse("dashboard:products")))


def test_list_runs_a_constant_number_of_queries(owner_client, django_assert_max_num_queries):
    # Given 30 products with images and several variants each
    for number in range(30):
        product = make_product(
            title=f"Product {number}", options={"Size": ["S", "M", "L"]}, brand=f"B{number % 3}"
        )
        make_product_image(product, renditions={"160": {"jpeg": "images/x.jpg"}})
        services.product_refresh_summary(product=product)
    owner_client.get(reverse("dashboard:products"))  # warm the session and store settings

    # When the list is shown, the queries do not grow with the rows
    with django_assert_max_num_queries(10):
        response = owner_client.get(reverse("dashboard:products"))
    assert text(response).count('name="ids"') == 30
    assert "/media/images/x.jpg" in text(response)


# --- Create and edit ------------------------------------------------------------------------


def test_create_a_product_with_its_first_variant_and_stock(owner_client):
    make_store_settings(currency="EUR")
    response = owner_client.post(
        reverse("dashboard:product-new"),
        {
            "title": "Wool Scarf",
            "description_html": "<p>Warm.</p><script>x()</script>",
            "status": "active",
            "product_type": "Scarves",
            "brand": "Northwind",
            "tags": "winter, wool",
            "price": "35.00",
            "sku": "SCARF-1",
            "barcode": "",
            "stock_quantity": "12",
            "hs_code": "6117.10",
            "country_of_origin": "pt",
            "tax_class": "reduced",
        },
    )
    product = Product.objects.get(title="Wool Scarf")
    assert product.tax_class == "reduced"
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:product-edit", args=[product.pk])
    assert (product.currency, product.country_of_origin, product.hs_code) == (
        "EUR",
        "PT",
        "6117.10",
    )
    assert "<script>" not in product.description_html
    assert sorted(product.tags.values_list("name", flat=True)) == ["winter", "wool"]
    variant = product.variants.get()
    assert (variant.sku, variant.stock_quantity, variant.price_amount) == (
        "SCARF-1",
        12,
        Decimal("35"),
    )
    assert StockMovement.objects.exclude(note=OPENING).get(variant=variant).reason == "received"
    assert AuditEvent.objects.get(verb="product.created").actor_label == "owner@example.com"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("price", "-4", "Price: cannot be negative."),
        ("price", "", "Price: This field is required."),
        ("title", "", "Title: This field is required."),
        ("sku", "TAKEN", "SKU: SKU TAKEN is already used by Mug."),
        ("barcode", "1234", "Barcode (GTIN): A barcode (GTIN) has 8, 12, 13 or 14 digits"),
        ("country_of_origin", "P1", "Country of origin: use the two-letter country code"),
    ],
)
def test_create_shows_bad_input_next_to_the_field(owner_client, field, value, message):
    make_product(title="Mug", variants=[VariantInput(price=Decimal(5), sku="TAKEN")])
    data = {"title": "Scarf", "status": "draft", "price": "10", "stock_quantity": "0"}
    data[field] = value
    response = owner_client.post(reverse("dashboard:product-new"), data)
    assert response.status_code == 200
    assert any(error.startswith(message) for error in errors(response)), errors(response)
    assert not Product.objects.filter(title="Scarf").exists()


def test_edit_saves_details_and_tags(owner_client):
    product = shirt(tags=["summer"])
    url = reverse("dashboard:product-edit", args=[product.pk])
    assert owner_client.get(url).status_code == 200
    response = owner_client.post(
        url,
        {
            "title": "Hemp Shirt",
            "handle": product.handle,
            "status": "active",
            "tags": "summer, hemp",
            "seo_title": "Hemp shirt for summer",
        },
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.title, product.seo_title) == ("Hemp Shirt", "Hemp shirt for summer")
    assert sorted(product.tags.values_list("name", flat=True)) == ["hemp", "summer"]
    event = AuditEvent.objects.get(verb="product.updated")
    assert event.data == {"fields": ["seo_title", "tags", "title"]}


def test_edit_refuses_a_handle_another_product_has(owner_client):
    make_product(title="Mug", handle="mug")
    product = shirt()
    response = owner_client.post(
        reverse("dashboard:product-edit", args=[product.pk]),
        {"title": "Linen Shirt", "handle": "mug", "status": "active"},
    )
    assert response.status_code == 200
    assert any(e.startswith("Handle:") for e in errors(response)), errors(response)
    assert Product.objects.get(pk=product.pk).handle == "linen-shirt"


# --- Options matrix and variant grid --------------------------------------------------------


def test_options_make_the_variant_matrix(owner_client):
    # Given a product with one variant
    product = make_product(title="Tee", price="20", stock=4, currency="EUR")

    # When staff define Size S, M by Colour Red, Blue
    response = owner_client.post(
        reverse("dashboard:product-options", args=[product.pk]),
        {
            "option1_name": "Size",
            "option1_values": "S, M",
            "option2_name": "Colour",
            "option2_values": "Red, Blue",
        },
    )

    # Then the four combinations exist, the first keeping the stock
    assert response.status_code == 302
    page = text(owner_client.get(response["Location"]))
    assert "3 variants added" in page
    titles = list(product.variants.order_by("position").values_list("title", "stock_quantity"))
    assert titles == [("S / Red", 4), ("S / Blue", 0), ("M / Red", 0), ("M / Blue", 0)]


def test_options_name_what_is_wrong(owner_client):
    product = shirt()
    url = reverse("dashboard:product-options", args=[product.pk])
    response = owner_client.post(url, {"option1_name": "Size", "option1_values": ""})
    assert any(e.startswith("Option 1 values: give Size") for e in errors(response))
    response = owner_client.post(url, {"option1_name": "Size", "option1_values": "S"})
    assert response.status_code == 200
    assert any("M" in e and "not in the new options" in e for e in errors(response))
    assert product.variants.count() == 2
    response = owner_client.post(
        url, {"option1_name": "Size", "option1_values": "S", "remove_missing": "on"}
    )
    assert response.status_code == 302
    assert product.variants.count() == 1


def test_the_variant_grid_saves_every_row(owner_client):
    product = shirt()
    small, medium = product.variants.order_by("position")
    data = grid_data(
        product,
        **{
            f"v{small.pk}-sku": "LS-S",
            f"v{small.pk}-price": "45.00",
            f"v{small.pk}-compare_at_price": "49.00",
            f"v{medium.pk}-cost": "12.50",
            f"v{medium.pk}-weight_grams": "250",
            f"v{medium.pk}-inventory_policy": "continue",
            f"v{medium.pk}-barcode": "4006381333931",
        },
    )
    response = owner_client.post(reverse("dashboard:product-variants", args=[product.pk]), data)
    assert response.status_code == 302
    small.refresh_from_db()
    medium.refresh_from_db()
    assert (small.sku, small.price_amount, small.compare_at_price_amount) == (
        "LS-S",
        Decimal("45"),
        Decimal("49"),
    )
    assert (medium.cost_amount, medium.weight_grams, medium.inventory_policy, medium.barcode) == (
        Decimal("12.5"),
        250,
        "continue",
        "4006381333931",
    )
    assert PriceChange.objects.filter(variant=small).count() == 2
    assert PriceChange.objects.filter(variant=medium).count() == 1


def test_the_variant_grid_names_the_row_and_saves_nothing_on_bad_input(owner_client):
    make_product(title="Mug", variants=[VariantInput(price=Decimal(5), sku="MUG-1")])
    product = shirt()
    small, medium = product.variants.order_by("position")
    url = reverse("dashboard:product-variants", args=[product.pk])

    # A negative price is named with its row
    response = owner_client.post(url, grid_data(product, **{f"v{medium.pk}-price": "-1"}))
    assert response.status_code == 200
    assert "M, Price: cannot be negative." in errors(response)

    # A taken SKU in the second row: the first row's change is not saved either
    response = owner_client.post(
        url,
        grid_data(product, **{f"v{small.pk}-sku": "LS-S", f"v{medium.pk}-sku": "MUG-1"}),
    )
    assert response.status_code == 200
    assert "M, SKU: SKU MUG-1 is already used by Mug." in errors(response)
    assert any("Row 2, Linen Shirt – M" in e for e in errors(response)), errors(response)
    small.refresh_from_db()
    assert small.sku == ""


def test_deleting_a_variant_but_never_the_last(owner_client):
    product = shirt()
    small, medium = product.variants.order_by("position")
    url = reverse("dashboard:product-variant-delete", args=[product.pk, medium.pk])
    assert owner_client.post(url).status_code == 302
    assert list(product.variants.all()) == [small]
    response = owner_client.post(
        reverse("dashboard:product-variant-delete", args=[product.pk, small.pk]), follow=True
    )
    assert "A product needs at least one variant" in text(response)
    assert product.variants.count() == 1


# --- Stock ----------------------------------------------------------------------------------


def test_stock_adjustment_with_a_reason_shows_in_the_history(owner_client):
    product = shirt(stock=10)
    variant = product.variants.first()
    url = reverse("dashboard:product-variant-stock", args=[product.pk, variant.pk])
    response = owner_client.post(url, {"delta": "-3", "reason": "damaged", "note": "Torn seam"})
    assert response.status_code == 302
    page = text(owner_client.get(url))
    assert "is now 7" in page
    assert re.search(r"-3</td>\s*<td class=\"num\">7</td>\s*<td>Damaged or lost<br>", page)
    assert "Torn seam" in page and "owner@example.com" in page
    movement = StockMovement.objects.exclude(note=OPENING).get(variant=variant)
    assert (movement.delta, movement.reason, movement.actor_label) == (
        -3,
        "damaged",
        "owner@example.com",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"delta": "0", "reason": "received"}, "Change: adjust by at least one unit."),
        ({"delta": "x", "reason": "received"}, "Change: Enter a whole number."),
        ({"delta": "2", "reason": "sold"}, "Reason: Select a valid choice."),
    ],
)
def test_stock_adjustment_refuses_bad_input(owner_client, data, message):
    product = shirt()
    variant = product.variants.first()
    url = reverse("dashboard:product-variant-stock", args=[product.pk, variant.pk])
    response = owner_client.post(url, data)
    assert response.status_code == 200
    assert any(e.startswith(message) for e in errors(response)), errors(response)
    assert not StockMovement.objects.exclude(note=OPENING).exists()


# --- Images ---------------------------------------------------------------------------------


def test_images_upload_reorder_alt_and_delete(owner_client, media_root):
    product = shirt()
    url = reverse("dashboard:product-images", args=[product.pk])

    # Upload two files at once
    response = owner_client.post(
        url,
        {
            "files": [
                SimpleUploadedFile("front.png", png_bytes(300, 200), "image/png"),
                SimpleUploadedFile("back.png", png_bytes(300, 200, (0, 0, 200)), "image/png"),
            ],
            "alt": "Linen shirt",
        },
    )
    assert response.status_code == 302
    front, back = product.images.order_by("position")
    assert front.renditions and back.alt == "Linen shirt"

    # Move the second up: it becomes the featured image
    image_url = reverse("dashboard:product-image", args=[product.pk, back.pk])
    assert owner_client.post(image_url, {"action": "up"}).status_code == 302
    assert list(product.images.values_list("pk", flat=True)) == [back.pk, front.pk]
    product.refresh_from_db()
    assert product.featured_image_id == back.pk

    # Change its alt text, then delete it
    owner_client.post(image_url, {"action": "alt", "alt": "Back of the shirt"})
    assert ProductImage.objects.get(pk=back.pk).alt == "Back of the shirt"
    owner_client.post(image_url, {"action": "delete"})
    assert list(product.images.all()) == [front]


def test_images_dragged_into_order_are_saved(owner_client, media_root):
    product = shirt()
    first, second, third = (
        services.image_add(product=product, upload=SimpleUploadedFile(f"{n}.png", png_bytes()))
        for n in range(3)
    )
    url = reverse("dashboard:product-images-order", args=[product.pk])
    response = owner_client.post(url, {"ordered_ids": [third.pk, first.pk, second.pk]})
    assert response.status_code == 302
    assert list(product.images.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]

    # An order that leaves an image out is refused with a message, and changes nothing
    response = owner_client.post(url, {"ordered_ids": [first.pk]}, follow=True)
    assert "List each of this product" in text(response)
    assert list(product.images.values_list("pk", flat=True)) == [third.pk, first.pk, second.pk]


def test_an_upload_that_is_not_an_image_is_named_and_nothing_is_saved(owner_client, media_root):
    product = shirt()
    response = owner_client.post(
        reverse("dashboard:product-images", args=[product.pk]),
        {
            "files": [
                SimpleUploadedFile("ok.png", png_bytes(), "image/png"),
                SimpleUploadedFile("spec.pdf", b"%PDF-1.7", "application/pdf"),
            ]
        },
    )
    assert response.status_code == 200
    assert any("spec.pdf: This file is not an image" in e for e in errors(response))
    assert not product.images.exists()
    response = owner_client.post(reverse("dashboard:product-images", args=[product.pk]), {})
    assert any("choose at least one image file" in e for e in errors(response))


# --- Whole product --------------------------------------------------------------------------


def test_duplicate_and_archive(owner_client):
    product = shirt()
    response = owner_client.post(reverse("dashboard:product-duplicate", args=[product.pk]))
    copy = Product.objects.get(title="Copy of Linen Shirt")
    assert response["Location"] == reverse("dashboard:product-edit", args=[copy.pk])
    assert copy.status == "draft" and copy.variants.count() == 2

    archive = reverse("dashboard:product-archive", args=[product.pk])
    owner_client.post(archive, {"action": "archive"})
    assert Product.objects.get(pk=product.pk).status == "archived"
    assert "Unarchive" in text(
        owner_client.get(reverse("dashboard:product-edit", args=[product.pk]))
    )
    owner_client.post(archive, {"action": "unarchive"})
    assert Product.objects.get(pk=product.pk).status == "draft"


# --- Bulk price and stock -------------------------------------------------------------------


def bulk_data(*products: Product, **overrides) -> dict[str, object]:
    data: dict[str, object] = {"ids": [p.pk for p in products], "reason": "correction"}
    for variant in Variant.objects.filter(product__in=products):
        prefix = f"v{variant.pk}"
        data[f"{prefix}-price"] = str(variant.price_amount)
        data[f"{prefix}-compare_at_price"] = str(variant.compare_at_price_amount or "")
        data[f"{prefix}-stock"] = str(variant.stock_quantity)
        data[f"{prefix}-stock_was"] = str(variant.stock_quantity)
    data.update(overrides)
    return data


def test_bulk_edit_saves_prices_and_stock_of_several_products(owner_client):
    shirt_product = shirt(stock=5)
    mug = make_product(title="Mug", price="12", stock=3)
    page = owner_client.get(reverse("dashboard:product-bulk"), {"ids": [shirt_product.pk, mug.pk]})
    assert text(page).count("-price") >= 3
    small = shirt_product.variants.order_by("position").first()
    mug_variant = mug.variants.get()

    response = owner_client.post(
        reverse("dashboard:product-bulk"),
        bulk_data(
            shirt_product,
            mug,
            **{
                f"v{small.pk}-price": "39.00",
                f"v{mug_variant.pk}-stock": "10",
            },
        ),
    )
    assert response.status_code == 302
    small.refresh_from_db()
    mug_variant.refresh_from_db()
    assert small.price_amount == Decimal("39")
    assert mug_variant.stock_quantity == 10
    movement = StockMovement.objects.exclude(note=OPENING).get(variant=mug_variant)
    assert (movement.delta, movement.reason) == (7, "correction")


def test_bulk_stock_keeps_sales_made_while_the_page_was_open(owner_client):
    mug = make_product(title="Mug", stock=10)
    variant = mug.variants.get()
    data = bulk_data(mug, **{f"v{variant.pk}-stock": "15"})  # page showed 10
    services.stock_decrement(variant_id=variant.pk, quantity=2)  # a sale meanwhile
    owner_client.post(reverse("dashboard:product-bulk"), data)
    variant.refresh_from_db()
    assert variant.stock_quantity == 13


def test_bulk_edit_names_the_row_and_saves_nothing_on_bad_input(owner_client):
    first = make_product(title="Mug", price="12", stock=3)
    second = make_product(title="Plate", price="20", stock=3)
    mug_variant, plate_variant = Variant.objects.order_by("product__title")
    response = owner_client.post(
        reverse("dashboard:product-bulk"),
        bulk_data(
            first,
            second,
            **{
                f"v{mug_variant.pk}-price": "15",
                f"v{plate_variant.pk}-price": "-5",
            },
        ),
    )
    assert response.status_code == 200
    assert any("Row 2 (Plate), Price: cannot be negative." in e for e in errors(response))
    assert Variant.objects.get(pk=mug_variant.pk).price_amount == Decimal("12")


# --- Export ---------------------------------------------------------------------------------


def test_export_is_shopifys_product_csv(owner_client, media_root):
    product = shirt(tags=["summer"], brand="Northwind", product_type="Shirts")
    small = product.variants.order_by("position").first()
    services.variant_update(variant=small, sku="=LS-S", cost=Decimal("10"))
    for _ in range(3):
        services.image_add(product=product, upload=SimpleUploadedFile("a.png", png_bytes()))
    make_product(title="Mug", price="12")

    response = owner_client.get(reverse("dashboard:product-export"), {"q": "linen"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))

    assert response["Content-Type"].startswith("text/csv")
    header = body.splitlines()[0].split(",")
    assert header[:9] == [
        "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
        "Published", "Option1 Name",
    ]  # fmt: skip
    assert "Variant Inventory Qty" in header and header[-1] == "Status"
    # Two variants and three images: three rows, all with the handle
    assert [row["Handle"] for row in rows] == ["linen-shirt"] * 3
    first, second, third = rows
    assert (first["Title"], first["Vendor"], first["Type"], first["Tags"]) == (
        "Linen Shirt",
        "Northwind",
        "Shirts",
        "summer",
    )
    assert (first["Published"], first["Status"], first["Option1 Name"]) == (
        "true",
        "active",
        "Size",
    )
    assert (first["Option1 Value"], first["Variant SKU"], first["Variant Price"]) == (
        "S",
        "'=LS-S",
        "49.00",
    )
    assert (first["Cost per item"], first["Variant Inventory Qty"]) == ("10.00", "10")
    assert second["Title"] == "" and second["Option1 Value"] == "M"
    assert third["Variant SKU"] == "" and third["Image Position"] == "3"
    assert first["Image Src"].startswith("http://testserver/media/images/")
