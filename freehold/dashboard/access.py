"""Who may see what in the dashboard.

Staff are customers with `is_staff` and a `staff_role`. The owner and admins may do everything;
a staff member only the areas listed in `staff_permissions`. Superusers count as owners. Every
dashboard view is wrapped in `staff_required(area)`: an anonymous visitor is sent to log in, a
signed-in customer who is not staff and a staff member without the area get 403.

Only the owner and admins manage staff accounts (the "settings" area alone is not enough to
give oneself more permissions).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse

from freehold.customers.models import Customer

# The areas a staff member's permissions name, in the order the navigation shows them.
AREAS: tuple[tuple[str, str], ...] = (
    ("orders", "Orders"),
    ("products", "Products"),
    ("customers", "Customers"),
    ("discounts", "Discounts"),
    ("reports", "Reports"),
    ("settings", "Settings"),
)
AREA_CODES = frozenset(code for code, _ in AREAS)
# "home" is every staff member's landing page; its figures need "reports".
HOME = "home"

# HttpResponseBase: CSV exports stream (StreamingHttpResponse is no HttpResponse).
View = Callable[..., HttpResponseBase]


def is_dashboard_user(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_staff)


def is_manager(user: Any) -> bool:
    """Owner or admin (or superuser): every area, and the staff accounts."""
    if not is_dashboard_user(user):
        return False
    return bool(
        user.is_superuser or user.staff_role in (Customer.StaffRole.OWNER, Customer.StaffRole.ADMIN)
    )


def is_owner(user: Any) -> bool:
    return is_dashboard_user(user) and bool(
        user.is_superuser or user.staff_role == Customer.StaffRole.OWNER
    )


def can(user: Any, area: str) -> bool:
    """May this user use the dashboard area ("orders", "products", ... or "home")?"""
    if not is_dashboard_user(user):
        return False
    if area == HOME or is_manager(user):
        return True
    return area in (user.staff_permissions or [])


def areas_of(user: Any) -> list[tuple[str, str]]:
    return [(code, label) for code, label in AREAS if can(user, code)]


def login_url(request: HttpRequest) -> str:
    return f"{reverse('account-login')}?{urlencode({'next': request.get_full_path()})}"


def forbidden(request: HttpRequest, area: str) -> HttpResponse:
    """403 with a page that says which permission is missing (and no dashboard data)."""
    label = dict(AREAS).get(area, area)
    response = render(
        request,
        "dashboard/403.html",
        {"area": label, "is_staff": is_dashboard_user(request.user)},
        status=403,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def staff_required(area: str, *, managers_only: bool = False) -> Callable[[View], View]:
    """Decorate a dashboard view: log in first, then staff with the area (or a manager)."""
    if area != HOME and area not in AREA_CODES:
        raise ValueError(f"Unknown dashboard area {area!r}")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = request.user
            if not getattr(user, "is_authenticated", False):
                return HttpResponseRedirect(login_url(request))
            allowed = is_manager(user) if managers_only else can(user, area)
            if not allowed:
                return forbidden(request, area)
            response = view(request, *args, **kwargs)
            # Dashboard pages hold customers' data and CSRF tokens: never cached anywhere.
            response.headers.setdefault("Cache-Control", "private, no-store")
            return response

        return wrapper

    return decorator
