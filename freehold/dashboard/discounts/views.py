"""/dashboard/discounts/: the codes with their status and uses; create, edit, pause, resume.

Thin views over `marketing.selectors` and `marketing.services` (which validate and audit).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from freehold.core import clock
from freehold.core.audit import Actor
from freehold.dashboard.access import staff_required
from freehold.dashboard.discounts.forms import DiscountFilterForm, DiscountForm, initial_from
from freehold.dashboard.pages import paginate, redirect_back, render_page
from freehold.marketing import selectors, services
from freehold.marketing.errors import DiscountInvalid
from freehold.marketing.models import DiscountCode

SECTION = "discounts"
STATUS_BADGES = {
    "active": "ok",
    "paused": "warn",
    "scheduled": "info",
    "expired": "",
    "used_up": "bad",
}
FIELDS_ON_EDIT = tuple(name for name in DiscountForm.base_fields if name != "is_active")


def order_url(number: str) -> str:
    """The dashboard's page for an order (its URL belongs to the orders area)."""
    try:
        return reverse("dashboard:order-detail", args=[number])
    except NoReverseMatch:
        return f"/dashboard/orders/{number}/"


def _common() -> dict[str, Any]:
    now = clock.now()
    return {
        "section": SECTION,
        "status_of": lambda discount: selectors.discount_status(discount, now=now),
        "status_labels": dict(selectors.STATUSES),
        "status_badges": STATUS_BADGES,
        "kinds": dict(DiscountCode.Kind.choices),
        "percent": percent,
        "time_zone": timezone.get_current_timezone_name(),
    }


def percent(value: Decimal) -> str:
    """10.00 → "10 %", 12.50 → "12.5 %"."""
    return f"{value.normalize():f} %"


def _discount_or_404(discount_id: int) -> DiscountCode:
    discount = selectors.discount_for_staff(discount_id)
    if discount is None:
        raise Http404("No such discount code")
    return discount


@staff_required("discounts")
@require_http_methods(["GET", "HEAD"])
def index(request: HttpRequest) -> HttpResponse:
    form = DiscountFilterForm(request.GET or None)
    page = paginate(request, selectors.discounts_for_staff(**form.values()))
    return render_page(
        request,
        "dashboard/discounts/index.html",
        {
            **_common(),
            "title": "Discounts",
            "form": form,
            "filtered": any(form.values().values()),
            "page": page,
        },
    )


@staff_required("discounts")
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = DiscountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            discount = services.discount_create(actor=Actor.for_user(request.user), **form.values())
        except DiscountInvalid as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Discount code {discount.code} created.")
            return HttpResponseRedirect(reverse("dashboard:discount-edit", args=[discount.pk]))
    return render_page(
        request,
        "dashboard/discounts/form.html",
        {**_common(), "title": "Create discount", "form": form, "discount": None},
        status=400 if form.is_bound else 200,
    )


@staff_required("discounts")
@require_http_methods(["GET", "HEAD", "POST"])
def edit(request: HttpRequest, discount_id: int) -> HttpResponse:
    """The code's settings, its status and its recent uses with their orders."""
    discount = _discount_or_404(discount_id)
    form = DiscountForm(request.POST or None, initial=initial_from(discount))
    del form.fields["is_active"]  # pausing and resuming are their own buttons
    if request.method == "POST" and form.is_valid():
        changes = {name: form.values()[name] for name in FIELDS_ON_EDIT}
        try:
            services.discount_update(
                discount=discount, actor=Actor.for_user(request.user), **changes
            )
        except DiscountInvalid as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Discount code {discount.code} saved.")
            return HttpResponseRedirect(reverse("dashboard:discount-edit", args=[discount.pk]))
    return render_page(
        request,
        "dashboard/discounts/form.html",
        {
            **_common(),
            "title": f"Discount {discount.code}",
            "form": form,
            "discount": discount,
            "redemptions": selectors.discount_recent_redemptions(discount),
            "order_url": order_url,
        },
        status=400 if form.is_bound else 200,
    )


@staff_required("discounts")
@require_POST
def pause(request: HttpRequest, discount_id: int) -> HttpResponse:
    discount = _discount_or_404(discount_id)
    services.discount_pause(discount=discount, actor=Actor.for_user(request.user))
    messages.success(request, f"Discount code {discount.code} paused: shoppers cannot use it.")
    return HttpResponseRedirect(
        redirect_back(request, reverse("dashboard:discount-edit", args=[discount.pk]))
    )


@staff_required("discounts")
@require_POST
def resume(request: HttpRequest, discount_id: int) -> HttpResponse:
    discount = _discount_or_404(discount_id)
    services.discount_resume(discount=discount, actor=Actor.for_user(request.user))
    messages.success(request, f"Discount code {discount.code} resumed.")
    return HttpResponseRedirect(
        redirect_back(request, reverse("dashboard:discount-edit", args=[discount.pk]))
    )
