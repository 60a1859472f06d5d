"""The Shopify sample files and fixtures through the whole import (parse, plan, write)."""

from __future__ import annotations

import io
from decimal import Decimal
from pathlib import Path

import pytest

from freehold.catalog.html import sanitise_html
from freehold.catalog.models import Product
from freehold.core.audit import Actor
from freehold.customers.models import Customer
from freehold.imports import exports, services
from freehold.imports.customers import customers_apply
from freehold.imports.models import ImageSource
from freehold.imports.parsers import shopify
from freehold.imports.records import SHOPIFY_CUSTOMERS, SHOPIFY_PRODUCTS, ProductRecord

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"


def run_file(name: str, *, dry_run: bool = False):
    run = services.import_run_create(
        data=(DATA / name).read_bytes(), filename=name, dry_run=dry_run, fetch_images=False
    )
    return services.import_execute(run=run)


def test_sample_files_are_detected_as_shopify_products():
    run = services.import_run_create(
        data=(DATA / "shopify-jewelery.csv").read_bytes(), filename="jewelery.csv"
    )

    assert run.format == SHOPIFY_PRODUCTS


def test_jewelery_sample_imports_with_variants_and_pending_images():
    run = run_file("shopify-jewelery.csv")

    assert (run.created, run.rejected) == (20, 0)
    bracelet = Product.objects.get(handle="chain-bracelet")
    assert bracelet.title == "7 Shakra Bracelet"
    assert bracelet.status == "active"
    assert [(v.option1, v.price_amount) for v in bracelet.variants.order_by("position")] == [
        ("Blue", Decimal("42.99")),
        ("Black", Decimal("42.99")),
    ]
    assert ImageSource.objects.filter(product=bracelet).count() == 2
    assert sorted(bracelet.tags.values_list("name", flat=True)) == ["Beads"]


def test_importing_a_sample_again_changes_nothing():
    run_file("shopify-apparel.csv")

    again = run_file("shopify-apparel.csv")

    assert (again.created, again.updated, again.unchanged) == (0, 0, 20)
    assert Product.objects.count() == 20


def test_newer_export_imports_status_cost_and_feed_attributes():
    run = run_file("shopify-newer.csv")

    assert (run.created, run.rejected) == (4, 0)
    shirt = Product.objects.get(handle="linen-shirt")
    assert shirt.feed_attributes["mpn"] == "LS-100"
    white = shirt.variants.get(sku="LIN-S-W")
    assert (white.cost_amount, white.stock_quantity, white.track_inventory) == (
        Decimal("12.30"),
        5,
        True,
    )
    assert Product.objects.get(handle="old-poster").status == "archived"
    assert Product.objects.get(handle="hidden-print").status == "draft"


def test_broken_file_imports_its_good_products_and_reports_every_problem():
    run = run_file("shopify-broken.csv")

    assert (run.created, run.rejected) == (2, 15)
    assert set(Product.objects.values_list("handle", flat=True)) == {"good-tee", "first-sku"}
    where = {(problem["row"], problem["column"]) for problem in run.report["problems"]}
    assert {(3, "Variant Price"), (12, "Variant SKU"), (17, "Handle")} <= where


def test_customers_file_imports_through_the_same_runs():
    run = run_file("shopify-customers.csv")

    assert run.format == SHOPIFY_CUSTOMERS
    assert (run.created, run.rejected) == (3, 3)
    assert Customer.objects.count() == 3
    assert {(p["row"], p["column"]) for p in run.report["problems"]} == {
        (5, "Email"),
        (6, "Default Address Province Code"),
        (6, "Default Address Zip"),
        (7, "Email"),
    }


def test_customers_dry_run_writes_nothing():
    run = run_file("shopify-customers.csv", dry_run=True)

    assert run.created == 3
    assert not Customer.objects.exists()


def shape(record: ProductRecord) -> tuple[object, ...]:
    """What a round trip must keep of a product."""
    return (
        record.handle,
        record.title,
        # The catalog keeps descriptions sanitised (&nbsp; for a no-break space).
        sanitise_html(record.description_html),
        record.brand,
        record.product_type,
        sorted(record.tags),
        record.status,
        record.options,
        [
            (
                variant.options,
                variant.price,
                variant.compare_at_price,
                variant.sku,
                variant.weight_grams,
                variant.inventory_policy,
                variant.image_url,
            )
            for variant in record.variants
        ],
        sorted(image.url for image in record.images),
    )


@pytest.mark.parametrize("name", ["shopify-jewelery.csv", "shopify-newer.csv"])
def test_an_export_reads_back_as_the_file_it_was_imported_from(name):
    run_file(name)
    stream = io.StringIO()
    exports.export_to(
        exports.PRODUCTS, stream, absolute_url=exports.absolute_url_on("https://shop.example")
    )

    exported = shopify.parse_products(stream.getvalue().encode())

    original = shopify.parse_products((DATA / name).read_bytes()).products
    assert [p for record in exported.products for p in record.problems] == []
    assert sorted(shape(record) for record in exported.products) == sorted(
        shape(record) for record in original
    )


def test_exported_customers_read_back_as_imported():
    run_file("shopify-customers.csv")
    stream = io.StringIO()
    exports.export_to(exports.CUSTOMERS, stream, absolute_url=exports.absolute_url_on(""))

    exported = shopify.parse_customers(stream.getvalue().encode()).customers

    assert [p for record in exported for p in record.problems] == []
    ann = next(record for record in exported if record.email == "ann@example.com")
    assert (ann.first_name, ann.phone, ann.accepts_marketing) == ("Ann", "+12125550199", True)
    assert ann.tags == ["vip", "wholesale"]
    (address,) = ann.addresses
    assert (address.line1, address.region, address.postal_code, address.phone) == (
        "350 Fifth Avenue",
        "NY",
        "10118",
        "+12125550123",
    )
    again = customers_apply(exported, dry_run=False, actor=Actor.system())
    assert {outcome.action for outcome in again} == {"unchanged"}
