"""Pages run a fixed number of SQL queries whatever the catalog size (no N+1).

Counted cold (empty cache: store settings and menus are read too) with the page cache off.
"""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from freehold.catalog import services
from freehold.catalog.models import Collection, Product
from tests.factories import (
    feature_collections,
    make_collection,
    make_product,
    make_product_image,
)

pytestmark = pytest.mark.django_db

# +1 each for the markets (read once, then cached with the store settings).
BUDGETS = {"home": 9, "collection": 9, "smart": 9, "filtered": 9, "product": 7, "search": 9}


def grow_catalog(count: int, collection: Collection) -> None:
    existing = Product.objects.count()
    for n in range(existing, count):
        product = make_product(
            title=f"Linen Shirt {n}",
            price=str(10 + n),
            compare_at=str(20 + n) if n % 3 == 0 else None,
            options={"Size": ["S", "M", "L"], "Colour": ["Red", "Blue"]},
            tags=["summer"],
        )
        make_product_image(product)
    collection_products = list(Product.objects.order_by("id"))
    services.collection_set_products(collection=collection, products=collection_products)


def count_queries(client, path: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(context.captured_queries)


def measure(client, product: Product) -> dict[str, int]:
    return {
        "home": count_queries(client, "/"),
        "collection": count_queries(client, "/collections/picked?page=2"),
        "smart": count_queries(client, "/collections/summer"),
        "filtered": count_queries(
            client, "/collections/all?filter.Size=M&price_min=12&in_stock=1&sort=price-desc"
        ),
        "product": count_queries(client, product.get_absolute_url() + "?option1=M"),
        "search": count_queries(client, "/search?q=linen"),
    }


def test_query_counts_do_not_grow_with_the_catalog(client, store, settings):
    settings.PAGE_CACHE_ENABLED = False
    settings.CATALOG_PAGE_SIZE = 6
    picked = make_collection(title="Picked")
    summer = make_collection(
        title="Summer",
        kind=Collection.Kind.SMART,
        rules=[{"field": "tag", "relation": "equals", "value": "summer"}],
    )
    feature_collections(picked, summer)
    grow_catalog(10, picked)
    product = Product.objects.order_by("id").first()
    make_product_image(product, position=2)

    small = measure(client, product)
    grow_catalog(100, picked)
    large = measure(client, product)

    assert small == large
    for page, budget in BUDGETS.items():
        assert large[page] <= budget, (page, large[page])
