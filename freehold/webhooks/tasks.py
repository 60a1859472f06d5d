"""The task that sends one delivery after the emitting transaction commits."""

from __future__ import annotations

from django_tasks import task

from freehold.webhooks.services import delivery_attempt


@task()
def deliver_webhook(delivery_id: int) -> bool:
    return delivery_attempt(delivery_id) is not None
