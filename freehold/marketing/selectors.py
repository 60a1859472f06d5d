"""Reads for discount codes: the lookup by what a shopper typed, per-customer use counts, and
the dashboard's list with each code's status and uses."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from freehold.core import clock
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


# --- Staff reads: the dashboard's list of codes and a code's recent uses ----------------------

STATUSES: tuple[tuple[str, str], ...] = (
    ("active", "Active"),
    ("paused", "Paused"),
    ("scheduled", "Scheduled"),
    ("expired", "Expired"),
    ("used_up", "Used up"),
)


def discount_status(discount: DiscountCode, *, now: dt.datetime | None = None) -> str:
    """What a shopper typing the code would meet today, first reason first (as
    `services.discount_validate` checks them): paused, scheduled, expired, used up, or active."""
    now = now or clock.now()
    if not discount.is_active:
        return "paused"
    if discount.starts_at is not None and now < discount.starts_at:
        return "scheduled"
    if discount.ends_at is not None and now >= discount.ends_at:
        return "expired"
    limit = discount.usage_limit_total
    if limit is not None and discount.times_used >= limit:
        return "used_up"
    return "active"


def _status_condition(status: str, now: dt.datetime) -> Q:
    """`discount_status` as SQL, so the list filters in the database."""
    started = Q(starts_at__isnull=True) | Q(starts_at__lte=now)
    not_ended = Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    within_limit = Q(usage_limit_total__isnull=True) | Q(times_used__lt=F("usage_limit_total"))
    conditions = {
        "paused": Q(is_active=False),
        "scheduled": Q(is_active=True, starts_at__gt=now),
        "expired": Q(is_active=True) & started & Q(ends_at__lte=now),
        "used_up": Q(is_active=True) & started & not_ended & ~within_limit,
        "active": Q(is_active=True) & started & not_ended & within_limit,
    }
    return conditions[status]


def discounts_for_staff(*, query: str = "", status: str = "") -> QuerySet[DiscountCode]:
    """Codes newest first, each with `redemption_count` (its uses as recorded orders) counted
    by the same query."""
    redemptions = (
        DiscountRedemption.objects.filter(discount=OuterRef("pk"))
        .order_by()
        .values("discount")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    discounts = DiscountCode.objects.annotate(
        redemption_count=Coalesce(Subquery(redemptions), Value(0))
    )
    query = query.strip()
    if query:
        discounts = discounts.filter(code__contains=normalise_code(query))
    if status in dict(STATUSES):
        discounts = discounts.filter(_status_condition(status, clock.now()))
    return discounts.order_by("-created_at", "-id")


def discount_for_staff(discount_id: int) -> DiscountCode | None:
    return discounts_for_staff().filter(pk=discount_id).first()


def discount_recent_redemptions(
    discount: DiscountCode, *, limit: int = 20
) -> list[DiscountRedemption]:
    return list(
        DiscountRedemption.objects.filter(discount=discount)
        .select_related("customer")
        .order_by("-created_at", "-id")[:limit]
    )
