"""Shipping zones and rates, written by the dashboard: validated by the models, audit-logged.

The checkout re-reads zones and rates for every quote (markets.selectors), so an edit applies
to the next checkout page and to carts already holding a shipping choice: the stored option
code is re-validated at the sale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from freehold.core import audit, clock, pagecache
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.core.money import is_currency_code
from freehold.markets import fx
from freehold.markets.countries import normalise_country_code
from freehold.markets.models import FxRate, Market, MarketPrice, ShippingRate, ShippingZone
from freehold.markets.pricing import forget_rates
from freehold.markets.resolution import language_code


def _full_clean(instance: ShippingZone | ShippingRate | Market) -> None:
    try:
        instance.full_clean()
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            field, messages = next(iter(error.message_dict.items()))
            raise ValidationFailed(
                " ".join(messages), field=None if field == "__all__" else field
            ) from None
        raise ValidationFailed(" ".join(error.messages)) from None


def _save(
    instance: ShippingZone | ShippingRate | Market, *, unique_field: str, message: str
) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        # Two editors at once past full_clean: the constraint decides, the field is named.
        raise ValidationFailed(message, field=unique_field) from None


@transaction.atomic
def shipping_zone_save(*, zone: ShippingZone, actor: Actor) -> ShippingZone:
    """Create or update a zone (countries normalised and checked against the other zones)."""
    created = zone.pk is None
    _full_clean(zone)
    _save(
        zone,
        unique_field="is_rest_of_world",
        message="Another zone is already the rest of the world.",
    )
    audit.record(
        actor=actor,
        verb="shipping.zone_created" if created else "shipping.zone_changed",
        obj=zone,
        data={
            "name": zone.name,
            "countries": zone.countries,
            "regions": zone.regions,
            "postcodes": zone.postcodes,
            "rest": zone.is_rest_of_world,
        },
    )
    return zone


@transaction.atomic
def shipping_zone_delete(*, zone: ShippingZone, actor: Actor) -> None:
    """Remove a zone and its rates; carts that chose one of them must choose again."""
    audit.record(
        actor=actor,
        verb="shipping.zone_deleted",
        obj=zone,
        data={"name": zone.name, "countries": zone.countries},
    )
    zone.delete()


@transaction.atomic
def shipping_rate_save(*, rate: ShippingRate, actor: Actor) -> ShippingRate:
    created = rate.pk is None
    rate.currency = (rate.currency or "").upper()
    # One code per zone and currency: the same code in another currency is that currency's
    # own price of the same service (it wins over a converted one at checkout).
    taken = ShippingRate.objects.filter(
        zone_id=rate.zone_id, code=rate.code, currency=rate.currency
    ).exclude(pk=rate.pk)
    message = "Another rate of this zone has this code in this currency."
    if taken.exists():
        raise ValidationFailed(message, field="code")
    _full_clean(rate)
    _save(rate, unique_field="code", message=message)
    audit.record(
        actor=actor,
        verb="shipping.rate_created" if created else "shipping.rate_changed",
        obj=rate,
        data={
            "zone": rate.zone_id,
            "code": rate.code,
            "price": str(rate.price_amount),
            "currency": rate.currency,
            "free_over": None if rate.free_over_amount is None else str(rate.free_over_amount),
            "subtotal_band": [
                None if amount is None else str(amount)
                for amount in (rate.min_subtotal_amount, rate.max_subtotal_amount)
            ],
        },
    )
    return rate


@transaction.atomic
def shipping_rate_delete(*, rate: ShippingRate, actor: Actor) -> None:
    audit.record(
        actor=actor,
        verb="shipping.rate_deleted",
        obj=rate,
        data={"zone": rate.zone_id, "code": rate.code},
    )
    rate.delete()


@dataclass(frozen=True)
class FxImportResult:
    days: int
    created: int
    unchanged: int
    first_day: dt.date | None
    last_day: dt.date | None


@transaction.atomic
def fx_rates_import(*, data: bytes, source: str = "ecb") -> FxImportResult:
    """Keep every rate of an ECB eurofxref document: new days are added, days already kept are
    left as they are (the ECB does not revise published reference rates), and a malformed file
    adds nothing."""
    rates = fx.parse_eurofxref(data)
    known = set(
        FxRate.objects.filter(base=fx.ECB_BASE, date__in={rate.date for rate in rates}).values_list(
            "date", "quote"
        )
    )
    new: dict[tuple[dt.date, str], FxRate] = {}
    for rate in rates:
        key = (rate.date, rate.quote)
        if key not in known and key not in new:
            new[key] = FxRate(
                date=rate.date, base=rate.base, quote=rate.quote, rate=rate.rate, source=source
            )
    FxRate.objects.bulk_create(new.values(), batch_size=1000)
    transaction.on_commit(forget_rates)
    days = sorted({rate.date for rate in rates})
    return FxImportResult(
        days=len(days),
        created=len(new),
        unchanged=len(rates) - len(new),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )


# --- Markets ----------------------------------------------------------------------------------


def _market_clean(market: Market) -> None:
    """Normalise and check a market before it is saved; errors name the field."""
    from django.conf import settings as django_settings

    market.code = (market.code or "").strip().lower()
    market.currency = (market.currency or "").strip().upper()
    if market.currency and not is_currency_code(market.currency):
        raise ValidationFailed(
            f"{market.currency} is not an ISO 4217 currency code.", field="currency"
        )
    market.countries = list(
        dict.fromkeys(normalise_country_code(str(code)) for code in market.countries or [])
    )
    available = {code for code, _ in django_settings.LANGUAGES}
    languages = [language_code(str(code)) for code in market.languages or []]
    unknown = [code for code in languages if code not in available]
    if unknown:
        raise ValidationFailed(
            f"Not a storefront language: {', '.join(unknown)} (available: "
            f"{', '.join(sorted(available))}).",
            field="languages",
        )
    market.languages = list(dict.fromkeys(languages))
    if not market.languages:
        raise ValidationFailed("Choose at least one language.", field="languages")
    if not market.countries and not market.is_rest_of_world:
        raise ValidationFailed(
            "List at least one country, or make this the rest of the world.", field="countries"
        )
    if market.rounding == Market.Rounding.INCREMENT and not market.rounding_increment:
        raise ValidationFailed("Give the increment to round up to.", field="rounding_increment")
    _full_clean(market)
    if market.is_active:
        clashes: dict[str, str] = {}
        others = Market.objects.filter(is_active=True).exclude(pk=market.pk)
        for other in others.only("name", "countries"):
            for code in set(market.countries).intersection(other.countries or []):
                clashes[code] = other.name
        if clashes:
            listed = ", ".join(f"{code} ({name})" for code, name in sorted(clashes.items()))
            raise ValidationFailed(f"Already in another market: {listed}.", field="countries")


@transaction.atomic
def market_save(*, market: Market, actor: Actor) -> Market:
    """Create or update a market. Making it the default takes that from the previous one.

    Every storefront page shows prices and the market selector, so the whole page cache is
    retired (the `store` tag), and the markets are read afresh.
    """
    created = market.pk is None
    if market.is_default and market.is_active:
        # Before full_clean, which checks the one-default constraint (undone if refused).
        Market.objects.filter(is_default=True).exclude(pk=market.pk).update(is_default=False)
    _market_clean(market)
    if market.is_default:
        if not market.is_active:
            raise ValidationFailed("The default market cannot be inactive.", field="is_active")
        Market.objects.filter(is_default=True).exclude(pk=market.pk).update(is_default=False)
    elif not Market.objects.filter(is_default=True).exclude(pk=market.pk).exists():
        market.is_default = True  # the first market, or the last default, stays the default
    market.updated_at = clock.now()
    _save(
        market,
        unique_field="is_rest_of_world" if market.is_rest_of_world else "code",
        message="Another market is already the rest of the world."
        if market.is_rest_of_world
        else "Another market has this code.",
    )
    pagecache.invalidate(pagecache.GLOBAL_TAG)
    audit.record(
        actor=actor,
        verb="market.created" if created else "market.changed",
        obj=market,
        data={
            "code": market.code,
            "countries": market.countries,
            "currency": market.currency,
            "languages": market.languages,
            "prices_include_tax": market.prices_include_tax,
            "pricing_mode": market.pricing_mode,
            "rounding": market.rounding,
            "duties_mode": market.duties_mode,
            "default": market.is_default,
        },
    )
    return market


@transaction.atomic
def market_delete(*, market: Market, actor: Actor) -> None:
    if market.is_default:
        raise ValidationFailed(
            "Make another market the default before deleting this one.", field="is_default"
        )
    audit.record(actor=actor, verb="market.deleted", obj=market, data={"code": market.code})
    market.delete()
    pagecache.invalidate(pagecache.GLOBAL_TAG)


@transaction.atomic
def market_price_set(
    *,
    market: Market,
    variant_id: int,
    price: Decimal | None,
    compare_at: Decimal | None = None,
    actor: Actor,
) -> MarketPrice | None:
    """Fix a variant's price in a market (in the market's currency); None removes it, and the
    variant's price there is converted again."""
    from freehold.catalog.models import Variant

    variant = Variant.objects.filter(pk=variant_id).only("id", "product_id").first()
    if variant is None:
        raise ValidationFailed("No such variant.", field="variant_id")
    if price is not None and price < 0:
        raise ValidationFailed("A price cannot be negative.", field="price")
    if compare_at is not None and price is not None and compare_at <= price:
        raise ValidationFailed(
            "The compare-at price must be higher than the price.", field="compare_at"
        )
    existing = MarketPrice.objects.filter(market=market, variant_id=variant_id).first()
    result: MarketPrice | None
    if price is None:
        if existing is not None:
            existing.delete()
        result = None
    else:
        result = existing or MarketPrice(market=market, variant_id=variant_id)
        result.currency = market.currency
        result.price_amount = price
        result.compare_at_price_amount = compare_at
        result.updated_at = clock.now()
        result.save()
    pagecache.invalidate(f"product:{variant.product_id}", "listings")
    audit.record(
        actor=actor,
        verb="market.price_set",
        obj=market,
        data={
            "variant": variant_id,
            "price": None if price is None else str(price),
            "compare_at": None if compare_at is None else str(compare_at),
        },
    )
    return result
