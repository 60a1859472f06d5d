"""/dashboard/marketplace/verification: INFORM for the operator.

The queue of submitted records (oldest first, with the 10-day review deadline), approve or
reject with a reason, each vendor's derived status (`inform.verification`, the same function
the vendor's page and the storefront call), and "Reveal" of a secret for staff with the
`marketplace.reveal_vendor_secrets` permission (or the owner): audit-logged, never cached,
never part of an export or the API.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.decorators.http import require_POST

from freehold.core import clock
from freehold.core.errors import ValidationFailed
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import render_page
from freehold.marketplace import inform, verification
from freehold.marketplace.models import CertificationNotice, Vendor, VerificationRecord
from freehold.marketplace.rules import whole

AREA = "settings"

try:  # the VENDORS stream's list of marketplace pages on the settings page
    from freehold.dashboard.marketplace.vendors_views import MARKETPLACE_LINKS

    _LINK = (
        "dashboard:marketplace-verification",
        "Verification (INFORM)",
        "Review sellers' information, statuses, reports.",
    )
    if _LINK not in MARKETPLACE_LINKS:
        MARKETPLACE_LINKS.append(_LINK)
except ImportError:  # pragma: no cover
    pass


@staff_required(AREA)
def queue(request: HttpRequest) -> HttpResponse:
    now = clock.now()
    due_days = dt.timedelta(days=whole("verify_due_days", on=now.date()))
    # Only the latest record per (vendor, field): the queue is those still waiting for a
    # decision, and the same rows give every vendor's derived status (a constant number of
    # statements, however many vendors and records).
    everyone = {vendor.pk: vendor for vendor in Vendor.objects.all()}
    latest = inform.latest_records_of(None, until=now)
    waiting = []
    for vendor_id, records in latest.items():
        for record in records.values():
            if (
                record.status == VerificationRecord.Status.SUBMITTED
                and record.field not in verification.CODE_FIELDS
            ):
                record.vendor = everyone[vendor_id]
                waiting.append(record)
    waiting.sort(key=lambda record: (record.submitted_at, record.pk))
    current = [vendor for vendor in everyone.values() if vendor.status != Vendor.Status.TERMINATED]
    states = inform.verifications(current, on=now, latest=latest)
    vendors = [(vendor, states[vendor.pk]) for vendor in current]
    return render_page(
        request,
        "dashboard/marketplace/verification.html",
        {
            "title": "Seller verification",
            "section": "marketplace",
            "waiting": [(record, record.submitted_at + due_days) for record in waiting],
            "now": now,
            "vendors": vendors,
        },
    )


@staff_required(AREA)
def vendor_detail(request: HttpRequest, vendor_id: int) -> HttpResponse:
    return _vendor_detail(request, vendor_id, revealed=None)


def _vendor_detail(
    request: HttpRequest, vendor_id: int, *, revealed: tuple[int, str] | None
) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    state = inform.verification(vendor)
    return render_page(
        request,
        "dashboard/marketplace/verification_vendor.html",
        {
            "title": f"Verification: {vendor.name}",
            "section": "marketplace",
            "vendor": vendor,
            "state": state,
            "counters": inform.vendor_counters(vendor),
            "history": vendor.verifications.all()[:50],
            "reports": vendor.reports.all()[:50],
            "can_reveal": verification.can_reveal(request.user),
            "revealed": revealed,
            "partial_disclosure": inform.has_partial_disclosure(vendor),
            "disclosure_notice": inform.open_partial_disclosure_notice(vendor),
            "revoke_reasons": inform.REVOKE_REASONS,
        },
    )


@require_POST
@staff_required(AREA)
def decide(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(VerificationRecord, pk=record_id)
    approve = request.POST.get("decision") == "approve"
    try:
        verification.decide(
            record=record, approve=approve, reason=request.POST.get("reason", ""), user=request.user
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"{record.get_field_display()} {'verified' if approve else 'rejected'}."
        )
    back = request.POST.get("next", "")
    if back.startswith("/dashboard/") and "//" not in back:
        return redirect(back)
    return redirect("dashboard:marketplace-verification")


@require_POST
@staff_required(AREA)
def reveal(request: HttpRequest, record_id: int) -> HttpResponse:
    record = get_object_or_404(VerificationRecord, pk=record_id)
    if not verification.can_reveal(request.user):
        raise PermissionDenied("Revealing vendor secrets needs a permission.")
    secret = verification.reveal(record=record, user=request.user)
    return _vendor_detail(request, record.vendor_id, revealed=(record.pk, secret))


@require_POST
@staff_required(AREA)
def revoke_partial_disclosure(request: HttpRequest, vendor_id: int) -> HttpResponse:
    """INFORM 1.11: a false certification or unanswered buyers -> a notice, 10 days to consent
    to full disclosure, then suspension."""
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    try:
        notice = inform.partial_disclosure_revoke(
            vendor=vendor,
            reason=request.POST.get("reason", ""),
            details=request.POST.get("details", ""),
            user=request.user,
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            "Partial disclosure revoked. The vendor was notified and has until "
            f"{notice.due_at:%Y-%m-%d %H:%M} UTC to consent to full disclosure.",
        )
    return redirect("dashboard:marketplace-verification-vendor", vendor_id=vendor.pk)


@require_POST
@staff_required(AREA)
def withdraw_notice(request: HttpRequest, notice_id: int) -> HttpResponse:
    notice = get_object_or_404(CertificationNotice, pk=notice_id, kind=inform.PARTIAL_DISCLOSURE)
    try:
        inform.partial_disclosure_notice_withdraw(notice=notice, user=request.user)
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Notice withdrawn: the vendor keeps its partial disclosure.")
    return redirect("dashboard:marketplace-verification-vendor", vendor_id=notice.vendor_id)
