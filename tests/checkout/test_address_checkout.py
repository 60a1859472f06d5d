"""The checkout's address: the country's form, re-rendered with htmx when the country changes,
its rules checked before an order is placed, and the order's address written the country's way."""

from __future__ import annotations

from decimal import Decimal
from html import unescape
from typing import Any

import pytest
from django.test import Client

from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from tests.checkout.test_views import ADDRESS, HTMX, add, checkout_form, the_cart
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

US = {
    **ADDRESS,
    "first_name": "Jo",
    "last_name": "Doe",
    "line1": "1600 Amphitheatre Parkway",
    "city": "Mountain View",
    "region": "California",
    "postal_code": "94043",
    "country_code": "US",
    "phone": "(650) 253-0000",
}


@pytest.fixture
def shop(db) -> dict[str, Any]:
    make_store_settings(name="Fjell & Co", currency="EUR", country_code="DE")
    mug = make_product(title="Stoneware Mug", price="12.50", stock=5, currency="EUR")
    world = ShippingZone.objects.create(name="World", countries=["DE", "FR", "US", "JP"])
    ShippingRate.objects.create(
        zone=world, code="standard", name="Standard", price_amount=Decimal("9"), currency="EUR"
    )
    return {"mug": mug.variants.get(), "zone": world}


def country_change(client: Client, **values: str):
    """What htmx posts when the shopper picks another country in the select."""
    return client.post(
        "/checkout",
        {**ADDRESS, **values, "action": "update"},
        **HTMX,
        HTTP_HX_TRIGGER="country_code",
    )


def test_the_form_is_the_store_countrys_at_first(shop):
    client = Client()
    add(client, shop["mug"])

    html = client.get("/checkout").content.decode()

    assert '<option value="DE" selected>' in html
    assert '<label for="postal_code">Postal code</label>' in html
    assert 'id="region"' not in html  # German addresses have no state
    assert 'hx-post="/checkout"' in html and "data-address-country" in html


def test_choosing_japan_brings_its_fields_out_of_band(shop):
    client = Client()
    add(client, shop["mug"])
    client.get("/checkout")

    html = country_change(client, country_code="JP").content.decode()

    assert 'id="address-rows" class="address-rows" data-country="JP" hx-swap-oob="true"' in html
    assert '<label for="region">Prefecture</label>' in html
    assert '<option value="東京都">Tokyo</option>' in html
    assert 'id="city"' not in html
    assert the_cart(client).shipping_address["country_code"] == "JP"


def test_choosing_the_us_shows_a_state_and_a_zip_code(shop):
    client = Client()
    add(client, shop["mug"])
    client.get("/checkout")

    html = country_change(client, country_code="US").content.decode()

    assert '<label for="region">State</label>' in html
    assert '<label for="postal_code">ZIP code</label>' in html


def test_a_shipping_change_does_not_re_render_the_address(shop):
    client = Client()
    add(client, shop["mug"])
    client.get("/checkout")

    html = client.post(
        "/checkout", {**ADDRESS, "action": "update"}, **HTMX, HTTP_HX_TRIGGER="shipping-options"
    ).content.decode()

    assert "address-rows" not in html


def test_without_javascript_update_brings_the_new_countrys_form(shop):
    client = Client()
    add(client, shop["mug"])

    response = client.post("/checkout", {**ADDRESS, "country_code": "US", "action": "update"})
    html = client.get(response["Location"]).content.decode()

    assert '<label for="region">State</label>' in html
    assert 'value="Torstraße 12"' in html


def test_a_bad_german_postcode_is_named_and_nothing_is_placed(shop):
    client = Client()
    add(client, shop["mug"])
    form = checkout_form(client)

    page = client.post("/checkout", {**form, "postal_code": "1234", "action": "place"})

    assert page.status_code == 200
    assert (
        'id="postal_code-error">Postal code "1234" is not valid for Germany (for example 26133).'
    ) in unescape(page.content.decode())
    assert not Order.objects.exists()


def test_an_unknown_country_is_an_error_on_the_country_never_a_500(shop):
    client = Client()
    add(client, shop["mug"])
    form = checkout_form(client)

    draft = client.post("/checkout", {**form, "country_code": "QQ", "action": "update"}, **HTMX)
    page = client.post("/checkout", {**form, "country_code": "QQ", "action": "place"})

    assert draft.status_code == 200
    assert page.status_code == 200
    assert 'Country "QQ" is not one we know' in unescape(page.content.decode())
    assert not Order.objects.exists()


def test_an_order_to_the_us_keeps_the_state_code_and_the_phone_in_e164(shop):
    client = Client()
    add(client, shop["mug"])
    form = checkout_form(client)

    response = client.post(
        "/checkout",
        {**form, **US, "shipping_method": f"{shop['zone'].pk}:standard", "action": "place"},
    )

    assert response.status_code == 303, unescape(response.content.decode())[:3000]
    order = Order.objects.get()
    assert order.shipping_address["region"] == "CA"
    assert order.shipping_address["phone"] == "+16502530000"
    status = client.get(f"/orders/{order.token}").content.decode()
    assert (
        "Jo Doe<br>1600 Amphitheatre Parkway<br>Mountain View, CA 94043<br>United States<br>"
        "+1 650-253-0000"
    ) in status
