"""The demo's visits: every order in the window gets a buying session and its channels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.core import clock
from freehold.insights import selectors
from freehold.insights.demo_events import seed_events
from freehold.insights.models import Event
from freehold.orders.models import Order
from freehold.orders.services import order_number_next
from freehold.orders.states import PaymentStatus
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def test_seed_events_gives_orders_sessions_channels_and_a_plausible_conversion():
    make_product(title="Mug")
    now = clock.now()
    for days_ago in (1, 5, 200):
        Order.objects.create(
            number=order_number_next(),
            email="ann@example.com",
            currency="EUR",
            total_amount=Decimal("40.00"),
            payment_status=PaymentStatus.PAID,
            placed_at=now - dt.timedelta(days=days_ago),
        )

    written = seed_events(days=90, sessions_per_order=20, now=now)

    assert written == Event.objects.count() > 40
    assert Event.objects.filter(kind="purchase").count() == 2  # the old order is left alone
    in_window = Order.objects.filter(placed_at__gte=now - dt.timedelta(days=90))
    assert all(order.first_touch_channel and order.last_touch_channel for order in in_window)
    funnel = selectors.funnel(start=now - dt.timedelta(days=90), end=now + dt.timedelta(hours=1))
    assert funnel.sessions == 40 and funnel.conversion_rate == Decimal("5.0")
