"""The account's address book through HTTP: the form follows the chosen country, the country's
rules are checked, and addresses are listed as their country writes them."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from freehold.customers import services
from freehold.customers.models import Address, Customer

pytestmark = pytest.mark.django_db

US = {
    "first_name": "Jo",
    "last_name": "Doe",
    "line1": "1600 Amphitheatre Parkway",
    "city": "Mountain View",
    "region": "CA",
    "postal_code": "94043",
    "country_code": "US",
    "phone": "(650) 253-0000",
}


def test_choosing_japan_and_updating_shows_the_prefectures_and_saves_nothing(logged_in: Client):
    # When the shopper picks Japan and presses Update (what address.js does for them)
    response = logged_in.post(
        "/account/addresses/new",
        {**US, "country_code": "JP", "region": "", "action": "update"},
    )

    # Then the form comes back for Japan: prefectures to choose from, no city, what was typed
    assert response.status_code == 200
    html = response.text
    assert '<label for="address-region">Prefecture</label>' in html
    assert '<option value="東京都">Tokyo</option>' in html
    assert 'id="address-city"' not in html
    assert 'value="1600 Amphitheatre Parkway"' in html
    assert '<option value="JP" selected>' in html
    assert "field-error" not in html
    assert not Address.objects.exists()


def test_the_us_form_has_a_state_list_and_a_zip_code(logged_in: Client):
    html = logged_in.post("/account/addresses/new", {**US, "action": "update"}).text

    assert '<label for="address-region">State</label>' in html
    assert '<option value="CA" selected>California</option>' in html
    assert '<label for="address-postal_code">ZIP code</label>' in html
    # the Update button works without JavaScript; the script is there to press it
    assert 'value="update" formnovalidate data-address-update' in html
    assert "/static/storefront/address.js" in html


def test_a_bad_german_postcode_is_refused_naming_it(logged_in: Client):
    response = logged_in.post(
        "/account/addresses/new",
        {**US, "country_code": "DE", "region": "", "postal_code": "1234", "phone": ""},
    )

    assert response.status_code == 200
    assert (
        'id="address-postal_code-error">Postal code "1234" is not valid for Germany '
        "(for example 26133).</p>"
    ) in unescape(response.text)
    assert 'aria-describedby="address-postal_code-error"' in response.text
    assert not Address.objects.exists()


def test_an_unknown_country_is_an_error_on_the_country(logged_in: Client):
    response = logged_in.post("/account/addresses/new", {**US, "country_code": "QQ"})

    assert response.status_code == 200
    assert 'id="address-country_code-error">Country "QQ" is not one we know' in unescape(
        response.text
    )
    assert not Address.objects.exists()


def test_a_us_address_is_saved_with_the_state_code_and_the_phone_in_e164(
    logged_in: Client, customer: Customer
):
    response = logged_in.post("/account/addresses/new", {**US, "region": "California"})

    assert response.status_code == 303
    saved = Address.objects.get(customer=customer)
    assert (saved.region, saved.postal_code, saved.phone) == ("CA", "94043", "+16502530000")


def test_addresses_are_listed_as_their_country_writes_them(logged_in: Client, customer: Customer):
    services.address_create(customer=customer, data=US)
    services.address_create(
        customer=customer,
        data={
            "first_name": "Taro",
            "last_name": "Yamada",
            "line1": "1-1 Chiyoda",
            "region": "東京都",
            "postal_code": "1000001",
            "country_code": "JP",
        },
    )

    html = logged_in.get("/account/addresses").text

    assert "Mountain View, CA 94043<br>United States<br>+1 650-253-0000" in html
    assert "Taro Yamada<br>1-1 Chiyoda, Tokyo<br>1000001<br>Japan" in html


def test_editing_an_address_shows_its_countrys_form(logged_in: Client, customer: Customer):
    address = services.address_create(customer=customer, data=US)

    html = logged_in.get(f"/account/addresses/{address.pk}").text

    assert '<option value="CA" selected>California</option>' in html
    assert 'value="+16502530000"' in html
