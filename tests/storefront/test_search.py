"""Search results and suggestions as you type."""

import pytest

from freehold.catalog.models import Product
from tests.factories import make_product
from tests.storefront.helpers import html

pytestmark = pytest.mark.django_db


def test_search_finds_products_by_word_prefixes(client, store):
    make_product(title="Linen Shirt", price="49.00")
    make_product(title="Wool Coat")
    make_product(title="Linen Draft", status=Product.Status.DRAFT)

    response = client.get("/search?q=lin shi")

    text = response.content.decode()
    assert response.status_code == 200
    assert "Linen Shirt" in text and "$49.00" in text
    assert "Wool Coat" not in text and "Linen Draft" not in text
    assert "1 result for “lin shi”" in text
    page = html(response)
    assert page.meta("robots") == "noindex, follow"
    assert page.find("input", id="search-page-input")["value"] == "lin shi"
    assert page.find("input", id="search-input")["value"] == "lin shi"


def test_search_without_matches_says_so(client, store):
    make_product(title="Linen Shirt")

    text = client.get("/search?q=zzzz").content.decode()

    assert "Nothing matches “zzzz”" in text


def test_search_results_are_paginated(client, store, settings):
    settings.CATALOG_PAGE_SIZE = 2
    for n in range(5):
        make_product(title=f"Linen {n}")

    first = html(client.get("/search?q=linen"))
    last = html(client.get("/search?q=linen&page=3"))

    assert len(first.find_all("article", class_="card")) == 2
    assert first.find("a", rel="next")["href"] == "?q=linen&page=2"
    assert len(last.find_all("article", class_="card")) == 1


@pytest.mark.parametrize(
    "query",
    [
        "q=" + "linen " * 1000,
        "q=" + "x" * 5000,
        "q=%27%22)(*",
        "q=",
        "q=linen&page=-3",
        "q=linen&page=zz",
        'q="AND OR NOT*',
    ],
)
def test_odd_queries_never_fail(client, store, query):
    make_product(title="Linen Shirt")

    response = client.get(f"/search?{query}")

    assert response.status_code == 200
    assert len(response.content.decode()) < 60_000


def test_a_nul_in_the_query_is_refused_up_front(client, store):
    # core/nul.py: no field accepts U+0000 (PostgreSQL text cannot hold it)
    assert client.get("/search?q=%00%27%22)(*").status_code == 400


def test_suggestions_return_up_to_six_products_as_json(client, store):
    for n in range(8):
        make_product(title=f"Linen Shirt {n}", price="49.00", images=1 if n == 0 else 0)
    make_product(title="Wool Coat")

    response = client.get("/search/suggest?q=lin")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    products = response.json()["products"]
    assert len(products) == 6
    assert all(p["title"].startswith("Linen Shirt") for p in products)
    with_image = next(p for p in products if p["title"] == "Linen Shirt 0")
    assert with_image == {
        "title": "Linen Shirt 0",
        "url": "/products/linen-shirt-0",
        "price": "$49.00",
        "image": with_image["image"],
    }
    assert with_image["image"].startswith("/media/images/")
    assert next(p for p in products if p["title"] != "Linen Shirt 0")["image"] is None


def test_suggestions_for_nothing_or_a_huge_query_are_empty(client, store):
    make_product(title="Linen Shirt")

    assert client.get("/search/suggest?q=").json()["products"] == []
    assert client.get("/search/suggest?q=" + "x" * 5000).status_code == 200


def test_header_search_box_is_wired_for_suggestions(client, store):
    page = html(client.get("/"))

    form = page.find("form", role="search")
    assert form["data-suggest"] == "/search/suggest"
    assert page.find("ul", id="search-suggestions", role="listbox") is not None
    assert page.find("script", src="/static/storefront/search.js", defer="") is not None
