"""Run a request's work at most once per client-chosen key, and replay its answer on retries.

A shopper double-clicking "Pay", a phone losing its connection after submitting, an API client
retrying a timed-out POST: each sends the same request again with the same key. The first call
claims the key (a row with a unique (scope, key) constraint, inserted in its own short
transaction so concurrent duplicates see it), runs the work and stores what it returned; later
calls get that stored response back instead of a second order or a second charge.

Call `run_idempotent` outside any transaction (in autocommit): a claim made inside a caller's
transaction stays invisible to concurrent duplicates until that transaction commits, and waiting
for another request's result inside a transaction would hold locks (on SQLite, the write lock).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from collections.abc import Callable, Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, IntegrityError, connection, transaction

from freehold.core import clock
from freehold.core.errors import FreeholdError, ValidationFailed
from freehold.core.models import IdempotencyKey

logger = logging.getLogger(__name__)

KEY_FIELD = "Idempotency-Key"
KEY_MAX_LENGTH = 255
# A claim this old without an answer belongs to a process that died: a retry may take it over.
STALE_AFTER = dt.timedelta(minutes=5)
POLL_INTERVAL_SECONDS = 0.05


class IdempotencyKeyReused(FreeholdError):
    """The key was already used for a different request: a client bug, never retried as is."""

    code = "idempotency_key_reused"


class IdempotencyInProgress(FreeholdError):
    """Another request with this key is still running: answer 409 and let the client retry."""

    code = "in_progress"


@dataclass(frozen=True)
class IdempotentResult:
    response: dict[str, Any]
    replayed: bool


def fingerprint_of(data: Mapping[str, Any] | str | bytes) -> str:
    """SHA-256 hex of a request's content, so a key reused for another request is noticed.

    Mappings are hashed as canonical JSON (sorted keys, compact), so key order does not matter;
    a QueryDict keeps all values of repeated fields. Leave out fields that change between honest
    retries (CSRF tokens) before fingerprinting.
    """
    if isinstance(data, bytes):
        content = data
    elif isinstance(data, str):
        content = data.encode()
    else:
        lists = getattr(data, "lists", None)
        plain = dict(lists()) if callable(lists) else dict(data)
        content = json.dumps(
            plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
        ).encode()
    return hashlib.sha256(content).hexdigest()


def validate_key(key: str) -> None:
    """Keys come from clients: bounded printable ASCII, as an HTTP header value can carry."""
    if not isinstance(key, str) or not 1 <= len(key) <= KEY_MAX_LENGTH:
        raise ValidationFailed(
            f"{KEY_FIELD} must be 1 to {KEY_MAX_LENGTH} characters long.", field=KEY_FIELD
        )
    if not (key.isascii() and key.isprintable()) or not key.strip():
        raise ValidationFailed(f"{KEY_FIELD} must be printable ASCII text.", field=KEY_FIELD)


def run_idempotent(
    *,
    scope: str,
    key: str,
    fingerprint: str,
    operation: Callable[[], dict[str, Any]],
    wait_seconds: float = 2.0,
    atomic: bool = False,
) -> IdempotentResult:
    """Run `operation` once for (scope, key); replay its stored response on later calls.

    A duplicate arriving while the first call still runs waits up to `wait_seconds` for its
    answer (only outside a transaction), then raises `IdempotencyInProgress`. A failed operation
    leaves the key free: a stored failure must not block an honest retry.

    `atomic=True` runs the operation and the storing of its response in one transaction (the
    operation then opens none of its own): the work and the key's "succeeded" commit together,
    so there is no moment where the work is done but the key still says "in progress", and it
    saves the separate commit.
    """
    validate_key(key)
    deadline = time.monotonic() + wait_seconds
    while True:
        claimed, row = _claim(scope=scope, key=key, fingerprint=fingerprint)
        if row is None:  # the row vanished between our insert and our read: claim again
            continue
        if claimed:
            return _execute(row_id=row.pk, operation=operation, atomic=atomic)
        if row.fingerprint != fingerprint:
            raise IdempotencyKeyReused(
                f"{KEY_FIELD} {key!r} was already used for a different request.", field=KEY_FIELD
            )
        if row.status == IdempotencyKey.Status.SUCCEEDED:
            return IdempotentResult(response=row.response, replayed=True)
        if connection.in_atomic_block or time.monotonic() >= deadline:
            raise IdempotencyInProgress(
                f"A request with {KEY_FIELD} {key!r} is still in progress; retry shortly.",
                field=KEY_FIELD,
            )
        time.sleep(POLL_INTERVAL_SECONDS)


def _claim(*, scope: str, key: str, fingerprint: str) -> tuple[bool, IdempotencyKey | None]:
    """Insert the key as in progress, or take over a failed or stale claim; say whether we own it.

    The unique constraint decides races: an IntegrityError means someone else holds the key.
    Take-overs are conditional updates, so of two retries taking over the same row only one wins.
    """
    moment = clock.now()
    try:
        # In autocommit the INSERT is its own transaction (no BEGIN/COMMIT round trips); inside
        # a caller's transaction a savepoint keeps a duplicate key from breaking it.
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            row = IdempotencyKey.objects.create(
                scope=scope,
                key=key,
                fingerprint=fingerprint,
                status=IdempotencyKey.Status.IN_PROGRESS,
                created_at=moment,
                updated_at=moment,
            )
        return True, row
    except IntegrityError:
        pass
    found = IdempotencyKey.objects.filter(scope=scope, key=key).first()
    if found is None:
        return False, None
    stale_before = moment - STALE_AFTER
    claimable = IdempotencyKey.objects.filter(pk=found.pk)
    if found.status == IdempotencyKey.Status.FAILED:
        # Nothing was stored for a failed attempt, so the key is free, even for another request.
        claimable = claimable.filter(status=IdempotencyKey.Status.FAILED)
    elif (
        found.status == IdempotencyKey.Status.IN_PROGRESS
        and found.fingerprint == fingerprint
        and found.updated_at < stale_before
    ):
        claimable = claimable.filter(
            status=IdempotencyKey.Status.IN_PROGRESS, updated_at__lt=stale_before
        )
    else:
        return False, found
    taken = claimable.update(
        status=IdempotencyKey.Status.IN_PROGRESS,
        fingerprint=fingerprint,
        response={},
        updated_at=moment,
    )
    if taken:
        return True, found
    return False, IdempotencyKey.objects.filter(pk=found.pk).first()


def _execute(
    *, row_id: int, operation: Callable[[], dict[str, Any]], atomic: bool = False
) -> IdempotentResult:
    def succeeded(response: dict[str, Any]) -> None:
        IdempotencyKey.objects.filter(pk=row_id).update(
            status=IdempotencyKey.Status.SUCCEEDED, response=response, updated_at=clock.now()
        )

    try:
        if atomic:
            with transaction.atomic():
                response = operation()
                succeeded(response)
            return IdempotentResult(response=response, replayed=False)
        response = operation()
    except Exception:
        _mark_failed(row_id)
        raise
    succeeded(response)
    return IdempotentResult(response=response, replayed=False)


def _mark_failed(row_id: int) -> None:
    """Free the key for a retry; if even that fails, the claim frees itself once stale."""
    try:
        IdempotencyKey.objects.filter(pk=row_id).update(
            status=IdempotencyKey.Status.FAILED, response={}, updated_at=clock.now()
        )
    except DatabaseError:
        logger.exception("could not mark idempotency key %s as failed", row_id)
