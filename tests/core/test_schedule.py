"""Periodic jobs: run when due, once per period, failures recorded and retried."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from freehold import cli
from freehold.core import clock, schedule
from freehold.core.models import ScheduledJob

pytestmark = pytest.mark.django_db
CALLS: list[str] = []
START = dt.datetime(2026, 11, 27, 3, 0, tzinfo=dt.UTC)
JOBS = {
    "count": ("tests.core.test_schedule.count_call", 86400),
    "broken": ("tests.core.test_schedule.fail", 3600),
}


def count_call() -> None:
    CALLS.append("count")


def fail() -> None:
    raise RuntimeError("disk full")


@pytest.fixture(autouse=True)
def fresh_calls():
    CALLS.clear()


@override_settings(SCHEDULED_JOBS=JOBS)
def test_a_job_runs_once_a_period():
    with clock.frozen_at(START):
        assert schedule.run_due() == ["broken", "count"]
        assert schedule.run_due() == []
    with clock.frozen_at(START + dt.timedelta(hours=23)):
        assert schedule.run_due() == ["broken"]
    with clock.frozen_at(START + dt.timedelta(days=1)):
        assert schedule.run_due() == ["broken", "count"]

    assert CALLS == ["count", "count"]


@override_settings(SCHEDULED_JOBS=JOBS)
def test_a_failing_job_is_recorded_and_the_others_still_run():
    with clock.frozen_at(START):
        schedule.run_due()

    broken = ScheduledJob.objects.get(name="broken")
    assert broken.last_error == "RuntimeError: disk full"
    assert ScheduledJob.objects.get(name="count").last_error == ""
    assert CALLS == ["count"]


@override_settings(SCHEDULED_JOBS=JOBS)
def test_the_command_lists_jobs_and_runs_one_now(capsys):
    with clock.frozen_at(START):
        schedule.run_due()

    assert cli.main(["jobs", "run", "count"]) == 0
    assert cli.main(["jobs", "run", "broken"]) == 1
    assert cli.main(["jobs", "run", "nope"]) == 2
    assert cli.main(["jobs"]) == 0

    out = capsys.readouterr().out
    assert "count: done" in out and "broken: failed: RuntimeError: disk full" in out
    assert "count: every 1 day, 0:00:00, last run" in out
    assert CALLS == ["count", "count"]
