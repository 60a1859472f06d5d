"""Any write to a tax rule moves `TaxProfile.rules_version`, so every process reloads.

Connected for saves and deletes through the ORM (services, the admin, tests); bulk writes
(`bulk_create`, `update`) must call `services.rules_changed()` themselves, as the defaults
loader does.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from freehold.taxes.models import DutyRate, ImportRule, TaxRate, TaxRegistration


@receiver(post_save, sender=TaxRate)
@receiver(post_save, sender=ImportRule)
@receiver(post_save, sender=DutyRate)
@receiver(post_save, sender=TaxRegistration)
@receiver(post_delete, sender=TaxRate)
@receiver(post_delete, sender=ImportRule)
@receiver(post_delete, sender=DutyRate)
@receiver(post_delete, sender=TaxRegistration)
def rule_written(sender: Any, **kwargs: Any) -> None:
    from freehold.taxes.services import rules_changed

    rules_changed()
