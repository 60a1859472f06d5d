"""Storage limitation (GDPR Art. 5(1)(e)): how long each category of data is kept, and the
daily job that deletes what is older.

Defaults (days), changed under Settings → Privacy (`RetentionRule` rows):

- events: 395 (13 months: a year-on-year comparison plus a month), visitor events of
  `insights.Event`;
- abandoned_carts: 90, carts never checked out, counted from their last change;
- import_files: 30, the uploaded bytes of finished import runs (the run and its report stay);
- closed_privacy_requests: 1095 (3 years, the usual limitation period for claims), requests
  answered or refused, counted from closing.

Orders and invoices are not purged: tax law keeps them `ORDER_RETENTION_YEARS`; an erasure
removes the personal data from them instead (`customers.privacy.customer_erase`).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from freehold.checkout.models import Cart
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.customers.models import PrivacyRequest, RetentionRule
from freehold.imports.models import ImportRun
from freehold.insights.models import Event

Category = RetentionRule.Category

DEFAULT_DAYS: dict[str, int] = {
    Category.EVENTS: 395,
    Category.ABANDONED_CARTS: 90,
    Category.IMPORT_FILES: 30,
    Category.CLOSED_PRIVACY_REQUESTS: 1095,
}
# The shortest and longest period staff may set: a day (not zero, which would delete today's
# data mid-use) to 20 years.
MINIMUM_DAYS = 1
MAXIMUM_DAYS = 20 * 366
# What the export tells customers about invoices (e.g. Germany: 10 years, § 147 AO).
ORDER_RETENTION_YEARS = 10


class RetentionInvalid(ValidationFailed):
    """A retention period staff gave is refused; `field` names the category."""


def rules() -> dict[str, int]:
    """Days kept per category: the stored rules over the defaults, in the categories' order."""
    stored = dict(RetentionRule.objects.values_list("category", "days"))
    return {category: stored.get(category, DEFAULT_DAYS[category]) for category in Category.values}


@transaction.atomic
def retention_set(*, days_by_category: dict[str, int], actor: Actor) -> dict[str, int]:
    """Store new periods (only those that changed); audit-logged with old and new days."""
    current = rules()
    for category, days in days_by_category.items():
        if category not in DEFAULT_DAYS:
            raise RetentionInvalid(f"Unknown category {category}.", field=category)
        if not MINIMUM_DAYS <= int(days) <= MAXIMUM_DAYS:
            raise RetentionInvalid(
                f"Between {MINIMUM_DAYS} and {MAXIMUM_DAYS} days.", field=category
            )
    for category, days in days_by_category.items():
        if current[category] == int(days):
            continue
        rule, _ = RetentionRule.objects.update_or_create(
            category=category, defaults={"days": int(days), "updated_at": clock.now()}
        )
        audit.record(
            actor=actor,
            verb="retention.changed",
            obj=rule,
            data={"category": category, "from": current[category], "to": int(days)},
        )
    return rules()


def cutoffs(now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Per category, the moment before which data is purged."""
    now = now or clock.now()
    return {category: now - dt.timedelta(days=days) for category, days in rules().items()}


def purge() -> dict[str, int]:
    """Delete what is older than its retention period; how many rows each category lost.

    The scheduled job (`SCHEDULED_JOBS["retention-purge"]`, daily). One transaction per
    category, so a failure in one leaves the others done; each non-empty purge is audit-logged
    with its count and cutoff.
    """
    limits = cutoffs()
    counts: dict[str, int] = {}
    with transaction.atomic():
        counts[Category.EVENTS] = Event.objects.filter(
            occurred_at__lt=limits[Category.EVENTS]
        ).delete()[0]
        _record(Category.EVENTS, counts, limits)
    with transaction.atomic():
        carts = Cart.objects.filter(
            completed_at__isnull=True, updated_at__lt=limits[Category.ABANDONED_CARTS]
        )
        counts[Category.ABANDONED_CARTS] = carts.count()
        carts.delete()
        _record(Category.ABANDONED_CARTS, counts, limits)
    with transaction.atomic():
        counts[Category.IMPORT_FILES] = (
            ImportRun.objects.filter(created_at__lt=limits[Category.IMPORT_FILES])
            .exclude(status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING])
            .exclude(data=b"")
            .update(data=b"")
        )
        _record(Category.IMPORT_FILES, counts, limits)
    with transaction.atomic():
        counts[Category.CLOSED_PRIVACY_REQUESTS] = PrivacyRequest.objects.filter(
            status__in=[PrivacyRequest.Status.DONE, PrivacyRequest.Status.REFUSED],
            closed_at__lt=limits[Category.CLOSED_PRIVACY_REQUESTS],
        ).delete()[0]
        _record(Category.CLOSED_PRIVACY_REQUESTS, counts, limits)
    return counts


def _record(category: str, counts: dict[str, int], limits: dict[str, dt.datetime]) -> None:
    if not counts[category]:
        return
    rule, _ = RetentionRule.objects.get_or_create(
        category=category, defaults={"days": DEFAULT_DAYS[category]}
    )
    audit.record(
        actor=Actor.system("retention"),
        verb="retention.purged",
        obj=rule,
        data={
            "category": category,
            "count": counts[category],
            "before": limits[category].isoformat(),
        },
    )
