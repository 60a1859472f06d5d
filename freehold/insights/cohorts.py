"""Acquisition cohorts: customers grouped by the month of their first paid order, followed
month by month (retention and revenue), with the repeat-purchase rate and the median time
between orders.

Definitions (orders as in `scores`: customers' paid orders, money in the base currency net of
refunds; months in the store's time zone):
- a customer's cohort is the month of their first paid order ever; the table shows the cohorts
  of the last `months` months (the current one included);
- cell (cohort, k) counts the cohort's customers with a paid order in the k-th month after
  that (k = 0 is the first month: everyone) and adds up those orders' revenue;
- repeat-purchase rate: the share of the shown cohorts' customers with two or more paid orders;
- time between orders: the median of the days between a customer's consecutive paid orders,
  over the repeat orders placed in the period.

Guest checkouts have no account and are not in cohorts (an e-mail address proves nothing:
anyone can type one, README "Customer accounts").

Each figure is ONE query reading the orders once: the table groups them by customer and month,
finds each customer's first month with a window function, and groups by (cohort, month); the
time between orders is a histogram by whole days of a window function's gaps. Both are built
from the ORM's own SQL (time zones and month arithmetic as Django writes them for the backend)
inside a small outer SELECT that is the same on SQLite and PostgreSQL, except the day
difference.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, F, Sum, Window
from django.db.models.functions import ExtractMonth, ExtractYear, Lag
from django.utils import timezone

from freehold.core import clock
from freehold.insights import scores

PERIODS = (12, 18, 24)
DEFAULT_MONTHS = 18
ZERO = Decimal(0)
CENT = Decimal("0.01")


def month_number(moment: dt.datetime) -> int:
    """Months since year 0 of a moment in the store's time zone (January 2026 = 24312)."""
    local = timezone.localtime(moment)
    return local.year * 12 + local.month - 1


def month_start(number: int) -> dt.date:
    return dt.date(number // 12, number % 12 + 1, 1)


def _month_expression() -> object:
    return ExtractYear("placed_at") * 12 + ExtractMonth("placed_at") - 1


@dataclass(frozen=True)
class Cell:
    customers: int
    revenue: Decimal
    rate: Decimal  # customers / cohort size, in per cent


@dataclass
class Cohort:
    month: dt.date
    size: int
    repeat_customers: int
    # One per month since the first (k = 0, 1, ...); None for months still to come.
    cells: list[Cell | None] = field(default_factory=list)

    @property
    def revenue(self) -> Decimal:
        return sum((cell.revenue for cell in self.cells if cell), ZERO)


@dataclass
class CohortTable:
    months: int
    start: dt.date
    cohorts: list[Cohort]
    customers: int
    repeat_customers: int
    median_days_between_orders: Decimal | None
    gaps_counted: int

    @property
    def repeat_rate(self) -> Decimal | None:
        if not self.customers:
            return None
        return (Decimal(self.repeat_customers) * 100 / self.customers).quantize(Decimal("0.1"))

    @property
    def max_rate(self) -> Decimal:
        """The highest retention after the first month (the heat map's top)."""
        return max(
            (cell.rate for cohort in self.cohorts for cell in cohort.cells[1:] if cell),
            default=ZERO,
        )

    @property
    def max_revenue(self) -> Decimal:
        return max(
            (cell.revenue for cohort in self.cohorts for cell in cohort.cells if cell),
            default=ZERO,
        )


def _decimal(value: object) -> Decimal:
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def _datetime_param(moment: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(moment)


def cohort_table(*, months: int = DEFAULT_MONTHS, now: dt.datetime | None = None) -> CohortTable:
    """The last `months` monthly cohorts (this month included) and their figures."""
    months = max(1, min(months, 60))
    now = now or clock.now()
    current = month_number(now)
    first = current - months + 1
    start = month_start(first)
    window_start = timezone.make_aware(dt.datetime.combine(start, dt.time.min))

    # One scan of the orders: grouped by customer and month (all history: a customer's first
    # month may be before the table's), then each customer's first month and order count by
    # window functions over those groups, then grouped by (cohort, month).
    by_month = (
        scores.paid_orders()
        .order_by()
        .annotate(month=_month_expression())
        .values("customer_id", "month")
        .annotate(revenue=Sum(scores.net_base_amount()), orders=Count("pk"))
    )
    months_sql, months_params = by_month.query.sql_with_params()
    sql = (
        "SELECT w.cohort, w.month, COUNT(*), SUM(w.revenue), "
        "SUM(CASE WHEN w.month = w.cohort AND w.total_orders >= 2 THEN 1 ELSE 0 END) "
        "FROM (SELECT m.month, m.revenue, "
        "MIN(m.month) OVER (PARTITION BY m.customer_id) AS cohort, "
        "SUM(m.orders) OVER (PARTITION BY m.customer_id) AS total_orders "
        f"FROM ({months_sql}) m) w "
        "WHERE w.cohort >= %s GROUP BY w.cohort, w.month"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*months_params, first])
        rows = cursor.fetchall()

    sizes: dict[int, int] = {}
    repeats: dict[int, int] = {}
    cells: dict[tuple[int, int], tuple[int, Decimal]] = {}
    for cohort, month, customers, revenue, repeat in rows:
        cohort, month = int(cohort), int(month)
        cells[(cohort, month - cohort)] = (int(customers), _decimal(revenue))
        if month == cohort:
            sizes[cohort] = int(customers)
            repeats[cohort] = int(repeat or 0)
    cohorts = []
    for number in range(first, current + 1):
        size = sizes.get(number, 0)
        row = Cohort(month=month_start(number), size=size, repeat_customers=repeats.get(number, 0))
        for k in range(current - number + 1):
            customers, revenue = cells.get((number, k), (0, ZERO))
            rate = (Decimal(customers) * 100 / size).quantize(Decimal("0.1")) if size else ZERO
            row.cells.append(Cell(customers=customers, revenue=revenue, rate=rate))
        row.cells += [None] * (months - len(row.cells))
        cohorts.append(row)
    median, counted = median_days_between_orders(since=window_start)
    return CohortTable(
        months=months,
        start=start,
        cohorts=cohorts,
        customers=sum(sizes.values()),
        repeat_customers=sum(repeats.values()),
        median_days_between_orders=median,
        gaps_counted=counted,
    )


def median_days_between_orders(*, since: dt.datetime) -> tuple[Decimal | None, int]:
    """The median of the days between consecutive paid orders of a customer, over the repeat
    orders placed since `since`, and how many gaps there were: one query, a histogram by whole
    days (a few hundred rows however many orders) whose middle is found here."""
    gaps = (
        scores.paid_orders()
        .order_by()
        .annotate(
            previous=Window(
                Lag("placed_at"),
                partition_by=[F("customer_id")],
                order_by=[F("placed_at").asc(), F("id").asc()],
            )
        )
        .values("placed_at", "previous")
    )
    gaps_sql, gaps_params = gaps.query.sql_with_params()
    if connection.vendor == "postgresql":
        days = "FLOOR(EXTRACT(EPOCH FROM (g.placed_at - g.previous)) / 86400)"
    else:
        days = "CAST(julianday(g.placed_at) - julianday(g.previous) AS INTEGER)"
    sql = (
        f"SELECT {days} AS days, COUNT(*) FROM ({gaps_sql}) g "
        "WHERE g.previous IS NOT NULL AND g.placed_at >= %s GROUP BY 1 ORDER BY 1"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*gaps_params, _datetime_param(since)])
        histogram = [(int(day), int(count)) for day, count in cursor.fetchall()]
    return median_of_histogram(histogram), sum(count for _, count in histogram)


def median_of_histogram(histogram: list[tuple[int, int]]) -> Decimal | None:
    """The median of values given as sorted (value, how many) pairs (pure)."""
    total = sum(count for _, count in histogram)
    if not total:
        return None
    wanted = [(total - 1) // 2, total // 2]  # the middle one, or the middle two
    found: list[int] = []
    seen = 0
    for value, count in histogram:
        while wanted and wanted[0] < seen + count:
            found.append(value)
            wanted.pop(0)
        seen += count
    return (Decimal(found[0] + found[1]) / 2).quantize(Decimal("0.1"))
