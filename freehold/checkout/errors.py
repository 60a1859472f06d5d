"""Why a cart refused a change, in words a shopper can act on."""

from __future__ import annotations

from freehold.core.errors import FreeholdError


class CartError(FreeholdError):
    """A cart change the shop cannot accept: the `code` says which rule, `field` which input.

    Codes: "quantity", "unavailable", "insufficient_stock", "currency", "cart_completed".
    """

    code = "cart"
