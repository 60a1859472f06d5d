"""The marketplace rules' numbers, read by date from `ComplianceRule` rows (never constants).

    rule("hvtps_min_sales", on=date)   -> Decimal("200")

A key with no row in force raises `RuleMissing`: a compliance check must not quietly pass
because its threshold was deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Q

from freehold.core import clock
from freehold.core.errors import FreeholdError
from freehold.marketplace.models import ComplianceRule

# The values in force are seeded by migration 0002 (compliance-rules.md sections 1-2).


class RuleMissing(FreeholdError):
    code = "rule_missing"


def rule(key: str, *, on: dt.date | None = None) -> Decimal:
    """The value of `key` in force on `on` (default: today)."""
    day = on or clock.now().date()
    row = (
        ComplianceRule.objects.filter(key=key, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )
    if row is None:
        raise RuleMissing(f"No marketplace rule {key!r} is in force on {day}.")
    return row.value


def whole(key: str, *, on: dt.date | None = None) -> int:
    return int(rule(key, on=on))
