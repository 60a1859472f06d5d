"""A placed order in a given language, for the e-mail tests."""

from __future__ import annotations

import uuid

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.orders.models import Order
from tests.factories import make_product, make_store_settings

ADDRESS = {
    "first_name": "Claire",
    "last_name": "Martin",
    "line1": "Torstraße 12",
    "postal_code": "10119",
    "city": "Berlin",
    "country_code": "DE",
}


def make_order(*, language: str) -> Order:
    """An order of two mugs at EUR 12.25 in an English store, placed in `language`."""
    make_store_settings(name="Fjell", currency="EUR", language="en", country_code="DE")
    mug = make_product(title="Stoneware Mug", price="12.25", stock=10, currency="EUR")
    cart = cart_create(currency="EUR")
    cart_add(cart=cart, variant_id=Variant.objects.get(product=mug).pk, quantity=2)
    order = checkout_complete(
        cart_token=cart.token,
        email="claire@example.com",
        idempotency_key=uuid.uuid4().hex,
        shipping_address=ADDRESS,
    )
    Order.objects.filter(pk=order.pk).update(language=language)
    order.refresh_from_db()
    return order
