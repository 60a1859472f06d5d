"""Reads for discount codes: the lookup by what a shopper typed, and per-customer use counts."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from freehold.customers.models import Customer
from freehold.marketing.models import DiscountCode, DiscountRedemption, normalise_code


def discount_code_get(*, code: str) -> DiscountCode | None:
    """The code whatever its case; an exact match on the stored (upper-case) form uses the index."""
    return DiscountCode.objects.filter(code=normalise_code(code)).first()


def discount_redemptions_by(
    *, discount: DiscountCode, email: str = "", customer: Customer | None = None
) -> QuerySet[DiscountRedemption]:
    """Redemptions by this shopper: by the account, or by any e-mail they are known by.

    Both count, so a shopper cannot reuse a once-per-customer code by checking out as a guest
    with the e-mail of their account, or by signing in with an account under another address.
    """
    emails = {
        address.strip().lower() for address in (email, getattr(customer, "email", "")) if address
    }
    condition = Q(email__in=emails) if emails else Q(pk__in=[])
    if customer is not None:
        condition |= Q(customer=customer)
    return DiscountRedemption.objects.filter(condition, discount=discount)
