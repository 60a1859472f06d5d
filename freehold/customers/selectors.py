"""What a customer may read: their orders and addresses, always filtered by owner.

Every lookup takes the customer and filters on it in the query, so another customer's order
number or address id finds nothing (the views answer 404, the same as for a missing row).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db.models import Prefetch, QuerySet

from freehold.customers.models import Address, Customer
from freehold.markets.countries import country_codes
from freehold.notifications import emails
from freehold.orders.models import Fulfilment, Order
from freehold.storefront.jinja import country_name


def customer_orders(customer: Customer) -> QuerySet[Order]:
    """The customer's orders, newest first.

    Guest orders placed with the same e-mail address are not here unless they were linked.
    """
    return Order.objects.filter(customer=customer).order_by("-placed_at", "-id")


def customer_order(customer: Customer, number: str) -> Order | None:
    return (
        Order.objects.filter(customer=customer, number=number)
        .prefetch_related(
            "lines",
            Prefetch(
                "fulfilments",
                queryset=Fulfilment.objects.exclude(status=Fulfilment.Status.CANCELLED),
            ),
        )
        .first()
    )


def customer_addresses(customer: Customer) -> list[Address]:
    return list(Address.objects.filter(customer=customer).order_by("-is_default", "-id"))


def customer_address(customer: Customer, address_id: int) -> Address | None:
    return Address.objects.filter(customer=customer, pk=address_id).first()


def order_for_token(token: str) -> Order | None:
    """The order a confirmation link names (register-from-order), if it has no owner yet."""
    if not token:
        return None
    return Order.objects.filter(token=token, customer__isnull=True).first()


def order_for_lookup(*, number: str, email: str) -> Order | None:
    """The order with this number, if `email` is the one it was placed with (any case)."""
    order = Order.objects.filter(number=number).only("pk", "token", "email").first()
    if order is None:
        return None
    matches = hmac.compare_digest(
        order.email.strip().lower().encode(), email.strip().lower().encode()
    )
    return order if matches else None


# --- Presenting an order --------------------------------------------------------------------


@dataclass(frozen=True)
class OrderView:
    order: Order
    lines: list[Any]
    totals: list[emails.Total]
    shipping_address: list[str]
    fulfilments: list[Fulfilment]


def order_view(order: Order, *, language: str) -> OrderView:
    """The order detail page's content: lines, totals and address as the e-mails show them."""
    return OrderView(
        order=order,
        lines=list(order.lines.all()),
        totals=emails._totals(order),
        shipping_address=emails._address_lines(order.shipping_address, language),
        fulfilments=list(order.fulfilments.all()),
    )


@lru_cache(maxsize=8)
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """Every country code with its name in the store's language, sorted by name."""
    return tuple(
        sorted(
            ((code, country_name(code, language)) for code in country_codes()),
            key=lambda item: item[1],
        )
    )
