"""Managing subscriptions: change, pause and delete them, each audit-logged, bad input named."""

from __future__ import annotations

import pytest

from freehold.core import crypto
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from freehold.webhooks.models import WebhookDelivery, WebhookSubscription
from freehold.webhooks.services import (
    subscription_create,
    subscription_delete,
    subscription_update,
    webhook_emit,
)

pytestmark = pytest.mark.django_db
STAFF = Actor.system("test")


def make_subscription(events: list[str] | None = None) -> tuple[WebhookSubscription, str]:
    return subscription_create(
        url="https://hooks.example.com/in", events=events or ["order.created"], actor=STAFF
    )


def test_update_changes_url_and_events_keeps_the_secret_and_is_audited():
    # Given a subscription
    subscription, secret = make_subscription()

    # When its URL and events change
    subscription_update(
        subscription=subscription,
        actor=STAFF,
        url="https://other.example.com/hook",
        events=["product.updated", "order.paid", "order.paid"],
    )

    # Then they are stored (events de-duplicated and sorted), the secret is the same
    stored = WebhookSubscription.objects.get(pk=subscription.pk)
    assert stored.url == "https://other.example.com/hook"
    assert stored.events == ["order.paid", "product.updated"]
    assert crypto.decrypt(stored.secret_encrypted) == secret
    event = AuditEvent.objects.get(verb="webhook.updated")
    assert event.object_id == str(subscription.pk)
    assert event.data == {
        "url": "https://other.example.com/hook",
        "events": ["order.paid", "product.updated"],
    }


def test_a_paused_subscription_hears_no_events_until_resumed():
    # Given a paused subscription to orders created
    subscription, _secret = make_subscription()
    subscription_update(subscription=subscription, actor=STAFF, is_active=False)

    # When an event is emitted, then nothing is recorded for it
    assert webhook_emit("order.created", {"id": 1}) == []

    # When it is resumed, then the next event is recorded
    subscription_update(subscription=subscription, actor=STAFF, is_active=True)
    assert len(webhook_emit("order.created", {"id": 2})) == 1
    assert AuditEvent.objects.filter(verb="webhook.updated").count() == 2


def test_an_update_that_changes_nothing_writes_nothing():
    subscription, _secret = make_subscription()

    subscription_update(
        subscription=subscription, actor=STAFF, url=subscription.url, events=["order.created"]
    )

    assert not AuditEvent.objects.filter(verb="webhook.updated").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"url": "ftp://hooks.example.com/"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "https://exa mple.com/"}, "url"),
        ({"events": []}, "events"),
        ({"events": ["order.created", "order.exploded"]}, "events"),
    ],
)
def test_update_refuses_bad_input_naming_the_field(changes, field):
    # Given a subscription
    subscription, _secret = make_subscription()

    # When it is changed with a bad value, then the error names the field
    with pytest.raises(ValidationFailed) as refused:
        subscription_update(subscription=subscription, actor=STAFF, **changes)
    assert refused.value.field == field

    # And nothing changed
    stored = WebhookSubscription.objects.get(pk=subscription.pk)
    assert (stored.url, stored.events) == ("https://hooks.example.com/in", ["order.created"])


def test_create_refuses_a_malformed_url_naming_the_field():
    with pytest.raises(ValidationFailed) as refused:
        subscription_create(url="https://", events=["order.created"], actor=STAFF)
    assert refused.value.field == "url"


def test_delete_removes_the_subscription_and_its_log_and_is_audited():
    # Given a subscription with a recorded delivery
    subscription, _secret = make_subscription()
    webhook_emit("order.created", {"id": 1})
    assert WebhookDelivery.objects.count() == 1

    # When it is deleted
    subscription_delete(subscription=subscription, actor=STAFF)

    # Then it and its deliveries are gone, and the audit log says who and what
    assert not WebhookSubscription.objects.exists()
    assert not WebhookDelivery.objects.exists()
    event = AuditEvent.objects.get(verb="webhook.deleted")
    assert event.data == {"url": "https://hooks.example.com/in", "events": ["order.created"]}
