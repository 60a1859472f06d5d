"""API tokens and webhook subscriptions from the dashboard: secrets shown once, scopes and
events chosen by checkbox, revoking, pausing, deleting, the delivery log and re-delivery."""

from __future__ import annotations

import re

import pytest

from freehold.api.models import ApiToken
from freehold.api.services import api_token_authenticate
from freehold.core import crypto
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.webhooks.models import WebhookDelivery, WebhookSubscription
from freehold.webhooks.services import subscription_create, webhook_emit
from tests.factories import make_store_settings

pytestmark = pytest.mark.django_db
STAFF = Actor.system("test")


def test_a_new_api_token_is_shown_once_works_and_can_be_revoked(owner_client):
    # When the owner creates a token for the warehouse with two scopes
    response = owner_client.post(
        "/dashboard/settings/api-tokens/",
        {"name": "Warehouse", "scopes": ["orders:read", "products:write"]},
    )

    # Then the answer shows its secret, which authenticates as that token
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    secret = re.search(r'value="(fh_[0-9a-f]+_[0-9a-f]+)"', response.content.decode()).group(1)
    token = api_token_authenticate(secret)
    assert token is not None and token.scopes == ["orders:read", "products:write"]

    # And the list never shows the secret again
    listing = owner_client.get("/dashboard/settings/api-tokens/").content.decode()
    assert "Warehouse" in listing and secret not in listing
    assert f"fh_{token.key}_" in listing

    # When it is revoked, then it no longer authenticates
    response = owner_client.post(f"/dashboard/settings/api-tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert api_token_authenticate(secret) is None
    assert "Revoked" in owner_client.get("/dashboard/settings/api-tokens/").content.decode()
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"api_token.created", "api_token.revoked"} <= verbs


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "", "scopes": ["orders:read"]}, "name"),
        ({"name": "ERP", "scopes": []}, "scopes"),
        ({"name": "ERP", "scopes": ["orders:read", "root"]}, "scopes"),
    ],
)
def test_bad_api_tokens_are_refused_naming_the_field(owner_client, data, field):
    response = owner_client.post("/dashboard/settings/api-tokens/", data)
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_webhook_subscription_is_created_with_its_secret_shown_once(owner_client):
    response = owner_client.post(
        "/dashboard/settings/webhooks/",
        {"url": "https://erp.example.com/hooks", "events": ["order.paid", "inventory.low"]},
    )
    assert response.status_code == 200
    page = response.content.decode()
    secret = re.search(r'value="(whsec_[0-9a-f]+)"', page).group(1)
    subscription = WebhookSubscription.objects.get()
    assert crypto.decrypt(subscription.secret_encrypted) == secret
    assert subscription.events == ["inventory.low", "order.paid"]
    assert "hmac.compare_digest" in page  # the verification snippet
    detail = owner_client.get(f"/dashboard/settings/webhooks/{subscription.pk}/").content.decode()
    assert secret not in detail


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"url": "ftp://erp.example.com/", "events": ["order.paid"]}, "url"),
        ({"url": "not a url at all", "events": ["order.paid"]}, "url"),
        ({"url": "https://erp.example.com/", "events": []}, "events"),
        ({"url": "https://erp.example.com/", "events": ["order.exploded"]}, "events"),
    ],
)
def test_bad_webhook_subscriptions_are_refused_naming_the_field(owner_client, data, field):
    response = owner_client.post("/dashboard/settings/webhooks/", data)
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not WebhookSubscription.objects.exists()


def test_a_subscription_is_edited_paused_resumed_and_deleted(owner_client):
    subscription, _secret = subscription_create(
        url="https://erp.example.com/hooks", events=["order.paid"], actor=STAFF
    )
    base = f"/dashboard/settings/webhooks/{subscription.pk}/"

    # Edit
    response = owner_client.post(
        base, {"url": "https://erp.example.com/v2", "events": ["order.paid", "order.refunded"]}
    )
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert subscription.url == "https://erp.example.com/v2"
    assert subscription.events == ["order.paid", "order.refunded"]

    # A bad edit names the field and changes nothing
    response = owner_client.post(base, {"url": "https://erp.example.com/v3", "events": []})
    assert response.status_code == 400
    assert 'id="id_events-error"' in response.content.decode()

    # Pause: no deliveries recorded; resume: recorded again
    owner_client.post(base + "active/", {"active": "0"})
    assert webhook_emit("order.paid", {"id": 1}) == []
    assert "Paused" in owner_client.get(base).content.decode()
    owner_client.post(base + "active/", {"active": "1"})
    assert len(webhook_emit("order.paid", {"id": 2})) == 1

    # Delete
    response = owner_client.post(base + "delete/")
    assert response.status_code == 302
    assert not WebhookSubscription.objects.exists()
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    assert verbs.count("webhook.updated") == 3 and "webhook.deleted" in verbs


def test_the_delivery_log_shows_attempts_and_redelivers(
    owner_client, django_assert_max_num_queries
):
    # Given a subscription with 30 deliveries, one of which failed for good
    make_store_settings(name="Northwind")
    subscription, _secret = subscription_create(
        url="https://erp.example.com/hooks", events=["order.paid"], actor=STAFF
    )
    for number in range(30):
        webhook_emit("order.paid", {"id": number})
    failed = WebhookDelivery.objects.order_by("id").first()
    WebhookDelivery.objects.filter(pk=failed.pk).update(
        status=WebhookDelivery.Status.FAILED,
        attempts=8,
        last_status_code=503,
        last_duration_ms=87,
        last_error="HTTP 503",
    )

    # When the owner opens the subscription, then the log is read in constant queries
    with django_assert_max_num_queries(6):
        page = owner_client.get(f"/dashboard/settings/webhooks/{subscription.pk}/").content.decode()
    assert page.count("Re-deliver order.paid") == 0  # labelled by event id
    assert page.count('aria-label="Re-deliver evt_') == 30
    assert "503" in page and "87 ms" in page and "Failed" in page

    # When the failed delivery is re-delivered, then it is pending again from attempt 0
    response = owner_client.post(f"/dashboard/settings/webhooks/deliveries/{failed.pk}/redeliver/")
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts) == (WebhookDelivery.Status.PENDING, 0)
    assert AuditEvent.objects.filter(verb="webhook.redelivered").exists()
