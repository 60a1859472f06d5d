"""The marketplace rules' numbers, read by date from `ComplianceRule` rows (never constants).

    rule("hvtps_min_sales", on=date)   -> Decimal("200")

A key with no row in force raises `RuleMissing`: a compliance check must not quietly pass
because its threshold was deleted.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q

from freehold.core import clock
from freehold.core.errors import FreeholdError
from freehold.marketplace.models import ComplianceRule

# (key, value, valid from, source): loaded by migration 0002 and `defaults_load` (tests whose
# database a browser test flushed). The operator adds dated rows when the law changes.
DEFAULTS: tuple[tuple[str, str, str, str], ...] = (
    ("hvtps_min_sales", "200", "2023-06-27", "15 U.S.C. 45f(f)(3)"),
    ("hvtps_min_revenue_usd", "5000", "2023-06-27", "15 U.S.C. 45f(f)(3)"),
    ("hvtps_window_months", "12", "2023-06-27", "15 U.S.C. 45f(f)(3)"),
    ("hvtps_lookback_months", "24", "2023-06-27", "15 U.S.C. 45f(f)(3)"),
    ("info_due_days", "10", "2023-06-27", "15 U.S.C. 45f(a)(1)"),
    ("verify_due_days", "10", "2023-06-27", "15 U.S.C. 45f(a)(2)"),
    ("certification_interval_days", "365", "2023-06-27", "15 U.S.C. 45f(a)(2)(B)"),
    ("certification_due_days", "10", "2023-06-27", "15 U.S.C. 45f(a)(2)(C)"),
    ("suspension_notice_days", "10", "2023-06-27", "15 U.S.C. 45f(a)(2)(C)"),
    ("disclosure_min_revenue_usd", "20000", "2023-06-27", "15 U.S.C. 45f(b)(1)"),
    ("disclosure_window_months", "12", "2023-06-27", "15 U.S.C. 45f(b)(1) (design: trailing)"),
    ("dsa_retention_months", "6", "2024-02-17", "Regulation (EU) 2022/2065 Art. 30(5)"),
    ("dsa_illegal_notice_months", "6", "2024-02-17", "Regulation (EU) 2022/2065 Art. 32(1)"),
)


def defaults_load(*, model: Any = None) -> int:
    """Add the default rules that are missing; returns how many were added."""
    rows = model or ComplianceRule
    added = 0
    for key, value, valid_from, source in DEFAULTS:
        _, created = rows.objects.get_or_create(
            key=key,
            valid_from=dt.date.fromisoformat(valid_from),
            defaults={"value": Decimal(value), "source": source},
        )
        added += int(created)
    return added


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
