"""DSA Art. 32: buyers of the last 6 months are informed of an illegal product (a dated rule)."""

from django.db import migrations

KEY = "dsa_illegal_notice_months"


def load(apps, schema_editor):
    from freehold.marketplace.rules import defaults_load

    defaults_load(model=apps.get_model("marketplace", "ComplianceRule"))


def unload(apps, schema_editor):
    ComplianceRule = apps.get_model("marketplace", "ComplianceRule")
    ComplianceRule.objects.filter(key=KEY).delete()


class Migration(migrations.Migration):
    dependencies = [("marketplace", "0005_product_compliance")]

    operations = [migrations.RunPython(load, unload)]
