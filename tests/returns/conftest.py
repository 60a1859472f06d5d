"""Builders for after-sales tests: real orders, placed, paid, shipped and delivered."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.orders.models import Fulfilment, Order
from freehold.orders.operations import fulfilment_create
from freehold.payments.services import payment_mark_paid
from tests.factories import make_product

STAFF = Actor(kind=AuditEvent.ActorKind.STAFF, id="1", label="staff@example.com")
PLACED = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)
SHIPPED = dt.datetime(2025, 3, 2, 10, 0, tzinfo=dt.UTC)
DELIVERED = dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.UTC)
PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "orders@fjell.example"


def make_customer(email: str = "ana@example.com") -> Customer:
    return Customer.objects.create_user(email=email, password=PASSWORD)


def variant(price: str = "20.00", stock: int = 10) -> Variant:
    product = make_product(price=price, stock=stock, currency="EUR")
    return Variant.objects.get(product=product)


def place(
    *items: tuple[Variant, int],
    customer: Customer | None = None,
    email: str = "ana@example.com",
    shipping_address: dict[str, Any] | None = None,
) -> Order:
    with frozen_at(PLACED):
        cart = cart_create(currency="EUR", customer=customer)
        for item, quantity in items:
            cart_add(cart=cart, variant_id=item.pk, quantity=quantity)
        return checkout_complete(
            cart_token=cart.token,
            email=email,
            idempotency_key=uuid.uuid4().hex,
            shipping_address=shipping_address,
        )


def pay(order: Order) -> Order:
    with frozen_at(PLACED):
        payment_mark_paid(order=order, actor=STAFF)
    order.refresh_from_db()
    return order


def ship(
    order: Order,
    lines: dict[int, int] | None = None,
    *,
    at: dt.datetime = SHIPPED,
    delivered_at: dt.datetime | None = None,
) -> Fulfilment:
    """Ship `lines` (every unit left by default); mark the parcel delivered when given a moment."""
    if lines is None:
        lines = {
            line.pk: line.quantity - line.quantity_fulfilled
            for line in order.lines.all()
            if line.quantity > line.quantity_fulfilled
        }
    with frozen_at(at):
        fulfilment = fulfilment_create(order=order, lines=lines, actor=STAFF, carrier="DHL")
    if delivered_at is not None:
        Fulfilment.objects.filter(pk=fulfilment.pk).update(
            status=Fulfilment.Status.DELIVERED, delivered_at=delivered_at
        )
        fulfilment.refresh_from_db()
    order.refresh_from_db()
    return fulfilment


@pytest.fixture
def shipped_order() -> Callable[..., Order]:
    """A paid order of 2 mugs and 1 tote for Ana's account, shipped and delivered."""

    def build(customer: Customer, *, delivered_at: dt.datetime | None = DELIVERED) -> Order:
        mug, tote = variant("20.00"), variant("30.00")
        order = pay(place((mug, 2), (tote, 1), customer=customer))
        ship(order, delivered_at=delivered_at)
        return order

    return build
