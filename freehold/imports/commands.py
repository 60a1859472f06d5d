"""`freehold import …`: the command-line face of the import services, with progress bars.

freehold import shopify|shopify-customers|amazon|woocommerce FILE [--dry-run] [--no-images]
freehold import images [--retry-failed]     fetch (again) the images still pending
freehold import resume RUN                  finish an interrupted run
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from tqdm import tqdm

from freehold.core.errors import ValidationFailed
from freehold.imports import parsers
from freehold.imports.models import ImportRun

SHOWN_PROBLEMS = 50


def _bar(description: str, unit: str, quiet: bool) -> tuple[Any, Callable[[int, int], None]]:
    bar = tqdm(desc=description, unit=unit, disable=quiet, file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, update


def print_summary(run: ImportRun, *, out: TextIO, report_path: str | None) -> None:
    verb = "would be" if run.dry_run else "were"
    label = parsers.LABELS.get(run.format, run.format)
    report = run.report or {}
    print(
        f"{label} {run.filename} ({report.get('encoding', '?')}), {run.rows} rows: "
        f"{run.created} new, {run.updated} updated, {run.unchanged} unchanged, "
        f"{run.rejected} rejected ({verb} written).",
        file=out,
    )
    if run.images_pending:
        print(
            f"{run.images_pending} image(s) could not be fetched yet: "
            "`freehold import images` tries again.",
            file=out,
        )
    problems = report.get("problems", [])
    for problem in problems[:SHOWN_PROBLEMS]:
        where = f"row {problem['row']}" + (f", {problem['column']}" if problem["column"] else "")
        item = f" [{problem['item']}]" if problem["item"] else ""
        print(f"  {where}{item}: {problem['message']}", file=out)
    if len(problems) > SHOWN_PROBLEMS:
        print(f"  … and {len(problems) - SHOWN_PROBLEMS} more problems.", file=out)
    if run.dry_run:
        for item in report.get("items", [])[:SHOWN_PROBLEMS]:
            if item["action"] in ("create", "update"):
                print(f"  {item['action']} {item['item']}: {'; '.join(item['changes'])}", file=out)
    if report_path:
        with open(report_path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["item", "action", "rows", "changes", "problems"])
            by_item: dict[str, list[str]] = {}
            for problem in problems:
                by_item.setdefault(problem["item"], []).append(
                    f"row {problem['row']} {problem['column']}: {problem['message']}".strip()
                )
            for item in report.get("items", []):
                writer.writerow(
                    [
                        item["item"],
                        item["action"],
                        " ".join(str(r) for r in item["rows"]),
                        "; ".join(item["changes"]),
                        "; ".join(by_item.get(item["item"], [])),
                    ]
                )
        print(f"Report written to {report_path}.", file=out)


def run_file(
    *,
    format: str,
    path: str,
    dry_run: bool,
    images: bool,
    quiet: bool,
    report_path: str | None,
    out: TextIO | None = None,
) -> int:
    from freehold.imports import services

    out = out or sys.stdout
    if format not in parsers.ALIASES:
        print(
            f"freehold import: unknown format {format!r}; one of: "
            + ", ".join(sorted(set(parsers.ALIASES) - set(parsers.PARSERS))),
            file=sys.stderr,
        )
        return 2
    file = Path(path)
    if not file.is_file():
        print(f"freehold import: no file {path}", file=sys.stderr)
        return 2
    try:
        run = services.import_run_create(
            data=file.read_bytes(),
            filename=file.name,
            format=parsers.ALIASES[format],
            dry_run=dry_run,
            fetch_images=images,
        )
    except ValidationFailed as error:
        print(f"freehold import: {error}", file=sys.stderr)
        return 1
    return _execute(run, quiet=quiet, report_path=report_path, out=out)


def _execute(run: ImportRun, *, quiet: bool, report_path: str | None, out: TextIO | None) -> int:
    from freehold.imports import services

    bar, update = _bar("Products" if "customers" not in run.format else "Customers", "item", quiet)
    try:
        run = services.import_execute(run=run, progress=update)
    except Exception as error:
        bar.close()
        print(
            f"freehold import: stopped ({error}). What was written is kept; "
            f"`freehold import resume {run.pk}` finishes the rest.",
            file=sys.stderr,
        )
        return 1
    bar.close()
    print_summary(run, out=out or sys.stdout, report_path=report_path)
    return 0 if not run.rejected else 3


def run_resume(
    *, run_id: str, quiet: bool, report_path: str | None, out: TextIO | None = None
) -> int:
    run = ImportRun.objects.filter(pk=int(run_id) if run_id.isdigit() else 0).first()
    if run is None:
        print(f"freehold import: no import run {run_id}", file=sys.stderr)
        return 2
    return _execute(run, quiet=quiet, report_path=report_path, out=out)


def run_images(*, retry_failed: bool, quiet: bool, out: TextIO | None = None) -> int:
    from freehold.imports.images import images_fetch

    out = out or sys.stdout
    bar, update = _bar("Images", "image", quiet)
    report = images_fetch(retry_failed=retry_failed, progress=update)
    bar.close()
    print(
        f"Images: {report.fetched} fetched, {report.pending} still pending, "
        f"{report.failed} failed.",
        file=out,
    )
    for url, error in list(report.errors.items())[:SHOWN_PROBLEMS]:
        print(f"  {url}: {error}", file=out)
    return 0 if not report.pending else 3
