"""A vendor edits its product fully: details, description (sanitised), type, tags, variants
(price, compare-at, SKU, barcode, stock, option values), options, added and removed variants,
images. Through the catalog services (price and stock history, summary, search, cached pages),
never on anyone else's product, and never published while DSA trader data is missing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from freehold.catalog.models import PriceChange, Product, ProductImage, StockMovement, Variant
from freehold.catalog.search import search_product_ids
from freehold.catalog.services import ProductInput, VariantInput, image_add, product_create
from freehold.core.models import AuditEvent
from freehold.marketplace.models import VendorProduct
from tests.factories import make_product, png_bytes
from tests.marketplace.factories import (
    enable_marketplace,
    make_vendor,
    make_vendor_product,
    vendor_client,
)

pytestmark = pytest.mark.django_db

VALID_GTIN = "4006381333931"


def edit_url(product: Product) -> str:
    return reverse("vendor-product", args=[product.pk])


def form_data(product: Product, **changes: str) -> dict[str, str]:
    """What the edit page's main form posts when nothing is changed, with `changes` applied."""
    data = {
        "title": product.title,
        "description_html": product.description_html,
        "product_type": product.product_type,
        "tags": ", ".join(product.tags.values_list("name", flat=True)),
        "status": product.status,
    }
    options = list(product.options.order_by("position"))
    for variant in product.variants.all():
        pk = variant.pk
        data |= {
            f"price-{pk}": str(variant.price_amount),
            f"compare_at-{pk}": str(variant.compare_at_price_amount or ""),
            f"sku-{pk}": variant.sku,
            f"barcode-{pk}": variant.barcode,
            f"stock-{pk}": str(variant.stock_quantity),
        }
        values = [variant.option1, variant.option2, variant.option3]
        for option in options:
            data[f"option{option.position}-{pk}"] = values[option.position - 1]
    data.update(changes)
    return data


def sized_product(vendor, *, title: str = "Tea Tin") -> Product:
    """A vendor's product with options Size: Small, Large (stock 4 and 6)."""
    product = product_create(
        data=ProductInput(
            title=title,
            status=Product.Status.ACTIVE,
            options=[("Size", ["Small", "Large"])],
            variants=[
                VariantInput(price=Decimal("10.00"), options=["Small"], stock_quantity=4),
                VariantInput(price=Decimal("15.00"), options=["Large"], stock_quantity=6),
            ],
        ),
        currency="EUR",
    )
    VendorProduct.objects.create(product=product, vendor=vendor)
    return product


@pytest.fixture
def vendor():
    enable_marketplace(sells_to_eu_consumers=False)
    return make_vendor(name="Acme Tea")


@pytest.fixture
def browser(vendor) -> Client:
    return vendor_client(vendor)


def test_the_edit_page_offers_every_field_without_javascript(vendor, browser):
    product = sized_product(vendor)

    page = browser.get(edit_url(product))

    assert page.status_code == 200
    body = page.content.decode()
    for label in ("Description", "Type", "Tags", "Small: price", "Small: compare-at price",
                  "Small: SKU", "Small: barcode (GTIN)", "Large: stock", "Small: Size",
                  "Option 1 values", "s Size", "Add images"):  # fmt: skip
        assert label in body, label
    assert "<script>" not in body


def test_details_are_saved_with_the_dashboards_sanitiser_search_and_cache(vendor, browser):
    # given an active product whose page a shopper has seen (so it is cached)
    product = make_vendor_product(vendor, title="Green Tea", status=Product.Status.ACTIVE)
    assert "Spring harvest" not in Client().get(product.get_absolute_url()).content.decode()

    # when the vendor changes title, description (with a script), type and tags
    response = browser.post(
        edit_url(product),
        form_data(
            product,
            title="Sencha Green Tea",
            description_html='<p>Spring <b>harvest</b></p><script>alert("x")</script>',
            product_type="Loose tea",
            tags="green, japan",
        ),
    )

    # then it is saved as the operator's editor would save it
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.title == "Sencha Green Tea"
    assert product.description_html == "<p>Spring <b>harvest</b></p>"
    assert product.product_type == "Loose tea"
    assert sorted(product.tags.values_list("name", flat=True)) == ["green", "japan"]
    assert AuditEvent.objects.filter(verb="product.updated", object_id=str(product.pk)).exists()
    assert product.pk in search_product_ids("sencha")
    page = Client().get(product.get_absolute_url()).content.decode()
    assert "Spring <b>harvest</b>" in page and "alert(" not in page


def test_variant_price_compare_at_sku_barcode_and_stock_go_through_the_catalog(vendor, browser):
    product = sized_product(vendor)
    small = product.variants.get(option1="Small")

    response = browser.post(
        edit_url(product),
        form_data(
            product,
            **{
                f"price-{small.pk}": "8.50",
                f"compare_at-{small.pk}": "12.00",
                f"sku-{small.pk}": "TIN-S",
                f"barcode-{small.pk}": VALID_GTIN,
                f"stock-{small.pk}": "9",
            },
        ),
    )

    assert response.status_code == 302
    small.refresh_from_db()
    product.refresh_from_db()
    assert (small.price_amount, small.compare_at_price_amount) == (Decimal("8.50"), Decimal(12))
    assert (small.sku, small.barcode, small.stock_quantity) == ("TIN-S", VALID_GTIN, 9)
    assert PriceChange.objects.filter(
        variant=small, price_amount=Decimal("8.50"), compare_at_price_amount=Decimal(12)
    ).exists()
    movement = StockMovement.objects.get(variant=small, delta=5)
    assert movement.reason == "correction"
    # the summary follows
    assert product.price_min_amount == Decimal("8.50")
    # an untouched variant writes no history
    large = product.variants.get(option1="Large")
    assert PriceChange.objects.filter(variant=large).count() == 1


def test_clearing_the_compare_at_price_removes_it(vendor, browser):
    product = sized_product(vendor)
    small = product.variants.get(option1="Small")
    Variant.objects.filter(pk=small.pk).update(compare_at_price_amount=Decimal(20))
    product.refresh_from_db()

    browser.post(edit_url(product), form_data(product, **{f"compare_at-{small.pk}": ""}))

    small.refresh_from_db()
    assert small.compare_at_price_amount is None


def test_a_bad_barcode_or_a_taken_sku_saves_nothing_and_names_the_field(vendor, browser):
    # given a SKU another product already uses
    other = make_product(title="Other")
    Variant.objects.filter(product=other).update(sku="TAKEN-1")
    product = sized_product(vendor)
    small, large = product.variants.order_by("position")

    # when the vendor posts a bad barcode, and separately a taken SKU, each with a new price
    bad_barcode = browser.post(
        edit_url(product),
        form_data(product, **{f"barcode-{small.pk}": "123", f"price-{large.pk}": "1.00"}),
    )
    taken_sku = browser.post(
        edit_url(product),
        form_data(
            product, title="Renamed", **{f"sku-{large.pk}": "TAKEN-1", f"price-{small.pk}": "1"}
        ),
    )

    # then both are refused next to the field, and nothing at all was saved
    assert bad_barcode.status_code == 400
    assert "Small: barcode (GTIN):" in bad_barcode.content.decode()
    assert taken_sku.status_code == 400
    assert "Large: SKU:" in taken_sku.content.decode()
    product.refresh_from_db()
    assert product.title == "Tea Tin"
    assert sorted(product.variants.values_list("price_amount", flat=True)) == [10, 15]


def test_renaming_a_variants_option_value_keeps_its_stock_and_the_options_order(vendor, browser):
    product = sized_product(vendor)
    small = product.variants.get(option1="Small")

    response = browser.post(edit_url(product), form_data(product, **{f"option1-{small.pk}": "S"}))

    assert response.status_code == 302
    small.refresh_from_db()
    assert (small.option1, small.title, small.stock_quantity) == ("S", "S", 4)
    assert product.options.get().values == ["S", "Large"]
    assert sorted(product.facets.values_list("value", flat=True)) == ["Large", "S"]


def test_two_variants_cannot_end_up_with_the_same_values(vendor, browser):
    product = sized_product(vendor)
    small = product.variants.get(option1="Small")

    response = browser.post(
        edit_url(product), form_data(product, **{f"option1-{small.pk}": "Large"})
    )

    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    small.refresh_from_db()
    assert small.option1 == "Small"


def test_options_form_adds_values_as_variants_and_removes_only_when_confirmed(vendor, browser):
    product = sized_product(vendor)
    url = reverse("vendor-product-options", args=[product.pk])

    # when the vendor adds a value
    added = browser.post(url, {"option1_name": "Size", "option1_values": "Small, Large, XL"})

    # then a variant for it exists, the others are kept with their stock
    assert added.status_code == 302
    assert sorted(product.variants.values_list("option1", "stock_quantity")) == [
        ("Large", 6), ("Small", 4), ("XL", 0)
    ]  # fmt: skip

    # when it drops a value without confirming, nothing happens; confirming removes it
    refused = browser.post(url, {"option1_name": "Size", "option1_values": "Small, Large"})
    assert refused.status_code == 400
    assert "XL" in refused.content.decode()
    assert product.variants.count() == 3
    confirmed = browser.post(
        url, {"option1_name": "Size", "option1_values": "Small, Large", "remove_missing": "on"}
    )
    assert confirmed.status_code == 302
    assert sorted(product.variants.values_list("option1", flat=True)) == ["Large", "Small"]


def test_a_single_variant_product_gets_options(vendor, browser):
    product = make_vendor_product(vendor, title="Mug", stock=3)

    browser.post(
        reverse("vendor-product-options", args=[product.pk]),
        {"option1_name": "Colour", "option1_values": "White, Black", "price": "22"},
    )

    rows = sorted(product.variants.values_list("option1", "stock_quantity", "price_amount"))
    assert rows == [("Black", 0, Decimal(22)), ("White", 3, Decimal(20))]


def test_adding_and_removing_a_variant(vendor, browser):
    product = sized_product(vendor)
    add_url = reverse("vendor-product-variant-add", args=[product.pk])

    # when the vendor adds a Medium variant
    added = browser.post(
        add_url, {"option1": "Medium", "price": "12.00", "sku": "TIN-M", "stock": "7"}
    )

    # then it exists with its opening stock recorded as received, and Size offers it
    assert added.status_code == 302
    medium = product.variants.get(option1="Medium")
    assert (medium.price_amount, medium.sku, medium.stock_quantity) == (Decimal(12), "TIN-M", 7)
    assert StockMovement.objects.filter(variant=medium, reason="received", delta=7).exists()
    assert "Medium" in product.options.get().values

    # and the same combination again is refused
    again = browser.post(add_url, {"option1": "Medium", "price": "12.00", "stock": "0"})
    assert again.status_code == 400 and "already exists" in again.content.decode()

    # when it removes Large, Size no longer offers it
    removed = browser.post(
        reverse(
            "vendor-product-variant-remove",
            args=[product.pk, product.variants.get(option1="Large").pk],
        )
    )
    assert removed.status_code == 302
    assert sorted(product.variants.values_list("option1", flat=True)) == ["Medium", "Small"]
    assert "Large" not in product.options.get().values


def test_the_last_variant_cannot_be_removed(vendor, browser):
    product = make_vendor_product(vendor, title="Mug")
    variant = product.variants.get()

    response = browser.post(
        reverse("vendor-product-variant-remove", args=[product.pk, variant.pk]), follow=True
    )

    assert "at least one variant" in response.content.decode()
    assert product.variants.count() == 1


def test_images_upload_reorder_alt_text_and_delete(vendor, browser, media_root):
    product = make_vendor_product(vendor, title="Mug", status=Product.Status.ACTIVE)
    upload_url = reverse("vendor-product-images", args=[product.pk])

    # when the vendor uploads two photos
    response = browser.post(
        upload_url,
        {
            "alt": "A mug",
            "files": [
                SimpleUploadedFile("front.png", png_bytes(300, 200), "image/png"),
                SimpleUploadedFile("back.png", png_bytes(200, 300), "image/png"),
            ],
        },
    )
    assert response.status_code == 302
    first, second = ProductImage.objects.filter(product=product).order_by("position")
    product.refresh_from_db()
    assert product.featured_image_id == first.pk

    # when it moves the second one up, it becomes the featured image
    image_url = reverse("vendor-product-image", args=[product.pk, second.pk])
    browser.post(image_url, {"action": "up", "alt": "The back"})
    product.refresh_from_db()
    second.refresh_from_db()
    assert product.featured_image_id == second.pk and second.alt == "The back"

    # when it deletes it, the other one is featured again
    browser.post(image_url, {"action": "delete"})
    product.refresh_from_db()
    assert list(product.images.values_list("pk", flat=True)) == [first.pk]
    assert product.featured_image_id == first.pk


def test_a_file_that_is_not_an_image_is_refused(vendor, browser, media_root):
    product = make_vendor_product(vendor, title="Mug")

    response = browser.post(
        reverse("vendor-product-images", args=[product.pk]),
        {"files": [SimpleUploadedFile("notes.png", b"not an image", "image/png")]},
    )

    assert response.status_code == 400
    assert "notes.png" in response.content.decode()
    assert not ProductImage.objects.filter(product=product).exists()


def test_no_page_or_post_reaches_another_vendors_or_the_operators_product(
    vendor, browser, media_root
):
    # given another vendor's product (with an image) and the operator's product
    theirs = sized_product(make_vendor(name="Theirs"), title="Their Tin")
    picture = image_add(product=theirs, upload=png_bytes(20, 20))
    operator = make_product(title="House Blend")
    mine = sized_product(vendor, title="My Tin")

    for other in (theirs, operator):
        variant = other.variants.first()
        before = (other.title, list(other.variants.values_list("price_amount", "option1")))
        # the edit page is a 404 on GET and POST
        assert browser.get(edit_url(other)).status_code == 404
        assert browser.post(edit_url(other), form_data(other, title="Hacked")).status_code == 404
        # and so is every other form's POST
        posts = {
            "vendor-product-options": ([other.pk], {"option1_name": "Size",
                                                    "option1_values": "Hacked"}),
            "vendor-product-variant-add": ([other.pk], {"option1": "Hacked", "price": "1",
                                                        "stock": "1"}),
            "vendor-product-variant-remove": ([other.pk, variant.pk], {}),
            "vendor-product-images": ([other.pk], {"files": [
                SimpleUploadedFile("x.png", png_bytes(10, 10), "image/png")]}),
            "vendor-product-image": ([other.pk, picture.pk], {"action": "delete"}),
        }  # fmt: skip
        for name, (args, data) in posts.items():
            assert browser.post(reverse(name, args=args), data).status_code == 404, name
        other.refresh_from_db()
        assert before == (
            other.title,
            list(other.variants.values_list("price_amount", "option1")),
        )

    # nor through the vendor's own product: another product's variant or image is a 404
    own_variant_url = reverse("vendor-product-variant-remove", args=[mine.pk, variant.pk])
    assert browser.post(own_variant_url).status_code == 404
    own_image_url = reverse("vendor-product-image", args=[mine.pk, picture.pk])
    assert browser.post(own_image_url, {"action": "delete"}).status_code == 404
    assert ProductImage.objects.filter(pk=picture.pk).exists()
    # and a variant of theirs posted in my product's form is refused
    their_variant = theirs.variants.first()
    sneaky = form_data(mine, **{f"price-{their_variant.pk}": "0.01"})
    browser.post(edit_url(mine), sneaky)
    their_variant.refresh_from_db()
    assert their_variant.price_amount != Decimal("0.01")


def test_publishing_stays_blocked_while_dsa_trader_data_is_missing():
    # given EU selling on and a business vendor without its trader data, with a draft product
    enable_marketplace(sells_to_eu_consumers=True)
    vendor = make_vendor(name="Acme Tea", is_business=True)
    browser = vendor_client(vendor)
    product = sized_product(vendor)
    Product.objects.filter(pk=product.pk).update(status=Product.Status.DRAFT)
    product.refresh_from_db()

    # when the vendor edits it and asks to publish
    published = browser.post(edit_url(product), form_data(product, status="active"))
    edited = browser.post(edit_url(product), form_data(product, title="Better Tin"))

    # then publishing is refused, saying why; editing the draft is fine
    assert published.status_code == 400
    assert "Digital Services Act" in published.content.decode()
    assert edited.status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT and product.title == "Better Tin"
