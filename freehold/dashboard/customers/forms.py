"""The customers area's forms: the list's filters, a customer's details, tags and note.

Forms check the shape of what staff typed; `customers.services` checks the rest (an e-mail
taken, a country code that exists) and its errors are put next to the field they name.
"""

from __future__ import annotations

from typing import Any

from django import forms

from freehold.core.errors import FreeholdError
from freehold.customers.selectors import CUSTOMER_SORTS, CustomerFilters, country_choices
from freehold.customers.services import NOTE_LENGTH
from freehold.markets.countries import is_country_code

YES_NO = [("", "Any"), ("yes", "Yes"), ("no", "No")]
SORTS = [
    ("newest", "Newest"),
    ("oldest", "Oldest"),
    ("name", "Name"),
    ("orders", "Most orders"),
    ("spent", "Most spent"),
]
assert {code for code, _ in SORTS} == set(CUSTOMER_SORTS)


def _yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class CustomerFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, e-mail or phone"}),
    )
    country = forms.CharField(
        label="Country",
        required=False,
        max_length=2,
        widget=forms.TextInput(attrs={"size": 3, "placeholder": "DE"}),
    )
    accepts_marketing = forms.ChoiceField(label="Accepts marketing", required=False, choices=YES_NO)
    has_orders = forms.ChoiceField(label="Has orders", required=False, choices=YES_NO)
    tag = forms.CharField(label="Tag", required=False, max_length=40)
    sort = forms.ChoiceField(label="Sort", required=False, choices=SORTS)

    FIELDS = ("q", "country", "accepts_marketing", "has_orders", "tag", "sort")

    def clean_country(self) -> str:
        value: str = self.cleaned_data["country"].strip().upper()
        if value and not is_country_code(value):
            raise forms.ValidationError("Enter a two-letter country code such as DE or US.")
        return value

    def filters(self) -> CustomerFilters:
        """The filters of the valid fields; an invalid one is shown with its error, left out."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return CustomerFilters(
            query=data.get("q") or "",
            country=data.get("country") or "",
            accepts_marketing=_yes_no(data.get("accepts_marketing") or ""),
            has_orders=_yes_no(data.get("has_orders") or ""),
            tag=data.get("tag") or "",
            sort=data.get("sort") or "newest",
        )

    @property
    def filtered(self) -> bool:
        return any(self.data.get(name) for name in self.FIELDS if name != "sort")


class CustomerForm(forms.Form):
    email = forms.EmailField(label="E-mail", max_length=254)
    first_name = forms.CharField(label="First name", max_length=150, required=False)
    last_name = forms.CharField(label="Last name", max_length=150, required=False)
    phone = forms.CharField(
        label="Phone",
        max_length=32,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
        help_text="With the country code, e.g. +4930123456.",
    )
    country_code = forms.ChoiceField(label="Country", required=False)
    language = forms.CharField(
        label="Language",
        max_length=16,
        required=False,
        widget=forms.TextInput(attrs={"size": 6, "placeholder": "en"}),
        help_text="For e-mails to this customer: en, de, fr-CA…",
    )
    accepts_marketing = forms.BooleanField(
        label="Agreed to receive marketing e-mails",
        required=False,
        help_text="Only tick this if the customer agreed (GDPR: consent must be given).",
    )
    tags = forms.CharField(
        label="Tags", max_length=1000, required=False, help_text="Separated by commas."
    )
    note = forms.CharField(
        label="Note", max_length=NOTE_LENGTH, required=False, widget=forms.Textarea
    )

    def __init__(self, *args: Any, language: str = "en", **kwargs: Any):
        super().__init__(*args, **kwargs)
        country = self.fields["country_code"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", "—"), *country_choices(language)]

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class NoteForm(forms.Form):
    """Tags and the staff note, edited on the customer's page without the whole form."""

    tags = forms.CharField(
        label="Tags", max_length=1000, required=False, help_text="Separated by commas."
    )
    note = forms.CharField(
        label="Staff note",
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Only staff see this.",
    )


def add_service_error(form: forms.Form, error: FreeholdError) -> None:
    """Show a service's refusal next to the field it names (or above the form)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def initial_from(customer: Any) -> dict[str, Any]:
    return {
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "phone": customer.phone,
        "country_code": customer.country_code,
        "language": customer.language,
        "accepts_marketing": customer.accepts_marketing,
        "tags": ", ".join(customer.tags or []),
        "note": customer.note,
    }
