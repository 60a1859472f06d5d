"""/dashboard/orders/returns/ and /withdrawals/: staff work through return requests and EU
withdrawals here instead of in /admin/.

The steps are the after-sales services' (`freehold.returns.services`): approve, reject, receive,
refund (through `orders.operations.order_refund`, so never above what was captured), and the
full refund a withdrawal is owed. Each writes its own audit event in its transaction; these views
only check the form and show a refusal next to the action that was refused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from freehold.core.audit import Actor
from freehold.core.clock import now
from freehold.core.errors import FreeholdError
from freehold.dashboard.access import staff_required
from freehold.dashboard.orders import forms as order_forms
from freehold.dashboard.pages import paginate, redirect_back, render_page
from freehold.returns import selectors, services
from freehold.returns.models import ReturnRequest, Withdrawal
from freehold.storefront.jinja import format_money

SECTION = "orders"
Status = ReturnRequest.Status

RETURN_BADGES = {
    Status.REQUESTED: "warn",
    Status.APPROVED: "info",
    Status.RECEIVED: "info",
    Status.REFUNDED: "ok",
    Status.REJECTED: "bad",
    Status.CANCELLED: "",
}
WITHDRAWAL_BADGES = {Withdrawal.Status.RECEIVED: "warn", Withdrawal.Status.REFUNDED: "ok"}


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _common(**context: Any) -> dict[str, Any]:
    return {
        "section": SECTION,
        "return_labels": dict(Status.choices),
        "reason_labels": dict(ReturnRequest.Reason.choices),
        "return_badges": RETURN_BADGES,
        "withdrawal_labels": dict(Withdrawal.Status.choices),
        "withdrawal_badges": WITHDRAWAL_BADGES,
        **context,
    }


# --- Return requests ------------------------------------------------------------------------


@require_GET
@staff_required("orders")
def returns_index(request: HttpRequest) -> HttpResponse:
    form = order_forms.ReturnFilterForm(request.GET or None)
    status = form.status_value() if form.is_bound else "open"
    page = paginate(request, selectors.return_requests_for_staff(status=status))
    return render_page(
        request,
        "dashboard/orders/returns.html",
        _common(title="Return requests", form=form, page=page, status=status),
        status=200 if not form.is_bound or form.is_valid() else 400,
    )


def _return_or_404(pk: int) -> ReturnRequest:
    found = selectors.return_request_for_staff(pk)
    if found is None:
        raise Http404("No return request has this number.")
    return found


def _return_url(return_request: ReturnRequest) -> str:
    return reverse("dashboard:order-return", args=[return_request.pk])


def _render_return(
    request: HttpRequest,
    return_request: ReturnRequest,
    *,
    status: int = 200,
    open_form: str = "",
    **bound: forms.Form,
) -> HttpResponse:
    order = return_request.order
    lines = [
        {
            "line": line,
            "value": line.order_line.total_amount / line.order_line.quantity * line.quantity,
        }
        for line in return_request.lines.all()
    ]
    action_forms = {
        "approve": order_forms.ReturnApproveForm(prefix="approve"),
        "reject": order_forms.ReturnRejectForm(prefix="reject"),
        "receive": order_forms.ReturnStepForm(prefix="receive"),
        "refund": order_forms.ReturnStepForm(prefix="refund"),
        "note": order_forms.StaffNoteForm(
            prefix="note", initial={"staff_note": return_request.staff_note}
        ),
        **bound,
    }
    refund_value = sum((row["value"] for row in lines), start=order.total_amount * 0)
    return render_page(
        request,
        "dashboard/orders/return_detail.html",
        _common(
            title=f"Return {return_request.pk} of order #{order.number}",
            return_request=return_request,
            order=order,
            lines=lines,
            refund_value=refund_value,
            refundable=selectors.refundable_amount(order),
            action_forms=action_forms,
            open_form=open_form,
        ),
        status=status,
    )


@require_GET
@staff_required("orders")
def return_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_return(request, _return_or_404(pk))


def _step(
    request: HttpRequest,
    pk: int,
    *,
    key: str,
    form: forms.Form,
    operation: Callable[[ReturnRequest, dict[str, Any]], str],
) -> HttpResponse:
    """Validate `form` and run `operation` (which returns the success message); a refusal
    re-renders the request's page (422) with the service's message on the refused form."""
    return_request = _return_or_404(pk)
    if form.is_valid():
        try:
            done = operation(return_request, form.cleaned_data)
        except FreeholdError as error:
            order_forms.add_service_error(form, error)
        else:
            messages.success(request, done)
            return HttpResponseRedirect(_return_url(return_request))
        return_request = _return_or_404(pk)
    return _render_return(request, return_request, status=422, open_form=key, **{key: form})


@require_POST
@staff_required("orders")
def return_approve(request: HttpRequest, pk: int) -> HttpResponse:
    def operation(return_request: ReturnRequest, data: dict[str, Any]) -> str:
        services.return_request_approve(
            return_request=return_request, actor=_actor(request), staff_note=data["staff_note"]
        )
        return "Return approved: the customer can send the items back."

    return _step(
        request,
        pk,
        key="approve",
        form=order_forms.ReturnApproveForm(request.POST, prefix="approve"),
        operation=operation,
    )


@require_POST
@staff_required("orders")
def return_reject(request: HttpRequest, pk: int) -> HttpResponse:
    def operation(return_request: ReturnRequest, data: dict[str, Any]) -> str:
        services.return_request_reject(
            return_request=return_request, actor=_actor(request), staff_note=data["staff_note"]
        )
        return "Return rejected."

    return _step(
        request,
        pk,
        key="reject",
        form=order_forms.ReturnRejectForm(request.POST, prefix="reject"),
        operation=operation,
    )


@require_POST
@staff_required("orders")
def return_receive(request: HttpRequest, pk: int) -> HttpResponse:
    def operation(return_request: ReturnRequest, data: dict[str, Any]) -> str:
        services.return_request_receive(return_request=return_request, actor=_actor(request))
        return "Return received: the items are back."

    return _step(
        request,
        pk,
        key="receive",
        form=order_forms.ReturnStepForm(request.POST, prefix="receive"),
        operation=operation,
    )


@require_POST
@staff_required("orders")
def return_refund(request: HttpRequest, pk: int) -> HttpResponse:
    def operation(return_request: ReturnRequest, data: dict[str, Any]) -> str:
        payment = services.return_request_refund(
            return_request=return_request, actor=_actor(request)
        )
        return f"Refunded {format_money(payment.amount, payment.currency)}; items restocked."

    return _step(
        request,
        pk,
        key="refund",
        form=order_forms.ReturnStepForm(request.POST, prefix="refund"),
        operation=operation,
    )


@require_POST
@staff_required("orders")
def return_note(request: HttpRequest, pk: int) -> HttpResponse:
    def operation(return_request: ReturnRequest, data: dict[str, Any]) -> str:
        services.return_request_set_staff_note(
            return_request=return_request, actor=_actor(request), staff_note=data["staff_note"]
        )
        return "Staff note saved."

    return _step(
        request,
        pk,
        key="note",
        form=order_forms.StaffNoteForm(request.POST, prefix="note"),
        operation=operation,
    )


# --- Withdrawals ----------------------------------------------------------------------------


@require_GET
@staff_required("orders")
def withdrawals_index(request: HttpRequest) -> HttpResponse:
    form = order_forms.WithdrawalFilterForm(request.GET or None)
    status = form.status_value() if form.is_bound else "received"
    page = paginate(request, selectors.withdrawals_for_staff(status=status))
    return render_page(
        request,
        "dashboard/orders/withdrawals.html",
        _common(title="Withdrawals", form=form, page=page, status=status, now=now()),
        status=200 if not form.is_bound or form.is_valid() else 400,
    )


@require_POST
@staff_required("orders")
def withdrawal_refund(request: HttpRequest, pk: int) -> HttpResponse:
    withdrawal = Withdrawal.objects.select_related("order").filter(pk=pk).first()
    if withdrawal is None:
        raise Http404("No withdrawal has this number.")
    try:
        payment = services.withdrawal_refund(withdrawal=withdrawal, actor=_actor(request))
    except FreeholdError as error:
        messages.error(
            request,
            f"Withdrawal {withdrawal.pk} (order #{withdrawal.order.number}): {error.message}",
        )
    else:
        messages.success(
            request,
            f"Withdrawal {withdrawal.pk} (order #{withdrawal.order.number}): refunded "
            f"{format_money(payment.amount, payment.currency)}.",
        )
    return HttpResponseRedirect(redirect_back(request, reverse("dashboard:order-withdrawals")))
