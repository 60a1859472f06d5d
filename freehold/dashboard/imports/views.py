"""/dashboard/imports/: upload a file, see what it would do row by row, confirm, read the report.

A Shopify, Amazon or WooCommerce product file needs the "products" permission, Shopify's
customers file the "customers" one; the list shows each staff member the runs they may see.
Thin views: `freehold.imports.services` creates, previews and runs imports (and audits them),
`freehold.imports.images` fetches the images left pending; this area's `services` discards a
preview. A run in progress refreshes its progress bar by htmx polling a small fragment; without
JavaScript the page has a "Refresh" link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from freehold.catalog.models import Product
from freehold.core.errors import FreeholdError
from freehold.customers.models import Customer
from freehold.dashboard import access
from freehold.dashboard.imports.forms import FORMAT_AREAS, FORMAT_LABELS, ImportUploadForm
from freehold.dashboard.pages import Page, paginate, render_page
from freehold.imports import images as import_images
from freehold.imports import services
from freehold.imports.models import ImportRun
from freehold.imports.records import SHOPIFY_CUSTOMERS

RUNS_PER_PAGE = 25
PROBLEMS_PER_PAGE = 100
ITEMS_PER_PAGE = 100
ACTIONS = ("create", "update", "unchanged", "rejected")
PREVIEW_ACTIONS = {
    "create": "New",
    "update": "To update",
    "unchanged": "Unchanged",
    "rejected": "Rejected",
}
DONE_ACTIONS = {**PREVIEW_ACTIONS, "create": "Created", "update": "Updated"}
ACTION_BADGES = {"create": "ok", "update": "info", "unchanged": "", "rejected": "bad"}
STATUS_BADGES = {
    ImportRun.Status.PREVIEWED: "info",
    ImportRun.Status.QUEUED: "info",
    ImportRun.Status.RUNNING: "info",
    ImportRun.Status.DONE: "ok",
    ImportRun.Status.FAILED: "bad",
}
# The run's columns a page shows; the file itself (up to the upload cap) stays in the database.
LIST_FIELDS = (
    "id",
    "format",
    "filename",
    "status",
    "dry_run",
    "rows",
    "created",
    "updated",
    "unchanged",
    "rejected",
    "images_pending",
    "created_at",
    "finished_at",
    "created_by",
)

ImportView = Callable[..., HttpResponseBase]
RunView = Callable[[HttpRequest, ImportRun], HttpResponseBase]


def formats_of(user: Any) -> list[str]:
    """The formats this staff member may import: those writing into their areas."""
    return [code for code, area in FORMAT_AREAS.items() if access.can(user, area)]


def imports_required(view: ImportView) -> ImportView:
    """Staff with the products or the customers area (each run checks its own format's)."""

    @access.staff_required(access.HOME)
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not formats_of(request.user):
            return access.forbidden(request, "products")
        return view(request, *args, **kwargs)

    return wrapper


def run_view(*, with_report: bool = True) -> Callable[[RunView], ImportView]:
    """A view of one run, given the run: 404 if there is none, 403 (naming the area) when the
    run's format writes into an area the user does not have. The file's bytes are not loaded;
    the report only when the page shows it."""
    fields: tuple[str, ...] = (
        *LIST_FIELDS,
        "progress_done",
        "progress_total",
        "error",
        "fetch_images",
    )
    if with_report:
        fields = (*fields, "report")

    def decorator(view: RunView) -> ImportView:
        @wraps(view)
        def wrapper(request: HttpRequest, run_id: int) -> HttpResponseBase:
            run = get_object_or_404(
                ImportRun.objects.select_related("created_by").only(*fields, "created_by__email"),
                pk=run_id,
            )
            if not access.can(request.user, area_of(run)):
                return access.forbidden(request, area_of(run))
            return view(request, run)

        return imports_required(wrapper)

    return decorator


def area_of(run: ImportRun) -> str:
    return FORMAT_AREAS.get(run.format, "products")


def noun(run: ImportRun, count: int | None = None) -> str:
    plural = count is None or count != 1
    if run.format == SHOPIFY_CUSTOMERS:
        return "customers" if plural else "customer"
    return "products" if plural else "product"


def is_done(run: ImportRun) -> bool:
    """Did the run write what its counts say (rather than plan it)?"""
    return run.status == ImportRun.Status.DONE and not run.dry_run


def summary(run: ImportRun) -> str:
    """The counts in words: "42 products: 30 new, 10 to update, 2 unchanged; 3 rejected" for a
    preview, "… 30 created, 10 updated …" for a run."""
    valid = run.created + run.updated + run.unchanged
    if is_done(run):
        parts = [f"{run.created} created", f"{run.updated} updated"]
    else:  # the preview's plan (also what a queued, running or failed run set out to do)
        parts = [f"{run.created} new", f"{run.updated} to update"]
    parts.append(f"{run.unchanged} unchanged")
    return f"{valid} {noun(run, valid)}: {', '.join(parts)}; {run.rejected} rejected"


def rows_text(rows: Sequence[int] | None) -> str:
    """A product's rows in the file: one number, a range when they follow each other, or the
    first five numbers."""
    numbers = list(rows or [])
    if not numbers:
        return "–"
    if len(numbers) > 1 and numbers == list(range(numbers[0], numbers[0] + len(numbers))):
        return f"{numbers[0]}–{numbers[-1]}"
    text = ", ".join(str(number) for number in numbers[:5])
    return text + (" …" if len(numbers) > 5 else "")


def _detail_url(run: ImportRun | int) -> str:
    return reverse("dashboard:import-detail", args=[run if isinstance(run, int) else run.pk])


def _section(user: Any, area: str = "products") -> str:
    return area if access.can(user, area) else "customers"


# --- Upload and list ----------------------------------------------------------------------------


@imports_required
@require_http_methods(["GET", "HEAD", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    formats = formats_of(request.user)
    if request.method == "POST":
        form = ImportUploadForm(request.POST, request.FILES, formats=formats)
        if form.is_valid():
            run = _upload(request, form, formats)
            if run is not None:
                return HttpResponseRedirect(_detail_url(run))
    else:
        form = ImportUploadForm(formats=formats)
    runs = (
        ImportRun.objects.filter(format__in=formats)
        .select_related("created_by")
        .only(*LIST_FIELDS, "created_by__email")
    )
    page = paginate(request, runs, per_page=RUNS_PER_PAGE)
    return render_page(
        request,
        "dashboard/imports/index.html",
        {
            "title": "Import",
            "section": _section(request.user),
            "form": form,
            "page": page,
            "format_labels": FORMAT_LABELS,
            "badges": STATUS_BADGES,
            "summary": summary,
        },
        status=400 if form.errors else 200,
    )


def _upload(
    request: HttpRequest, form: ImportUploadForm, formats: Sequence[str]
) -> ImportRun | None:
    """Keep the file and preview it; None (with the error on the form) when it cannot be."""
    filename = str(getattr(request.FILES.get("file"), "name", "") or "upload")[-255:]
    try:
        run = services.import_run_create(
            data=form.cleaned_data["file"],
            filename=filename,
            format=form.cleaned_data["format"],
            user=request.user,
            fetch_images=form.cleaned_data.get("fetch_images", False),
        )
    except FreeholdError as error:
        form.add_error(error.field if error.field in form.fields else "file", error.message)
        return None
    if run.format not in formats:
        # Detected as a format of an area this staff member does not have.
        area = dict(access.AREAS).get(area_of(run), area_of(run))
        services.import_run_delete(run=run, user=request.user)
        form.add_error(
            "file",
            f"This is a {FORMAT_LABELS.get(run.format, run.format)}; importing it needs the "
            f"{area} permission.",
        )
        return None
    try:
        services.import_preview(run=run)
    except FreeholdError as error:
        services.import_run_delete(run=run, user=request.user)
        form.add_error("file", error.message)
        return None
    except Exception:
        # A bug, not the file's fault: no half-made preview is left in the list.
        services.import_run_delete(run=run, user=request.user)
        raise
    return run


# --- One run ------------------------------------------------------------------------------------


def _list_page(request: HttpRequest, rows: list[Any], *, param: str, per_page: int) -> Page[Any]:
    """A page of a report's list, numbered by its own query parameter ("?problems=3")."""
    try:
        number = max(1, min(int(request.GET.get(param, "1")), 10_000))
    except ValueError:
        number = 1
    start = (number - 1) * per_page
    return Page(
        rows=rows[start : start + per_page],
        number=number,
        per_page=per_page,
        has_next=len(rows) > start + per_page,
        total=len(rows),
    )


def _links(run: ImportRun, items: list[dict[str, Any]]) -> dict[int, dict[str, str]]:
    """Where each imported item of the page is now: its dashboard page (and the storefront's)."""
    ids = {item["object_id"] for item in items if item.get("object_id")}
    if not ids:
        return {}
    links: dict[int, dict[str, str]] = {}
    if run.format == SHOPIFY_CUSTOMERS:
        for customer_id in Customer.objects.filter(pk__in=ids).values_list("pk", flat=True):
            links[customer_id] = {
                "dashboard": reverse("dashboard:customer-detail", args=[customer_id])
            }
        return links
    for product in Product.objects.filter(pk__in=ids).only("id", "handle", "status"):
        links[product.pk] = {"dashboard": reverse("dashboard:product-edit", args=[product.pk])}
        if product.status == Product.Status.ACTIVE:
            links[product.pk]["store"] = product.get_absolute_url()
    return links


def _reasons(problems: list[dict[str, Any]], items: list[dict[str, Any]]) -> list[list[str]]:
    """Why each item of the page was rejected ("row 8, Variant Price: …"), in the items' order.

    A problem belongs to an item by its label and one of its rows: a file may name the same
    e-mail twice, the first accepted and the second rejected.
    """
    wanted = {
        (item.get("item"), row)
        for item in items
        if item.get("action") == "rejected"
        for row in item.get("rows") or []
    }
    found: dict[tuple[Any, Any], list[str]] = {}
    for problem in problems:
        key = (problem.get("item"), problem.get("row"))
        if key in wanted:
            where = f"row {problem.get('row')}"
            if problem.get("column"):
                where += f", {problem['column']}"
            found.setdefault(key, []).append(f"{where}: {problem.get('message')}")
    return [
        [
            reason
            for row in item.get("rows") or []
            for reason in found.get((item.get("item"), row), [])
        ]
        if item.get("action") == "rejected"
        else []
        for item in items
    ]


@run_view(with_report=True)
@require_GET
def detail(request: HttpRequest, run: ImportRun) -> HttpResponse:
    report = run.report or {}
    problems = _list_page(
        request, list(report.get("problems") or []), param="problems", per_page=PROBLEMS_PER_PAGE
    )
    action = request.GET.get("action", "")
    all_items = list(report.get("items") or [])
    if action in ACTIONS:
        all_items = [item for item in all_items if item.get("action") == action]
    else:
        action = ""
    items = _list_page(request, all_items, param="items", per_page=ITEMS_PER_PAGE)
    finished = run.status == ImportRun.Status.DONE
    pending = (
        import_images.images_pending_count(run_id=run.pk)
        if finished and not run.dry_run
        else run.images_pending
    )
    to_import = run.created + run.updated
    return render_page(
        request,
        "dashboard/imports/detail.html",
        {
            "title": f"Import of {run.filename}",
            "section": _section(request.user, area_of(run)),
            "run": run,
            "format_label": FORMAT_LABELS.get(run.format, run.format),
            "summary": summary(run),
            "noun": lambda count=None: noun(run, count),
            "to_import": to_import,
            "problems": problems,
            "items": items,
            "action": action,
            "actions": ACTIONS,
            "action_labels": DONE_ACTIONS if is_done(run) else PREVIEW_ACTIONS,
            "reasons": _reasons(report.get("problems") or [], items.rows),
            "action_badges": ACTION_BADGES,
            "rows_text": rows_text,
            "links": _links(run, items.rows) if finished else {},
            "images_pending": pending,
            "badges": STATUS_BADGES,
            "encoding": report.get("encoding", ""),
            # The report keeps every problem but not every unchanged item of a huge file.
            "items_total": report.get("items_total", len(report.get("items") or [])),
            "items_kept": len(report.get("items") or []),
        },
    )


@run_view(with_report=False)
@require_GET
def progress(request: HttpRequest, run: ImportRun) -> HttpResponse:
    """The progress bar alone, polled by htmx while the run is queued or running; once it has
    finished, htmx is told to reload the page, which then shows the report."""
    response = render(request, "dashboard/imports/_progress.html", {"run": run})
    response.headers["Cache-Control"] = "private, no-store"
    if run.status not in (ImportRun.Status.QUEUED, ImportRun.Status.RUNNING):
        response.headers["HX-Refresh"] = "true"
    return response


@run_view(with_report=False)
@require_POST
def confirm(request: HttpRequest, run: ImportRun) -> HttpResponse:
    if run.dry_run:
        messages.error(request, "A dry run is not imported; run the file without --dry-run.")
        return HttpResponseRedirect(_detail_url(run))
    return _start(request, run, expected=ImportRun.Status.PREVIEWED)


@run_view(with_report=False)
@require_POST
def retry(request: HttpRequest, run: ImportRun) -> HttpResponse:
    """Run a failed import again: it finishes what the interrupted run had not done."""
    return _start(request, run, expected=ImportRun.Status.FAILED)


def _start(request: HttpRequest, run: ImportRun, *, expected: str) -> HttpResponse:
    """Queue the run if it is still `expected`: a second click (or a second tab) finds it
    queued already and starts nothing, so one file never runs twice at the same time."""
    try:
        claimed = services.import_enqueue(run=run, expected=[expected], user=request.user)
    except FreeholdError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(_detail_url(run))
    if not claimed:
        messages.error(
            request,
            "This import has already been started."
            if expected == ImportRun.Status.PREVIEWED
            else "Only a failed import can be run again.",
        )
        return HttpResponseRedirect(_detail_url(run))
    run.refresh_from_db(fields=["status", "created", "updated", "unchanged", "rejected"])
    if run.status == ImportRun.Status.DONE:
        messages.success(request, f"Imported: {summary(run)}.")
    elif run.status == ImportRun.Status.FAILED:
        messages.error(request, "The import stopped; see why below.")
    else:
        messages.success(request, "The import has started.")
    return HttpResponseRedirect(_detail_url(run))


@run_view(with_report=False)
@require_POST
def cancel(request: HttpRequest, run: ImportRun) -> HttpResponse:
    """Forget a preview and its file; a run that has started is history and stays."""
    if run.status != ImportRun.Status.PREVIEWED:
        messages.error(request, "Only a preview can be cancelled.")
        return HttpResponseRedirect(_detail_url(run))
    try:
        services.import_run_delete(run=run, user=request.user)
    except FreeholdError as error:
        messages.error(request, error.message)
        return HttpResponseRedirect(_detail_url(run))
    messages.success(request, f"The preview of {run.filename} was cancelled; nothing was imported.")
    return HttpResponseRedirect(reverse("dashboard:imports"))


@run_view(with_report=False)
@require_POST
def images(request: HttpRequest, run: ImportRun) -> HttpResponse:
    """Try the images still pending after the run again (a server that was down, say)."""
    if run.status != ImportRun.Status.DONE or run.dry_run:
        messages.error(request, "Images are fetched once the import is done.")
        return HttpResponseRedirect(_detail_url(run))
    report = import_images.images_fetch(run_id=run.pk)
    if not report.attempted:
        messages.success(request, "No image was waiting to be fetched.")
    elif report.pending or report.failed:
        messages.warning(
            request,
            f"{report.fetched} image(s) fetched; {report.pending} still pending (they can be "
            f"tried again), {report.failed} given up on (not an image, or too many attempts).",
        )
    else:
        messages.success(request, f"{report.fetched} image(s) fetched.")
    return HttpResponseRedirect(_detail_url(run))
