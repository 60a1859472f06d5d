import datetime as dt
import threading
import time

import pytest
from django.db import connection
from django.http import QueryDict

from freehold.core import clock
from freehold.core.errors import ValidationFailed
from freehold.core.idempotency import (
    IdempotencyInProgress,
    IdempotencyKeyReused,
    IdempotentResult,
    fingerprint_of,
    run_idempotent,
)
from freehold.core.models import IdempotencyKey

SCOPE = "checkout.complete"
MOMENT = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)


class CountingOperation:
    def __init__(self, response: dict | None = None, error: Exception | None = None):
        self.calls = 0
        self.response = response if response is not None else {"order_number": "1001"}
        self.error = error

    def __call__(self) -> dict:
        self.calls += 1
        if self.error is not None:
            raise self.error
        return self.response


def test_fingerprint_ignores_key_order_and_tells_contents_apart():
    assert fingerprint_of({"a": 1, "b": [1, 2]}) == fingerprint_of({"b": [1, 2], "a": 1})
    assert fingerprint_of({"a": 1}) != fingerprint_of({"a": 2})
    assert fingerprint_of("body") == fingerprint_of(b"body")
    assert len(fingerprint_of(b"")) == 64


def test_fingerprint_keeps_every_value_of_a_repeated_form_field():
    assert fingerprint_of(QueryDict("tag=a&tag=b")) != fingerprint_of(QueryDict("tag=b"))


@pytest.mark.django_db
def test_first_call_runs_the_operation_and_stores_its_response():
    operation = CountingOperation()

    result = run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=operation)

    assert result == IdempotentResult(response={"order_number": "1001"}, replayed=False)
    assert operation.calls == 1
    row = IdempotencyKey.objects.get(scope=SCOPE, key="k-1")
    assert row.status == IdempotencyKey.Status.SUCCEEDED
    assert row.response == {"order_number": "1001"}


@pytest.mark.django_db
def test_a_retry_replays_the_stored_response_without_running_again():
    operation = CountingOperation()
    run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=operation)

    result = run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=operation)

    assert result == IdempotentResult(response={"order_number": "1001"}, replayed=True)
    assert operation.calls == 1


@pytest.mark.django_db
def test_the_same_key_for_a_different_request_is_refused():
    operation = CountingOperation()
    run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=operation)

    with pytest.raises(IdempotencyKeyReused) as raised:
        run_idempotent(scope=SCOPE, key="k-1", fingerprint="other", operation=operation)

    assert raised.value.code == "idempotency_key_reused"
    assert "k-1" in raised.value.message
    assert operation.calls == 1


@pytest.mark.django_db
def test_a_failed_operation_does_not_block_a_retry():
    failing = CountingOperation(error=RuntimeError("payment declined"))
    with pytest.raises(RuntimeError):
        run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=failing)
    assert IdempotencyKey.objects.get(key="k-1").status == IdempotencyKey.Status.FAILED
    succeeding = CountingOperation()

    result = run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=succeeding)

    assert result.replayed is False
    assert succeeding.calls == 1
    assert IdempotencyKey.objects.get(key="k-1").status == IdempotencyKey.Status.SUCCEEDED


@pytest.mark.django_db
def test_after_a_failure_the_key_may_carry_a_corrected_request():
    with pytest.raises(RuntimeError):
        run_idempotent(
            scope=SCOPE,
            key="k-1",
            fingerprint="f",
            operation=CountingOperation(error=RuntimeError()),
        )
    operation = CountingOperation()

    result = run_idempotent(scope=SCOPE, key="k-1", fingerprint="corrected", operation=operation)

    assert result.replayed is False
    assert IdempotencyKey.objects.get(key="k-1").fingerprint == "corrected"


@pytest.mark.django_db
def test_a_duplicate_of_a_running_request_is_told_to_retry():
    with clock.frozen_at(MOMENT):
        IdempotencyKey.objects.create(scope=SCOPE, key="k-1", fingerprint="f")
    operation = CountingOperation()

    with clock.frozen_at(MOMENT + dt.timedelta(minutes=4)), pytest.raises(IdempotencyInProgress):
        run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=operation, wait_seconds=0)

    assert operation.calls == 0


@pytest.mark.django_db
def test_a_stale_claim_of_a_dead_process_is_taken_over():
    with clock.frozen_at(MOMENT):
        IdempotencyKey.objects.create(scope=SCOPE, key="k-1", fingerprint="f")
    operation = CountingOperation()

    with clock.frozen_at(MOMENT + dt.timedelta(minutes=6)):
        result = run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=operation)

    assert result.replayed is False
    assert operation.calls == 1
    row = IdempotencyKey.objects.get(key="k-1")
    assert row.status == IdempotencyKey.Status.SUCCEEDED
    assert row.updated_at == MOMENT + dt.timedelta(minutes=6)


@pytest.mark.django_db
def test_scopes_keep_equal_keys_apart():
    run_idempotent(scope=SCOPE, key="k-1", fingerprint="f", operation=CountingOperation())
    operation = CountingOperation(response={"status": 201})

    result = run_idempotent(
        scope="api:orders.create", key="k-1", fingerprint="other", operation=operation
    )

    assert result == IdempotentResult(response={"status": 201}, replayed=False)
    assert operation.calls == 1


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", " ", "x" * 256, "tab\there", "ключ", "new\nline"])
def test_unusable_keys_are_refused(key):
    operation = CountingOperation()

    with pytest.raises(ValidationFailed) as raised:
        run_idempotent(scope=SCOPE, key=key, fingerprint="f", operation=operation)

    assert raised.value.field == "Idempotency-Key"
    assert operation.calls == 0
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db
def test_the_longest_allowed_key_is_accepted():
    result = run_idempotent(
        scope=SCOPE, key="x" * 255, fingerprint="f", operation=CountingOperation()
    )

    assert result.replayed is False


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_run_the_operation_exactly_once():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers; concurrency is checked on PostgreSQL")
    calls = 0
    calls_lock = threading.Lock()
    start = threading.Barrier(10)
    outcomes: list[object] = []

    def slow_operation() -> dict:
        nonlocal calls
        with calls_lock:
            calls += 1
        time.sleep(0.2)
        return {"order_number": "1001"}

    def submit() -> None:
        try:
            start.wait()
            outcome: object = run_idempotent(
                scope=SCOPE, key="same", fingerprint="f", operation=slow_operation
            )
        except Exception as error:
            outcome = error
        finally:
            connection.close()
        outcomes.append(outcome)

    threads = [threading.Thread(target=submit) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert calls == 1
    assert len(outcomes) == 10
    unexpected = [
        outcome
        for outcome in outcomes
        if not isinstance(outcome, IdempotentResult | IdempotencyInProgress)
    ]
    assert unexpected == []
    results = [outcome for outcome in outcomes if isinstance(outcome, IdempotentResult)]
    assert [result.replayed for result in results].count(False) == 1
    assert all(result.response == {"order_number": "1001"} for result in results)
