"""The operator's side of marketplace money: payouts (mark paid, hold, release) and each
vendor's ledger."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from freehold.core.audit import Actor, record
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, redirect_back, render_page
from freehold.marketplace import money
from freehold.marketplace.models import LedgerEntry, MarketplaceSettings, Payout, Vendor

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


def _payout_action(
    request: HttpRequest, payout_id: int, act: Callable[[Payout, Actor], object], done: str
) -> HttpResponse:
    """One button on a payout row: run `act`, say `done` or why the payout refused, go back."""
    payout = get_object_or_404(Payout, pk=payout_id)
    try:
        act(payout, Actor.for_user(request.user))
    except money.PayoutRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Payout {payout.pk} {done}")
    return redirect(redirect_back(request, reverse("dashboard:marketplace-payouts")))


@require_POST
@staff_required(AREA)
def payout_paid(request: HttpRequest, payout_id: int) -> HttpResponse:
    reference = request.POST.get("reference", "")
    return _payout_action(
        request,
        payout_id,
        lambda payout, actor: money.payout_mark_paid(
            payout=payout, reference=reference, actor=actor
        ),
        "marked paid.",
    )


@require_POST
@staff_required(AREA)
def payout_release(request: HttpRequest, payout_id: int) -> HttpResponse:
    note = request.POST.get("note", "")
    return _payout_action(
        request,
        payout_id,
        lambda payout, actor: money.payout_release(payout=payout, actor=actor, note=note),
        "released: it can be paid now.",
    )


@require_POST
@staff_required(AREA)
def payout_hold(request: HttpRequest, payout_id: int) -> HttpResponse:
    reason = request.POST.get("reason", "")
    return _payout_action(
        request,
        payout_id,
        lambda payout, actor: money.payout_hold(payout=payout, actor=actor, reason=reason),
        "held until you release it.",
    )


@require_POST
@staff_required(AREA)
def payouts_run_now(request: HttpRequest) -> HttpResponse:
    """What the daily job does, now: release what may be released, make the payouts due.

    Vendors whose payout interval has not passed since their last payout are not paid early;
    the interval is the operator's promise to its vendors and its own cash plan.
    """
    made = money.payouts_run()
    settings = MarketplaceSettings.objects.filter(pk=1).first()
    if settings is not None:
        record(
            actor=Actor.for_user(request.user),
            verb="marketplace.payouts_run",
            obj=settings,
            data={"made": made},
        )
    if made:
        messages.success(request, f"{made} payout(s) made. Mark each paid once transferred.")
    else:
        messages.info(
            request, "No payout is due: no vendor has a positive balance past its interval."
        )
    return redirect(reverse("dashboard:marketplace-payouts"))


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
