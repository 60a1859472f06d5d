"""The vendor's side of marketplace mode: applying (/sell), accepting an invitation, the vendor
dashboard's home and products. Thin views: forms check input, vendor_services write and audit.

With marketplace mode off every page here is a 404 (`vendor_required` and `_marketplace_on`).
A vendor only reaches its own products: another vendor's or the operator's are a 404.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.db.models import F
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods

from freehold.catalog.models import Product
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.marketplace import inform
from freehold.marketplace import vendor_services as services
from freehold.marketplace.models import SubOrderLine, Vendor
from freehold.marketplace.vendor_access import (
    VENDOR_NAV,
    marketplace_enabled,
    render_vendor,
    vendor_of,
    vendor_required,
)
from freehold.storefront.selectors import store_settings

VENDOR_NAV.extend([("vendor-home", "Home"), ("vendor-products", "Products")])

STATUS_CHOICES = [(Product.Status.DRAFT, "Draft"), (Product.Status.ACTIVE, "Active")]


def _marketplace_on() -> None:
    if not marketplace_enabled():
        raise Http404("The marketplace is off.")


def _show_error(form: forms.BaseForm, error: FreeholdError) -> None:
    field = error.field
    form.add_error(field if field in form.fields else None, error.message)


def _storefront_page(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    status = context.pop("status", 200)
    response = render(request, template, context, status=status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _login_links(request: HttpRequest) -> dict[str, str]:
    query = urlencode({"next": request.get_full_path()})
    return {
        "login_url": f"{reverse('account-login')}?{query}",
        "register_url": f"{reverse('account-register')}?{query}",
    }


# --- Applying and invitations (storefront pages) -------------------------------------------


class ApplicationForm(forms.Form):
    name = forms.CharField(max_length=255, label=gettext_lazy("Business or trading name"))
    email = forms.EmailField(label=gettext_lazy("Contact e-mail"))
    phone = forms.CharField(max_length=32, required=False, label=gettext_lazy("Phone"))
    country_code = forms.CharField(
        max_length=2, min_length=2, label=gettext_lazy("Country (two-letter code)")
    )
    is_business = forms.BooleanField(
        required=False, initial=True, label=gettext_lazy("I sell as a business (a trader)")
    )


@require_http_methods(["GET", "HEAD", "POST"])
def sell(request: HttpRequest) -> HttpResponse:
    """Apply to sell on the store; staff approve the application."""
    _marketplace_on()
    title = gettext("Sell with us")
    if not request.user.is_authenticated:
        return _storefront_page(
            request, "vendor/sell.html", {"title": title, "form": None, **_login_links(request)}
        )
    if vendor_of(request.user) is not None:
        return HttpResponseRedirect(reverse("vendor-home"))
    form = ApplicationForm(
        request.POST or None, initial={"email": request.user.email, "is_business": True}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.vendor_apply(
                customer=request.user,  # type: ignore[arg-type]
                application=services.Application(**form.cleaned_data),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, gettext("Thank you: we will review your application."))
            return HttpResponseRedirect(reverse("vendor-home"))
    return _storefront_page(
        request,
        "vendor/sell.html",
        {"title": title, "form": form, "status": 400 if form.errors else 200},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the invitation e-mail: log in or register, then accept."""
    _marketplace_on()
    vendor = services.vendor_by_invitation(token)
    if vendor is None:
        raise Http404("No such invitation.")
    context: dict[str, Any] = {"title": gettext("Your invitation"), "invited": vendor}
    if not request.user.is_authenticated:
        return _storefront_page(
            request, "vendor/invitation.html", {**context, **_login_links(request)}
        )
    if request.method == "POST":
        try:
            services.vendor_invitation_accept(token=token, customer=request.user)  # type: ignore[arg-type]
        except FreeholdError as error:
            context["error"] = error.message
        else:
            messages.success(request, gettext("Welcome: you can now add your products."))
            return HttpResponseRedirect(reverse("vendor-home"))
    return _storefront_page(request, "vendor/invitation.html", context)


# --- The vendor dashboard -------------------------------------------------------------------


def open_line_count(vendor: Vendor) -> int:
    """Order lines of this vendor still to ship (fulfilled + refunded short of the quantity)."""
    return (
        SubOrderLine.objects.filter(suborder__vendor=vendor)
        .filter(
            order_line__quantity__gt=F("order_line__quantity_fulfilled")
            + F("order_line__quantity_refunded")
        )
        .count()
    )


@vendor_required
def home(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    products = Product.objects.filter(vendor_link__vendor=vendor)
    return render_vendor(
        request,
        vendor,
        "vendor/home.html",
        {
            "title": "Home",
            "section": "vendor-home",
            "pending": vendor.status != Vendor.Status.ACTIVE,
            "product_count": products.count(),
            "active_count": products.filter(status=Product.Status.ACTIVE).count(),
            "open_lines": open_line_count(vendor),
            "listing_problem": services.listing_problem(vendor),
            # The same derivation every other view uses: never a stored, lagging status.
            "verification": inform.verification(vendor),
        },
    )


@vendor_required
def products(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    rows = (
        Product.objects.filter(vendor_link__vendor=vendor)
        .exclude(status=Product.Status.ARCHIVED)
        .order_by("-created_at", "-pk")
    )
    return render_vendor(
        request,
        vendor,
        "vendor/products.html",
        {
            "title": "Products",
            "section": "vendor-products",
            "rows": rows,
            "listing_problem": services.listing_problem(vendor),
        },
    )


class ProductForm(forms.Form):
    title = forms.CharField(max_length=255)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), required=False)
    price = forms.DecimalField(min_value=Decimal(0), max_digits=12, decimal_places=2)
    stock = forms.IntegerField(min_value=0, initial=0)
    option_name = forms.CharField(
        max_length=255, required=False, label="Option (optional)", help_text="For example Size."
    )
    option_values = forms.CharField(
        max_length=1000, required=False, label="Option values", help_text="Separated by commas."
    )
    status = forms.ChoiceField(choices=STATUS_CHOICES, initial=Product.Status.DRAFT)


@vendor_required
@require_http_methods(["GET", "HEAD", "POST"])
def product_new(request: HttpRequest, vendor: Vendor) -> HttpResponse:
    problem = services.listing_problem(vendor)
    if vendor.status != Vendor.Status.ACTIVE:
        messages.error(request, problem)
        return HttpResponseRedirect(reverse("vendor-home"))
    form = ProductForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            product = services.vendor_product_create(
                vendor=vendor,
                actor=Actor.for_user(request.user),
                currency=store_settings().currency,
                data=services.VendorProductInput(
                    title=data["title"],
                    description_html=data["description"],
                    price=data["price"],
                    stock=data["stock"],
                    status=data["status"],
                    option_name=data["option_name"],
                    option_values=tuple(data["option_values"].split(",")),
                ),
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, f"{product.title} created.")
            return HttpResponseRedirect(reverse("vendor-product", args=[product.pk]))
    return render_vendor(
        request,
        vendor,
        "vendor/product_form.html",
        {
            "title": "New product",
            "section": "vendor-products",
            "form": form,
            "listing_problem": problem,
        },
        status=400 if form.errors else 200,
    )


def _edit_form(product: Product, data: Any = None) -> forms.Form:
    form = forms.Form(data)
    form.fields["title"] = forms.CharField(max_length=255, initial=product.title)
    choices = list(STATUS_CHOICES)
    if product.status == Product.Status.ARCHIVED:
        choices.append((Product.Status.ARCHIVED, "Archived"))
    form.fields["status"] = forms.ChoiceField(choices=choices, initial=product.status)
    for variant in product.variants.all():
        label = variant.title or "Price"
        form.fields[f"price-{variant.pk}"] = forms.DecimalField(
            min_value=Decimal(0),
            max_digits=12,
            decimal_places=2,
            initial=variant.price_amount,
            label=f"{label}: price" if variant.title else "Price",
        )
        form.fields[f"stock-{variant.pk}"] = forms.IntegerField(
            min_value=0,
            initial=variant.stock_quantity,
            label=f"{label}: stock" if variant.title else "Stock",
        )
    return form


@vendor_required
@require_http_methods(["GET", "HEAD", "POST"])
def product_edit(request: HttpRequest, vendor: Vendor, product_id: int) -> HttpResponse:
    product = services.vendor_product(vendor, product_id)
    if product is None:
        raise Http404("No such product.")
    form = _edit_form(product, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.vendor_product_update(
                vendor=vendor,
                actor=Actor.for_user(request.user),
                product=product,
                title=data["title"],
                status=data["status"],
                prices={v.pk: data[f"price-{v.pk}"] for v in product.variants.all()},
                stock={v.pk: data[f"stock-{v.pk}"] for v in product.variants.all()},
            )
        except FreeholdError as error:
            _show_error(form, error)
        else:
            messages.success(request, "Saved.")
            return HttpResponseRedirect(reverse("vendor-product", args=[product.pk]))
    return render_vendor(
        request,
        vendor,
        "vendor/product_edit.html",
        {
            "title": product.title,
            "section": "vendor-products",
            "product": product,
            "form": form,
            "listing_problem": services.listing_problem(vendor),
        },
        status=400 if form.errors else 200,
    )
