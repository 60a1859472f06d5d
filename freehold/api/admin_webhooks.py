"""Admin API, webhook subscriptions: list, one, create (the signing secret in the answer), edit,
delete, the delivery log, re-delivery (`webhooks:read`, `webhooks:write`).

The secret is stored encrypted and shown in the answer that creates the subscription; a retry of
that request with the same `Idempotency-Key` is the same creation and gets the same answer, secret
included. No other answer carries it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status

from freehold.api.conventions import DEFAULT_LIMIT, MAX_LIMIT, OneOf, page_by_key
from freehold.api.staff import (
    ERRORS,
    IDEMPOTENCY,
    absent,
    actor_of,
    admin_router,
    changes_of,
    create_once,
    scope,
)
from freehold.core import crypto
from freehold.core.errors import NotFound
from freehold.webhooks import services as webhooks
from freehold.webhooks.models import EVENTS, WebhookDelivery, WebhookSubscription

router = admin_router("webhooks")
DeliveryStatus = Annotated[str, OneOf(WebhookDelivery.Status)]

Event = Annotated[
    str,
    Field(
        max_length=64,
        json_schema_extra={"enum": [code for code, _ in EVENTS]},
        description="; ".join(f"`{code}`: {label}" for code, label in EVENTS),
    ),
]


class SubscriptionOut(Schema):
    id: int
    url: str
    events: list[str]
    is_active: bool
    created_at: dt.datetime


class SubscriptionCreatedOut(SubscriptionOut):
    secret: str = Field(
        ...,
        description="Verifies the `Freehold-Signature` header of every delivery. Keep it: "
        "only this answer shows it.",
    )


class SubscriptionPage(Schema):
    items: list[SubscriptionOut]
    next_cursor: str | None = None


class DeliveryOut(Schema):
    id: int
    subscription_id: int
    event: str
    event_id: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: dt.datetime
    last_status_code: int | None
    last_duration_ms: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None
    payload: dict[str, Any] = Field(..., description="The JSON body POSTed to the receiver.")


class DeliveryPage(Schema):
    items: list[DeliveryOut]
    next_cursor: str | None = None


class ListParameters(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)


class SubscriptionFilters(ListParameters):
    is_active: bool | None = None


class DeliveryFilters(ListParameters):
    status: DeliveryStatus | None = None


def _out(subscription: WebhookSubscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=subscription.pk,
        url=subscription.url,
        events=list(subscription.events),
        is_active=subscription.is_active,
        created_at=subscription.created_at,
    )


def _delivery_out(delivery: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut(
        id=delivery.pk,
        subscription_id=delivery.subscription_id,
        event=delivery.event,
        event_id=delivery.event_id,
        status=delivery.status,
        attempts=delivery.attempts,
        next_attempt_at=delivery.next_attempt_at,
        last_status_code=delivery.last_status_code,
        last_duration_ms=delivery.last_duration_ms,
        last_error=delivery.last_error,
        created_at=delivery.created_at,
        delivered_at=delivery.delivered_at,
        payload=dict(delivery.payload or {}),
    )


def _subscription(subscription_id: int) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound("No webhook subscription has this id.", field="subscription_id")
    return subscription


@router.get(
    "/admin/webhooks",
    response={200: SubscriptionPage, **ERRORS},
    summary="List subscriptions",
    auth=scope("webhooks:read"),
)
def list_subscriptions(
    request: HttpRequest, filters: Query[SubscriptionFilters]
) -> SubscriptionPage:
    """Newest first. Scope `webhooks:read`."""
    subscriptions: QuerySet[WebhookSubscription] = WebhookSubscription.objects.all()
    if filters.is_active is not None:
        subscriptions = subscriptions.filter(is_active=filters.is_active)
    rows, next_cursor = page_by_key(subscriptions, limit=filters.limit, cursor=filters.cursor)
    return SubscriptionPage(items=[_out(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/admin/webhooks/{subscription_id}",
    response={200: SubscriptionOut, **ERRORS},
    summary="A subscription",
    auth=scope("webhooks:read"),
)
def get_subscription(request: HttpRequest, subscription_id: int) -> SubscriptionOut:
    """Without its secret. Scope `webhooks:read`."""
    return _out(_subscription(subscription_id))


class SubscriptionIn(Schema):
    url: str = Field(..., min_length=1, max_length=2048, description="https:// receiver.")
    events: list[Event] = Field(..., min_length=1, max_length=len(EVENTS))


class SubscriptionPatch(Schema):
    """Only the fields sent change; the secret never does."""

    url: str = Field(default_factory=absent, min_length=1, max_length=2048)
    events: list[Event] = Field(default_factory=absent, min_length=1, max_length=len(EVENTS))
    is_active: bool = Field(
        default_factory=absent, description="false pauses: no new deliveries are recorded."
    )


@router.post(
    "/admin/webhooks",
    response={201: SubscriptionCreatedOut, **ERRORS},
    summary="Subscribe a URL to events (Idempotency-Key required)",
    auth=scope("webhooks:write"),
)
def create_subscription(
    request: HttpRequest, data: SubscriptionIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `webhooks:write`. The answer holds the signing secret."""
    actor = actor_of(request)

    def create() -> int:
        subscription, _secret = webhooks.subscription_create(
            url=data.url.strip(), events=list(data.events), actor=actor
        )
        return subscription.pk

    subscription_id = create_once(
        request, kind="webhook", key=idempotency_key, data=data, create=create
    )
    subscription = _subscription(subscription_id)
    return Status(
        201,
        SubscriptionCreatedOut(
            **_out(subscription).model_dump(),
            secret=crypto.decrypt(subscription.secret_encrypted),
        ),
    )


@router.patch(
    "/admin/webhooks/{subscription_id}",
    response={200: SubscriptionOut, **ERRORS},
    summary="Edit a subscription",
    auth=scope("webhooks:write"),
)
def update_subscription(
    request: HttpRequest, subscription_id: int, data: SubscriptionPatch
) -> SubscriptionOut:
    """Scope `webhooks:write`. Change the URL, the events, or pause and resume."""
    actor = actor_of(request)
    subscription = _subscription(subscription_id)
    changes = changes_of(data)
    if "url" in changes:
        changes["url"] = changes["url"].strip()
    if changes:
        webhooks.subscription_update(subscription=subscription, actor=actor, **changes)
    return _out(_subscription(subscription_id))


@router.delete(
    "/admin/webhooks/{subscription_id}",
    response={204: None, **ERRORS},
    summary="Delete a subscription",
    auth=scope("webhooks:write"),
)
def delete_subscription(request: HttpRequest, subscription_id: int) -> Status:
    """Scope `webhooks:write`. Its delivery log goes with it; pending deliveries are not sent."""
    actor = actor_of(request)
    webhooks.subscription_delete(subscription=_subscription(subscription_id), actor=actor)
    return Status(204, None)


@router.get(
    "/admin/webhooks/{subscription_id}/deliveries",
    response={200: DeliveryPage, **ERRORS},
    summary="A subscription's deliveries",
    auth=scope("webhooks:read"),
)
def list_deliveries(
    request: HttpRequest, subscription_id: int, filters: Query[DeliveryFilters]
) -> DeliveryPage:
    """Every attempt's outcome: status code, time taken, error; newest first.
    Scope `webhooks:read`."""
    deliveries = WebhookDelivery.objects.filter(subscription=_subscription(subscription_id))
    if filters.status:
        deliveries = deliveries.filter(status=filters.status)
    rows, next_cursor = page_by_key(deliveries, limit=filters.limit, cursor=filters.cursor)
    return DeliveryPage(items=[_delivery_out(row) for row in rows], next_cursor=next_cursor)


@router.post(
    "/admin/webhook-deliveries/{delivery_id}/redeliver",
    response={200: DeliveryOut, **ERRORS},
    summary="Deliver again",
    auth=scope("webhooks:write"),
)
def redeliver(request: HttpRequest, delivery_id: int) -> DeliveryOut:
    """Scope `webhooks:write`. Queued to be sent again from the first try (same event id, so a
    receiver that did get it can tell); `freehold worker` sends it."""
    actor = actor_of(request)
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None:
        raise NotFound("No webhook delivery has this id.", field="delivery_id")
    return _delivery_out(webhooks.delivery_redeliver(delivery=delivery, actor=actor))
