from __future__ import annotations

from django.db import models

from freehold.core import clock


class AuditEvent(models.Model):
    """Who did what to which object, and when: every state transition and staff action."""

    class ActorKind(models.TextChoices):
        STAFF = "staff"
        CUSTOMER = "customer"
        SYSTEM = "system"
        API_TOKEN = "api_token"

    actor_kind = models.CharField(max_length=16, choices=ActorKind.choices)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_label = models.CharField(max_length=255, blank=True)
    verb = models.CharField(max_length=64)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["object_type", "object_id", "created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return (
            f"{self.actor_label or self.actor_kind} {self.verb} {self.object_type}:{self.object_id}"
        )


class IdempotencyKey(models.Model):
    """A client-chosen key remembering what the first request with it returned.

    Retried submissions (double clicks, flaky networks, API clients retrying) replay the stored
    response instead of doing the work twice; see `freehold.core.idempotency`.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    scope = models.CharField(max_length=64)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    response = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="core_idempotencykey_scope_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.key} ({self.status})"


class ScheduledJob(models.Model):
    """When a periodic job (nightly scores, retention purges) last ran: see core.schedule."""

    name = models.CharField(max_length=64, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name
