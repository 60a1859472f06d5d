"""Segments: saved rules that pick customers, compiled to ONE query.

A segment's `rules` are `[{"field": ..., "relation": ..., "value": ...}]`, matched all
(`match_all`) or any. Each rule becomes a condition on the customer row made of indexed
subqueries (`IN (SELECT customer_id ... GROUP BY ... HAVING ...)`, `EXISTS`), so a segment is one
SELECT whatever its rules, and its count one COUNT(*). Discounts and campaigns use
`segment_customers(segment)`.

What the order rules read (see `scores`): a customer's *paid orders* (payment taken: paid,
partially refunded or refunded), *spent* in the base currency net of refunds. Order rules are
live (today's orders count); the RFM class rule reads the nightly `CustomerScore`. Dates are
the store's time zone; "N days ago" is that many days before now. Marketing e-mail consent is
the customer's latest `Consent(purpose=email)` when there is one, else `accepts_marketing`
(a withdrawal recorded anywhere wins). Staff accounts are never in a segment.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.db.models import (
    BooleanField,
    Count,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.text import slugify

from freehold.catalog.models import Collection, Product
from freehold.catalog.selectors import smart_collection_q
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.customers.models import Consent, Customer
from freehold.customers.selectors import _has_tag
from freehold.insights import scores
from freehold.insights.models import CustomerScore, Segment
from freehold.orders.models import Order, OrderLine

MAX_RULES = 20
NAME_LENGTH = 255


@dataclass(frozen=True)
class FieldSpec:
    label: str
    # relation code -> how the editor says it
    relations: dict[str, str]
    kind: str  # country | text | integer | money | moment | product | collection | rfm | yes_no
    help: str = ""


IS = {"equals": "is", "not_equals": "is not"}
FIELDS: dict[str, FieldSpec] = {
    "country": FieldSpec("Country", IS, "country", "The customer's country (ISO code, e.g. DE)."),
    "language": FieldSpec("Language", IS, "text", "The customer's language, e.g. de or en."),
    "market": FieldSpec(
        "Ordered in market",
        {"equals": "is", "not_equals": "is not"},
        "text",
        "A market code: customers with (or without) a paid order in that market.",
    ),
    "orders_count": FieldSpec(
        "Paid orders",
        {"equals": "is", "greater_than": "is more than", "less_than": "is less than"},
        "integer",
    ),
    "total_spent": FieldSpec(
        "Total spent",
        {"greater_than": "is more than", "less_than": "is less than"},
        "money",
        "In the store's currency, net of refunds.",
    ),
    "last_order": FieldSpec(
        "Last order",
        {"before": "before", "after": "on or after"},
        "moment",
        'A date (2026-01-31) or "30 days ago".',
    ),
    "first_order": FieldSpec(
        "First order",
        {"before": "before", "after": "on or after"},
        "moment",
        'A date (2026-01-31) or "30 days ago".',
    ),
    "product": FieldSpec(
        "Product",
        {"equals": "bought", "not_equals": "never bought"},
        "product",
        "The product's handle.",
    ),
    "collection": FieldSpec(
        "Collection",
        {"equals": "bought from", "not_equals": "never bought from"},
        "collection",
        "The collection's handle.",
    ),
    "rfm_class": FieldSpec("RFM class", IS, "rfm"),
    "email_consent": FieldSpec(
        "Marketing e-mail consent", {"equals": "is"}, "yes_no", "yes or no."
    ),
    "tag": FieldSpec("Tag", {"equals": "has", "not_equals": "does not have"}, "text"),
}

_DAYS_AGO = re.compile(r"^(\d{1,5})\s*(?:days?\s+ago|d)?$", re.IGNORECASE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YES = {"yes", "true", "1", "granted", "y"}
_NO = {"no", "false", "0", "withdrawn", "n"}


class SegmentInvalid(ValidationFailed):
    """A segment's name or one of its rules is refused; `field` is "name" or "rules.<index>"."""


@dataclass(frozen=True)
class Rule:
    field: str
    relation: str
    value: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "relation": self.relation, "value": self.value}


# --- Validation -----------------------------------------------------------------------------


def _moment(value: str, *, now: dt.datetime) -> dt.datetime:
    text = value.strip()
    days = _DAYS_AGO.match(text)
    if days:
        return now - dt.timedelta(days=int(days.group(1)))
    if _DATE.match(text):
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            pass
        else:
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    raise ValueError(f'"{value}" is neither a date (2026-01-31) nor "N days ago"')


def _value_error(spec: FieldSpec, value: str) -> str | None:
    """What is wrong with `value` for a field of this kind (None: nothing)."""
    text = value.strip()
    if not text:
        return "needs a value"
    if spec.kind == "country":
        return None if re.fullmatch(r"[A-Za-z]{2}", text) else f'"{text}" is not a country code'
    if spec.kind == "integer":
        return None if text.isdigit() else f'"{text}" is not a whole number'
    if spec.kind == "money":
        try:
            amount = Decimal(text.replace(",", "."))
        except InvalidOperation:
            return f'"{text}" is not an amount'
        return None if amount.is_finite() and amount >= 0 else f'"{text}" is not an amount'
    if spec.kind == "moment":
        try:
            _moment(text, now=clock.now())
        except ValueError as error:
            return str(error)
        return None
    if spec.kind == "product":
        if not Product.objects.filter(handle=text.lower()).exists():
            return f'no product has the handle "{text}"'
        return None
    if spec.kind == "collection":
        if not Collection.objects.filter(handle=text.lower()).exists():
            return f'no collection has the handle "{text}"'
        return None
    if spec.kind == "rfm":
        return None if text in scores.CLASSES else f'"{text}" is not an RFM class'
    if spec.kind == "yes_no":
        return None if text.lower() in _YES | _NO else 'answer "yes" or "no"'
    return None


def rule_errors(rules: Sequence[Mapping[str, Any]]) -> dict[int, str]:
    """Each bad rule's index and what is wrong, its message naming the row ("Rule 2: ...")."""
    errors: dict[int, str] = {}
    if len(rules) > MAX_RULES:
        errors[MAX_RULES] = f"A segment has at most {MAX_RULES} rules."
    for index, rule in enumerate(rules[:MAX_RULES]):
        field = str(rule.get("field", ""))
        relation = str(rule.get("relation", ""))
        value = str(rule.get("value", ""))
        spec = FIELDS.get(field)
        problem: str | None
        if spec is None:
            problem = f'"{field}" is not something a rule can test'
        elif relation not in spec.relations:
            problem = f'{spec.label} cannot be tested with "{relation}"'
        else:
            problem = _value_error(spec, value)
            if problem:
                problem = f"{spec.label} {problem}"
        if problem:
            errors[index] = f"Rule {index + 1}: {problem}."
    return errors


def clean_rules(rules: Sequence[Mapping[str, Any]]) -> list[Rule]:
    """The rules as stored (values trimmed); raises `SegmentInvalid` naming the first bad row."""
    errors = rule_errors(rules)
    if errors:
        index = min(errors)
        raise SegmentInvalid(errors[index], field=f"rules.{index}")
    return [
        Rule(
            field=str(rule["field"]),
            relation=str(rule["relation"]),
            value=str(rule["value"]).strip(),
        )
        for rule in rules
    ]


# --- Compiling ------------------------------------------------------------------------------


def _paid_by_customer() -> QuerySet[Order, Any]:
    return scores.paid_orders().order_by().values("customer_id")


def _having(**conditions: Any) -> Q:
    """Customers whose paid orders, grouped, meet `conditions` (e.g. count__gt=2)."""
    grouped = (
        _paid_by_customer()
        .annotate(
            count=Count("pk"),
            spent=Sum(scores.net_base_amount()),
            first=Min("placed_at"),
            last=Max("placed_at"),
        )
        .filter(**conditions)
        .values("customer_id")
    )
    return Q(pk__in=grouped)


def _bought(products: QuerySet[Product]) -> Q:
    lines = OrderLine.objects.filter(
        order__customer__isnull=False,
        order__payment_status__in=scores.PAID_STATES,
        variant__product__in=products,
    ).values("order__customer_id")
    return Q(pk__in=lines)


def _collection_products(handle: str) -> QuerySet[Product]:
    collection = Collection.objects.filter(handle=handle.lower()).first()
    if collection is None:
        return Product.objects.none()
    if collection.kind == Collection.Kind.SMART:
        return Product.objects.filter(
            smart_collection_q(collection.rules, match_all=collection.match_all_rules)
        )
    return Product.objects.filter(collectionproduct__collection=collection)


def email_consent_expression() -> Coalesce:
    """The customer's marketing e-mail consent: the latest recorded choice, else the flag."""
    latest = (
        Consent.objects.filter(customer=OuterRef("pk"), purpose=Consent.Purpose.EMAIL)
        .order_by("-recorded_at", "-id")
        .values("granted")[:1]
    )
    return Coalesce(
        Subquery(latest, output_field=BooleanField()),
        "accepts_marketing",
        output_field=BooleanField(),
    )


def rule_q(rule: Rule, *, now: dt.datetime) -> Q:
    """One rule as a condition on customers (assumes a clean rule)."""
    value = rule.value.strip()
    negate = rule.relation == "not_equals"
    if rule.field == "country":
        q = Q(country_code=value.upper())
    elif rule.field == "language":
        q = Q(language__iexact=value) | Q(language__istartswith=f"{value}-")
    elif rule.field == "market":
        q = Q(pk__in=_paid_by_customer().filter(market_code__iexact=value))
    elif rule.field == "orders_count":
        number = int(value)
        if rule.relation == "greater_than":
            q = _having(count__gt=number)
        elif rule.relation == "less_than":
            q = ~_having(count__gte=number) if number > 0 else Q(pk__in=[])
        else:
            q = _having(count=number) if number > 0 else ~Q(pk__in=_paid_by_customer())
    elif rule.field == "total_spent":
        amount = Decimal(value.replace(",", "."))
        if rule.relation == "greater_than":
            q = _having(spent__gt=amount)
        else:
            q = ~_having(spent__gte=amount) if amount > 0 else Q(pk__in=[])
    elif rule.field in ("last_order", "first_order"):
        moment = _moment(value, now=now)
        placed = _paid_by_customer()
        if rule.field == "last_order":
            if rule.relation == "after":
                q = Q(pk__in=placed.filter(placed_at__gte=moment))
            else:
                q = _having(last__lt=moment)
        elif rule.relation == "before":
            q = Q(pk__in=placed.filter(placed_at__lt=moment))
        else:
            q = _having(first__gte=moment)
    elif rule.field == "product":
        q = _bought(Product.objects.filter(handle=value.lower()))
    elif rule.field == "collection":
        q = _bought(_collection_products(value))
    elif rule.field == "rfm_class":
        q = Q(pk__in=CustomerScore.objects.filter(rfm_class=value).values("customer_id"))
    elif rule.field == "email_consent":
        q = Q(Exact(email_consent_expression(), value.lower() in _YES))
    elif rule.field == "tag":
        q = Q(_has_tag(value))
    else:  # clean_rules refuses unknown fields
        raise SegmentInvalid(f"Unknown rule field {rule.field!r}", field="rules")
    return ~q if negate else q


def customers_matching(rules: Sequence[Rule], *, match_all: bool = True) -> QuerySet[Customer]:
    """The customers these rules pick, as one query (no rules: every customer)."""
    now = clock.now()
    customers = Customer.objects.filter(is_staff=False)
    if not rules:
        return customers
    parts = [rule_q(rule, now=now) for rule in rules]
    combined = parts[0]
    for part in parts[1:]:
        combined = (combined & part) if match_all else (combined | part)
    return customers.filter(combined)


def segment_customers(segment: Segment) -> QuerySet[Customer]:
    """The customers in a saved segment now: for discounts and campaigns.

    Rules saved through `segment_save` are clean; rules that went bad since (a product's
    handle changed) raise `SegmentInvalid` naming the row, rather than matching silently.
    """
    return customers_matching(clean_rules(segment.rules), match_all=segment.match_all)


# --- Services -------------------------------------------------------------------------------


def _unique_handle(name: str, *, exclude_id: int | None) -> str:
    base = slugify(name)[:200] or "segment"
    handle, number = base, 2
    taken = Segment.objects.all()
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    while taken.filter(handle=handle).exists():
        handle = f"{base}-{number}"
        number += 1
    return handle


@transaction.atomic
def segment_save(
    *,
    actor: Actor,
    name: str,
    rules: Sequence[Mapping[str, Any]],
    match_all: bool = True,
    segment: Segment | None = None,
) -> Segment:
    """Create (`segment` None) or change a segment; the rules are checked first."""
    name = " ".join(name.split())
    if not name:
        raise SegmentInvalid("A segment needs a name.", field="name")
    if len(name) > NAME_LENGTH:
        raise SegmentInvalid(f"A name has at most {NAME_LENGTH} characters.", field="name")
    cleaned = [rule.as_dict() for rule in clean_rules(rules)]
    now = clock.now()
    creating = segment is None
    if segment is None:
        segment = Segment(created_at=now)
    before = {"name": segment.name, "rules": segment.rules, "match_all": segment.match_all}
    segment.name = name
    segment.rules = cleaned
    segment.match_all = match_all
    segment.updated_at = now
    if creating or not segment.handle:
        segment.handle = _unique_handle(name, exclude_id=segment.pk)
    segment.save()
    after = {"name": name, "rules": cleaned, "match_all": match_all}
    audit.record(
        actor=actor,
        verb="segment.created" if creating else "segment.updated",
        obj=segment,
        data=after if creating else {"before": before, "after": after},
    )
    return segment


@transaction.atomic
def segment_delete(*, actor: Actor, segment: Segment) -> None:
    audit.record(
        actor=actor,
        verb="segment.deleted",
        obj=segment,
        data={"name": segment.name, "rules": segment.rules, "match_all": segment.match_all},
    )
    segment.delete()


# --- Demo -----------------------------------------------------------------------------------

DEMO_SEGMENTS: tuple[tuple[str, bool, tuple[tuple[str, str, str], ...]], ...] = (
    ("Champions", True, (("rfm_class", "equals", "champions"),)),
    (
        "Lapsed regulars",
        True,
        (("orders_count", "greater_than", "2"), ("last_order", "before", "90 days ago")),
    ),
    (
        "German newsletter readers",
        True,
        (("country", "equals", "DE"), ("email_consent", "equals", "yes")),
    ),
    (
        "At risk or can't lose",
        False,
        (("rfm_class", "equals", "at_risk"), ("rfm_class", "equals", "cant_lose")),
    ),
)


def seed_audience() -> int:
    """For `freehold seed` (after the orders): score the demo's customers and save a few
    example segments, so the dashboard's RFM, cohorts and segments have something to show.
    Segments that exist (by name) are left alone; returns how many were made."""
    scores.rfm_recompute()
    actor = Actor.system("seed")
    made = 0
    for name, match_all, rules in DEMO_SEGMENTS:
        if Segment.objects.filter(name=name).exists():
            continue
        segment_save(
            actor=actor,
            name=name,
            match_all=match_all,
            rules=[
                {"field": field, "relation": relation, "value": value}
                for field, relation, value in rules
            ],
        )
        made += 1
    return made
