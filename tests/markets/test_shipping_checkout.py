"""Shipping zones by region and postcode through the cart, the checkout quote and the sale."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from freehold.catalog.models import Variant
from freehold.checkout import selectors, services
from freehold.checkout.errors import CartError
from freehold.checkout.models import Cart
from freehold.checkout.placement import checkout_complete
from freehold.markets.models import ShippingRate, ShippingZone
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

D = Decimal
HONOLULU = {
    "first_name": "Leilani",
    "last_name": "Kahale",
    "line1": "2255 Kalakaua Ave",
    "city": "Honolulu",
    "region": "HI",
    "postal_code": "96815",
    "country_code": "US",
    "phone": "",
}
NEW_YORK = {**HONOLULU, "city": "New York", "region": "NY", "postal_code": "10001"}


@pytest.fixture
def zones() -> dict[str, ShippingZone]:
    make_store_settings(currency="EUR", country_code="DE")
    mainland = ShippingZone.objects.create(name="United States", countries=["US"])
    ShippingRate.objects.create(
        zone=mainland, code="standard", name="Standard", price_amount=D("19.90"), currency="EUR"
    )
    remote = ShippingZone.objects.create(name="Alaska and Hawaii", regions=["US-AK", "US-HI"])
    ShippingRate.objects.create(
        zone=remote, code="standard", name="Remote", price_amount=D("39.90"), currency="EUR"
    )
    return {"mainland": mainland, "remote": remote}


def a_cart(price: str = "80.00") -> Cart:
    variant = Variant.objects.get(product=make_product(price=price, stock=50, currency="EUR"))
    cart = services.cart_create(currency="EUR")
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)
    return cart


def test_the_quote_places_the_address_by_its_region(zones):
    cart = a_cart()

    hawaii = selectors.checkout_quote(
        cart, country_code="US", region="HI", postal_code="96815", email="", strict=False
    )
    new_york = selectors.checkout_quote(
        cart, country_code="US", region="NY", postal_code="10001", email="", strict=False
    )

    assert [o.name for o in hawaii.shipping_options] == ["Remote"]
    assert [o.name for o in new_york.shipping_options] == ["Standard"]


def test_without_a_region_the_quote_uses_the_carts_stored_address(zones):
    # Given a cart whose stored address is in Hawaii
    cart = a_cart()
    services.cart_set_details(cart=cart, email="l@example.com", shipping_address=HONOLULU)

    # When a caller that only knows the country asks, then Hawaii's rates are quoted
    quote = selectors.checkout_quote(cart, country_code="US", email="", strict=False)
    assert [o.name for o in quote.shipping_options] == ["Remote"]
    # but another country's stored region means nothing for a quote to Canada
    canada = selectors.checkout_quote(cart, country_code="CA", email="", strict=False)
    assert canada.problems["country_code"] == "We don’t ship to Canada yet."


def test_moving_the_address_to_another_zone_clears_the_chosen_rate(zones):
    # Given a cart shipping to New York with the mainland rate chosen
    cart = a_cart()
    services.cart_set_details(cart=cart, email="l@example.com", shipping_address=NEW_YORK)
    services.cart_set_shipping_method(cart=cart, code=f"{zones['mainland'].pk}:standard")

    # When the address moves within the zone, the choice stays; into Hawaii, it is cleared
    services.cart_set_details(
        cart=cart, email="l@example.com", shipping_address={**NEW_YORK, "postal_code": "10002"}
    )
    assert Cart.objects.get(pk=cart.pk).shipping_method_code == f"{zones['mainland'].pk}:standard"
    services.cart_set_details(cart=cart, email="l@example.com", shipping_address=HONOLULU)
    assert Cart.objects.get(pk=cart.pk).shipping_method_code == ""


def test_the_sale_charges_the_regions_rate_and_refuses_the_mainlands(zones):
    # Given a Hawaiian cart that somehow holds the mainland rate (chosen before the move)
    cart = a_cart()
    services.cart_set_details(
        cart=cart,
        email="l@example.com",
        shipping_address=HONOLULU,
        shipping_method_code=f"{zones['mainland'].pk}:standard",
    )

    # When it is placed, then the mainland rate is refused for the address
    with pytest.raises(CartError) as refused:
        checkout_complete(
            cart_token=cart.token,
            email="l@example.com",
            idempotency_key=uuid.uuid4().hex,
            shipping_address=HONOLULU,
        )
    assert refused.value.field == "shipping_method"

    # And with Hawaii's rate chosen, the order is charged it
    services.cart_set_shipping_method(cart=cart, code=f"{zones['remote'].pk}:standard")
    order = checkout_complete(
        cart_token=cart.token,
        email="l@example.com",
        idempotency_key=uuid.uuid4().hex,
        shipping_address=HONOLULU,
    )
    assert order.shipping_amount == D("39.90")
