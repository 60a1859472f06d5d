"""Emitting events, delivering them signed, retrying with backoff.

An event becomes one `WebhookDelivery` row per subscription, written in the transaction that
caused it (so a rolled-back order announces nothing), and is sent after commit by a task. A
delivery that fails is tried again after 30 s, 1, 2, 4… minutes (capped at 6 hours), eight
times in all; `freehold worker` picks up every delivery that is due, so a crash between commit
and send loses nothing. Several workers never send one delivery at once: each claims it with
`SELECT … FOR UPDATE SKIP LOCKED`.

Signature (documented in the README, with a verification snippet): header
`Freehold-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" with the
subscription's secret>`, the same scheme as Stripe's, so receivers can refuse replays by age.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import URLValidator
from django.db import transaction

from freehold.core import audit, clock, crypto, netguard
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.webhooks.models import EVENTS, WebhookDelivery, WebhookSubscription

SIGNATURE_HEADER = "Freehold-Signature"
MAX_ATTEMPTS = 8
FIRST_RETRY = dt.timedelta(seconds=30)
LONGEST_WAIT = dt.timedelta(hours=6)
TIMEOUT_SECONDS = 10
KNOWN_EVENTS = frozenset(code for code, _ in EVENTS)


def sign(*, secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def _check_url(url: str) -> None:
    if not url.startswith(("https://", "http://")):
        raise ValidationFailed("The URL must start with https:// (or http://).", field="url")
    try:
        URLValidator(schemes=["https", "http"])(url)
    except DjangoValidationError:
        raise ValidationFailed("Enter a valid URL.", field="url") from None
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return
    if host == "localhost" or host.endswith(".localhost") or _is_private(host):
        raise ValidationFailed(
            "Webhooks go to public internet addresses only, not to this server's own network.",
            field="url",
        )


def _is_private(address: str) -> bool:
    """True for a literal IP address that is not on the public internet (loopback, private,
    link-local such as cloud metadata at 169.254.169.254, reserved, multicast)."""
    return netguard.is_private_address(address)


class PrivateAddressRefused(OSError):
    pass


def _refuse_private_destination(url: str) -> None:
    """At send time, where the host name resolves now (it may have changed since the URL was
    saved): refuse if any address is not public. Redirects are not followed at all."""
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    for *_, sockaddr in socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP):
        if _is_private(str(sockaddr[0])):
            raise PrivateAddressRefused(f"refused: {host} resolves to a non-public address")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A receiver answers; it does not send our signed events elsewhere (a redirect could point
    at this server's own network). A 3xx is recorded as a failed attempt."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _check_events(events: list[str]) -> None:
    unknown = sorted(set(events) - KNOWN_EVENTS)
    if unknown or not events:
        raise ValidationFailed(
            f"Choose events from {', '.join(sorted(KNOWN_EVENTS))}.", field="events"
        )


def subscription_create(
    *, url: str, events: list[str], actor: Actor
) -> tuple[WebhookSubscription, str]:
    """A subscription and its signing secret (shown once; stored encrypted)."""
    _check_url(url)
    _check_events(events)
    secret = "whsec_" + secrets.token_hex(24)
    subscription = WebhookSubscription.objects.create(
        url=url, events=sorted(set(events)), secret_encrypted=crypto.encrypt(secret)
    )
    audit.record(actor=actor, verb="webhook.subscribed", obj=subscription, data={"url": url})
    return subscription, secret


@transaction.atomic
def subscription_update(
    *,
    subscription: WebhookSubscription,
    actor: Actor,
    url: str | None = None,
    events: list[str] | None = None,
    is_active: bool | None = None,
) -> WebhookSubscription:
    """Change what is given (None leaves a field alone); the signing secret never changes here.

    Pausing (`is_active=False`) stops new deliveries being recorded for the subscription;
    deliveries already recorded are still sent, since they describe events that happened.
    """
    changes: dict[str, Any] = {}
    if url is not None:
        _check_url(url)
        if url != subscription.url:
            changes["url"] = url
    if events is not None:
        _check_events(events)
        wanted = sorted(set(events))
        if wanted != subscription.events:
            changes["events"] = wanted
    if is_active is not None and is_active != subscription.is_active:
        changes["is_active"] = is_active
    if not changes:
        return subscription
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.save(update_fields=list(changes))
    audit.record(actor=actor, verb="webhook.updated", obj=subscription, data=changes)
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: WebhookSubscription, actor: Actor) -> None:
    """Remove the subscription with its delivery log (pending deliveries are never sent)."""
    audit.record(
        actor=actor,
        verb="webhook.deleted",
        obj=subscription,
        data={"url": subscription.url, "events": list(subscription.events)},
    )
    subscription.delete()


def webhook_emit(event: str, data: Mapping[str, Any]) -> list[WebhookDelivery]:
    """Record `event` for every active subscription to it; send after the transaction commits."""
    if event not in KNOWN_EVENTS:
        raise ValueError(f"unknown webhook event {event!r}")
    subscriptions = [
        subscription
        for subscription in WebhookSubscription.objects.filter(is_active=True)
        if event in subscription.events
    ]
    if not subscriptions:
        return []
    now = clock.now()
    deliveries = []
    for subscription in subscriptions:
        event_id = "evt_" + uuid.uuid4().hex
        payload = {"id": event_id, "type": event, "created": now.isoformat(), "data": dict(data)}
        deliveries.append(
            WebhookDelivery(
                subscription=subscription,
                event=event,
                event_id=event_id,
                payload=json.loads(json.dumps(payload, cls=DjangoJSONEncoder)),
                next_attempt_at=now,
                created_at=now,
            )
        )
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [delivery.pk for delivery in deliveries]

    def enqueue() -> None:
        from freehold.webhooks.tasks import deliver_webhook

        for delivery_id in ids:
            deliver_webhook.enqueue(delivery_id)

    transaction.on_commit(enqueue)
    return deliveries


def _backoff(attempts: int) -> dt.timedelta:
    return min(FIRST_RETRY * (2 ** max(attempts - 1, 0)), LONGEST_WAIT)


def delivery_attempt(delivery_id: int) -> WebhookDelivery | None:
    """Send one pending, due delivery now; None when another worker has it or it is not due."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True)
            .select_related("subscription")
            .filter(
                pk=delivery_id,
                status=WebhookDelivery.Status.PENDING,
                next_attempt_at__lte=clock.now(),
            )
            .first()
        )
        if delivery is None:
            return None
        _send(delivery)
        return delivery


def _send(delivery: WebhookDelivery) -> None:
    body = json.dumps(delivery.payload, separators=(",", ":")).encode()
    timestamp = int(time.time())
    secret = crypto.decrypt(delivery.subscription.secret_encrypted)
    request = urllib.request.Request(
        delivery.subscription.url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "Freehold-Webhooks/1",
            "Freehold-Webhook-Id": delivery.event_id,
            "Freehold-Event": delivery.event,
            SIGNATURE_HEADER: sign(secret=secret, timestamp=timestamp, body=body),
        },
    )
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    try:
        _refuse_private_destination(delivery.subscription.url)
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            status_code = response.status
    except urllib.error.HTTPError as failure:
        status_code, error = failure.code, f"HTTP {failure.code}"
    except (urllib.error.URLError, OSError) as failure:
        error = str(getattr(failure, "reason", failure))[:500]
    delivery.attempts += 1
    delivery.last_status_code = status_code
    delivery.last_duration_ms = round((time.monotonic() - started) * 1000)
    delivery.last_error = error
    now = clock.now()
    if status_code is not None and 200 <= status_code < 300:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = now
    elif delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.FAILED
    else:
        delivery.next_attempt_at = now + _backoff(delivery.attempts)
    delivery.save()


def webhooks_deliver_due(*, limit: int = 100) -> int:
    """Send the deliveries that are due (new ones whose task never ran, and retries)."""
    due = list(
        WebhookDelivery.objects.filter(
            status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=clock.now()
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for delivery_id in due if delivery_attempt(delivery_id) is not None)


def delivery_redeliver(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send again from the start (staff, after fixing the receiver); the event id stays."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        status=WebhookDelivery.Status.PENDING, attempts=0, next_attempt_at=clock.now()
    )
    audit.record(actor=actor, verb="webhook.redelivered", obj=delivery)
    delivery.refresh_from_db()
    return delivery
