"""The dashboard's home: the period's figures against the period before, the charts, the
to-do counts, who sees what, and a constant number of queries."""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Iterator
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from freehold.catalog.models import Variant
from freehold.core import clock
from freehold.dashboard.home import selectors
from freehold.orders.models import Order, OrderLine, Payment
from freehold.orders.services import order_number_next
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.returns.models import ReturnRequest
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")
# A Wednesday afternoon, UTC.
NOW = dt.datetime(2026, 11, 25, 15, 30, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield


@pytest.fixture
def store():
    return make_store_settings(currency="EUR", language="en", low_stock_threshold=3)


def order(
    placed_at: dt.datetime,
    total: str = "100.00",
    *,
    email: str = "ann@example.com",
    currency: str = "EUR",
    country: str = "DE",
    payment_status: str = PaymentStatus.PAID,
    **fields: Any,
) -> Order:
    return Order.objects.create(
        number=order_number_next(),
        email=email,
        currency=currency,
        total_amount=Decimal(total),
        subtotal_amount=Decimal(total),
        payment_status=payment_status,
        shipping_address={"country_code": country},
        placed_at=placed_at,
        **fields,
    )


def line(
    of: Order,
    product_variant: Variant,
    *,
    quantity: int = 1,
    total: str = "10.00",
    refunded: int = 0,
) -> OrderLine:
    return OrderLine.objects.create(
        order=of,
        variant=product_variant,
        product_title=product_variant.product.title,
        quantity=quantity,
        quantity_refunded=refunded,
        currency=of.currency,
        unit_price_amount=Decimal(total) / quantity,
        total_amount=Decimal(total),
    )


def days_ago(days: int, hour: int = 12) -> dt.datetime:
    return (NOW - dt.timedelta(days=days)).replace(hour=hour, minute=0)


# --- periods ----------------------------------------------------------------------------------


def test_a_seven_day_period_is_the_last_seven_calendar_days_against_the_seven_before():
    period = selectors.period_for("7", zone=UTC)

    assert period.start == dt.datetime(2026, 11, 19, tzinfo=UTC)
    assert period.end == NOW
    assert period.previous_start == dt.datetime(2026, 11, 12, tzinfo=UTC)
    assert period.previous_end == NOW - dt.timedelta(days=7)
    assert period.slots == 7 and not period.hourly


def test_today_is_since_local_midnight_against_yesterday_until_the_same_time():
    period = selectors.period_for("today", zone=BERLIN)

    assert period.start == dt.datetime(2026, 11, 25, 0, 0, tzinfo=BERLIN)
    assert period.previous_start == dt.datetime(2026, 11, 24, 0, 0, tzinfo=BERLIN)
    assert period.previous_end == dt.datetime(2026, 11, 24, 16, 30, tzinfo=BERLIN)
    assert period.hourly and period.slots == 24


def test_an_unknown_period_falls_back_to_the_default():
    assert selectors.period_for("365").key == selectors.DEFAULT_PERIOD
    assert selectors.period_for(None).key == selectors.DEFAULT_PERIOD


# --- figures ----------------------------------------------------------------------------------


def test_sales_orders_and_average_are_paid_orders_of_each_period_net_of_refunds(store):
    order(days_ago(1), "100.00")
    order(days_ago(2), "50.00")
    refunded = order(days_ago(3), "30.00", payment_status=PaymentStatus.PARTIALLY_REFUNDED)
    Payment.objects.create(
        order=refunded, gateway="test", kind=Payment.Kind.REFUND, currency="EUR",
        amount=Decimal("10.00"), status=Payment.Status.SUCCEEDED,
    )  # fmt: skip
    order(days_ago(2), "999.00", payment_status=PaymentStatus.AWAITING_PAYMENT)
    order(days_ago(2), "999.00", payment_status=PaymentStatus.VOIDED)
    order(days_ago(9), "40.00")
    order(days_ago(30), "500.00")  # before both periods

    summary = selectors.sales_summary(selectors.period_for("7", zone=UTC), currency="EUR")

    assert summary.gross_sales.current == Decimal("180.00")
    assert summary.refunds.current == Decimal("10.00")
    assert summary.sales.current == Decimal("170.00")
    assert summary.sales.previous == Decimal("40.00")
    assert summary.orders.current == 3 and summary.orders.previous == 1
    assert summary.average_order_value.current == Decimal("56.67")
    assert summary.sales.change == Decimal("325.0")
    assert summary.sales.direction == "up"


def test_the_chart_has_one_point_a_day_and_the_previous_period_beside_it(store):
    order(days_ago(0, hour=9), "20.00")
    order(days_ago(0, hour=10), "5.00")
    order(days_ago(6), "7.00")
    order(days_ago(7), "11.00")

    summary = selectors.sales_summary(selectors.period_for("7", zone=UTC), currency="EUR")

    assert summary.labels[0] == "Thu 19" and summary.labels[-1] == "Wed 25"
    assert summary.current_series == [Decimal("7.00"), 0, 0, 0, 0, 0, Decimal("25.00")]
    assert summary.previous_series[-1] == Decimal("11.00")


def test_days_are_the_store_time_zones_days(store):
    # 23:30 UTC on the 24th is already the 25th in Berlin.
    order(dt.datetime(2026, 11, 24, 23, 30, tzinfo=UTC), "10.00")

    summary = selectors.sales_summary(selectors.period_for("7", zone=BERLIN), currency="EUR")

    assert summary.current_series[-1] == Decimal("10.00")
    assert summary.current_series[-2] == 0


def test_today_is_drawn_by_hour_and_hours_still_to_come_are_empty(store):
    order(NOW.replace(hour=9, minute=15), "12.00")
    order((NOW - dt.timedelta(days=1)).replace(hour=9, minute=45), "8.00")
    order((NOW - dt.timedelta(days=1)).replace(hour=20), "99.00")  # after yesterday's "now"

    summary = selectors.sales_summary(selectors.period_for("today", zone=UTC), currency="EUR")

    assert summary.current_series[9] == Decimal("12.00")
    assert summary.current_series[15] == 0
    assert summary.current_series[16] is None
    assert summary.previous_series[9] == Decimal("8.00")
    assert summary.sales.previous == Decimal("8.00")


def test_returning_rate_counts_orders_by_e_mails_or_accounts_that_ordered_before(store, owner):
    order(days_ago(40), email="back@example.com")
    order(days_ago(40), email="old-address@example.com", customer=owner)
    order(days_ago(1), email="back@example.com")
    order(days_ago(1), email="new-address@example.com", customer=owner)
    order(days_ago(1), email="first@example.com")
    order(days_ago(2), email="first@example.com")  # the second order, but inside the period

    summary = selectors.sales_summary(selectors.period_for("30", zone=UTC), currency="EUR")

    assert summary.orders.current == 4
    assert summary.returning_rate.current == Decimal("50.0")


def test_a_new_order_remembers_when_its_e_mail_or_account_first_ordered(
    store, owner, django_assert_num_queries
):
    first = order(days_ago(40), email="old-address@example.com", customer=owner)
    order(days_ago(30), email="back@example.com")

    with django_assert_num_queries(2):  # the order number and the INSERT, which asks itself
        again = order(days_ago(1), email="new-address@example.com", customer=owner)
    by_email = order(days_ago(2), email="back@example.com")
    new = order(days_ago(1), email="first@example.com")
    backdated = order(days_ago(3), email="first@example.com")  # an import of an older order

    assert first.customer_first_order_at is None
    assert again.customer_first_order_at == days_ago(40)
    assert by_email.customer_first_order_at == days_ago(30)
    assert new.customer_first_order_at is None
    assert backdated.customer_first_order_at is None


def test_the_migration_fills_the_first_order_time_as_new_orders_do(store, owner):
    backfill = importlib.import_module("freehold.orders.migrations.0006_reporting_indexes")
    order(days_ago(50), email="a@example.com")
    order(days_ago(40), email="b@example.com", customer=owner)
    order(days_ago(20), email="a@example.com")
    order(days_ago(10), email="c@example.com", customer=owner)
    order(days_ago(5), email="b@example.com")
    order(days_ago(1), email="d@example.com")
    as_placed = dict(Order.objects.values_list("pk", "customer_first_order_at"))
    Order.objects.update(customer_first_order_at=None)

    backfill.backfill(None, SimpleNamespace(connection=connection))

    assert dict(Order.objects.values_list("pk", "customer_first_order_at")) == as_placed
    assert sum(value is not None for value in as_placed.values()) == 3


def test_orders_in_other_currencies_are_reported_apart_not_converted(store):
    order(days_ago(1), "10.00")
    order(days_ago(1), "25.00", currency="USD")
    order(days_ago(2), "5.00", currency="USD")

    summary = selectors.sales_summary(selectors.period_for("7", zone=UTC), currency="EUR")

    assert summary.sales.current == Decimal("10.00")
    assert [(o.currency, o.orders, o.sales) for o in summary.other_currencies] == [
        ("USD", 2, Decimal("30.00"))
    ]


def test_top_products_by_units_net_of_returns_and_by_revenue(store):
    cheap = make_product(title="Sock", price="5.00").variants.get()
    dear = make_product(title="Coat", price="200.00").variants.get()
    first = order(days_ago(1))
    line(first, cheap, quantity=6, total="30.00", refunded=1)
    line(first, dear, quantity=1, total="200.00")
    line(order(days_ago(40)), dear, quantity=50, total="10000.00")  # outside the period

    top = selectors.top_products(selectors.period_for("7", zone=UTC), currency="EUR")

    assert [(row.title, row.units) for row in top.by_units] == [("Sock", 5), ("Coat", 1)]
    assert [(row.title, row.revenue) for row in top.by_revenue] == [
        ("Coat", Decimal("200.00")),
        ("Sock", Decimal("30.00")),
    ]


def test_sales_by_country_largest_first_with_the_rest_added_up(store):
    for index, country in enumerate(["DE", "FR", "AT", "NL"]):
        order(days_ago(1), f"{10 * (index + 1)}.00", country=country)

    rows = selectors.sales_by_country(selectors.period_for("7", zone=UTC), currency="EUR", limit=3)

    assert [(row.country_code, row.sales) for row in rows] == [
        ("NL", Decimal("40.00")),
        ("AT", Decimal("30.00")),
        (selectors.OTHER_COUNTRIES, Decimal("30.00")),
    ]


def test_figures_run_the_same_handful_of_queries_for_few_or_many_orders(
    store, django_assert_max_num_queries
):
    variant = make_product(title="Mug").variants.get()
    for day in range(60):
        line(order(days_ago(day % 30), email=f"buyer{day % 7}@example.com"), variant)
    period = selectors.period_for("30")

    with django_assert_max_num_queries(3):
        selectors.sales_summary(period, currency="EUR")
        selectors.top_products(period, currency="EUR")
        selectors.sales_by_country(period, currency="EUR")


# --- to do ------------------------------------------------------------------------------------


def test_to_do_counts_match_what_the_orders_list_links_show(store):
    order(days_ago(1))  # paid, unfulfilled
    order(days_ago(1), fulfilment_status=FulfilmentStatus.FULFILLED)
    order(days_ago(1), status=OrderStatus.CANCELLED)
    order(days_ago(1), payment_status=PaymentStatus.AWAITING_PAYMENT)
    returned = order(days_ago(20))
    ReturnRequest.objects.create(order=returned, reason=ReturnRequest.Reason.WRONG_SIZE)
    ReturnRequest.objects.create(
        order=returned, reason=ReturnRequest.Reason.OTHER, status=ReturnRequest.Status.REFUNDED
    )
    make_product(title="Nearly gone", stock=3)
    make_product(title="Plenty", stock=4)
    make_product(title="Draft", stock=0, status="draft")

    todo = selectors.todo_counts(orders=True, products=True, low_stock_threshold=3)

    assert todo == selectors.Todo(to_fulfil=2, awaiting_payment=1, open_returns=1, low_stock=1)


def test_to_do_counts_only_for_the_areas_asked_for(store):
    assert selectors.todo_counts(orders=False, products=True, low_stock_threshold=3) == (
        selectors.Todo(low_stock=0)
    )


# --- the page ---------------------------------------------------------------------------------


def test_the_owner_sees_figures_charts_and_to_do(store, owner_client):
    order(days_ago(1), "120.00", country="FR")
    order(days_ago(9), "60.00")

    body = owner_client.get("/dashboard/?period=7").content.decode()

    assert 'aria-current="page">Last 7 days</a>' in body
    assert "€120.00" in body
    assert "+100.0 %" in body and "delta-up" in body
    assert body.count('<svg class="chart') == 3  # sales by day, the funnel, by country
    assert "<title id=" in body and "<desc id=" in body
    assert "France" in body
    assert "Show the figures as a table" in body
    assert (
        'href="/dashboard/orders/?status=open&amp;payment_status=paid&amp;fulfilment_status=unfulfilled"'
        in body
    )
    assert 'href="/dashboard/products/?low=1"' in body
    assert 'style="' not in body


def test_every_period_renders(store, owner_client):
    order(days_ago(0, hour=8), "10.00")
    for key in selectors.PERIODS:
        response = owner_client.get(f"/dashboard/?period={key}")
        assert response.status_code == 200, key
        assert f'href="?period={key}"' in response.content.decode()


def test_staff_without_reports_see_only_their_areas_to_do_and_no_figures(store, staff_client_with):
    order(days_ago(1), "123.45")

    body = staff_client_with("orders").get("/dashboard/?period=7").content.decode()

    assert "1</strong> order to fulfil" in body
    assert "low-stock" not in body
    assert "123.45" not in body
    assert "<svg" not in body
    assert "Reports" in body and "permission" in body


def test_staff_with_reports_only_see_figures_and_no_to_do(store, staff_client_with):
    order(days_ago(1), "123.45")

    body = staff_client_with("reports").get("/dashboard/").content.decode()

    assert "€123.45" in body
    assert "to fulfil" not in body
    assert "/dashboard/orders/" not in body


def test_the_page_runs_a_constant_number_of_queries(
    store, owner_client, django_assert_max_num_queries
):
    variant = make_product(title="Mug").variants.get()
    for day in range(40):
        line(order(days_ago(day % 30), country=["DE", "FR", "IT"][day % 3]), variant)
    owner_client.get("/dashboard/")  # warm the store settings' cache

    # Session, user, 3 to-do counts, 3 figures, the funnel and sales by channel (PostgreSQL
    # adds the reporting transaction's settings, and inside a test's transaction its
    # savepoint and release).
    with django_assert_max_num_queries(10 if connection.vendor == "sqlite" else 13):
        assert owner_client.get("/dashboard/?period=30").status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's settings")
@pytest.mark.django_db(transaction=True)  # a real transaction: SET LOCAL ends with it
def test_reports_run_without_jit_and_leave_the_connections_settings_alone():
    def setting(name: str) -> str:
        with connection.cursor() as cursor:
            cursor.execute(f"SHOW {name}")
            return cursor.fetchone()[0]

    before = setting("jit"), setting("work_mem")
    with selectors.reporting():
        assert setting("jit") == "off"
        assert setting("work_mem") == selectors.REPORT_WORK_MEM
    assert (setting("jit"), setting("work_mem")) == before
