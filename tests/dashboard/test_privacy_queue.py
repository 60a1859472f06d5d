"""The privacy request queue (customers area) and retention settings (settings area)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.urls import reverse

from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.customers import privacy
from freehold.customers.models import Customer, PrivacyRequest, RetentionRule

UTC = dt.UTC
RECEIVED = dt.datetime(2027, 1, 31, 10, tzinfo=UTC)


def receive(
    *, law: str = "gdpr", kind: str = "access", email: str = "ana@example.com", at=RECEIVED
):
    with frozen_at(at):
        return privacy.privacy_request_create(
            law=law, kind=kind, email=email, actor=Actor.system("test"), notify_store=False
        )


def test_the_queue_lists_requests_with_due_date_days_left_and_overdue_badge(owner_client):
    on_time = receive(email="early@example.com", at=RECEIVED + dt.timedelta(days=20))
    late = receive(email="late@example.com")
    ccpa = receive(law="ccpa", email="cal@example.com", at=RECEIVED + dt.timedelta(days=20))

    with frozen_at(dt.datetime(2027, 3, 1, 12, tzinfo=UTC)):
        response = owner_client.get(reverse("dashboard:privacy-requests"))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.index("late@example.com") < body.index("early@example.com")  # soonest due first
    assert "28 Feb 2027" in body  # 31 January + one month
    assert body.count("Overdue") == 1
    assert "confirm receipt by" in body
    for request in (on_time, late, ccpa):
        assert reverse("dashboard:privacy-request-detail", args=[request.pk]) in body


def test_the_queue_takes_a_constant_number_of_queries(owner_client, django_assert_max_num_queries):
    for number in range(30):
        receive(email=f"person{number}@example.com")

    with django_assert_max_num_queries(12):
        response = owner_client.get(reverse("dashboard:privacy-requests"))

    assert response.content.decode().count("@example.com</td>") == 30


def test_staff_log_a_request_that_came_by_email(owner_client):
    response = owner_client.post(
        reverse("dashboard:privacy-request-create"),
        {"law": "gdpr", "kind": "rectification", "email": "ana@example.com", "details": "New name"},
    )

    request = PrivacyRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:privacy-request-detail", args=[request.pk])
    assert request.kind == "rectification"


def test_extending_needs_a_reason_and_the_told_checkbox(owner_client):
    request = receive()
    url = reverse("dashboard:privacy-request-act", args=[request.pk, "extend"])

    with frozen_at(RECEIVED + dt.timedelta(days=3)):
        unticked = owner_client.post(url, {"reason": "Volume", "notified_on": "2027-02-03"})
        no_reason = owner_client.post(url, {"told": "on", "notified_on": "2027-02-03"})
        extended = owner_client.post(
            url, {"reason": "Volume", "told": "on", "notified_on": "2027-02-03"}
        )

    assert unticked.status_code == 400 and no_reason.status_code == 400
    assert "reason" in no_reason.content.decode().lower()
    assert extended.status_code == 302
    request.refresh_from_db()
    assert request.extended_due_at == dt.datetime(2027, 4, 28, 10, tzinfo=UTC)
    assert request.extension_notified_on == dt.date(2027, 2, 3)


def test_refusing_without_a_reason_is_refused(owner_client):
    request = receive()

    response = owner_client.post(
        reverse("dashboard:privacy-request-act", args=[request.pk, "refuse"]), {"reason": ""}
    )

    request.refresh_from_db()
    assert response.status_code == 400
    assert request.status == "open"


def test_completing_an_access_request_after_downloading_the_export(owner_client):
    customer = Customer.objects.create_user("ana@example.com", "pw-ana-12345")
    request = receive()
    assert request.customer == customer

    export = owner_client.get(reverse("dashboard:privacy-request-export", args=[request.pk]))
    done = owner_client.post(
        reverse("dashboard:privacy-request-act", args=[request.pk, "complete"]),
        {"outcome": "Export sent by e-mail."},
    )

    assert export.status_code == 200
    assert export["Content-Disposition"].startswith("attachment;")
    assert json.loads(export.content)["profile"]["email"] == "ana@example.com"
    assert AuditEvent.objects.get(verb="customer.data_exported").actor_label == "owner@example.com"
    assert done.status_code == 302
    request.refresh_from_db()
    assert (request.status, request.outcome) == ("done", "Export sent by e-mail.")
    assert request.handled_by.email == "owner@example.com"


def test_staff_export_a_customer_from_the_customer_page(owner_client):
    customer = Customer.objects.create_user("ana@example.com", "pw-ana-12345")

    page = owner_client.get(reverse("dashboard:customer-detail", args=[customer.pk]))
    export = owner_client.get(reverse("dashboard:privacy-customer-export", args=[customer.pk]))

    assert reverse("dashboard:privacy-customer-export", args=[customer.pk]) in page.content.decode()
    assert json.loads(export.content)["profile"]["email"] == "ana@example.com"


def test_an_erasure_request_is_carried_out_from_its_page(owner_client):
    customer = Customer.objects.create_user("ana@example.com", "pw-ana-12345", first_name="Ana")
    request = receive(kind="erasure")

    response = owner_client.post(
        reverse("dashboard:privacy-request-act", args=[request.pk, "erase"])
    )

    customer.refresh_from_db()
    request.refresh_from_db()
    assert response.status_code == 302
    assert customer.email == f"erased-{customer.pk}@invalid" and customer.first_name == ""
    assert request.status == "done"
    assert (
        owner_client.get(reverse("dashboard:privacy-request-detail", args=[request.pk])).status_code
        == 200
    )


def test_ccpa_receipt_confirmation_is_recorded(owner_client):
    request = receive(law="ccpa", kind="access")

    owner_client.post(reverse("dashboard:privacy-request-act", args=[request.pk, "acknowledge"]))

    request.refresh_from_db()
    assert request.acknowledged_at is not None


def test_retention_periods_are_edited_under_settings(owner_client):
    page = owner_client.get(reverse("dashboard:settings"))
    assert reverse("dashboard:settings-privacy") in page.content.decode()

    response = owner_client.post(
        reverse("dashboard:settings-privacy"),
        {
            "events": "30",
            "abandoned_carts": "90",
            "import_files": "30",
            "closed_privacy_requests": "1095",
        },
    )
    refused = owner_client.post(
        reverse("dashboard:settings-privacy"),
        {
            "events": "0",
            "abandoned_carts": "90",
            "import_files": "30",
            "closed_privacy_requests": "1095",
        },
    )

    assert response.status_code == 302
    assert list(RetentionRule.objects.values_list("category", "days")) == [("events", 30)]
    assert refused.status_code == 400


def test_the_nav_links_to_the_queue(owner_client):
    body = owner_client.get(reverse("dashboard:home")).content.decode()

    assert reverse("dashboard:privacy-requests") in body


@pytest.mark.parametrize("permissions", [(), ("orders", "settings")])
def test_staff_without_the_customers_area_get_403_everywhere(staff_client_with, permissions):
    client = staff_client_with(*permissions)
    customer = Customer.objects.create_user("ana@example.com", "pw-ana-12345")
    request = receive(kind="erasure")
    gets = [
        reverse("dashboard:privacy-requests"),
        reverse("dashboard:privacy-request-create"),
        reverse("dashboard:privacy-request-detail", args=[request.pk]),
        reverse("dashboard:privacy-request-export", args=[request.pk]),
        reverse("dashboard:privacy-customer-export", args=[customer.pk]),
    ]
    posts = [reverse("dashboard:privacy-request-create")] + [
        reverse("dashboard:privacy-request-act", args=[request.pk, action])
        for action in ("extend", "refuse", "complete", "erase", "acknowledge")
    ]

    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"reason": "x", "outcome": "x"}).status_code == 403, url
    customer.refresh_from_db()
    request.refresh_from_db()
    assert customer.email == "ana@example.com" and request.status == "open"
    assert not AuditEvent.objects.filter(verb="customer.data_exported").exists()


def test_retention_settings_need_the_settings_area(staff_client_with):
    client = staff_client_with("customers")

    assert client.get(reverse("dashboard:settings-privacy")).status_code == 403
    assert client.post(reverse("dashboard:settings-privacy"), {"events": "1"}).status_code == 403
    assert client.get(reverse("dashboard:privacy-requests")).status_code == 200
    assert not RetentionRule.objects.exists()
