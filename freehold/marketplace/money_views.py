"""The vendor's money pages: its sub-orders (and shipping them), its ledger and payouts."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.marketplace import money
from freehold.marketplace.models import LedgerEntry, Payout, SubOrder, SubOrderLine, Vendor
from freehold.marketplace.vendor_access import VENDOR_NAV, render_vendor, vendor_required
from freehold.orders.operations import fulfilment_create

for _entry in (("vendor-orders", "Orders"), ("vendor-payouts", "Payouts")):
    if _entry not in VENDOR_NAV:
        VENDOR_NAV.append(_entry)

LIST_LIMIT = 200


def _suborders(vendor: Vendor) -> Any:
    return (
        SubOrder.objects.filter(vendor=vendor)
        .select_related("order")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=SubOrderLine.objects.select_related("order_line").order_by(
                    "order_line_id"
                ),
            )
        )
        .order_by("-created_at", "-id")
    )


def _rows(suborders: list[SubOrder]) -> list[dict[str, Any]]:
    rows = []
    for suborder in suborders:
        lines = [row.order_line for row in suborder.lines.all()]
        rows.append({"suborder": suborder, "lines": lines, "status": money.fulfil_status(lines)})
    return rows


@vendor_required
def orders(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    rows = _rows(list(_suborders(vendor)[:LIST_LIMIT]))
    return render_vendor(
        request,
        vendor,
        "vendor/orders.html",
        {"title": "Orders", "section": "vendor-orders", "rows": rows},
    )


def _quantities(request: HttpRequest, lines: list[Any]) -> dict[int, int]:
    chosen: dict[int, int] = {}
    for line in lines:
        raw = request.POST.get(f"quantity-{line.pk}", "").strip()
        if not raw:
            continue
        try:
            quantity = int(raw)
        except ValueError:
            raise FreeholdError(
                f"The quantity for {line} must be a whole number.", field=f"lines[{line.pk}]"
            ) from None
        if quantity:
            chosen[line.pk] = quantity
    return chosen


@require_http_methods(["GET", "POST"])
@vendor_required
def order_detail(request: HttpRequest, vendor: Vendor, number: str) -> HttpResponse:
    """One sub-order; "Mark shipped" sends the chosen units of this vendor's lines."""
    suborder = _suborders(vendor).filter(number=number).first()
    if suborder is None:
        raise Http404("No such order of this vendor.")
    row = _rows([suborder])[0]
    error = ""
    if request.method == "POST":
        try:
            chosen = _quantities(request, row["lines"])
            if not chosen:
                raise FreeholdError("Choose the units in this parcel.", field="lines")
            fulfilment_create(
                order=suborder.order,
                lines=chosen,
                actor=Actor.for_user(request.user),
                carrier=request.POST.get("carrier", "").strip()[:128],
                tracking_number=request.POST.get("tracking_number", "").strip()[:255],
                tracking_url=request.POST.get("tracking_url", "").strip()[:2048],
            )
        except FreeholdError as exc:
            error = str(exc)
        else:
            messages.success(request, f"Order {suborder.number}: parcel marked shipped.")
            return HttpResponseRedirect(reverse("vendor-order", args=[suborder.number]))
    return render_vendor(
        request,
        vendor,
        "vendor/order_detail.html",
        {
            "title": f"Order {suborder.number}",
            "section": "vendor-orders",
            "suborder": suborder,
            "lines": row["lines"],
            "status": row["status"],
            "address": suborder.order.shipping_address,
            "error": error,
            "paid": suborder.order.payment_status in ("paid", "partially_refunded"),
        },
        status=400 if error else 200,
    )


@vendor_required
def payouts(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    entries = list(
        LedgerEntry.objects.filter(vendor=vendor)
        .select_related("suborder")
        .order_by("-created_at", "-id")[:LIST_LIMIT]
    )
    return render_vendor(
        request,
        vendor,
        "vendor/payouts.html",
        {
            "title": "Payouts",
            "section": "vendor-payouts",
            "balances": money.balances(vendor=vendor),
            "entries": entries,
            "payouts": list(Payout.objects.filter(vendor=vendor)[:LIST_LIMIT]),
        },
    )


@vendor_required
def payout_statement(request: HttpRequest, vendor: Vendor, payout_id: int) -> HttpResponse:
    payout = get_object_or_404(Payout, pk=payout_id, vendor=vendor)
    statement = money.payout_statement(payout=payout)
    return render_vendor(
        request,
        vendor,
        "vendor/payout_statement.html",
        {
            "title": f"Statement for payout {payout.pk}",
            "section": "vendor-payouts",
            "statement": statement,
            "kinds": LedgerEntry.Kind,
        },
    )
