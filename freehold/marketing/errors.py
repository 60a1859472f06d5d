"""Why a discount code was refused, in words a shopper can act on."""

from __future__ import annotations

from freehold.core.errors import FreeholdError


class DiscountError(FreeholdError):
    """A discount code the shop cannot accept; the field is always the code input.

    Codes: "unknown", "inactive", "not_started", "expired", "currency", "minimum_not_met",
    "usage_limit_reached", "already_used".
    """

    code = "discount"

    def __init__(self, message: str, *, code: str | None = None, field: str = "discount_code"):
        super().__init__(message, code=code, field=field)


class DiscountInvalid(FreeholdError):
    """Staff asked for a code that cannot work (a percentage over 100, an end before the start, a
    code already taken in any case...). `field` names the first wrong field; `errors` maps every
    wrong field to its message, so a form can mark them all at once."""

    code = "invalid"

    def __init__(self, errors: dict[str, str]):
        field_name, message = next(iter(errors.items()))
        super().__init__(message, field=field_name)
        self.errors = dict(errors)
