"""Admin API, webhook subscriptions: the secret in the creating answer only, edits, deletion,
the delivery log and re-delivery."""

from __future__ import annotations

import pytest

from freehold.core import crypto
from freehold.core.models import AuditEvent
from freehold.webhooks.models import WebhookDelivery, WebhookSubscription
from freehold.webhooks.services import subscription_create, webhook_emit
from tests.api.admin_client import STAFF, call, token

pytestmark = pytest.mark.django_db

HOOK = {"url": "https://erp.example.com/hooks", "events": ["order.paid", "customer.created"]}


def subscription(url: str = "https://hooks.example.com/in", events=("order.created",)):
    return subscription_create(url=url, events=list(events), actor=STAFF)[0]


def test_a_subscription_is_created_once_per_key_and_only_that_answer_holds_the_secret():
    writer = token("webhooks:write", "webhooks:read")

    first = call("post", "/api/v1/admin/webhooks", writer, HOOK, HTTP_IDEMPOTENCY_KEY="w-1")
    again = call("post", "/api/v1/admin/webhooks", writer, HOOK, HTTP_IDEMPOTENCY_KEY="w-1")
    reused = call(
        "post",
        "/api/v1/admin/webhooks",
        writer,
        {**HOOK, "events": ["order.paid"]},
        HTTP_IDEMPOTENCY_KEY="w-1",
    )
    read = call("get", f"/api/v1/admin/webhooks/{first.json()['id']}", writer)

    assert (first.status_code, again.status_code, reused.status_code) == (201, 201, 409)
    body = first.json()
    assert (body["url"], body["events"], body["is_active"]) == (
        HOOK["url"],
        ["customer.created", "order.paid"],
        True,
    )
    stored = WebhookSubscription.objects.get()
    assert body["secret"] == again.json()["secret"] == crypto.decrypt(stored.secret_encrypted)
    assert body["secret"].startswith("whsec_")
    assert read.status_code == 200 and "secret" not in read.json()
    assert body["secret"] not in str(call("get", "/api/v1/admin/webhooks", writer).json())
    assert AuditEvent.objects.get(verb="webhook.subscribed").actor_label == "Warehouse"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"url": "ftp://example.com/in", "events": ["order.paid"]}, 400, "url"),
        ({"url": "https://example.com/in", "events": ["order.lost"]}, 400, "events"),
        ({"url": "https://example.com/in", "events": []}, 422, "events"),
        ({"events": ["order.paid"]}, 422, "url"),
    ],
)
def test_bad_subscriptions_are_refused_naming_the_field(body, status, field):
    response = call(
        "post", "/api/v1/admin/webhooks", token("webhooks:write"), body, HTTP_IDEMPOTENCY_KEY="k"
    )

    assert (response.status_code, response.json()["error"]["field"]) == (status, field)
    assert not WebhookSubscription.objects.exists()


def test_subscriptions_are_listed_edited_paused_and_deleted():
    erp = subscription("https://erp.example.com/in")
    paused = subscription("https://old.example.com/in")
    paused.is_active = False
    paused.save()
    writer = token("webhooks:read", "webhooks:write")
    path = f"/api/v1/admin/webhooks/{erp.pk}"

    listed = call("get", "/api/v1/admin/webhooks", writer).json()["items"]
    active = call("get", "/api/v1/admin/webhooks?is_active=true", writer).json()["items"]
    edited = call("patch", path, writer, {"events": ["product.updated"], "is_active": False})
    bad = call("patch", path, writer, {"url": "mailto:someone@example.com"})
    deleted = call("delete", path, writer)
    gone = call("get", path, writer)

    assert [item["url"] for item in listed] == [paused.url, erp.url]
    assert [item["id"] for item in active] == [erp.pk]
    assert (edited.status_code, edited.json()["events"], edited.json()["is_active"]) == (
        200,
        ["product.updated"],
        False,
    )
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "url")
    assert (deleted.status_code, gone.status_code) == (204, 404)
    assert {"webhook.updated", "webhook.deleted"} <= set(
        AuditEvent.objects.values_list("verb", flat=True)
    )


def test_deliveries_are_listed_with_their_outcome_and_delivered_again():
    hook = subscription(events=["order.created"])
    delivery = webhook_emit("order.created", {"number": "1001"})[0]
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.FAILED, attempts=8, last_status_code=500
    )
    writer = token("webhooks:read", "webhooks:write")

    listed = call("get", f"/api/v1/admin/webhooks/{hook.pk}/deliveries", writer)
    failed = call("get", f"/api/v1/admin/webhooks/{hook.pk}/deliveries?status=failed", writer)
    pending = call("get", f"/api/v1/admin/webhooks/{hook.pk}/deliveries?status=pending", writer)
    again = call("post", f"/api/v1/admin/webhook-deliveries/{delivery.pk}/redeliver", writer)
    missing = call("post", "/api/v1/admin/webhook-deliveries/999999/redeliver", writer)

    item = listed.json()["items"][0]
    assert (item["event"], item["status"], item["last_status_code"], item["attempts"]) == (
        "order.created",
        "failed",
        500,
        8,
    )
    assert item["payload"]["data"] == {"number": "1001"}
    assert (len(failed.json()["items"]), len(pending.json()["items"])) == (1, 0)
    assert again.status_code == 200
    assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    assert again.json()["event_id"] == delivery.event_id
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "delivery_id")


def test_webhooks_need_their_scopes():
    hook = subscription()
    delivery = webhook_emit("order.created", {"number": "1001"})[0]
    reader = token("webhooks:read")
    other = token("orders:read")
    path = f"/api/v1/admin/webhooks/{hook.pk}"

    assert call("get", "/api/v1/admin/webhooks", other).status_code == 403
    assert call("get", path, other).status_code == 403
    assert call("get", f"{path}/deliveries", other).status_code == 403
    created = call("post", "/api/v1/admin/webhooks", reader, HOOK, HTTP_IDEMPOTENCY_KEY="k")
    assert created.status_code == 403
    assert call("patch", path, reader, {"is_active": False}).status_code == 403
    assert call("delete", path, reader).status_code == 403
    redelivered = call("post", f"/api/v1/admin/webhook-deliveries/{delivery.pk}/redeliver", reader)
    assert redelivered.status_code == 403
    assert WebhookSubscription.objects.get().is_active
