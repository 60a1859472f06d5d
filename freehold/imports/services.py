"""Import runs: take a file, preview what it would do, run it, report.

The command line (`freehold import`) and the dashboard's import screen both go through here:
`import_run_create` keeps the file, `import_preview` plans without writing, `import_execute`
writes (and can be called again on the same run to finish an interrupted one), and
`import_enqueue` hands a run to the task queue so a big file does not hold a request open.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django_tasks import task

from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.imports import parsers
from freehold.imports.importer import ProductImporter
from freehold.imports.models import ImageSource, ImportRun
from freehold.imports.records import (
    CREATE,
    REJECTED,
    SHOPIFY_CUSTOMERS,
    UNCHANGED,
    UPDATE,
    ItemOutcome,
    ParseResult,
)
from freehold.storefront.selectors import store_settings

logger = logging.getLogger(__name__)
# The report keeps every problem but only this many items (a 50,000-row file has ~10,000).
REPORT_ITEMS = 5000
Progress = Callable[[int, int], None]


def import_run_create(
    *,
    data: bytes,
    filename: str,
    format: str | None = None,
    user: Any = None,
    dry_run: bool = False,
    fetch_images: bool = True,
) -> ImportRun:
    """Keep an uploaded file as a run; its format is detected from the header when not given."""
    if not data.strip():
        raise ValidationFailed("The file is empty.", field="file")
    if len(data) > settings.IMPORT_MAX_BYTES:
        megabytes = settings.IMPORT_MAX_BYTES // (1024 * 1024)
        raise ValidationFailed(f"The file is larger than {megabytes} MB.", field="file")
    if format is not None:
        format = parsers.ALIASES.get(format, format)
        if format not in parsers.PARSERS:
            raise ValidationFailed(f"Unknown format {format!r}.", field="format")
    else:
        format = parsers.detect_format(data)
        if format is None:
            raise ValidationFailed(
                "This is not a file Freehold can import: expected a Shopify products or "
                "customers CSV, an Amazon All Listings Report or a WooCommerce products CSV "
                "(their first row names the columns).",
                field="file",
            )
    return ImportRun.objects.create(
        format=format,
        filename=filename[:255],
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
        dry_run=dry_run,
        fetch_images=fetch_images,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )


def _actor(run: ImportRun) -> Actor:
    label = f"import #{run.pk} ({run.filename})"
    if run.created_by is not None:
        return Actor(audit.AuditEvent.ActorKind.STAFF, str(run.created_by.pk), run.created_by.email)
    return Actor.system(label)


def _parse(run: ImportRun) -> ParseResult:
    return parsers.parse(bytes(run.data), format=run.format)


def _apply(
    run: ImportRun, parsed: ParseResult, *, dry_run: bool, progress: Progress | None
) -> list[ItemOutcome]:
    actor = _actor(run)
    if run.format == SHOPIFY_CUSTOMERS:
        from freehold.imports.customers import customers_apply

        outcomes = customers_apply(parsed.customers, dry_run=dry_run, actor=actor)
        if progress:
            progress(len(parsed.customers), len(parsed.customers))
        return outcomes
    importer = ProductImporter(
        currency=store_settings().currency, dry_run=dry_run, actor=actor, run_id=run.pk
    )
    return importer.run(parsed.products, progress=progress)


def _report(run: ImportRun, parsed: ParseResult, outcomes: Sequence[ItemOutcome]) -> dict[str, Any]:
    problems = [
        {"row": p.row, "column": p.column, "message": p.message, "item": ""}
        for p in parsed.problems
    ]
    for outcome in outcomes:
        problems.extend(
            {"row": p.row, "column": p.column, "message": p.message, "item": outcome.item}
            for p in outcome.problems
        )
    problems.sort(key=lambda p: (p["row"], p["column"]))
    counts = {action: 0 for action in (CREATE, UPDATE, UNCHANGED, REJECTED)}
    for outcome in outcomes:
        counts[outcome.action] += 1
    run.rows = parsed.rows
    run.created, run.updated = counts[CREATE], counts[UPDATE]
    run.unchanged, run.rejected = counts[UNCHANGED], counts[REJECTED]
    # Changed items first: what a merchant reads a preview for.
    ordered = sorted(outcomes, key=lambda o: (o.action == UNCHANGED, o.rows[:1]))
    return {
        "encoding": parsed.extra.get("encoding", ""),
        "problems": problems,
        "items": [
            {
                "item": o.item,
                "action": o.action,
                "rows": o.rows[:50],
                "changes": o.changes[:50],
                "object_id": o.object_id,
            }
            for o in ordered[:REPORT_ITEMS]
        ],
        "items_total": len(outcomes),
    }


def import_preview(*, run: ImportRun) -> ImportRun:
    """Parse the file and plan every item (create, update, unchanged, rejected); write nothing."""
    parsed = _parse(run)
    outcomes = _apply(run, parsed, dry_run=True, progress=None)
    run.report = _report(run, parsed, outcomes)
    run.status = ImportRun.Status.PREVIEWED
    run.save()
    return run


def _set_progress(run: ImportRun, done: int, total: int) -> None:
    run.progress_done, run.progress_total = done, total
    # Outside the batch's transaction (autocommit): the dashboard polls this.
    ImportRun.objects.filter(pk=run.pk).update(progress_done=done, progress_total=total)


def _fetch_images(run: ImportRun) -> None:
    """Fetch the run's images; a failure here leaves them pending, never fails the import."""
    from freehold.imports.images import images_fetch

    try:
        images_fetch(run_id=run.pk)
    except Exception:
        logger.exception("import #%s: fetching images failed; they stay pending", run.pk)


def import_execute(*, run: ImportRun, progress: Progress | None = None) -> ImportRun:
    """Run the import (a dry run if the run is one). Calling it again finishes the rest."""
    run.status = ImportRun.Status.RUNNING
    run.started_at = run.started_at or clock.now()
    run.error = ""
    run.save(update_fields=["status", "started_at", "error"])

    def report_progress(done: int, total: int) -> None:
        _set_progress(run, done, total)
        if progress:
            progress(done, total)

    try:
        parsed = _parse(run)
        outcomes = _apply(run, parsed, dry_run=run.dry_run, progress=report_progress)
        run.report = _report(run, parsed, outcomes)
        if run.fetch_images and not run.dry_run:
            _fetch_images(run)
        run.images_pending = ImageSource.objects.filter(
            run=run, status=ImageSource.Status.PENDING
        ).count()
    except Exception as exc:
        run.status = ImportRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
        run.finished_at = clock.now()
        run.save()
        raise
    run.status = ImportRun.Status.DONE
    run.finished_at = clock.now()
    with transaction.atomic():
        run.save()
        if not run.dry_run:
            audit.record(
                actor=_actor(run),
                verb="import.completed",
                obj=run,
                data={
                    "format": run.format,
                    "file": run.filename,
                    "created": run.created,
                    "updated": run.updated,
                    "unchanged": run.unchanged,
                    "rejected": run.rejected,
                },
            )
    return run


@task()
def run_import(run_id: int) -> str:
    run = ImportRun.objects.get(pk=run_id)
    try:
        import_execute(run=run)
    except Exception:
        return ImportRun.Status.FAILED  # the run records the error for the dashboard
    return run.status


def import_enqueue(
    *,
    run: ImportRun,
    expected: Sequence[str] = (ImportRun.Status.PREVIEWED, ImportRun.Status.FAILED),
    user: Any = None,
) -> bool:
    """Queue the run for a worker (in development the task runs at once, after commit).

    Only a run still in an `expected` state is queued, claimed by one conditional UPDATE: a
    second click, or a second tab, finds it queued already and starts nothing (returns False).
    """
    with transaction.atomic():
        claimed = ImportRun.objects.filter(pk=run.pk, status__in=list(expected)).update(
            status=ImportRun.Status.QUEUED
        )
        if not claimed:
            return False
        run.status = ImportRun.Status.QUEUED
        audit.record(
            actor=Actor.for_user(user) if user is not None else _actor(run),
            verb="import.started",
            obj=run,
            data={"format": run.format, "file": run.filename},
        )
        run_id = run.pk
        transaction.on_commit(lambda: run_import.enqueue(run_id))
    return True


def import_run_delete(*, run: ImportRun, user: Any = None) -> None:
    """Forget a previewed run (its file) that the merchant decided not to import."""
    if run.status not in (ImportRun.Status.PREVIEWED, ImportRun.Status.FAILED):
        raise ValidationFailed("Only a previewed or failed import can be cancelled.")
    with transaction.atomic():
        audit.record(
            actor=Actor.for_user(user) if user is not None else _actor(run),
            verb="import.cancelled",
            obj=run,
            data={"format": run.format, "file": run.filename},
        )
        run.delete()
