"""Retention: configurable periods, and the nightly purge deleting exactly what is older."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from freehold.checkout.models import Cart
from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.customers import retention
from freehold.customers.models import PrivacyRequest, RetentionRule
from freehold.imports.models import ImportRun
from freehold.insights.models import Event

UTC = dt.UTC
NOW = dt.datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
STAFF = Actor.system("test")

pytestmark = pytest.mark.django_db


def days_ago(days: float) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


def test_the_defaults_apply_until_staff_change_them():
    assert retention.rules() == retention.DEFAULT_DAYS

    retention.retention_set(days_by_category={"events": 30}, actor=STAFF)

    assert retention.rules()["events"] == 30
    assert retention.rules()["abandoned_carts"] == retention.DEFAULT_DAYS["abandoned_carts"]
    change = AuditEvent.objects.get(verb="retention.changed")
    assert change.data == {"category": "events", "from": 395, "to": 30}


@pytest.mark.parametrize("days", [0, -1, retention.MAXIMUM_DAYS + 1])
def test_a_period_out_of_range_is_refused(days):
    with pytest.raises(retention.RetentionInvalid) as refused:
        retention.retention_set(days_by_category={"events": days}, actor=STAFF)

    assert refused.value.field == "events"
    assert not RetentionRule.objects.exists()


def test_the_purge_deletes_exactly_what_is_older_than_each_period():
    retention.retention_set(
        days_by_category={
            "events": 10,
            "abandoned_carts": 20,
            "import_files": 5,
            "closed_privacy_requests": 30,
        },
        actor=STAFF,
    )
    old_event = Event.objects.create(kind="page_view", session_id="a", occurred_at=days_ago(10.01))
    kept_event = Event.objects.create(kind="page_view", session_id="b", occurred_at=days_ago(9.99))
    old_cart = Cart.objects.create(currency="EUR", updated_at=days_ago(21))
    fresh_cart = Cart.objects.create(currency="EUR", updated_at=days_ago(19))
    old_completed = Cart.objects.create(
        currency="EUR", updated_at=days_ago(200), completed_at=days_ago(200)
    )
    old_run = ImportRun.objects.create(
        format="shopify_products",
        filename="a.csv",
        data=b"x,y",
        sha256="1",
        status="done",
        created_at=days_ago(6),
    )
    fresh_run = ImportRun.objects.create(
        format="shopify_products",
        filename="b.csv",
        data=b"x,y",
        sha256="2",
        status="done",
        created_at=days_ago(4),
    )
    running = ImportRun.objects.create(
        format="shopify_products",
        filename="c.csv",
        data=b"x,y",
        sha256="3",
        status="running",
        created_at=days_ago(60),
    )
    closed_long_ago = PrivacyRequest.objects.create(
        law="gdpr",
        kind="access",
        email="a@example.com",
        due_at=days_ago(60),
        status="done",
        closed_at=days_ago(31),
    )
    closed_recently = PrivacyRequest.objects.create(
        law="gdpr",
        kind="access",
        email="b@example.com",
        due_at=days_ago(60),
        status="refused",
        closed_at=days_ago(29),
    )
    open_old = PrivacyRequest.objects.create(
        law="gdpr",
        kind="access",
        email="c@example.com",
        due_at=days_ago(60),
        received_at=days_ago(400),
    )

    with frozen_at(NOW):
        counts = retention.purge()

    assert counts == {
        "events": 1,
        "abandoned_carts": 1,
        "import_files": 1,
        "closed_privacy_requests": 1,
    }
    assert list(Event.objects.all()) == [kept_event]
    assert not Event.objects.filter(pk=old_event.pk).exists()
    assert set(Cart.objects.values_list("pk", flat=True)) == {fresh_cart.pk, old_completed.pk}
    assert not Cart.objects.filter(pk=old_cart.pk).exists()
    data = {run.pk: bytes(run.data) for run in ImportRun.objects.all()}
    assert data == {old_run.pk: b"", fresh_run.pk: b"x,y", running.pk: b"x,y"}
    assert set(PrivacyRequest.objects.values_list("pk", flat=True)) == {
        closed_recently.pk,
        open_old.pk,
    }
    assert not PrivacyRequest.objects.filter(pk=closed_long_ago.pk).exists()
    purged = AuditEvent.objects.filter(verb="retention.purged")
    assert sorted((e.data["category"], e.data["count"]) for e in purged) == [
        ("abandoned_carts", 1),
        ("closed_privacy_requests", 1),
        ("events", 1),
        ("import_files", 1),
    ]


def test_a_second_purge_finds_nothing_and_logs_nothing():
    Event.objects.create(kind="page_view", session_id="a", occurred_at=days_ago(500))
    with frozen_at(NOW):
        retention.purge()
        again = retention.purge()

    assert set(again.values()) == {0}
    assert AuditEvent.objects.filter(verb="retention.purged").count() == 1


def test_the_purge_is_a_daily_scheduled_job():
    from freehold.core import schedule

    job = {job.name: job for job in schedule.jobs()}["retention-purge"]

    assert job.function() is retention.purge
    assert job.every == dt.timedelta(days=1)
    assert "retention-purge" in settings.SCHEDULED_JOBS
