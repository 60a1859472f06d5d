"""Orders placed through the real checkout, for tests of the screens that manage them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.audit import Actor
from freehold.orders.models import Order
from freehold.payments.services import payment_mark_paid
from tests.factories import make_product, make_store_settings

STAFF_ACTOR = Actor.system("test")


def address(**fields: Any) -> dict[str, str]:
    values = {
        "first_name": "Ana",
        "last_name": "Lima",
        "line1": "Hauptstraße 1",
        "city": "Berlin",
        "postal_code": "10115",
        "country_code": "DE",
    }
    values.update(fields)
    return values


def make_variant(*, title: str, price: str = "20.00", stock: int = 20, sku: str = "") -> Variant:
    product = make_product(title=title, price=price, stock=stock, currency="EUR")
    variant = Variant.objects.get(product=product)
    if sku:
        variant.sku = sku
        variant.save(update_fields=["sku"])
    return variant


def place_order(
    items: Sequence[tuple[Variant, int]],
    *,
    email: str = "ana@example.com",
    paid: bool = False,
    gateway: str = "manual",
    shipping_address: dict[str, str] | None = None,
) -> Order:
    """An order for `items` placed through the checkout, in EUR, paid by bank transfer."""
    make_store_settings(currency="EUR")
    cart = cart_create(currency="EUR")
    for variant, quantity in items:
        cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    order = checkout_complete(
        cart_token=cart.token,
        email=email,
        idempotency_key=uuid.uuid4().hex,
        shipping_address=shipping_address if shipping_address is not None else address(),
        payment_gateway=gateway,
    )
    if paid:
        payment_mark_paid(order=order, actor=STAFF_ACTOR)
        order.refresh_from_db()
    return order
