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
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from freehold.catalog.models import Product
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, render_page
from freehold.marketplace import dsa, inform, product_safety
from freehold.marketplace.models import MarketplaceSettings, Vendor

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
                # only the latest record per field: what `trader_missing` reads
                queryset=inform.latest_record_rows(until=None, fields=dsa.TRADER_FIELDS),
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
            "withheld": dsa.address_withheld(vendor, settings),
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
            "address_warning": dsa.ADDRESS_WITHHELD_WARNING,
            "sample_max": product_safety.SAMPLE_MAX,
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
            "address_withheld": dsa.address_withheld(vendor),
            "address_warning": dsa.ADDRESS_WITHHELD_WARNING,
            "products": Product.objects.filter(vendor_link__vendor=vendor)
            .exclude(status=Product.Status.ARCHIVED)
            .order_by("title", "pk"),
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


# --- Art. 31: random checks of live listings ---------------------------------------------------


class SuspendForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        label="Reason (shown to the vendor)",
        widget=forms.Textarea(attrs={"rows": 2}),
    )


def _sample_size(request: HttpRequest) -> int:
    try:
        count = int(request.GET.get("count", "10"))
    except ValueError:
        count = 10
    return max(1, min(count, product_safety.SAMPLE_MAX))


@staff_required(AREA)
@require_safe
def listing_checks(request: HttpRequest) -> HttpResponse:
    """A random sample of live vendor listings to review (Art. 31(3)), and the listings staff
    suspended, which stay off until cleared."""
    count = _sample_size(request)
    return render_page(
        request,
        "dashboard/marketplace/listing_checks.html",
        {
            "title": "Random listing checks (DSA Art. 31)",
            "section": "settings",
            "count": count,
            "sample": product_safety.random_sample(count),
            "suspended": list(product_safety.suspended_listings()[:100]),
            "fields": [
                (name, product_safety.FIELD_LABELS[name]) for name in product_safety.SAFETY_FIELDS
            ],
            "form": SuspendForm(),
        },
    )


def _checks_url(request: HttpRequest) -> str:
    count = request.POST.get("count", "")
    url = reverse("dashboard:marketplace-listing-checks")
    return f"{url}?count={count}" if count.isdigit() else url


@staff_required(AREA)
@require_POST
def listing_check_ok(request: HttpRequest, product_id: int) -> HttpResponse:
    try:
        product_safety.listing_mark_checked(
            product_id=product_id, actor=Actor.for_user(request.user), user=request.user
        )
    except FreeholdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Listing marked checked.")
    return HttpResponseRedirect(_checks_url(request))


@staff_required(AREA)
@require_POST
def listing_check_suspend(request: HttpRequest, product_id: int) -> HttpResponse:
    form = SuspendForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Suspending needs a reason, for the vendor.")
        return HttpResponseRedirect(_checks_url(request))
    try:
        product_safety.listing_suspend(
            product_id=product_id,
            reason=form.cleaned_data["reason"],
            actor=Actor.for_user(request.user),
            user=request.user,
        )
    except FreeholdError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Listing suspended: set to draft; the vendor sees the reason.")
    return HttpResponseRedirect(_checks_url(request))


# --- Art. 32: informing the buyers of an illegal product ---------------------------------------


class IllegalProductForm(forms.Form):
    reason = forms.CharField(
        max_length=4000,
        label="Why the product is illegal (sent to the buyers)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    trader = forms.CharField(
        max_length=2000,
        label="The trader's identity",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    redress = forms.CharField(
        max_length=4000,
        required=False,
        label="Means of redress (for example: return it for a full refund from your order page)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


def _vendor_product(product_id: int) -> Product:
    return get_object_or_404(
        Product.objects.select_related("vendor_link__vendor"),
        pk=product_id,
        vendor_link__isnull=False,
    )


def _illegal_page(
    request: HttpRequest, product: Product, form: IllegalProductForm, status: int = 200
) -> HttpResponse:
    vendor = product.vendor_link.vendor  # type: ignore[attr-defined]
    return render_page(
        request,
        "dashboard/marketplace/illegal_product.html",
        {
            "title": f"Illegal product: {product.title}",
            "section": "settings",
            "product": product,
            "vendor": vendor,
            "form": form,
            "buyers": product_safety.recent_buyers(product),
            "cutoff": product_safety.notice_cutoff(),
            "notices": product_safety.notices_of(product),
        },
        status=status,
    )


@staff_required(AREA)
@require_http_methods(["GET", "HEAD", "POST"])
def illegal_product(request: HttpRequest, product_id: int) -> HttpResponse:
    product = _vendor_product(product_id)
    if request.method != "POST":
        vendor = product.vendor_link.vendor  # type: ignore[attr-defined]
        form = IllegalProductForm(initial={"trader": product_safety.trader_identity(vendor)})
        return _illegal_page(request, product, form)
    form = IllegalProductForm(request.POST)
    if form.is_valid():
        try:
            result = product_safety.illegal_product_inform(
                product=product,
                reason=form.cleaned_data["reason"],
                trader=form.cleaned_data["trader"],
                redress=form.cleaned_data["redress"],
                actor=Actor.for_user(request.user),
                user=request.user,
            )
        except FreeholdError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            if result.informed:
                messages.success(request, f"{result.informed} buyer(s) informed by e-mail.")
            else:
                messages.info(request, "No buyer left to inform: nobody new bought it recently.")
            return HttpResponseRedirect(
                reverse("dashboard:marketplace-illegal-product", args=[product.pk])
            )
    return _illegal_page(request, product, form, status=400)
