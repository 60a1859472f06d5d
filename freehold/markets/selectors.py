"""Which shipping options a cart can choose, and the one it chose, recomputed at the sale.

An option's code is "<zone id>:<rate code>". The checkout stores it on the cart and calls
`shipping_option` again when the order is placed: the destination, currency, subtotal or weight
may have changed since, or the merchant may have edited the rate, so the stored code is a
choice to re-validate, never a price to trust.

The destination's zone is the most specific one naming it (postcode pattern > region >
country > rest of world; see markets.zones). Of its active rates, each code is offered once:
the rate in the cart's currency if the merchant priced one, else another converted at the
day's reference rate and rounded UP to the currency's minor unit (never below the merchant's
price). Thresholds (free over, price bands) are converted the same way and compared with the
cart's items subtotal after discounts, in the cart's currency.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from babel import Locale, UnknownLocaleError
from django.db.models import Count, Q
from django.utils.translation import get_language, gettext

from freehold.checkout.pricing import Shipping
from freehold.core import clock
from freehold.core.money import minor_unit_exponent
from freehold.markets import zones
from freehold.markets.models import FxRate, ShippingRate, ShippingZone

ZERO = Decimal(0)


@dataclass(frozen=True)
class ShippingOption:
    code: str
    name: str
    carrier: str
    currency: str
    amount: Decimal  # what the shopper pays: zero once the free-shipping threshold is reached
    original_amount: Decimal
    is_free: bool
    delivery_estimate: str  # such as "2 to 4 business days" (en dash), or ""
    min_delivery_days: int | None = None
    max_delivery_days: int | None = None
    # The currency the merchant priced the rate in, when the cart sees it converted.
    converted_from: str = ""


def option_code(*, zone_id: int, rate_code: str) -> str:
    return f"{zone_id}:{rate_code}"


def delivery_estimate(min_days: int | None, max_days: int | None) -> str:
    if min_days is None and max_days is None:
        return ""
    if min_days is None:
        return gettext("Up to %(days)s") % {"days": _business_days(max_days)}
    if max_days is None:
        return gettext("%(days)s+ business days") % {"days": min_days}
    if min_days == max_days:
        return _business_days(min_days)
    return gettext("%(low)s–%(high)s business days") % {"low": min_days, "high": max_days}


def _business_days(days: int | None) -> str:
    if days == 1:
        return gettext("1 business day")
    return gettext("%(days)s business days") % {"days": days}


def zone_for_address(
    country_code: str, region: str = "", postal_code: str = ""
) -> ShippingZone | None:
    """The most specific zone naming the address, else the rest of the world, else None.

    Loads every zone in one query and matches in Python: a store has a handful of zones, and
    JSON containment lookups are not available on SQLite.
    """
    destination = zones.Destination.of(country_code, region, postal_code)
    zone, _ = zones.best_zone(ShippingZone.objects.all(), destination)
    return zone


def zone_for_country(country_code: str) -> ShippingZone | None:
    """The zone of an address in the country with no region or postcode given."""
    return zone_for_address(country_code)


def same_shipping_zone(first: dict[str, object], second: dict[str, object]) -> bool:
    """Whether two address snapshots fall in the same zone (one query), so a shipping choice
    made for the first still means the same for the second."""
    every_zone = list(ShippingZone.objects.all())

    def zone_id(address: dict[str, object]) -> int | None:
        destination = zones.Destination.of(
            str(address.get("country_code", "") or ""),
            str(address.get("region", "") or ""),
            str(address.get("postal_code", "") or ""),
        )
        zone, _ = zones.best_zone(every_zone, destination)
        return None if zone is None else zone.pk

    return zone_id(first) == zone_id(second)


@dataclass(frozen=True)
class ShippingAvailability:
    """The options a destination has for a cart, and why there are none when there are none."""

    destination: zones.Destination
    zone: ShippingZone | None
    level: int  # zones.POSTCODE, REGION_LEVEL, COUNTRY, REST_OF_WORLD; 0 without a zone
    has_rates: bool  # the zone has at least one active rate (fitting this cart or not)
    options: list[ShippingOption] = field(default_factory=list)
    # The countries some zone with active rates names; None: everywhere (a rest of the world
    # with rates). For the checkout's country list.
    shipped_countries: frozenset[str] | None = None

    @property
    def ships_there(self) -> bool:
        return self.zone is not None and self.has_rates

    def unavailable_message(self) -> str:
        """What the checkout says when there is no option, naming the place."""
        if self.options:
            return ""
        if not self.ships_there:
            return gettext("We don’t ship to %(place)s yet.") % {"place": self.place()}
        return gettext(
            "None of our shipping methods to %(place)s can take this order (its weight or "
            "total is outside their limits). Please contact us."
        ) % {"place": self.place()}

    def place(self) -> str:
        """The destination as specifically as the zone named it: postcode, region, country."""
        country = country_display_name(self.destination.country)
        if self.level == zones.POSTCODE and self.destination.postcode_as_typed:
            return f"{self.destination.postcode_as_typed}, {country}"
        if self.level == zones.REGION_LEVEL and self.zone is not None:
            named = sorted(self.destination.regions.intersection(self.zone.regions))
            if named:
                return f"{zones.region_name(named[0])}, {country}"
        return country


def country_display_name(code: str) -> str:
    """The country's name in the active language ("NC" -> "New Caledonia")."""
    language = (get_language() or "en").replace("-", "_")
    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return str(locale.territories.get(code, code))


def shipping_availability(
    *,
    country_code: str,
    currency: str,
    subtotal: Decimal,
    weight_grams: int,
    region: str = "",
    postal_code: str = "",
    on: dt.date | None = None,
) -> ShippingAvailability:
    """The destination's zone and the options of its active rates that fit this cart."""
    destination = zones.Destination.of(country_code, region, postal_code)
    every_zone = list(
        ShippingZone.objects.annotate(
            active_rates=Count("rates", filter=Q(rates__is_active=True))
        ).order_by("position", "id")
    )
    zone, level = zones.best_zone(every_zone, destination)
    shipped = _shipped_countries(z for z in every_zone if getattr(z, "active_rates", 0))
    if zone is None:
        return ShippingAvailability(
            destination=destination,
            zone=None,
            level=0,
            has_rates=False,
            shipped_countries=shipped,
        )
    rates = list(ShippingRate.objects.filter(zone=zone, is_active=True).order_by("position", "id"))
    options = _options(
        rates,
        currency=currency.upper(),
        subtotal=subtotal,
        weight_grams=weight_grams,
        on=on or clock.now().date(),
    )
    return ShippingAvailability(
        destination=destination,
        zone=zone,
        level=level,
        has_rates=bool(rates),
        options=options,
        shipped_countries=shipped,
    )


def shipping_options(
    *,
    country_code: str,
    currency: str,
    subtotal: Decimal,
    weight_grams: int,
    region: str = "",
    postal_code: str = "",
    on: dt.date | None = None,
) -> list[ShippingOption]:
    """The options of the destination's zone for this cart: cheapest first (after free-shipping
    thresholds), then in the merchant's order."""
    return shipping_availability(
        country_code=country_code,
        currency=currency,
        subtotal=subtotal,
        weight_grams=weight_grams,
        region=region,
        postal_code=postal_code,
        on=on,
    ).options


def shipping_option(
    *,
    code: str,
    country_code: str,
    currency: str,
    subtotal: Decimal,
    weight_grams: int,
    region: str = "",
    postal_code: str = "",
) -> ShippingOption | None:
    """The option `code` names if the cart may still choose it, with today's price; else None."""
    options = shipping_options(
        country_code=country_code,
        currency=currency,
        subtotal=subtotal,
        weight_grams=weight_grams,
        region=region,
        postal_code=postal_code,
    )
    return next((option for option in options if option.code == code), None)


def shipped_countries() -> frozenset[str] | None:
    """The countries with at least one active rate somewhere (by country, region or postcode);
    None when a rest-of-world zone with rates ships everywhere. Two queries."""
    with_rates = set(
        ShippingRate.objects.filter(is_active=True).values_list("zone_id", flat=True).distinct()
    )
    return _shipped_countries(ShippingZone.objects.filter(pk__in=with_rates))


def _shipped_countries(zones_with_rates: Iterable[ShippingZone]) -> frozenset[str] | None:
    countries: set[str] = set()
    for zone in zones_with_rates:
        if zone.is_rest_of_world:
            return None
        countries.update(zone.countries or [])
        countries.update(code.split("-")[0] for code in zone.regions or [])
        countries.update(entry.split(" ")[0] for entry in zone.postcodes or [])
    return frozenset(countries)


def to_pricing_shipping(option: ShippingOption) -> Shipping:
    return Shipping(name=option.name, amount=option.amount)


@dataclass(frozen=True)
class _Priced:
    """A rate's amounts in the cart's currency."""

    rate: ShippingRate
    price: Decimal
    free_over: Decimal | None
    min_subtotal: Decimal | None
    max_subtotal: Decimal | None


def _options(
    rates: Iterable[ShippingRate],
    *,
    currency: str,
    subtotal: Decimal,
    weight_grams: int,
    on: dt.date,
) -> list[ShippingOption]:
    by_code: dict[str, list[ShippingRate]] = {}
    for rate in rates:
        by_code.setdefault(rate.code, []).append(rate)
    offered: list[tuple[ShippingOption, ShippingRate]] = []
    for group in by_code.values():
        own = [rate for rate in group if rate.currency == currency]
        priced = next(
            (p for p in (_priced(rate, currency, on) for rate in own or group) if p is not None),
            None,
        )
        if priced is None or not _fits(priced, subtotal=subtotal, weight_grams=weight_grams):
            continue
        offered.append((_option(priced, currency, subtotal), priced.rate))
    offered.sort(key=lambda pair: (pair[0].amount, pair[1].position, pair[1].pk))
    return [option for option, _ in offered]


def _priced(rate: ShippingRate, currency: str, on: dt.date) -> _Priced | None:
    """The rate's amounts in `currency`: as given, or converted and rounded up; None when no
    exchange rate is kept for the pair."""
    from freehold.markets.pricing import RateMissing, convert

    exponent = minor_unit_exponent(currency)
    if rate.currency == currency:
        return _Priced(
            rate=rate,
            price=rate.price_amount.quantize(exponent, rounding=ROUND_HALF_UP),
            free_over=rate.free_over_amount,
            min_subtotal=rate.min_subtotal_amount,
            max_subtotal=rate.max_subtotal_amount,
        )

    def converted(amount: Decimal | None) -> Decimal | None:
        if amount is None:
            return None
        value = convert(amount, from_currency=rate.currency, to_currency=currency, on=on)
        return value.quantize(exponent, rounding=ROUND_CEILING)

    try:
        price = converted(rate.price_amount)
        assert price is not None
        return _Priced(
            rate=rate,
            price=price,
            free_over=converted(rate.free_over_amount),
            min_subtotal=converted(rate.min_subtotal_amount),
            max_subtotal=converted(rate.max_subtotal_amount),
        )
    except RateMissing:
        return None


def _fits(priced: _Priced, *, subtotal: Decimal, weight_grams: int) -> bool:
    """Weight band (both ends inclusive) and price band (from the minimum, below the maximum)."""
    rate = priced.rate
    if rate.min_weight_grams is not None and weight_grams < rate.min_weight_grams:
        return False
    if rate.max_weight_grams is not None and weight_grams > rate.max_weight_grams:
        return False
    if priced.min_subtotal is not None and subtotal < priced.min_subtotal:
        return False
    return priced.max_subtotal is None or subtotal < priced.max_subtotal


def _option(priced: _Priced, currency: str, subtotal: Decimal) -> ShippingOption:
    rate = priced.rate
    is_free = priced.price == ZERO or (
        priced.free_over is not None and subtotal >= priced.free_over
    )
    return ShippingOption(
        code=option_code(zone_id=rate.zone_id, rate_code=rate.code),
        name=rate.name,
        carrier=rate.carrier,
        currency=currency,
        amount=ZERO if is_free else priced.price,
        original_amount=priced.price,
        is_free=is_free,
        delivery_estimate=delivery_estimate(rate.min_delivery_days, rate.max_delivery_days),
        min_delivery_days=rate.min_delivery_days,
        max_delivery_days=rate.max_delivery_days,
        converted_from="" if rate.currency == currency else rate.currency,
    )


def fx_rate(*, base: str, quote: str, on: dt.date) -> FxRate | None:
    """The newest kept rate for 1 `base` in `quote` published on or before `on` (the ECB
    publishes none on weekends and holidays, so Saturday uses Friday's)."""
    return (
        FxRate.objects.filter(base=base.upper(), quote=quote.upper(), date__lte=on)
        .order_by("-date")
        .first()
    )
