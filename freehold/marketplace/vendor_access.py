"""The vendor dashboard (`/vendor/`): who may enter, and the page frame every vendor page uses.

A vendor page is reached by a logged-in customer who is a member of an active (or invited)
vendor, in a store whose marketplace mode is on; anything else is a 404 (marketplace off) or a
login redirect. `render_vendor` adds the navigation: each stream's pages add their entry to
`VENDOR_NAV` (url name, label) in their own module, imported by urls.py.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from freehold.marketplace.models import MarketplaceSettings, Vendor, VendorMember

# (url name, label), in the order the navigation shows them.
VENDOR_NAV: list[tuple[str, str]] = []


def marketplace_settings() -> MarketplaceSettings:
    return MarketplaceSettings.objects.get_or_create(pk=1)[0]


def marketplace_enabled() -> bool:
    return marketplace_settings().enabled


def vendor_of(user: Any) -> Vendor | None:
    """The vendor this account works for (the first one, if several)."""
    if not getattr(user, "is_authenticated", False):
        return None
    membership = (
        VendorMember.objects.select_related("vendor")
        .filter(customer=user)
        .exclude(vendor__status__in=[Vendor.Status.REJECTED, Vendor.Status.TERMINATED])
        .order_by("pk")
        .first()
    )
    return membership.vendor if membership else None


def vendor_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Run `view(request, vendor, ...)` for a member of a vendor; else login or 404."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not marketplace_enabled():
            raise Http404("The marketplace is off.")
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse("account-login"))
        vendor = vendor_of(request.user)
        if vendor is None:
            raise Http404("Not a vendor.")
        return view(request, vendor, *args, **kwargs)

    return wrapped


def render_vendor(
    request: HttpRequest,
    vendor: Vendor,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    page_context = {
        "vendor": vendor,
        "vendor_nav": VENDOR_NAV,
        "flashes": list(messages.get_messages(request)),
        **(context or {}),
    }
    response = render(request, template, page_context, status=status)
    response.headers["Cache-Control"] = "private, no-store"
    return response
