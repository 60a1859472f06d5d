"""The orders area's forms: the list's filters and the actions on one order.

Forms check the shape of what staff typed (numbers, dates, at most what is on the line); the
business rules (paid before shipping, never more than was captured) stay in the operations,
whose errors `add_service_error` puts next to the field they name.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django import forms

from freehold.core.errors import FreeholdError
from freehold.core.money import minor_unit_exponent
from freehold.markets.countries import is_country_code
from freehold.orders.models import Order, OrderLine
from freehold.orders.operations import CARRIER_TRACKING_URLS, NOTE_MAX_LENGTH
from freehold.orders.selectors import SEARCH_MAX_LENGTH, OrderFilters
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.returns.models import ReturnRequest

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
CARRIERS = ["DHL", "UPS", "FedEx", "USPS", "Royal Mail", "DPD"]
assert {carrier.casefold() for carrier in CARRIERS} == set(CARRIER_TRACKING_URLS)


def _any(label: str, choices: Any) -> list[tuple[str, str]]:
    return [("", label), *choices]


class OrderFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=SEARCH_MAX_LENGTH, strip=True)
    status = forms.ChoiceField(
        label="Status", required=False, choices=_any("Any status", OrderStatus.choices)
    )
    payment_status = forms.ChoiceField(
        label="Payment", required=False, choices=_any("Any payment", PaymentStatus.choices)
    )
    fulfilment_status = forms.ChoiceField(
        label="Fulfilment",
        required=False,
        choices=_any("Any fulfilment", FulfilmentStatus.choices),
    )
    placed_from = forms.DateField(label="Placed from", required=False, widget=DATE)
    placed_to = forms.DateField(label="Placed to", required=False, widget=DATE)
    country = forms.CharField(
        label="Country",
        required=False,
        max_length=2,
        min_length=2,
        widget=forms.TextInput(attrs={"size": 3, "placeholder": "DE"}),
        help_text="Two-letter code of the shipping country.",
    )

    returns = forms.ChoiceField(
        label="Returns",
        required=False,
        choices=[("", "Any returns"), ("open", "Open return request")],
    )

    def clean_country(self) -> str:
        value = self.cleaned_data["country"].strip().upper()
        if value and not is_country_code(value):
            raise forms.ValidationError("Enter a two-letter country code such as DE or US.")
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("placed_from"), data.get("placed_to")
        if start and end and end < start:
            self.add_error("placed_to", "Must be on or after the start date.")
        return data

    def filters(self, *, numbers: list[str] | None = None) -> OrderFilters:
        """The filters of the valid fields; an invalid one is shown with its error and left
        out (Django keeps only valid fields in `cleaned_data`)."""
        self.is_valid()
        data = self.cleaned_data
        return OrderFilters(
            status=data.get("status") or "",
            payment_status=data.get("payment_status") or "",
            fulfilment_status=data.get("fulfilment_status") or "",
            placed_from=data.get("placed_from"),
            placed_to=data.get("placed_to"),
            country_code=data.get("country") or "",
            returns=data.get("returns") or "",
            q=data.get("q") or "",
            numbers=tuple(numbers or ()),
        )


def _submission_key() -> str:
    return uuid.uuid4().hex


def submission_key_field() -> forms.CharField:
    """A key made when the form is shown, so a double click or a resent POST moves goods or
    money once (see `core.idempotency`)."""
    return forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput, initial=_submission_key
    )


def line_field_name(line: OrderLine | int) -> str:
    return f"line_{line if isinstance(line, int) else line.pk}"


class _LinesForm(forms.Form):
    """A quantity per order line, named `line_<id>`, up to `limit(line)` units."""

    def __init__(self, *args: Any, order: Order, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.order = order
        self.order_lines = list(order.lines.all())
        for line in self.order_lines:
            limit = self.limit(line)
            self.fields[line_field_name(line)] = forms.IntegerField(
                label=line.title,
                required=False,
                min_value=0,
                max_value=limit,
                initial=self.initial_quantity(line),
                widget=forms.NumberInput(attrs={"min": 0, "max": limit, "class": "qty"}),
                disabled=limit == 0,
            )

    def limit(self, line: OrderLine) -> int:
        raise NotImplementedError

    def initial_quantity(self, line: OrderLine) -> int:
        return 0

    def line_fields(self) -> list[tuple[OrderLine, forms.BoundField]]:
        return [(line, self[line_field_name(line)]) for line in self.order_lines]

    def quantities(self) -> dict[int, int]:
        return {
            line.pk: quantity
            for line in self.order_lines
            if (quantity := self.cleaned_data.get(line_field_name(line)) or 0) > 0
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and not self.quantities():
            raise forms.ValidationError(self.nothing_chosen)
        return data

    nothing_chosen = "Choose at least one unit."


class FulfilForm(_LinesForm):
    """One parcel: units per line, the carrier and its tracking number."""

    nothing_chosen = "Choose at least one unit to ship."

    def __init__(self, *args: Any, order: Order, **kwargs: Any):
        super().__init__(*args, order=order, **kwargs)
        self.fields["carrier"] = forms.CharField(
            label="Carrier",
            required=False,
            max_length=128,
            widget=forms.TextInput(attrs={"list": "carriers", "autocomplete": "off"}),
            help_text="DHL, UPS, FedEx, USPS, Royal Mail and DPD get a tracking link by "
            "themselves.",
        )
        self.fields["tracking_number"] = forms.CharField(
            label="Tracking number", required=False, max_length=255
        )
        self.fields["submission"] = submission_key_field()
        self.fields["tracking_url"] = forms.URLField(
            label="Tracking link",
            required=False,
            max_length=2048,
            assume_scheme="https",
            help_text="Only for other carriers.",
        )

    def limit(self, line: OrderLine) -> int:
        return line.quantity_to_ship

    def initial_quantity(self, line: OrderLine) -> int:
        return line.quantity_to_ship


class RefundLinesForm(_LinesForm):
    """Refund units of lines: each unit at its line's price after discounts."""

    nothing_chosen = "Choose at least one unit to refund."

    def __init__(self, *args: Any, order: Order, **kwargs: Any):
        super().__init__(*args, order=order, **kwargs)
        self.fields["reason"] = forms.CharField(label="Reason", required=False, max_length=500)
        self.fields["submission"] = submission_key_field()
        self.fields["restock"] = forms.BooleanField(
            label="Put the units back in stock", required=False
        )

    def limit(self, line: OrderLine) -> int:
        return line.quantity - line.quantity_refunded


class RefundAmountForm(forms.Form):
    amount = forms.DecimalField(
        label="Amount", min_value=Decimal("0.01"), max_digits=14, decimal_places=4
    )
    reason = forms.CharField(label="Reason", required=False, max_length=500)
    shipping = forms.BooleanField(
        label="This refund is of shipping",
        required=False,
        help_text="Up to the shipping charged, it is not taken back from marketplace vendors.",
    )
    submission = submission_key_field()

    def __init__(self, *args: Any, order: Order, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["amount"].help_text = f"In {order.currency}."
        self.fields["amount"].widget.attrs["step"] = str(minor_unit_exponent(order.currency))

    def clean_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        step = minor_unit_exponent(self.order.currency)
        if amount != amount.quantize(step):
            places = max(-step.as_tuple().exponent, 0)  # type: ignore[operator]
            raise forms.ValidationError(
                f"{self.order.currency} amounts have at most {places} decimal places."
            )
        return amount


class CancelForm(forms.Form):
    reason = forms.CharField(label="Reason", max_length=500)
    restock = forms.BooleanField(label="Put the units back in stock", required=False, initial=True)


class MarkPaidForm(forms.Form):
    reference = forms.CharField(
        label="Payment reference",
        required=False,
        max_length=255,
        help_text="The bank transfer's reference, if any.",
    )


class NoteForm(forms.Form):
    body = forms.CharField(
        label="Note",
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only staff see notes.",
    )


class DeliveredForm(forms.Form):
    delivered_on = forms.DateField(label="Delivered on", required=False, widget=DATE)


BULK_ACTIONS = [
    ("mark_paid", "Mark as paid (bank transfer)"),
    ("fulfil", "Fulfil everything left (no tracking)"),
    ("packing_slips", "Print packing slips"),
    ("export", "Export as CSV"),
]
BULK_LIMIT = 250


class OrderNumbersField(forms.Field):
    """The order numbers of the ticked rows (`<input type=checkbox name=order value=1001>`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value: Any) -> list[str]:
        numbers = [str(number).strip() for number in (value or [])]
        return [number for number in dict.fromkeys(numbers) if number]

    def validate(self, value: list[str]) -> None:
        if not value:
            raise forms.ValidationError("Select at least one order.", code="required")
        if len(value) > BULK_LIMIT:
            raise forms.ValidationError(f"Select at most {BULK_LIMIT} orders at a time.")


class BulkForm(forms.Form):
    action = forms.ChoiceField(label="With the selected orders", choices=BULK_ACTIONS)
    order = OrderNumbersField(label="Orders")


def add_service_error(form: forms.Form, error: FreeholdError) -> None:
    """Show an operation's refusal next to the field it names (`lines[12]` is the quantity
    field of line 12); a field the form does not have gets the message above the form."""
    name = error.field or ""
    if name.startswith("lines[") and name.endswith("]"):
        name = f"line_{name[6:-1]}"
    if name in form.fields:
        form.add_error(name, error.message)
    else:
        form.add_error(None, error.message)


# --- Return requests and withdrawals ---------------------------------------------------------

STAFF_NOTE_MAX_LENGTH = 2000


RETURN_STATUS_CHOICES = [
    ("open", "Open (to act on)"),
    ("all", "Any status"),
    *ReturnRequest.Status.choices,
]


WITHDRAWAL_STATUS_CHOICES = [
    ("received", "Not refunded yet"),
    ("refunded", "Refunded"),
    ("all", "Any status"),
]


class ReturnFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False, choices=RETURN_STATUS_CHOICES)

    def status_value(self) -> str:
        return (self.cleaned_data.get("status") if self.is_valid() else "") or "open"


class WithdrawalFilterForm(forms.Form):
    status = forms.ChoiceField(label="Status", required=False, choices=WITHDRAWAL_STATUS_CHOICES)

    def status_value(self) -> str:
        return (self.cleaned_data.get("status") if self.is_valid() else "") or "received"


class ReturnApproveForm(forms.Form):
    staff_note = forms.CharField(
        label="Staff note",
        required=False,
        max_length=STAFF_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Optional; only staff see it.",
    )


class ReturnRejectForm(forms.Form):
    staff_note = forms.CharField(
        label="Reason for rejecting",
        max_length=STAFF_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept in the staff note; the customer does not see it.",
    )


class ReturnStepForm(forms.Form):
    """Receive and refund take no input: the request's lines say what comes back."""


class StaffNoteForm(forms.Form):
    staff_note = forms.CharField(
        label="Staff note",
        required=False,
        max_length=STAFF_NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Internal; the customer never sees it.",
    )
