"""Order writes: handing out order numbers and moving an order along its state tables.

Services take keyword arguments and run in a transaction; every status change locks the order
row, checks `states.TRANSITIONS` and writes one audit event. What follows a transition (e-mails,
webhooks) is called explicitly by the service that causes it, never through a signal.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import F

from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.orders.errors import IllegalTransition
from freehold.orders.models import Order, OrderNumberSequence
from freehold.orders.states import TRANSITIONS, OrderStatus, PaymentStatus, can_transition

OrderStatusField = Literal["status", "payment_status", "fulfilment_status"]

# The sequence row's primary key, and the number before the first order ("1001" comes first).
_SEQUENCE_ID = 1
FIRST_ORDER_NUMBER = 1001

# The timestamp a state stamps when an order reaches it.
_STAMPS: dict[tuple[str, str], str] = {
    ("payment_status", PaymentStatus.PAID): "paid_at",
    ("status", OrderStatus.CANCELLED): "cancelled_at",
}


@transaction.atomic
def order_number_next() -> str:
    """The next order number, unique even when many checkouts complete at once.

    The counter is bumped with an UPDATE ... SET last_value = last_value + 1 before it is read:
    the UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) first, so two callers
    never read the same value. The lock lasts until the caller's transaction commits, so the
    placement service should take the number late, just before inserting the order. A number
    taken by a transaction that rolls back is given back with it, so numbers have no gaps from
    failed checkouts.
    """
    bumped = OrderNumberSequence.objects.filter(pk=_SEQUENCE_ID).update(
        last_value=F("last_value") + 1
    )
    if not bumped:
        try:
            with transaction.atomic():
                OrderNumberSequence.objects.create(pk=_SEQUENCE_ID, last_value=FIRST_ORDER_NUMBER)
            return str(FIRST_ORDER_NUMBER)
        except IntegrityError:
            # Someone else created the row between our UPDATE and INSERT: bump theirs.
            OrderNumberSequence.objects.filter(pk=_SEQUENCE_ID).update(
                last_value=F("last_value") + 1
            )
    value = OrderNumberSequence.objects.values_list("last_value", flat=True).get(pk=_SEQUENCE_ID)
    return str(value)


@transaction.atomic
def order_transition(
    *,
    order: Order,
    field: OrderStatusField,
    to: str,
    actor: Actor,
    data: dict[str, Any] | None = None,
) -> Order:
    """Move one of the order's three statuses to `to`, if its table allows it.

    The row is re-read under a lock, so the check uses the committed state even when two staff
    members (or a webhook and a staff member) act at once; the caller's instance is updated too.
    """
    if field not in TRANSITIONS:
        raise ValueError(f"{field!r} is not an order status field")
    locked = Order.objects.select_for_update().get(pk=order.pk)
    from_state: str = getattr(locked, field)
    if not can_transition(field=field, from_state=from_state, to_state=to):
        raise IllegalTransition(field=field, from_state=from_state, to_state=to)

    moment = clock.now()
    changed = {field: to, "updated_at": moment}
    stamp = _STAMPS.get((field, to))
    if stamp:
        changed[stamp] = moment
    for name, value in changed.items():
        setattr(locked, name, value)
        setattr(order, name, value)
    locked.save(update_fields=list(changed))

    audit.record(
        actor=actor,
        verb=f"order.{field}_changed",
        obj=locked,
        from_state=from_state,
        to_state=to,
        data=data,
    )
    return order
