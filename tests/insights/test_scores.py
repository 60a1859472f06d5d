"""RFM: quintile scores on plain lists (ties share a score), the class map, and
`rfm_recompute` over customers with orders at known dates (one aggregate query)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from freehold.core import clock
from freehold.insights import scores
from freehold.insights.models import CustomerScore
from freehold.orders.states import PaymentStatus
from tests.factories import make_store_settings
from tests.insights.audience_factories import NOW, buyer, order_for


def test_quintiles_of_ten_distinct_values_give_two_of_each_score():
    values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]

    result = scores.quintile_scores(values)

    assert result == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_quintiles_keep_the_input_order():
    assert scores.quintile_scores([Decimal("5"), Decimal("1"), Decimal("3")]) == [4, 1, 2]


def test_equal_values_always_get_the_same_score():
    # 6 of 10 customers ordered once: all of them score 1, never split across 1, 2 and 3.
    values = [1, 1, 1, 1, 1, 1, 2, 2, 3, 7]

    result = scores.quintile_scores(values)

    assert result == [1, 1, 1, 1, 1, 1, 4, 4, 5, 5]


def test_recency_scores_fewer_days_higher():
    days = [1, 400, 30, 200, 90]

    assert scores.quintile_scores(days, higher_is_better=False) == [5, 1, 4, 2, 3]


def test_an_empty_list_scores_nothing_and_one_customer_scores_one():
    assert scores.quintile_scores([]) == []
    assert scores.quintile_scores([42]) == [1]


@pytest.mark.parametrize(
    ("recency", "frequency", "monetary", "expected"),
    [
        (5, 5, 5, scores.CHAMPIONS),
        (5, 4, 3, scores.CHAMPIONS),  # FM = (4 + 3) / 2 rounded half up = 4
        (4, 5, 5, scores.LOYAL),
        (3, 4, 4, scores.LOYAL),
        (5, 2, 2, scores.POTENTIAL_LOYALIST),
        (5, 1, 1, scores.NEW),
        (4, 1, 1, scores.PROMISING),
        (3, 3, 3, scores.NEED_ATTENTION),
        (3, 1, 2, scores.ABOUT_TO_SLEEP),
        (2, 3, 4, scores.AT_RISK),
        (1, 5, 5, scores.CANT_LOSE),
        (2, 2, 1, scores.HIBERNATING),
        (1, 1, 1, scores.LOST),
    ],
)
def test_classes_follow_the_segment_map(recency, frequency, monetary, expected):
    assert scores.rfm_class(recency, frequency, monetary) == expected


def test_every_cell_of_the_grid_has_one_known_class():
    assert len(scores.GRID) == 25
    assert set(scores.GRID.values()) == set(scores.CLASSES)


def test_scoring_plain_figures_relative_to_each_other():
    def figures(customer_id: int, orders: int, spent: str, days_ago: int):
        last = NOW - dt.timedelta(days=days_ago)
        return scores.CustomerFigures(customer_id, orders, Decimal(spent), last, last)

    result = scores.score_customers(
        [
            figures(1, 9, "900", 2),
            figures(2, 1, "20", 300),
            figures(3, 3, "150", 40),
            figures(4, 1, "35", 5),
            figures(5, 5, "400", 120),
        ],
        now=NOW,
    )

    by_id = {score.customer_id: score for score in result}
    assert (by_id[1].recency, by_id[1].frequency, by_id[1].monetary) == (5, 5, 5)
    assert by_id[1].rfm_class == scores.CHAMPIONS
    assert by_id[2].rfm_class == scores.LOST
    assert by_id[4].recency_days == 5
    # second most recent (R4), one order (F1), second lowest spend (M2): FM 2
    assert (by_id[4].recency, by_id[4].frequency, by_id[4].monetary) == (4, 1, 2)
    assert by_id[4].rfm_class == scores.POTENTIAL_LOYALIST


@pytest.mark.django_db
def test_recompute_scores_customers_from_their_paid_orders_in_one_query():
    make_store_settings(currency="EUR")
    loyal = buyer("loyal@example.com")
    for days in (3, 40, 90, 150):
        order_for(loyal, "100.00", days_ago=days)
    once = buyer("once@example.com")
    order_for(once, "30.00", days_ago=300)
    refunded = buyer("refunded@example.com")
    order_for(refunded, "80.00", days_ago=10, refunded="30.00", currency="USD", base_total="40.00")
    unpaid = buyer("unpaid@example.com")
    order_for(unpaid, "50.00", days_ago=1, payment_status=PaymentStatus.AWAITING_PAYMENT)
    order_for(None, "70.00", days_ago=1)  # a guest: not scored
    CustomerScore.objects.create(customer=unpaid, rfm_class=scores.LOST)  # stale row

    with clock.frozen_at(NOW), CaptureQueriesContext(connection) as queries:
        result = scores.rfm_recompute()

    reads = [q for q in queries.captured_queries if "orders_order" in q["sql"]]
    assert len(reads) == 1
    assert result.customers == 3
    rows = {
        score.customer.email: score for score in CustomerScore.objects.select_related("customer")
    }
    assert set(rows) == {"loyal@example.com", "once@example.com", "refunded@example.com"}
    assert rows["loyal@example.com"].orders_count == 4
    assert rows["loyal@example.com"].total_spent_amount == Decimal("400.00")
    assert rows["loyal@example.com"].last_order_at == NOW - dt.timedelta(days=3)
    assert rows["loyal@example.com"].first_order_at == NOW - dt.timedelta(days=150)
    # 30 of 80 USD refunded is 3/8 of the 40 EUR base total: 25 EUR kept.
    assert rows["refunded@example.com"].total_spent_amount == Decimal("25.00")
    assert rows["refunded@example.com"].currency == "EUR"
    # Best of three: two customers below, 1 + floor(5 * 2 / 3) = 4.
    assert (rows["loyal@example.com"].recency, rows["loyal@example.com"].frequency) == (4, 4)
    # Longest ago (R1), one order (F1), more than the refunded customer kept (M2): FM 2.
    once = rows["once@example.com"]
    assert (once.recency, once.frequency, once.monetary) == (1, 1, 2)
    assert once.rfm_class == scores.HIBERNATING
    assert rows["loyal@example.com"].computed_at == NOW


@pytest.mark.django_db
def test_recompute_as_time_passes_moves_a_customer_down_in_recency():
    make_store_settings(currency="EUR")
    early = buyer("early@example.com")
    order_for(early, "60.00", at=NOW - dt.timedelta(days=1))
    late = buyer("late@example.com")
    order_for(late, "60.00", at=NOW - dt.timedelta(days=20))
    with clock.frozen_at(NOW):
        scores.rfm_recompute()
    # the better of two: one customer below, 1 + floor(5 * 1 / 2) = 3
    assert CustomerScore.objects.get(customer=early).recency == 3
    assert CustomerScore.objects.get(customer=late).recency == 1

    # a month later the late customer buys again
    later = NOW + dt.timedelta(days=30)
    order_for(late, "60.00", at=later - dt.timedelta(hours=1))
    with clock.frozen_at(later):
        scores.rfm_recompute()

    assert CustomerScore.objects.get(customer=early).recency == 1
    assert CustomerScore.objects.get(customer=late).recency == 3
    assert CustomerScore.objects.get(customer=late).orders_count == 2
    assert CustomerScore.objects.get(customer=late).frequency == 3


@pytest.mark.django_db
def test_a_second_run_writes_only_what_changed_and_drops_who_no_longer_bought():
    make_store_settings(currency="EUR")
    customers = [buyer(f"c{index}@example.com") for index in range(6)]
    for index, customer in enumerate(customers):
        order_for(customer, f"{10 * (index + 1)}.00", days_ago=10 * (index + 1))
    with clock.frozen_at(NOW):
        first = scores.rfm_recompute()
    assert (first.customers, first.written, first.removed) == (6, 6, 0)

    # an hour later: one customer's only order turns out voided, another buys again
    customers[0].orders.update(payment_status=PaymentStatus.VOIDED)
    order_for(customers[5], "500.00", at=NOW + dt.timedelta(minutes=30))
    later = NOW + dt.timedelta(hours=1)
    with clock.frozen_at(later):
        second = scores.rfm_recompute()

    assert second.customers == 5
    assert second.removed == 1
    assert 1 <= second.written < 5
    assert not CustomerScore.objects.filter(customer=customers[0]).exists()
    rows = {row.customer_id: row for row in CustomerScore.objects.all()}
    assert rows[customers[5].pk].orders_count == 2
    assert rows[customers[5].pk].computed_at == later
    assert NOW in {row.computed_at for row in rows.values()}  # untouched rows kept theirs


@pytest.mark.django_db
def test_the_scheduled_job_is_declared_and_runs(settings):
    make_store_settings(currency="EUR")
    order_for(buyer("a@example.com"), "10.00", days_ago=1)
    from freehold.core import schedule

    job = next(job for job in schedule.jobs() if job.name == scores.JOB_NAME)
    with clock.frozen_at(NOW):
        ran = schedule.run_job(job, force=True)

    assert ran
    assert CustomerScore.objects.count() == 1


@pytest.mark.django_db
def test_summary_adds_up_customers_and_revenue_by_class():
    make_store_settings(currency="EUR")
    for index, days in enumerate((1, 2, 200, 300)):
        order_for(buyer(f"c{index}@example.com"), "50.00", days_ago=days)
    with clock.frozen_at(NOW):
        scores.rfm_recompute()

    summary = scores.rfm_summary()

    assert summary.customers == 4
    assert summary.revenue == Decimal("200.00")
    assert sum(item.customers for item in summary.classes) == 4
    assert sum(summary.grid.values()) == 4
    assert summary.computed_at == NOW
