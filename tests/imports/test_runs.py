"""Import runs: the file checks, preview, interruption and resumption, and `freehold import`."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import override_settings

from freehold import cli
from freehold.catalog.models import Product, ProductImage
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from freehold.imports import importer, services
from freehold.imports.models import ImageSource, ImportRun

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
JEWELLERY = DATA / "shopify-jewelery.csv"
JEWELLERY_PRODUCTS = 20


def test_an_empty_file_is_refused_on_the_file_field():
    with pytest.raises(ValidationFailed) as caught:
        services.import_run_create(data=b"  \n", filename="empty.csv")

    assert caught.value.field == "file"


def test_a_file_of_no_known_format_is_refused_with_what_is_expected():
    with pytest.raises(ValidationFailed) as caught:
        services.import_run_create(data=b"name,price\nShirt,10\n", filename="mine.csv")

    assert caught.value.field == "file"
    assert "Amazon All Listings Report" in str(caught.value)


@override_settings(IMPORT_MAX_BYTES=100)
def test_a_file_over_the_size_limit_is_refused():
    with pytest.raises(ValidationFailed, match="larger than"):
        services.import_run_create(data=JEWELLERY.read_bytes(), filename="big.csv")


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("shopify-jewelery.csv", "shopify-products"),
        ("shopify-customers.csv", "shopify-customers"),
        ("shopify-customers-older.csv", "shopify-customers"),
        ("amazon-listings-utf8bom.txt", "amazon-listings"),
        ("amazon-listings-cp1252.txt", "amazon-listings"),
        ("woocommerce-products.csv", "woocommerce-products"),
    ],
)
def test_the_format_is_detected_from_the_header(name: str, expected: str):
    run = services.import_run_create(data=(DATA / name).read_bytes(), filename=name)

    assert run.format == expected


def test_a_preview_plans_every_product_and_writes_nothing():
    run = services.import_run_create(data=JEWELLERY.read_bytes(), filename="jewelery.csv")

    services.import_preview(run=run)

    assert run.status == "previewed"
    assert (run.created, run.updated, run.rejected) == (JEWELLERY_PRODUCTS, 0, 0)
    assert run.report["items"][0]["changes"] == ["new product with 2 variant(s) and 2 image(s)"]
    assert Product.objects.count() == 0
    assert ImageSource.objects.count() == 0


def test_an_interrupted_run_finishes_the_rest_when_run_again(monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 6)
    real_batch = importer.ProductImporter.run_batch
    batches = []

    def crash_on_the_third_batch(self, records):
        batches.append(len(records))
        if len(batches) == 3:
            raise ConnectionError("the database went away")
        return real_batch(self, records)

    monkeypatch.setattr(importer.ProductImporter, "run_batch", crash_on_the_third_batch)
    run = services.import_run_create(
        data=JEWELLERY.read_bytes(), filename="jewelery.csv", fetch_images=False
    )
    with pytest.raises(ConnectionError):
        services.import_execute(run=run)
    run.refresh_from_db()
    assert run.status == "failed" and "database went away" in run.error
    assert run.progress_done == 12
    assert Product.objects.count() == 12

    monkeypatch.setattr(importer.ProductImporter, "run_batch", real_batch)
    services.import_execute(run=run)

    assert run.status == "done"
    assert Product.objects.count() == JEWELLERY_PRODUCTS
    assert (run.created, run.unchanged) == (JEWELLERY_PRODUCTS - 12, 12)
    assert AuditEvent.objects.filter(verb="import.completed", object_id=str(run.pk)).exists()


def test_images_are_fetched_after_the_products_and_a_missing_one_stays_pending(image_server):
    image_server.generate_missing = True
    data = JEWELLERY.read_bytes().replace(
        b"https://burst.shopifycdn.com/photos/", image_server.url("").encode()
    )
    data = data.replace(b"boho-earrings_925x.jpg", b"gone/boho-earrings_925x.jpg")
    run = services.import_run_create(data=data, filename="jewelery.csv")

    services.import_execute(run=run)

    earrings = Product.objects.get(handle="boho-earrings")
    pending = ImageSource.objects.get(product=earrings, status="pending")
    assert pending.url.endswith("gone/boho-earrings_925x.jpg")
    assert pending.last_error == "HTTP 404"
    assert run.images_pending == 1
    assert earrings.images.count() == 2
    bracelet = Product.objects.get(handle="chain-bracelet")
    assert bracelet.featured_image is not None
    assert ProductImage.objects.filter(product=bracelet).count() == 2


def test_the_command_imports_a_file_and_says_what_it_did(capsys):
    code = cli.main(["import", "shopify", str(JEWELLERY), "--no-images", "--quiet"])

    out = capsys.readouterr().out
    assert code == 0
    assert f"41 rows: {JEWELLERY_PRODUCTS} new, 0 updated, 0 unchanged, 0 rejected" in out
    assert "`freehold import images` tries again" in out
    assert Product.objects.count() == JEWELLERY_PRODUCTS
    assert ImportRun.objects.get().fetch_images is False


def test_the_command_dry_run_lists_the_changes_and_writes_nothing(capsys):
    code = cli.main(["import", "shopify", str(JEWELLERY), "--dry-run", "--quiet"])

    out = capsys.readouterr().out
    assert code == 0
    assert "(would be written)" in out
    assert "create chain-bracelet: new product with 2 variant(s) and 2 image(s)" in out
    assert Product.objects.count() == 0


def test_the_command_reports_rejected_rows_and_writes_a_report(capsys, tmp_path):
    report = tmp_path / "report.csv"

    code = cli.main(
        [
            "import",
            "amazon",
            str(DATA / "amazon-listings-broken.txt"),
            "--no-images",
            "--quiet",
            "--report",
            str(report),
        ]
    )

    out = capsys.readouterr().out
    assert code == 3
    assert "rejected" in out and "row " in out
    lines = report.read_text().splitlines()
    assert lines[0] == "item,action,rows,changes,problems"
    assert any(",rejected," in line for line in lines[1:])


def test_the_command_refuses_an_unknown_format_and_a_missing_file(capsys):
    assert cli.main(["import", "etsy", str(JEWELLERY)]) == 2
    assert "unknown format 'etsy'" in capsys.readouterr().err
    assert cli.main(["import", "shopify", "no-such-file.csv"]) == 2


def test_imported_sample_products_are_in_the_storefront_with_variants_and_images(
    client, image_server
):
    image_server.generate_missing = True
    data = JEWELLERY.read_bytes().replace(
        b"https://burst.shopifycdn.com/photos/", image_server.url("").encode()
    )
    services.import_execute(run=services.import_run_create(data=data, filename="jewelery.csv"))

    page = client.get("/products/chain-bracelet")

    html = page.content.decode()
    assert page.status_code == 200
    assert "7 Shakra Bracelet" in html
    assert "Blue" in html and "Black" in html
    bracelet = Product.objects.get(handle="chain-bracelet")
    for image in bracelet.images.all():
        webp = next(iter(image.renditions.values()))["webp"]
        assert webp in html
    listing = client.get("/search?q=bracelet").content.decode()
    assert "7 Shakra Bracelet" in listing
