"""The product page shows what an import left: identifiers elsewhere, images still to come."""

from __future__ import annotations

import pytest

from freehold.imports.models import ExternalId, ImageSource
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_the_product_page_lists_identifiers_and_waiting_images(owner_client):
    product = make_product(title="Bottle")
    variant = product.variants.get()
    ExternalId.objects.create(scheme="asin", value="B09BOTTLE7", product=product, variant=variant)
    ImageSource.objects.create(
        product=product, url="https://img.example/bottle.jpg", attempts=2, last_error="HTTP 404"
    )

    html = owner_client.get(f"/dashboard/products/{product.pk}/").content.decode()

    assert "Identifiers on other platforms" in html
    assert "B09BOTTLE7" in html and "ASIN" in html
    assert "https://img.example/bottle.jpg" in html and "HTTP 404" in html
    assert "2 attempts" in html


def test_fetch_now_fetches_the_waiting_images(owner_client, image_server):
    image_server.add_image("bottle.jpg")
    product = make_product(title="Bottle")
    ImageSource.objects.create(product=product, url=image_server.url("bottle.jpg"))

    response = owner_client.post(f"/dashboard/products/{product.pk}/images/fetch/")

    assert response.status_code == 302
    assert product.images.count() == 1
    html = owner_client.get(f"/dashboard/products/{product.pk}/").content.decode()
    assert "Imported images not here yet" not in html


def test_fetch_now_needs_the_products_permission(staff_client_with):
    product = make_product(title="Bottle")
    client = staff_client_with("orders")

    assert client.post(f"/dashboard/products/{product.pk}/images/fetch/").status_code == 403
