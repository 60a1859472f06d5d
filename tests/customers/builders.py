"""Builders for account tests: customers, and real orders placed through the checkout services."""

from __future__ import annotations

import uuid
from typing import Any

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.customers.models import Customer
from freehold.orders.models import Order
from tests.factories import make_product

PASSWORD = "correct horse battery staple"
ADDRESS = {
    "first_name": "Ana",
    "last_name": "Lima",
    "line1": "Rua das Flores 7",
    "postal_code": "1200-195",
    "city": "Lisboa",
    "country_code": "PT",
}


def make_customer(email: str = "ana@example.com", **fields: Any) -> Customer:
    return Customer.objects.create_user(email=email, password=PASSWORD, **fields)


def make_variant(*, title: str | None = None, price: str = "20.00", stock: int = 10) -> Variant:
    product = make_product(title=title, price=price, stock=stock, currency="EUR")
    return Variant.objects.get(product=product)


def place_order(
    *items: tuple[Variant, int],
    customer: Customer | None = None,
    email: str = "ana@example.com",
) -> Order:
    cart = cart_create(currency="EUR", customer=customer)
    for variant, quantity in items:
        cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    return checkout_complete(
        cart_token=cart.token,
        email=email,
        idempotency_key=uuid.uuid4().hex,
        shipping_address=ADDRESS,
    )
