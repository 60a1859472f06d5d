"""The full-page cache on real pages: hits for anonymous shoppers, misses right after a change."""

from decimal import Decimal

import pytest

from freehold.catalog import services
from tests.factories import (
    feature_collections,
    make_collection,
    make_menu,
    make_page,
    make_product,
    make_store_settings,
)

pytestmark = pytest.mark.django_db


def twice(client, path):
    return client.get(path), client.get(path)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/collections/summer",
        "/collections/all",
        "/products/linen-shirt",
        "/pages/about",
        "/legal/imprint",
        "/sitemap.xml",
    ],
)
def test_second_anonymous_request_is_a_cache_hit(client, store, path):
    feature_collections(
        make_collection(title="Summer", products=[make_product(title="Linen Shirt")])
    )
    make_page(handle="about", title="About")

    first, second = twice(client, path)

    assert first.status_code == 200
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    assert not first.cookies and not second.cookies
    assert b"csrfmiddlewaretoken" not in first.content


def test_search_is_not_cached(client, store):
    make_product(title="Linen Shirt")

    first, second = twice(client, "/search?q=linen")

    assert "X-Page-Cache" not in first and "X-Page-Cache" not in second


def test_a_price_change_re_renders_every_page_showing_the_product(client, store):
    product = make_product(title="Linen Shirt", price="49.00")
    feature_collections(make_collection(title="Summer", products=[product]))
    paths = ["/", "/collections/summer", "/collections/all", product.get_absolute_url()]
    for path in paths:
        twice(client, path)

    services.variant_set_price(variant=product.variants.get(), price=Decimal("39.00"))

    for path in paths:
        response = client.get(path)
        assert response["X-Page-Cache"] == "miss", path
        assert "$39.00" in response.content.decode(), path
        assert "$49.00" not in response.content.decode(), path


def test_selling_out_re_renders_the_product_page(client, store):
    product = make_product(title="Linen Shirt", stock=1)
    twice(client, product.get_absolute_url())

    services.stock_adjust(variant=product.variants.get(), delta=-1)

    response = client.get(product.get_absolute_url())
    assert response["X-Page-Cache"] == "miss"
    assert ">Sold out<" in response.content.decode()


def test_changing_a_collection_re_renders_its_page(client, store):
    shirt, coat = make_product(title="Linen Shirt"), make_product(title="Wool Coat")
    collection = make_collection(title="Summer", products=[shirt])
    twice(client, "/collections/summer")

    services.collection_set_products(collection=collection, products=[shirt, coat])

    response = client.get("/collections/summer")
    assert response["X-Page-Cache"] == "miss"
    assert "Wool Coat" in response.content.decode()

    services.collection_update(collection=collection, title="Summer Linen")
    assert "<h1>Summer Linen</h1>" in client.get("/collections/summer").content.decode()


def test_an_unrelated_product_change_keeps_the_product_page_cached(client, store):
    shown, other = make_product(title="Linen Shirt"), make_product(title="Wool Coat")
    twice(client, shown.get_absolute_url())

    services.variant_set_price(variant=other.variants.get(), price=Decimal("1.00"))

    assert client.get(shown.get_absolute_url())["X-Page-Cache"] == "hit"


def test_store_settings_and_menus_re_render_every_page(client, store):
    product = make_product(title="Linen Shirt")
    twice(client, product.get_absolute_url())

    make_store_settings(name="Nord Supply")
    response = client.get(product.get_absolute_url())
    assert response["X-Page-Cache"] == "miss" and "Nord Supply" in response.content.decode()

    make_menu("main", [("Journal", "/pages/journal")])
    assert 'href="/pages/journal"' in client.get(product.get_absolute_url()).content.decode()
