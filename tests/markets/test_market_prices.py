"""Prices in the shopper's market: converted with the day's ECB rate from the net base price,
rounded by the market's rule, or fixed per variant; carried through the cart to the order,
which records the presentment and base amounts and the rate."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest

from freehold.catalog.models import Variant
from freehold.checkout.models import Cart
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.markets.models import Market
from freehold.markets.services import market_price_set, market_save
from freehold.orders.models import Order
from tests.checkout.test_views import SAME_ORIGIN
from tests.factories import make_product
from tests.markets.conftest import ACTOR

pytestmark = pytest.mark.django_db
US_ADDRESS = {
    "first_name": "Ana",
    "last_name": "Lima",
    "line1": "350 Fifth Avenue",
    "city": "New York",
    "region": "NY",
    "postal_code": "10118",
    "country_code": "US",
}


@pytest.fixture
def coat(markets):
    # EUR 119.00 with 19 % VAT included: EUR 100.00 net.
    return make_product(title="Wool Coat", price="119.00", compare_at="149.00", currency="EUR")


def shown_price(client, path: str) -> str:
    page = client.get(path).content.decode()
    found = re.search(r'id="product-price"[^>]*>([^<]+)<', page)
    assert found, page[:500]
    return found.group(1).replace("\xa0", " ")


def test_the_default_market_shows_the_catalog_price(client, coat):
    assert shown_price(client, "/products/wool-coat") == "€119.00"


def test_a_tax_exclusive_market_converts_the_net_price_and_rounds_to_99(client, coat):
    # 100.00 net x 1.0163 = 101.63, up to .99
    assert shown_price(client, "/en-us/products/wool-coat") == "$101.99"


def test_yen_prices_are_whole_numbers_rounded_up_to_ten(client, coat):
    # 100.00 x 138.05 = 13,805 yen, up to the next 10
    assert shown_price(client, "/ja-jp/products/wool-coat") == "￥13,810"


def test_structured_data_and_cards_use_the_market_currency(client, coat):
    page = client.get("/en-us/products/wool-coat").content.decode()
    assert '"priceCurrency": "USD"' in page
    assert '"price": "101.99"' in page

    listing = client.get("/en-us/collections/all").content.decode()
    assert "$101.99" in listing
    assert "€" not in re.sub(r"<option[^>]*>[^<]*</option>", "", listing)


def test_a_fixed_price_wins_over_the_conversion(client, coat, markets):
    us = markets["us"]
    us.pricing_mode = Market.PricingMode.FIXED
    market_save(market=us, actor=ACTOR)
    variant = Variant.objects.get(product=coat)
    market_price_set(
        market=us,
        variant_id=variant.pk,
        price=Decimal("95"),
        compare_at=Decimal("120"),
        actor=ACTOR,
    )

    assert shown_price(client, "/en-us/products/wool-coat") == "$95.00"


def test_adding_to_the_cart_in_a_market_makes_a_cart_in_its_currency(client, coat):
    variant = Variant.objects.get(product=coat)

    response = client.post(
        "/en-us/cart/add", {"variant_id": variant.pk, "quantity": 2}, **SAME_ORIGIN
    )

    assert response.status_code == 303
    assert response["Location"].startswith("/en-us/")
    cart = Cart.objects.get()
    assert (cart.market_code, cart.currency) == ("us", "USD")
    page = client.get("/en-us/cart").content.decode()
    assert "$203.98" in page  # 2 x 101.99


def test_switching_market_moves_the_open_cart_to_the_new_currency(client, coat):
    variant = Variant.objects.get(product=coat)
    client.post("/en-us/cart/add", {"variant_id": variant.pk}, **SAME_ORIGIN)

    page = client.get("/ja-jp/cart").content.decode()

    cart = Cart.objects.get()
    assert (cart.market_code, cart.currency) == ("jp", "JPY")
    assert "13,810" in page


def test_the_order_records_presentment_and_base_amounts_and_the_rate(coat):
    variant = Variant.objects.get(product=coat)
    cart = cart_create(currency="USD", market_code="us")
    cart_add(cart=cart, variant_id=variant.pk, quantity=2)

    order = checkout_complete(
        cart_token=cart.token,
        email="ana@example.com",
        idempotency_key=uuid.uuid4().hex,
        shipping_address=US_ADDRESS,
        language="es",
    )

    order = Order.objects.get(pk=order.pk)
    assert (order.currency, order.market_code, order.language) == ("USD", "us", "es")
    assert order.subtotal_amount == Decimal("203.98")
    assert order.lines.get().unit_price_amount == Decimal("101.99")
    assert order.base_currency == "EUR"
    assert order.fx_rate == Decimal("1.0163")
    assert order.base_total_amount == (order.total_amount / Decimal("1.0163")).quantize(
        Decimal("0.01")
    )


def test_the_product_page_says_whether_tax_is_included(client, coat):
    assert "Tax included." in client.get("/products/wool-coat").content.decode()
    assert "Tax calculated at checkout." in client.get("/en-us/products/wool-coat").content.decode()
