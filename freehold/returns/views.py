"""Shopper pages: asking for a return, and the EU withdrawal function.

Both pages carry CSRF tokens and personal data, so they are never page-cached and are sent
with `Cache-Control: private, no-store` (`never_cache`). Business rules live in `services`;
these views parse the form, call one service and render its error next to the field it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from freehold.core import clock
from freehold.core.errors import FreeholdError
from freehold.core.ratelimit import RateLimit, client_address
from freehold.orders.models import Order, OrderLine
from freehold.returns import selectors, services
from freehold.returns.emails import date_text, received_at_text
from freehold.returns.models import ReturnRequest, Withdrawal
from freehold.storefront.jinja import active_language
from freehold.storefront.selectors import store_settings

LOGIN_PATH = "/account/login"
NOTE_MAX_LENGTH = 2000
FIELD_MAX_LENGTH = 254
# Wrong order number / e-mail pairs per client address and window: enough for typos, too few
# to probe which order numbers and e-mail addresses go together.
WITHDRAWAL_ATTEMPTS = 10
WITHDRAWAL_LIMIT = RateLimit(scope="withdrawal", limit=WITHDRAWAL_ATTEMPTS, window_seconds=15 * 60)
_SESSION_WITHDRAWAL = "withdrawal_id"


# --- Return requests ------------------------------------------------------------------------


@dataclass(frozen=True)
class ReturnRow:
    line: OrderLine
    returnable: int
    field: str
    selected: int


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def return_request(request: HttpRequest, number: str) -> HttpResponse:
    """GET lists the order's returnable lines; POST asks for the chosen units back."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path(), LOGIN_PATH)
    # Another customer's order (or a guest order) is answered exactly like a missing one.
    order = get_object_or_404(Order, number=number, customer_id=request.user.pk)
    errors: dict[str, str] = {}
    selected: dict[int, int] = {}
    reason = ""
    note = ""
    if request.method == "POST":
        reason = request.POST.get("reason", "")
        note = request.POST.get("note", "")[:NOTE_MAX_LENGTH]
        selected, errors = _parse_quantities(request, order)
        if not errors:
            try:
                created = services.return_request(
                    order=order,
                    customer=request.user,
                    lines={line_id: qty for line_id, qty in selected.items() if qty > 0},
                    reason=reason,
                    note=note,
                )
            except FreeholdError as error:
                errors[error.field or "form"] = error.message
            else:
                path = reverse("return-request", kwargs={"number": order.number})
                return HttpResponseRedirect(f"{path}?requested={created.pk}")
    return _render_return_page(
        request, order=order, errors=errors, selected=selected, reason=reason, note=note
    )


def _parse_quantities(request: HttpRequest, order: Order) -> tuple[dict[int, int], dict[str, str]]:
    selected: dict[int, int] = {}
    errors: dict[str, str] = {}
    for line_id in order.lines.values_list("pk", flat=True):
        field = f"lines[{line_id}]"
        raw = request.POST.get(field, "0").strip() or "0"
        try:
            selected[line_id] = int(raw)
        except ValueError:
            errors[field] = gettext("Choose a quantity.")
    return selected, errors


def _render_return_page(
    request: HttpRequest,
    *,
    order: Order,
    errors: dict[str, str],
    selected: dict[int, int],
    reason: str,
    note: str,
    status: int = 200,
) -> HttpResponse:
    store = store_settings()
    closes_at = selectors.return_window_closes_at(order, window_days=store.return_window_days)
    rows = [
        ReturnRow(
            line=row.line,
            returnable=row.returnable,
            field=f"lines[{row.line.pk}]",
            selected=selected.get(row.line.pk, 0),
        )
        for row in selectors.returnable_lines(order)
    ]
    requests = list(
        ReturnRequest.objects.filter(order=order)
        .prefetch_related("lines__order_line")
        .order_by("-created_at", "-pk")
    )
    just_requested = request.GET.get("requested", "")
    context: dict[str, Any] = {
        "order": order,
        "rows": rows,
        "errors": errors,
        "reason": reason,
        "note": note,
        "reasons": ReturnRequest.Reason.choices,
        "window_days": store.return_window_days,
        "closes_at": closes_at,
        "window_open": closes_at is not None and clock.now() <= closes_at,
        "anything_returnable": any(row.returnable for row in rows),
        "requests": requests,
        "just_requested": next((r for r in requests if str(r.pk) == just_requested), None),
        "order_url": f"/account/orders/{order.number}",
        "withdrawal_url": f"{reverse('withdrawal')}?order={order.token}",
    }
    return render(request, "returns/request.html", context, status=status)


# --- EU withdrawal --------------------------------------------------------------------------


def _form_values(request: HttpRequest) -> dict[str, str]:
    return {
        name: request.POST.get(name, "").strip()[:FIELD_MAX_LENGTH]
        for name in ("name", "number", "email")
    }


def _prefill(token: str) -> dict[str, str]:
    """Number, e-mail and name of the order whose (unguessable) status-page token is given."""
    order = Order.objects.filter(token=token).first() if token else None
    if order is None:
        return {"name": "", "number": "", "email": ""}
    address = order.shipping_address if isinstance(order.shipping_address, dict) else {}
    name = str(address.get("name") or "").strip() or " ".join(
        str(address.get(key) or "").strip()
        for key in ("first_name", "last_name")
        if address.get(key)
    )
    return {"name": name, "number": order.number, "email": order.email}


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def withdrawal(request: HttpRequest) -> HttpResponse:
    """The withdrawal function: name, order number, e-mail; then one confirmation step.

    POST without `confirm` checks the details and shows what will be sent; POST with
    `confirm` records the withdrawal and redirects to the receipt. `edit` goes back.
    """
    if request.method != "POST":
        values = _prefill(request.GET.get("order", ""))
        return _render_withdrawal_form(request, values=values)
    values = _form_values(request)
    if "edit" in request.POST:
        return _render_withdrawal_form(request, values=values)
    prompts = {
        "name": gettext("Please enter your name."),
        "number": gettext("Please enter your order number."),
        "email": gettext("Please enter your e-mail."),
    }
    missing = {name: prompt for name, prompt in prompts.items() if not values[name]}
    if missing:
        return _render_withdrawal_form(request, values=values, errors=missing, status=400)
    address = client_address(request)
    if WITHDRAWAL_LIMIT.is_limited(address):
        return _render_withdrawal_form(
            request,
            values=values,
            errors={"form": gettext("Too many attempts. Please wait 15 minutes and try again.")},
            status=429,
        )
    try:
        if "confirm" in request.POST:
            created = services.withdrawal_submit(
                number=values["number"], email=values["email"], name=values["name"]
            )
            request.session[_SESSION_WITHDRAWAL] = created.pk
            return HttpResponseRedirect(reverse("withdrawal-received"))
        order = services.withdrawal_order(number=values["number"], email=values["email"])
    except FreeholdError as error:
        if error.code == services.WITHDRAWAL_NOT_FOUND_CODE:
            WITHDRAWAL_LIMIT.hit(address)
        return _render_withdrawal_form(
            request, values=values, errors={error.field or "form": error.message}, status=400
        )
    return render(
        request,
        "withdrawal_confirm.html",
        {"values": values, "order": order},
    )


def _render_withdrawal_form(
    request: HttpRequest,
    *,
    values: dict[str, str],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "withdrawal.html",
        {"values": values, "errors": errors or {}},
        status=status,
    )


@never_cache
@require_http_methods(["GET", "HEAD"])
def withdrawal_received(request: HttpRequest) -> HttpResponse:
    """The receipt, for the withdrawal this browser just submitted (kept in its session)."""
    withdrawal_id = request.session.get(_SESSION_WITHDRAWAL)
    found = (
        Withdrawal.objects.select_related("order").filter(pk=withdrawal_id).first()
        if withdrawal_id
        else None
    )
    if found is None:
        return HttpResponseRedirect(reverse("withdrawal"))
    language = active_language(request)
    return render(
        request,
        "withdrawal_received.html",
        {
            "withdrawal": found,
            "received_at": received_at_text(found.submitted_at, language),
            "refund_due_by": date_text(found.refund_due_by, language),
        },
    )
