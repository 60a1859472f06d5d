"""The importer's rules, from records (every format's parser produces these)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freehold.catalog.models import PriceChange, Product, StockMovement, Variant
from freehold.catalog.search import search_product_ids
from freehold.catalog.services import VariantInput
from freehold.core.models import AuditEvent
from freehold.imports.importer import ProductImporter
from freehold.imports.models import ExternalId, ImageSource
from freehold.imports.records import (
    ASIN,
    ImageRecord,
    Problem,
    ProductRecord,
    VariantRecord,
)
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def shirt(**overrides: object) -> ProductRecord:
    record = ProductRecord(
        rows=[2, 3],
        handle="linen-shirt",
        title="Linen Shirt",
        description_html="<p>Cool <script>x</script>linen.</p>",
        brand="Acme",
        product_type="Shirts",
        tags=["summer", "linen"],
        options=[("Size", ["S", "M"])],
        variants=[
            VariantRecord(
                row=2, price=Decimal("40.00"), options=["S"], sku="LS-S", stock_quantity=3
            ),
            VariantRecord(
                row=3,
                price=Decimal("42.00"),
                compare_at_price=Decimal("50.00"),
                options=["M"],
                sku="LS-M",
                stock_quantity=0,
                image_url="https://img.example/m.jpg",
            ),
        ],
        images=[
            ImageRecord(url="https://img.example/front.jpg", position=1, alt="Front"),
            ImageRecord(url="https://img.example/m.jpg", position=2),
        ],
        feed_attributes={"gender": "unisex"},
    )
    for name, value in overrides.items():
        setattr(record, name, value)
    return record


def run(records: list[ProductRecord], *, dry_run: bool = False):
    return ProductImporter(currency="EUR", dry_run=dry_run).run(records)


def test_a_new_product_is_written_whole_with_its_summary_history_and_images_pending():
    [outcome] = run([shirt()])

    assert outcome.action == "create"
    product = Product.objects.get(handle="linen-shirt")
    assert outcome.object_id == product.pk
    assert product.description_html == "<p>Cool linen.</p>"
    assert (product.price_min_amount, product.price_max_amount) == (Decimal("40"), Decimal("42"))
    assert product.compare_at_amount == Decimal("50")
    assert product.is_in_stock and product.currency == "EUR"
    assert product.feed_attributes == {"gender": "unisex"}
    assert sorted(product.tags.values_list("name", flat=True)) == ["linen", "summer"]
    assert sorted(product.facets.values_list("value", flat=True)) == ["M", "S"]
    variants = list(product.variants.order_by("position"))
    assert [v.title for v in variants] == ["S", "M"]
    assert PriceChange.objects.filter(variant__product=product).count() == 2
    assert StockMovement.objects.get(variant__sku="LS-S").delta == 3
    sources = list(ImageSource.objects.filter(product=product).order_by("position"))
    assert [(s.url, s.position, s.status) for s in sources] == [
        ("https://img.example/front.jpg", 1, "pending"),
        ("https://img.example/m.jpg", 2, "pending"),
    ]
    assert sources[1].variant_ids == [variants[1].pk]
    assert AuditEvent.objects.filter(verb="product.imported", object_id=str(product.pk)).exists()
    assert search_product_ids("linen shi") == [product.pk]


def test_importing_the_same_records_again_changes_nothing():
    run([shirt()])

    [outcome] = run([shirt()])

    assert outcome.action == "unchanged"
    assert Product.objects.count() == 1
    assert Variant.objects.count() == 2
    assert ImageSource.objects.count() == 2


def test_a_changed_record_updates_the_product_through_the_services():
    run([shirt()])
    changed = shirt(title="Linen Shirt II", tags=["summer"])
    changed.variants[0].price = Decimal("45.00")
    changed.variants[1].stock_quantity = 7
    changed.variants.append(
        VariantRecord(row=4, price=Decimal("44.00"), options=["L"], sku="LS-L", stock_quantity=2)
    )
    changed.options = [("Size", ["S", "M", "L"])]

    [preview] = run([changed], dry_run=True)
    assert preview.action == "update"
    assert "title: Linen Shirt → Linen Shirt II" in preview.changes
    assert "price of S: 40.00 → 45.00" in preview.changes
    assert "stock of M: 0 → 7" in preview.changes
    assert "new variant L" in preview.changes
    assert Product.objects.get().title == "Linen Shirt"  # a dry run writes nothing

    [outcome] = run([changed])

    product = Product.objects.get()
    assert outcome.action == "update"
    assert product.title == "Linen Shirt II"
    assert list(product.tags.values_list("name", flat=True)) == ["summer"]
    assert Variant.objects.get(sku="LS-S").price_amount == Decimal("45.00")
    assert Variant.objects.get(sku="LS-M").stock_quantity == 7
    assert Variant.objects.get(sku="LS-L").stock_quantity == 2
    assert PriceChange.objects.filter(variant__sku="LS-S").count() == 2
    assert product.price_max_amount == Decimal("45.00")


def test_a_record_is_matched_by_sku_or_identifier_when_it_has_no_handle():
    record = shirt(handle="")
    record.variants[0].identifiers = {ASIN: "B000TEST01"}
    record.variants = record.variants[:1]
    record.options = [("Size", ["S"])]
    run([record])
    handle = Product.objects.get().handle
    assert handle == "linen-shirt"
    assert ExternalId.objects.get(scheme=ASIN).value == "B000TEST01"

    again = shirt(handle="")
    again.variants = again.variants[:1]
    again.options = [("Size", ["S"])]
    again.variants[0].sku = "NEW-SKU"
    again.variants[0].identifiers = {ASIN: "B000TEST01"}
    [second] = run([again])

    assert second.action == "update"
    assert Product.objects.count() == 1
    assert Variant.objects.get().sku == "NEW-SKU"


def test_a_title_already_taken_gets_a_numbered_handle():
    make_product(title="Linen Shirt", handle="linen-shirt")

    [outcome] = run(
        [shirt(handle="", variants=[VariantRecord(row=2, price=Decimal(1))], options=[])]
    )

    assert outcome.action == "create"
    assert Product.objects.filter(handle="linen-shirt-2").exists()


def test_a_record_naming_two_products_is_refused():
    make_product(title="A", handle="a", variants=[VariantInput(sku="SKU-B", price=Decimal(1))])
    record = shirt(handle="linen-shirt")
    run([record])
    clash = shirt(handle="a")  # handle a, but SKUs of linen-shirt

    [outcome] = run([clash])

    assert outcome.action == "rejected"
    assert "names two products" in outcome.problems[0].message


def test_a_rejected_record_is_reported_and_its_neighbours_are_imported():
    broken = shirt(handle="broken", problems=[Problem(5, "Variant Price", "not a price")])
    bad_barcode = shirt(handle="bad-barcode")
    for variant in bad_barcode.variants:
        variant.sku = variant.sku + "-X"
    bad_barcode.variants[0].barcode = "12345"
    good = shirt(handle="good")
    for variant in good.variants:
        variant.sku = variant.sku + "-G"

    outcomes = run([broken, bad_barcode, good, shirt()])

    assert [o.action for o in outcomes] == ["rejected", "rejected", "create", "create"]
    assert outcomes[0].problems == [Problem(5, "Variant Price", "not a price")]
    assert outcomes[1].problems[0].row == 2 and outcomes[1].problems[0].column == "barcode"
    assert set(Product.objects.values_list("handle", flat=True)) == {"good", "linen-shirt"}


def test_a_sku_used_twice_in_one_run_rejects_the_second_product():
    first = shirt()
    second = shirt(handle="other", title="Other")

    outcomes = run([first, second])

    assert [o.action for o in outcomes] == ["create", "rejected"]
    assert 'SKU "LS-S" is already used by linen-shirt' in outcomes[1].problems[0].message


def test_changed_options_are_refused_with_what_to_do():
    run([shirt()])
    changed = shirt(options=[("Colour", ["S", "M"])])

    [outcome] = run([changed])

    assert outcome.action == "rejected"
    assert "options are Colour in the file but Size in the store" in outcome.problems[0].message


def test_a_batch_the_database_refuses_is_written_one_product_at_a_time():
    # Another writer took "LS-M" after the plan was made: only that product is refused.
    importer = ProductImporter(currency="EUR", dry_run=False)
    other = shirt(handle="other", title="Other")
    for variant in other.variants:
        variant.sku = "O-" + variant.sku
    plans = importer.plan([shirt(), other])
    make_product(
        title="Racer", handle="racer", variants=[VariantInput(sku="LS-M", price=Decimal(1))]
    )

    importer.write(plans)

    assert [p.action for p in plans] == ["rejected", "create"]
    assert Product.objects.filter(handle="other").exists()
    assert not Product.objects.filter(handle="linen-shirt").exists()
