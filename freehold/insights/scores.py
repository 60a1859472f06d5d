"""RFM: how recently, how often and how much each customer bought, scored 1-5 and named.

What counts (the same everywhere in insights: profiles, segments, cohorts):
- a customer's *paid orders* are their placed orders whose payment was taken (paid, partially
  refunded or refunded), as the dashboard's sales figures count them;
- *spent* is those orders' totals in the store's base currency (`Order.base_total_amount`,
  converted at the time of sale) less what was refunded on them, converted at the same rate.

Scores (`quintile_scores`, pure): each value is scored by the share of customers below it,
`1 + floor(5 * below / n)`, where `below` counts customers with a strictly worse value. Equal
values therefore always get the same score (a tie is never split across two scores), and
with many ties a score may stay empty: when 70 % of customers ordered once, they all get F=1
and the next score used is 4. Recency is better when smaller (fewer days since the last
order), frequency and monetary when larger.

Classes: the common RFM segment map on a 5x5 grid of recency (R) against the mean of frequency
and monetary (FM = (F + M) / 2, rounded half up), every cell in exactly one class:

    FM ->        1               2               3               4               5
    R=5   new customers   potential loyal. potential loyal.  champions       champions
    R=4   promising       potential loyal. potential loyal.  loyal           loyal
    R=3   about to sleep  about to sleep   need attention    loyal           loyal
    R=2   hibernating     hibernating      at risk           at risk         can't lose them
    R=1   lost            hibernating      at risk           at risk         can't lose them

`rfm_recompute()` reads every customer's figures with ONE aggregate query over orders (GROUP BY
customer), scores them in Python and brings the `CustomerScore` rows up to date in one
transaction, writing only the rows that changed (DELETE, then COPY on PostgreSQL / executemany
on SQLite): readers see the old scores or the new ones, never a mix. Scheduled nightly
(`SCHEDULED_JOBS["insights.rfm"]`) and run from the dashboard's RFM page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Max,
    Min,
    OuterRef,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, NullIf

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.bulk import RowWriter
from freehold.core.models import ScheduledJob
from freehold.insights.models import CustomerScore
from freehold.orders.models import Order, Payment
from freehold.orders.states import PaymentStatus

JOB_NAME = "insights.rfm"
PAID_STATES = (
    PaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
REFUNDED_STATES = (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
ZERO = Decimal(0)
MONEY = DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
WRITE_BATCH = 5_000
# Memory for one sort or hash of the analytic queries, for their transaction only.
ANALYTIC_WORK_MEM = "64MB"


# --- Classes --------------------------------------------------------------------------------

CHAMPIONS = "champions"
LOYAL = "loyal"
POTENTIAL_LOYALIST = "potential_loyalist"
NEW = "new"
PROMISING = "promising"
NEED_ATTENTION = "need_attention"
ABOUT_TO_SLEEP = "about_to_sleep"
AT_RISK = "at_risk"
CANT_LOSE = "cant_lose"
HIBERNATING = "hibernating"
LOST = "lost"

# Best first: the order of the dashboard's table.
CLASSES: dict[str, tuple[str, str]] = {
    CHAMPIONS: ("Champions", "Bought recently, buy often and spend the most."),
    LOYAL: ("Loyal customers", "Buy often and spend well; not the very latest."),
    POTENTIAL_LOYALIST: ("Potential loyalists", "Recent customers with a few orders."),
    NEW: ("New customers", "Bought very recently, for the first time or little."),
    PROMISING: ("Promising", "Recent shoppers who have not spent much yet."),
    NEED_ATTENTION: ("Need attention", "Average on every count; slipping."),
    ABOUT_TO_SLEEP: ("About to sleep", "Bought little and not lately."),
    AT_RISK: ("At risk", "Bought often and well, but long ago."),
    CANT_LOSE: ("Can't lose them", "Were among the best; have not come back for long."),
    HIBERNATING: ("Hibernating", "Bought little, long ago."),
    LOST: ("Lost", "Lowest on recency, frequency and spend."),
}

# The grid: (recency, frequency-monetary) -> class; rows R 5..1, columns FM 1..5.
_GRID_ROWS: dict[int, tuple[str, str, str, str, str]] = {
    5: (NEW, POTENTIAL_LOYALIST, POTENTIAL_LOYALIST, CHAMPIONS, CHAMPIONS),
    4: (PROMISING, POTENTIAL_LOYALIST, POTENTIAL_LOYALIST, LOYAL, LOYAL),
    3: (ABOUT_TO_SLEEP, ABOUT_TO_SLEEP, NEED_ATTENTION, LOYAL, LOYAL),
    2: (HIBERNATING, HIBERNATING, AT_RISK, AT_RISK, CANT_LOSE),
    1: (LOST, HIBERNATING, AT_RISK, AT_RISK, CANT_LOSE),
}
GRID: dict[tuple[int, int], str] = {
    (recency, fm): name
    for recency, row in _GRID_ROWS.items()
    for fm, name in enumerate(row, start=1)
}


def class_label(code: str) -> str:
    return CLASSES.get(code, (code or "–", ""))[0]


def frequency_monetary(frequency: int, monetary: int) -> int:
    """The grid's second axis: the mean of F and M, rounded half up (4 and 5 give 5)."""
    return (frequency + monetary + 1) // 2


def rfm_class(recency: int, frequency: int, monetary: int) -> str:
    return GRID[(recency, frequency_monetary(frequency, monetary))]


# --- Scoring (pure) -------------------------------------------------------------------------


def quintile_scores(values: Sequence[Decimal | int], *, higher_is_better: bool = True) -> list[int]:
    """A 1-5 score for each value, in the input's order: `1 + floor(5 * below / n)` where
    `below` counts the values strictly worse than this one. Equal values score the same.

    One sort, then each distinct value's position looked up (a dict, not a search per value:
    150,000 customers score in a fraction of a second)."""
    count = len(values)
    if not count:
        return []
    first: dict[Decimal | int, int] = {}
    last: dict[Decimal | int, int] = {}
    for index, value in enumerate(sorted(values)):
        first.setdefault(value, index)
        last[value] = index
    if higher_is_better:
        return [1 + (5 * first[value]) // count for value in values]
    return [1 + (5 * (count - 1 - last[value])) // count for value in values]


@dataclass(frozen=True)
class CustomerFigures:
    """One customer's paid orders in numbers: what RFM is computed from."""

    customer_id: int
    orders: int
    spent: Decimal
    first_order_at: dt.datetime
    last_order_at: dt.datetime


@dataclass(frozen=True)
class Score:
    customer_id: int
    recency_days: int
    recency: int
    frequency: int
    monetary: int
    rfm_class: str


def score_customers(figures: Sequence[CustomerFigures], *, now: dt.datetime) -> list[Score]:
    """RFM scores and classes of these customers, relative to each other (pure)."""
    days = [max((now - item.last_order_at).days, 0) for item in figures]
    recency = quintile_scores(days, higher_is_better=False)
    frequency = quintile_scores([item.orders for item in figures])
    monetary = quintile_scores([item.spent for item in figures])
    return [
        Score(
            customer_id=item.customer_id,
            recency_days=day,
            recency=r,
            frequency=f,
            monetary=m,
            rfm_class=rfm_class(r, f, m),
        )
        for item, day, r, f, m in zip(figures, days, recency, frequency, monetary, strict=True)
    ]


# --- Reading orders -------------------------------------------------------------------------


def refunded_base_amount() -> Case:
    """What was refunded on an order, in the base currency at the order's own rate.

    Refunds are recorded in the order's currency (`Payment.amount`); the share of the total
    they are is the share of the base total they take away. The refund subquery runs only for
    orders marked (partially) refunded; a full refund takes the whole base total.
    """
    refunds = (
        Payment.objects.filter(
            order_id=OuterRef("pk"),
            kind=Payment.Kind.REFUND,
            status=Payment.Status.SUCCEEDED,
        )
        .order_by()
        .values("order_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return Case(
        When(payment_status=PaymentStatus.REFUNDED, then=base_total()),
        When(
            payment_status=PaymentStatus.PARTIALLY_REFUNDED,
            then=ExpressionWrapper(
                Coalesce(Subquery(refunds, output_field=MONEY), Value(ZERO), output_field=MONEY)
                * base_total()
                / NullIf(F("total_amount"), Value(ZERO)),
                output_field=MONEY,
            ),
        ),
        default=Value(ZERO),
        output_field=MONEY,
    )


def base_total() -> Case:
    """The order's total in the base currency; orders from before base currencies were kept
    (empty `base_currency`) were in the store's currency, so their total is it."""
    return Case(
        When(base_currency="", then=F("total_amount")),
        default=F("base_total_amount"),
        output_field=MONEY,
    )


def net_base_amount() -> ExpressionWrapper:
    """An order's total less its refunds, in the base currency."""
    return ExpressionWrapper(
        base_total() - Coalesce(refunded_base_amount(), Value(ZERO), output_field=MONEY),
        output_field=MONEY,
    )


def paid_orders() -> QuerySet[Order]:
    """Customers' placed orders whose payment was taken (guests' orders are not scored)."""
    return Order.objects.filter(
        customer__isnull=False, placed_at__isnull=False, payment_status__in=PAID_STATES
    )


class EpochSeconds(Func):
    """A moment as whole seconds since 1970 (UTC), an integer.

    Reading 300,000 timestamps as Python datetimes (time-zone aware) took 1.5-3 s of the
    nightly job on a million orders, the query itself 2 s; integers cost nothing to read.
    Scores need no fraction of a second.
    """

    output_field = IntegerField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS bigint)"
        )

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # %%%% becomes %% here and % in the SQL SQLite runs (Django's parameter quoting).
        return self.as_sql(
            compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS integer)"
        )


def _moment(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC)


def customer_figures_all() -> list[CustomerFigures]:
    """Every customer's paid orders in numbers: ONE query, grouped by customer."""
    rows = (
        paid_orders()
        .order_by()
        .values("customer_id")
        .annotate(
            orders=Count("pk"),
            spent=Sum(net_base_amount()),
            first=EpochSeconds(Min("placed_at")),
            last=EpochSeconds(Max("placed_at")),
        )
        .values_list("customer_id", "orders", "spent", "first", "last")
    )
    return [
        CustomerFigures(
            customer_id=customer_id,
            orders=orders,
            spent=Decimal(spent or 0),
            first_order_at=_moment(first),
            last_order_at=_moment(last),
        )
        for customer_id, orders, spent, first, last in rows
    ]


@contextmanager
def analytic_transaction() -> Iterator[None]:
    """One transaction tuned for reading many rows, on PostgreSQL: JIT compilation off (it
    costs more than it saves on these grouped queries) and more memory per sort or hash, for
    this transaction only (`set_config(..., true)` is SET LOCAL). As the dashboard's
    `home.selectors.reporting`; a plain transaction on SQLite."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
                    [ANALYTIC_WORK_MEM],
                )
        yield


# --- Writing scores -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecomputeResult:
    customers: int  # scored
    written: int  # rows new or changed (the others were left as they were)
    removed: int  # customers without a paid order any more
    computed_at: dt.datetime


_CENTS = Decimal(1).scaleb(-MONEY_PLACES)
# More changed rows than this share: delete everything and write every row again.
_REWRITE_SHARE = 0.5


def _key(
    orders: int,
    spent: Decimal,
    currency: str,
    first: int | None,
    last: int | None,
    score: tuple[int, int, int, str],
) -> tuple[object, ...]:
    return (orders, Decimal(spent).quantize(_CENTS), currency, first, last, *score)


def _stored_keys() -> dict[int, tuple[object, ...]]:
    """What the table holds now, to write only what changed (times as whole seconds)."""
    rows = CustomerScore.objects.annotate(
        first=EpochSeconds("first_order_at"), last=EpochSeconds("last_order_at")
    ).values_list(
        "customer_id",
        "orders_count",
        "total_spent_amount",
        "currency",
        "first",
        "last",
        "recency",
        "frequency",
        "monetary",
        "rfm_class",
    )
    return {
        row[0]: _key(row[1], row[2], row[3], row[4], row[5], (row[6], row[7], row[8], row[9]))
        for row in rows
    }


def rfm_recompute(*, currency: str | None = None) -> RecomputeResult:
    """Score every customer with a paid order and bring `CustomerScore` up to date.

    Only rows whose figures, scores or class changed are written (deleted, then COPY), and
    customers without a paid order any more lose theirs: most customers' scores are the same
    from one night to the next, and rewriting all 150,000 rows of a million-order store cost
    4 s (index entries and the customer foreign key's checks). `computed_at` is therefore when
    a row last changed. The scheduled job calls it without arguments; `currency` is the base
    currency written on the rows (the store's).
    """
    if currency is None:
        from freehold.storefront.selectors import store_settings

        currency = store_settings().currency
    now = clock.now()
    writer = RowWriter(CustomerScore, with_pk=False)
    # Read and write in one transaction: the scores are of one snapshot of the orders.
    with analytic_transaction():
        figures = customer_figures_all()
        scores = score_customers(figures, now=now)
        stored = _stored_keys()
        rows: list[dict[str, object]] = []
        for item, score in zip(figures, scores, strict=True):
            spent = item.spent.quantize(_CENTS)
            key = _key(
                item.orders,
                spent,
                currency,
                int(item.first_order_at.timestamp()),
                int(item.last_order_at.timestamp()),
                (score.recency, score.frequency, score.monetary, score.rfm_class),
            )
            if stored.get(item.customer_id) == key:
                continue
            rows.append(
                {
                    "customer_id": item.customer_id,
                    "orders_count": item.orders,
                    "total_spent_amount": spent,
                    "currency": currency,
                    "first_order_at": item.first_order_at,
                    "last_order_at": item.last_order_at,
                    "recency": score.recency,
                    "frequency": score.frequency,
                    "monetary": score.monetary,
                    "rfm_class": score.rfm_class,
                    "computed_at": now,
                }
            )
        scored = {item.customer_id for item in figures}
        removed = [customer_id for customer_id in stored if customer_id not in scored]
        if len(rows) > len(stored) * _REWRITE_SHARE:
            keep = {row["customer_id"] for row in rows}
            unchanged = (
                [customer_id for customer_id in scored if customer_id not in keep] if stored else []
            )
            CustomerScore.objects.all().delete()
            rows += _unchanged_rows(unchanged, figures, scores, currency, now)
        else:
            gone = removed + [row["customer_id"] for row in rows if row["customer_id"] in stored]
            for start in range(0, len(gone), WRITE_BATCH):
                CustomerScore.objects.filter(
                    customer_id__in=gone[start : start + WRITE_BATCH]
                ).delete()
        for start in range(0, len(rows), WRITE_BATCH):
            writer.write(rows[start : start + WRITE_BATCH])
    return RecomputeResult(
        customers=len(scores), written=len(rows), removed=len(removed), computed_at=now
    )


def _unchanged_rows(
    customer_ids: list[int],
    figures: Sequence[CustomerFigures],
    scores: Sequence[Score],
    currency: str,
    now: dt.datetime,
) -> list[dict[str, object]]:
    """Rows for customers whose scores did not change, when the whole table is rewritten."""
    wanted = set(customer_ids)
    return [
        {
            "customer_id": item.customer_id,
            "orders_count": item.orders,
            "total_spent_amount": item.spent.quantize(_CENTS),
            "currency": currency,
            "first_order_at": item.first_order_at,
            "last_order_at": item.last_order_at,
            "recency": score.recency,
            "frequency": score.frequency,
            "monetary": score.monetary,
            "rfm_class": score.rfm_class,
            "computed_at": now,
        }
        for item, score in zip(figures, scores, strict=True)
        if item.customer_id in wanted
    ]


def rfm_recompute_now(*, actor: Actor) -> RecomputeResult:
    """The dashboard's "Recompute now": the nightly job run at once, recorded as a run of
    the job (its last run shows on the RFM page) and audit-logged."""
    started = clock.now()
    result = rfm_recompute()
    with transaction.atomic():
        job, _ = ScheduledJob.objects.get_or_create(name=JOB_NAME)
        ScheduledJob.objects.filter(pk=job.pk).update(
            last_started_at=started, last_finished_at=clock.now(), last_error=""
        )
        audit.record(
            actor=actor,
            verb="insights.rfm_recomputed",
            obj=job,
            data={"customers": result.customers, "written": result.written},
        )
    return result


# --- Reading scores -------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassFigures:
    code: str
    label: str
    description: str
    customers: int
    revenue: Decimal
    customer_share: Decimal  # per cent
    revenue_share: Decimal  # per cent


@dataclass
class RfmSummary:
    classes: list[ClassFigures]
    # (recency, frequency-monetary) -> customers, for the 5x5 grid
    grid: dict[tuple[int, int], int]
    customers: int
    revenue: Decimal
    computed_at: dt.datetime | None
    currency: str


def _share(part: Decimal, whole: Decimal) -> Decimal:
    if not whole:
        return ZERO
    return (part * 100 / whole).quantize(Decimal("0.1"))


def rfm_summary() -> RfmSummary:
    """Customers and revenue by class and by grid cell, from the scores: one query grouped by
    the three scores (at most 125 rows); when they were computed: the job's last run, or the
    newest row if later (one query)."""
    rows = (
        CustomerScore.objects.order_by()
        .values("recency", "frequency", "monetary", "rfm_class")
        .annotate(
            customers=Count("pk"),
            revenue=Sum("total_spent_amount"),
            computed=Max("computed_at"),
            currency=Max("currency"),
        )
    )
    by_class: dict[str, list[Decimal]] = {code: [ZERO, ZERO] for code in CLASSES}
    grid: dict[tuple[int, int], int] = {}
    computed_at: dt.datetime | None = None
    currency = ""
    for row in rows:
        figures = by_class.setdefault(row["rfm_class"], [ZERO, ZERO])
        figures[0] += row["customers"]
        figures[1] += Decimal(row["revenue"] or 0)
        if 1 <= row["recency"] <= 5 and 1 <= row["frequency"] <= 5 and 1 <= row["monetary"] <= 5:
            cell = (row["recency"], frequency_monetary(row["frequency"], row["monetary"]))
            grid[cell] = grid.get(cell, 0) + row["customers"]
        if row["computed"] and (computed_at is None or row["computed"] > computed_at):
            computed_at = row["computed"]
        currency = currency or row["currency"] or ""
    job_finished = (
        ScheduledJob.objects.filter(name=JOB_NAME)
        .values_list("last_finished_at", flat=True)
        .first()
    )
    if job_finished and (computed_at is None or job_finished > computed_at):
        computed_at = job_finished
    customers = sum((figures[0] for figures in by_class.values()), ZERO)
    revenue = sum((figures[1] for figures in by_class.values()), ZERO)
    classes = [
        ClassFigures(
            code=code,
            label=class_label(code),
            description=CLASSES.get(code, ("", ""))[1],
            customers=int(figures[0]),
            revenue=figures[1].quantize(Decimal("0.01")),
            customer_share=_share(figures[0], customers),
            revenue_share=_share(figures[1], revenue),
        )
        for code, figures in by_class.items()
    ]
    return RfmSummary(
        classes=classes,
        grid=grid,
        customers=int(customers),
        revenue=revenue.quantize(Decimal("0.01")),
        computed_at=computed_at,
        currency=currency,
    )
