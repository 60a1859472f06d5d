"""/dashboard/customers/: find a customer, see what they bought and are worth, edit, export.

Thin views: reads through `customers.selectors`, writes through `customers.services` (which
audit and announce), rendering through `dashboard.pages`.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods, require_POST

from freehold.core.audit import Actor
from freehold.customers import addresses, consent_selectors, selectors, services
from freehold.customers.models import Customer
from freehold.customers.services import CustomerInvalid
from freehold.dashboard.access import staff_required
from freehold.dashboard.customers.forms import (
    CustomerFilterForm,
    CustomerForm,
    NoteForm,
    add_service_error,
    initial_from,
)
from freehold.dashboard.pages import csv_response, paginate, render_page
from freehold.imports import exports
from freehold.insights import profiles
from freehold.storefront.selectors import chrome

SECTION = "customers"


def _store(request: HttpRequest) -> tuple[str, str]:
    settings = chrome(request).settings
    return settings.currency, settings.language or "en"


def order_url(number: str) -> str:
    """The dashboard's page for an order (its URL belongs to the orders area)."""
    try:
        return reverse("dashboard:order-detail", args=[number])
    except NoReverseMatch:
        return f"/dashboard/orders/{number}/"


def _customer_or_404(customer_id: int) -> Customer:
    customer = selectors.customer_for_staff(customer_id)
    if customer is None:
        raise Http404("No such customer")
    return customer


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    currency, _ = _store(request)
    form = CustomerFilterForm(request.GET or None)
    filters = form.filters()
    page = paginate(request, selectors.customers_filtered(filters, currency=currency))
    return render_page(
        request,
        "dashboard/customers/index.html",
        {
            "title": "Customers",
            "section": SECTION,
            "form": form,
            "filtered": form.filtered,
            "page": page,
            "currency": currency,
            "export_url": reverse("dashboard:customer-export") + _query(request),
        },
    )


def _query(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else ""


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def export(request: HttpRequest) -> HttpResponseBase:
    """Every customer the list's filters select, as Shopify lays out its customer CSV."""
    currency, _ = _store(request)
    filters = CustomerFilterForm(request.GET or None).filters()
    customers = selectors.customers_filtered(filters, currency=currency)
    return csv_response(
        "customers.csv",
        exports.CUSTOMER_HEADER,
        exports.customer_rows(customers, currency=currency),
    )


@staff_required("customers")
@require_http_methods(["GET", "HEAD"])
def detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    return _render_detail(request, customer, NoteForm(initial=initial_from(customer)))


def _render_detail(
    request: HttpRequest, customer: Customer, note_form: NoteForm, *, status: int = 200
) -> HttpResponse:
    _, language = _store(request)
    return render_page(
        request,
        "dashboard/customers/detail.html",
        {
            "title": customer.full_name or customer.email,
            "section": SECTION,
            "customer": customer,
            "addresses": list(customer.addresses.all()),
            "figures": selectors.customer_figures(customer),
            "orders": selectors.customer_recent_orders(customer),
            # Profile figures and the activity timeline (insights.profiles).
            "profile": profiles.customer_profile(customer, currency=_store(request)[0]),
            "timeline": profiles.customer_timeline(
                customer, before=profiles.parse_cursor(request.GET.get("before"))
            ),
            "consent": consent_selectors.consent_overview(customer),
            "order_url": order_url,
            "note_form": note_form,
            "country_name": lambda code: dict(selectors.country_choices(language)).get(code, code),
            # A saved address as its country writes it (customers.addresses), with the phone.
            "address_lines": lambda address: addresses.address_lines(
                {name: getattr(address, name) for name in addresses.FIELDS},
                language,
                include_phone=True,
            ),
        },
        status=status,
    )


@staff_required("customers")
@require_POST
def notes(request: HttpRequest, customer_id: int) -> HttpResponse:
    """Save the tags and staff note from the customer's page."""
    customer = _customer_or_404(customer_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.customer_update(
                customer=customer,
                actor=Actor.for_user(request.user),
                tags=form.cleaned_data["tags"],
                note=form.cleaned_data["note"],
            )
        except CustomerInvalid as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Tags and note saved.")
            return HttpResponseRedirect(reverse("dashboard:customer-detail", args=[customer.pk]))
    return _render_detail(request, customer, form, status=400)


@staff_required("customers")
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    _, language = _store(request)
    form = CustomerForm(request.POST or None, language=language)
    if request.method == "POST" and form.is_valid():
        try:
            customer = services.customer_create(actor=Actor.for_user(request.user), **form.values())
        except CustomerInvalid as error:
            add_service_error(form, error)
        else:
            messages.success(request, f"Customer {customer.email} added.")
            return HttpResponseRedirect(reverse("dashboard:customer-detail", args=[customer.pk]))
    return render_page(
        request,
        "dashboard/customers/form.html",
        {"title": "Add customer", "section": SECTION, "form": form, "customer": None},
        status=400 if form.is_bound else 200,
    )


@staff_required("customers")
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(customer_id)
    _, language = _store(request)
    form = CustomerForm(request.POST or None, initial=initial_from(customer), language=language)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(
                customer=customer, actor=Actor.for_user(request.user), **form.values()
            )
        except CustomerInvalid as error:
            add_service_error(form, error)
        else:
            messages.success(request, "Customer saved.")
            return HttpResponseRedirect(reverse("dashboard:customer-detail", args=[customer.pk]))
    return render_page(
        request,
        "dashboard/customers/form.html",
        {
            "title": f"Edit {customer.full_name or customer.email}",
            "section": SECTION,
            "form": form,
            "customer": customer,
        },
        status=400 if form.is_bound else 200,
    )
