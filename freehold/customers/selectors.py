"""What a customer may read (their orders and addresses, always filtered by owner), and what
staff read about customers (the dashboard's list, figures and export).

Every shopper lookup takes the customer and filters on it in the query, so another customer's
order number or address id finds nothing (the views answer 404, the same as for a missing row).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    TextField,
    Value,
)
from django.db.models.functions import Cast, Coalesce
from django.db.models.lookups import Contains

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES
from freehold.customers.models import Address, Customer
from freehold.markets.countries import country_codes
from freehold.notifications import emails
from freehold.orders.models import Fulfilment, Order, Payment
from freehold.orders.states import PaymentStatus
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


# --- Staff reads: the dashboard's customer list, a customer's figures, the export -----------

# Orders whose money the store took (and kept, less refunds): what lifetime value counts.
PAID_STATUSES = (
    PaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
CUSTOMER_SORTS: dict[str, tuple[str, ...]] = {
    "newest": ("-date_joined", "-id"),
    "oldest": ("date_joined", "id"),
    "name": ("last_name", "first_name", "email"),
    "orders": ("-order_count", "-id"),
    "spent": ("-total_spent", "-id"),
}


@dataclass(frozen=True)
class CustomerFilters:
    """What the dashboard's customer list (and its CSV export) is narrowed to."""

    query: str = ""
    country: str = ""
    accepts_marketing: bool | None = None
    has_orders: bool | None = None
    tag: str = ""
    sort: str = "newest"


def _per_customer(queryset: QuerySet[Any], value: Any) -> Subquery:
    """One aggregate of `queryset` (rows with a `customer` column) for the outer customer row.

    A correlated subquery per figure rather than joins, so the order and refund counts cannot
    multiply each other, and the list stays one query whatever the page size.
    """
    return Subquery(
        queryset.filter(customer=OuterRef("pk"))
        .order_by()
        .values("customer")
        .annotate(value=value)
        .values("value")[:1]
    )


def _refunds(currency: str | None = None) -> QuerySet[Payment]:
    refunds = Payment.objects.filter(kind=Payment.Kind.REFUND, status=Payment.Status.SUCCEEDED)
    return refunds.filter(order__currency=currency) if currency else refunds


def customers_for_staff(*, currency: str) -> QuerySet[Customer]:
    """Shoppers (never staff accounts), each with `order_count`, `total_spent` (in the store's
    `currency`: paid order totals less refunds) and `last_order_at` computed by the database."""
    money = DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    placed = Order.objects.filter(placed_at__isnull=False)
    paid = placed.filter(payment_status__in=PAID_STATUSES, currency=currency)
    refunds = Payment.objects.filter(
        kind=Payment.Kind.REFUND, status=Payment.Status.SUCCEEDED, order__currency=currency
    ).annotate(customer=F("order__customer"))
    zero = Value(Decimal(0), output_field=money)
    return Customer.objects.filter(is_staff=False).annotate(
        order_count=Coalesce(_per_customer(placed, Count("pk")), Value(0)),
        total_spent=ExpressionWrapper(
            Coalesce(_per_customer(paid, Sum("total_amount")), zero)
            - Coalesce(_per_customer(refunds, Sum("amount")), zero),
            output_field=money,
        ),
        last_order_at=_per_customer(placed, Max("placed_at")),
    )


def customers_filtered(filters: CustomerFilters, *, currency: str) -> QuerySet[Customer]:
    customers = customers_for_staff(currency=currency)
    for word in filters.query.split()[:6]:
        customers = customers.filter(
            Q(email__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(phone__icontains=word)
        )
    if filters.country:
        customers = customers.filter(country_code=filters.country.upper())
    if filters.accepts_marketing is not None:
        customers = customers.filter(accepts_marketing=filters.accepts_marketing)
    if filters.has_orders is True:
        customers = customers.filter(Q(order_count__gt=0))
    elif filters.has_orders is False:
        customers = customers.filter(Q(order_count=0))
    if filters.tag:
        customers = customers.filter(_has_tag(filters.tag))
    order = CUSTOMER_SORTS.get(filters.sort, CUSTOMER_SORTS["newest"])
    return customers.order_by(*order)


def _has_tag(tag: str) -> Q | Contains:
    """Customers whose `tags` list holds `tag` (stored lower-cased).

    PostgreSQL answers JSON containment directly; SQLite has no such lookup, so the stored
    JSON text is searched for the tag as JSON encodes it, quotes included, which matches whole
    elements only ("vip" does not find "vip-gold").
    """
    name = " ".join(tag.split()).lower()
    if connection.vendor == "postgresql":
        return Q(tags__contains=[name])
    return Contains(Cast("tags", output_field=TextField()), json.dumps(name))


def customer_for_staff(customer_id: int) -> Customer | None:
    return (
        Customer.objects.filter(pk=customer_id, is_staff=False)
        .prefetch_related(
            Prefetch("addresses", queryset=Address.objects.order_by("-is_default", "-id"))
        )
        .first()
    )


@dataclass(frozen=True)
class CurrencyFigures:
    """One currency's figures for a customer: what they paid, got back, and their orders."""

    currency: str
    orders: int
    paid_orders: int
    paid: Decimal
    refunded: Decimal

    @property
    def lifetime_value(self) -> Decimal:
        return self.paid - self.refunded

    @property
    def average_order_value(self) -> Decimal | None:
        return self.lifetime_value / self.paid_orders if self.paid_orders else None


@dataclass(frozen=True)
class CustomerFigures:
    order_count: int
    first_order_at: Any
    last_order_at: Any
    by_currency: list[CurrencyFigures]


def customer_figures(customer: Customer) -> CustomerFigures:
    """Lifetime value per currency (paid totals less refunds), order counts, first and last
    order: two grouped queries, whatever the number of orders."""
    money_taken = Q(payment_status__in=PAID_STATUSES)
    rows = (
        Order.objects.filter(customer=customer, placed_at__isnull=False)
        .order_by()
        .values("currency")
        .annotate(
            orders=Count("pk"),
            paid_orders=Count("pk", filter=money_taken),
            paid=Sum("total_amount", filter=money_taken),
            first=Min("placed_at"),
            last=Max("placed_at"),
        )
    )
    refunded = dict(
        _refunds()
        .filter(order__customer=customer)
        .order_by()
        .values("order__currency")
        .annotate(total=Sum("amount"))
        .values_list("order__currency", "total")
    )
    figures = [
        CurrencyFigures(
            currency=row["currency"],
            orders=row["orders"],
            paid_orders=row["paid_orders"],
            paid=row["paid"] or Decimal(0),
            refunded=refunded.get(row["currency"]) or Decimal(0),
        )
        for row in rows
    ]
    figures.sort(key=lambda item: (-item.orders, item.currency))
    firsts = [row["first"] for row in rows if row["first"]]
    lasts = [row["last"] for row in rows if row["last"]]
    return CustomerFigures(
        order_count=sum(item.orders for item in figures),
        first_order_at=min(firsts) if firsts else None,
        last_order_at=max(lasts) if lasts else None,
        by_currency=figures,
    )


def customer_recent_orders(customer: Customer, *, limit: int = 20) -> list[Order]:
    return list(
        Order.objects.filter(customer=customer, placed_at__isnull=False)
        .only(
            "number",
            "placed_at",
            "status",
            "payment_status",
            "fulfilment_status",
            "total_amount",
            "currency",
        )
        .order_by("-placed_at", "-id")[:limit]
    )
