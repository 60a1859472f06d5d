"""Periodic jobs run by `freehold worker`: nightly scores, retention purges.

Jobs are declared in settings (`SCHEDULED_JOBS`: name -> (dotted path, seconds between runs))
so an app adds one without touching the worker. Each worker pass runs the jobs that are due.
A job is claimed by one conditional UPDATE of its `ScheduledJob` row, so with several workers
exactly one runs it; a job that raises is recorded (`last_error`) and tried again next period.

    freehold jobs                 list the jobs, when they last ran and when they are due
    freehold jobs run NAME        run one now (e.g. after importing a year of orders)
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string

from freehold.core import clock
from freehold.core.models import ScheduledJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    path: str
    every: dt.timedelta

    def function(self) -> Callable[[], Any]:
        return import_string(self.path)  # type: ignore[no-any-return]


def jobs() -> list[Job]:
    return [
        Job(name, path, dt.timedelta(seconds=seconds))
        for name, (path, seconds) in sorted(settings.SCHEDULED_JOBS.items())
    ]


def _claim(job: Job, now: dt.datetime, *, force: bool) -> bool:
    """Mark `job` started if it is due (or forced); True for the one worker that did."""
    ScheduledJob.objects.get_or_create(name=job.name)
    due = Q(last_started_at__isnull=True) | Q(last_started_at__lte=now - job.every)
    rows = ScheduledJob.objects.filter(name=job.name)
    if not force:
        rows = rows.filter(due)
    return bool(rows.update(last_started_at=now))


def run_job(job: Job, *, force: bool = False) -> bool:
    """Run `job` if due (or `force`); True when it ran (successfully or not)."""
    now = clock.now()
    if not _claim(job, now, force=force):
        return False
    error = ""
    try:
        job.function()()
    except Exception as exc:  # recorded and retried next period; the worker goes on
        logger.exception("scheduled job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"
    ScheduledJob.objects.filter(name=job.name).update(
        last_finished_at=clock.now(), last_error=error
    )
    return True


def run_due() -> list[str]:
    """Run every job that is due; the names of those that ran."""
    return [job.name for job in jobs() if run_job(job)]
