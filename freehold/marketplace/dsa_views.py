"""The vendor's trader details page (/vendor/trader): what the DSA requires before listing.

Shows each Art. 30(1) item with its state (missing, submitted, verified, rejected with the
operator's reason), the operator's correction requests, and the form. Secrets (the payment
account) are never shown back: only their masked copy; an empty secret field keeps the one on
file. Writes go through `dsa.trader_submit`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.marketplace import dsa, verification
from freehold.marketplace.models import Vendor
from freehold.marketplace.vendor_access import VENDOR_NAV, render_vendor, vendor_required

_ENTRY = ("vendor-trader", "Trader details")
if _ENTRY not in VENDOR_NAV:
    VENDOR_NAV.append(_ENTRY)

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = (".pdf", ".jpg", ".jpeg", ".png")


class TraderForm(forms.Form):
    legal_name = forms.CharField(
        max_length=255, required=False, label="Full or business name (as registered)"
    )
    business_address = forms.CharField(
        required=False,
        max_length=1000,
        label="Geographic address",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Street and number, postal code, town, country. No PO box.",
    )
    phone = forms.CharField(max_length=32, required=False, label="Phone")
    email = forms.EmailField(required=False, label="E-mail")
    identity_document = forms.FileField(
        required=False,
        label="Copy of an ID document (PDF, JPEG or PNG)",
        help_text="Of the trader or, for a company, of its legal representative.",
    )
    bank_account = forms.CharField(
        max_length=64,
        required=False,
        label="Payment account",
        help_text=(
            "An IBAN, or us:<routing number>:<account number>, or payee:<name>. Stored "
            "encrypted; leave empty to keep the account on file."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    registered = forms.ChoiceField(
        required=False,
        label="Are you registered in a trade register?",
        choices=[("", "—"), ("yes", "Yes"), ("no", "No")],
    )
    register_name = forms.CharField(
        max_length=255, required=False, label="Register (e.g. Amtsgericht Berlin HRB)"
    )
    register_number = forms.CharField(max_length=64, required=False, label="Registration number")
    self_certified = forms.BooleanField(required=False, label=dsa.SELF_CERTIFICATION_TEXT)

    def clean_identity_document(self) -> Any:
        upload = self.cleaned_data.get("identity_document")
        if upload is None:
            return None
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.")
        if not upload.name.lower().endswith(DOCUMENT_TYPES):
            raise forms.ValidationError("Upload a PDF, JPEG or PNG file.")
        return upload

    def clean_bank_account(self) -> str:
        account = self.cleaned_data.get("bank_account", "").strip()
        if account:
            try:
                verification.check_bank_account(account)
            except FreeholdError as error:
                raise forms.ValidationError(error.message) from None
        return account


def _rows(vendor: Vendor) -> list[dict[str, Any]]:
    latest = dsa.latest_records(vendor)
    rows = []
    for name in dsa.TRADER_FIELDS:
        record = latest.get(name)
        shown = ""
        if record is not None:
            if record.value_encrypted:
                shown = record.value_masked
            elif record.document:
                shown = "document on file"
            else:
                shown = record.value_public
        rows.append(
            {"field": name, "label": dsa.FIELD_LABELS[name], "record": record, "shown": shown}
        )
    return rows


def _initial(vendor: Vendor) -> dict[str, Any]:
    """The public values on file (secrets and documents are never put back in the form)."""
    latest = dsa.latest_records(vendor)
    initial: dict[str, Any] = {
        name: latest[name].value_public
        for name in ("legal_name", "business_address", "phone", "email")
        if name in latest and latest[name].status != "rejected"
    }
    register = latest.get("trade_register")
    if register is not None and register.status != "rejected":
        if register.value_public == dsa.NOT_REGISTERED:
            initial["registered"] = "no"
        else:
            name, _, number = register.value_public.rpartition(", ")
            initial.update(registered="yes", register_name=name, register_number=number)
    return initial


@vendor_required
@require_http_methods(["GET", "HEAD", "POST"])
def trader(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    if request.method == "POST":
        form = TraderForm(request.POST, request.FILES)
    else:
        form = TraderForm(initial=_initial(vendor))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = dsa.trader_submit(
                vendor=vendor,
                actor=Actor.for_user(request.user),
                data=dsa.TraderInput(
                    legal_name=data["legal_name"],
                    business_address=data["business_address"],
                    phone=data["phone"],
                    email=data["email"],
                    identity_document=data["identity_document"],
                    bank_account=data["bank_account"],
                    registered={"yes": True, "no": False}.get(data["registered"]),
                    register_name=data["register_name"],
                    register_number=data["register_number"],
                    self_certified=data["self_certified"],
                ),
            )
        except FreeholdError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if recorded:
                messages.success(request, "Saved: " + dsa.missing_labels(recorded) + ".")
            else:
                messages.info(request, "Nothing changed.")
            return HttpResponseRedirect(reverse("vendor-trader"))
    missing = dsa.trader_missing(vendor)
    return render_vendor(
        request,
        vendor,
        "vendor/trader.html",
        {
            "title": "Trader details",
            "section": "vendor-trader",
            "form": form,
            "rows": _rows(vendor),
            "missing": missing,
            "missing_text": dsa.missing_labels(missing),
            "applies": dsa.applies_to(vendor),
            "address_withheld": dsa.address_withheld(vendor),
            "address_warning": dsa.ADDRESS_WITHHELD_WARNING,
            "corrections": [c for c in dsa.correction_requests(vendor) if c.open],
            "labels": dsa.FIELD_LABELS,
        },
        status=400 if form.errors else 200,
    )
