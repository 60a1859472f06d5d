"""A merchant can leave with their catalog and arrive with it elsewhere: export the products in
Shopify's layout, start again from an empty catalog, import the file, and every product is as
it was, field by field: options, variants (prices, compare-at, cost, stock, SKU, barcode,
weight, policies), images in order with their alt texts and the variants that show them, tags,
SEO, Google Shopping attributes, status, and the summaries listing pages read.

Images travel by URL, as between two stores: the export's URLs point at a local HTTP server
(`image_server`) holding the store's files, and the import fetches them from there. An image
imported earlier and not fetched yet travels by its source URL.

Not carried by Shopify's layout, so not compared: tax class, HS code and country of origin,
translations, collections and per-market prices.

Customers make the same trip through Shopify's customers CSV (staff accounts stay behind).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from freehold.catalog.models import Product, ProductFacet, Tag, Variant
from freehold.catalog.services import VariantInput
from freehold.customers.models import Address, Customer
from freehold.imports import exports, services
from freehold.imports.models import ImageSource
from tests.factories import make_product, make_product_image, make_store_settings

pytestmark = pytest.mark.django_db

URL_COLUMNS = ("Image Src", "Variant Image")


def build_catalog(image_server) -> None:
    """Three products through the catalog's services: every field Shopify's layout carries."""
    jacket = make_product(
        title="Trail Jacket",
        handle="trail-jacket",
        description_html="<p>Warm and <strong>light</strong>.</p>",
        brand="Fjell",
        product_type="Jackets",
        tags=["winter", "outdoor"],
        seo_title="Trail Jacket | Fjell",
        seo_description="A warm jacket for the trail.",
        options={"Size": ["S", "M"], "Colour": ["Red", "Blue"], "Material": ["Wool"]},
        currency="EUR",
        variants=[
            VariantInput(
                price=Decimal("120"),
                options=["S", "Red", "Wool"],
                sku="TJ-S-RED",
                barcode="4006381333931",
                compare_at_price=Decimal("150"),
                cost=Decimal("60.5"),
                weight_grams=900,
                stock_quantity=4,
            ),
            VariantInput(
                price=Decimal("125.5"),
                options=["M", "Red", "Wool"],
                sku="TJ-M-RED",
                weight_grams=950,
                stock_quantity=-2,
                inventory_policy=Variant.InventoryPolicy.CONTINUE,
            ),
            VariantInput(
                price=Decimal("125.5"),
                options=["M", "Blue", "Wool"],
                sku="TJ-M-BLUE",
                cost=Decimal("61"),
                weight_grams=950,
                stock_quantity=0,
                track_inventory=False,
                taxable=False,
            ),
        ],
    )
    Product.objects.filter(pk=jacket.pk).update(
        feed_attributes={
            "google_product_category": "5598",
            "gender": "unisex",
            "age_group": "adult",
            "mpn": "TJ-2026",
            "condition": "new",
            "custom_label_0": "winter sale",
        }
    )
    make_product_image(jacket, alt="Front", position=1, width=60, height=40)
    back = make_product_image(jacket, alt="Back", position=2, width=50, height=50)
    Variant.objects.filter(sku="TJ-S-RED").update(image=back)
    # An image imported earlier from another store and not fetched yet: it travels by its URL.
    image_server.add_image("detail.jpg", width=30, height=20)
    ImageSource.objects.create(
        product=jacket,
        url=image_server.url("detail.jpg"),
        position=3,
        alt="Detail",
        variant_ids=[Variant.objects.get(sku="TJ-M-BLUE").pk],
    )

    make_product(
        title="Enamel Mug",
        handle="enamel-mug",
        price="12",
        compare_at="14.5",
        stock=30,
        status=Product.Status.DRAFT,
        currency="EUR",
    )
    make_product(
        title="Old Cap",
        handle="old-cap",
        options={"Colour": ["Grey"]},
        price="9.99",
        stock=0,
        status=Product.Status.ARCHIVED,
        tags=["clearance"],
        currency="EUR",
        images=1,
    )


def served(image_server):
    """The export's absolute URLs: each local file copied to the image server, which answers
    for the store as its web server would."""
    media_url = settings.MEDIA_URL

    def absolute(url: str) -> str:
        relative = url.removeprefix(media_url)
        name = relative.replace("/", "-")
        image_server.add_file(name, (Path(settings.MEDIA_ROOT) / relative).read_bytes())
        return image_server.url(name)

    return absolute


def snapshot(pending_sizes: dict[str, tuple[int, int]]) -> dict[str, dict[str, Any]]:
    """The catalog as plain values; an image is known by (alt, width, height), a pending one
    by the size of the picture at its URL."""
    catalog: dict[str, dict[str, Any]] = {}
    for product in Product.objects.order_by("handle").prefetch_related(
        "tags", "options", "variants", "images", "image_sources"
    ):
        keyed = {image.pk: (image.alt, image.width, image.height) for image in product.images.all()}
        ordered = [(image.position, 0, keyed[image.pk]) for image in product.images.all()]
        by_variant: dict[int, tuple[str, int, int]] = {}
        for source in product.image_sources.all():
            if source.status == ImageSource.Status.PENDING:
                key = (source.alt, *pending_sizes[source.url])
                ordered.append((source.position, 1, key))
                for variant_id in source.variant_ids:
                    by_variant[int(variant_id)] = key
        images = [key for _position, _kind, key in sorted(ordered)]
        catalog[product.handle] = {
            "title": product.title,
            "description_html": product.description_html,
            "product_type": product.product_type,
            "brand": product.brand,
            "status": product.status,
            "seo_title": product.seo_title,
            "seo_description": product.seo_description,
            "feed_attributes": product.feed_attributes,
            "tags": sorted(tag.name for tag in product.tags.all()),
            "options": [(option.name, option.values) for option in product.options.all()],
            "variants": [
                {
                    "title": variant.title,
                    "options": (variant.option1, variant.option2, variant.option3),
                    "sku": variant.sku,
                    "barcode": variant.barcode,
                    "currency": variant.currency,
                    "price": variant.price_amount,
                    "compare_at_price": variant.compare_at_price_amount,
                    "cost": variant.cost_amount,
                    "weight_grams": variant.weight_grams,
                    "stock_quantity": variant.stock_quantity,
                    "inventory_policy": variant.inventory_policy,
                    "track_inventory": variant.track_inventory,
                    "requires_shipping": variant.requires_shipping,
                    "taxable": variant.taxable,
                    "image": keyed.get(variant.image_id or 0) or by_variant.get(variant.pk),
                }
                for variant in sorted(product.variants.all(), key=lambda v: (v.position, v.pk))
            ],
            "images": images,
            "summary": {
                "currency": product.currency,
                "price_min": product.price_min_amount,
                "price_max": product.price_max_amount,
                "compare_at": product.compare_at_amount,
                "is_in_stock": product.is_in_stock,
                "featured_image": images[0] if images else None,
            },
            "facets": sorted(
                ProductFacet.objects.filter(product=product).values_list("name", "value")
            ),
        }
    return catalog


def export_file(image_server) -> bytes:
    stream = io.StringIO()
    rows = exports.product_rows(Product.objects.order_by("id"), absolute_url=served(image_server))
    exports.write_csv(stream, exports.PRODUCT_HEADER, rows)
    return stream.getvalue().encode("utf-8-sig")


def without_urls(data: bytes) -> list[dict[str, str]]:
    """The file's rows with image URLs reduced to "whether there is one" (the files differ)."""
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    for row in rows:
        for column in URL_COLUMNS:
            row[column] = "url" if row[column] else ""
    return rows


def test_export_then_import_into_an_empty_catalog_gives_the_same_catalog(image_server):
    # Given a store's catalog, built with the catalog's services
    make_store_settings(name="Fjell & Co", currency="EUR")
    build_catalog(image_server)
    before = snapshot({image_server.url("detail.jpg"): (30, 20)})

    # When it is exported in Shopify's layout,
    exported = export_file(image_server)
    # the catalog is emptied (a fresh store),
    Product.objects.all().delete()
    Tag.objects.all().delete()
    assert not ImageSource.objects.exists()
    # and the file is imported, its images fetched from where the export points
    run = services.import_run_create(data=exported, filename="products_export.csv")
    run = services.import_execute(run=run)

    # Then every product is back as it was, field by field
    assert (run.format, run.created, run.rejected, run.images_pending) == (
        "shopify-products",
        3,
        0,
        0,
    )
    assert run.report["problems"] == []
    after = snapshot({})
    assert list(after) == list(before)
    for handle in before:
        assert after[handle] == before[handle], handle
    # and the new store exports the same file (but for where the images live)
    assert without_urls(export_file(image_server)) == without_urls(exported)


def test_importing_a_store_s_export_into_it_changes_nothing(settings):
    # Given a catalog with local images, on a store whose address is known
    settings.SITE_URL = "https://shop.example"
    make_store_settings(name="Fjell & Co", currency="EUR")
    make_product(title="Old Cap", handle="old-cap", price="9.99", currency="EUR", images=2)
    stream = io.StringIO()
    rows = exports.product_rows(
        Product.objects.all(), absolute_url=exports.absolute_url_on(settings.SITE_URL)
    )
    exports.write_csv(stream, exports.PRODUCT_HEADER, rows)

    # When its own export is imported into it (a merchant editing prices in a spreadsheet)
    run = services.import_run_create(data=stream.getvalue().encode(), filename="products.csv")
    run = services.import_execute(run=run)

    # Then the product is matched by its handle and its images are known by their files' names
    # (the URLs lead nowhere from here): nothing changes
    assert (run.created, run.updated, run.unchanged, run.rejected) == (0, 0, 1, 0)
    assert Product.objects.get().images.count() == 2


def test_text_starting_like_a_formula_survives_the_round_trip():
    # Given a product whose cells start like spreadsheet formulas
    make_store_settings(name="Fjell & Co", currency="EUR")
    make_product(
        title="@Home Mug",
        handle="home-mug",
        description_html="=1+1 is two mugs",
        tags=["+new", "mugs"],
        options={"Size": ["-50% off"]},
        currency="EUR",
        variants=[VariantInput(price=Decimal("12"), options=["-50% off"], sku="-MUG-1")],
    )
    stream = io.StringIO()
    rows = exports.product_rows(Product.objects.all(), absolute_url=exports.absolute_url_on(""))
    exports.write_csv(stream, exports.PRODUCT_HEADER, rows)
    assert "'@Home Mug" in stream.getvalue()  # neutralised for spreadsheets

    # When the file is imported into an empty catalog
    Product.objects.all().delete()
    run = services.import_run_create(data=stream.getvalue().encode(), filename="products.csv")
    services.import_execute(run=run)

    # Then every cell is as it was
    product = Product.objects.get(handle="home-mug")
    variant = product.variants.get()
    assert (product.title, product.description_html) == ("@Home Mug", "=1+1 is two mugs")
    assert sorted(product.tags.values_list("name", flat=True)) == ["+new", "mugs"]
    assert (variant.sku, variant.option1) == ("-MUG-1", "-50% off")


ADDRESS_FIELDS = (
    "company", "line1", "line2", "city", "region", "postal_code", "country_code", "phone",
    "is_default",
)  # fmt: skip


def customers_snapshot() -> list[dict[str, Any]]:
    return [
        {
            "email": customer.email,
            "name": (customer.first_name, customer.last_name),
            "phone": customer.phone,
            "accepts_marketing": customer.accepts_marketing,
            "note": customer.note,
            "tags": sorted(customer.tags),
            "addresses": [
                {field: getattr(address, field) for field in ADDRESS_FIELDS}
                for address in customer.addresses.all()
            ],
        }
        for customer in Customer.objects.filter(is_staff=False)
        .order_by("email")
        .prefetch_related("addresses")
    ]


def test_customers_exported_and_imported_into_a_fresh_store_are_the_same():
    # Given two customers, one with an address, and a staff account
    make_store_settings(name="Fjell & Co", currency="EUR")
    ana = Customer.objects.create_user(
        "ana@example.com",
        None,
        first_name="Ana",
        last_name="Lima",
        phone="+12125550100",
        accepts_marketing=True,
        tags=["vip", "wholesale"],
        note="=Prefers e-mail.",
    )
    Address.objects.create(
        customer=ana,
        company="Lima LLC",
        line1="350 Fifth Avenue",
        line2="Floor 21",
        city="New York",
        region="NY",
        postal_code="10118",
        country_code="US",
        phone="+12125550101",
        is_default=True,
    )
    Customer.objects.create_user("bo@example.com", None, first_name="Bo")
    Customer.objects.create_user("owner@example.com", None, is_staff=True, staff_role="owner")
    before = customers_snapshot()

    # When they are exported, the shoppers deleted, and the file imported
    queryset, _ = exports.export_querysets(exports.CUSTOMERS)
    stream = io.StringIO()
    exports.write_csv(
        stream, exports.CUSTOMER_HEADER, exports.customer_rows(queryset, currency="EUR")
    )
    Customer.objects.filter(is_staff=False).delete()
    run = services.import_run_create(data=stream.getvalue().encode(), filename="customers.csv")
    run = services.import_execute(run=run)

    # Then the shoppers are back as they were, and the staff account was never in the file
    assert (run.format, run.created, run.rejected) == ("shopify-customers", 2, 0)
    assert customers_snapshot() == before
    assert "owner@example.com" not in stream.getvalue()
