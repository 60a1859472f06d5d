"""What every dashboard page shares: rendering with the navigation, pagination, CSV export.

Views stay thin: they read through selectors, act through services, and render through
`render_page`, which adds the navigation for the signed-in staff member and the flash messages.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from freehold.dashboard import access

T = TypeVar("T")

PER_PAGE = 50


# --- Rendering ------------------------------------------------------------------------------


def when(value: dt.datetime | dt.date | None, fmt: str = "%d %b %Y, %H:%M") -> str:
    """A time in the store's time zone, for people: "27 Nov 2026, 14:05"."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.strftime(fmt)
    return value.strftime(fmt.split(",")[0])


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    page_context = {
        "nav": access.areas_of(user),
        "can": lambda area: access.can(user, area),
        "is_manager": access.is_manager(user),
        "flashes": list(messages.get_messages(request)),
        "when": when,
        "querystring": lambda **changes: querystring(request, **changes),
        **(context or {}),
    }
    response = render(request, template, page_context, status=status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def querystring(request: HttpRequest, **changes: Any) -> str:
    """The current query string with some parameters changed ("?status=paid&page=2").

    A value of None or "" removes the parameter.
    """
    params = request.GET.copy()
    for key, value in changes.items():
        params.pop(key, None)
        if value not in (None, ""):
            params[key] = str(value)
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


# --- Pagination -----------------------------------------------------------------------------


@dataclass
class Page(Generic[T]):
    rows: list[T]
    number: int
    per_page: int
    has_next: bool
    total: int | None = None

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.rows)


def page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    try:
        return max(1, min(int(raw), 10_000))
    except ValueError:
        return 1


def paginate(
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    per_page: int = PER_PAGE,
    count: bool = False,
) -> Page[Any]:
    """One page of a list in one query (two with `count=True`), whatever the page number.

    The query fetches one row more than the page to know whether there is a next page, so a
    long list needs no COUNT(*) over the whole table.
    """
    number = page_number(request)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return Page(
        rows=rows[:per_page],
        number=number,
        per_page=per_page,
        has_next=len(rows) > per_page,
        total=queryset.count() if count else None,
    )


# --- CSV export -----------------------------------------------------------------------------

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote.

    Numbers (Decimal, int) are written as they are, so "-5" stock stays a number.
    """
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if not isinstance(value, str):
        return str(value)
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> StreamingHttpResponse:
    """Stream a CSV download (UTF-8 with a BOM, so spreadsheet programs read accents)."""
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield "\ufeff" + writer.writerow(header)
        for row in rows:
            yield writer.writerow([csv_cell(value) for value in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def redirect_back(request: HttpRequest, fallback: str) -> str:
    """Where to go after a POST: the form's `next` if it is a dashboard path, else fallback."""
    target = request.POST.get("next", "")
    if target.startswith("/dashboard/") and not target.startswith("//"):
        return target
    return fallback


__all__ = [
    "Page",
    "csv_cell",
    "csv_response",
    "paginate",
    "querystring",
    "redirect_back",
    "render_page",
    "when",
]
