"""What the dashboard's home page reads: the period's figures against the period before, and
the to-do counts.

Everything is aggregated in the database (SUM/COUNT grouped by day or hour in the store's time
zone, by product, by country), so the page runs the same handful of queries for ten orders or
a million:
  1. `sales_summary`: orders of both periods grouped by day (or hour) and currency, with the
     gross, the refunds and the returning customers' orders (one query);
  2. `top_products`: the period's order lines grouped by product (one query);
  3. `sales_by_country`: the period's orders grouped by shipping country (one query);
  4. `todo_counts`: open orders to fulfil / awaiting payment (one query), open return
     requests and low-stock variants (one each).

Which orders count: orders *placed* in the period whose payment was taken (paid, partially
refunded or refunded); "sales" is their totals minus what was refunded on them. Money stays
Decimal: the figures are in the store's currency, and orders in other currencies are reported
per currency beside them, never converted.

Periods: "today" is today since midnight against yesterday until the same time; "7", "30" and
"90" are that many calendar days up to now (today included) against the same days before, each
ending at the same time of day, so a morning never compares half a day with a full one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DecimalField,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce, TruncDate, TruncHour
from django.utils import timezone

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES, Product, Variant
from freehold.core import clock
from freehold.orders.models import Order, OrderLine, Payment
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.returns.models import ReturnRequest

PERIODS: dict[str, tuple[str, int]] = {
    "today": ("Today", 1),
    "7": ("Last 7 days", 7),
    "30": ("Last 30 days", 30),
    "90": ("Last 90 days", 90),
}
DEFAULT_PERIOD = "30"
# Orders whose payment was taken: they count as sales (refunds are subtracted).
PAID_STATES = (
    PaymentStatus.PAID,
    PaymentStatus.PARTIALLY_REFUNDED,
    PaymentStatus.REFUNDED,
)
REFUNDED_STATES = (PaymentStatus.PARTIALLY_REFUNDED, PaymentStatus.REFUNDED)
OPEN_RETURN_STATES = (
    ReturnRequest.Status.REQUESTED,
    ReturnRequest.Status.APPROVED,
    ReturnRequest.Status.RECEIVED,
)
# Memory for one sort or hash of the reports' queries, for their transaction only.
REPORT_WORK_MEM = "64MB"
# The country code of the row adding up the countries past the chart's limit.
OTHER_COUNTRIES = "*"
ZERO = Decimal(0)
HUNDRED = Decimal(100)
_MONEY = DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)


# --- Running the reports ---------------------------------------------------------------------


@contextmanager
def reporting() -> Iterator[None]:
    """Run the figures' queries in one transaction tuned for reading many rows, on PostgreSQL.

    Measured on a million orders (bench/dashboard_bench.py): PostgreSQL's JIT compiler spent
    2.3 of the 3.8 s of the summary query compiling it (its cost estimate, inflated by the
    correlated subqueries, crosses `jit_above_cost`), and the day buckets' sort spilled to disk
    with the default 4 MB `work_mem`. Both settings are changed for this transaction only
    (`set_config(..., true)` is `SET LOCAL`), never for the connection, which serves shoppers
    next. One query more; nothing on SQLite.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('work_mem', %s, true)",
                [REPORT_WORK_MEM],
            )
        yield


# --- Periods ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    key: str
    label: str
    days: int
    start: dt.datetime
    end: dt.datetime
    previous_start: dt.datetime
    previous_end: dt.datetime
    zone: dt.tzinfo

    @property
    def hourly(self) -> bool:
        """ "Today" is drawn hour by hour, longer periods day by day."""
        return self.days == 1

    @property
    def first_day(self) -> dt.date:
        return timezone.localtime(self.start, self.zone).date()

    @property
    def previous_first_day(self) -> dt.date:
        return timezone.localtime(self.previous_start, self.zone).date()

    @property
    def slots(self) -> int:
        """Points on the chart: 24 hours, or one per day."""
        return 24 if self.hourly else self.days


def period_for(
    key: str | None, *, now: dt.datetime | None = None, zone: dt.tzinfo | None = None
) -> Period:
    """The period a `?period=` value names (the default for anything else)."""
    if key not in PERIODS:
        key = DEFAULT_PERIOD
    label, days = PERIODS[key]
    zone = zone or timezone.get_current_timezone()
    local_now = timezone.localtime(now or clock.now(), zone).replace(tzinfo=None)
    first = dt.datetime.combine(local_now.date() - dt.timedelta(days=days - 1), dt.time.min)
    shift = dt.timedelta(days=days)

    def aware(moment: dt.datetime) -> dt.datetime:
        return timezone.make_aware(moment, zone)

    return Period(
        key=key,
        label=label,
        days=days,
        start=aware(first),
        end=aware(local_now),
        previous_start=aware(first - shift),
        previous_end=aware(local_now - shift),
        zone=zone,
    )


# --- Figures ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A figure of the period and of the period before."""

    current: Decimal
    previous: Decimal

    @property
    def change(self) -> Decimal | None:
        """The change in per cent (None when there is nothing to compare with)."""
        if not self.previous:
            return None
        return ((self.current - self.previous) / self.previous * HUNDRED).quantize(Decimal("0.1"))

    @property
    def direction(self) -> str:
        if self.current > self.previous:
            return "up"
        if self.current < self.previous:
            return "down"
        return "flat"


@dataclass(frozen=True)
class OtherCurrency:
    currency: str
    orders: int
    sales: Decimal


@dataclass
class SalesSummary:
    period: Period
    currency: str
    sales: Figure
    gross_sales: Figure
    refunds: Figure
    orders: Figure
    average_order_value: Figure
    returning_rate: Figure
    # One value per chart slot (hour or day), the current period and the one before.
    labels: list[str]
    current_series: list[Decimal | None]
    previous_series: list[Decimal | None]
    slot_names: list[tuple[str, str]] = field(default_factory=list)
    other_currencies: list[OtherCurrency] = field(default_factory=list)


def _ordered_before(moment: dt.datetime) -> Q:
    """The order's e-mail, or its customer account, had placed an order before `moment`.

    Read from `Order.customer_first_order_at`, which the order's INSERT fills (empty for a first
    order): searching every period order's history instead took 2.5 of the summary's 4 s on a
    million orders, even as hashed subplans.
    """
    return Q(customer_first_order_at__lt=moment)


def _refunded_amount() -> Case:
    """What was refunded on an order; the subquery runs only for orders marked refunded."""
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
        When(
            payment_status__in=REFUNDED_STATES,
            then=Coalesce(Subquery(refunds, output_field=_MONEY), Value(ZERO), output_field=_MONEY),
        ),
        default=Value(ZERO),
        output_field=_MONEY,
    )


def _slot(period: Period, bucket: Any) -> tuple[bool, int] | None:
    """(is the current period, index on the chart) of a day or hour bucket from the database."""
    if period.hourly:
        local = timezone.localtime(bucket, period.zone) if timezone.is_aware(bucket) else bucket
        day, index = local.date(), local.hour
        if day == period.first_day:
            return True, index
        if day == period.previous_first_day:
            return False, index
        return None
    day = bucket if isinstance(bucket, dt.date) and not isinstance(bucket, dt.datetime) else None
    if day is None:
        day = (
            timezone.localtime(bucket, period.zone).date()
            if timezone.is_aware(bucket)
            else bucket.date()
        )
    if day >= period.first_day:
        return True, (day - period.first_day).days
    return False, (day - period.previous_first_day).days


def _labels(period: Period) -> tuple[list[str], list[tuple[str, str]]]:
    """Axis labels, and (current, previous) names of each slot for the data table."""
    if period.hourly:
        hours = [f"{hour:02d}:00" for hour in range(24)]
        return hours, [(hour, hour) for hour in hours]
    days = [period.first_day + dt.timedelta(days=index) for index in range(period.days)]
    before = [period.previous_first_day + dt.timedelta(days=index) for index in range(period.days)]
    fmt = "%a %d" if period.days <= 7 else "%d %b"
    return (
        [day.strftime(fmt) for day in days],
        [
            (a.strftime("%d %b %Y"), b.strftime("%d %b %Y"))
            for a, b in zip(days, before, strict=True)
        ],
    )


@dataclass
class _Totals:
    count: int = 0
    gross: Decimal = ZERO
    refunded: Decimal = ZERO
    returning: int = 0

    def add(self, row: Mapping[str, Any]) -> None:
        self.count += row["count"]
        self.gross += row["gross"] or ZERO
        self.refunded += row["refunded"] or ZERO
        self.returning += row["returning"]


def _zero_filled(values: list[Decimal | None], elapsed: int) -> list[Decimal | None]:
    """Slots that have begun but sold nothing are zero; slots still to come stay empty."""
    return [ZERO if value is None else value for value in values[:elapsed]] + values[elapsed:]


def sales_summary(period: Period, *, currency: str) -> SalesSummary:
    """The period's sales, orders, average order value and returning rate, and the chart's
    points, against the period before: one query grouped by day (hour) and currency."""
    in_current = Q(placed_at__gte=period.start, placed_at__lt=period.end)
    in_previous = Q(placed_at__gte=period.previous_start, placed_at__lt=period.previous_end)
    returning = (in_current & _ordered_before(period.start)) | (
        in_previous & _ordered_before(period.previous_start)
    )
    bucket = (
        TruncHour("placed_at", tzinfo=period.zone)
        if period.hourly
        else TruncDate("placed_at", tzinfo=period.zone)
    )
    rows = (
        # Both periods and the gap between them first, as one range the index answers; the
        # two periods alone are an OR PostgreSQL can only filter with, reading the whole index.
        Order.objects.filter(
            placed_at__gte=period.previous_start,
            placed_at__lt=period.end,
            payment_status__in=PAID_STATES,
        )
        .filter(in_current | in_previous)
        .order_by()
        .annotate(bucket=bucket)
        .values("bucket", "currency")
        .annotate(
            count=Count("pk"),
            gross=Sum("total_amount"),
            refunded=Sum(_refunded_amount()),
            returning=Count("pk", filter=returning),
        )
    )
    totals = {True: _Totals(), False: _Totals()}
    current: list[Decimal | None] = [None] * period.slots
    previous: list[Decimal | None] = [None] * period.slots
    others: dict[str, OtherCurrency] = {}
    for row in rows:
        placed = _slot(period, row["bucket"])
        if placed is None:
            continue
        is_current, index = placed
        net = (row["gross"] or ZERO) - (row["refunded"] or ZERO)
        if row["currency"] != currency:
            if is_current:
                known = others.get(row["currency"], OtherCurrency(row["currency"], 0, ZERO))
                others[row["currency"]] = OtherCurrency(
                    known.currency, known.orders + row["count"], known.sales + net
                )
            continue
        totals[is_current].add(row)
        series = current if is_current else previous
        if 0 <= index < period.slots:
            series[index] = (series[index] or ZERO) + net
    elapsed = _elapsed_slots(period)
    current = _zero_filled(current, elapsed)
    previous = _zero_filled(previous, elapsed)
    labels, slot_names = _labels(period)
    now, before = totals[True], totals[False]
    gross = Figure(now.gross, before.gross)
    refunds = Figure(now.refunded, before.refunded)
    count = Figure(Decimal(now.count), Decimal(before.count))
    sales = Figure(gross.current - refunds.current, gross.previous - refunds.previous)
    return SalesSummary(
        period=period,
        currency=currency,
        sales=sales,
        gross_sales=gross,
        refunds=refunds,
        orders=count,
        average_order_value=Figure(
            _ratio(sales.current, count.current), _ratio(sales.previous, count.previous)
        ),
        returning_rate=Figure(
            _ratio(Decimal(now.returning) * HUNDRED, count.current, places="0.1"),
            _ratio(Decimal(before.returning) * HUNDRED, count.previous, places="0.1"),
        ),
        labels=labels,
        current_series=current,
        previous_series=previous,
        slot_names=slot_names,
        other_currencies=sorted(others.values(), key=lambda other: other.currency),
    )


def _elapsed_slots(period: Period) -> int:
    local_end = timezone.localtime(period.end, period.zone)
    if period.hourly:
        return local_end.hour + 1
    return period.days


def _ratio(numerator: Decimal, denominator: Decimal, *, places: str = "0.01") -> Decimal:
    if not denominator:
        return ZERO
    return (numerator / denominator).quantize(Decimal(places))


# --- Top products -------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductSales:
    product_id: int | None
    title: str
    units: int
    revenue: Decimal


@dataclass
class TopProducts:
    by_units: list[ProductSales]
    by_revenue: list[ProductSales]


def top_products(period: Period, *, currency: str, limit: int = 5) -> TopProducts:
    """The period's best sellers by units (net of units refunded) and by revenue (line totals
    in the store's currency): one query grouped by product, ranked in Python."""
    rows = (
        OrderLine.objects.filter(
            order__placed_at__gte=period.start,
            order__placed_at__lt=period.end,
            order__payment_status__in=PAID_STATES,
            currency=currency,
        )
        .order_by()
        .values("variant__product_id")
        .annotate(
            name=Max("product_title"),
            units=Sum(F("quantity") - F("quantity_refunded"), output_field=IntegerField()),
            revenue=Sum("total_amount"),
        )
    )
    sales = [
        ProductSales(
            product_id=row["variant__product_id"],
            title=row["name"] or "",
            units=row["units"] or 0,
            revenue=row["revenue"] or ZERO,
        )
        for row in rows
    ]
    return TopProducts(
        by_units=sorted(sales, key=lambda item: (-item.units, -item.revenue, item.title))[:limit],
        by_revenue=sorted(sales, key=lambda item: (-item.revenue, -item.units, item.title))[:limit],
    )


# --- Sales by country ---------------------------------------------------------------------


@dataclass(frozen=True)
class CountrySales:
    country_code: str
    orders: int
    sales: Decimal


def sales_by_country(period: Period, *, currency: str, limit: int = 12) -> list[CountrySales]:
    """The period's gross sales by shipping country, largest first (one query); past `limit`
    countries the rest are added up under `OTHER_COUNTRIES`."""
    rows = (
        Order.objects.filter(
            placed_at__gte=period.start,
            placed_at__lt=period.end,
            payment_status__in=PAID_STATES,
            currency=currency,
        )
        .order_by()
        .annotate(country=KeyTextTransform("country_code", "shipping_address"))
        .values("country")
        .annotate(orders=Count("pk"), sales=Sum("total_amount"))
    )
    countries = sorted(
        (
            CountrySales(
                country_code=(row["country"] or "").upper(),
                orders=row["orders"],
                sales=row["sales"] or ZERO,
            )
            for row in rows
        ),
        key=lambda item: (-item.sales, item.country_code),
    )
    if len(countries) <= limit:
        return countries
    rest = countries[limit - 1 :]
    other = CountrySales(
        country_code=OTHER_COUNTRIES,
        orders=sum(item.orders for item in rest),
        sales=sum((item.sales for item in rest), ZERO),
    )
    return [*countries[: limit - 1], other]


# --- To do --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Todo:
    """Counts of what waits for staff; None for an area the staff member may not see."""

    to_fulfil: int | None = None
    awaiting_payment: int | None = None
    open_returns: int | None = None
    low_stock: int | None = None


def todo_counts(*, orders: bool, products: bool, low_stock_threshold: int) -> Todo:
    """Open orders paid but not shipped and awaiting payment (one query), open return
    requests and low-stock variants (one each), for the areas asked for only."""
    counts: dict[str, int | None] = {}
    if orders:
        counts.update(
            # The same condition as the partial index `orders_order_todo_idx`, so the counts
            # read only the orders waiting for staff, not every open order ever shipped.
            Order.objects.filter(
                Q(status=OrderStatus.OPEN)
                & (
                    Q(payment_status=PaymentStatus.AWAITING_PAYMENT)
                    | Q(
                        payment_status=PaymentStatus.PAID,
                        fulfilment_status=FulfilmentStatus.UNFULFILLED,
                    )
                )
            ).aggregate(
                # Counting a column of the partial index (never null), not the primary key,
                # lets the index alone answer: an index-only scan.
                to_fulfil=Count(
                    "payment_status",
                    filter=Q(
                        payment_status=PaymentStatus.PAID,
                        fulfilment_status=FulfilmentStatus.UNFULFILLED,
                    ),
                ),
                awaiting_payment=Count(
                    "payment_status", filter=Q(payment_status=PaymentStatus.AWAITING_PAYMENT)
                ),
            )
        )
        counts["open_returns"] = ReturnRequest.objects.filter(status__in=OPEN_RETURN_STATES).count()
    if products:
        counts["low_stock"] = low_stock_variants(threshold=low_stock_threshold).count()
    return Todo(**counts)


def low_stock_variants(*, threshold: int) -> Any:
    """Variants of active products that track stock and have `threshold` or fewer left."""
    return Variant.objects.filter(
        track_inventory=True,
        stock_quantity__lte=threshold,
        product__status=Product.Status.ACTIVE,
    )
