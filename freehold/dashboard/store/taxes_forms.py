"""Forms of the taxes screens: rates are typed as percentages ("8.875") and kept as fractions.

The forms check the shape of the input; `taxes.services` checks the rules again (a region of
the right country, an IOSS number's format, two rates on one day) and names the field at fault,
which the view shows next to it (`SERVICE_FIELDS` maps the service's names to the forms').
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import forms

from freehold.dashboard.store.taxes_selectors import (
    CLASS_LABELS,
    SCHEME_LABELS,
    country_choices,
    percent_text,
)
from freehold.taxes import engine
from freehold.taxes.models import TaxRegistration

HUNDRED = Decimal(100)
MAX_PERCENT = Decimal(99)
# The service's field -> the form's field.
SERVICE_FIELDS = {"rate": "rate_percent"}
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PercentField(forms.CharField):
    """A percentage typed as "8.875" or "8,875 %", cleaned to the fraction 0.08875."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 12)
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 8}))
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Decimal | None:  # type: ignore[override]
        text = str(super().clean(value) or "").replace("%", "").replace(",", ".").strip()
        if not text:
            return None
        try:
            percent = Decimal(text)
        except InvalidOperation:
            raise forms.ValidationError(f"“{text}” is not a number, such as 8.875.") from None
        if not percent.is_finite() or not Decimal(0) <= percent <= MAX_PERCENT:
            raise forms.ValidationError("Give a percentage between 0 and 99, such as 8.875.")
        if percent.as_tuple().exponent < -4:  # type: ignore[operator]
            raise forms.ValidationError("Give at most four decimals.")
        return percent / HUNDRED


class TaxProfileForm(forms.Form):
    established_country = forms.ChoiceField(
        label="Established in",
        required=False,
        help_text="Where the business is registered. Empty: the store's country.",
    )
    ships_from_country = forms.ChoiceField(
        label="Ships from",
        required=False,
        help_text="Where the parcels leave from. Empty: where the business is established.",
    )
    eu_destination_vat_always = forms.BooleanField(
        label="Charge the destination's VAT on every EU sale",
        required=False,
        help_text="Opt out of the EUR 10,000 threshold (the EU allows it): the customer's "
        "country's VAT from the first euro, declared through OSS.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("established_country", "ships_from_country"):
            self.fields[name].choices = country_choices(blank="—")  # type: ignore[attr-defined]


class RegistrationForm(forms.Form):
    scheme = forms.ChoiceField(label="Scheme", choices=list(SCHEME_LABELS.items()))
    number = forms.CharField(
        label="Number",
        required=False,
        max_length=64,
        help_text="The registration number, such as IM2760000001 for IOSS.",
    )
    country = forms.ChoiceField(
        label="Member state",
        required=False,
        help_text="EU VAT number only: the member state that issued it.",
    )
    region = forms.CharField(
        label="State",
        required=False,
        max_length=8,
        help_text="US sales tax only: the state, such as NY or US-NY.",
        widget=forms.TextInput(attrs={"size": 6, "autocapitalize": "characters"}),
    )
    rate_percent = PercentField(
        label="Rate (%)",
        required=False,
        help_text="US sales tax only: the combined rate charged in the state, such as 8.875.",
    )
    tax_shipping = forms.BooleanField(label="Shipping is taxed too", required=False)
    is_active = forms.BooleanField(label="Active", required=False)
    valid_from = forms.DateField(label="Valid from", widget=DATE_INPUT)
    valid_to = forms.DateField(
        label="Valid to", required=False, widget=DATE_INPUT, help_text="Last day; empty: open."
    )

    def __init__(self, *args: Any, registration: TaxRegistration | None = None, **kwargs: Any):
        if registration is not None and registration.pk and kwargs.get("initial") is None:
            kwargs["initial"] = {
                "scheme": registration.scheme,
                "number": registration.number,
                "country": registration.country,
                "region": registration.region,
                "rate_percent": percent_text(registration.rate),
                "tax_shipping": registration.tax_shipping,
                "is_active": registration.is_active,
                "valid_from": registration.valid_from,
                "valid_to": registration.valid_to,
            }
        if kwargs.get("initial") is None:
            kwargs["initial"] = {"tax_shipping": True, "is_active": True}
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            *((code, name) for code, name in country_choices() if code in engine.EU_MEMBER_STATES),
        ]


class TaxRateForm(forms.Form):
    """A dated change: a new rate from a day (the one in force before ends the day before)."""

    country = forms.ChoiceField(label="Country")
    region = forms.CharField(
        label="Region",
        required=False,
        max_length=8,
        help_text="Empty: the whole country. A province such as CA-ON for a regional rate.",
        widget=forms.TextInput(attrs={"size": 6, "autocapitalize": "characters"}),
    )
    tax_class = forms.ChoiceField(label="Tax class", choices=list(CLASS_LABELS.items()))
    rate_percent = PercentField(label="Rate (%)", help_text="Such as 25.5.")
    label = forms.CharField(label="Label", max_length=32, initial="VAT", help_text="VAT, GST…")
    valid_from = forms.DateField(
        label="Valid from", widget=DATE_INPUT, help_text="The first day of the new rate."
    )
    source = forms.CharField(
        label="Source",
        required=False,
        max_length=500,
        help_text="Where the change is published (a URL or a note).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices(blank="—")  # type: ignore[attr-defined]


class DutyRateForm(forms.Form):
    destination = forms.CharField(
        label="Destination",
        max_length=2,
        help_text="A country code, or EU for the whole customs union.",
        widget=forms.TextInput(attrs={"size": 3, "autocapitalize": "characters"}),
    )
    hs_prefix = forms.CharField(
        label="HS code prefix",
        required=False,
        max_length=16,
        help_text="The first digits of the tariff code, such as 6206; empty: any product.",
    )
    product_type = forms.CharField(
        label="Product type", required=False, max_length=255, help_text="Empty: any."
    )
    rate_percent = PercentField(label="Rate (%)", help_text="Of the customs value, such as 12.")
    label = forms.CharField(label="Label", max_length=64, initial="Duty")
    valid_from = forms.DateField(label="Valid from", widget=DATE_INPUT)
    source = forms.CharField(label="Source", required=False, max_length=500)
