"""Order writes: handing out order numbers and moving an order along its state tables.

Services take keyword arguments and run in a transaction; every status change locks the order
row, checks `states.TRANSITIONS` and writes one audit event. What follows a transition (e-mails,
webhooks) is called explicitly by the service that causes it, never through a signal.
"""

from __future__ import annotations

from typing import Any, Literal

from django.db import connection, transaction
from django.db.models import BigIntegerField, F, Max
from django.db.models.functions import Cast

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


# PostgreSQL hands out order numbers from this sequence (migration orders/0004).
SEQUENCE_NAME = "orders_order_number"


def order_number_next() -> str:
    """The next order number, unique even when many checkouts complete at once.

    PostgreSQL: `nextval` of a real sequence. It takes no row lock, so concurrent checkouts
    never wait on each other for a number (the single counter row they all locked until
    COMMIT serialised every checkout in the store). A sequence is not transactional: a number
    taken by a checkout that rolls back (sold out, a code used up) is not given back, so
    numbers can have gaps, as they do in most shops; they stay unique and increasing.

    SQLite: one `UPDATE ... RETURNING` on the counter row. SQLite's IMMEDIATE transactions
    serialise writers anyway, so the row costs no concurrency there, and a rolled-back
    checkout gives its number back.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT nextval(%s)", [SEQUENCE_NAME])
            return str(cursor.fetchone()[0])
    table = connection.ops.quote_name(OrderNumberSequence._meta.db_table)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_value = last_value + 1 WHERE id = %s RETURNING last_value",
            [_SEQUENCE_ID],
        )
        row = cursor.fetchone()
        if row is not None:
            return str(row[0])
        OrderNumberSequence.objects.create(pk=_SEQUENCE_ID, last_value=FIRST_ORDER_NUMBER)
        return str(FIRST_ORDER_NUMBER)


def order_number_last() -> int:
    """The number the next order will follow (the seed numbers its orders from here).

    The larger of the counter row and the highest order number in the table, so that orders
    placed through PostgreSQL's sequence (which leaves the row alone) are never numbered twice.
    """
    row = OrderNumberSequence.objects.filter(pk=_SEQUENCE_ID).values_list("last_value", flat=True)
    counted = row.first()
    highest = (
        Order.objects.filter(number__regex=r"^[0-9]{1,18}$")
        .annotate(value=Cast("number", BigIntegerField()))
        .aggregate(highest=Max("value"))["highest"]
    )
    return max(counted if counted is not None else FIRST_ORDER_NUMBER - 1, highest or 0)


def order_number_continue_after(*, last_value: int) -> None:
    """Make the next order number `last_value + 1` (a store migrating from elsewhere, the seed).

    Writes the counter row, and on PostgreSQL moves the sequence with `setval`.
    """
    OrderNumberSequence.objects.update_or_create(
        pk=_SEQUENCE_ID, defaults={"last_value": last_value}
    )
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT setval(%s, %s, true)", [SEQUENCE_NAME, last_value])


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
    event = _WEBHOOK_EVENTS.get((field, to))
    if event:
        from freehold.webhooks.payloads import order_payload
        from freehold.webhooks.services import webhook_emit

        webhook_emit(event, order_payload(locked))
    if field == "payment_status" and to == "paid" and from_state not in _PAID_BEFORE:
        _count_units_sold(locked)
    if field == "payment_status" and to in _INFORM_RECOMPUTE:
        # Marketplace INFORM counters count paid sales: recompute the order's vendors.
        from freehold.marketplace.inform import order_paid_or_refunded

        order_id = locked.pk
        transaction.on_commit(lambda: order_paid_or_refunded(order_id))
    return order


_INFORM_RECOMPUTE = {"paid", "partially_refunded", "refunded"}
_PAID_BEFORE = {"paid", "partially_refunded", "refunded"}


def _count_units_sold(order: Order) -> None:
    """Add the order's units to each product's `sales_count` (the "Best selling" sort).

    Counted once, when the payment first succeeds; refunds do not take units back (a sale that
    happened stays a sale for ranking, as in Shopify). Products are updated in id order so two
    orders paid at once lock them in the same order. Cached collection pages sorted by best
    selling follow at their next expiry, not at every sale.
    """
    from freehold.catalog.models import Product

    units: dict[int, int] = {}
    for product_id, quantity in order.lines.filter(variant__isnull=False).values_list(
        "variant__product_id", "quantity"
    ):
        units[product_id] = units.get(product_id, 0) + quantity
    for product_id in sorted(units):
        Product.objects.filter(pk=product_id).update(
            sales_count=F("sales_count") + units[product_id]
        )


# Transitions that outbound webhook subscribers hear about (freehold.webhooks).
_WEBHOOK_EVENTS = {
    ("payment_status", "paid"): "order.paid",
    ("payment_status", "partially_refunded"): "order.refunded",
    ("payment_status", "refunded"): "order.refunded",
    ("fulfilment_status", "partially_fulfilled"): "order.fulfilled",
    ("fulfilment_status", "fulfilled"): "order.fulfilled",
}
