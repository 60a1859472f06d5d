"""The dashboard's readings of events: sessions, the funnel, conversion, sales by channel.

A session is one `Event.session_id` (30 minutes of a consenting visitor, or one device's day
without consent). The funnel counts sessions that reached each step in the period
("open" funnel, as most shop reports do: a purchase counts even when its product view was
not recorded, e.g. without JavaScript), each step's rate against the step before, and the
conversion rate: sessions with a purchase / sessions.

One aggregate query for the funnel (events of the period by `occurred_at`, grouped by
session, then counted) and one per channel table (orders of the period grouped by channel),
whatever the number of events or orders.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, IntegerField, Max, Q, Sum, Value
from django.db.models.functions import Coalesce

from freehold.insights.attribution import CHANNEL_LABELS, Channel
from freehold.insights.models import Event
from freehold.orders.models import Order
from freehold.orders.states import PaymentStatus

HUNDRED = Decimal(100)
PAID_STATES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
FUNNEL_STEPS = (
    ("product_view", "Viewed a product"),
    ("add_to_cart", "Added to cart"),
    ("begin_checkout", "Reached checkout"),
    ("purchase", "Purchased"),
)
# Kinds that make a session (a refund is staff's doing, not a visit).
VISIT_KINDS = (
    Event.Kind.PAGE_VIEW,
    Event.Kind.PRODUCT_VIEW,
    Event.Kind.SEARCH,
    Event.Kind.ADD_TO_CART,
    Event.Kind.BEGIN_CHECKOUT,
    Event.Kind.PURCHASE,
)


def rate(part: int, whole: int) -> Decimal | None:
    """`part` of `whole` in per cent, one decimal; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole) * HUNDRED).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class FunnelStep:
    kind: str
    label: str
    sessions: int
    rate_from_previous: Decimal | None
    rate_of_sessions: Decimal | None


@dataclass(frozen=True)
class Funnel:
    sessions: int
    steps: list[FunnelStep]

    @property
    def purchases(self) -> int:
        return self.steps[-1].sessions

    @property
    def conversion_rate(self) -> Decimal | None:
        """Sessions with a purchase / sessions, in per cent."""
        return rate(self.purchases, self.sessions)


def funnel(*, start: dt.datetime, end: dt.datetime) -> Funnel:
    """Sessions of the period, and those that reached each step (one query)."""
    per_session = (
        Event.objects.filter(occurred_at__gte=start, occurred_at__lt=end, kind__in=VISIT_KINDS)
        .exclude(session_id="")
        .order_by()
        .values("session_id")
        .annotate(
            **{
                f"has_{kind}": Max(
                    Value(1, output_field=IntegerField()),
                    filter=Q(kind=kind),
                )
                for kind, _ in FUNNEL_STEPS
            }
        )
    )
    totals = per_session.aggregate(
        sessions=Count("session_id"),
        **{
            kind: Coalesce(Sum(f"has_{kind}"), 0)  # type: ignore[misc]
            for kind, _ in FUNNEL_STEPS
        },
    )
    sessions = int(totals["sessions"] or 0)
    steps: list[FunnelStep] = []
    previous = sessions
    for kind, label in FUNNEL_STEPS:
        count = int(totals[kind] or 0)
        steps.append(
            FunnelStep(
                kind=kind,
                label=label,
                sessions=count,
                rate_from_previous=rate(count, previous),
                rate_of_sessions=rate(count, sessions),
            )
        )
        previous = count
    return Funnel(sessions=sessions, steps=steps)


@dataclass(frozen=True)
class ChannelSales:
    channel: str
    label: str
    orders: int
    revenue: Decimal


@dataclass(frozen=True)
class SalesByChannel:
    first_touch: list[ChannelSales]
    last_touch: list[ChannelSales]


def _rows(totals: dict[str, tuple[int, Decimal]]) -> list[ChannelSales]:
    return sorted(
        (
            ChannelSales(
                channel=channel,
                label=CHANNEL_LABELS.get(channel, channel),
                orders=orders,
                revenue=revenue,
            )
            for channel, (orders, revenue) in totals.items()
        ),
        key=lambda item: (-item.revenue, -item.orders, item.channel),
    )


def sales_by_channel(*, start: dt.datetime, end: dt.datetime, currency: str) -> SalesByChannel:
    """Paid orders placed in the period and their gross totals, by first- and by last-touch
    channel, in the store's currency: one query grouped by both (at most a few dozen rows),
    added up each way here. Orders from before attribution was recorded count as direct."""
    rows = (
        Order.objects.filter(
            placed_at__gte=start,
            placed_at__lt=end,
            payment_status__in=PAID_STATES,
            currency=currency,
        )
        .order_by()
        .values("first_touch_channel", "last_touch_channel")
        .annotate(orders=Count("pk"), revenue=Sum("total_amount"))
    )
    first: dict[str, tuple[int, Decimal]] = {}
    last: dict[str, tuple[int, Decimal]] = {}
    for row in rows:
        orders, revenue = int(row["orders"]), row["revenue"] or Decimal(0)
        for totals, channel in (
            (first, row["first_touch_channel"] or Channel.DIRECT),
            (last, row["last_touch_channel"] or Channel.DIRECT),
        ):
            known_orders, known_revenue = totals.get(channel, (0, Decimal(0)))
            totals[channel] = (known_orders + orders, known_revenue + revenue)
    return SalesByChannel(first_touch=_rows(first), last_touch=_rows(last))
