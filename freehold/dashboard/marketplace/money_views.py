"""The operator's side of marketplace money: payouts (mark paid) and each vendor's ledger."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from freehold.core.audit import Actor
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, redirect_back, render_page
from freehold.marketplace import money
from freehold.marketplace.models import LedgerEntry, Payout, Vendor

AREA = "settings"


@staff_required(AREA)
def payouts(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = Payout.objects.select_related("vendor").order_by("-period_end", "-id")
    if status in Payout.Status.values:
        rows = rows.filter(status=status)
    return render_page(
        request,
        "dashboard/marketplace/payouts.html",
        {
            "title": "Vendor payouts",
            "section": "marketplace",
            "page": paginate(request, rows),
            "status": status,
            "statuses": Payout.Status.choices,
        },
    )


@require_POST
@staff_required(AREA)
def payout_paid(request: HttpRequest, payout_id: int) -> HttpResponse:
    payout = get_object_or_404(Payout, pk=payout_id)
    try:
        money.payout_mark_paid(
            payout=payout,
            reference=request.POST.get("reference", ""),
            actor=Actor.for_user(request.user),
        )
    except money.PayoutRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Payout {payout.pk} marked paid.")
    return redirect(redirect_back(request, reverse("dashboard:marketplace-payouts")))


@staff_required(AREA)
def ledger(request: HttpRequest) -> HttpResponse:
    vendors = list(Vendor.objects.order_by("name"))
    vendor = None
    raw = request.GET.get("vendor", "")
    if raw.isdigit():
        vendor = get_object_or_404(Vendor, pk=int(raw))
    elif vendors:
        vendor = vendors[0]
    context: dict[str, Any] = {
        "title": "Vendor ledger",
        "section": "marketplace",
        "vendors": vendors,
        "vendor": vendor,
        "balances": {},
        "page": None,
    }
    if vendor is not None:
        context["balances"] = money.balances(vendor=vendor)
        context["page"] = paginate(
            request,
            LedgerEntry.objects.filter(vendor=vendor)
            .select_related("suborder", "payout")
            .order_by("-created_at", "-id"),
        )
    return render_page(request, "dashboard/marketplace/ledger.html", context)
