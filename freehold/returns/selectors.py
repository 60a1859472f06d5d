"""Reads for after-sales: what can still be returned, and until when.

Deadlines are computed from the fulfilments every time rather than stored, so a fulfilment
marked delivered later (or a late parcel) moves them without anything to keep in sync.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Prefetch, Q, QuerySet, Sum

from freehold.core.money import Money
from freehold.orders.models import Fulfilment, Order, OrderLine, Payment
from freehold.returns.models import ReturnRequest, ReturnRequestLine, Withdrawal

# CRD Art. 9: 14 days from receipt of the last item; Art. 13: refund within 14 days of notice.
WITHDRAWAL_PERIOD = dt.timedelta(days=14)
WITHDRAWAL_REFUND_PERIOD = dt.timedelta(days=14)

# Requests that still claim their units: a rejected or cancelled one gives them back.
CLAIMING_STATUSES = (
    ReturnRequest.Status.REQUESTED,
    ReturnRequest.Status.APPROVED,
    ReturnRequest.Status.RECEIVED,
    ReturnRequest.Status.REFUNDED,
)


@dataclass(frozen=True)
class ReturnableLine:
    line: OrderLine
    returnable: int


def _sent(order: Order) -> list[Fulfilment]:
    return list(
        order.fulfilments.exclude(status=Fulfilment.Status.CANCELLED).exclude(
            shipped_at__isnull=True, delivered_at__isnull=True
        )
    )


def return_window_opened_at(order: Order) -> dt.datetime | None:
    """When the return window started: the last parcel's delivery (or shipping) moment.

    None while nothing has shipped. A parcel without a delivery date counts from shipping,
    which is earlier, so an unknown delivery never extends the window past the store's policy.
    """
    moments = [
        fulfilment.delivered_at or fulfilment.shipped_at
        for fulfilment in _sent(order)
        if fulfilment.delivered_at or fulfilment.shipped_at
    ]
    return max(moments) if moments else None  # type: ignore[type-var]


def return_window_closes_at(order: Order, *, window_days: int) -> dt.datetime | None:
    opened = return_window_opened_at(order)
    return opened + dt.timedelta(days=window_days) if opened is not None else None


def claimed_quantities(order: Order) -> dict[int, int]:
    """Units per order line that active return requests already ask for."""
    rows = (
        ReturnRequestLine.objects.filter(
            return_request__order=order, return_request__status__in=CLAIMING_STATUSES
        )
        .values("order_line_id")
        .annotate(claimed=Sum("quantity"))
    )
    return {row["order_line_id"]: row["claimed"] for row in rows}


def returnable_lines(order: Order) -> list[ReturnableLine]:
    """Every line of the order with the units that may still be asked back (shipped, unclaimed)."""
    claimed = claimed_quantities(order)
    return [
        ReturnableLine(line, max(line.quantity_fulfilled - claimed.get(line.pk, 0), 0))
        for line in order.lines.all()
    ]


def withdrawal_deadline(order: Order) -> dt.datetime | None:
    """When the 14-day withdrawal period ends, or None while it has not started.

    It starts when the consumer has the last item (CRD Art. 9(2)(b)): every unit still owed
    (ordered, not refunded, needing shipping) has shipped, and every parcel is delivered. Until
    then the function stays available.
    """
    undelivered_lines = order.lines.filter(
        requires_shipping=True,
        quantity_fulfilled__lt=F("quantity") - F("quantity_refunded"),
    )
    if undelivered_lines.exists():
        return None
    parcels = order.fulfilments.exclude(status=Fulfilment.Status.CANCELLED)
    if not parcels.exists() or parcels.filter(delivered_at__isnull=True).exists():
        return None
    last = max(parcel.delivered_at for parcel in parcels if parcel.delivered_at is not None)
    return last + WITHDRAWAL_PERIOD


def refundable_amount(order: Order) -> Money:
    """Captured minus refunded: what a full refund of the order gives back now."""

    def total(kind: str) -> Money:
        amount = Payment.objects.filter(
            order=order, kind=kind, status=Payment.Status.SUCCEEDED
        ).aggregate(total=Sum("amount"))["total"]
        return Money(amount if amount is not None else Decimal(0), order.currency)

    return (total(Payment.Kind.CAPTURE) - total(Payment.Kind.REFUND)).quantize()


def order_for_withdrawal(*, number: str, email: str) -> Order | None:
    """The order with this number and e-mail (case-insensitive), or None for any mismatch."""
    number = number.strip().lstrip("#")
    email = email.strip()
    if not number or not email:
        return None
    return Order.objects.filter(Q(number=number) & Q(email__iexact=email)).first()


# --- Staff lists ----------------------------------------------------------------------------

# Requests staff still have to act on: decide, receive, or refund.
OPEN_STATUSES = (
    ReturnRequest.Status.REQUESTED,
    ReturnRequest.Status.APPROVED,
    ReturnRequest.Status.RECEIVED,
)


def _with_lines(queryset: QuerySet[ReturnRequest]) -> QuerySet[ReturnRequest]:
    return queryset.select_related("order", "customer").prefetch_related(
        Prefetch(
            "lines",
            queryset=ReturnRequestLine.objects.select_related("order_line").order_by("pk"),
        )
    )


def return_requests_for_staff(*, status: str = "open") -> QuerySet[ReturnRequest]:
    """Return requests newest first, each with its order, customer and lines (three queries
    for any page). `status` is "open", "" / "all" for every request, or one status."""
    queryset = ReturnRequest.objects.all()
    if status == "open":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    elif status and status != "all":
        queryset = queryset.filter(status=status)
    return _with_lines(queryset.order_by("-created_at", "-pk"))


def return_request_for_staff(pk: int) -> ReturnRequest | None:
    return _with_lines(ReturnRequest.objects.filter(pk=pk)).first()


def withdrawals_for_staff(*, status: str = "received") -> QuerySet[Withdrawal]:
    """Withdrawals, the oldest refund deadline first among open ones (they are owed soonest);
    `status` is "received" (not yet refunded), "refunded", or "" / "all"."""
    queryset = Withdrawal.objects.select_related("order")
    if status and status != "all":
        queryset = queryset.filter(status=status)
    if status == Withdrawal.Status.RECEIVED:
        return queryset.order_by("refund_due_by", "pk")
    return queryset.order_by("-submitted_at", "-pk")
