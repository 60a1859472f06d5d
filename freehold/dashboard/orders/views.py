"""/dashboard/orders/: find orders, act on them one by one or in bulk, print their papers.

Thin views: selectors read, operations write (each records its audit event), the forms check
what was typed. A refused action re-renders the order's page with the operation's message
next to the field it names (422), so nothing typed is lost.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    StreamingHttpResponse,
)
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.core.idempotency import fingerprint_of, run_idempotent
from freehold.customers import addresses
from freehold.dashboard.access import staff_required
from freehold.dashboard.orders import forms as order_forms
from freehold.dashboard.orders.services import (
    MANUALLY_PAID_GATEWAYS,
    order_mark_paid_manually,
    orders_bulk,
)
from freehold.dashboard.pages import csv_response, paginate, render_page
from freehold.imports import exports
from freehold.orders import selectors
from freehold.orders.models import Fulfilment, Order, Payment
from freehold.orders.operations import (
    fulfilment_create,
    fulfilment_mark_delivered,
    order_cancel,
    order_note_add,
    order_refund,
)
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.storefront.models import StoreSettings

SECTION = "orders"
EXPORT_NUMBERS_LIMIT = order_forms.BULK_LIMIT

PAYMENT_BADGES = {
    PaymentStatus.PAID: "ok",
    PaymentStatus.AWAITING_PAYMENT: "warn",
    PaymentStatus.AUTHORIZED: "info",
    PaymentStatus.PARTIALLY_REFUNDED: "info",
    PaymentStatus.REFUNDED: "",
    PaymentStatus.VOIDED: "",
    PaymentStatus.FAILED: "bad",
}
FULFILMENT_BADGES = {
    FulfilmentStatus.UNFULFILLED: "warn",
    FulfilmentStatus.PARTIALLY_FULFILLED: "info",
    FulfilmentStatus.FULFILLED: "ok",
    FulfilmentStatus.RETURNED: "",
}
PAYMENT_KINDS = {
    Payment.Kind.AUTHORISE: "Authorisation",
    Payment.Kind.CAPTURE: "Payment",
    Payment.Kind.VOID: "Void",
    Payment.Kind.REFUND: "Refund",
}
GATEWAY_LABELS = {"manual": "bank transfer", "test": "the test gateway", "stripe": "Stripe"}
STATUS_BADGES = {OrderStatus.OPEN: "", OrderStatus.CANCELLED: "bad", OrderStatus.ARCHIVED: ""}


def _labels() -> dict[str, dict[str, str]]:
    return {
        # str(): the labels are lazy (the storefront shows them translated).
        "status": {value: str(label) for value, label in OrderStatus.choices},
        "payment_status": {value: str(label) for value, label in PaymentStatus.choices},
        "fulfilment_status": {value: str(label) for value, label in FulfilmentStatus.choices},
    }


def _common(**context: Any) -> dict[str, Any]:
    return {
        "section": SECTION,
        "labels": _labels(),
        "payment_badges": PAYMENT_BADGES,
        "fulfilment_badges": FULFILMENT_BADGES,
        "status_badges": STATUS_BADGES,
        "shipping_name": selectors.shipping_name,
        "address_lines": _address_lines,
        **context,
    }


def _address_lines(address: Any, language: str = "en", phone: bool = True) -> list[str]:
    """An order's address as its country writes it (the Latin format for another language),
    with the phone unless `phone=False`: for staff, packing slips and invoices."""
    return addresses.address_lines(address, language or "en", include_phone=phone)


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _order_or_404(number: str) -> Order:
    order = selectors.order_for_staff(number)
    if order is None:
        raise Http404("No order has this number.")
    return order


def _detail_url(order: Order) -> str:
    return reverse("dashboard:order-detail", args=[order.number])


# --- The list -------------------------------------------------------------------------------


def _filtered(request: HttpRequest) -> tuple[order_forms.OrderFilterForm, Any]:
    form = order_forms.OrderFilterForm(request.GET or None)
    if form.is_bound:
        numbers = request.GET.getlist("number")[:EXPORT_NUMBERS_LIMIT]
        filters = form.filters(numbers=numbers)
    else:
        filters = selectors.OrderFilters()
    return form, selectors.order_list(filters)


@require_GET
@staff_required("orders")
def index(request: HttpRequest) -> HttpResponse:
    form, orders = _filtered(request)
    page = paginate(request, selectors.with_unit_counts(orders))
    filtered = any(value for key, value in request.GET.items() if key != "page")
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render_page(
        request,
        "dashboard/orders/index.html",
        _common(
            title="Orders",
            form=form,
            page=page,
            filtered=filtered,
            bulk_actions=order_forms.BULK_ACTIONS,
            export_url=reverse("dashboard:orders-export")
            + (f"?{export_query.urlencode()}" if export_query else ""),
        ),
        status=200 if not form.is_bound or form.is_valid() else 400,
    )


@require_GET
@staff_required("orders")
def export(request: HttpRequest) -> StreamingHttpResponse:
    """Every order the list's filters match (not just the page), one row per line, in the
    layout of Shopify's orders export."""
    _form, orders = _filtered(request)
    stamp = timezone.localtime().strftime("%Y-%m-%d")
    return csv_response(f"orders-{stamp}.csv", exports.ORDER_HEADER, exports.order_rows(orders))


@require_POST
@staff_required("orders")
def bulk(request: HttpRequest) -> HttpResponse:
    form = order_forms.BulkForm(request.POST)
    back = reverse("dashboard:orders")
    next_url = request.POST.get("next", "")
    if next_url.startswith("/dashboard/orders/") and not next_url.startswith("//"):
        back = next_url
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return HttpResponseRedirect(back)
    action = form.cleaned_data["action"]
    numbers: list[str] = form.cleaned_data["order"]
    if action == "packing_slips":
        query = urlencode([("number", number) for number in numbers])
        return HttpResponseRedirect(f"{reverse('dashboard:orders-packing-slips')}?{query}")
    if action == "export":
        query = urlencode([("number", number) for number in numbers])
        return HttpResponseRedirect(f"{reverse('dashboard:orders-export')}?{query}")
    for outcome in orders_bulk(numbers=numbers, action=action, actor=_actor(request)):
        (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return HttpResponseRedirect(back)


# --- One order ------------------------------------------------------------------------------


def _money_totals(order: Order) -> dict[str, Any]:
    payments = list(order.payments.all())
    captured = sum(
        (
            p.amount
            for p in payments
            if p.kind == Payment.Kind.CAPTURE and p.status == Payment.Status.SUCCEEDED
        ),
        start=order.total_amount * 0,
    )
    refunded = sum(
        (
            p.amount
            for p in payments
            if p.kind == Payment.Kind.REFUND and p.status == Payment.Status.SUCCEEDED
        ),
        start=order.total_amount * 0,
    )
    return {"captured": captured, "refunded": refunded, "refundable": captured - refunded}


def _render_detail(
    request: HttpRequest, order: Order, *, status: int = 200, open_form: str = "", **bound: Any
) -> HttpResponse:
    """The order's page; `bound` replaces a blank form with the one just submitted."""
    money_held = order.payment_status in (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
    is_open = order.status == OrderStatus.OPEN
    lines = list(order.lines.all())
    shippable = any(line.quantity_to_ship for line in lines)
    forms_ = {
        "fulfil": order_forms.FulfilForm(order=order, prefix="fulfil"),
        "refund_lines": order_forms.RefundLinesForm(order=order, prefix="refund"),
        "refund_amount": order_forms.RefundAmountForm(order=order, prefix="refund-amount"),
        "cancel": order_forms.CancelForm(prefix="cancel"),
        "mark_paid": order_forms.MarkPaidForm(prefix="paid"),
        "note": order_forms.NoteForm(prefix="note"),
        **bound,
    }
    totals = _money_totals(order)
    context = _common(
        title=f"Order #{order.number}",
        order=order,
        lines=lines,
        payments=list(order.payments.all()),
        parcels=list(order.fulfilments.all()),
        timeline=selectors.order_timeline(order),
        action_forms=forms_,
        open_form=open_form,
        totals=totals,
        can_mark_paid=is_open
        and order.payment_status == PaymentStatus.AWAITING_PAYMENT
        and order.payment_gateway in MANUALLY_PAID_GATEWAYS,
        can_fulfil=is_open and money_held and shippable,
        can_refund=money_held and totals["refundable"] > 0,
        can_cancel=is_open
        and not money_held
        and not any(line.quantity_fulfilled for line in lines),
        carriers=order_forms.CARRIERS,
        describe=describe_event,
        payment_kinds=PAYMENT_KINDS,
        gateway_labels=GATEWAY_LABELS,
    )
    return render_page(request, "dashboard/orders/detail.html", context, status=status)


@require_GET
@staff_required("orders")
def detail(request: HttpRequest, number: str) -> HttpResponse:
    return _render_detail(request, _order_or_404(number))


def _act(
    request: HttpRequest,
    number: str,
    *,
    key: str,
    form: forms.Form,
    operation: Any,
    done: str,
) -> HttpResponse:
    """Validate `form`, run `operation(order, cleaned_data)`; redirect with `done`, or show
    the page again with the refusal next to its field."""
    order = _order_or_404(number)
    if form.is_valid():
        try:
            submission = form.cleaned_data.get("submission")
            if submission:
                _once(
                    request,
                    order=order,
                    action=key,
                    submission=submission,
                    run=lambda: operation(order, form.cleaned_data),
                )
            else:
                operation(order, form.cleaned_data)
        except FreeholdError as error:
            order_forms.add_service_error(form, error)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(_detail_url(order))
        order = _order_or_404(number)
    return _render_detail(request, order, status=422, open_form=key, **{key: form})


def _once(
    request: HttpRequest, *, order: Order, action: str, submission: str, run: Callable[[], None]
) -> None:
    """Run `run` once per submitted form: a double click or a resent POST of the same form
    (same key, same content) is answered as the first was, instead of a second parcel or a
    second refund."""
    content = {
        name: values for name, values in request.POST.lists() if name != "csrfmiddlewaretoken"
    }

    def operation() -> dict[str, Any]:
        run()
        return {}

    run_idempotent(
        scope=f"dashboard.order.{action}:{order.pk}",
        key=submission,
        fingerprint=fingerprint_of(content),
        operation=operation,
        atomic=True,
    )


@require_POST
@staff_required("orders")
def mark_paid(request: HttpRequest, number: str) -> HttpResponse:
    def operation(order: Order, data: dict[str, Any]) -> None:
        order_mark_paid_manually(order=order, actor=_actor(request), reference=data["reference"])

    return _act(
        request,
        number,
        key="mark_paid",
        form=order_forms.MarkPaidForm(request.POST, prefix="paid"),
        operation=operation,
        done="Payment recorded: the order is paid.",
    )


@require_POST
@staff_required("orders")
def fulfil(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    form = order_forms.FulfilForm(request.POST, order=order, prefix="fulfil")

    def operation(order: Order, data: dict[str, Any]) -> None:
        fulfilment_create(
            order=order,
            lines=form.quantities(),
            actor=_actor(request),
            carrier=data["carrier"].strip(),
            tracking_number=data["tracking_number"].strip(),
            tracking_url=data["tracking_url"],
        )

    return _act(
        request, number, key="fulfil", form=form, operation=operation, done="Parcel shipped."
    )


@require_POST
@staff_required("orders")
def mark_delivered(request: HttpRequest, number: str, parcel_id: int) -> HttpResponse:
    order = _order_or_404(number)
    parcel = Fulfilment.objects.filter(order=order, pk=parcel_id).first()
    if parcel is None:
        raise Http404("This order has no such parcel.")
    form = order_forms.DeliveredForm(request.POST)
    if form.is_valid():
        day = form.cleaned_data["delivered_on"]
        moment = None
        if day is not None and day != timezone.localdate():
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time(23, 59)))
        try:
            fulfilment_mark_delivered(fulfilment=parcel, actor=_actor(request), delivered_at=moment)
        except FreeholdError as error:
            messages.error(request, f"Parcel {parcel.pk}: {error.message}")
        else:
            messages.success(request, f"Parcel {parcel.pk} marked delivered.")
    else:
        messages.error(request, "Delivered on: enter a date such as 2026-11-27.")
    return HttpResponseRedirect(_detail_url(order))


@require_POST
@staff_required("orders")
def cancel(request: HttpRequest, number: str) -> HttpResponse:
    def operation(order: Order, data: dict[str, Any]) -> None:
        order_cancel(
            order=order, actor=_actor(request), reason=data["reason"], restock=data["restock"]
        )

    return _act(
        request,
        number,
        key="cancel",
        form=order_forms.CancelForm(request.POST, prefix="cancel"),
        operation=operation,
        done="Order cancelled.",
    )


@require_POST
@staff_required("orders")
def refund(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    form: forms.Form
    if request.POST.get("mode") == "amount":
        form = order_forms.RefundAmountForm(request.POST, order=order, prefix="refund-amount")
        key = "refund_amount"

        def operation(order: Order, data: dict[str, Any]) -> None:
            order_refund(
                order=order,
                actor=_actor(request),
                amount=data["amount"],
                reason=data["reason"],
                shipping=data.get("shipping", False),
            )

    else:
        lines_form = order_forms.RefundLinesForm(request.POST, order=order, prefix="refund")
        form, key = lines_form, "refund_lines"

        def operation(order: Order, data: dict[str, Any]) -> None:
            order_refund(
                order=order,
                actor=_actor(request),
                lines=lines_form.quantities(),
                reason=data["reason"],
                restock=data["restock"],
            )

    return _act(request, number, key=key, form=form, operation=operation, done="Refund issued.")


@require_POST
@staff_required("orders")
def add_note(request: HttpRequest, number: str) -> HttpResponse:
    def operation(order: Order, data: dict[str, Any]) -> None:
        order_note_add(order=order, author=request.user, body=data["body"], actor=_actor(request))

    return _act(
        request,
        number,
        key="note",
        form=order_forms.NoteForm(request.POST, prefix="note"),
        operation=operation,
        done="Note added.",
    )


# --- Printable pages ------------------------------------------------------------------------


def _store() -> StoreSettings:
    return StoreSettings.objects.filter(pk=1).first() or StoreSettings()


@require_GET
@staff_required("orders")
def packing_slip(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    return render_page(
        request,
        "dashboard/orders/packing_slips.html",
        _common(title=f"Packing slip #{order.number}", orders=[order], business=_store()),
    )


@require_GET
@staff_required("orders")
def packing_slips(request: HttpRequest) -> HttpResponse:
    numbers = request.GET.getlist("number")[:EXPORT_NUMBERS_LIMIT]
    orders = selectors.orders_for_print(numbers)
    if not orders:
        raise Http404("Choose the orders to print.")
    return render_page(
        request,
        "dashboard/orders/packing_slips.html",
        _common(title=f"Packing slips ({len(orders)})", orders=orders, business=_store()),
    )


@require_GET
@staff_required("orders")
def invoice(request: HttpRequest, number: str) -> HttpResponse:
    order = _order_or_404(number)
    return render_page(
        request,
        "dashboard/orders/invoice.html",
        _common(title=f"Invoice {order.number}", order=order, business=_store()),
    )


# --- Words for the timeline -----------------------------------------------------------------


def describe_event(event: Any) -> str:
    """An audit event as a sentence for the order's timeline."""
    labels = _labels()
    data = event.data or {}
    verb = event.verb
    if verb == "order.placed":
        return "Order placed."
    if verb.startswith("order.") and verb.endswith("_changed"):
        field = verb[len("order.") : -len("_changed")]
        names = labels.get(field, {})
        what = {"status": "Order", "payment_status": "Payment", "fulfilment_status": "Fulfilment"}
        text = (
            f"{what.get(field, field)}: {names.get(event.from_state, event.from_state)} → "
            f"{names.get(event.to_state, event.to_state)}"
        )
        if data.get("reason"):
            text += f" ({data['reason']})"
        if data.get("reference"):
            text += f", reference {data['reference']}"
        return text + "."
    if verb == "fulfilment.created":
        units = sum(int(quantity) for quantity in (data.get("lines") or {}).values())
        text = f"Shipped {units} unit{'s' if units != 1 else ''}"
        if data.get("carrier"):
            text += f" with {data['carrier']}"
        if data.get("tracking_number"):
            text += f", tracking {data['tracking_number']}"
        return text + "."
    if verb == "fulfilment.delivered":
        return f"Parcel {event.object_id} delivered."
    if verb == "order.refunded":
        text = f"Refunded {data.get('amount', '')} {data.get('currency', '')}".rstrip()
        if data.get("reason"):
            text += f": {data['reason']}"
        if data.get("restock"):
            text += " (restocked)"
        return text + "."
    return f"{verb.replace('.', ' ').replace('_', ' ').capitalize()}."
