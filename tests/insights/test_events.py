"""Events recorded where they happen: the beacon for (cached) pages, the server for the cart,
the checkout, the purchase and the refund; bots and prefetches record nothing."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from freehold.catalog.models import Product, Variant
from freehold.core.audit import Actor
from freehold.insights import views
from freehold.insights.models import Event
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from freehold.orders.operations import order_refund
from freehold.payments.services import payment_mark_paid
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0 Safari/537.36"
)
SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
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


@pytest.fixture
def mug(db) -> Variant:
    make_store_settings(name="Fjell & Co", currency="EUR", country_code="DE")
    product = make_product(title="Stoneware Mug", price="12.50", stock=5, currency="EUR")
    zone = ShippingZone.objects.create(name="Europe", countries=["DE", "FR"])
    ShippingRate.objects.create(
        zone=zone, code="standard", name="Standard", price_amount=Decimal("4.90"), currency="EUR"
    )
    return product.variants.get()


def shopper(agent: str = BROWSER) -> Client:
    return Client(HTTP_USER_AGENT=agent)


def beacon(client: Client, path: str = "/_e", **data: Any):
    return client.post(path, data, **SAME_ORIGIN)


def add(client: Client, variant: Variant, quantity: int = 1):
    return client.post("/cart/add", {"variant_id": variant.pk, "quantity": quantity}, **SAME_ORIGIN)


def place(client: Client) -> Any:
    page = client.get("/checkout")
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode())
    assert key is not None
    return client.post(
        "/checkout",
        {**ADDRESS, "idempotency_key": key.group(1), "payment_method": "manual", "action": "place"},
    )


def kinds() -> list[str]:
    return list(Event.objects.order_by("occurred_at", "id").values_list("kind", flat=True))


# --- The beacon -------------------------------------------------------------------------------


def test_a_product_page_served_from_the_cache_still_counts_through_the_beacon(mug, settings):
    settings.PAGE_CACHE_ENABLED = True
    client = shopper()
    product = mug.product

    first = client.get(f"/products/{product.handle}")
    second = client.get(f"/products/{product.handle}")
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert Event.objects.count() == 0  # the server saw the page, and records no view itself
    html = second.content.decode()
    assert 'data-page="product"' in html and f'data-product="{product.pk}"' in html
    assert "/_e" in html

    response = beacon(client, t="product", p=str(product.pk), u=f"/products/{product.handle}")

    assert response.status_code == 204
    assert response["Cache-Control"] == "private, no-store"
    event = Event.objects.get()
    assert (event.kind, event.product_id, event.path) == (
        "product_view",
        product.pk,
        f"/products/{product.handle}",
    )
    assert event.session_id and event.channel == "direct"


def test_the_beacon_records_page_views_and_searches(mug):
    client = shopper()

    beacon(client, t="page", u="/collections/all")
    beacon(client, t="search", q="mug", u="/search?q=mug")
    beacon(client, t="product", p="999999", u="/products/gone")  # no such product

    rows = list(Event.objects.order_by("id").values_list("kind", "search_query", "product_id"))
    assert rows == [("page_view", "", None), ("search", "mug", None), ("page_view", "", None)]
    assert len(set(Event.objects.values_list("session_id", flat=True))) == 1


def test_a_cross_origin_beacon_is_refused(mug):
    client = shopper()

    response = client.post("/_e", {"t": "page", "u": "/"}, HTTP_ORIGIN="https://elsewhere.example")
    no_origin = client.post("/_e", {"t": "page", "u": "/"})

    assert response.status_code == 403 and no_origin.status_code == 403
    assert Event.objects.count() == 0


def test_a_large_beacon_is_refused(mug):
    response = beacon(shopper(), t="page", u="/" + "x" * 5000)

    assert response.status_code == 413
    assert Event.objects.count() == 0


def test_the_beacon_is_rate_limited_per_client(mug, monkeypatch):
    monkeypatch.setattr(
        views, "BEACON_LIMIT", views.RateLimit(scope="test.collect", limit=2, window_seconds=60)
    )
    client = shopper()

    answers = [beacon(client, t="page", u="/").status_code for _ in range(4)]

    assert answers == [204, 204, 429, 429]
    assert Event.objects.count() == 2


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "curl/8.5.0",
        "python-requests/2.32.3",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36",
        "",
    ],
)
def test_bots_record_nothing(mug, agent):
    client = shopper(agent)

    assert beacon(client, t="page", u="/").status_code == 204
    assert add(client, mug).status_code == 303  # the cart still works for them

    assert Event.objects.count() == 0


@pytest.mark.parametrize("header", [{"HTTP_SEC_PURPOSE": "prefetch"}, {"HTTP_PURPOSE": "prefetch"}])
def test_prefetches_record_nothing(mug, header):
    client = shopper()

    client.post("/_e", {"t": "page", "u": "/"}, **SAME_ORIGIN, **header)

    assert Event.objects.count() == 0


def test_headless_chrome_counts_when_the_setting_says_so(mug, settings):
    settings.INSIGHTS_COUNT_HEADLESS = True
    client = shopper("Mozilla/5.0 AppleWebKit/537.36 HeadlessChrome/131.0 Safari/537.36")

    beacon(client, t="page", u="/")

    assert kinds() == ["page_view"]


# --- Server-side events -----------------------------------------------------------------------


def test_the_buying_path_records_each_step_once_in_one_session(
    mug, django_capture_on_commit_callbacks
):
    client = shopper()
    beacon(client, t="product", p=str(mug.product_id), u=f"/products/{mug.product.handle}")

    add(client, mug, 2)
    client.get("/checkout")
    client.get("/checkout")  # a reload is not a second checkout
    with django_capture_on_commit_callbacks(execute=True):
        response = place(client)

    assert response.status_code == 303
    order = Order.objects.get()
    assert kinds() == ["product_view", "add_to_cart", "begin_checkout", "purchase"]
    cart_event = Event.objects.get(kind="add_to_cart")
    assert (cart_event.product_id, cart_event.quantity) == (mug.product_id, 2)
    checkout = Event.objects.get(kind="begin_checkout")
    assert checkout.value_amount == Decimal("29.90") and checkout.currency == "EUR"
    purchase = Event.objects.get(kind="purchase")
    assert purchase.order_id == order.pk
    assert (purchase.value_amount, purchase.currency) == (order.total_amount, "EUR")
    assert purchase.country == "DE"
    assert len(set(Event.objects.values_list("session_id", flat=True))) == 1


def test_a_logged_in_customers_events_name_them(mug, django_user_model):
    customer = django_user_model.objects.create_user(email="ann@example.com", password="x" * 12)
    client = shopper()
    client.force_login(customer)

    add(client, mug)
    beacon(client, t="page", u="/")

    assert set(Event.objects.values_list("customer_id", flat=True)) == {customer.pk}


def test_a_refund_records_a_refund_event(mug, django_capture_on_commit_callbacks):
    client = shopper()
    add(client, mug)
    with django_capture_on_commit_callbacks(execute=True):
        place(client)
    order = Order.objects.get()
    payment_mark_paid(order=order, actor=Actor.system("test"))

    with django_capture_on_commit_callbacks(execute=True):
        order_refund(order=order, actor=Actor.system("test"), amount=Decimal("5.00"))

    refund = Event.objects.get(kind="refund")
    assert (refund.order_id, refund.value_amount, refund.currency) == (
        order.pk,
        Decimal("5.00"),
        "EUR",
    )


def test_an_order_that_rolls_back_records_no_purchase(mug, django_capture_on_commit_callbacks):
    client = shopper()
    add(client, mug)
    Variant.objects.filter(pk=mug.pk).update(stock_quantity=0)  # sold out meanwhile

    with django_capture_on_commit_callbacks(execute=True):
        place(client)

    assert Order.objects.count() == 0
    assert "purchase" not in kinds()


def test_a_failing_insert_never_reaches_the_shopper(mug, monkeypatch, caplog):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(Event, "save", broken)
    client = shopper()

    response = add(client, mug)

    assert response.status_code == 303
    assert "Could not record a add_to_cart event" in caplog.text
    assert Product.objects.count() == 1
