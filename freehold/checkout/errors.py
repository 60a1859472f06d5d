"""Why a cart refused a change, in words a shopper can act on."""

from __future__ import annotations

from freehold.core.errors import FreeholdError


class CartError(FreeholdError):
    """A cart change the shop cannot accept: the `code` says which rule, `field` which input.

    Codes: "quantity", "unavailable", "insufficient_stock", "currency", "cart_completed".
    """

    code = "cart"


class CheckoutInvalid(CartError):
    """Several fields of the checkout form are wrong at once: `errors` maps field to message.

    A form shows every problem together; `field` and `message` name the first one, for callers
    that only show one.
    """

    code = "invalid"

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field=field)
        self.errors = dict(errors)
