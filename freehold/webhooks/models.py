"""Who wants to hear about what, and every attempt to tell them."""

from __future__ import annotations

from django.db import models

from freehold.core import clock

EVENTS = (
    ("order.created", "Order created"),
    ("order.paid", "Order paid"),
    ("order.fulfilled", "Order fulfilled (a parcel shipped)"),
    ("order.refunded", "Order refunded"),
    ("product.updated", "Product created or updated"),
    ("inventory.low", "A variant's stock fell to its low-stock threshold"),
    ("customer.created", "Customer account created"),
)


class WebhookSubscription(models.Model):
    url = models.URLField(max_length=2048, help_text="Where to POST the events (https).")
    events = models.JSONField(default=list)
    # Encrypted at rest (core.crypto); the receiver verifies signatures with the plain value.
    secret_encrypted = models.TextField(editable=False)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.url


class WebhookDelivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed (gave up)"

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.CharField(max_length=64)
    event_id = models.CharField(max_length=64, unique=True)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=clock.now)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="webhooks_due_idx")]

    def __str__(self) -> str:
        return f"{self.event} → {self.subscription_id} ({self.status})"
