"""A customer's profile for staff: what they are worth and what they did, newest first.

Figures (`customer_profile`, one query grouped by market and language): lifetime value (paid
orders net of refunds, base currency, as in `scores`), paid orders, average order value, first
and last paid order, preferred market and language (the most frequent among all their placed
orders; ties go to the most recent), and their RFM class from the nightly `CustomerScore`.

Timeline (`customer_timeline`): their orders (placed, paid, shipped, refunded) and their
events (`insights.Event`: product views, searches, add to cart, checkout) merged newest first,
a page at a time by a "before" cursor: five small indexed queries per page, whatever the page.
Purchase and refund events are left out: the orders' own entries say the same, with links.

Guests who register or log in: their earlier *events* (same first-party visitor id, no
customer yet) are given to the account (`visitor_events_merge`, on `user_logged_in`). Their
guest *orders* are not: anyone can type an e-mail address at checkout, so it proves nothing
(README "Customer accounts"); only the order whose token they hold is linked at registration.
A visitor id exists only with analytics consent (or where none is needed), so nothing is
merged for a visitor who refused.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Max, Min, Q, Sum
from django.http import HttpRequest
from django.utils.dateparse import parse_datetime

from freehold.customers.models import Customer
from freehold.insights import scores
from freehold.insights.models import CustomerScore, Event
from freehold.orders.models import Fulfilment, Order, Payment

TIMELINE_PAGE = 25
# Events the orders' entries already tell.
_ORDER_EVENT_KINDS = (Event.Kind.PURCHASE, Event.Kind.REFUND)


@dataclass(frozen=True)
class Profile:
    currency: str
    lifetime_value: Decimal
    paid_orders: int
    orders: int
    average_order_value: Decimal | None
    first_order_at: dt.datetime | None
    last_order_at: dt.datetime | None
    preferred_market: str
    preferred_language: str
    tags: list[str]
    score: CustomerScore | None

    @property
    def rfm_label(self) -> str:
        return scores.class_label(self.score.rfm_class) if self.score else ""


def _most_frequent(counts: Counter[str], latest: dict[str, dt.datetime]) -> str:
    candidates = [(count, latest.get(value), value) for value, count in counts.items() if value]
    if not candidates:
        return ""
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return max(candidates, key=lambda item: (item[0], item[1] or epoch))[2]


def customer_profile(customer: Customer, *, currency: str) -> Profile:
    """The profile's figures: one grouped query over the customer's orders, one for the score."""
    paid = Q(payment_status__in=scores.PAID_STATES)
    rows = list(
        Order.objects.filter(customer=customer, placed_at__isnull=False)
        .order_by()
        .values("market_code", "language")
        .annotate(
            orders=Count("pk"),
            latest=Max("placed_at"),
            paid_orders=Count("pk", filter=paid),
            spent=Sum(scores.net_base_amount(), filter=paid),
            first=Min("placed_at", filter=paid),
            last=Max("placed_at", filter=paid),
        )
    )
    markets: Counter[str] = Counter()
    languages: Counter[str] = Counter()
    market_latest: dict[str, dt.datetime] = {}
    language_latest: dict[str, dt.datetime] = {}
    for row in rows:
        markets[row["market_code"]] += row["orders"]
        languages[row["language"]] += row["orders"]
        for seen, key in ((market_latest, row["market_code"]), (language_latest, row["language"])):
            if key not in seen or row["latest"] > seen[key]:
                seen[key] = row["latest"]
    paid_orders = sum(row["paid_orders"] for row in rows)
    spent = sum((Decimal(row["spent"] or 0) for row in rows), Decimal(0)).quantize(Decimal("0.01"))
    firsts = [row["first"] for row in rows if row["first"]]
    lasts = [row["last"] for row in rows if row["last"]]
    average = (spent / paid_orders).quantize(Decimal("0.01")) if paid_orders else None
    return Profile(
        currency=currency,
        lifetime_value=spent,
        paid_orders=paid_orders,
        orders=sum(row["orders"] for row in rows),
        average_order_value=average,
        first_order_at=min(firsts) if firsts else None,
        last_order_at=max(lasts) if lasts else None,
        preferred_market=_most_frequent(markets, market_latest),
        preferred_language=_most_frequent(languages, language_latest) or customer.language,
        tags=list(customer.tags or []),
        score=CustomerScore.objects.filter(customer=customer).first(),
    )


# --- Timeline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    at: dt.datetime
    kind: str  # order_placed | order_paid | order_shipped | order_refunded | an Event.Kind
    title: str
    detail: str = ""
    order_number: str = ""
    product_handle: str = ""
    amount: Decimal | None = None  # an order's total or a refund, in `currency`
    currency: str = ""
    sort_key: tuple[int, int] = (0, 0)


@dataclass(frozen=True)
class Timeline:
    entries: list[Entry]
    next_before: dt.datetime | None  # the cursor of the next (older) page, None at the end


def _order_entries(customer: Customer, before: dt.datetime | None, limit: int) -> list[Entry]:
    def older(column: str) -> dict[str, Any]:
        return {f"{column}__lt": before} if before else {}

    fields = ("number", "total_amount", "currency", "placed_at", "paid_at")
    placed = (
        Order.objects.filter(customer=customer, placed_at__isnull=False, **older("placed_at"))
        .only(*fields)
        .order_by("-placed_at", "-id")[:limit]
    )
    paid = (
        Order.objects.filter(customer=customer, paid_at__isnull=False, **older("paid_at"))
        .only(*fields)
        .order_by("-paid_at", "-id")[:limit]
    )
    shipped = (
        Fulfilment.objects.filter(
            order__customer=customer, shipped_at__isnull=False, **older("shipped_at")
        )
        .select_related("order")
        .only("shipped_at", "carrier", "tracking_number", "order__number")
        .order_by("-shipped_at", "-id")[:limit]
    )
    refunds = (
        Payment.objects.filter(
            order__customer=customer,
            kind=Payment.Kind.REFUND,
            status=Payment.Status.SUCCEEDED,
            **older("created_at"),
        )
        .select_related("order")
        .only("created_at", "amount", "currency", "order__number")
        .order_by("-created_at", "-id")[:limit]
    )
    entries = [
        Entry(
            at=order.placed_at,  # type: ignore[arg-type]
            kind="order_placed",
            title=f"Placed order #{order.number}",
            amount=order.total_amount,
            currency=order.currency,
            order_number=order.number,
            sort_key=(1, order.pk),
        )
        for order in placed
    ]
    entries += [
        Entry(
            at=order.paid_at,  # type: ignore[arg-type]
            kind="order_paid",
            title=f"Paid order #{order.number}",
            amount=order.total_amount,
            currency=order.currency,
            order_number=order.number,
            sort_key=(2, order.pk),
        )
        for order in paid
    ]
    entries += [
        Entry(
            at=parcel.shipped_at,  # type: ignore[arg-type]
            kind="order_shipped",
            title=f"Order #{parcel.order.number} shipped",
            detail=" ".join(part for part in (parcel.carrier, parcel.tracking_number) if part),
            order_number=parcel.order.number,
            sort_key=(3, parcel.pk),
        )
        for parcel in shipped
    ]
    entries += [
        Entry(
            at=payment.created_at,
            kind="order_refunded",
            title=f"Refund on order #{payment.order.number}",
            amount=payment.amount,
            currency=payment.currency,
            order_number=payment.order.number,
            sort_key=(4, payment.pk),
        )
        for payment in refunds
    ]
    return entries


def _event_entries(customer: Customer, before: dt.datetime | None, limit: int) -> list[Entry]:
    events = (
        Event.objects.filter(customer=customer)
        .exclude(kind__in=_ORDER_EVENT_KINDS)
        .select_related("product")
        .only(
            "kind",
            "occurred_at",
            "path",
            "search_query",
            "quantity",
            "product__title",
            "product__handle",
        )
        .order_by("-occurred_at", "-id")
    )
    if before:
        events = events.filter(occurred_at__lt=before)
    entries = []
    for event in events[:limit]:
        product = event.product.title if event.product else ""
        if event.kind == Event.Kind.SEARCH:
            title, detail = "Searched", f"“{event.search_query}”"
        elif event.kind == Event.Kind.PRODUCT_VIEW:
            title, detail = "Viewed a product", product or event.path
        elif event.kind == Event.Kind.ADD_TO_CART:
            title = "Added to cart"
            detail = f"{event.quantity} × {product}" if product else event.path
        elif event.kind == Event.Kind.BEGIN_CHECKOUT:
            title, detail = "Began checkout", ""
        else:
            title, detail = "Viewed a page", event.path
        entries.append(
            Entry(
                at=event.occurred_at,
                kind=event.kind,
                title=title,
                detail=detail,
                product_handle=event.product.handle if event.product else "",
                sort_key=(0, event.pk),
            )
        )
    return entries


def parse_cursor(raw: str | None) -> dt.datetime | None:
    if not raw:
        return None
    try:
        moment = parse_datetime(raw.replace(" ", "+"))
    except ValueError:
        return None
    if moment is None or moment.tzinfo is None:
        return None
    return moment


def customer_timeline(
    customer: Customer, *, before: dt.datetime | None = None, per_page: int = TIMELINE_PAGE
) -> Timeline:
    """A page of the customer's timeline older than `before` (None: the newest).

    Each source gives its newest `per_page + 1` entries older than the cursor; merged, the
    page is the newest `per_page`, extended over entries sharing the last one's moment, so
    the next page (strictly older than that moment) skips nothing.
    """
    limit = per_page + 1
    entries = _order_entries(customer, before, limit) + _event_entries(customer, before, limit)
    entries.sort(key=lambda entry: (entry.at, entry.sort_key), reverse=True)
    if len(entries) <= per_page:
        return Timeline(entries=entries, next_before=None)
    page = entries[:per_page]
    last = page[-1].at
    page += [entry for entry in entries[per_page:] if entry.at == last]
    more = len(page) < len(entries)
    return Timeline(entries=page, next_before=last if more else None)


# --- Guests who register ---------------------------------------------------------------------


def visitor_events_merge(*, customer: Customer, visitor_id: str) -> int:
    """Give the anonymous events of this visitor id to the customer; how many moved."""
    if not visitor_id:
        return 0
    return Event.objects.filter(visitor_id=visitor_id, customer__isnull=True).update(
        customer=customer
    )


def visitor_id_of(request: HttpRequest) -> str:
    """The request's first-party visitor id, if the visitor allowed one."""
    from freehold.customers.consent import consent_state
    from freehold.insights.events import VISITOR_COOKIE

    if not consent_state(request).allows_analytics:
        return ""
    return request.COOKIES.get(VISITOR_COOKIE, "")[:64]


def merge_guest_events(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver (registration logs in too): the visitor's earlier events
    become the customer's. Never makes a login fail."""
    if request is None or not isinstance(user, Customer):
        return
    visitor_id = visitor_id_of(request)
    if visitor_id:
        visitor_events_merge(customer=user, visitor_id=visitor_id)
