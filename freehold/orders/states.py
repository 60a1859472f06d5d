"""The three state machines of an order, as explicit tables.

An order carries three independent statuses (its own life, its money, its goods), because each
moves for its own reasons: a paid order can be unfulfilled, a fulfilled one can be refunded.
Each table maps a state to the states it may move to; anything not listed is refused by
`services.order_transition`, and `tests/orders/test_states.py` walks every pair.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy


class OrderStatus(models.TextChoices):
    OPEN = "open", gettext_lazy("Open")
    CANCELLED = "cancelled", gettext_lazy("Cancelled")
    ARCHIVED = "archived", gettext_lazy("Archived")


class PaymentStatus(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", gettext_lazy("Awaiting payment")
    AUTHORIZED = "authorized", gettext_lazy("Authorized")
    PAID = "paid", gettext_lazy("Paid")
    PARTIALLY_REFUNDED = "partially_refunded", gettext_lazy("Partially refunded")
    REFUNDED = "refunded", gettext_lazy("Refunded")
    VOIDED = "voided", gettext_lazy("Voided")
    FAILED = "failed", gettext_lazy("Failed")


class FulfilmentStatus(models.TextChoices):
    UNFULFILLED = "unfulfilled", gettext_lazy("Unfulfilled")
    PARTIALLY_FULFILLED = "partially_fulfilled", gettext_lazy("Partially fulfilled")
    FULFILLED = "fulfilled", gettext_lazy("Fulfilled")
    RETURNED = "returned", gettext_lazy("Returned")


# Archiving hides a finished order from the working list; staff may bring it back. A cancelled
# order stays cancelled: un-cancelling would have to re-reserve stock and re-take payment, which
# is a new order, not a transition.
ORDER_TRANSITIONS: dict[str, set[str]] = {
    OrderStatus.OPEN: {OrderStatus.CANCELLED, OrderStatus.ARCHIVED},
    OrderStatus.ARCHIVED: {OrderStatus.OPEN},
    OrderStatus.CANCELLED: set(),
}

# A failed payment may be tried again (the shopper picks another card), so it returns to
# awaiting_payment. Partial refunds repeat until the whole amount is refunded.
PAYMENT_TRANSITIONS: dict[str, set[str]] = {
    PaymentStatus.AWAITING_PAYMENT: {
        PaymentStatus.AUTHORIZED,
        PaymentStatus.PAID,
        PaymentStatus.FAILED,
        PaymentStatus.VOIDED,
    },
    PaymentStatus.AUTHORIZED: {PaymentStatus.PAID, PaymentStatus.VOIDED, PaymentStatus.FAILED},
    PaymentStatus.PAID: {PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED},
    PaymentStatus.PARTIALLY_REFUNDED: {
        PaymentStatus.PARTIALLY_REFUNDED,
        PaymentStatus.REFUNDED,
    },
    PaymentStatus.REFUNDED: set(),
    PaymentStatus.VOIDED: set(),
    PaymentStatus.FAILED: {PaymentStatus.AWAITING_PAYMENT},
}

# Shipping in several parcels repeats partially_fulfilled until the last one goes out.
FULFILMENT_TRANSITIONS: dict[str, set[str]] = {
    FulfilmentStatus.UNFULFILLED: {
        FulfilmentStatus.PARTIALLY_FULFILLED,
        FulfilmentStatus.FULFILLED,
    },
    FulfilmentStatus.PARTIALLY_FULFILLED: {
        FulfilmentStatus.PARTIALLY_FULFILLED,
        FulfilmentStatus.FULFILLED,
    },
    FulfilmentStatus.FULFILLED: {FulfilmentStatus.RETURNED},
    FulfilmentStatus.RETURNED: set(),
}

# The order field each table governs.
TRANSITIONS: dict[str, dict[str, set[str]]] = {
    "status": ORDER_TRANSITIONS,
    "payment_status": PAYMENT_TRANSITIONS,
    "fulfilment_status": FULFILMENT_TRANSITIONS,
}


def can_transition(*, field: str, from_state: str, to_state: str) -> bool:
    """True when the table for `field` lets `from_state` move to `to_state`."""
    return to_state in TRANSITIONS[field].get(from_state, set())
