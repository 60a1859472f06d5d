"""The privacy request queue and retention settings.

The queue shows every data-subject request with its clock (due date, days left, overdue),
open ones first, soonest due first. A request's page is where staff act on it: download the
customer's export, erase, complete with a note, refuse with a reason, confirm receipt (CCPA),
or extend once (before the first deadline, with a reason the requester was told). Every
action goes through `customers.privacy`, which audit-logs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Case, IntegerField, Value, When
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from freehold.core import clock
from freehold.core.audit import Actor
from freehold.customers import privacy, retention
from freehold.customers.models import Customer, PrivacyRequest, RetentionRule
from freehold.dashboard.access import staff_required
from freehold.dashboard.pages import paginate, render_page

AREA = "customers"


class RequestForm(forms.Form):
    """A request that came in by e-mail, letter or phone, logged by staff."""

    law = forms.ChoiceField(choices=PrivacyRequest.Law.choices)
    kind = forms.ChoiceField(choices=PrivacyRequest.Kind.choices)
    email = forms.EmailField(label="Requester's e-mail", max_length=254)
    details = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )


class ExtendForm(forms.Form):
    reason = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Complexity or number of requests (GDPR); told to the requester.",
    )
    told = forms.BooleanField(required=False, label="I told the requester, with the reason, on")
    notified_on = forms.DateField(
        required=False, label="Day told", widget=forms.DateInput(attrs={"type": "date"})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Sent to the requester with their right to complain to a supervisory authority.",
    )


class CompleteForm(forms.Form):
    outcome = forms.CharField(
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was done (export sent on…, address corrected…).",
    )


def _actor(request: HttpRequest) -> Actor:
    return Actor.for_user(request.user)


def _row(item: PrivacyRequest, now: dt.datetime) -> dict[str, Any]:
    return {
        "request": item,
        "days_left": privacy.days_left(item, now=now),
        "overdue": privacy.is_overdue(item, now=now),
        "confirm_by": privacy.receipt_confirmation_due(item),
    }


@staff_required(AREA)
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "open")
    rows = PrivacyRequest.objects.select_related("customer").order_by(
        Case(
            When(status=PrivacyRequest.Status.OPEN, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
        "due_at",
        "id",
    )
    if status in PrivacyRequest.Status.values:
        rows = rows.filter(status=status)
    page = paginate(request, rows)
    now = clock.now()
    return render_page(
        request,
        "dashboard/privacy/index.html",
        {
            "title": "Privacy requests",
            "section": "privacy",
            "page": page,
            "rows": [_row(item, now) for item in page.rows],
            "status": status,
            "statuses": [
                ("open", "Open"),
                ("done", "Done"),
                ("refused", "Refused"),
                ("all", "All"),
            ],
        },
    )


@staff_required(AREA)
@require_http_methods(["GET", "HEAD", "POST"])
def create(request: HttpRequest) -> HttpResponse:
    form = RequestForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            item = privacy.privacy_request_create(
                actor=_actor(request), notify_store=False, **form.cleaned_data
            )
        except privacy.PrivacyRequestInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Request logged; its clock started today.")
            return HttpResponseRedirect(reverse("dashboard:privacy-request-detail", args=[item.pk]))
    return render_page(
        request,
        "dashboard/privacy/new.html",
        {"title": "Log a privacy request", "section": "privacy", "form": form},
        status=400 if form.errors else 200,
    )


def _detail_page(
    request: HttpRequest, item: PrivacyRequest, *, status: int = 200, **forms_given: Any
) -> HttpResponse:
    now = clock.now()
    context: dict[str, Any] = {
        "title": f"Privacy request #{item.pk}",
        "section": "privacy",
        "item": item,
        **_row(item, now),
        "can_extend": privacy.can_extend(item, now=now),
        "extended_due": privacy.extended_due_at_for(item),
        "customer": item.customer,
        "customer_erased": item.customer is not None and privacy.is_erased(item.customer),
        "extend_form": forms_given.get("extend_form")
        or ExtendForm(initial={"notified_on": timezone.localdate(now)}),
        "refuse_form": forms_given.get("refuse_form") or ReasonForm(),
        "complete_form": forms_given.get("complete_form") or CompleteForm(),
    }
    return render_page(request, "dashboard/privacy/detail.html", context, status=status)


def _request(request_id: int) -> PrivacyRequest:
    return get_object_or_404(
        PrivacyRequest.objects.select_related("customer", "handled_by"), pk=request_id
    )


@staff_required(AREA)
@require_safe
def detail(request: HttpRequest, request_id: int) -> HttpResponse:
    return _detail_page(request, _request(request_id))


def _export_response(customer: Customer, actor: Actor) -> HttpResponse:
    body = privacy.customer_export_json(customer=customer, actor=actor)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="customer-{customer.pk}-data-'
        f'{timezone.localdate(clock.now()):%Y-%m-%d}.json"'
    )
    return response


@staff_required(AREA)
@require_safe
def request_export(request: HttpRequest, request_id: int) -> HttpResponse:
    item = _request(request_id)
    if item.customer is None:
        raise Http404("This request names no customer account.")
    return _export_response(item.customer, _actor(request))


@staff_required(AREA)
@require_safe
def customer_export(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=customer_id, is_staff=False)
    return _export_response(customer, _actor(request))


@staff_required(AREA)
@require_POST
def act(request: HttpRequest, request_id: int, action: str) -> HttpResponse:
    item = _request(request_id)
    actor = _actor(request)
    detail_url = reverse("dashboard:privacy-request-detail", args=[item.pk])
    try:
        if action == "extend":
            form = ExtendForm(request.POST)
            if not form.is_valid():
                return _detail_page(request, item, status=400, extend_form=form)
            if not form.cleaned_data["told"]:
                form.add_error(
                    "told", "Tell the requester about the extension and its reason first."
                )
                return _detail_page(request, item, status=400, extend_form=form)
            try:
                privacy.privacy_request_extend(
                    privacy_request=item,
                    reason=form.cleaned_data["reason"],
                    notified_on=form.cleaned_data["notified_on"],
                    actor=actor,
                )
            except privacy.PrivacyRequestInvalid as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                return _detail_page(request, item, status=400, extend_form=form)
            messages.success(request, "Deadline extended.")
        elif action == "refuse":
            refuse_form = ReasonForm(request.POST)
            refuse_form.is_valid()
            try:
                privacy.privacy_request_refuse(
                    privacy_request=item,
                    reason=refuse_form.cleaned_data.get("reason", ""),
                    actor=actor,
                )
            except privacy.PrivacyRequestInvalid as error:
                refuse_form.add_error("reason" if error.field == "reason" else None, error.message)
                return _detail_page(request, item, status=400, refuse_form=refuse_form)
            messages.success(request, "Request refused.")
        elif action == "complete":
            complete_form = CompleteForm(request.POST)
            complete_form.is_valid()
            try:
                privacy.privacy_request_complete(
                    privacy_request=item,
                    outcome=complete_form.cleaned_data.get("outcome", ""),
                    actor=actor,
                )
            except privacy.PrivacyRequestInvalid as error:
                complete_form.add_error(
                    "outcome" if error.field == "outcome" else None, error.message
                )
                return _detail_page(request, item, status=400, complete_form=complete_form)
            messages.success(request, "Request completed.")
        elif action == "erase":
            privacy.privacy_request_erase(privacy_request=item, actor=actor)
            messages.success(request, "Personal data erased; the request is completed.")
        elif action == "acknowledge":
            privacy.privacy_request_acknowledge(privacy_request=item, actor=actor)
            messages.success(request, "Receipt confirmation recorded.")
        else:
            raise Http404("Unknown action")
    except privacy.PrivacyRequestInvalid as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(detail_url)


# --- Settings → Privacy ---------------------------------------------------------------------


class RetentionForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for category, label in RetentionRule.Category.choices:
            self.fields[category] = forms.IntegerField(
                label=f"{label} (days)",
                min_value=retention.MINIMUM_DAYS,
                max_value=retention.MAXIMUM_DAYS,
                help_text=f"Default {retention.DEFAULT_DAYS[category]} days.",
            )


@staff_required("settings")
@require_http_methods(["GET", "HEAD", "POST"])
def retention_settings(request: HttpRequest) -> HttpResponse:
    form = RetentionForm(
        request.POST if request.method == "POST" else None, initial=retention.rules()
    )
    if request.method == "POST" and form.is_valid():
        try:
            retention.retention_set(days_by_category=form.cleaned_data, actor=_actor(request))
        except retention.RetentionInvalid as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Retention periods saved.")
            return HttpResponseRedirect(reverse("dashboard:settings-privacy"))
    return render_page(
        request,
        "dashboard/privacy/settings.html",
        {
            "title": "Privacy and retention",
            "section": "settings",
            "form": form,
            "order_years": retention.ORDER_RETENTION_YEARS,
        },
        status=400 if form.errors else 200,
    )
