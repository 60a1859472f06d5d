"""Shipping zones by region and postcode, and rates by price band, from the dashboard."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freehold.markets.models import ShippingRate, ShippingZone
from freehold.markets.selectors import shipping_options, zone_for_address
from tests.dashboard.test_settings_shipping import rate_form

pytestmark = pytest.mark.django_db


def test_a_zone_of_regions_and_postcodes_is_saved_normalised_and_used(owner_client):
    # Given the United States as a zone
    united_states = ShippingZone.objects.create(name="United States", countries=["US"])

    # When the owner adds Alaska and Hawaii, and two postcode patterns, in any case and spacing
    response = owner_client.post(
        "/dashboard/settings/shipping/zones/new/",
        {
            "name": "Remote",
            "countries_text": "",
            "regions_text": "us-ak, US-HI",
            "postcodes_text": "gb bt *\r\nFR 20000 - 20999\r\n",
            "position": "1",
        },
    )

    # Then they are kept as codes, and addresses there land in the new zone
    assert response.status_code == 302
    remote = ShippingZone.objects.get(name="Remote")
    assert remote.regions == ["US-AK", "US-HI"]
    assert remote.postcodes == ["GB BT*", "FR 20000-20999"]
    assert zone_for_address("US", "Hawaii", "96815") == remote
    assert zone_for_address("US", "NY", "10001") == united_states
    assert zone_for_address("GB", "", "bt1 1aa") == remote

    # And the edit page shows them back as typed lists
    page = owner_client.get(f"/dashboard/settings/shipping/zones/{remote.pk}/").content.decode()
    assert "US-AK, US-HI" in page and "GB BT*\nFR 20000-20999" in page


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"regions_text": "Hawaii"}, "regions_text", "such as US-HI"),
        ({"regions_text": "US-HI"}, "regions_text", "Already in another zone: US-HI"),
        ({"postcodes_text": "BT*"}, "postcodes_text", "start with the country code"),
        ({"postcodes_text": "FR 20999-20000"}, "postcodes_text", "starts after it ends"),
        ({"postcodes_text": "GB BT*"}, "postcodes_text", "Already in another zone: GB BT*"),
    ],
)
def test_bad_regions_and_postcodes_are_refused_naming_the_field(owner_client, data, field, words):
    ShippingZone.objects.create(name="Islands", regions=["US-HI"], postcodes=["GB BT*"])
    response = owner_client.post(
        "/dashboard/settings/shipping/zones/new/", {"name": "X", "position": "0", **data}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page
    assert words in page
    assert ShippingZone.objects.count() == 1


def test_a_price_band_rate_is_saved_and_listed_with_all_its_conditions(owner_client):
    zone = ShippingZone.objects.create(name="EU", countries=["FR"], regions=["ES-CN"])

    response = owner_client.post(
        f"/dashboard/settings/shipping/zones/{zone.pk}/rates/new/",
        rate_form(
            min_subtotal_amount="50",
            max_subtotal_amount="100",
            min_weight_grams="0",
            max_weight_grams="2000",
        ),
    )

    assert response.status_code == 302
    rate = ShippingRate.objects.get()
    assert (rate.min_subtotal_amount, rate.max_subtotal_amount) == (Decimal(50), Decimal(100))
    assert [o.name for o in shipping_options(
        country_code="FR", currency="EUR", subtotal=Decimal("60"), weight_grams=100
    )] == ["Standard"]  # fmt: skip
    assert not shipping_options(
        country_code="FR", currency="EUR", subtotal=Decimal("100"), weight_grams=100
    )
    page = owner_client.get("/dashboard/settings/shipping/").content.decode()
    assert "from €50.00, below €100.00" in page
    assert "0–2000 g" in page and "2–4 business days" in page and "€50.00" in page
    assert "Regions: ES-CN" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"min_subtotal_amount": "100", "max_subtotal_amount": "50"}, "max_subtotal_amount"),
        ({"min_subtotal_amount": "50", "max_subtotal_amount": "50"}, "max_subtotal_amount"),
        ({"min_subtotal_amount": "-1"}, "min_subtotal_amount"),
        ({"max_subtotal_amount": "ten"}, "max_subtotal_amount"),
    ],
)
def test_bad_price_bands_are_refused_naming_the_field(owner_client, changes, field):
    zone = ShippingZone.objects.create(name="EU", countries=["FR"])
    response = owner_client.post(
        f"/dashboard/settings/shipping/zones/{zone.pk}/rates/new/", rate_form(**changes)
    )
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not ShippingRate.objects.exists()


def test_the_same_code_may_be_priced_in_another_currency_but_not_twice_in_one(owner_client):
    zone = ShippingZone.objects.create(name="EU", countries=["FR"])
    url = f"/dashboard/settings/shipping/zones/{zone.pk}/rates/new/"

    assert owner_client.post(url, rate_form(currency="EUR")).status_code == 302
    assert owner_client.post(url, rate_form(currency="USD", price_amount="5.50")).status_code == 302
    again = owner_client.post(url, rate_form(currency="usd"))

    assert again.status_code == 400
    assert 'id="id_code-error"' in again.content.decode()
    assert "in this currency" in again.content.decode()
    assert sorted(ShippingRate.objects.values_list("currency", flat=True)) == ["EUR", "USD"]
