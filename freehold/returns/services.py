"""After-sales writes: return requests and their staff steps, withdrawals, full refunds.

Every write locks the order row first (as `orders.operations` does), so two requests for the
same units, or staff refunding while the customer asks, are serialised and the checks read
committed state. Money only moves through `orders.operations.order_refund`; every step writes
one audit event.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.orders.models import Order, OrderLine, Payment
from freehold.orders.operations import order_refund
from freehold.orders.states import OrderStatus
from freehold.returns import selectors
from freehold.returns.errors import ReturnRefused, ReturnTransitionRefused, WithdrawalRefused
from freehold.returns.models import ReturnRequest, ReturnRequestLine, Withdrawal
from freehold.returns.tasks import queue_withdrawal_acknowledgement
from freehold.storefront.selectors import store_settings

Status = ReturnRequest.Status

# The staff steps of a return request: which statuses each one starts from.
_STEPS: dict[str, tuple[str, ...]] = {
    Status.APPROVED: (Status.REQUESTED,),
    Status.REJECTED: (Status.REQUESTED,),
    Status.RECEIVED: (Status.APPROVED,),
    Status.REFUNDED: (Status.RECEIVED,),
    Status.CANCELLED: (Status.REQUESTED, Status.APPROVED),
}

# The one answer for a wrong order number / e-mail pair: saying which half is wrong would let
# anyone probe which order numbers exist, or which e-mail bought what.
WITHDRAWAL_NOT_FOUND_CODE = "order_not_found"
WITHDRAWAL_NOT_FOUND = gettext_noop(
    "We could not find an order with this number and e-mail address. Please check both: "
    "they are in your order confirmation e-mail."
)


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


# --- Return requests ------------------------------------------------------------------------


@transaction.atomic
def return_request(
    *,
    order: Order,
    customer: Any,
    lines: Mapping[int, int],
    reason: str,
    note: str = "",
) -> ReturnRequest:
    """Ask for shipped units of one's own order back, within the store's return window.

    `lines` maps order line ids to units. Only units that shipped and that no other active
    request claims can be asked for; the window runs `return_window_days` from the last
    parcel's delivery (its shipping when no delivery date is known), and its last moment
    still counts.
    """
    locked = _lock(order)
    if customer is None or locked.customer_id is None or locked.customer_id != customer.pk:
        raise ReturnRefused(
            gettext("Only the customer who placed the order can return it."), field="order"
        )
    if locked.status == OrderStatus.CANCELLED:
        raise ReturnRefused(
            gettext("Order #%(number)s was cancelled.") % {"number": locked.number}, field="order"
        )
    if reason not in ReturnRequest.Reason.values:
        raise ReturnRefused(gettext("Choose a reason for the return."), field="reason")
    closes_at = selectors.return_window_closes_at(
        locked, window_days=store_settings().return_window_days
    )
    if closes_at is None:
        raise ReturnRefused(
            gettext("Nothing of order #%(number)s has shipped yet, so nothing can be returned.")
            % {"number": locked.number},
            field="order",
        )
    if clock.now() > closes_at:
        raise ReturnRefused(
            gettext("The return window for order #%(number)s closed on %(date)s.")
            % {"number": locked.number, "date": f"{closes_at:%Y-%m-%d}"},
            field="order",
        )
    if not lines:
        raise ReturnRefused(gettext("Choose at least one item to return."), field="lines")

    order_lines = {
        line.pk: line
        for line in OrderLine.objects.filter(order=locked, pk__in=list(lines)).order_by("pk")
    }
    claimed = selectors.claimed_quantities(locked)
    requested: list[tuple[OrderLine, int]] = []
    for line_id, quantity in sorted(lines.items()):
        field = f"lines[{line_id}]"
        line = order_lines.get(line_id)
        if line is None:
            raise ReturnRefused(
                gettext("Line %(line)s is not part of this order.") % {"line": line_id},
                field=field,
            )
        if quantity < 1:
            raise ReturnRefused(
                gettext("The quantity for %(item)s must be at least 1.") % {"item": line},
                field=field,
            )
        returnable = line.quantity_fulfilled - claimed.get(line.pk, 0)
        if quantity > returnable:
            raise ReturnRefused(
                gettext("Only %(count)s of %(item)s can be returned; %(requested)s requested.")
                % {
                    "count": max(returnable, 0),
                    "item": line.product_title,
                    "requested": quantity,
                },
                field=field,
            )
        requested.append((line, quantity))

    created = ReturnRequest.objects.create(
        order=locked,
        customer=customer,
        reason=reason,
        note=note.strip(),
        created_at=clock.now(),
    )
    ReturnRequestLine.objects.bulk_create(
        ReturnRequestLine(return_request=created, order_line=line, quantity=quantity)
        for line, quantity in requested
    )
    audit.record(
        actor=Actor.for_user(customer),
        verb="return.requested",
        obj=created,
        to_state=created.status,
        data={
            "order_id": locked.pk,
            "lines": {str(line.pk): quantity for line, quantity in requested},
            "reason": reason,
        },
    )
    return created


def _step(
    *, return_request: ReturnRequest, to: str, actor: Actor, staff_note: str = ""
) -> ReturnRequest:
    """Move a request one staff step along `_STEPS`, locked and audited."""
    _lock(return_request.order)
    locked = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
    if locked.status not in _STEPS[to]:
        raise ReturnTransitionRefused(
            f"Return {locked.pk} is {locked.get_status_display().lower()}; "
            f"it cannot become {ReturnRequest.Status(to).label.lower()}.",
            field="status",
        )
    from_state = locked.status
    moment = clock.now()
    locked.status = to
    changed = ["status"]
    if to in (Status.APPROVED, Status.REJECTED):
        locked.decided_at = moment
        changed.append("decided_at")
    elif to == Status.RECEIVED:
        locked.received_at = moment
        changed.append("received_at")
    if staff_note:
        locked.staff_note = "\n".join(n for n in (locked.staff_note, staff_note.strip()) if n)
        changed.append("staff_note")
    locked.save(update_fields=changed)
    audit.record(
        actor=actor,
        verb=f"return.{to}",
        obj=locked,
        from_state=from_state,
        to_state=to,
        data={"order_id": locked.order_id, "staff_note": staff_note},
    )
    for name in changed:
        setattr(return_request, name, getattr(locked, name))
    return return_request


@transaction.atomic
def return_request_approve(
    *, return_request: ReturnRequest, actor: Actor, staff_note: str = ""
) -> ReturnRequest:
    return _step(
        return_request=return_request, to=Status.APPROVED, actor=actor, staff_note=staff_note
    )


@transaction.atomic
def return_request_reject(
    *, return_request: ReturnRequest, actor: Actor, staff_note: str = ""
) -> ReturnRequest:
    """Refuse the request; its units can be asked for again (a rejection frees them)."""
    return _step(
        return_request=return_request, to=Status.REJECTED, actor=actor, staff_note=staff_note
    )


@transaction.atomic
def return_request_receive(*, return_request: ReturnRequest, actor: Actor) -> ReturnRequest:
    """The parcel came back to the warehouse; the refund may follow."""
    return _step(return_request=return_request, to=Status.RECEIVED, actor=actor)


@transaction.atomic
def return_request_cancel(*, return_request: ReturnRequest, actor: Actor) -> ReturnRequest:
    """The customer (or staff on their behalf) withdrew the request before the goods came back."""
    return _step(return_request=return_request, to=Status.CANCELLED, actor=actor)


@transaction.atomic
def return_request_refund(*, return_request: ReturnRequest, actor: Actor) -> Payment:
    """Refund the returned lines (their totals per unit) and put the units back in stock.

    Only after the goods are received: they are back on the shelf, so restocking is right.
    The status check runs before the refund, and both commit together or not at all.
    """
    _lock(return_request.order)
    locked = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
    if locked.status not in _STEPS[Status.REFUNDED]:
        raise ReturnTransitionRefused(
            f"Return {locked.pk} is {locked.get_status_display().lower()}; "
            "only a received return can be refunded.",
            field="status",
        )
    lines = {line.order_line_id: line.quantity for line in locked.lines.all()}
    payment = order_refund(
        order=locked.order,
        actor=actor,
        lines=lines,
        reason=f"return {locked.pk}",
        restock=True,
    )
    moment = clock.now()
    locked.status = Status.REFUNDED
    locked.refund_payment = payment
    locked.refunded_at = moment
    locked.save(update_fields=["status", "refund_payment", "refunded_at"])
    audit.record(
        actor=actor,
        verb="return.refunded",
        obj=locked,
        from_state=Status.RECEIVED,
        to_state=Status.REFUNDED,
        data={
            "order_id": locked.order_id,
            "refund_payment_id": payment.pk,
            "amount": str(payment.amount),
            "currency": payment.currency,
        },
    )
    return_request.status = locked.status
    return_request.refund_payment = payment
    return_request.refunded_at = moment
    return payment


@transaction.atomic
def return_request_set_staff_note(
    *, return_request: ReturnRequest, actor: Actor, staff_note: str
) -> ReturnRequest:
    """Replace the internal note (the admin's one editable field), in any status.

    The note is staff's own working text, so it is replaced rather than appended; the audit
    event keeps the previous text, so nothing written is lost.
    """
    _lock(return_request.order)
    locked = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
    previous = locked.staff_note
    locked.staff_note = staff_note.strip()
    if locked.staff_note == previous:
        return_request.staff_note = locked.staff_note
        return return_request
    locked.save(update_fields=["staff_note"])
    audit.record(
        actor=actor,
        verb="return.noted",
        obj=locked,
        data={
            "order_id": locked.order_id,
            "previous": previous,
            "staff_note": locked.staff_note,
        },
    )
    return_request.staff_note = locked.staff_note
    return return_request


# --- Full refunds ---------------------------------------------------------------------------


@transaction.atomic
def order_refund_in_full(*, order: Order, actor: Actor, reason: str = "") -> Payment:
    """Refund everything captured and not yet refunded (staff's one-click refund).

    The amount is read under the order lock, so a refund racing this one cannot make it
    refund more than is left; `order_refund` checks that again.
    """
    locked = _lock(order)
    amount = selectors.refundable_amount(locked)
    return order_refund(order=order, actor=actor, amount=amount.amount, reason=reason)


# --- EU withdrawal --------------------------------------------------------------------------


def withdrawal_order(*, number: str, email: str) -> Order:
    """The order a withdrawal form names, checked that withdrawing from it is still possible.

    Raises one generic `WithdrawalRefused` for a wrong number/e-mail pair, and a specific one
    for a cancelled order or an ended period (the pair was right, so nothing leaks).
    """
    order = selectors.order_for_withdrawal(number=number, email=email)
    if order is None:
        raise WithdrawalRefused(
            gettext(WITHDRAWAL_NOT_FOUND), code=WITHDRAWAL_NOT_FOUND_CODE, field="order"
        )
    if order.status == OrderStatus.CANCELLED:
        raise WithdrawalRefused(
            gettext(
                "Order #%(number)s was cancelled, so there is no contract left to withdraw "
                "from. Any money paid is refunded automatically."
            )
            % {"number": order.number},
            field="order",
        )
    deadline = selectors.withdrawal_deadline(order)
    if deadline is not None and clock.now() > deadline:
        raise WithdrawalRefused(
            gettext(
                "The 14-day withdrawal period for order #%(number)s ended on %(date)s (14 days "
                "after delivery). If something is wrong with your order, please contact us: you "
                "may still have other rights, such as the warranty."
            )
            % {"number": order.number, "date": f"{deadline:%Y-%m-%d}"},
            field="order",
        )
    return order


@transaction.atomic
def withdrawal_submit(*, number: str, email: str, name: str) -> Withdrawal:
    """Record a consumer's withdrawal and send the acknowledgement (CRD Art. 11a).

    Submitting again for an order already withdrawn from returns the first record: it is the
    same declaration, and its time of receipt is the one that counts.
    """
    name = " ".join(name.split())
    if not name:
        raise WithdrawalRefused(gettext("Please enter your name."), field="name")
    order = withdrawal_order(number=number, email=email)
    _lock(order)
    existing = Withdrawal.objects.filter(order=order).order_by("submitted_at", "pk").first()
    if existing is not None:
        return existing
    moment = clock.now()
    withdrawal = Withdrawal.objects.create(
        order=order,
        name=name,
        email=email.strip(),
        submitted_at=moment,
        refund_due_by=moment + selectors.WITHDRAWAL_REFUND_PERIOD,
    )
    audit.record(
        actor=Actor.system("withdrawal form"),
        verb="withdrawal.received",
        obj=withdrawal,
        to_state=withdrawal.status,
        data={"order_id": order.pk, "name": name, "email": withdrawal.email},
    )
    queue_withdrawal_acknowledgement(withdrawal)
    return withdrawal


@transaction.atomic
def withdrawal_refund(*, withdrawal: Withdrawal, actor: Actor) -> Payment:
    """Refund the whole order a withdrawal concerns, and close the withdrawal."""
    _lock(withdrawal.order)
    locked = Withdrawal.objects.select_for_update().get(pk=withdrawal.pk)
    if locked.status == Withdrawal.Status.REFUNDED:
        raise WithdrawalRefused(f"Withdrawal {locked.pk} is already refunded.", field="status")
    payment = order_refund_in_full(
        order=locked.order, actor=actor, reason=f"withdrawal {locked.pk}"
    )
    moment = clock.now()
    locked.status = Withdrawal.Status.REFUNDED
    locked.refund_payment = payment
    locked.refunded_at = moment
    locked.save(update_fields=["status", "refund_payment", "refunded_at"])
    audit.record(
        actor=actor,
        verb="withdrawal.refunded",
        obj=locked,
        from_state=Withdrawal.Status.RECEIVED,
        to_state=Withdrawal.Status.REFUNDED,
        data={
            "order_id": locked.order_id,
            "refund_payment_id": payment.pk,
            "amount": str(payment.amount),
            "late": moment > locked.refund_due_by,
        },
    )
    withdrawal.status = locked.status
    withdrawal.refund_payment = payment
    withdrawal.refunded_at = moment
    return payment
