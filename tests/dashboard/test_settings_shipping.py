"""Shipping zones and rates from the dashboard: created, edited, deleted, used by the checkout,
bad values refused naming the field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freehold.core.models import AuditEvent
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.markets.selectors import shipping_options
from tests.factories import make_store_settings

pytestmark = pytest.mark.django_db


def rate_form(**changes: str) -> dict[str, str]:
    data = {
        "name": "Standard", "code": "standard", "carrier": "DHL", "price_amount": "4.90",
        "currency": "eur", "free_over_amount": "50", "min_delivery_days": "2",
        "max_delivery_days": "4", "min_weight_grams": "", "max_weight_grams": "",
        "is_active": "on", "position": "0",
    }  # fmt: skip
    data.update(changes)
    return data


def test_a_zone_and_rate_made_in_the_dashboard_are_offered_at_checkout(owner_client):
    # When the owner makes a zone for Germany and Austria with a standard rate
    response = owner_client.post(
        "/dashboard/settings/shipping/zones/new/",
        {"name": "DACH", "countries_text": "de, at", "position": "0"},
    )
    assert response.status_code == 302
    zone = ShippingZone.objects.get()
    assert zone.countries == ["DE", "AT"]
    response = owner_client.post(
        f"/dashboard/settings/shipping/zones/{zone.pk}/rates/new/", rate_form()
    )
    assert response.status_code == 302

    # Then a German cart is offered it, free over 50 EUR
    (option,) = shipping_options(
        country_code="DE", currency="EUR", subtotal=Decimal("20"), weight_grams=500
    )
    assert (option.name, option.amount, option.delivery_estimate) == (
        "Standard",
        Decimal("4.90"),
        "2–4 business days",
    )
    (free,) = shipping_options(
        country_code="AT", currency="EUR", subtotal=Decimal("60"), weight_grams=500
    )
    assert free.is_free

    # And the shipping page lists it; everything was audited
    page = owner_client.get("/dashboard/settings/shipping/").content.decode()
    assert "DACH" in page and "Standard" in page
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"shipping.zone_created", "shipping.rate_created"} <= verbs


def test_rates_and_zones_are_edited_and_deleted(owner_client):
    zone = ShippingZone.objects.create(name="EU", countries=["FR"])
    rate = ShippingRate.objects.create(
        zone=zone, code="std", name="Standard", price_amount=Decimal("5"), currency="EUR"
    )
    response = owner_client.post(
        f"/dashboard/settings/shipping/rates/{rate.pk}/",
        rate_form(name="Economy", code="std", price_amount="3.50"),
    )
    assert response.status_code == 302
    rate.refresh_from_db()
    assert (rate.name, rate.price_amount) == ("Economy", Decimal("3.50"))

    owner_client.post(f"/dashboard/settings/shipping/rates/{rate.pk}/delete/")
    assert not ShippingRate.objects.exists()
    owner_client.post(f"/dashboard/settings/shipping/zones/{zone.pk}/delete/")
    assert not ShippingZone.objects.exists()
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"shipping.rate_changed", "shipping.rate_deleted", "shipping.zone_deleted"} <= verbs


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"name": "X", "countries_text": "DE, Narnia"}, "countries_text", "Narnia"),
        ({"name": "X", "countries_text": "FR"}, "countries_text", "Already in another zone: FR"),
        ({"name": "X", "countries_text": ""}, "countries_text", "at least one country"),
        ({"name": "", "countries_text": "IT"}, "name", "Name"),
    ],
)
def test_bad_zones_are_refused_naming_the_field(owner_client, data, field, words):
    ShippingZone.objects.create(name="France", countries=["FR"])
    response = owner_client.post(
        "/dashboard/settings/shipping/zones/new/", {"position": "0", **data}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page
    assert words in page
    assert ShippingZone.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"price_amount": "-1"}, "price_amount"),
        ({"price_amount": "abc"}, "price_amount"),
        ({"currency": "EURO"}, "currency"),
        ({"free_over_amount": "-5"}, "free_over_amount"),
        ({"min_delivery_days": "5", "max_delivery_days": "2"}, "max_delivery_days"),
        ({"min_weight_grams": "900", "max_weight_grams": "100"}, "max_weight_grams"),
        ({"code": "not a slug"}, "code"),
        ({"code": "taken"}, "code"),
    ],
)
def test_bad_rates_are_refused_naming_the_field(owner_client, changes, field):
    zone = ShippingZone.objects.create(name="EU", countries=["FR"])
    ShippingRate.objects.create(
        zone=zone, code="taken", name="Taken", price_amount=Decimal("5"), currency="EUR"
    )
    response = owner_client.post(
        f"/dashboard/settings/shipping/zones/{zone.pk}/rates/new/", rate_form(**changes)
    )
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert ShippingRate.objects.count() == 1


def test_the_shipping_page_lists_many_rates_in_a_constant_number_of_queries(
    owner_client, django_assert_max_num_queries
):
    make_store_settings(name="Northwind")
    for number in range(10):
        zone = ShippingZone.objects.create(name=f"Zone {number}", countries=[["DE", "FR", "IT",
            "ES", "AT", "NL", "BE", "PL", "SE", "DK"][number]])  # fmt: skip
        for code in ("a", "b", "c"):
            ShippingRate.objects.create(
                zone=zone, code=code, name=code, price_amount=Decimal("5"), currency="EUR"
            )
    with django_assert_max_num_queries(6):
        response = owner_client.get("/dashboard/settings/shipping/")
    assert response.content.decode().count('aria-label="Delete the rate') == 30
