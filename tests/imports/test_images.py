"""Images of imported products, fetched from their URLs after the import (a local HTTP server
stands in for the image hosts): in the file's order, for the right variants, and never failing
the product when a URL does not answer with an image."""

from __future__ import annotations

import io
import os

import pytest
from PIL import Image

from freehold.catalog.models import ProductImage, Variant
from freehold.core import netguard
from freehold.imports.images import MAX_ATTEMPTS, images_fetch, images_pending_count
from freehold.imports.models import ImageSource, ImportRun
from freehold.imports.records import SHOPIFY_PRODUCTS
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

Status = ImageSource.Status


def image_source(product, url, *, position=1, alt="", variant_ids=(), **fields) -> ImageSource:
    """As the importer records them: one row per URL of a product, pending."""
    return ImageSource.objects.create(
        product=product,
        url=url,
        position=position,
        alt=alt,
        variant_ids=list(variant_ids),
        **fields,
    )


def noise_png(width: int = 120, height: int = 120) -> bytes:
    """A picture that does not compress: about three bytes a pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def gallery(product) -> list[tuple[str, int]]:
    return [
        (image.alt, image.position)
        for image in ProductImage.objects.filter(product=product).order_by("position", "id")
    ]


def test_images_arrive_in_the_files_order_for_their_variants_and_the_first_is_featured(
    image_server,
):
    # Given a shirt in two colours and three image URLs from its file, recorded in another
    # order than the file's; the colours' photos name their variant by id and by SKU
    product = make_product(title="Linen Shirt", options={"Colour": ["Red", "Blue"]})
    red = product.variants.get(option1="Red")
    blue = product.variants.get(option1="Blue")
    Variant.objects.filter(pk=blue.pk).update(sku="SHIRT-BLUE")
    image_server.add_image("front.jpg", width=60, height=40)
    image_server.add_image("red.png", width=50, height=50)
    image_server.add_image("blue.webp", width=40, height=60)
    blue_source = image_source(
        product, image_server.url("blue.webp"), position=3, alt="Blue", variant_ids=["SHIRT-BLUE"]
    )
    red_source = image_source(
        product, image_server.url("red.png"), position=2, alt="Red", variant_ids=[red.pk]
    )
    front_source = image_source(product, image_server.url("front.jpg"), position=1, alt="Front")

    # When the images are fetched (four at a time: they finish in any order)
    report = images_fetch(product_ids=[product.pk], workers=4)

    # Then the product shows them in the file's order, each colour its photo, the first featured
    assert (report.fetched, report.pending, report.failed, report.errors) == (3, 0, 0, {})
    images = list(ProductImage.objects.filter(product=product).order_by("position", "id"))
    assert [(i.alt, i.width, i.height, i.position) for i in images] == [
        ("Front", 60, 40, 1),
        ("Red", 50, 50, 2),
        ("Blue", 40, 60, 3),
    ]
    assert images[1].file.name.endswith(".png") and images[2].file.name.endswith(".webp")
    product.refresh_from_db()
    assert product.featured_image_id == images[0].pk
    red.refresh_from_db()
    blue.refresh_from_db()
    assert (red.image_id, blue.image_id) == (images[1].pk, images[2].pk)
    for source, image in zip((front_source, red_source, blue_source), images, strict=True):
        source.refresh_from_db()
        assert (source.status, source.image_id, source.attempts, source.last_error) == (
            Status.FETCHED,
            image.pk,
            1,
            "",
        )
    assert images_pending_count() == 0


def test_an_unreachable_image_leaves_the_product_on_sale_and_arrives_on_a_later_call(
    client, image_server
):
    # Given an imported product whose image URL answers 404
    make_store_settings(name="Fjell")
    product = make_product(title="Wool Cap")
    url = image_server.url("cap.jpg")
    source = image_source(product, url, alt="The cap")

    # When images are fetched
    report = images_fetch()

    # Then the image waits, with the reason, and the product's page shows a placeholder
    assert (report.fetched, report.pending, report.failed) == (0, 1, 0)
    assert report.errors == {url: "HTTP 404"}
    source.refresh_from_db()
    assert (source.status, source.attempts, source.last_error) == (Status.PENDING, 1, "HTTP 404")
    assert source.last_attempt_at is not None
    assert images_pending_count() == 1
    page = client.get(product.get_absolute_url())
    assert page.status_code == 200
    assert b'class="placeholder' in page.content

    # When the file is there and images are fetched again
    image_server.add_image("cap.jpg", width=90, height=60)
    report = images_fetch()

    # Then it arrives, and the (cached) product page shows it
    assert (report.fetched, report.pending, report.failed) == (1, 0, 0)
    source.refresh_from_db()
    assert (source.status, source.attempts, source.last_error) == (Status.FETCHED, 2, "")
    image = ProductImage.objects.get(product=product)
    page = client.get(product.get_absolute_url())
    assert image.renditions["90"]["webp"] in page.content.decode()
    assert b'class="placeholder' not in page.content


def test_an_image_that_arrives_late_takes_its_place_in_the_files_order(image_server):
    # Given a product whose first image is missing when the others arrive
    product = make_product(title="Boots")
    image_server.add_image("2.jpg")
    image_server.add_image("3.jpg")
    for position, alt in ((1, "one"), (2, "two"), (3, "three")):
        image_source(product, image_server.url(f"{position}.jpg"), position=position, alt=alt)
    images_fetch()
    assert gallery(product) == [("two", 1), ("three", 2)]
    product.refresh_from_db()
    assert product.featured_image.alt == "two"

    # When the first one arrives later
    image_server.add_image("1.jpg")
    report = images_fetch()

    # Then it goes first, and is the featured image
    assert report.fetched == 1
    assert gallery(product) == [("one", 1), ("two", 2), ("three", 3)]
    product.refresh_from_db()
    assert product.featured_image.alt == "one"


def test_a_web_page_instead_of_an_image_gives_up_at_once(image_server):
    # Given an image URL that answers with an HTML page (a login wall, a shop's product page)
    product = make_product()
    url = image_server.html_url("image-moved.html")
    source = image_source(product, url)

    # When images are fetched
    report = images_fetch()

    # Then the source has failed for good and is not asked again
    assert (report.fetched, report.pending, report.failed) == (0, 0, 1)
    assert report.errors == {url: "not an image (text/html)"}
    source.refresh_from_db()
    assert (source.status, source.attempts) == (Status.FAILED, 1)
    asked = len(image_server.requests)
    assert images_fetch().attempted == 0
    assert len(image_server.requests) == asked
    assert not ProductImage.objects.filter(product=product).exists()


def test_bytes_that_are_not_an_image_are_refused_by_the_image_check(image_server):
    # Given a URL that calls a text file a JPEG
    product = make_product()
    image_server.add_file("fake.jpg", b"this is not a picture", content_type="image/jpeg")
    source = image_source(product, image_server.url("fake.jpg"))

    # When images are fetched
    images_fetch()

    # Then it failed for good, with nothing stored
    source.refresh_from_db()
    assert (source.status, source.last_error) == (
        Status.FAILED,
        "not an image (damaged or unknown format)",
    )
    assert not ProductImage.objects.filter(product=product).exists()


@pytest.mark.parametrize("declared", [True, False], ids=["with-length", "without-length"])
def test_an_image_over_the_size_cap_is_refused(settings, image_server, declared):
    # Given a 2 KB cap and a 40 KB image (with or without a Content-Length to go by)
    settings.IMPORT_IMAGE_MAX_BYTES = 2048
    product = make_product()
    image_server.add_file("big.png", noise_png())
    url = image_server.url("big.png") if declared else image_server.unsized_url("big.png")
    source = image_source(product, url)

    # When images are fetched
    images_fetch()

    # Then it is refused for good
    source.refresh_from_db()
    assert (source.status, source.last_error) == (Status.FAILED, "too large: over 2 KB")
    assert not ProductImage.objects.filter(product=product).exists()


def test_a_host_that_does_not_answer_in_time_leaves_the_image_pending(settings, image_server):
    # Given a timeout of a fifth of a second and a host that hangs
    settings.IMPORT_IMAGE_TIMEOUT = 0.2
    product = make_product()
    image_server.add_image("slow.jpg")
    source = image_source(product, image_server.slow_url("slow.jpg"))

    # When images are fetched
    report = images_fetch()

    # Then the image waits for another try
    assert report.pending == 1
    source.refresh_from_db()
    assert (source.status, source.last_error) == (Status.PENDING, "timed out after 0.2 s")


def test_after_five_failed_attempts_the_image_is_given_up_until_retried_on_purpose(
    image_server,
):
    # Given a source that has failed four times already
    product = make_product()
    source = image_source(product, image_server.url("gone.jpg"), attempts=MAX_ATTEMPTS - 1)

    # When the fifth attempt fails too
    images_fetch()

    # Then it is given up: later calls leave it alone
    source.refresh_from_db()
    assert (source.status, source.attempts, source.last_error) == (
        Status.FAILED,
        MAX_ATTEMPTS,
        "HTTP 404",
    )
    image_server.add_image("gone.jpg")
    assert images_fetch().attempted == 0
    assert image_server.hits("gone.jpg") == 1

    # Until failed images are retried on purpose
    report = images_fetch(retry_failed=True)
    assert report.fetched == 1
    source.refresh_from_db()
    assert source.status == Status.FETCHED


def test_an_image_is_downloaded_once_however_many_products_and_calls_use_it(image_server):
    # Given two products (Amazon listings of one item, say) showing the same image
    first, second = make_product(title="Mug, red"), make_product(title="Mug, red, 2-pack")
    image_server.add_image("mug.jpg")
    for product in (first, second):
        image_source(product, image_server.url("mug.jpg"))

    # When images are fetched, twice
    assert images_fetch().fetched == 2
    assert images_fetch().attempted == 0

    # Then the URL was asked for once, and both products have the image
    assert image_server.hits("mug.jpg") == 1
    assert ProductImage.objects.filter(product__in=[first, second]).count() == 2


def test_an_imported_image_the_merchant_deleted_is_not_fetched_again(image_server):
    product = make_product()
    image_server.add_image("a.jpg")
    source = image_source(product, image_server.url("a.jpg"))
    images_fetch()
    ProductImage.objects.filter(product=product).delete()

    assert images_fetch(retry_failed=True).attempted == 0

    source.refresh_from_db()
    assert (source.status, source.image_id) == (Status.FETCHED, None)
    assert image_server.hits("a.jpg") == 1


@pytest.mark.parametrize(
    ("url", "address"),
    [
        ("http://10.0.0.1/a.jpg", "10.0.0.1"),
        ("http://169.254.169.254/latest/meta-data/iam", "169.254.169.254"),
        ("http://[::1]/a.jpg", "::1"),
        ("http://[::ffff:127.0.0.1]/a.jpg", "::ffff:127.0.0.1"),
        ("https://100.64.0.7/a.jpg", "100.64.0.7"),
    ],
)
def test_production_refuses_image_urls_in_its_own_network(settings, url, address):
    # Given a file whose image URL points into the server's own network (cloud metadata, a
    # database host), in production
    settings.IMPORTS_ALLOW_PRIVATE_ADDRESSES = False
    source = image_source(make_product(), url)

    # When images are fetched
    report = images_fetch()

    # Then nothing is requested and the source says why
    assert report.errors == {url: f"refused: private address {address}"}
    source.refresh_from_db()
    assert source.status == Status.FAILED


def test_a_name_resolving_to_this_machine_is_refused_when_connecting(settings, image_server):
    # Given image URLs on this machine, by address and by name, in production
    image_server.add_image("a.jpg")
    settings.IMPORTS_ALLOW_PRIVATE_ADDRESSES = False
    product = make_product()
    by_address = image_source(product, image_server.url("a.jpg"), position=1)
    by_name = image_source(
        product, image_server.url("a.jpg").replace("127.0.0.1", "localhost"), position=2
    )

    # When images are fetched
    images_fetch()

    # Then neither reached the server
    for source in (by_address, by_name):
        source.refresh_from_db()
        assert source.status == Status.FAILED
        assert source.last_error.startswith("refused: private address ")
    assert image_server.hits("a.jpg") == 0


def test_every_redirect_is_checked_again(settings, monkeypatch, image_server):
    # Given, in production, a host that counts as public here (the local image server) and
    # redirects one image to itself and another into the cloud's metadata service
    is_private = netguard.is_private_address
    monkeypatch.setattr(
        netguard,
        "is_private_address",
        lambda address: address != "127.0.0.1" and is_private(address),
    )
    settings.IMPORTS_ALLOW_PRIVATE_ADDRESSES = False
    product = make_product()
    image_server.add_image("a.jpg")
    fine = image_source(product, image_server.redirect_url(image_server.url("a.jpg")), position=1)
    metadata = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    sneaky = image_source(product, image_server.redirect_url(metadata), position=2)

    # When images are fetched
    images_fetch()

    # Then the redirect to itself was followed and the one into the metadata service refused
    fine.refresh_from_db()
    sneaky.refresh_from_db()
    assert fine.status == Status.FETCHED
    assert (sneaky.status, sneaky.last_error) == (
        Status.FAILED,
        "refused: private address 169.254.169.254",
    )


def test_three_redirects_are_followed_and_a_fourth_is_not(image_server):
    product = make_product()
    image_server.add_image("a.jpg")
    three = image_source(product, image_server.redirect_url(image_server.url("a.jpg"), hops=3))
    four = image_source(
        product, image_server.redirect_url(image_server.url("a.jpg"), hops=4), position=2
    )

    images_fetch()

    three.refresh_from_db()
    four.refresh_from_db()
    assert three.status == Status.FETCHED
    assert (four.status, four.last_error) == (Status.FAILED, "more than 3 redirects")


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("file:///etc/passwd", "refused: file: URL; only http and https"),
        ("ftp://example.com/a.jpg", "refused: ftp: URL; only http and https"),
        ("/images/a.jpg", "refused: not a URL; only http and https"),
    ],
)
def test_only_web_addresses_are_fetched(url, error):
    source = image_source(make_product(), url)

    images_fetch()

    source.refresh_from_db()
    assert (source.status, source.last_error) == (Status.FAILED, error)


def test_fetching_one_runs_images_counts_what_still_waits_and_reports_progress(image_server):
    # Given two import runs' image sources, two of the first run's reachable
    run = ImportRun.objects.create(
        format=SHOPIFY_PRODUCTS, filename="products.csv", data=b"", sha256="0" * 64
    )
    other_run = ImportRun.objects.create(
        format=SHOPIFY_PRODUCTS, filename="older.csv", data=b"", sha256="1" * 64
    )
    product = make_product()
    for name in ("a.jpg", "b.jpg"):
        image_server.add_image(name)
    for position, name in enumerate(("a.jpg", "b.jpg", "c.jpg"), start=1):
        image_source(product, image_server.url(name), position=position, run=run)
    image_source(make_product(), image_server.url("a.jpg"), run=other_run)
    assert images_pending_count(run_id=run.pk) == 3

    # When the first run's images are fetched, one at a time
    steps: list[tuple[int, int]] = []
    report = images_fetch(run_id=run.pk, workers=1, progress=lambda *step: steps.append(step))

    # Then only its images were tried, progress was told each step, and the run knows
    assert (report.fetched, report.pending) == (2, 1)
    assert steps == [(1, 3), (2, 3), (3, 3)]
    assert images_pending_count(run_id=run.pk) == 1
    assert images_pending_count(run_id=other_run.pk) == 1
    assert images_pending_count() == 2
    run.refresh_from_db()
    assert run.images_pending == 1

    # And a limit caps how many sources one call tries
    assert images_fetch(limit=1).attempted == 1


def test_a_variant_that_no_longer_exists_does_not_stop_its_image(image_server):
    product = make_product(options={"Size": ["S", "M"]})
    small = product.variants.get(option1="S")
    image_server.add_image("s.jpg")
    source = image_source(
        product, image_server.url("s.jpg"), variant_ids=[small.pk, 987654, "NO-SUCH-SKU"]
    )

    images_fetch()

    source.refresh_from_db()
    small.refresh_from_db()
    assert source.status == Status.FETCHED
    assert small.image_id == source.image_id
