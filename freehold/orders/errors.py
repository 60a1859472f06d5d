"""Errors the order services raise; all are `FreeholdError`s, so the API renders them alike."""

from __future__ import annotations

from freehold.core.errors import FreeholdError


class IllegalTransition(FreeholdError):
    """A status change the transition table does not allow (see `orders.states`)."""

    code = "illegal_transition"

    def __init__(self, *, field: str, from_state: str, to_state: str):
        super().__init__(
            f"The order's {field} cannot change from {from_state!r} to {to_state!r}.",
            field=field,
        )
        self.from_state = from_state
        self.to_state = to_state


class OrderNotCancellable(FreeholdError):
    """The order has shipped goods or holds money, so cancelling it would lose track of either."""

    code = "not_cancellable"


class FulfilmentRefused(FreeholdError):
    """A fulfilment that would ship unpaid goods, or more than is left to ship."""

    code = "fulfilment_refused"


class RefundRefused(FreeholdError):
    """A refund of money that was never taken, or of more than is left to refund."""

    code = "refund_refused"
