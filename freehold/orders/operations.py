"""What staff (and the clock) do to a placed order: cancel it, ship it, refund it, expire it.

Kept apart from `services.py` (numbers and the bare transition) because each operation here
holds a business rule on top of a transition. Every operation locks the order row first, so two
staff members (or staff and the expiry task) acting on one order are serialised, and the checks
read committed state. Statuses move only through `services.order_transition`, which writes the
status audit rows; each operation adds one audit row of its own for what it did besides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet, Sum

from freehold.catalog.models import Variant
from freehold.catalog.services import stock_adjust
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.core.money import Money
from freehold.insights.events import record_refund_on_commit
from freehold.marketplace.money import ledger_record_refund
from freehold.notifications.tasks import queue_order_email
from freehold.orders.errors import FulfilmentRefused, OrderNotCancellable, RefundRefused
from freehold.orders.models import (
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    OrderNote,
    Payment,
)
from freehold.orders.services import order_transition
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.payments import gateways

NOTE_MAX_LENGTH = 5000

# Payment statuses in which the shopper's money is (at least partly) with the store.
_MONEY_HELD = frozenset({PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED})

# Tracking pages of the carriers most stores use, keyed by the carrier's name in lower case.
# DPD runs a site per country; the German one answers for parcels from any of them.
CARRIER_TRACKING_URLS: dict[str, str] = {
    "dhl": "https://www.dhl.com/global-en/home/tracking/tracking-express.html?tracking-id={number}",
    "ups": "https://www.ups.com/track?tracknum={number}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={number}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{number}",
    "dpd": "https://tracking.dpd.de/status/en_US/parcel/{number}",
}


def tracking_url_for(*, carrier: str, tracking_number: str) -> str:
    """The carrier's tracking page for a parcel, or "" for a carrier we do not know."""
    template = CARRIER_TRACKING_URLS.get(" ".join(carrier.split()).casefold())
    if template is None or not tracking_number.strip():
        return ""
    return template.format(number=quote(tracking_number.strip(), safe=""))


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _lines_left_to_ship(order: Order) -> QuerySet[OrderLine]:
    """The order's lines with units neither shipped nor refunded (see `quantity_to_ship`)."""
    return order.lines.filter(quantity_fulfilled__lt=F("quantity") - F("quantity_refunded"))


def lines_to_ship(order: Order) -> dict[int, int]:
    """Every unit still to send, by line id: what "fulfil everything left" ships."""
    return {
        line.pk: line.quantity_to_ship
        for line in order.lines.order_by("pk")
        if line.quantity_to_ship > 0
    }


def _requested_lines(
    *, order: Order, lines: Mapping[int, int], error: type[FreeholdError]
) -> list[tuple[OrderLine, int]]:
    """The order's lines named in `lines` with their quantities, locked, in id order.

    Raises `error` naming the line (`lines[<id>]`) for a line of another order or a quantity
    below one; the caller checks what is left of each line.
    """
    if not lines:
        raise error("Choose at least one line.", field="lines")
    found = {
        line.pk: line
        for line in OrderLine.objects.select_for_update()
        .filter(order=order, pk__in=list(lines))
        .order_by("pk")
    }
    requested: list[tuple[OrderLine, int]] = []
    for line_id, quantity in sorted(lines.items()):
        line = found.get(line_id)
        if line is None:
            raise error(f"Line {line_id} is not part of this order.", field=f"lines[{line_id}]")
        if quantity < 1:
            raise error(f"The quantity for {line} must be at least 1.", field=f"lines[{line_id}]")
        requested.append((line, quantity))
    return requested


def _restock(*, line: OrderLine, quantity: int, actor: Actor, note: str) -> None:
    """Put units back on the shelf; a deleted variant has no shelf, so nothing happens."""
    if line.variant_id is None or quantity < 1:
        return
    variant = Variant.objects.select_related("product").filter(pk=line.variant_id).first()
    if variant is not None:
        stock_adjust(variant=variant, delta=quantity, reason="returned", actor=actor, note=note)


@transaction.atomic
def order_cancel(*, order: Order, actor: Actor, reason: str = "", restock: bool = True) -> Order:
    """Cancel an order nothing of which has shipped, putting its units back in stock.

    A paid order is refused: its money must be refunded first (`order_refund`), so that
    cancelling never silently keeps a shopper's money. An authorised payment is not voided
    here. Units already refunded are not restocked again: a refund may have restocked them.
    """
    locked = _lock(order)
    if locked.status != OrderStatus.OPEN:
        raise OrderNotCancellable(f"Order #{locked.number} is {locked.status}, not open.")
    if locked.payment_status in _MONEY_HELD:
        raise OrderNotCancellable(
            f"Order #{locked.number} is paid: refund it first, then cancel it.",
            field="payment_status",
        )
    order_lines = list(locked.lines.order_by("variant_id", "pk"))
    if locked.fulfilment_status != FulfilmentStatus.UNFULFILLED or any(
        line.quantity_fulfilled for line in order_lines
    ):
        raise OrderNotCancellable(
            f"Order #{locked.number} has shipped items and can no longer be cancelled.",
            field="fulfilment_status",
        )
    restocked: dict[str, int] = {}
    if restock:
        for line in order_lines:
            quantity = line.quantity - line.quantity_refunded
            if line.variant_id is not None and quantity > 0:
                _restock(
                    line=line,
                    quantity=quantity,
                    actor=actor,
                    note=f"Order {locked.number} cancelled",
                )
                restocked[str(line.pk)] = quantity
    order_transition(
        order=order,
        field="status",
        to=OrderStatus.CANCELLED,
        actor=actor,
        data={"reason": reason, "restocked": restocked},
    )
    return order


@transaction.atomic
def fulfilment_create(
    *,
    order: Order,
    lines: Mapping[int, int],
    actor: Actor,
    carrier: str = "",
    tracking_number: str = "",
    tracking_url: str = "",
    shipping_cost: Money | None = None,
) -> Fulfilment:
    """Ship some of a paid order's units in one parcel (call again for the next parcel).

    `lines` maps order line ids to the units in this parcel. Unpaid orders are refused, manual
    (bank transfer) ones included: staff mark the money received first. A known carrier's
    tracking page is filled in when no tracking URL is given.
    """
    locked = _lock(order)
    if locked.status != OrderStatus.OPEN:
        raise FulfilmentRefused(f"Order #{locked.number} is {locked.status}.", field="status")
    if locked.payment_status not in _MONEY_HELD:
        raise FulfilmentRefused(
            f"Order #{locked.number} is not paid ({locked.payment_status}): "
            "record the payment before shipping.",
            field="payment_status",
        )
    requested = _requested_lines(order=locked, lines=lines, error=FulfilmentRefused)
    for line, quantity in requested:
        # Units refunded before shipping are not sent (`OrderLine.quantity_to_ship`).
        left = line.quantity_to_ship
        if quantity > left:
            raise FulfilmentRefused(
                f"Only {left} of {line} are left to ship; {quantity} requested.",
                field=f"lines[{line.pk}]",
            )

    moment = clock.now()
    fulfilment = Fulfilment.objects.create(
        order=locked,
        status=Fulfilment.Status.SHIPPED,
        carrier=carrier,
        tracking_number=tracking_number,
        tracking_url=tracking_url
        or tracking_url_for(carrier=carrier, tracking_number=tracking_number),
        shipping_cost_amount=shipping_cost.amount if shipping_cost else None,
        shipping_cost_currency=shipping_cost.currency if shipping_cost else "",
        shipped_at=moment,
        created_at=moment,
    )
    FulfilmentLine.objects.bulk_create(
        FulfilmentLine(fulfilment=fulfilment, order_line=line, quantity=quantity)
        for line, quantity in requested
    )
    for line, quantity in requested:
        OrderLine.objects.filter(pk=line.pk).update(
            quantity_fulfilled=F("quantity_fulfilled") + quantity
        )

    everything_shipped = not _lines_left_to_ship(locked).exists()
    to = FulfilmentStatus.FULFILLED if everything_shipped else FulfilmentStatus.PARTIALLY_FULFILLED
    shipped = {str(line.pk): quantity for line, quantity in requested}
    order_transition(
        order=order,
        field="fulfilment_status",
        to=to,
        actor=actor,
        data={"fulfilment_id": fulfilment.pk},
    )
    audit.record(
        actor=actor,
        verb="fulfilment.created",
        obj=fulfilment,
        to_state=fulfilment.status,
        data={
            "order_id": locked.pk,
            "lines": shipped,
            "carrier": carrier,
            "tracking_number": tracking_number,
        },
    )
    queue_order_email("order_shipped", locked, fulfilment=fulfilment)
    return fulfilment


@transaction.atomic
def fulfilment_mark_delivered(
    *, fulfilment: Fulfilment, actor: Actor, delivered_at: dt.datetime | None = None
) -> Fulfilment:
    """The carrier says the parcel arrived: record when.

    The delivery date is what the law counts from: the EU withdrawal period ends 14 days after
    the last parcel arrives, and the store's return window starts there too. A date in the
    future or before the parcel was shipped is refused; marking a delivered parcel again
    changes nothing.
    """
    locked = Fulfilment.objects.select_for_update().get(pk=fulfilment.pk)
    moment = delivered_at or clock.now()
    if locked.status == Fulfilment.Status.DELIVERED:
        return locked
    if locked.status != Fulfilment.Status.SHIPPED:
        raise FulfilmentRefused(
            f"Parcel {locked.pk} is {locked.status}; only a shipped parcel can be delivered.",
            field="status",
        )
    if moment > clock.now():
        raise FulfilmentRefused("The delivery date cannot be in the future.", field="delivered_at")
    if locked.shipped_at is not None and moment < locked.shipped_at:
        raise FulfilmentRefused(
            "The delivery date cannot be before the parcel was shipped.", field="delivered_at"
        )
    locked.status = Fulfilment.Status.DELIVERED
    locked.delivered_at = moment
    locked.save(update_fields=["status", "delivered_at"])
    audit.record(
        actor=actor,
        verb="fulfilment.delivered",
        obj=locked,
        from_state=Fulfilment.Status.SHIPPED,
        to_state=locked.status,
        data={"order_id": locked.order_id, "delivered_at": moment.isoformat()},
    )
    return locked


def _succeeded_total(*, order: Order, kind: str) -> Decimal:
    total = Payment.objects.filter(
        order=order, kind=kind, status=Payment.Status.SUCCEEDED
    ).aggregate(total=Sum("amount"))["total"]
    return total if total is not None else Decimal(0)


@transaction.atomic
def order_refund(
    *,
    order: Order,
    actor: Actor,
    amount: Decimal | None = None,
    lines: Mapping[int, int] | None = None,
    reason: str = "",
    restock: bool = False,
    shipping: bool = False,
) -> Payment:
    """Give money back through the gateway that took it, by amount or by lines.

    `shipping` (an amount refund only) says the amount gives back shipping: in marketplace mode
    that part is the operator's, not apportioned to the vendors (`ledger_record_refund`).

    By lines, the amount is each line's total (after discounts, as stored on the line: without
    tax when prices exclude it, without shipping) per unit times the units refunded, rounded to
    the currency's minor unit. Never more than was captured minus what was refunded already.

    Caveat: the gateway is called inside the transaction. The built-in manual and test gateways
    answer locally, so that is safe; a remote provider would hold the order lock during its
    call, and a refund it accepted would be lost from our records if the commit then failed.
    """
    if (amount is None) == (lines is None):
        raise RefundRefused("Refund either an amount or lines, not both or neither.")
    locked = _lock(order)
    if locked.payment_status not in _MONEY_HELD:
        raise RefundRefused(
            f"Order #{locked.number} holds no money to refund ({locked.payment_status}).",
            field="payment_status",
        )
    capture = (
        Payment.objects.filter(
            order=locked, kind=Payment.Kind.CAPTURE, status=Payment.Status.SUCCEEDED
        )
        .order_by("-created_at", "-pk")
        .first()
    )
    if capture is None:
        raise RefundRefused(f"Order #{locked.number} has no captured payment to refund.")

    requested: list[tuple[OrderLine, int]] = []
    if lines is not None:
        requested = _requested_lines(order=locked, lines=lines, error=RefundRefused)
        total = Money.zero(locked.currency)
        for line, quantity in requested:
            left = line.quantity - line.quantity_refunded
            if quantity > left:
                raise RefundRefused(
                    f"Only {left} of {line} are left to refund; {quantity} requested.",
                    field=f"lines[{line.pk}]",
                )
            total = total + Money(line.total_amount / line.quantity * quantity, line.currency)
        refund = total.quantize()
    else:
        assert amount is not None
        refund = Money(amount, locked.currency).quantize()
    if refund.amount <= 0:
        raise RefundRefused("A refund must be more than zero.", field="amount")

    captured = _succeeded_total(order=locked, kind=Payment.Kind.CAPTURE)
    refunded = _succeeded_total(order=locked, kind=Payment.Kind.REFUND)
    refundable = Money(captured - refunded, locked.currency).quantize()
    if refund > refundable:
        raise RefundRefused(
            f"At most {refundable} can be refunded on order #{locked.number}; {refund} requested.",
            field="amount",
        )

    result = gateways.get(capture.gateway).refund(capture, refund.amount)
    payment = Payment.objects.create(
        order=locked,
        gateway=capture.gateway,
        kind=Payment.Kind.REFUND,
        status=Payment.Status.SUCCEEDED,
        currency=refund.currency,
        amount=refund.amount,
        fee_amount=result.fee_amount,
        provider_reference=result.provider_reference,
        created_at=clock.now(),
    )
    record_refund_on_commit(order=locked, amount=refund)
    # Marketplace: claw the refund back from the vendors whose goods it covers (lines as they
    # were before this refund; nothing for an order without sub-orders).
    ledger_record_refund(
        order=locked,
        amount=refund.amount,
        lines=requested,
        memo=reason[:255],
        shipping=shipping and not requested,
        actor=actor,
    )
    for line, quantity in requested:
        OrderLine.objects.filter(pk=line.pk).update(
            quantity_refunded=F("quantity_refunded") + quantity
        )
        if restock:
            _restock(
                line=line, quantity=quantity, actor=actor, note=f"Order {locked.number} refunded"
            )

    if (
        requested
        and locked.fulfilment_status == FulfilmentStatus.PARTIALLY_FULFILLED
        and not _lines_left_to_ship(locked).exists()
    ):
        # The units refunded were the last ones waiting: the parcels sent are the whole order.
        order_transition(
            order=order,
            field="fulfilment_status",
            to=FulfilmentStatus.FULFILLED,
            actor=actor,
            data={"refund_payment_id": payment.pk},
        )
    fully_refunded = refund == refundable
    order_transition(
        order=order,
        field="payment_status",
        to=PaymentStatus.REFUNDED if fully_refunded else PaymentStatus.PARTIALLY_REFUNDED,
        actor=actor,
        data={"refund_payment_id": payment.pk},
    )
    audit.record(
        actor=actor,
        verb="order.refunded",
        obj=payment,
        to_state=payment.status,
        data={
            "order_id": locked.pk,
            "amount": str(refund.amount),
            "currency": refund.currency,
            "lines": {str(line.pk): quantity for line, quantity in requested},
            "restock": restock,
            "reason": reason,
            "shipping": shipping and not requested,
        },
    )
    queue_order_email("order_refunded", locked, refund_amount=refund.amount)
    return payment


@transaction.atomic
def order_note_add(*, order: Order, author: Any, body: str, actor: Actor) -> OrderNote:
    """Pin a staff note to an order (shown in the dashboard's timeline, never to the shopper)."""
    text = body.strip()
    if not text:
        raise FreeholdError("Write the note first.", code="invalid", field="body")
    if len(text) > NOTE_MAX_LENGTH:
        raise FreeholdError(
            f"A note holds at most {NOTE_MAX_LENGTH} characters.", code="invalid", field="body"
        )
    note = OrderNote.objects.create(
        order=order,
        author=author if getattr(author, "pk", None) else None,
        author_label=actor.label,
        body=text,
        created_at=clock.now(),
    )
    audit.record(actor=actor, verb="order.note_added", obj=order, data={"note_id": note.pk})
    return note


def orders_expire_unpaid(*, now: dt.datetime | None = None) -> int:
    """Cancel (and restock) orders still awaiting payment after the payment timeout.

    Unpaid bank-transfer or abandoned hosted-page orders hold stock; this gives it back. Each
    order is cancelled in its own transaction after re-checking it under its lock, so one
    order paid a moment ago is skipped rather than failing the batch, and a long run never
    holds many locks. Cancelled orders no longer match, so a second run finds nothing.
    """
    moment = now if now is not None else clock.now()
    cutoff = moment - dt.timedelta(minutes=settings.ORDER_PAYMENT_TIMEOUT_MINUTES)
    candidates = Order.objects.filter(
        status=OrderStatus.OPEN,
        payment_status=PaymentStatus.AWAITING_PAYMENT,
        placed_at__lt=cutoff,
    ).order_by("pk")
    actor = Actor.system("payment timeout")
    expired = 0
    for order_id in candidates.values_list("pk", flat=True):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=order_id)
            if (
                order.status != OrderStatus.OPEN
                or order.payment_status != PaymentStatus.AWAITING_PAYMENT
                or order.fulfilment_status != FulfilmentStatus.UNFULFILLED
            ):
                continue
            order_cancel(
                order=order,
                actor=actor,
                reason=f"not paid within {settings.ORDER_PAYMENT_TIMEOUT_MINUTES} minutes",
            )
            expired += 1
    return expired
