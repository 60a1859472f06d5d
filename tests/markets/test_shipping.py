from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from freehold.checkout.pricing import PricingInput, PricingLine, Shipping, calculate
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.markets.selectors import (
    ShippingOption,
    delivery_estimate,
    shipping_option,
    shipping_options,
    to_pricing_shipping,
)

D = Decimal


def make_zone(
    name: str = "Europe", countries: list[str] | None = None, **fields: Any
) -> ShippingZone:
    zone = ShippingZone(
        name=name, countries=["DE", "FR"] if countries is None else countries, **fields
    )
    zone.full_clean()
    zone.save()
    return zone


def make_rate(zone: ShippingZone, code: str = "standard", **fields: Any) -> ShippingRate:
    values: dict[str, Any] = {"name": code.title(), "price_amount": D("4.90"), "currency": "EUR"}
    values.update(fields)
    rate = ShippingRate(zone=zone, code=code, **values)
    rate.full_clean()
    rate.save()
    return rate


def options(
    country_code: str = "DE", *, currency: str = "EUR", subtotal: str = "20", weight: int = 500
):
    return shipping_options(
        country_code=country_code, currency=currency, subtotal=D(subtotal), weight_grams=weight
    )


@pytest.mark.django_db
def test_a_country_in_a_zone_sees_that_zones_rates():
    # Given a European zone with two rates and a rest-of-world zone with its own
    europe = make_zone("Europe", ["DE", "FR"])
    make_rate(europe, "standard", carrier="DHL", min_delivery_days=2, max_delivery_days=4)
    make_rate(europe, "express", price_amount=D("12.5"), min_delivery_days=1, max_delivery_days=1)
    world = make_zone("World", [], is_rest_of_world=True)
    make_rate(world, "international", price_amount=D("25"))

    # When a German cart asks for its options (in lower case, as a form might send it)
    result = options("de")

    # Then it gets Europe's rates, priced in cents, with their delivery estimates
    assert result == [
        ShippingOption(
            code=f"{europe.pk}:standard",
            name="Standard",
            carrier="DHL",
            currency="EUR",
            amount=D("4.90"),
            original_amount=D("4.90"),
            is_free=False,
            delivery_estimate="2–4 business days",
            min_delivery_days=2,
            max_delivery_days=4,
        ),
        ShippingOption(
            code=f"{europe.pk}:express",
            name="Express",
            carrier="",
            currency="EUR",
            amount=D("12.50"),
            original_amount=D("12.50"),
            is_free=False,
            delivery_estimate="1 business day",
            min_delivery_days=1,
            max_delivery_days=1,
        ),
    ]


@pytest.mark.django_db
def test_a_country_in_no_zone_falls_back_to_the_rest_of_the_world():
    # Given Europe and a rest-of-world zone
    make_rate(make_zone("Europe", ["DE"]), "standard")
    world = make_zone("World", [], is_rest_of_world=True, position=9)
    make_rate(world, "international", price_amount=D("25"))

    # When a Japanese address asks
    result = options("JP")

    # Then the rest of the world serves it
    assert [option.code for option in result] == [f"{world.pk}:international"]


@pytest.mark.django_db
def test_a_country_in_no_zone_and_no_rest_of_world_cannot_be_shipped_to():
    # Given only a European zone
    make_rate(make_zone("Europe", ["DE"]), "standard")

    # When a Japanese address asks, then there is nothing to choose
    assert options("JP") == []


@pytest.mark.django_db
def test_shipping_is_free_once_the_subtotal_reaches_the_threshold():
    # Given standard shipping free over 50 EUR
    zone = make_zone()
    make_rate(zone, "standard", free_over_amount=D("50"))

    # When the subtotal is just below, and exactly at, the threshold
    below = options(subtotal="49.99")
    at = options(subtotal="50.00")

    # Then only the second is free, and still shows what it would have cost
    assert (below[0].amount, below[0].is_free) == (D("4.90"), False)
    assert (at[0].amount, at[0].original_amount, at[0].is_free) == (D(0), D("4.90"), True)


@pytest.mark.django_db
def test_only_rates_whose_weight_range_fits_the_parcel_are_offered():
    # Given a rate up to 1 kg, one from 1 kg to 5 kg and one with no limits
    zone = make_zone()
    make_rate(zone, "light", max_weight_grams=1000, price_amount=D("4"))
    make_rate(zone, "heavy", min_weight_grams=1001, max_weight_grams=5000, price_amount=D("9"))
    make_rate(zone, "freight", price_amount=D("40"))

    # When parcels of various weights ask, then each bound is inclusive
    assert [o.code.split(":")[1] for o in options(weight=1000)] == ["light", "freight"]
    assert [o.code.split(":")[1] for o in options(weight=1001)] == ["heavy", "freight"]
    assert [o.code.split(":")[1] for o in options(weight=5000)] == ["heavy", "freight"]
    assert [o.code.split(":")[1] for o in options(weight=5001)] == ["freight"]


@pytest.mark.django_db
def test_a_rate_in_the_carts_currency_wins_over_converting_the_same_code():
    # Given the same service priced in euros and in pounds (same code, two currencies)
    zone = make_zone()
    make_rate(zone, "standard", currency="EUR")
    make_rate(zone, "standard", currency="GBP", price_amount=D("3.95"))

    # When a pound cart asks
    result = options(currency="GBP")

    # Then it sees the pound rate only, at the merchant's pound price
    assert [(o.code.split(":")[1], o.currency, o.amount, o.converted_from) for o in result] == [
        ("standard", "GBP", D("3.95"), "")
    ]


@pytest.mark.django_db
def test_inactive_rates_are_hidden():
    # Given an active and a switched-off rate
    zone = make_zone()
    make_rate(zone, "standard")
    make_rate(zone, "express", is_active=False)

    # When a cart asks, then only the active one is offered
    assert [option.name for option in options()] == ["Standard"]


@pytest.mark.django_db
def test_options_are_ordered_by_what_the_shopper_pays_then_by_position():
    # Given rates whose positions disagree with their prices, one free over 30 and a tie
    zone = make_zone()
    make_rate(zone, "express", price_amount=D("12"), position=1)
    make_rate(zone, "standard", price_amount=D("5"), position=3)
    make_rate(zone, "tracked", price_amount=D("5"), position=2)
    make_rate(zone, "premium", price_amount=D("20"), free_over_amount=D("30"), position=4)

    # When a cart of 40 asks
    result = options(subtotal="40")

    # Then the free one comes first, the tie is broken by position
    assert [option.name for option in result] == ["Premium", "Tracked", "Standard", "Express"]


@pytest.mark.django_db
def test_an_option_is_recomputed_from_its_code_with_todays_price():
    # Given a shopper chose standard shipping
    zone = make_zone()
    rate = make_rate(zone, "standard", free_over_amount=D("50"))
    chosen = options(subtotal="20")[0]

    # When the merchant raises the price before the sale and the checkout re-validates
    rate.price_amount = D("5.90")
    rate.save(update_fields=["price_amount"])
    again = shipping_option(
        code=chosen.code, country_code="DE", currency="EUR", subtotal=D("20"), weight_grams=500
    )
    free_now = shipping_option(
        code=chosen.code, country_code="DE", currency="EUR", subtotal=D("60"), weight_grams=500
    )

    # Then the sale uses today's price, and the threshold as it stands at the sale
    assert again is not None and (again.code, again.amount) == (chosen.code, D("5.90"))
    assert free_now is not None and free_now.amount == D(0)


@pytest.mark.django_db
def test_a_code_that_no_longer_applies_gives_none():
    # Given a European rate, and a heavy parcel limit on it
    europe = make_zone("Europe", ["DE"])
    make_rate(europe, "standard", max_weight_grams=2000)
    code = f"{europe.pk}:standard"

    def recompute(code: str, country_code: str = "DE", weight: int = 500) -> ShippingOption | None:
        return shipping_option(
            code=code,
            country_code=country_code,
            currency="EUR",
            subtotal=D(10),
            weight_grams=weight,
        )

    # When codes are unknown, malformed, or valid only for another destination or weight
    # Then none of them gives an option
    assert recompute(code) is not None
    assert recompute(f"{europe.pk}:express") is None
    assert recompute("nonsense") is None
    assert recompute(code, country_code="US") is None
    assert recompute(code, weight=2001) is None


@pytest.mark.django_db
def test_an_invalid_country_code_is_refused_and_codes_are_stored_upper_case():
    # Given zones listing codes that are not countries
    for countries in (["DE", "XX"], ["DEU"], ["EU"], [49]):
        zone = ShippingZone(name="Bad", countries=countries)
        # When it is validated, then the countries field is refused
        with pytest.raises(ValidationError) as error:
            zone.full_clean()
        assert "countries" in error.value.message_dict

    # And valid codes are normalised: upper case, each once
    zone = ShippingZone(name="Good", countries=[" de", "FR", "DE"])
    zone.full_clean()
    assert zone.countries == ["DE", "FR"]


@pytest.mark.django_db
def test_a_country_cannot_belong_to_two_zones():
    # Given Germany already belongs to Europe
    make_zone("Europe", ["DE", "FR"])

    # When another zone claims it, then validation names the clash
    with pytest.raises(ValidationError, match=r"DE \(Europe\)"):
        ShippingZone(name="DACH", countries=["AT", "DE"]).full_clean()


@pytest.mark.django_db
def test_there_is_only_one_rest_of_the_world():
    # Given a rest-of-world zone
    make_zone("World", [], is_rest_of_world=True)

    # When another is saved, then the database refuses it
    with pytest.raises(IntegrityError), transaction.atomic():
        ShippingZone.objects.create(name="Elsewhere", is_rest_of_world=True)


@pytest.mark.django_db
def test_a_rate_code_is_unique_within_its_zone_and_currency_only():
    # Given two zones with a "standard" rate each, one of them in two currencies
    make_rate(make_zone("Europe", ["DE"]), "standard")
    other = make_zone("America", ["US"])
    make_rate(other, "standard", currency="USD")
    make_rate(other, "standard", currency="CAD")

    # When a second USD "standard" is added to the same zone, then it is refused
    with pytest.raises(ValidationError):
        make_rate(other, "standard", currency="USD")


@pytest.mark.parametrize(
    ("min_days", "max_days", "text"),
    [
        (None, None, ""),
        (2, 4, "2–4 business days"),
        (3, 3, "3 business days"),
        (1, 1, "1 business day"),
        (None, 5, "Up to 5 business days"),
        (2, None, "2+ business days"),
    ],
)
def test_delivery_estimate_text(min_days, max_days, text):
    assert delivery_estimate(min_days, max_days) == text


@pytest.mark.django_db
def test_an_option_feeds_the_pricing_pipeline():
    # Given an option that is free over 50
    make_rate(make_zone(), "standard", free_over_amount=D("50"))
    option = options(subtotal="60")[0]

    # When it becomes the pricing pipeline's shipping
    shipping = to_pricing_shipping(option)
    result = calculate(
        PricingInput(currency="EUR", lines=[PricingLine("a", D(60), 1)], shipping=shipping)
    )

    # Then the order is charged what the shopper was shown
    assert shipping == Shipping(name="Standard", amount=D(0))
    assert result.total == D("60.00")
