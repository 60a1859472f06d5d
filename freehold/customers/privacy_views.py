"""The shopper's side of privacy rights: /account/privacy (download my data, delete my account),
/account/export (the JSON file), and the public request form /privacy/request for people
without an account (or who cannot log in), under GDPR or CCPA.

Like every account page: never cached, never indexed, plain forms that work without JavaScript.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from freehold.core.audit import Actor
from freehold.core.ratelimit import RateLimit, client_address
from freehold.customers import privacy, retention
from freehold.customers.models import PrivacyRequest
from freehold.customers.views import (
    _customer,
    _private,
    _render,
    _see_other,
    account_page,
    customer_required,
)

REQUESTS_PER_CLIENT = RateLimit("privacy-request", limit=5, window_seconds=60 * 60)


class DeleteAccountForm(forms.Form):
    password = forms.CharField(max_length=4096, strip=False)


class PublicRequestForm(forms.Form):
    law = forms.ChoiceField(
        choices=[
            (PrivacyRequest.Law.GDPR, gettext_lazy("GDPR (European Union, EEA, United Kingdom)")),
            (PrivacyRequest.Law.CCPA, gettext_lazy("CCPA/CPRA (California)")),
        ]
    )
    kind = forms.ChoiceField(
        choices=[
            (PrivacyRequest.Kind.ACCESS, gettext_lazy("Know: a copy of my personal data")),
            (PrivacyRequest.Kind.ERASURE, gettext_lazy("Delete my personal data")),
            (PrivacyRequest.Kind.RECTIFICATION, gettext_lazy("Correct my personal data")),
        ]
    )
    email = forms.EmailField(max_length=254)
    details = forms.CharField(max_length=5000, required=False, widget=forms.Textarea)


def _privacy_page(
    request: HttpRequest, *, delete_form: DeleteAccountForm | None = None
) -> HttpResponse:
    customer = _customer(request)
    open_orders = privacy.open_orders(customer)
    return _render(
        request,
        "privacy.html",
        {
            "title": gettext("Privacy and your data"),
            "section": "privacy",
            "delete_form": delete_form or DeleteAccountForm(),
            "open_orders": open_orders,
            "order_years": retention.ORDER_RETENTION_YEARS,
            "requests": list(customer.privacy_requests.order_by("-received_at")[:10]),
            "pending_erasure": customer.privacy_requests.filter(
                kind=PrivacyRequest.Kind.ERASURE, status=PrivacyRequest.Status.OPEN
            ).first(),
        },
        status=400 if delete_form is not None and delete_form.errors else 200,
    )


@customer_required
@require_safe
def privacy_page(request: HttpRequest) -> HttpResponse:
    return _privacy_page(request)


@customer_required
@require_safe
def export(request: HttpRequest) -> HttpResponse:
    """The customer's data as a JSON file (GDPR Art. 15 and 20); each download is audit-logged."""
    customer = _customer(request)
    body = privacy.customer_export_json(customer=customer, actor=Actor.for_user(customer))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{privacy.export_filename(customer)}"'
    return _private(response)


@customer_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    form = DeleteAccountForm(request.POST)
    if not form.is_valid():
        return _privacy_page(request, delete_form=form)
    try:
        outcome = privacy.account_deletion_request(
            customer=customer, password=form.cleaned_data["password"]
        )
    except privacy.PrivacyRequestInvalid:
        form.add_error("password", gettext("The password is not correct."))
        return _privacy_page(request, delete_form=form)
    if not outcome.erased:
        messages.success(request, gettext("Your request is received"))
        return _see_other(reverse("account-privacy"))
    logout(request)
    return _render(
        request,
        "deleted.html",
        {
            "title": gettext("Your account is deleted"),
            "order_years": retention.ORDER_RETENTION_YEARS,
        },
    )


@account_page
@require_http_methods(["GET", "HEAD", "POST"])
def public_request(request: HttpRequest) -> HttpResponse:
    """A request to know, delete or correct, by anyone: staff verify who it comes from."""
    initial = {}
    if request.user.is_authenticated:
        initial["email"] = getattr(request.user, "email", "")
    form = PublicRequestForm(request.POST if request.method == "POST" else None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        if REQUESTS_PER_CLIENT.hit(client_address(request)) > REQUESTS_PER_CLIENT.limit:
            form.add_error(None, gettext("Too many requests from your network; try again later."))
            status = 429
        else:
            cleaned = form.cleaned_data
            customer = request.user if request.user.is_authenticated else None
            privacy_request = privacy.privacy_request_create(
                law=cleaned["law"],
                kind=cleaned["kind"],
                email=cleaned["email"],
                details=cleaned["details"],
                customer=customer  # type: ignore[arg-type]
                if customer is not None and customer.email == cleaned["email"].lower()
                else None,
                actor=Actor.for_user(request.user),
            )
            return _render(
                request,
                "privacy_request_sent.html",
                {
                    "title": gettext("Your request is received"),
                    "privacy_request": privacy_request,
                    "due_on": timezone.localtime(privacy_request.due_at).strftime("%Y-%m-%d"),
                },
            )
    elif request.method == "POST":
        status = 400
    return _render(
        request,
        "privacy_request.html",
        {"title": gettext("Privacy request"), "form": form},
        status=status,
    )
