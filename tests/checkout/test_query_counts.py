"""SQL statements per buying request, so that a regression shows (counts, never timings).

Measured on the test settings: sessions in the database (one read, and one write when the
session changes, count here; production keeps them in Redis) and e-mails sent at commit by the
immediate task backend (four reads in the placing request; production queues one row).
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from freehold.catalog.models import Product, Variant
from freehold.catalog.services import stock_decrement
from freehold.checkout.models import Cart
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create, cart_set_details
from freehold.markets.models import ShippingRate, ShippingZone
from tests.checkout.test_views import ADDRESS, SAME_ORIGIN, the_cart
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(db) -> dict[str, Any]:
    make_store_settings(name="Fjell & Co", currency="EUR", country_code="DE")
    mug = make_product(title="Stoneware Mug", price="12.50", stock=50, currency="EUR")
    zone = ShippingZone.objects.create(name="Europe", countries=["DE", "FR"])
    for code, price in (("standard", "4.90"), ("express", "12.00")):
        ShippingRate.objects.create(
            zone=zone, code=code, name=code.title(), price_amount=Decimal(price), currency="EUR"
        )
    return {"mug": mug.variants.get(), "shipping": f"{zone.pk}:standard"}


def writes(context: CaptureQueriesContext, table: str) -> list[str]:
    return [
        query["sql"]
        for query in context.captured_queries
        if query["sql"].startswith(("UPDATE", "INSERT")) and f'"{table}"' in query["sql"]
    ]


def test_adding_to_cart_creates_the_cart_and_its_line_in_one_go(
    shop, django_assert_max_num_queries
):
    client = Client()
    client.get("/cart")  # the store's settings and menus are cached from here on
    # a new cart: session read and write, variant, cart, line (and the transaction)
    with django_assert_max_num_queries(9):
        response = client.post("/cart/add", {"variant_id": shop["mug"].pk}, **SAME_ORIGIN)
    assert response.status_code == 303
    # an existing cart: the lock and touch are one UPDATE; the count of items is one more
    with django_assert_max_num_queries(12):
        response = client.post("/cart/add", {"variant_id": shop["mug"].pk}, **SAME_ORIGIN)
    assert response.status_code == 303
    assert the_cart(client).lines.get().quantity == 2


def test_the_checkout_page_prices_once_and_writes_only_on_the_first_visit(
    shop, django_assert_max_num_queries
):
    # Given a cart with a mug
    client = Client()
    client.post("/cart/add", {"variant_id": shop["mug"].pk}, **SAME_ORIGIN)

    # When the checkout page is opened: session, cart, lines, tax, zones, rates, one UPDATE
    with django_assert_max_num_queries(7), CaptureQueriesContext(connection) as first:
        assert client.get("/checkout").status_code == 200

    # Then the store's country and the cheapest shipping are remembered in one write
    assert len(writes(first, "checkout_cart")) == 1
    cart = the_cart(client)
    assert cart.shipping_method_code == shop["shipping"]
    assert cart.shipping_address["country_code"] == "DE"

    # And opening it again changes nothing, so writes nothing
    with django_assert_max_num_queries(6), CaptureQueriesContext(connection) as again:
        assert client.get("/checkout").status_code == 200
    assert writes(again, "checkout_cart") == []


def test_placing_an_order_over_http_stays_within_its_statements(
    shop, django_assert_max_num_queries
):
    client = Client()
    client.post("/cart/add", {"variant_id": shop["mug"].pk}, **SAME_ORIGIN)
    page = client.get("/checkout").content.decode()
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
    assert key is not None
    form = {
        **ADDRESS,
        "idempotency_key": key.group(1),
        "payment_method": "manual",
        "shipping_method": shop["shipping"],
        "action": "place",
    }

    # (one of them: is anybody subscribed to order.created? freehold.webhooks; one more: the
    # stock history's "sold" row)
    with django_assert_max_num_queries(28), CaptureQueriesContext(connection) as placing:
        response = client.post("/checkout", form)

    assert response.status_code == 303 and response["Location"].startswith("/orders/")
    # the gateway is recorded when the order is created: payment_start writes nothing more
    assert writes(placing, "orders_order") == [
        sql for sql in writes(placing, "orders_order") if sql.startswith("INSERT")
    ]


def test_placement_itself_runs_a_constant_handful_of_statements(
    shop, django_assert_max_num_queries
):
    # Given a cart of three products with its address and shipping chosen
    other = [make_product(title=f"Tote {n}", stock=5, currency="EUR") for n in range(2)]
    cart = cart_create(currency="EUR")
    for variant in [shop["mug"], *(product.variants.get() for product in other)]:
        cart_add(cart=cart, variant_id=variant.pk, quantity=1)
    cart_set_details(
        cart=cart,
        email="ana@example.com",
        shipping_address=ADDRESS,
        shipping_method_code=shop["shipping"],
    )

    # When it is placed: the claim, cart lock, lines, tax, zones, rates, number, order,
    # lines, cart, audit, webhook subscriptions, three stock updates and their three stock
    # history rows, the key's answer (and e-mail reads at commit)
    with django_assert_max_num_queries(25):
        order = checkout_complete(
            cart_token=cart.token,
            email="ana@example.com",
            idempotency_key=uuid.uuid4().hex,
            shipping_address=ADDRESS,
        )

    # Then one statement per product takes its stock
    assert order.lines.count() == 3


def test_a_sale_writes_the_product_row_only_when_it_sells_out():
    # Given a product with three units
    product = make_product(title="Mug", stock=3)
    variant = product.variants.get()

    # When the first unit sells, only the variant row is written
    with CaptureQueriesContext(connection) as sale:
        assert stock_decrement(variant_id=variant.pk, quantity=1)
    assert writes(sale, "catalog_product") == []

    # And when the last units sell, the product is marked out of stock
    with CaptureQueriesContext(connection) as last:
        assert stock_decrement(variant_id=variant.pk, quantity=2)
    assert len(writes(last, "catalog_product")) == 1
    assert Product.objects.get(pk=product.pk).is_in_stock is False
    assert Variant.objects.get(pk=variant.pk).stock_quantity == 0


def test_placing_the_last_unit_flips_the_cached_product_page_to_sold_out(shop):
    # Given a product with one unit whose page is in the page cache
    lamp = make_product(title="Brass Lamp", stock=1, currency="EUR")
    visitor = Client()
    visitor.get(lamp.get_absolute_url())
    assert visitor.get(lamp.get_absolute_url())["X-Page-Cache"] == "hit"

    # When a shopper buys that unit
    cart = cart_create(currency="EUR")
    cart_add(cart=cart, variant_id=lamp.variants.get().pk, quantity=1)
    Cart.objects.filter(pk=cart.pk).update(shipping_method_code=shop["shipping"])
    checkout_complete(
        cart_token=cart.token,
        email="ana@example.com",
        idempotency_key=uuid.uuid4().hex,
        shipping_address=ADDRESS,
    )

    # Then the page is rendered again, sold out
    page = visitor.get(lamp.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert ">Sold out<" in page.content.decode()
