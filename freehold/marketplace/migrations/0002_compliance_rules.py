"""The INFORM and DSA thresholds and periods in force (compliance-rules.md sections 1-2)."""

from django.db import migrations


def load(apps, schema_editor):
    from freehold.marketplace.rules import defaults_load

    defaults_load(model=apps.get_model("marketplace", "ComplianceRule"))


def unload(apps, schema_editor):
    ComplianceRule = apps.get_model("marketplace", "ComplianceRule")
    from freehold.marketplace.rules import DEFAULTS

    ComplianceRule.objects.filter(key__in=[row[0] for row in DEFAULTS]).delete()


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
