"""API tokens for the staff (admin) API: shown once, stored as a digest, limited by scopes."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models

from freehold.core import clock

SCOPES = (
    ("orders:read", "Read orders"),
    ("orders:write", "Fulfil, refund and cancel orders"),
    ("products:read", "Read products, variants and stock"),
    ("products:write", "Create and edit products, variants and stock"),
    ("customers:read", "Read customers"),
    ("customers:write", "Create and edit customers"),
    ("discounts:read", "Read discount codes"),
    ("discounts:write", "Create, edit and pause discount codes"),
    ("webhooks:read", "Read webhook subscriptions and deliveries"),
    ("webhooks:write", "Create, edit and delete webhook subscriptions"),
    ("vendors:read", "Read marketplace vendors, their verification state, payouts, sub-orders"),
    ("vendors:write", "Approve or reject vendors' submitted verification information"),
)
TOKEN_PREFIX = "fh_"


def digest_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret() -> str:
    """`fh_<key>_<secret>`: the key finds the row, the secret is checked against its digest."""
    return f"{TOKEN_PREFIX}{secrets.token_hex(6)}_{secrets.token_hex(32)}"


class ApiToken(models.Model):
    name = models.CharField(max_length=100, help_text="What uses it: “ERP sync”, “Warehouse”.")
    key = models.CharField(max_length=32, unique=True, editable=False)
    digest = models.CharField(max_length=64, editable=False)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(default=clock.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.key})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
