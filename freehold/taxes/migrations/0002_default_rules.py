"""Load the default tax rules (freehold/taxes/data/defaults.json) and the profile row.

The same loader as `services.defaults_load`, with this migration's historical models; it
inserts only rows a database lacks, so re-running it (or the command) is harmless.
"""

from typing import Any

from django.db import migrations


def load(apps: Any, schema_editor: Any) -> None:
    from freehold.taxes.selectors import compile_rules
    from freehold.taxes.services import defaults_load

    models = {
        name: apps.get_model("taxes", name)
        for name in ("TaxRate", "ImportRule", "DutyRate", "NexusThreshold", "TaxProfile")
    }
    defaults_load(models=models)
    models["TaxRegistration"] = apps.get_model("taxes", "TaxRegistration")
    profile, _ = models["TaxProfile"].objects.get_or_create(pk=1)
    profile.rules_snapshot = compile_rules(models)
    profile.save(update_fields=["rules_snapshot"])


def unload(apps: Any, schema_editor: Any) -> None:
    """Nothing: the rules may have been edited since; the tables go with 0001's reversal."""


class Migration(migrations.Migration):
    dependencies = [("taxes", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
