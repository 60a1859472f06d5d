"""The INFORM and DSA thresholds and periods in force (compliance-rules.md sections 1-2)."""

import datetime as dt
from decimal import Decimal

from django.db import migrations

DEFAULTS = (
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
)


def load(apps, schema_editor):
    ComplianceRule = apps.get_model("marketplace", "ComplianceRule")
    for key, value, valid_from, source in DEFAULTS:
        ComplianceRule.objects.get_or_create(
            key=key,
            valid_from=dt.date.fromisoformat(valid_from),
            defaults={"value": Decimal(value), "source": source},
        )


def unload(apps, schema_editor):
    ComplianceRule = apps.get_model("marketplace", "ComplianceRule")
    ComplianceRule.objects.filter(key__in=[row[0] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
