"""Demo data for the funnel and the channels: visits around the demo's orders.

`seed_events` gives each paid order of the last `days` days a buying session (product view,
add to cart, checkout, purchase, from a channel) and its first/last-touch channels and UTM
fields, and adds the sessions that did not buy, so the dashboard's conversion rate and funnel
look like a shop's (a few per cent). Called by the demo seed after the orders are written.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from typing import Any

from django.db import transaction

from freehold.catalog.models import Product
from freehold.core import clock
from freehold.insights.attribution import Channel
from freehold.insights.models import Event
from freehold.orders.models import Order

# channel: (weight, utm_source, utm_medium, referrer host)
CHANNELS: dict[str, tuple[int, str, str, str]] = {
    Channel.DIRECT: (30, "", "", ""),
    Channel.ORGANIC_SEARCH: (25, "", "", "www.google.com"),
    Channel.PAID_SEARCH: (12, "google", "cpc", "www.google.com"),
    Channel.EMAIL: (10, "newsletter", "email", ""),
    Channel.ORGANIC_SOCIAL: (10, "", "", "www.instagram.com"),
    Channel.PAID_SOCIAL: (8, "facebook", "paid_social", "l.facebook.com"),
    Channel.REFERRAL: (4, "", "", "blog.example.org"),
    Channel.AFFILIATE: (1, "partner", "affiliate", ""),
}
BATCH = 5000


def _channel(rng: random.Random) -> str:
    names = list(CHANNELS)
    return rng.choices(names, weights=[CHANNELS[name][0] for name in names])[0]


def _event(kind: str, session: str, at: dt.datetime, channel: str, **fields: Any) -> Event:
    _, source, medium, referrer_host = CHANNELS[channel]
    return Event(
        kind=kind,
        session_id=session,
        occurred_at=at,
        channel=channel,
        source=source or referrer_host,
        medium=medium,
        campaign="winter-sale" if medium else "",
        referrer_host=referrer_host,
        **fields,
    )


def seed_events(
    *, days: int = 90, sessions_per_order: int = 25, random_seed: int = 8, now: Any = None
) -> int:
    """Write the demo's events (and the orders' touches); returns the number of events."""
    rng = random.Random(random_seed)
    now = now or clock.now()
    start = now - dt.timedelta(days=days)
    product_ids = list(
        Product.objects.filter(status=Product.Status.ACTIVE).values_list("pk", flat=True)[:500]
    )
    if not product_ids:
        return 0
    orders = list(
        Order.objects.filter(placed_at__gte=start, placed_at__lt=now)
        .order_by("placed_at")
        .only("pk", "placed_at", "total_amount", "currency", "customer_id", "market_code")
    )
    rows: list[Event] = []
    for order in orders:
        assert order.placed_at is not None
        session = secrets.token_hex(16)
        last = _channel(rng)
        first = last if rng.random() < 0.6 else _channel(rng)
        _, source, medium, _ = CHANNELS[last]
        order.last_touch_channel, order.first_touch_channel = last, first
        order.utm_source, order.utm_medium = source, medium
        order.utm_campaign = "winter-sale" if medium else ""
        order.first_touch_source = CHANNELS[first][1] or CHANNELS[first][3]
        order.first_touch_medium = CHANNELS[first][2]
        product = rng.choice(product_ids)
        at = order.placed_at
        common = {"customer_id": order.customer_id, "market": order.market_code}
        minutes = dt.timedelta(minutes=1)
        rows += [
            _event("product_view", session, at - 14 * minutes, last, product_id=product, **common),
            _event(
                "add_to_cart", session, at - 11 * minutes, last, product_id=product, quantity=1,
                **common,
            ),
            _event("begin_checkout", session, at - 6 * minutes, last, **common),
            _event(
                "purchase",
                session,
                at,
                last,
                order_id=order.pk,
                value_amount=order.total_amount,
                currency=order.currency,
                **common,
            ),
        ]  # fmt: skip
    span = max(int((now - start).total_seconds()), 1)
    for _ in range(len(orders) * max(sessions_per_order - 1, 0)):
        session = secrets.token_hex(16)
        channel = _channel(rng)
        at = start + dt.timedelta(seconds=rng.randrange(span))
        rows.append(_event("page_view", session, at, channel, path="/"))
        if rng.random() < 0.7:
            product = rng.choice(product_ids)
            rows.append(
                _event(
                    "product_view",
                    session,
                    at + dt.timedelta(minutes=1),
                    channel,
                    product_id=product,
                )
            )
            if rng.random() < 0.09:
                rows.append(
                    _event(
                        "add_to_cart",
                        session,
                        at + dt.timedelta(minutes=3),
                        channel,
                        product_id=product,
                        quantity=1,
                    )
                )
                if rng.random() < 0.4:
                    rows.append(
                        _event("begin_checkout", session, at + dt.timedelta(minutes=5), channel)
                    )
        elif rng.random() < 0.3:
            rows.append(
                _event(
                    "search", session, at + dt.timedelta(minutes=1), channel, search_query="linen"
                )
            )
    with transaction.atomic():
        Order.objects.bulk_update(
            orders,
            [
                "first_touch_channel",
                "last_touch_channel",
                "first_touch_source",
                "first_touch_medium",
                "utm_source",
                "utm_medium",
                "utm_campaign",
            ],
            batch_size=1000,
        )
        Event.objects.bulk_create(rows, batch_size=BATCH)
    return len(rows)
