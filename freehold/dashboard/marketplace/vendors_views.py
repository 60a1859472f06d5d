"""/dashboard/marketplace/: the marketplace switches, and the vendors (invite, review
applications, edit, terminate). Thin views over `marketplace.vendor_services`; every page
needs the "settings" area.

Other marketplace streams add their pages to the settings page's list with
`MARKETPLACE_LINKS.append((url name, label, description))` in their own module.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from freehold.core import sms
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, ValidationFailed
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, render_page
from freehold.marketplace import inform
from freehold.marketplace import vendor_services as services
from freehold.marketplace.models import MarketplaceSettings, Vendor
from freehold.marketplace.vendor_access import marketplace_settings
from freehold.storefront.selectors import store_settings

AREA = "settings"
SECTION = "marketplace"

# (url name, label, description): the marketplace's pages, listed on its settings page.
MARKETPLACE_LINKS: list[tuple[str, str, str]] = [
    ("dashboard:marketplace-vendors", "Vendors", "Invitations, applications, commission, status."),
    ("dashboard:marketplace-traders", "Traders (DSA)", "What each vendor still has to provide."),
    ("dashboard:marketplace-payouts", "Payouts", "Scheduled and paid payouts; mark them paid."),
]


def _page(request: HttpRequest, template: str, title: str, **context: Any) -> HttpResponse:
    status = context.pop("status", 200)
    return render_page(
        request,
        f"dashboard/marketplace/{template}",
        {"title": title, "section": SECTION, **context},
        status=status,
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _show_error(form: forms.BaseForm, error: FreeholdError) -> None:
    field = error.field
    form.add_error(field if field in form.fields else None, error.message)


def _base_url(request: HttpRequest) -> str:
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


# --- Settings -------------------------------------------------------------------------------


class SettingsForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = MarketplaceSettings
        fields = list(services.SETTINGS_FIELDS)
        labels = {
            "enabled": "Marketplace mode (other vendors sell in the store)",
            "sells_to_eu_consumers": "Vendors sell to consumers in the EU (DSA trader rules)",
            "dsa_small_enterprise_exempt": "The store is a micro or small enterprise (DSA Art. 29)",
            "report_phone": "Phone number for reports of suspicious activity",
            "default_commission_percent": "Default commission (%)",
            "default_commission_fixed": "Default commission per line (fixed amount)",
            "payout_interval_days": "Payout interval (days)",
        }


@staff_required(AREA)
@require_http_methods(["GET", "HEAD", "POST"])
def settings_page(request: HttpRequest) -> HttpResponse:
    current = marketplace_settings()
    form = SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.marketplace_settings_update(
                actor=_actor(request),
                changes={name: form.cleaned_data[name] for name in services.SETTINGS_FIELDS},
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, "Marketplace settings saved.")
            return HttpResponseRedirect(reverse("dashboard:marketplace-settings"))
    return _page(
        request,
        "settings.html",
        "Marketplace",
        form=form,
        enabled=current.enabled,
        links=MARKETPLACE_LINKS,
        sms_problem=sms.configuration_problem(),
        status=400 if form.errors else 200,
    )


# --- Vendors --------------------------------------------------------------------------------


class InviteForm(forms.Form):
    name = forms.CharField(max_length=255, label="Vendor name")
    email = forms.EmailField(label="E-mail address to invite")


@staff_required(AREA)
@require_http_methods(["GET", "HEAD", "POST"])
def vendors(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    rows = Vendor.objects.annotate(product_count=Count("products")).order_by("-created_at", "-pk")
    if status in Vendor.Status.values:
        rows = rows.filter(status=status)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            vendor = services.vendor_invite(
                actor=_actor(request),
                name=form.cleaned_data["name"],
                email=form.cleaned_data["email"],
                base_url=_base_url(request),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, f"Invitation sent to {vendor.email}.")
            return HttpResponseRedirect(reverse("dashboard:marketplace-vendor", args=[vendor.pk]))
    page = paginate(request, rows)
    # every row's derived INFORM status, in a constant number of statements
    states = inform.verifications(page.rows)
    return _page(
        request,
        "vendors.html",
        "Vendors",
        page=page,
        states=states,
        status_filter=status,
        statuses=Vendor.Status.choices,
        form=form,
        enabled=marketplace_settings().enabled,
        status=400 if form.errors else 200,
    )


class VendorForm(forms.Form):
    name = forms.CharField(max_length=255)
    commission_percent = forms.DecimalField(
        required=False,
        max_digits=5,
        decimal_places=2,
        label="Commission (%)",
        help_text="Empty: the store's default.",
    )
    commission_fixed_amount = forms.DecimalField(
        required=False,
        max_digits=12,
        decimal_places=2,
        label="Commission per line (fixed)",
        help_text="Empty: the store's default.",
    )


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label="Reason")


@staff_required(AREA)
@require_http_methods(["GET", "HEAD", "POST"])
def vendor_detail(request: HttpRequest, vendor_id: int) -> HttpResponse:
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    form = VendorForm(
        request.POST or None,
        initial={
            "name": vendor.name,
            "commission_percent": vendor.commission_percent,
            "commission_fixed_amount": vendor.commission_fixed_amount,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.vendor_update(actor=_actor(request), vendor=vendor, **form.cleaned_data)
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, "Vendor saved.")
            return HttpResponseRedirect(reverse("dashboard:marketplace-vendor", args=[vendor.pk]))
    return _vendor_page(request, vendor, form=form, reject_form=RejectForm())


def _vendor_page(request: HttpRequest, vendor: Vendor, **context: Any) -> HttpResponse:
    members = vendor.members.select_related("customer").order_by("pk")
    product_count = vendor.products.count()
    defaults = marketplace_settings()
    form = context["form"]
    return _page(
        request,
        "vendor_detail.html",
        vendor.name,
        vendor=vendor,
        members=members,
        product_count=product_count,
        defaults=defaults,
        currency=store_settings().currency,
        status=400 if form.errors or context["reject_form"].errors else 200,
        **context,
    )


@staff_required(AREA)
@require_POST
def vendor_status(request: HttpRequest, vendor_id: int, action: str) -> HttpResponse:
    """approve / reject (with a reason) / terminate / resend (the invitation)."""
    vendor = get_object_or_404(Vendor, pk=vendor_id)
    actor = _actor(request)
    reject_form = RejectForm(request.POST if action == "reject" else None)
    try:
        if action == "approve":
            services.vendor_approve(actor=actor, vendor=vendor)
            done = "Application approved: the vendor can list products."
        elif action == "reject":
            if not reject_form.is_valid():
                raise ValidationFailed("Say why the application is rejected.", field="reason")
            services.vendor_reject(
                actor=actor, vendor=vendor, reason=reject_form.cleaned_data["reason"]
            )
            done = "Application rejected."
        elif action == "terminate":
            services.vendor_terminate(
                actor=actor, vendor=vendor, reason=request.POST.get("reason", "")
            )
            done = "Relationship ended: the vendor's products are archived."
        elif action == "resend":
            services.vendor_invitation_resend(
                actor=actor, vendor=vendor, base_url=_base_url(request)
            )
            done = f"Invitation sent again to {vendor.email}."
        else:
            raise Http404("No such action.")
    except FreeholdError as error:
        if action == "reject" and error.field == "reason":
            if "reason" not in reject_form.errors:
                reject_form.add_error("reason", error.message)
            vendor.refresh_from_db()
            form = VendorForm(
                initial={
                    "name": vendor.name,
                    "commission_percent": vendor.commission_percent,
                    "commission_fixed_amount": vendor.commission_fixed_amount,
                }
            )
            return _vendor_page(request, vendor, form=form, reject_form=reject_form)
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return HttpResponseRedirect(reverse("dashboard:marketplace-vendor", args=[vendor.pk]))
