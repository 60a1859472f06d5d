"""Rates by price band, and rates seen from a cart in another currency (converted, rounded up)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from freehold.core.money import minor_unit_exponent
from freehold.markets import pricing
from freehold.markets.models import FxRate, ShippingRate, ShippingZone
from freehold.markets.selectors import shipping_options

D = Decimal
DAY = dt.date(2026, 11, 27)
PER_EURO = {"USD": D("1.0800"), "GBP": D("0.8500"), "JPY": D("160.00")}


@pytest.fixture
def rates() -> Iterator[None]:
    """The day's ECB rates (1 EUR buys …), read fresh by the converter."""
    FxRate.objects.bulk_create(
        FxRate(date=DAY, base="EUR", quote=quote, rate=rate) for quote, rate in PER_EURO.items()
    )
    pricing.forget_rates()
    yield
    pricing.forget_rates()


def zone(countries: list[str] | None = None) -> ShippingZone:
    made = ShippingZone(name="Zone", countries=countries or ["DE", "US", "JP", "GB"])
    made.full_clean()
    made.save()
    return made


def rate(of: ShippingZone, code: str = "standard", **fields: Any) -> ShippingRate:
    values: dict[str, Any] = {"name": code.title(), "price_amount": D("4.90"), "currency": "EUR"}
    values.update(fields)
    made = ShippingRate(zone=of, code=code, **values)
    made.full_clean()
    made.save()
    return made


def offered(currency: str = "EUR", subtotal: str = "20", country: str = "DE", weight: int = 500):
    return [
        (option.code.split(":")[1], option.amount)
        for option in shipping_options(
            country_code=country,
            currency=currency,
            subtotal=D(subtotal),
            weight_grams=weight,
            on=DAY,
        )
    ]


# --- Price bands ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("subtotal", "expected"),
    [
        ("0", [("small", D("6.90"))]),
        ("49.99", [("small", D("6.90"))]),
        ("50", [("medium", D("3.90"))]),  # the maximum is exclusive, the minimum inclusive
        ("99.99", [("medium", D("3.90"))]),
        ("100", [("large", D("0.00"))]),
        ("5000", [("large", D("0.00"))]),
    ],
)
def test_price_bands_offer_one_rate_per_subtotal_without_gaps(subtotal, expected):
    # Given three bands: under 50, 50 to under 100, 100 and more
    shipping = zone()
    rate(shipping, "small", price_amount=D("6.90"), max_subtotal_amount=D("50"))
    rate(shipping, "medium", price_amount=D("3.90"), min_subtotal_amount=D("50"),
         max_subtotal_amount=D("100"))  # fmt: skip
    rate(shipping, "large", price_amount=D("0"), min_subtotal_amount=D("100"))

    # When a cart with this subtotal asks, then exactly its band's rate is offered
    assert offered(subtotal=subtotal) == expected


@pytest.mark.django_db
def test_a_price_band_must_be_ordered():
    with pytest.raises(ValidationError) as error:
        rate(zone(), min_subtotal_amount=D("100"), max_subtotal_amount=D("50"))
    assert error.value.message_dict  # the check constraint names the band


@pytest.mark.django_db
def test_weight_and_price_bands_combine():
    shipping = zone()
    rate(shipping, "parcel", max_weight_grams=2000, min_subtotal_amount=D("30"))

    assert offered(subtotal="40", weight=1500) == [("parcel", D("4.90"))]
    assert offered(subtotal="20", weight=1500) == []
    assert offered(subtotal="40", weight=2500) == []


# --- Currencies -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_rate_in_another_currency_is_converted_and_rounded_up(rates):
    # Given a 4.90 EUR rate only
    rate(zone())

    # When carts in dollars, yen and pounds ask, then they see it converted, rounded UP
    assert offered("USD") == [("standard", D("5.30"))]  # 5.292
    assert offered("JPY") == [("standard", D("784"))]  # 784 exactly: no yen decimals
    assert offered("GBP") == [("standard", D("4.17"))]  # 4.165
    (option,) = shipping_options(
        country_code="US", currency="usd", subtotal=D(10), weight_grams=1, on=DAY
    )
    assert (option.currency, option.converted_from) == ("USD", "EUR")


@pytest.mark.django_db
def test_a_cross_rate_goes_through_the_euro(rates):
    rate(zone(), currency="GBP", price_amount=D("3.95"))

    # 3.95 GBP = 3.95 / 0.85 EUR = 5.0188… USD at 1.08: 5.02 rounded up
    assert offered("USD") == [("standard", D("5.02"))]


@pytest.mark.django_db
def test_the_carts_own_currency_rate_wins_and_other_codes_still_convert(rates):
    # Given "standard" in EUR and in USD, and "express" in EUR only
    shipping = zone()
    rate(shipping, "standard", price_amount=D("4.90"))
    rate(shipping, "standard", price_amount=D("4.00"), currency="USD")
    rate(shipping, "express", price_amount=D("10"))

    # When a dollar cart asks, then standard is the merchant's dollar price, express converted
    assert offered("USD") == [("standard", D("4.00")), ("express", D("10.80"))]
    # And a euro cart sees the euro prices
    assert offered("EUR") == [("standard", D("4.90")), ("express", D("10.00"))]


@pytest.mark.django_db
def test_free_over_thresholds_compare_in_the_carts_currency(rates):
    # Given shipping free from 50 EUR, which is 54.00 USD
    rate(zone(), free_over_amount=D("50"))

    assert offered("USD", subtotal="53.99") == [("standard", D("5.30"))]
    assert offered("USD", subtotal="54.00") == [("standard", D("0"))]


@pytest.mark.django_db
def test_price_bands_convert_too(rates):
    # Given a band from 100 EUR (108 USD)
    rate(zone(), min_subtotal_amount=D("100"))

    assert offered("USD", subtotal="107.99") == []
    assert offered("USD", subtotal="108") == [("standard", D("5.30"))]


@pytest.mark.django_db
def test_a_rate_without_an_exchange_rate_is_not_offered_rather_than_mispriced():
    # Given no FX rates at all
    pricing.forget_rates()
    rate(zone())

    assert offered("USD") == []
    assert offered("EUR") == [("standard", D("4.90"))]


@pytest.mark.django_db
def test_a_rate_with_a_missing_currency_falls_back_to_one_that_converts(rates):
    # Given "standard" in CHF (no rate kept for it) and in GBP
    shipping = zone()
    rate(shipping, "standard", currency="CHF", price_amount=D("5"), position=0)
    rate(shipping, "standard", currency="GBP", price_amount=D("3.95"), position=1)

    assert offered("USD") == [("standard", D("5.02"))]


# --- Property: converted amounts are whole minor units, never below the exact value ----------


@pytest.mark.django_db
@settings(max_examples=40, deadline=None)
@given(
    amount=st.decimals(min_value=D("0.01"), max_value=D("9999"), places=2),
    currency=st.sampled_from(["USD", "JPY", "GBP"]),
)
def test_converted_prices_are_whole_minor_units_never_below_the_exact_conversion(amount, currency):
    # Given the day's rates and a euro rate of this amount (fresh for each example)
    FxRate.objects.all().delete()
    ShippingZone.objects.all().delete()
    FxRate.objects.bulk_create(
        FxRate(date=DAY, base="EUR", quote=quote, rate=rate) for quote, rate in PER_EURO.items()
    )
    pricing.forget_rates()
    rate(zone(["DE"]), price_amount=amount)

    # When a cart in another currency asks
    ((_, shown),) = offered(currency)

    # Then the price has the currency's decimals, and is at most one minor unit above exact
    exact = amount * PER_EURO[currency]
    unit = minor_unit_exponent(currency)
    assert shown == shown.quantize(unit)
    assert exact <= shown < exact + unit
