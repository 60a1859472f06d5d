"""Tax rules in the admin until the dashboard's tax screens exist.

Saves go through the model (the signals move the rules' version, so every process reloads);
the dashboard screens will call `services`, which also refuse overlapping periods.
"""

from __future__ import annotations

from django.contrib import admin

from freehold.taxes.models import (
    DutyRate,
    ImportRule,
    NexusThreshold,
    TaxProfile,
    TaxRate,
    TaxRegistration,
)

DATES = ("valid_from", "valid_to")


@admin.register(TaxRate)
class TaxRateAdmin(admin.ModelAdmin):
    list_display = ("country", "region", "tax_class", "rate", "label", *DATES)
    list_filter = ("tax_class", "label")
    search_fields = ("country", "region")


@admin.register(ImportRule)
class ImportRuleAdmin(admin.ModelAdmin):
    list_display = ("destination", "kind", "threshold_amount", "currency", "amount", *DATES)
    list_filter = ("kind", "destination")


@admin.register(DutyRate)
class DutyRateAdmin(admin.ModelAdmin):
    list_display = ("destination", "hs_prefix", "product_type", "rate", *DATES)
    list_filter = ("destination",)


@admin.register(TaxRegistration)
class TaxRegistrationAdmin(admin.ModelAdmin):
    list_display = ("scheme", "country", "region", "number", "rate", "is_active", *DATES)
    list_filter = ("scheme", "is_active")


@admin.register(NexusThreshold)
class NexusThresholdAdmin(admin.ModelAdmin):
    list_display = ("region", "sales_amount", "transactions", "combination", *DATES)


@admin.register(TaxProfile)
class TaxProfileAdmin(admin.ModelAdmin):
    list_display = ("established_country", "ships_from_country", "eu_destination_vat_always")
    readonly_fields = ("rules_version",)
    exclude = ("rules_snapshot",)
