"""Cohorts on handmade orders: cohort sizes, retention and revenue by month since the first
paid order, the repeat-purchase rate and the median time between orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.core import clock
from freehold.insights import cohorts
from freehold.orders.states import PaymentStatus
from tests.factories import make_store_settings
from tests.insights.audience_factories import NOW, buyer, order_for


def day(month: int, number: int) -> dt.datetime:
    return dt.datetime(2026, month, number, 12, tzinfo=dt.UTC)


@pytest.fixture
def history(db):
    make_store_settings(currency="EUR")
    a = buyer("a@example.com")
    order_for(a, "100.00", at=day(4, 10))
    order_for(a, "50.00", at=day(5, 10))
    order_for(a, "30.00", at=day(6, 10))
    b = buyer("b@example.com")
    order_for(b, "40.00", at=day(4, 20))
    order_for(b, "20.00", at=day(4, 25))
    c = buyer("c@example.com")
    order_for(c, "70.00", at=day(5, 5))
    order_for(c, "10.00", at=day(6, 5))
    d = buyer("d@example.com")  # acquired before the table's months
    order_for(d, "15.00", at=day(1, 15))
    order_for(d, "15.00", at=day(5, 15))
    e = buyer("e@example.com")  # the April order was never paid: acquired in June
    order_for(e, "99.00", at=day(4, 2), payment_status=PaymentStatus.AWAITING_PAYMENT)
    order_for(e, "25.00", at=day(6, 1))
    order_for(None, "500.00", at=day(4, 3))  # a guest: not in cohorts


def test_cohorts_count_customers_and_revenue_by_month_since_their_first(history):
    with clock.frozen_at(NOW):
        table = cohorts.cohort_table(months=3)

    april, may, june = table.cohorts
    assert [cohort.month for cohort in table.cohorts] == [
        dt.date(2026, 4, 1),
        dt.date(2026, 5, 1),
        dt.date(2026, 6, 1),
    ]
    assert (april.size, may.size, june.size) == (2, 1, 1)
    assert [(cell.customers, cell.revenue) for cell in april.cells if cell] == [
        (2, Decimal("160.00")),
        (1, Decimal("50.00")),
        (1, Decimal("30.00")),
    ]
    assert april.cells[1].rate == Decimal("50.0")
    assert may.cells[0].revenue == Decimal("70.00")
    assert may.cells[1].rate == Decimal("100.0")
    assert may.cells[2] is None  # July has not happened yet
    assert june.cells[1:] == [None, None]


def test_repeat_rate_and_median_time_between_orders(history):
    with clock.frozen_at(NOW):
        table = cohorts.cohort_table(months=3)

    assert table.customers == 4
    assert table.repeat_customers == 3  # a, b and c; e ordered once (paid)
    assert table.repeat_rate == Decimal("75.0")
    # gaps of the repeat orders placed since April: 5 (b), 30 and 31 (a), 31 (c), 120 (d)
    assert table.gaps_counted == 5
    assert table.median_days_between_orders == Decimal("31.0")


def test_a_longer_period_shows_older_cohorts_and_later_months_move_the_table(history):
    with clock.frozen_at(NOW):
        table = cohorts.cohort_table(months=12)
    assert len(table.cohorts) == 12
    january = next(cohort for cohort in table.cohorts if cohort.month == dt.date(2026, 1, 1))
    assert january.size == 1
    assert january.cells[4].customers == 1  # d came back in May

    with clock.frozen_at(NOW + dt.timedelta(days=31)):
        later = cohorts.cohort_table(months=3)
    assert later.cohorts[0].month == dt.date(2026, 5, 1)
    assert later.cohorts[-1].size == 0  # nobody acquired in July


def test_no_orders_gives_an_empty_table(db):
    with clock.frozen_at(NOW):
        table = cohorts.cohort_table(months=12)

    assert table.customers == 0
    assert table.repeat_rate is None
    assert table.median_days_between_orders is None


def test_median_of_a_histogram():
    assert cohorts.median_of_histogram([]) is None
    assert cohorts.median_of_histogram([(3, 1)]) == Decimal("3.0")
    assert cohorts.median_of_histogram([(1, 2), (10, 2)]) == Decimal("5.5")
    assert cohorts.median_of_histogram([(1, 1), (2, 5), (100, 1)]) == Decimal("2.0")
