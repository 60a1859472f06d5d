"""The audit log's reads: the filter form, the filtered events, and where each event's object
lives in the dashboard.

A page of the log is a constant number of queries whatever its size: the events (one), the
numbers of the orders among them (one, since orders are linked by number, not by key), and the
filter form's choices (staff members; the verbs and object types in use come from the cache,
or one query each every few minutes).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.cache import cache
from django.db.models import QuerySet
from django.utils import timezone

from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.orders.models import Order

ORDER_TYPE = "orders.order"
# Object types with a dashboard page found by primary key.
PAGES_BY_KEY = {
    "catalog.product": "/dashboard/products/{id}/",
    "customers.customer": "/dashboard/customers/{id}/",
}
DATA_PREVIEW_CHARACTERS = 160
CHOICES_CACHE_KEY = "dashboard:audit:choices"
CHOICES_CACHE_SECONDS = 300
CSV_HEADER = (
    "time",
    "actor_kind",
    "actor_id",
    "actor",
    "verb",
    "object_type",
    "object_id",
    "from_state",
    "to_state",
    "data",
)


class AuditFilterForm(forms.Form):
    """`?actor=<staff id>&verb=...&object_type=...&since=YYYY-MM-DD&until=YYYY-MM-DD`."""

    actor = forms.TypedChoiceField(
        label="Staff member", required=False, coerce=int, empty_value=None
    )
    verb = forms.CharField(
        label="Action",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "audit-verbs"}),
    )
    object_type = forms.CharField(
        label="Object type",
        required=False,
        max_length=64,
        widget=forms.TextInput(attrs={"list": "audit-types"}),
    )
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, data: Any, *, staff: Sequence[Customer], verbs: Sequence[str], types: Sequence[str]
    ):
        super().__init__(data)
        actor = self.fields["actor"]
        assert isinstance(actor, forms.TypedChoiceField)
        actor.choices = [
            ("", "Anyone"),
            *((member.pk, member.email) for member in staff),
        ]
        self.verbs = verbs
        self.types = types

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until < since:
            self.add_error("until", "The end date is before the start date.")
        return cleaned


def filter_choices() -> tuple[list[Customer], list[str], list[str]]:
    """Staff members (one query), and the verbs and object types the log holds.

    The verbs and types are only suggestions for the filter fields, and finding them reads the
    whole log (DISTINCT), so they are kept in the cache for a few minutes.
    """
    staff = list(Customer.objects.filter(is_staff=True).order_by("email").only("pk", "email"))
    kinds: tuple[list[str], list[str]] | None = cache.get(CHOICES_CACHE_KEY)
    if kinds is None:
        kinds = _logged_kinds()
        cache.set(CHOICES_CACHE_KEY, kinds, CHOICES_CACHE_SECONDS)
    verbs, types = kinds
    return staff, verbs, types


def _logged_kinds() -> tuple[list[str], list[str]]:
    events = AuditEvent.objects.order_by()
    verbs = sorted(events.values_list("verb", flat=True).distinct())
    types = sorted(events.values_list("object_type", flat=True).distinct())
    return verbs, types


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(filters: dict[str, Any]) -> QuerySet[AuditEvent]:
    """The events matching the cleaned filters, newest first; dates are the store's days."""
    events = AuditEvent.objects.order_by("-created_at", "-id")
    if filters.get("actor"):
        events = events.filter(
            actor_kind=AuditEvent.ActorKind.STAFF, actor_id=str(filters["actor"])
        )
    if filters.get("verb"):
        events = events.filter(verb=filters["verb"].strip())
    if filters.get("object_type"):
        events = events.filter(object_type=filters["object_type"].strip())
    if filters.get("since"):
        events = events.filter(created_at__gte=_day_start(filters["since"]))
    if filters.get("until"):
        events = events.filter(created_at__lt=_day_start(filters["until"] + dt.timedelta(days=1)))
    return events


@dataclass(frozen=True)
class AuditRow:
    event: AuditEvent
    url: str
    object_label: str
    data_text: str


def compact_json(data: Any) -> str:
    if not data:
        return ""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True, default=str)


def _preview(text: str) -> str:
    if len(text) <= DATA_PREVIEW_CHARACTERS:
        return text
    return text[: DATA_PREVIEW_CHARACTERS - 1] + "…"


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Each event with the dashboard path of its object, orders named by number (one query)."""
    events = list(events)
    order_ids = {
        int(event.object_id)
        for event in events
        if event.object_type == ORDER_TYPE and event.object_id.isdigit()
    }
    numbers = (
        dict(Order.objects.filter(pk__in=order_ids).values_list("pk", "number"))
        if order_ids
        else {}
    )
    rows = []
    for event in events:
        url, label = "", f"{event.object_type} {event.object_id}"
        if event.object_type == ORDER_TYPE and event.object_id.isdigit():
            number = numbers.get(int(event.object_id))
            if number is not None:
                url, label = f"/dashboard/orders/{number}/", f"Order #{number}"
        elif event.object_type in PAGES_BY_KEY and event.object_id.isdigit():
            url = PAGES_BY_KEY[event.object_type].format(id=event.object_id)
            label = f"{event.object_type.split('.')[1].capitalize()} {event.object_id}"
        rows.append(AuditRow(event, url, label, _preview(compact_json(event.data))))
    return rows


def csv_rows(events: QuerySet[AuditEvent]) -> Iterator[list[Any]]:
    """The filtered log for the CSV export, read in chunks so a long log streams."""
    for event in events.iterator(chunk_size=2000):
        yield [
            timezone.localtime(event.created_at),
            event.actor_kind,
            event.actor_id,
            event.actor_label,
            event.verb,
            event.object_type,
            event.object_id,
            event.from_state,
            event.to_state,
            compact_json(event.data),
        ]
