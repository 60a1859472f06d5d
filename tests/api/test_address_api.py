"""Addresses through the storefront API: the country's rules, problems named with the field and
the country, subdivisions by their code and phones in E.164."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from freehold.catalog.models import Variant
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

US = {
    "first_name": "Jo",
    "last_name": "Doe",
    "line1": "1600 Amphitheatre Parkway",
    "city": "Mountain View",
    "region": "California",
    "postal_code": "94043",
    "country_code": "US",
    "phone": "650 253 0000",
}


@pytest.fixture
def zone() -> ShippingZone:
    zone = ShippingZone.objects.create(name="World", countries=["DE", "US"])
    ShippingRate.objects.create(
        zone=zone, code="standard", name="Standard", price_amount=Decimal("9"), currency="EUR"
    )
    return zone


@pytest.fixture
def cart_token(zone: ShippingZone) -> str:
    make_store_settings(currency="EUR", country_code="DE")
    mug = Variant.objects.get(product=make_product(title="Mug", price="12.50", currency="EUR"))
    client = Client()
    token = client.post("/api/v1/carts", {}, content_type="application/json").json()["token"]
    client.post(
        f"/api/v1/carts/{token}/lines",
        {"variant_id": mug.pk},
        content_type="application/json",
    )
    return str(token)


def put_address(client: Client, token: str, address: dict[str, str]) -> dict:
    zone = ShippingZone.objects.get()
    response = client.put(
        f"/api/v1/carts/{token}/checkout",
        {
            "email": "jo@example.com",
            "shipping_address": address,
            "shipping_method": f"{zone.pk}:standard",
        },
        content_type="application/json",
    )
    assert response.status_code == 200
    return dict(response.json())


def complete(client: Client, token: str):
    return client.post(
        f"/api/v1/carts/{token}/complete",
        {"payment_method": "manual"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="address-test-1",
    )


def test_a_us_address_is_kept_with_the_state_code_and_the_phone_in_e164(cart_token):
    client = Client()

    cart = put_address(client, cart_token, US)
    placed = complete(client, cart_token)

    assert cart["shipping_address"]["region"] == "CA"
    assert cart["shipping_address"]["phone"] == "+16502530000"
    assert cart["problems"] == {}
    assert placed.status_code == 201, placed.json()
    order = Order.objects.get()
    assert (order.shipping_address["region"], order.shipping_address["phone"]) == (
        "CA",
        "+16502530000",
    )


def test_the_draft_names_the_problems_and_completion_refuses_them(cart_token):
    client = Client()

    cart = put_address(
        client,
        cart_token,
        {**US, "country_code": "DE", "region": "", "postal_code": "1234", "phone": ""},
    )
    refused = complete(client, cart_token)

    assert cart["problems"] == {
        "postal_code": 'Postal code "1234" is not valid for Germany (for example 26133).'
    }
    assert refused.status_code == 400
    assert refused.json()["error"]["field"] == "postal_code"
    assert "Germany" in refused.json()["error"]["message"]
    assert not Order.objects.exists()


def test_an_unknown_country_is_a_problem_on_the_country_never_a_500(cart_token):
    client = Client()

    cart = put_address(client, cart_token, {**US, "country_code": "QQ", "phone": ""})
    refused = complete(client, cart_token)

    assert cart["problems"]["country_code"].startswith('Country "QQ" is not one we know')
    assert (refused.status_code, refused.json()["error"]["field"]) == (400, "country_code")


def test_a_new_cart_has_no_address_problems_yet(cart_token):
    client = Client()
    cart = client.get(f"/api/v1/carts/{cart_token}").json()
    assert "postal_code" not in cart["problems"] and "first_name" not in cart["problems"]
