"""The customer's profile figures and timeline, and a guest's events merged on login."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from freehold.core import clock
from freehold.customers.models import Customer
from freehold.insights import profiles, scores
from freehold.insights.models import Event
from freehold.orders.models import Fulfilment
from freehold.orders.states import PaymentStatus
from tests.factories import make_product, make_store_settings
from tests.insights.audience_factories import NOW, buyer, order_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store():
    make_store_settings(currency="EUR")


def test_profile_figures_in_the_base_currency_net_of_refunds():
    customer = buyer("ada@example.com", tags=["vip"], language="en")
    order_for(customer, "100.00", days_ago=30, market="eu", language="de")
    order_for(customer, "80.00", days_ago=20, market="eu", language="de", refunded="20.00")
    order_for(customer, "300.00", currency="USD", base_total="250.00", days_ago=5, market="us")
    order_for(customer, "999.00", days_ago=1, payment_status=PaymentStatus.AWAITING_PAYMENT)
    with clock.frozen_at(NOW):
        scores.rfm_recompute()

    profile = profiles.customer_profile(customer, currency="EUR")

    assert profile.lifetime_value == Decimal("410.00")  # 100 + 60 + 250
    assert (profile.paid_orders, profile.orders) == (3, 4)
    assert profile.average_order_value == Decimal("136.67")
    assert profile.first_order_at == NOW - dt.timedelta(days=30)
    assert profile.last_order_at == NOW - dt.timedelta(days=5)
    assert profile.preferred_market == "eu"
    assert profile.preferred_language == "de"
    assert profile.tags == ["vip"]
    assert profile.score is not None
    assert profile.rfm_label


def test_a_customer_without_orders_has_an_empty_profile():
    customer = buyer("new@example.com", language="fr")

    profile = profiles.customer_profile(customer, currency="EUR")

    assert profile.lifetime_value == Decimal("0.00")
    assert profile.average_order_value is None
    assert profile.preferred_language == "fr"
    assert profile.score is None


def test_timeline_merges_orders_and_events_newest_first():
    customer = buyer("ada@example.com")
    boots = make_product(title="Boots")
    Event.objects.create(
        kind=Event.Kind.PRODUCT_VIEW,
        occurred_at=NOW - dt.timedelta(days=3, hours=2),
        session_id="s",
        customer=customer,
        product=boots,
    )
    Event.objects.create(
        kind=Event.Kind.SEARCH,
        occurred_at=NOW - dt.timedelta(days=3, hours=3),
        session_id="s",
        customer=customer,
        search_query="boots",
    )
    Event.objects.create(  # told by the order's own entries
        kind=Event.Kind.PURCHASE,
        occurred_at=NOW - dt.timedelta(days=3),
        session_id="s",
        customer=customer,
    )
    order = order_for(customer, "90.00", days_ago=3, refunded="90.00")
    shipped = NOW - dt.timedelta(days=2, hours=12)
    Fulfilment.objects.create(order=order, shipped_at=shipped, carrier="DHL")
    other = buyer("other@example.com")
    order_for(other, "10.00", days_ago=1)

    timeline = profiles.customer_timeline(customer)

    assert [entry.kind for entry in timeline.entries] == [
        "order_refunded",  # a day after the order
        "order_shipped",
        "order_paid",
        "order_placed",
        "product_view",
        "search",
    ]
    assert timeline.entries[1].title == f"Order #{order.number} shipped"
    assert timeline.entries[4].detail == "Boots"
    assert timeline.next_before is None


def test_timeline_pages_go_back_without_gaps_in_constant_queries():
    customer = buyer("ada@example.com")
    for hours in range(30):
        Event.objects.create(
            kind=Event.Kind.PAGE_VIEW,
            occurred_at=NOW - dt.timedelta(hours=hours),
            session_id="s",
            customer=customer,
            path=f"/p/{hours}",
        )
    order_for(customer, "10.00", at=NOW - dt.timedelta(hours=10, minutes=30))

    with CaptureQueriesContext(connection) as queries:
        first = profiles.customer_timeline(customer, per_page=10)
    second = profiles.customer_timeline(customer, before=first.next_before, per_page=10)
    rest = []
    cursor = second.next_before
    while cursor:
        page = profiles.customer_timeline(customer, before=cursor, per_page=10)
        rest += page.entries
        cursor = page.next_before

    assert len(queries.captured_queries) == 5
    everything = first.entries + second.entries + rest
    assert len(everything) == 32  # 30 views, the order placed and paid
    assert [entry.at for entry in everything] == sorted(
        (entry.at for entry in everything), reverse=True
    )
    assert first.entries[0].detail == "/p/0"


def test_a_guest_who_registers_gets_their_earlier_events_but_not_their_orders(client: Client):
    from freehold.customers.consent import cookie_value
    from freehold.insights.events import VISITOR_COOKIE

    guest_order = order_for(None, "40.00", days_ago=2, email="bea@example.com")
    Event.objects.create(
        kind=Event.Kind.PRODUCT_VIEW, session_id="s", visitor_id="visitor-1", path="/products/a"
    )
    Event.objects.create(kind=Event.Kind.PAGE_VIEW, session_id="t", visitor_id="visitor-2")
    client.cookies[VISITOR_COOKIE] = "visitor-1"
    client.cookies["fh_consent"] = cookie_value(
        analytics=True, marketing=False, sale_sharing_opt_out=False
    )

    response = client.post(
        "/account/register",
        {
            "email": "bea@example.com",
            "password": "a long enough password 1",
            "password_confirm": "a long enough password 1",
            "first_name": "Bea",
            "last_name": "",
        },
    )

    assert response.status_code in (302, 303), response.content[:500]
    customer = Customer.objects.get(email="bea@example.com")
    assert list(Event.objects.filter(customer=customer).values_list("visitor_id", flat=True)) == [
        "visitor-1"
    ]
    guest_order.refresh_from_db()
    assert guest_order.customer_id is None


def test_without_analytics_consent_nothing_is_merged():
    customer = buyer("bea@example.com")
    Event.objects.create(kind=Event.Kind.PAGE_VIEW, session_id="s", visitor_id="visitor-1")

    class Request:
        COOKIES = {"fh_vid": "visitor-1", "fh_consent": "a=0&m=0&s=0&v=2026-11"}
        headers: dict[str, str] = {}
        market_country = "DE"

    profiles.merge_guest_events(sender=None, request=Request(), user=customer)  # type: ignore[arg-type]

    assert not Event.objects.filter(customer=customer).exists()
    assert profiles.visitor_events_merge(customer=customer, visitor_id="visitor-1") == 1
