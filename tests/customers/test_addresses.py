"""Country-specific address forms, validation and display (Google's address metadata), and
phone numbers in E.164 (libphonenumber)."""

from __future__ import annotations

import pytest
from django.utils import translation

from freehold.customers import addresses
from freehold.customers.addresses import AddressInvalid

US = {
    "first_name": "Jo",
    "last_name": "Doe",
    "line1": "1600 Amphitheatre Parkway",
    "city": "Mountain View",
    "region": "CA",
    "postal_code": "94043",
    "country_code": "US",
}
DE = {
    "first_name": "Lena",
    "last_name": "Müller",
    "line1": "Torstraße 12",
    "city": "Berlin",
    "postal_code": "10119",
    "country_code": "DE",
}
JP = {
    "first_name": "Taro",
    "last_name": "Yamada",
    "line1": "1-1 Chiyoda, Chiyoda-ku",
    "region": "Tokyo",
    "postal_code": "100-0001",
    "country_code": "JP",
}


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def labels(form: addresses.AddressFormat) -> list[list[str]]:
    return [[field.label for field in row] for row in form.rows]


# --- Forms ------------------------------------------------------------------------------------


def test_the_us_form_asks_for_a_state_from_a_list_and_a_zip_code():
    form = addresses.address_format("US", "en")

    assert labels(form)[-1] == ["City", "State", "ZIP code"]
    state = form.field("region")
    assert state is not None and state.required
    assert addresses.Choice("CA", "California") in state.choices
    assert form.field("postal_code").required  # type: ignore[union-attr]
    assert form.postal_code_example == "95014"


def test_the_japanese_form_follows_the_japanese_order_for_japanese_readers():
    # Given a Japanese reader, the address runs from the postal code down to the name
    native = addresses.address_format("JP", "ja")
    names = [[field.name for field in row] for row in native.rows]
    assert names[0] == ["postal_code"] and names[1] == ["region"]
    assert names[-1] == ["last_name", "first_name"]
    assert native.region_choices[12] == addresses.Choice("東京都", "東京都")

    # and an English reader gets the Latin order, prefectures by their Latin names, no city
    latin = addresses.address_format("JP", "en")
    assert [field.name for field in latin.rows[0]] == ["first_name", "last_name"]
    assert latin.field("region").label == "Prefecture"  # type: ignore[union-attr]
    assert addresses.Choice("東京都", "Tokyo") in latin.region_choices
    assert latin.field("city") is None


@pytest.mark.parametrize(
    ("country", "field", "label"),
    [
        ("GB", "postal_code", "Postcode"),
        ("DE", "postal_code", "Postal code"),
        ("IE", "postal_code", "Eircode"),
        ("IN", "postal_code", "PIN code"),
        ("CA", "region", "Province"),
        ("AE", "region", "Emirate"),
        ("GB", "city", "Post town"),
    ],
)
def test_labels_are_the_countrys_own(country, field, label):
    assert addresses.address_format(country, "en").field(field).label == label  # type: ignore[union-attr]


def test_labels_follow_the_language():
    with translation.override("de"):
        form = addresses.address_format("US")
    assert addresses.Choice("CA", "California") in form.region_choices
    assert form.country_name == "Vereinigte Staaten"


def test_a_country_without_subdivisions_or_postal_codes_has_no_such_fields():
    germany = addresses.address_format("DE", "en")
    assert germany.field("region") is None
    emirates = addresses.address_format("AE", "en")
    assert emirates.field("postal_code") is None


# --- Validation -------------------------------------------------------------------------------


def test_a_us_address_is_stored_with_the_state_code_and_the_phone_in_e164():
    address = addresses.address_normalize(
        {**US, "region": "california", "phone": "(650) 253-0000", "country_code": " us"}
    )
    assert address["region"] == "CA"
    assert address["country_code"] == "US"
    assert address["phone"] == "+16502530000"
    assert set(address) == set(addresses.FIELDS)


@pytest.mark.parametrize(
    ("address", "field", "message"),
    [
        (
            {**DE, "postal_code": "1234"},
            "postal_code",
            'Postal code "1234" is not valid for Germany (for example 26133).',
        ),
        (
            {**US, "postal_code": "10001"},
            "postal_code",
            'ZIP code "10001" is not valid for California, United States (for example 90000).',
        ),
        (
            {**US, "region": ""},
            "region",
            "State is required for addresses in United States.",
        ),
        (
            {**US, "region": "Atlantis"},
            "region",
            'State "Atlantis" is not one we know in United States; choose one from the list.',
        ),
        (
            {**JP, "region": ""},
            "region",
            "Prefecture is required for addresses in Japan.",
        ),
        (
            {**JP, "postal_code": "1000"},
            "postal_code",
            'Postal code "1000" is not valid for Japan (for example 154-0023).',
        ),
        (
            {**DE, "city": ""},
            "city",
            "City is required for addresses in Germany.",
        ),
        (
            {**DE, "country_code": "XX"},
            "country_code",
            'Country "XX" is not one we know; choose a country from the list.',
        ),
        ({**DE, "country_code": ""}, "country_code", "Choose the country."),
    ],
)
def test_each_problem_names_the_field_and_the_country(address, field, message):
    with pytest.raises(AddressInvalid) as refused:
        addresses.address_normalize(address)
    assert refused.value.errors == {field: message}
    assert refused.value.field == field


def test_every_wrong_field_is_reported_at_once_in_the_forms_order():
    with pytest.raises(AddressInvalid) as refused:
        addresses.address_normalize({**US, "first_name": "", "postal_code": "1", "phone": "12"})
    assert list(refused.value.errors) == ["first_name", "postal_code", "phone"]


def test_postal_codes_are_upper_cased_and_countries_without_them_need_none():
    assert addresses.address_normalize(
        {**DE, "country_code": "GB", "city": "London", "postal_code": "sw1a 1aa"}
    )["postal_code"] == ("SW1A 1AA")
    emirates = addresses.address_normalize(
        {**DE, "country_code": "AE", "postal_code": "", "city": "", "region": "Dubai"}
    )
    assert emirates["postal_code"] == ""
    assert addresses.address_format("AE", "en").region_name(emirates["region"]) == "Dubai"


def test_fields_the_country_does_not_have_are_dropped():
    address = addresses.address_normalize({**JP, "city": "Tokyo", "city_area": "Chiyoda"})
    assert (address["city"], address["city_area"], address["region"]) == ("", "", "東京都")


def test_a_draft_keeps_what_it_cannot_clean_and_says_why():
    address, problems = addresses.address_validate({**US, "region": "Calif", "phone": "ring"})
    assert (address["region"], address["phone"]) == ("Calif", "ring")
    assert set(problems) == {"region", "phone"}


def test_validating_twice_changes_nothing():
    once = addresses.address_normalize({**JP, "phone": "03-1234-5678"})
    assert addresses.address_normalize(once) == once


# --- Phones -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "country", "e164"),
    [
        ("030 1234567", "DE", "+49301234567"),
        ("+49 30 1234567", "US", "+49301234567"),
        ("(650) 253-0000", "US", "+16502530000"),
        ("03-1234-5678", "JP", "+81312345678"),
        ("020 7946 0018", "GB", "+442079460018"),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, country, e164):
    assert addresses.phone_to_e164(raw, country) == e164


@pytest.mark.parametrize("raw", ["12", "call me", "+49 1", "0000000000000000000000"])
def test_an_impossible_phone_number_is_refused_naming_the_phone_and_country(raw):
    with pytest.raises(AddressInvalid) as refused:
        addresses.phone_to_e164(raw, "DE")
    assert refused.value.field == "phone"
    assert refused.value.message.startswith("Phone ")
    assert "Germany" in refused.value.message


def test_a_national_number_without_a_country_is_refused():
    with pytest.raises(AddressInvalid) as refused:
        addresses.phone_to_e164("030 1234567", "")
    assert "country code" in refused.value.message


# --- Display ----------------------------------------------------------------------------------


def test_a_us_address_is_written_the_us_way():
    lines = addresses.address_lines({**US, "phone": "+16502530000"}, "en", include_phone=True)
    assert lines == [
        "Jo Doe",
        "1600 Amphitheatre Parkway",
        "Mountain View, CA 94043",
        "United States",
        "+1 650-253-0000",
    ]


def test_a_japanese_address_is_written_big_to_small_in_japanese_and_small_to_big_in_english():
    address = addresses.address_normalize(JP)
    assert addresses.address_lines(address, "ja") == [
        "〒100-0001",
        "東京都",
        "1-1 Chiyoda, Chiyoda-ku",
        "Yamada Taro",
        "日本",
    ]
    assert addresses.address_lines(address, "en") == [
        "Taro Yamada",
        "1-1 Chiyoda, Chiyoda-ku, Tokyo",
        "100-0001",
        "Japan",
    ]


def test_a_german_address_puts_the_postal_code_before_the_city():
    lines = addresses.address_lines({**DE, "company": "Northwind GmbH"}, "de")
    assert lines == ["Lena Müller", "Northwind GmbH", "Torstraße 12", "10119 Berlin", "Deutschland"]


def test_old_snapshots_still_come_out_whole():
    # an order from before: a single name, a city where Japan's format has none
    lines = addresses.address_lines(
        {"name": "Taro Yamada", "line1": "1-1", "city": "Chiyoda", "country_code": "JP"}, "en"
    )
    assert lines == ["Taro Yamada", "1-1", "Chiyoda", "Japan"]
    assert addresses.address_lines({"line1": "Somewhere 1", "country_code": "QQ"}, "en") == [
        "Somewhere 1",
        "QQ",
    ]
    assert addresses.address_lines({}, "en") == []
    assert addresses.address_lines(None, "en") == []


def test_a_postal_code_written_with_the_countrys_prefix_is_stored_without_it():
    address = addresses.address_normalize(
        {**DE, "country_code": "LU", "city": "Luxembourg", "postal_code": "l-1855"}
    )
    assert address["postal_code"] == "1855"
    assert "L-1855 Luxembourg" in addresses.address_lines(address, "fr")
