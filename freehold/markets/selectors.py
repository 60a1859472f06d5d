"""Which shipping options a cart can choose, and the one it chose, recomputed at the sale.

An option's code is "<zone id>:<rate code>". The checkout stores it on the cart and calls
`shipping_option` again when the order is placed: the destination, currency, subtotal or weight
may have changed since, or the merchant may have edited the rate, so the stored code is a
choice to re-validate, never a price to trust.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from freehold.checkout.pricing import Shipping
from freehold.core.money import minor_unit_exponent
from freehold.markets.countries import normalise_country_code
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


def option_code(*, zone_id: int, rate_code: str) -> str:
    return f"{zone_id}:{rate_code}"


def delivery_estimate(min_days: int | None, max_days: int | None) -> str:
    if min_days is None and max_days is None:
        return ""
    if min_days is None:
        return f"Up to {_business_days(max_days)}"
    if max_days is None:
        return f"{min_days}+ business days"
    if min_days == max_days:
        return _business_days(min_days)
    return f"{min_days}–{max_days} business days"


def _business_days(days: int | None) -> str:
    return "1 business day" if days == 1 else f"{days} business days"


def zone_for_country(country_code: str) -> ShippingZone | None:
    """The zone listing the country, else the rest-of-world zone, else None (no shipping).

    Loads every zone in one query and matches in Python: a store has a handful of zones, and
    JSON containment lookups are not available on SQLite.
    """
    country_code = normalise_country_code(country_code)
    rest_of_world = None
    for zone in ShippingZone.objects.all():
        if zone.serves(country_code):
            return zone
        if zone.is_rest_of_world and rest_of_world is None:
            rest_of_world = zone
    return rest_of_world


def shipping_options(
    *, country_code: str, currency: str, subtotal: Decimal, weight_grams: int
) -> list[ShippingOption]:
    """The active rates of the destination's zone in the cart's currency that fit its weight.

    Cheapest first (after free-shipping thresholds), then in the merchant's order.
    """
    zone = zone_for_country(country_code)
    if zone is None:
        return []
    rates = ShippingRate.objects.filter(
        Q(min_weight_grams__isnull=True) | Q(min_weight_grams__lte=weight_grams),
        Q(max_weight_grams__isnull=True) | Q(max_weight_grams__gte=weight_grams),
        zone=zone,
        is_active=True,
        currency=currency.upper(),
    ).order_by()  # sorted below; the model's ordering by zone would join the zone table
    ranked = sorted(
        ((_option(rate, subtotal), rate) for rate in rates),
        key=lambda pair: (pair[0].amount, pair[1].position, pair[1].pk),
    )
    return [option for option, _ in ranked]


def shipping_option(
    *, code: str, country_code: str, currency: str, subtotal: Decimal, weight_grams: int
) -> ShippingOption | None:
    """The option `code` names if the cart may still choose it, with today's price; else None."""
    options = shipping_options(
        country_code=country_code, currency=currency, subtotal=subtotal, weight_grams=weight_grams
    )
    return next((option for option in options if option.code == code), None)


def to_pricing_shipping(option: ShippingOption) -> Shipping:
    return Shipping(name=option.name, amount=option.amount)


def _option(rate: ShippingRate, subtotal: Decimal) -> ShippingOption:
    original = rate.price_amount.quantize(
        minor_unit_exponent(rate.currency), rounding=ROUND_HALF_UP
    )
    is_free = original == ZERO or (
        rate.free_over_amount is not None and subtotal >= rate.free_over_amount
    )
    return ShippingOption(
        code=option_code(zone_id=rate.zone_id, rate_code=rate.code),
        name=rate.name,
        carrier=rate.carrier,
        currency=rate.currency,
        amount=ZERO if is_free else original,
        original_amount=original,
        is_free=is_free,
        delivery_estimate=delivery_estimate(rate.min_delivery_days, rate.max_delivery_days),
    )


def fx_rate(*, base: str, quote: str, on: dt.date) -> FxRate | None:
    """The newest kept rate for 1 `base` in `quote` published on or before `on` (the ECB
    publishes none on weekends and holidays, so Saturday uses Friday's)."""
    return (
        FxRate.objects.filter(base=base.upper(), quote=quote.upper(), date__lte=on)
        .order_by("-date")
        .first()
    )
