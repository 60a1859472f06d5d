"""The discounts area's forms: the list's filters and a code's settings.

The form only parses what staff typed (numbers, dates); every rule a code must meet (a
percentage at most 100, the end after the start, a code not yet taken in any case) is
`marketing.services`' to check, for the dashboard and the API alike, and its `DiscountInvalid`
is shown next to each field it names.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from freehold.marketing.errors import DiscountInvalid
from freehold.marketing.models import DiscountCode
from freehold.marketing.selectors import STATUSES

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class DiscountFilterForm(forms.Form):
    q = forms.CharField(
        label="Code",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "SUMMER"}),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *STATUSES]
    )

    def values(self) -> dict[str, str]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {"query": data.get("q") or "", "status": data.get("status") or ""}


class DiscountForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=64,
        help_text="What shoppers type at checkout: letters, digits, - and _ (any case).",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    kind = forms.ChoiceField(label="Type", choices=DiscountCode.Kind.choices)
    value = forms.DecimalField(
        label="Value",
        required=False,
        min_value=Decimal(0),
        help_text="Percent off for a percentage; the amount off for a fixed amount.",
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    currency = forms.CharField(
        label="Currency",
        max_length=3,
        required=False,
        widget=forms.TextInput(attrs={"size": 4, "placeholder": "e.g. EUR"}),
        help_text="Required for a fixed amount; when set, the code works in that currency only.",
    )
    minimum_subtotal_amount = forms.DecimalField(
        label="Minimum subtotal",
        required=False,
        min_value=Decimal(0),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    starts_at = forms.DateTimeField(label="Starts", required=False, widget=DATETIME)
    ends_at = forms.DateTimeField(label="Ends", required=False, widget=DATETIME)
    usage_limit_total = forms.IntegerField(
        label="Uses in total", required=False, help_text="Empty for no limit."
    )
    usage_limit_per_customer = forms.IntegerField(
        label="Uses per customer", required=False, help_text="Empty for no limit."
    )
    is_active = forms.BooleanField(
        label="Active (shoppers may use it)", required=False, initial=True
    )

    def values(self) -> dict[str, Any]:
        """What to hand the service: an empty value is zero (free shipping has none)."""
        data = dict(self.cleaned_data)
        if data.get("value") is None:
            data["value"] = Decimal(0)
        data["currency"] = data.get("currency") or ""
        return data

    def add_service_error(self, error: DiscountInvalid) -> None:
        for field, message in error.errors.items():
            self.add_error(field if field in self.fields else None, message)


def initial_from(discount: DiscountCode) -> dict[str, Any]:
    return {
        name: getattr(discount, name)
        for name in (
            "code",
            "kind",
            "value",
            "currency",
            "minimum_subtotal_amount",
            "starts_at",
            "ends_at",
            "usage_limit_total",
            "usage_limit_per_customer",
            "is_active",
        )
    }
