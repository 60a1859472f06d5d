"""The funnel, the conversion rate and sales by channel, on a handmade set of events and
orders, and on the dashboard's home page."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection

from freehold.core import clock
from freehold.insights import selectors
from freehold.insights.models import Event
from freehold.orders.models import Order
from freehold.orders.services import order_number_next
from freehold.orders.states import PaymentStatus
from tests.dashboard import conftest as dashboard_fixtures
from tests.factories import make_store_settings

pytestmark = pytest.mark.django_db
# The dashboard's fixtures: its owner, and a client signed in as them.
owner = dashboard_fixtures.owner
owner_client = dashboard_fixtures.owner_client

NOW = dt.datetime(2026, 11, 25, 15, 30, tzinfo=dt.UTC)
START = NOW - dt.timedelta(days=7)


@pytest.fixture(autouse=True)
def _frozen_clock() -> Iterator[None]:
    with clock.frozen_at(NOW):
        yield


def visit(session: str, *kinds: str, days_ago: int = 1) -> None:
    moment = NOW - dt.timedelta(days=days_ago)
    for offset, kind in enumerate(kinds):
        Event.objects.create(
            kind=kind, session_id=session, occurred_at=moment + dt.timedelta(minutes=offset)
        )


def order(total: str, first: str, last: str, **fields) -> Order:
    return Order.objects.create(
        number=order_number_next(),
        email="ann@example.com",
        currency="EUR",
        total_amount=Decimal(total),
        payment_status=fields.pop("payment_status", PaymentStatus.PAID),
        placed_at=fields.pop("placed_at", NOW - dt.timedelta(days=1)),
        first_touch_channel=first,
        last_touch_channel=last,
        **fields,
    )


@pytest.fixture
def ten_sessions() -> None:
    """Ten sessions: 8 viewed a product, 4 added to the cart, 2 reached checkout, 1 bought."""
    visit("a", "page_view", "product_view", "add_to_cart", "begin_checkout", "purchase")
    visit("b", "product_view", "product_view", "add_to_cart", "begin_checkout")
    visit("c", "product_view", "add_to_cart", "add_to_cart")
    visit("d", "search", "product_view", "add_to_cart")
    for session in "efgh":
        visit(session, "product_view")
    visit("i", "page_view")
    visit("j", "search")
    # Outside the period, a refund (no visit) and an event without a session: not counted
    visit("old", "product_view", "purchase", days_ago=30)
    visit("k", "refund")
    visit("", "product_view")


def test_funnel_counts_sessions_per_step_and_the_rates(ten_sessions):
    funnel = selectors.funnel(start=START, end=NOW)

    assert funnel.sessions == 10
    assert [(step.kind, step.sessions) for step in funnel.steps] == [
        ("product_view", 8),
        ("add_to_cart", 4),
        ("begin_checkout", 2),
        ("purchase", 1),
    ]
    assert [step.rate_from_previous for step in funnel.steps] == [
        Decimal("80.0"),
        Decimal("50.0"),
        Decimal("50.0"),
        Decimal("50.0"),
    ]
    assert funnel.steps[1].rate_of_sessions == Decimal("40.0")
    assert funnel.conversion_rate == Decimal("10.0")


def test_funnel_of_a_period_without_events_has_no_rates():
    funnel = selectors.funnel(start=START, end=NOW)

    assert funnel.sessions == 0 and funnel.conversion_rate is None
    assert all(step.rate_from_previous is None for step in funnel.steps)


def test_the_funnel_is_one_query(ten_sessions, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.funnel(start=START, end=NOW)


def test_sales_by_first_and_last_touch_channel(django_assert_num_queries):
    order("100.00", "email", "paid_search")
    order("50.00", "email", "email")
    order("30.00", "organic_search", "paid_search")
    order("20.00", "", "")  # from before attribution: direct
    order("999.00", "email", "email", payment_status=PaymentStatus.AWAITING_PAYMENT)
    order("999.00", "email", "email", placed_at=NOW - dt.timedelta(days=20))

    with django_assert_num_queries(1):
        channels = selectors.sales_by_channel(start=START, end=NOW, currency="EUR")

    assert [(row.channel, row.orders, row.revenue) for row in channels.first_touch] == [
        ("email", 2, Decimal("150.00")),
        ("organic_search", 1, Decimal("30.00")),
        ("direct", 1, Decimal("20.00")),
    ]
    assert [(row.channel, row.orders, row.revenue) for row in channels.last_touch] == [
        ("paid_search", 2, Decimal("130.00")),
        ("email", 1, Decimal("50.00")),
        ("direct", 1, Decimal("20.00")),
    ]
    assert channels.first_touch[0].label == "E-mail"


def test_the_dashboard_home_shows_conversion_funnel_and_channels(
    ten_sessions, owner_client, django_assert_max_num_queries
):
    make_store_settings(currency="EUR", language="en")
    order("100.00", "email", "paid_search")
    owner_client.get("/dashboard/")  # warm the store settings' cache

    # Session, user, 3 to-do counts, 3 figures, the funnel, sales by channel (PostgreSQL adds
    # the reporting transaction's settings, its savepoint and release).
    with django_assert_max_num_queries(10 if connection.vendor == "sqlite" else 13):
        response = owner_client.get("/dashboard/?period=7")

    body = response.content.decode()
    assert response.status_code == 200
    assert 'id="figure-conversion"' in body and "10.0 %" in body
    assert "1 of 10 sessions with a purchase" in body
    assert (
        '<tr data-step="add_to_cart"><th scope="row">Added to cart</th><td class="num">4<' in body
    )
    assert 'data-channel="email"><th scope="row">E-mail</th><td class="num">1<' in body
    assert 'data-channel="paid_search"><th scope="row">Paid search</th>' in body
    assert "Sessions by furthest step" in body  # the chart's title
