"""Visits: cookies only with consent where consent is needed, a daily hash otherwise; the
landing's campaign carried to the order."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, RequestFactory

from freehold.catalog.models import Variant
from freehold.core import clock
from freehold.customers.consent import CONSENT_COOKIE, cookie_value
from freehold.insights import events
from freehold.insights.models import Event
from freehold.markets.models import Market, ShippingRate, ShippingZone
from freehold.markets.pricing import forget_rates
from freehold.orders.models import Order
from tests.factories import make_product, make_store_settings
from tests.markets.conftest import add_market

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
ANALYTICS_YES = cookie_value(analytics=True, marketing=False, sale_sharing_opt_out=False)
EVERYTHING_YES = cookie_value(analytics=True, marketing=True, sale_sharing_opt_out=False)
ADDRESS = {
    "email": "ana@example.com",
    "first_name": "Ana",
    "last_name": "Lima",
    "line1": "Torstraße 12",
    "line2": "",
    "city": "Berlin",
    "postal_code": "10119",
    "region": "",
    "country_code": "DE",
    "phone": "",
}
VISIT_COOKIES = {events.VISITOR_COOKIE, events.SESSION_COOKIE, events.ATTRIBUTION_COOKIE}


@pytest.fixture
def mug(db) -> Variant:
    """A German store selling in the EU (euros, consent needed) and the US (no prior consent)."""
    make_store_settings(name="Fjell & Co", currency="EUR", country_code="DE", language="en")
    add_market(
        code="eu",
        name="European Union",
        countries=["DE", "FR", "AT"],
        currency="EUR",
        languages=["en", "de"],
        prices_include_tax=True,
        is_default=True,
    )
    add_market(
        code="us",
        name="United States",
        countries=["US"],
        currency="USD",
        languages=["en"],
        pricing_mode=Market.PricingMode.CONVERTED,
    )
    forget_rates()
    product = make_product(title="Stoneware Mug", price="12.50", stock=5, currency="EUR")
    zone = ShippingZone.objects.create(name="Europe", countries=["DE", "FR"])
    ShippingRate.objects.create(
        zone=zone, code="standard", name="Standard", price_amount=Decimal("4.90"), currency="EUR"
    )
    yield product.variants.get()
    forget_rates()


def shopper(**cookies: str) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER)
    for name, value in cookies.items():
        client.cookies[name] = value
    return client


def beacon(client: Client, prefix: str, url: str, referrer: str = "", **headers: Any):
    return client.post(
        f"{prefix}/_e", {"t": "page", "u": url, "r": referrer}, **SAME_ORIGIN, **headers
    )


def place(client: Client, prefix: str = "") -> Order:
    """Add the mug and order it, in the market of `prefix` (its pages post to their prefix)."""
    client.post(f"{prefix}/cart/add", {"variant_id": Variant.objects.get().pk}, **SAME_ORIGIN)
    page = client.get(f"{prefix}/checkout")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode())
    assert key is not None
    client.post(
        f"{prefix}/checkout",
        {**ADDRESS, "idempotency_key": key.group(1), "payment_method": "manual", "action": "place"},
    )
    return Order.objects.get()


# --- Cookies and consent ----------------------------------------------------------------------


def test_no_cookie_is_set_in_the_eu_without_consent(mug):
    client = shopper()

    response = beacon(client, "/de-de", "/de-de/?utm_source=newsletter&utm_medium=email")
    client.post("/de-de/cart/add", {"variant_id": mug.pk}, **SAME_ORIGIN)

    assert response.status_code == 204
    assert not VISIT_COOKIES & set(response.cookies)
    assert not VISIT_COOKIES & set(client.cookies)
    event = Event.objects.get(kind="page_view")
    assert event.visitor_id == "" and len(event.session_id) == events.SESSION_HASH_LENGTH
    assert (event.market, event.country) == ("eu", "DE")
    assert event.channel == "email"  # the session's origin, kept on the server for the day


def test_cookies_are_set_in_the_eu_after_consent(mug):
    client = shopper(**{CONSENT_COOKIE: ANALYTICS_YES})

    response = beacon(client, "/de-de", "/de-de/")

    assert {events.VISITOR_COOKIE, events.SESSION_COOKIE} <= set(response.cookies)
    visitor = response.cookies[events.VISITOR_COOKIE]
    assert visitor["httponly"] and visitor["samesite"] == "Lax"
    assert int(visitor["max-age"]) == 365 * 24 * 3600
    assert int(response.cookies[events.SESSION_COOKIE]["max-age"]) == 30 * 60
    event = Event.objects.get()
    assert event.visitor_id == visitor.value


def test_cookies_are_set_in_the_us_without_asking(mug):
    client = shopper()

    response = beacon(client, "/en-us", "/en-us/")
    second = beacon(client, "/en-us", "/en-us/collections/all")

    assert events.VISITOR_COOKIE in response.cookies
    assert events.VISITOR_COOKIE not in second.cookies  # already there
    assert events.SESSION_COOKIE in second.cookies  # sliding: renewed by every event
    first, then = Event.objects.order_by("id")
    assert first.visitor_id == then.visitor_id != ""
    assert first.session_id == then.session_id
    assert first.country == "US"


def test_a_refusal_in_the_us_sets_no_cookie(mug):
    refused = cookie_value(analytics=False, marketing=False, sale_sharing_opt_out=False)
    client = shopper(**{CONSENT_COOKIE: refused})

    response = beacon(client, "/en-us", "/en-us/")

    assert not VISIT_COOKIES & set(response.cookies)
    assert Event.objects.get().visitor_id == ""


def test_the_cookieless_session_hash_changes_with_the_day_and_not_within_it():
    factory = RequestFactory(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="203.0.113.9")
    request = factory.get("/")
    morning = dt.datetime(2026, 11, 25, 8, 0, tzinfo=dt.UTC)

    with clock.frozen_at(morning):
        first = events.daily_session_hash(request)
    with clock.frozen_at(morning + dt.timedelta(hours=12)):
        later = events.daily_session_hash(request)
    with clock.frozen_at(morning + dt.timedelta(days=1)):
        next_day = events.daily_session_hash(request)
    other_device = events.daily_session_hash(
        RequestFactory(HTTP_USER_AGENT="Firefox", REMOTE_ADDR="203.0.113.9").get("/"),
        day=morning.date(),
    )

    assert first == later != next_day
    assert other_device != first
    assert "203.0.113.9" not in first and len(first) == events.SESSION_HASH_LENGTH


# --- Attribution to the order -----------------------------------------------------------------


def test_an_eu_shopper_without_consent_gets_the_campaign_on_the_order_without_a_cookie(
    mug, django_capture_on_commit_callbacks
):
    client = shopper()
    beacon(
        client,
        "/de-de",
        "/de-de/products/stoneware-mug?utm_source=newsletter&utm_medium=email"
        "&utm_campaign=november&gclid=abc",
    )
    beacon(client, "/de-de", "/de-de/cart", referrer="http://testserver/de-de/")

    with django_capture_on_commit_callbacks(execute=True):
        order = place(client, "/de-de")

    assert (order.utm_source, order.utm_medium, order.utm_campaign) == (
        "newsletter",
        "email",
        "november",
    )
    # The click id's value is not kept without consent; the channel it made stays.
    assert order.gclid == "" and order.visitor_id == ""
    assert order.first_touch_channel == order.last_touch_channel == "paid_search"
    assert not VISIT_COOKIES & set(client.cookies)
    purchase = Event.objects.get(kind="purchase")
    assert purchase.channel == "paid_search" and purchase.campaign == "november"
    assert purchase.session_id == Event.objects.filter(kind="page_view").first().session_id


def test_a_us_shopper_carries_first_and_last_touch_in_a_signed_cookie(
    mug, django_capture_on_commit_callbacks
):
    client = shopper()
    beacon(client, "/en-us", "/en-us/?utm_source=newsletter&utm_medium=email&utm_campaign=nov")
    assert events.ATTRIBUTION_COOKIE in client.cookies
    # Days later (a new session), from a Google ad, then a direct visit
    client.cookies.pop(events.SESSION_COOKIE)
    beacon(client, "/en-us", "/en-us/products/stoneware-mug?gclid=g-123", "https://www.google.com/")
    client.cookies.pop(events.SESSION_COOKIE)
    beacon(client, "/en-us", "/en-us/")

    with django_capture_on_commit_callbacks(execute=True):
        order = place(client, "/en-us")

    assert order.first_touch_channel == "email"
    assert (order.first_touch_source, order.first_touch_medium, order.first_touch_campaign) == (
        "newsletter",
        "email",
        "nov",
    )
    assert order.last_touch_channel == "paid_search"
    assert order.gclid == "g-123"  # marketing allowed in the US until the shopper says no
    assert order.referrer == "https://www.google.com/"
    assert order.landing_page == "/en-us/products/stoneware-mug?gclid=g-123"
    assert order.visitor_id == client.cookies[events.VISITOR_COOKIE].value


def test_global_privacy_control_keeps_click_ids_off_the_order(
    mug, django_capture_on_commit_callbacks
):
    client = shopper()
    beacon(client, "/en-us", "/en-us/?gclid=g-123", HTTP_SEC_GPC="1")

    with django_capture_on_commit_callbacks(execute=True):
        order = place(client, "/en-us")

    assert order.last_touch_channel == "paid_search" and order.gclid == ""


def test_a_tampered_attribution_cookie_is_ignored(mug, django_capture_on_commit_callbacks):
    client = shopper(**{events.ATTRIBUTION_COOKIE: "eyJmIjp7fX0:forged:signature"})

    with django_capture_on_commit_callbacks(execute=True):
        beacon(client, "/en-us", "/en-us/")

    assert Event.objects.get().channel == "direct"


def test_a_landing_on_a_server_rendered_page_is_noted_without_javascript(
    mug, django_capture_on_commit_callbacks
):
    client = shopper(**{CONSENT_COOKIE: ANALYTICS_YES})
    client.get("/de-de/search?q=mug&utm_source=partner&utm_medium=affiliate")

    with django_capture_on_commit_callbacks(execute=True):
        order = place(client, "/de-de")

    assert order.last_touch_channel == "affiliate" and order.utm_source == "partner"


def test_a_landing_with_cookies_leaves_the_cached_page_the_same_for_everybody(mug, settings):
    settings.PAGE_CACHE_ENABLED = True
    consenting = shopper(**{CONSENT_COOKIE: ANALYTICS_YES})
    path = "/de-de/products/stoneware-mug"

    landing = consenting.get(f"{path}?utm_source=newsletter&utm_medium=email")
    other = shopper().get(path)

    assert landing["X-Page-Cache"] == "miss" and other["X-Page-Cache"] == "hit"
    assert events.ATTRIBUTION_COOKIE in landing.cookies  # the landing was noted
    assert not other.cookies
    assert other.content == landing.content
