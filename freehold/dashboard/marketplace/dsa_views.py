"""The operator's view of DSA trader traceability (/dashboard/marketplace/traders/).

The list shows every vendor with what its Art. 30(1) data still lacks; a vendor's page shows
the items on file (secrets masked) and the two Art. 30(3) actions: request a correction (the
named items are rejected with the reason, the vendor sees the request) and suspend listing
(the vendor's live products go back to draft, and stay there while the items are wrong).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from freehold.catalog.models import Product
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, render_page
from freehold.marketplace import dsa
from freehold.marketplace.models import MarketplaceSettings, Vendor, VerificationRecord

AREA = "settings"


class CorrectionForm(forms.Form):
    items = forms.MultipleChoiceField(
        label="What proved inaccurate, incomplete or out of date",
        choices=[(name, dsa.FIELD_LABELS[name]) for name in dsa.TRADER_FIELDS],
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(
        max_length=2000,
        label="Reason (shown to the vendor)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _vendors() -> Any:
    return (
        Vendor.objects.exclude(status__in=[Vendor.Status.REJECTED])
        .annotate(
            live_products=Count(
                "products", filter=Q(products__product__status=Product.Status.ACTIVE)
            )
        )
        .prefetch_related(
            Prefetch(
                "verifications",
                queryset=VerificationRecord.objects.filter(field__in=dsa.TRADER_FIELDS),
                to_attr="trader_records",
            )
        )
        .order_by("name", "pk")
    )


@staff_required(AREA)
@require_safe
def traders(request: HttpRequest) -> HttpResponse:
    settings = MarketplaceSettings.objects.get_or_create(pk=1)[0]
    page = paginate(request, _vendors())
    rows = [
        {
            "vendor": vendor,
            "missing": dsa.trader_missing(vendor, vendor.trader_records)
            if vendor.is_business
            else [],
        }
        for vendor in page.rows
    ]
    return render_page(
        request,
        "dashboard/marketplace/traders.html",
        {
            "title": "Trader traceability (DSA)",
            "section": "settings",
            "page": page,
            "rows": rows,
            "applies": dsa.dsa_applies(settings),
            "settings": settings,
            "labels": dsa.FIELD_LABELS,
        },
    )


def _detail(
    request: HttpRequest, vendor: Vendor, *, form: CorrectionForm | None = None, status: int = 200
) -> HttpResponse:
    latest = dsa.latest_records(vendor)
    return render_page(
        request,
        "dashboard/marketplace/trader_detail.html",
        {
            "title": f"Trader: {vendor.name}",
            "section": "settings",
            "vendor": vendor,
            "rows": [
                {"label": dsa.FIELD_LABELS[name], "record": latest.get(name)}
                for name in dsa.TRADER_FIELDS
            ],
            "missing": dsa.trader_missing(vendor),
            "applies": dsa.applies_to(vendor),
            "corrections": dsa.correction_requests(vendor),
            "labels": dsa.FIELD_LABELS,
            "live_products": Product.objects.filter(
                vendor_link__vendor=vendor, status=Product.Status.ACTIVE
            ).count(),
            "form": form or CorrectionForm(),
        },
        status=status,
    )


@staff_required(AREA)
@require_safe
def trader_detail(request: HttpRequest, vendor_id: int) -> HttpResponse:
    return _detail(request, get_object_or_404(Vendor, pk=vendor_id))


@staff_required(AREA)
@require_POST
def trader_correction(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            dsa.correction_request(
                vendor=vendor,
                fields=form.cleaned_data["items"],
                reason=form.cleaned_data["reason"],
                actor=Actor.for_user(request.user),
                user=request.user,
            )
        except FreeholdError as error:
            field = {"fields": "items"}.get(error.field or "", error.field)
            form.add_error(field if field in form.fields else None, error.message)
        else:
            messages.success(request, "Correction requested; the vendor sees it on its page.")
            return HttpResponseRedirect(reverse("dashboard:marketplace-trader", args=[vendor.pk]))
    return _detail(request, vendor, form=form, status=400)


@staff_required(AREA)
@require_POST
def trader_suspend(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    try:
        count = dsa.listing_suspend(vendor=vendor, actor=Actor.for_user(request.user))
    except FreeholdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Listing suspended: {count} product(s) set to draft.")
    return HttpResponseRedirect(reverse("dashboard:marketplace-trader", args=[vendor.pk]))
