"""The shopper's privacy pages: download my data, delete my account, the public request form."""

from __future__ import annotations

import json

from django.urls import reverse

from freehold.core.models import AuditEvent
from freehold.customers.models import PrivacyRequest
from freehold.orders.models import Order
from freehold.orders.states import FulfilmentStatus, PaymentStatus
from tests.customers.builders import PASSWORD, make_variant, place_order


def test_the_privacy_pages_need_a_login(client):
    for name in ("account-privacy", "account-export"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account-login"))
    response = client.post(reverse("account-delete"), {"password": PASSWORD})
    assert response.status_code == 302


def test_the_privacy_page_offers_the_download_and_the_deletion(logged_in):
    response = logged_in.get(reverse("account-privacy"))

    body = response.content.decode()
    assert response.status_code == 200
    assert reverse("account-export") in body
    assert reverse("account-delete") in body
    assert response["Cache-Control"] == "private, no-store"


def test_the_export_is_a_json_attachment_and_is_audit_logged(logged_in, customer):
    response = logged_in.get(reverse("account-export"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="my-data-')
    assert json.loads(response.content)["profile"]["email"] == customer.email
    assert AuditEvent.objects.filter(verb="customer.data_exported").count() == 1


def test_deleting_without_open_orders_erases_at_once_and_logs_out(logged_in, customer):
    order = place_order((make_variant(), 1), customer=customer, email=customer.email)
    Order.objects.filter(pk=order.pk).update(
        payment_status=PaymentStatus.PAID, fulfilment_status=FulfilmentStatus.FULFILLED
    )

    response = logged_in.post(reverse("account-delete"), {"password": PASSWORD})

    customer.refresh_from_db()
    assert response.status_code == 200
    assert "deleted" in response.content.decode()
    assert customer.email == f"erased-{customer.pk}@invalid" and not customer.is_active
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.status) == ("erasure", "done")
    assert logged_in.get(reverse("account-privacy")).status_code == 302


def test_deleting_with_an_order_in_progress_queues_a_request_for_staff(logged_in, customer):
    place_order((make_variant(), 1), customer=customer, email=customer.email)  # unpaid

    response = logged_in.post(reverse("account-delete"), {"password": PASSWORD})

    customer.refresh_from_db()
    assert response.status_code == 303
    assert customer.email == "ana@example.com" and customer.is_active
    request = PrivacyRequest.objects.get()
    assert (request.kind, request.status, request.customer) == ("erasure", "open", customer)


def test_deleting_needs_the_right_password(logged_in, customer):
    response = logged_in.post(reverse("account-delete"), {"password": "wrong"})

    customer.refresh_from_db()
    assert response.status_code == 400
    assert "password is not correct" in response.content.decode()
    assert customer.is_active and not PrivacyRequest.objects.exists()


def test_the_public_form_creates_a_request_with_its_due_date(client):
    response = client.post(
        reverse("privacy-request"),
        {"law": "ccpa", "kind": "erasure", "email": "joe@example.com", "details": "Please"},
    )

    assert response.status_code == 200
    request = PrivacyRequest.objects.get()
    assert (request.law, request.kind, request.email) == ("ccpa", "erasure", "joe@example.com")
    assert request.due_at.strftime("%Y-%m-%d") in response.content.decode()


def test_the_public_form_refuses_an_incomplete_request(client):
    response = client.post(reverse("privacy-request"), {"law": "gdpr", "email": "nope"})

    assert response.status_code == 400
    assert not PrivacyRequest.objects.exists()


def test_a_pending_deletion_is_shown_instead_of_the_form(logged_in, customer):
    place_order((make_variant(), 1), customer=customer, email=customer.email)
    logged_in.post(reverse("account-delete"), {"password": PASSWORD})

    body = logged_in.get(reverse("account-privacy")).content.decode()

    due = PrivacyRequest.objects.get().deadline.strftime("%Y-%m-%d")
    assert f"by {due} at the latest" in body
    assert reverse("account-delete") not in body
