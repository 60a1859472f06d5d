"""Calling the admin API as a client would: a token with scopes, JSON bodies, headers."""

from __future__ import annotations

import uuid
from typing import Any

from django.test import Client

from freehold.api.services import api_token_create
from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.audit import Actor
from freehold.orders.models import Order
from freehold.payments.services import payment_mark_paid
from tests.factories import make_product, make_store_settings

STAFF = Actor.system("test")


def token(*scopes: str) -> str:
    """The secret of a new token named "Warehouse" holding `scopes`."""
    _token, secret = api_token_create(name="Warehouse", scopes=list(scopes), actor=STAFF)
    return secret


def call(
    method: str, path: str, secret: str | None, body: dict[str, Any] | None = None, **headers: Any
) -> Any:
    if secret is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return getattr(Client(), method)(path, body or {}, content_type="application/json", **headers)


def place(email: str = "ana@example.com", *, paid: bool = True) -> Order:
    """An order for two units at 20.00 EUR, paid unless said otherwise."""
    make_store_settings(currency="EUR")
    variant = Variant.objects.get(product=make_product(price="20.00", stock=5, currency="EUR"))
    cart = cart_create(currency="EUR")
    cart_add(cart=cart, variant_id=variant.pk, quantity=2)
    order = checkout_complete(cart_token=cart.token, email=email, idempotency_key=uuid.uuid4().hex)
    if paid:
        payment_mark_paid(order=order, actor=STAFF)
    return order
