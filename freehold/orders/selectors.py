"""Reading orders: the staff's filtered list, one order with everything hanging off it, its
timeline, and the rows of the CSV export.

Lists read only the order table (names, country and totals are on the order row), so a page
of orders is one query whatever its length.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from freehold.core.models import AuditEvent
from freehold.orders.models import Fulfilment, FulfilmentLine, Order, OrderLine, OrderNote, Payment

# Longest search text taken into account, and at most this many words of it.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 4
TIMELINE_LIMIT = 300


@dataclass(frozen=True)
class OrderFilters:
    """What the staff's order list is narrowed to; every part is optional."""

    status: str = ""
    payment_status: str = ""
    fulfilment_status: str = ""
    placed_from: dt.date | None = None
    placed_to: dt.date | None = None
    country_code: str = ""
    returns: str = ""  # "open": with a return request not yet refunded, rejected or cancelled
    q: str = ""
    numbers: Sequence[str] = field(default_factory=tuple)


def _start_of(day: dt.date) -> dt.datetime:
    """Midnight of `day` in the store's time zone: "placed on the 3rd" means the store's 3rd."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _search(text: str) -> Q:
    """Number, e-mail or name: "#1001", "ana@example.com", "ana", "Ana Lima".

    A number is matched exactly (indexed), an e-mail address (or part of one, with its "@") as
    a part of the e-mail; anything else matches each word against the e-mail and the names on
    the addresses, all words required.
    """
    text = " ".join(text.split())[:SEARCH_MAX_LENGTH]
    bare = text.lstrip("#")
    if bare.isdigit():
        return Q(number=bare)
    if "@" in text and " " not in text:
        return Q(email__icontains=text)
    condition = Q()
    for word in text.split()[:SEARCH_MAX_WORDS]:
        condition &= (
            Q(email__icontains=word)
            | Q(shipping_address__first_name__icontains=word)
            | Q(shipping_address__last_name__icontains=word)
            | Q(billing_address__first_name__icontains=word)
            | Q(billing_address__last_name__icontains=word)
        )
    return condition


# Return requests still waiting for staff (the returns app builds on orders, so its model is
# reached through the relation rather than imported).
OPEN_RETURN_STATUSES = ("requested", "approved", "received")


def _return_requests() -> QuerySet[Any]:
    return Order._meta.get_field("return_requests").related_model._default_manager.all()


def order_list(filters: OrderFilters) -> QuerySet[Order]:
    """Orders matching the filters, newest first."""
    orders = Order.objects.all()
    for name in ("status", "payment_status", "fulfilment_status"):
        value = getattr(filters, name)
        if value:
            orders = orders.filter(**{name: value})
    if filters.placed_from:
        orders = orders.filter(placed_at__gte=_start_of(filters.placed_from))
    if filters.placed_to:
        orders = orders.filter(placed_at__lt=_start_of(filters.placed_to + dt.timedelta(days=1)))
    if filters.country_code:
        orders = orders.filter(shipping_address__country_code=filters.country_code.upper())
    if filters.returns == "open":
        orders = orders.filter(
            Exists(_return_requests().filter(order=OuterRef("pk"), status__in=OPEN_RETURN_STATUSES))
        )
    if filters.q.strip():
        orders = orders.filter(_search(filters.q))
    if filters.numbers:
        orders = orders.filter(number__in=[str(number) for number in filters.numbers])
    return orders.order_by("-placed_at", "-id")


def with_unit_counts(orders: QuerySet[Order]) -> QuerySet[Order]:
    """Each order with `units` (the units it sold), still one query for a page of orders.

    A correlated subquery rather than a join with GROUP BY: the database counts only the rows
    of the page, not every matching order before the LIMIT.
    """
    units = (
        OrderLine.objects.filter(order=OuterRef("pk"))
        .order_by()
        .values("order")
        .annotate(units=Sum("quantity"))
        .values("units")
    )
    return orders.annotate(units=Subquery(units))


def order_for_staff(number: str) -> Order | None:
    """One order with its lines, payments, parcels (and their lines) and notes, or None."""
    return (
        Order.objects.filter(number=number.lstrip("#")[:32])
        .select_related("customer")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("pk")),
            Prefetch("payments", queryset=Payment.objects.order_by("created_at", "pk")),
            Prefetch(
                "fulfilments",
                queryset=Fulfilment.objects.order_by("created_at", "pk").prefetch_related(
                    Prefetch(
                        "lines",
                        queryset=FulfilmentLine.objects.select_related("order_line").order_by("pk"),
                    )
                ),
            ),
            Prefetch("notes", queryset=OrderNote.objects.order_by("created_at", "pk")),
        )
        .first()
    )


def orders_for_print(numbers: Sequence[str]) -> list[Order]:
    """Orders (with their lines) for packing slips, in the order the numbers were given."""
    found = {
        order.number: order
        for order in Order.objects.filter(number__in=list(numbers)).prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("pk"))
        )
    }
    return [found[number] for number in dict.fromkeys(numbers) if number in found]


@dataclass(frozen=True)
class TimelineEntry:
    at: dt.datetime
    kind: str  # "event" or "note"
    actor: str
    event: AuditEvent | None = None
    note: OrderNote | None = None


def order_timeline(order: Order) -> list[TimelineEntry]:
    """What happened to the order, newest first: its audit events (and those of its payments,
    parcels, returns and withdrawals) merged with the staff notes.

    Expects `order_for_staff`'s prefetched payments, parcels and notes.
    """
    related = Q(object_type="orders.order", object_id=str(order.pk))
    for label, ids in (
        ("orders.payment", [payment.pk for payment in order.payments.all()]),
        ("orders.fulfilment", [parcel.pk for parcel in order.fulfilments.all()]),
        ("returns.returnrequest", list(order.return_requests.values_list("pk", flat=True))),
        ("returns.withdrawal", list(order.withdrawals.values_list("pk", flat=True))),
    ):
        if ids:
            related |= Q(object_type=label, object_id__in=[str(pk) for pk in ids])
    events = (
        AuditEvent.objects.filter(related)
        .exclude(verb="order.note_added")
        .order_by("-created_at", "-pk")[:TIMELINE_LIMIT]
    )
    entries = [
        TimelineEntry(
            at=event.created_at,
            kind="event",
            actor=event.actor_label or event.actor_kind,
            event=event,
        )
        for event in events
    ]
    entries += [
        TimelineEntry(at=note.created_at, kind="note", actor=note.author_label, note=note)
        for note in order.notes.all()
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


def shipping_name(address: dict[str, Any] | None) -> str:
    address = address or {}
    name = str(address.get("name", "")).strip()
    if name:
        return name
    return " ".join(
        str(address.get(key, "")).strip() for key in ("first_name", "last_name") if address.get(key)
    )
