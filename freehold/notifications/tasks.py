"""Sending order e-mails outside the request, after the order is committed.

`queue_order_email` is what services call: it enqueues only when the surrounding transaction
commits, so a rolled-back order (sold out, payment declined) never e-mails anyone, and a worker
never looks for an order that is not yet visible to it. The task's arguments are ids and strings
because a queued task is stored as JSON.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django_tasks import task

from freehold.core.money import Money
from freehold.notifications import emails
from freehold.orders.models import Fulfilment, Order


@task()
def send_order_email(
    kind: str,
    order_id: int,
    fulfilment_id: int | None = None,
    refund_amount: str | None = None,
) -> int:
    return emails.send(
        kind, order_id=order_id, fulfilment_id=fulfilment_id, refund_amount=refund_amount
    )


def queue_order_email(
    kind: str,
    order: Order,
    *,
    fulfilment: Fulfilment | None = None,
    refund_amount: Money | Decimal | str | None = None,
) -> None:
    """Send the `kind` e-mail about `order` once the current transaction commits."""
    if kind not in emails.KINDS:
        # Checked now, where the mistake is, rather than later in a worker's log.
        raise ValueError(
            f"Unknown order e-mail {kind!r}; expected one of {', '.join(emails.KINDS)}."
        )
    if isinstance(refund_amount, Money):
        refund_amount = refund_amount.amount
    order_id = order.pk
    fulfilment_id = fulfilment.pk if fulfilment is not None else None
    amount = str(refund_amount) if refund_amount is not None else None
    transaction.on_commit(
        lambda: send_order_email.enqueue(
            kind, order_id, fulfilment_id=fulfilment_id, refund_amount=amount
        )
    )
