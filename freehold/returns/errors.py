"""Errors the after-sales services raise; all are `FreeholdError`s, so views render them alike."""

from __future__ import annotations

from freehold.core.errors import FreeholdError


class ReturnRefused(FreeholdError):
    """A return of units that never shipped, asked by someone else, or after the window closed."""

    code = "return_refused"


class ReturnTransitionRefused(FreeholdError):
    """A staff step out of order: receiving a rejected return, refunding one not yet back."""

    code = "return_transition_refused"


class WithdrawalRefused(FreeholdError):
    """A withdrawal for an unknown order, a cancelled one, or after the 14 days ended."""

    code = "withdrawal_refused"
