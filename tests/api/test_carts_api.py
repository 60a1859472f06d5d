"""Buying through the storefront API: a cart by token, the checkout draft, completion once."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from freehold.catalog.models import Variant
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

ADDRESS = {
    "first_name": "Ana",
    "last_name": "Lima",
    "line1": "Torstraße 12",
    "postal_code": "10119",
    "city": "Berlin",
    "country_code": "DE",
}


@pytest.fixture
def shop():
    make_store_settings(currency="EUR", country_code="DE", tax_rate_percent=Decimal("19"))
    zone = ShippingZone.objects.create(name="Germany", countries=["DE"])
    ShippingRate.objects.create(
        zone=zone, code="standard", name="Standard", price_amount=Decimal("4.90"), currency="EUR"
    )
    mug = Variant.objects.get(
        product=make_product(title="Mug", price="12.50", stock=3, currency="EUR")
    )
    return {"mug": mug, "zone": zone}


def post(client: Client, path: str, body: dict | None = None, **headers):
    return client.post(path, body or {}, content_type="application/json", **headers)


def test_a_cart_is_bought_through_the_api_once_whatever_the_retries(shop):
    client = Client()
    # a cart, a line, the checkout draft
    cart = post(client, "/api/v1/carts").json()
    token = cart["token"]
    cart = post(
        client, f"/api/v1/carts/{token}/lines", {"variant_id": shop["mug"].pk, "quantity": 2}
    ).json()
    assert cart["subtotal"] == {"amount": "25.00", "currency": "EUR"}
    draft = client.put(
        f"/api/v1/carts/{token}/checkout",
        {
            "email": "ana@example.com",
            "shipping_address": ADDRESS,
            "shipping_method": f"{shop['zone'].pk}:standard",
        },
        content_type="application/json",
    ).json()
    assert draft["total"] == {"amount": "29.90", "currency": "EUR"}
    assert draft["tax"] == {"amount": "4.77", "currency": "EUR"} and draft["tax_included"] is True
    assert draft["problems"] == {}

    # when it completes twice with the same key, and posts a price the server ignores
    headers = {"HTTP_IDEMPOTENCY_KEY": "order-attempt-1"}
    body = {"payment_method": "test", "total": "0.01"}
    first = post(client, f"/api/v1/carts/{token}/complete", body, **headers)
    second = post(client, f"/api/v1/carts/{token}/complete", body, **headers)

    # then one order at the server's total, and the shopper is sent to the hosted payment page
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["order"]["number"] == second.json()["order"]["number"]
    assert Order.objects.count() == 1
    assert first.json()["order"]["total"] == {"amount": "29.90", "currency": "EUR"}
    assert "/payments/test/" in first.json()["payment"]["redirect_url"]
    status = client.get(f"/api/v1/orders/{first.json()['order']['token']}").json()
    assert status["payment_status"] == "awaiting_payment"
    # and the completed cart is no longer open
    assert client.get(f"/api/v1/carts/{token}").status_code == 404


def test_the_api_says_what_is_wrong_and_where(shop):
    client = Client()
    token = post(client, "/api/v1/carts").json()["token"]
    add = f"/api/v1/carts/{token}/lines"

    too_many = post(client, add, {"variant_id": shop["mug"].pk, "quantity": 5})
    zero = post(client, add, {"variant_id": shop["mug"].pk, "quantity": 0})
    unknown = post(client, "/api/v1/carts/nope/lines", {"variant_id": shop["mug"].pk})
    post(client, add, {"variant_id": shop["mug"].pk, "quantity": 1})
    no_key = post(client, f"/api/v1/carts/{token}/complete", {"payment_method": "test"})
    no_email = post(
        client,
        f"/api/v1/carts/{token}/complete",
        {"payment_method": "test"},
        HTTP_IDEMPOTENCY_KEY="k",
    )
    bad_method = post(
        client,
        f"/api/v1/carts/{token}/complete",
        {"payment_method": "gold"},
        HTTP_IDEMPOTENCY_KEY="k",
    )

    assert too_many.status_code == 400
    assert "3" in too_many.json()["error"]["message"]  # the stock left
    assert (zero.status_code, zero.json()["error"]["field"]) == (422, "quantity")
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (404, "token")
    assert no_key.status_code == 422
    assert (no_email.status_code, no_email.json()["error"]["field"]) == (400, "email")
    assert (bad_method.status_code, bad_method.json()["error"]["field"]) == (400, "payment_method")
    assert not Order.objects.exists()
