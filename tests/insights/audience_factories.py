"""Customers and orders at known dates for the audience tests (profiles, segments, RFM, cohorts)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from freehold.catalog.models import Product
from freehold.customers.models import Customer
from freehold.orders.models import Order, OrderLine, Payment
from freehold.orders.services import order_number_next
from freehold.orders.states import PaymentStatus

NOW = dt.datetime(2026, 6, 15, 12, tzinfo=dt.UTC)


def buyer(email: str, **fields: Any) -> Customer:
    return Customer.objects.create_user(email, "x", **fields)


def order_for(
    customer: Customer | None,
    total: str,
    *,
    days_ago: float = 0,
    at: dt.datetime | None = None,
    payment_status: str = PaymentStatus.PAID,
    currency: str = "EUR",
    base_total: str | None = None,
    refunded: str = "",
    market: str = "",
    language: str = "",
    products: tuple[Product, ...] = (),
    email: str = "",
) -> Order:
    """A placed order (paid by default) `days_ago` days before NOW, in EUR unless told."""
    placed = at or NOW - dt.timedelta(days=days_ago)
    amount = Decimal(total)
    order = Order.objects.create(
        number=order_number_next(),
        customer=customer,
        email=email or (customer.email if customer else "guest@example.com"),
        currency=currency,
        subtotal_amount=amount,
        total_amount=amount,
        base_currency="EUR",
        base_total_amount=Decimal(base_total) if base_total is not None else amount,
        payment_status=payment_status,
        market_code=market,
        language=language,
        placed_at=placed,
        paid_at=placed if payment_status != PaymentStatus.AWAITING_PAYMENT else None,
        created_at=placed,
    )
    for product in products:
        variant = product.variants.first()
        OrderLine.objects.create(
            order=order,
            variant=variant,
            product_title=product.title,
            quantity=1,
            currency=currency,
            unit_price_amount=amount,
            total_amount=amount,
        )
    if refunded:
        Payment.objects.create(
            order=order,
            gateway="test",
            kind=Payment.Kind.REFUND,
            status=Payment.Status.SUCCEEDED,
            currency=currency,
            amount=Decimal(refunded),
            created_at=placed + dt.timedelta(days=1),
        )
        if order.payment_status == PaymentStatus.PAID:
            order.payment_status = (
                PaymentStatus.REFUNDED
                if Decimal(refunded) >= amount
                else PaymentStatus.PARTIALLY_REFUNDED
            )
            order.save(update_fields=["payment_status"])
    return order
