"""A real Shopify export (the public jewellery sample) imported with its images, served by the
local image server under the names the file gives."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from freehold.catalog.models import Product, ProductImage
from freehold.imports import services
from freehold.imports.images import images_fetch
from freehold.imports.models import ImageSource, ImportRun
from tests.factories import make_store_settings

pytestmark = pytest.mark.django_db

SAMPLE = Path(__file__).parent / "data" / "shopify-jewelery.csv"
IMAGE_URL = re.compile(r"https://burst\.shopifycdn\.com/photos/([^,\s\"?]+)")


def sample_served_by(image_server) -> bytes:
    text = SAMPLE.read_text(encoding="utf-8")
    return IMAGE_URL.sub(lambda match: image_server.url(match.group(1)), text).encode()


def imported(data: bytes) -> ImportRun:
    run = services.import_run_create(data=data, filename="jewelery.csv", fetch_images=True)
    return services.import_execute(run=run)


def test_the_sample_files_images_arrive_ordered_with_variant_images(image_server):
    # Given the sample file, every image it names served locally
    image_server.generate_missing = True
    data = sample_served_by(image_server)

    # When it is imported
    run = imported(data)

    # Then every image arrived, each URL downloaded once although two products share some
    assert run.status == ImportRun.Status.DONE and run.images_pending == 0
    assert not ImageSource.objects.exclude(status=ImageSource.Status.FETCHED).exists()
    urls = set(IMAGE_URL.findall(SAMPLE.read_text(encoding="utf-8")))
    assert all(image_server.hits(name) == 1 for name in urls)

    # The gemstone's photos are in the file's order, its first featured, its colours shown
    gemstone = Product.objects.get(handle="gemstone")
    sources = {source.url.rsplit("/", 1)[1]: source for source in gemstone.image_sources.all()}
    gallery = list(ProductImage.objects.filter(product=gemstone).order_by("position", "id"))
    assert [image.pk for image in gallery] == [
        sources[name].image_id
        for name in (
            "blue-gemstone-pendant_925x.jpg",
            "gemstone-necklace_925x.jpg",
            "womens-necklace_925x.jpg",
            "purple-gemstone-necklace_925x.jpg",
        )
    ]
    assert gemstone.featured_image_id == gallery[0].pk
    variants = {variant.option1: variant for variant in gemstone.variants.all()}
    assert variants["Blue"].image_id == sources["blue-gemstone-pendant_925x.jpg"].image_id
    assert variants["Purple"].image_id == sources["purple-gemstone-necklace_925x.jpg"].image_id


def test_missing_images_never_fail_the_import_and_arrive_when_fetched_again(client, image_server):
    # Given the sample file with one product's photo missing from its host
    make_store_settings(name="Jewels")
    image_server.generate_missing = True
    data = sample_served_by(image_server)
    image_server.generate_missing = False
    for name in set(IMAGE_URL.findall(SAMPLE.read_text(encoding="utf-8"))):
        if name != "galaxy-earrings_925x.jpg":
            image_server.add_image(name)

    # When it is imported
    run = imported(data)

    # Then the import is done, the product is on sale with a placeholder, its image pending
    assert run.status == ImportRun.Status.DONE
    assert run.images_pending == 1
    earrings = Product.objects.get(handle="galaxy-earrings")
    (source,) = earrings.image_sources.all()
    assert (source.status, source.last_error) == (ImageSource.Status.PENDING, "HTTP 404")
    page = client.get(earrings.get_absolute_url())
    assert page.status_code == 200 and b'class="placeholder' in page.content

    # When the photo is back and pending images are fetched again
    image_server.add_image("galaxy-earrings_925x.jpg")
    report = images_fetch()

    # Then it arrives and the run has nothing pending
    assert (report.fetched, report.pending, report.failed) == (1, 0, 0)
    earrings.refresh_from_db()
    assert earrings.featured_image is not None
    run.refresh_from_db()
    assert run.images_pending == 0
