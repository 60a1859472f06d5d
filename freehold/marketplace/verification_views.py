"""INFORM pages: the report form (shoppers; the seller page is seller_views), and the
vendor's verification page (/vendor/verification: a form per field, codes for e-mail and
phone, the yearly certification)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from freehold.core import audit
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.marketplace import inform, verification
from freehold.marketplace.models import SuspiciousActivityReport, Vendor, VerificationRecord
from freehold.marketplace.vendor_access import (
    VENDOR_NAV,
    marketplace_enabled,
    render_vendor,
    vendor_required,
)

Field = VerificationRecord.Field


class ReportForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("Your e-mail (optional)"), required=False)
    message = forms.CharField(
        label=gettext_lazy("What looks suspicious?"), widget=forms.Textarea, max_length=5000
    )


def _vendor(handle: str) -> Vendor:
    if not marketplace_enabled():
        raise Http404("The marketplace is off.")
    return get_object_or_404(Vendor, handle=handle, status=Vendor.Status.ACTIVE)


def seller_report(request: HttpRequest, handle: str) -> HttpResponse:
    """/sellers/<handle>/report: report suspicious activity electronically (rule 1.12)."""
    vendor = _vendor(handle)
    form = ReportForm(request.POST or None)
    sent = False
    if request.method == "POST" and form.is_valid():
        report = SuspiciousActivityReport.objects.create(
            vendor=vendor, email=form.cleaned_data["email"], message=form.cleaned_data["message"]
        )
        audit.record(actor=Actor.for_user(request.user), verb="vendor.reported", obj=report)
        return redirect(f"{request.path}?sent=1")
    sent = request.GET.get("sent") == "1"
    settings_row = inform.MarketplaceSettings.objects.filter(pk=1).first()
    response = render(
        request,
        "marketplace/seller_report.html",
        {
            "vendor": vendor,
            "form": form,
            "sent": sent,
            "report_phone": settings_row.report_phone if settings_row else "",
        },
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- The vendor's side: /vendor/verification ---------------------------------------------------

_ENTRY = ("vendor-verification", "Verification")
if _ENTRY not in VENDOR_NAV:
    VENDOR_NAV.append(_ENTRY)

# What to type in each field's form.
FIELD_HELP = {
    Field.BANK_ACCOUNT: "An IBAN, or us:<routing number>:<account number>, or payee:<name>.",
    Field.TAX_ID: "A US EIN (12-3456789) or an EU VAT number (DE136695976).",
    Field.IDENTITY_DOCUMENT: "The ID document's number, and a scan of it (or a government record).",
    Field.EMAIL: "We send a 6-digit code to confirm it.",
    Field.PHONE: "We send a 6-digit code by text message to confirm it.",
    Field.BUSINESS_ADDRESS: "Street, city, state and postal code, country: one per line.",
    Field.LEGAL_NAME: "Your full name, or your business's registered name.",
}


def _vendor_page(request: HttpRequest, vendor: Vendor, *, status: int = 200) -> HttpResponse:
    state = inform.verification(vendor)
    pending_codes = {
        state_field.field: state_field.record
        for state_field in state.fields
        if state_field.record is not None
        and state_field.field in verification.CODE_FIELDS
        and state_field.record.status == VerificationRecord.Status.SUBMITTED
    }
    return render_vendor(
        request,
        vendor,
        "vendor/verification.html",
        {
            "title": "Verification",
            "section": "vendor-verification",
            "state": state,
            "field_help": FIELD_HELP,
            "pending_codes": pending_codes,
            "errors": getattr(request, "_verification_errors", {}),
        },
        status=status,
    )


@vendor_required
def vendor_verification(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    return _vendor_page(request, vendor)


@require_POST
@vendor_required
def vendor_verification_submit(request: HttpRequest, vendor: Vendor, field: str) -> HttpResponse:
    if field not in inform.REQUIRED_FIELDS:
        raise Http404("No such field.")
    try:
        _record, _code = verification.submit(
            vendor=vendor,
            field=field,
            value=request.POST.get("value", ""),
            document=request.FILES.get("document"),
            actor=Actor.for_user(request.user),
        )
    except ValidationFailed as error:
        request._verification_errors = {field: error.message}  # type: ignore[attr-defined]
        return _vendor_page(request, vendor, status=400)
    if field == Field.EMAIL:
        messages.success(request, "Saved. We sent a 6-digit code to that address.")
    elif field == Field.PHONE:
        messages.success(request, "Saved. We sent a 6-digit code by text message.")
    else:
        messages.success(request, "Saved. Staff will review it within 10 days.")
    return redirect("vendor-verification")


@require_POST
@vendor_required
def vendor_verification_confirm(
    request: HttpRequest, vendor: Vendor, record_id: int
) -> HttpResponse:
    record = get_object_or_404(VerificationRecord, pk=record_id, vendor=vendor)
    if verification.confirm_code(
        record=record, code=request.POST.get("code", ""), actor=Actor.for_user(request.user)
    ):
        messages.success(request, f"{record.get_field_display()} confirmed.")
        return redirect("vendor-verification")
    request._verification_errors = {  # type: ignore[attr-defined]
        record.field: "That code is not right. Check the message, or save the value again."
    }
    return _vendor_page(request, vendor, status=400)


@require_POST
@vendor_required
def vendor_certify(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    answer = request.POST.get("answer")
    if answer not in ("changed", "unchanged"):
        return redirect("vendor-verification")
    inform.certify(vendor=vendor, changed=answer == "changed", actor=Actor.for_user(request.user))
    if answer == "changed":
        messages.success(request, "Certified. Please update the information that changed below.")
    else:
        messages.success(request, "Certified: your information is unchanged.")
    return redirect("vendor-verification")


@require_POST
@vendor_required
def vendor_full_disclosure(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    """Consent to full disclosure (INFORM 1.11): answers a notice revoking partial disclosure."""
    if request.POST.get("consent") != "yes":
        return redirect("vendor-verification")
    inform.full_disclosure_consent(vendor=vendor, actor=Actor.for_user(request.user))
    messages.success(
        request, "Thank you. Your full address and phone are now shown to shoppers as required."
    )
    return redirect("vendor-verification")
