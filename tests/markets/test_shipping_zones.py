"""Zones by country, region and postcode: which zone an address falls in, and what is refused.

The order, most specific first: postcode pattern > region > country > rest of world.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from freehold.markets.models import ShippingRate, ShippingZone
from freehold.markets.selectors import (
    same_shipping_zone,
    shipped_countries,
    shipping_availability,
    zone_for_address,
)
from freehold.markets.zones import (
    Destination,
    PatternError,
    address_regions,
    parse_postcode_pattern,
)

D = Decimal


def zone(name: str, **fields: Any) -> ShippingZone:
    made = ShippingZone(name=name, **fields)
    made.full_clean()
    made.save()
    return made


def rate(of: ShippingZone, code: str = "standard", price: str = "5", **fields: Any) -> ShippingRate:
    values: dict[str, Any] = {"name": code.title(), "price_amount": D(price), "currency": "USD"}
    values.update(fields)
    made = ShippingRate(zone=of, code=code, **values)
    made.full_clean()
    made.save()
    return made


def availability(country: str, region: str = "", postcode: str = "", currency: str = "USD"):
    return shipping_availability(
        country_code=country,
        region=region,
        postal_code=postcode,
        currency=currency,
        subtotal=D("40"),
        weight_grams=500,
    )


# --- Parsing (no database) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entry", "kind", "text"),
    [
        ("GB BT*", "prefix", "GB BT*"),
        ("gb: bt *", "prefix", "GB BT*"),
        ("FR 20000-20999", "range", "FR 20000-20999"),
        ("fr 20000 - 20999", "range", "FR 20000-20999"),
        ("GB bt1 1aa", "exact", "GB BT1 1AA"),
        ("PT 1000-001", "exact", "PT 1000-001"),  # halves of different length: a code
        ("JP 100-0001", "exact", "JP 100-0001"),
    ],
)
def test_postcode_patterns_are_read_case_and_space_insensitively(entry, kind, text):
    pattern = parse_postcode_pattern(entry)
    assert (pattern.kind, pattern.text) == (kind, text)


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("BT*", "start with the country code"),
        ("XX 12345", "XX is not a country code"),
        ("GB B*T", "* only at the end"),
        ("GB *", "list the country instead"),
        ("FR 20999-20000", "starts after it ends"),
        ("DE 1", "2 to 12"),
        ("DE 10115;", "letters, digits"),
    ],
)
def test_bad_postcode_patterns_say_what_is_wrong(entry, words):
    with pytest.raises(PatternError) as error:
        parse_postcode_pattern(entry)
    assert words in str(error.value)


@pytest.mark.parametrize(
    ("entry", "postcode", "matches"),
    [
        ("GB BT*", "bt1 1aa", True),
        ("GB BT*", "BT11AA", True),
        ("GB BT*", "B1 1AA", False),
        ("FR 20000-20999", "20090", True),
        ("FR 20000-20999", "21000", False),
        ("US 96700-96899", "96815-1234", True),  # ZIP+4: its first five digits are compared
        ("GB BT1 1AA", "bt1  1aa", True),
        ("GB BT1 1AA", "BT1 1AB", False),
        ("PT 1000-001", "1000 001", True),
    ],
)
def test_postcodes_match_patterns_whatever_their_spacing_and_case(entry, postcode, matches):
    country = entry.split()[0]
    assert (
        parse_postcode_pattern(entry).matches(
            country, Destination.of(country, "", postcode).postcode
        )
        is matches
    )


def test_a_pattern_only_covers_its_own_country():
    assert not parse_postcode_pattern("GB BT*").matches("IE", "BT11AA")


@pytest.mark.parametrize(
    ("country", "region", "postcode", "expected"),
    [
        ("US", "HI", "", {"US-HI"}),
        ("US", "us-hi", "", {"US-HI"}),
        ("US", "Hawaii", "", {"US-HI"}),
        ("CA", "Nunavut", "", {"CA-NU"}),
        ("CA", "Québec", "", {"CA-QC"}),
        ("CA", "quebec", "", {"CA-QC"}),
        ("ES", "Las Palmas", "", {"ES-GC", "ES-CN"}),
        ("ES", "", "35001", {"ES-GC", "ES-CN"}),  # the province from the postcode
        ("ES", "", "28001", set()),
        ("US", "", "", set()),
        ("US", "CA-NU", "", set()),  # another country's code
    ],
)
def test_an_address_region_is_read_as_codes_names_or_from_the_postcode(
    country, region, postcode, expected
):
    assert address_regions(country, region, postcode) == expected


# --- Matching ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_most_specific_zone_wins_postcode_then_region_then_country_then_world():
    # Given four zones naming overlapping places
    world = zone("World", is_rest_of_world=True)
    united_states = zone("United States", countries=["US"])
    islands = zone("Alaska and Hawaii", regions=["US-AK", "us-hi"])
    honolulu = zone("Honolulu", postcodes=["US 96801-96825"])

    # When addresses are placed, then each lands in the most specific zone naming it
    assert zone_for_address("US", "HI", "96815") == honolulu  # postcode beats region
    assert zone_for_address("US", "Hawaii", "96720") == islands  # region beats country
    assert zone_for_address("US", "AK", "") == islands
    assert zone_for_address("US", "NY", "10001") == united_states  # country beats the world
    assert zone_for_address("DE", "", "10115") == world
    # And regions are stored as codes, upper case
    assert ShippingZone.objects.get(pk=islands.pk).regions == ["US-AK", "US-HI"]


@pytest.mark.django_db
def test_among_postcode_patterns_exact_beats_range_beats_prefix_and_longer_prefixes_win():
    # Given zones with a prefix, a longer prefix, a range and an exact code
    short = zone("BT", postcodes=["GB BT*"])
    longer = zone("BT1", postcodes=["GB BT1*"])
    exact = zone("One street", postcodes=["GB BT1 1AA"])
    wide = zone("Corsica", postcodes=["FR 20000-20999"])
    narrow = zone("Ajaccio", postcodes=["FR 20000-20199"])
    corsica_prefix = zone("Twenty", postcodes=["FR 20*"])

    assert zone_for_address("GB", "", "BT9 5AB") == short
    assert zone_for_address("GB", "", "bt1 2ab") == longer
    assert zone_for_address("GB", "", "bt11aa") == exact
    assert zone_for_address("FR", "", "20090") == narrow
    assert zone_for_address("FR", "", "20600") == wide
    assert zone_for_address("FR", "", "20") == corsica_prefix  # too short for the ranges


@pytest.mark.django_db
def test_northern_ireland_can_be_priced_apart_from_the_rest_of_the_uk():
    # Given the UK at 4.90 and the BT postcodes at 9.90
    uk = zone("United Kingdom", countries=["GB"])
    rate(uk, price="4.90", currency="GBP")
    northern_ireland = zone("Northern Ireland", postcodes=["GB BT*"])
    rate(northern_ireland, price="9.90", currency="GBP")

    # When a Belfast and a London address ask, then each sees its own zone's rate only
    (belfast,) = availability("GB", postcode="BT1 1AA", currency="GBP").options
    (london,) = availability("GB", postcode="SW1A 1AA", currency="GBP").options
    assert (belfast.code, belfast.amount) == (f"{northern_ireland.pk}:standard", D("9.90"))
    assert (london.code, london.amount) == (f"{uk.pk}:standard", D("4.90"))


@pytest.mark.django_db
def test_a_region_zone_without_rates_excludes_that_region_and_says_so_naming_it():
    # Given the United States, except Hawaii (a zone of its own with no rates)
    rate(zone("United States", countries=["US"]))
    zone("Not shipped: Hawaii", regions=["US-HI"])

    # When a Hawaiian address asks
    result = availability("US", region="HI", postcode="96815")

    # Then there is no option, and the message names Hawaii
    assert result.options == [] and not result.ships_there
    assert result.unavailable_message() == "We don’t ship to Hawaii, United States yet."
    assert availability("US", region="NY").options  # the mainland still ships


@pytest.mark.django_db
def test_a_country_in_no_zone_is_named_in_the_shoppers_language():
    # Given Europe only
    rate(zone("Europe", countries=["DE", "FR"]), currency="EUR")

    # When New Caledonia asks, then the message names it (in German for a German shopper)
    assert availability("NC").unavailable_message() == "We don’t ship to New Caledonia yet."
    with translation.override("de"):
        assert "Neukaledonien" in availability("NC").unavailable_message()


@pytest.mark.django_db
def test_an_excluded_postcode_is_named_with_its_country():
    rate(zone("United Kingdom", countries=["GB"]), currency="GBP")
    zone("Channel Islands", postcodes=["GB GY*", "GB JE*"])

    message = availability("GB", postcode="je2 3ab", currency="GBP").unavailable_message()

    assert message == "We don’t ship to JE2 3AB, United Kingdom yet."


@pytest.mark.django_db
def test_a_zone_whose_rates_do_not_fit_says_so_rather_than_not_shipping():
    # Given a zone whose only rate takes parcels up to 100 g
    rate(zone("United States", countries=["US"]), max_weight_grams=100)

    # When a 500 g parcel asks, then the zone ships there but nothing fits
    result = availability("US", region="NY")
    assert result.ships_there and result.options == []
    assert "can take this order" in result.unavailable_message()


@pytest.mark.django_db
def test_the_canary_islands_are_found_by_province_or_postcode():
    spain = zone("Spain", countries=["ES"])
    rate(spain, currency="EUR")
    canaries = zone("Canary Islands", regions=["ES-CN"])
    rate(canaries, price="15", currency="EUR")

    assert zone_for_address("ES", "Las Palmas", "35001") == canaries
    assert zone_for_address("ES", "", "38001") == canaries  # Santa Cruz de Tenerife
    assert zone_for_address("ES", "Madrid", "28001") == spain


@pytest.mark.django_db
def test_same_shipping_zone_compares_addresses_by_their_zone():
    zone("United States", countries=["US"])
    zone("Alaska and Hawaii", regions=["US-AK", "US-HI"])

    new_york = {"country_code": "US", "region": "NY", "postal_code": "10001"}
    texas = {"country_code": "US", "region": "TX", "postal_code": "73301"}
    hawaii = {"country_code": "US", "region": "HI", "postal_code": "96815"}
    assert same_shipping_zone(new_york, texas)
    assert not same_shipping_zone(new_york, hawaii)


@pytest.mark.django_db
def test_shipped_countries_lists_where_some_rate_applies():
    rate(zone("Europe", countries=["DE", "FR"]), currency="EUR")
    rate(zone("Northern Ireland", postcodes=["GB BT*"]), currency="GBP")
    zone("Empty", countries=["JP"])  # no rates: not shipped to

    assert shipped_countries() == {"DE", "FR", "GB"}

    rate(zone("World", is_rest_of_world=True))
    assert shipped_countries() is None  # everywhere


# --- Validation -------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"regions": ["Hawaii"]}, "regions", "such as US-HI"),
        ({"regions": ["XX-HI"]}, "regions", "XX is not a country code"),
        ({"postcodes": ["BT*"]}, "postcodes", "start with the country code"),
        ({"postcodes": ["FR 20999-20000"]}, "postcodes", "starts after it ends"),
        ({}, "countries", "at least one country, region or postcode pattern"),
    ],
)
def test_bad_regions_and_postcodes_are_refused_naming_the_field(fields, field, words):
    with pytest.raises(ValidationError) as error:
        ShippingZone(name="Bad", **fields).full_clean()
    assert words in " ".join(error.value.message_dict[field])


@pytest.mark.django_db
def test_a_region_or_a_postcode_pattern_cannot_belong_to_two_zones():
    zone("Islands", regions=["US-HI"], postcodes=["GB BT*"])

    with pytest.raises(ValidationError) as error:
        ShippingZone(name="Again", regions=["us-hi"], postcodes=["gb bt *"]).full_clean()

    assert "US-HI (Islands)" in error.value.message_dict["regions"][0]
    assert "GB BT* (Islands)" in error.value.message_dict["postcodes"][0]
