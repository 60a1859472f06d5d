"""Payment writes: incoming webhooks applied exactly once, and staff marking a manual payment.

The provider is the source of truth for money and it talks to us through webhooks, which
arrive late, twice, or out of order. So every event is verified first (nothing is stored for a
forged or stale one), then recorded by (provider, event id) in the same transaction that
applies it: a replay finds the row and changes nothing, and a crash leaves neither. Statuses
move only through `orders.services.order_transition`; a move the table forbids (a late
"failed" after "paid") is recorded as processed with a note instead of undoing anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from django.db import transaction

from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.money import Money
from freehold.marketplace.money import ledger_record_sale
from freehold.notifications.tasks import queue_order_email
from freehold.orders.models import Order, Payment, ProviderEvent
from freehold.orders.services import order_transition
from freehold.orders.states import PaymentStatus, can_transition
from freehold.payments import gateways
from freehold.payments.gateways import PAYMENT_FAILED, PAYMENT_SUCCEEDED, WebhookEvent
from freehold.payments.manual import ManualGateway

WebhookResult = Literal["processed", "duplicate", "ignored"]


@dataclass(frozen=True)
class WebhookOutcome:
    """What happened to a verified webhook. The view answers 200 to all three results (the
    provider must stop retrying); a rejected webhook raises `WebhookRejected` instead."""

    result: WebhookResult
    event: ProviderEvent
    note: str = ""
    payment: Payment | None = None


@dataclass(frozen=True)
class _Applied:
    result: WebhookResult
    note: str = ""
    payment: Payment | None = None


def _due(order: Order) -> Money:
    """What the shopper owes, rounded to the currency's minor unit as the gateway charged it."""
    return Money(order.total_amount, order.currency).quantize()


def webhook_receive(
    *, gateway_code: str, body: bytes, headers: Mapping[str, str]
) -> WebhookOutcome:
    """Verify, record and apply one incoming webhook, once.

    Raises `WebhookRejected` (and stores nothing) when the signature or timestamp is wrong.
    Two deliveries of one event racing each other are serialised by the unique
    (provider, event_id) constraint: the second insert waits for the first transaction, then
    finds its row and reports "duplicate".
    """
    gateway = gateways.get(gateway_code)
    event = gateway.parse_webhook(body, headers)
    with transaction.atomic():
        record, created = ProviderEvent.objects.get_or_create(
            provider=gateway_code,
            event_id=event.event_id,
            defaults={"type": event.type, "payload": event.payload},
        )
        if not created:
            return WebhookOutcome(result="duplicate", event=record)
        actor = Actor.system(f"{gateway_code} webhook")
        applied = _apply(gateway_code=gateway_code, event=event, actor=actor)
        record.processed_at = clock.now()
        record.save(update_fields=["processed_at"])
        if applied.note:
            audit.record(
                actor=actor,
                verb=f"payment.webhook_{applied.result}",
                obj=record,
                data={"note": applied.note},
            )
    return WebhookOutcome(
        result=applied.result, event=record, note=applied.note, payment=applied.payment
    )


def _apply(*, gateway_code: str, event: WebhookEvent, actor: Actor) -> _Applied:
    order = Order.objects.select_for_update().filter(token=event.order_token).first()
    if order is None:
        return _Applied("ignored", f"no order has the token of event {event.event_id}")
    if event.type == PAYMENT_SUCCEEDED:
        return _apply_success(gateway_code=gateway_code, event=event, order=order, actor=actor)
    if event.type == PAYMENT_FAILED:
        return _apply_failure(gateway_code=gateway_code, event=event, order=order, actor=actor)
    return _Applied("ignored", f"event type {event.type!r} is not handled")


def _apply_success(
    *, gateway_code: str, event: WebhookEvent, order: Order, actor: Actor
) -> _Applied:
    due = _due(order)
    currency = event.currency.upper()
    if currency != due.currency or event.amount != due.amount:
        # Money moved, but not the money we asked for (a tampered session, a provider bug):
        # keep the record for staff, and do not ship against it.
        payment = _payment(
            order=order,
            gateway_code=gateway_code,
            event=event,
            status=Payment.Status.FAILED,
            error_message="amount mismatch",
        )
        note = f"amount mismatch: {event.amount} {currency} received, {due} due"
        return _Applied("processed", note, payment)

    if (
        event.provider_reference
        and Payment.objects.filter(
            order=order,
            gateway=gateway_code,
            kind=Payment.Kind.CAPTURE,
            status=Payment.Status.SUCCEEDED,
            provider_reference=event.provider_reference,
        ).exists()
    ):
        return _Applied("ignored", f"payment {event.provider_reference} is already recorded")

    data = {"event_id": event.event_id, "gateway": gateway_code}
    if order.payment_status == PaymentStatus.FAILED:
        # An earlier attempt failed and the shopper tried again: the table goes back through
        # awaiting_payment, as a retry does.
        order_transition(
            order=order,
            field="payment_status",
            to=PaymentStatus.AWAITING_PAYMENT,
            actor=actor,
            data=data,
        )
    payment = _payment(
        order=order, gateway_code=gateway_code, event=event, status=Payment.Status.SUCCEEDED
    )
    if not can_transition(
        field="payment_status", from_state=order.payment_status, to_state=PaymentStatus.PAID
    ):
        # The money was taken although the order can no longer be paid (already paid by
        # another attempt, voided): keep the payment so staff see it and refund it.
        note = f"payment_status {order.payment_status} cannot become paid; refund this payment"
        return _Applied("processed", note, payment)
    order_transition(
        order=order, field="payment_status", to=PaymentStatus.PAID, actor=actor, data=data
    )
    ledger_record_sale(order=order)
    queue_order_email("payment_received", order)
    return _Applied("processed", "", payment)


def _apply_failure(
    *, gateway_code: str, event: WebhookEvent, order: Order, actor: Actor
) -> _Applied:
    if not can_transition(
        field="payment_status", from_state=order.payment_status, to_state=PaymentStatus.FAILED
    ):
        return _Applied("ignored", f"payment_status {order.payment_status} cannot become failed")
    payment = _payment(
        order=order,
        gateway_code=gateway_code,
        event=event,
        status=Payment.Status.FAILED,
        error_message=event.failure_reason or "payment failed",
    )
    order_transition(
        order=order,
        field="payment_status",
        to=PaymentStatus.FAILED,
        actor=actor,
        data={"event_id": event.event_id, "gateway": gateway_code},
    )
    return _Applied("processed", "", payment)


def _payment(
    *,
    order: Order,
    gateway_code: str,
    event: WebhookEvent,
    status: str,
    error_message: str = "",
) -> Payment:
    return Payment.objects.create(
        order=order,
        gateway=gateway_code,
        kind=Payment.Kind.CAPTURE,
        status=status,
        currency=event.currency.upper(),
        amount=event.amount,
        provider_reference=event.provider_reference,
        error_message=error_message,
    )


def payment_start(
    *, order: Order, gateway_code: str, return_url: str, cancel_url: str
) -> gateways.PaymentStart:
    """Begin paying `order` with a gateway: where to send the shopper, or what to tell them.

    Records the gateway on the order (the status page shows its instructions while the order
    waits). Starting again (the shopper came back from a declined card and tries once more)
    is allowed while the order awaits payment or failed; a paid or cancelled order refuses.
    """
    gateway = gateways.get(gateway_code)
    if order.payment_status not in {PaymentStatus.AWAITING_PAYMENT, PaymentStatus.FAILED}:
        raise gateways.PaymentError(
            f"Order {order.number} cannot be paid now: it is {order.get_payment_status_display()}.",
            code="not_payable",
        )
    if order.payment_gateway != gateway_code:
        order.payment_gateway = gateway_code
        order.updated_at = clock.now()
        Order.objects.filter(pk=order.pk).update(
            payment_gateway=gateway_code, updated_at=order.updated_at
        )
    return gateway.start(order, return_url=return_url, cancel_url=cancel_url)


@transaction.atomic
def payment_mark_paid(*, order: Order, actor: Actor, reference: str = "") -> Payment:
    """Staff saw the bank transfer (or the courier's cash) arrive: record it, mark the order paid.

    The transition comes first, so an order that cannot become paid (already paid: a double
    click) raises `IllegalTransition` and no second payment is written.
    """
    order_transition(
        order=order,
        field="payment_status",
        to=PaymentStatus.PAID,
        actor=actor,
        data={"gateway": ManualGateway.code, "reference": reference},
    )
    due = _due(order)
    payment = Payment.objects.create(
        order=order,
        gateway=ManualGateway.code,
        kind=Payment.Kind.CAPTURE,
        status=Payment.Status.SUCCEEDED,
        currency=due.currency,
        amount=due.amount,
        provider_reference=reference,
        idempotency_key=f"order:{order.pk}:capture",
    )
    ledger_record_sale(order=order)
    queue_order_email("payment_received", order)
    return payment
