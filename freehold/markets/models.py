"""Shipping zones and their rates, FX rates, and markets.

A zone lists whole countries, regions (ISO 3166-2 codes such as "US-HI") and postcode
patterns ("GB BT*"); at most one zone is the rest of the world. An address belongs to the most
specific zone naming it (postcode > region > country > rest of world; see markets.zones), so
a country, a region and an exact pattern each belong to at most one zone and a shipping option
code ("<zone id>:<rate code>") stays meaningful between the cart and the sale.

A rate belongs to one zone and is priced in one currency. Several rates of a zone may share a
code in different currencies: a cart sees the rate in its own currency if there is one, else
another converted at the day's reference rate (markets.selectors).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES
from freehold.core import clock
from freehold.markets.countries import is_country_code, normalise_country_code
from freehold.markets.zones import (
    PatternError,
    normalise_region_code,
    overlapping,
    parse_postcode_pattern,
)

validate_currency = RegexValidator(
    r"^[A-Z]{3}\Z", "Use an ISO 4217 currency code such as EUR.", code="invalid_currency"
)


def validate_country_list(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Give a list of country codes.", code="invalid_countries")
    unknown = [code for code in value if not is_country_code(code)]
    if unknown:
        raise ValidationError(
            "Not an ISO 3166-1 alpha-2 country code: %(codes)s.",
            code="invalid_country",
            params={"codes": ", ".join(unknown)},
        )


def validate_region_list(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(code, str) for code in value):
        raise ValidationError("Give a list of region codes.", code="invalid_regions")
    for code in value:
        try:
            normalise_region_code(code)
        except PatternError as error:
            raise ValidationError(str(error), code="invalid_region") from None


def validate_postcode_list(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise ValidationError("Give a list of postcode patterns.", code="invalid_postcodes")
    for entry in value:
        try:
            parse_postcode_pattern(entry)
        except PatternError as error:
            raise ValidationError(str(error), code="invalid_postcode") from None


class ShippingZone(models.Model):
    name = models.CharField(max_length=255)
    countries = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_country_list],
        help_text="ISO 3166-1 alpha-2 codes, such as DE, FR.",
    )
    regions = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_region_list],
        help_text="ISO 3166-2 subdivision codes, such as US-HI, US-AK, CA-NU, ES-CN.",
    )
    postcodes = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_postcode_list],
        help_text='Country and pattern: "GB BT*" (prefix), "FR 20000-20999" (range), '
        '"GB BT1 1AA" (exact).',
    )
    is_rest_of_world = models.BooleanField(
        default=False, help_text="Serves every country that no other zone lists."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_rest_of_world"],
                condition=Q(is_rest_of_world=True),
                name="markets_one_rest_of_world_zone",
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude: Any = None) -> None:
        """Store codes the way they are compared: upper case, each once, in the given order."""
        if isinstance(self.countries, list):
            normalised = [
                normalise_country_code(code) if isinstance(code, str) else code
                for code in self.countries
            ]
            self.countries = list(dict.fromkeys(normalised))
        if isinstance(self.regions, list):
            self.regions = list(dict.fromkeys(_normalised(self.regions, normalise_region_code)))
        if isinstance(self.postcodes, list):
            self.postcodes = list(
                dict.fromkeys(
                    _normalised(self.postcodes, lambda entry: parse_postcode_pattern(entry).text)
                )
            )
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if not all(isinstance(v, list) for v in (self.countries, self.regions, self.postcodes)):
            return
        if not (self.countries or self.regions or self.postcodes or self.is_rest_of_world):
            raise ValidationError(
                {
                    "countries": "List at least one country, region or postcode pattern, "
                    "or make this the rest of the world."
                }
            )
        # The same country (or region, or pattern) in two zones would make the destination's
        # rates depend on zone order. JSON containment is not available on SQLite, and a
        # store has a handful of zones.
        others = list(
            ShippingZone.objects.exclude(pk=self.pk).only(
                "name", "countries", "regions", "postcodes"
            )
        )
        errors: dict[str, str] = {}
        for field_name in ("countries", "regions"):
            claimed = set(getattr(self, field_name))
            clashes: dict[str, str] = {}
            for other in others:
                for code in claimed.intersection(getattr(other, field_name) or []):
                    clashes[code] = other.name
            if clashes:
                listed = ", ".join(f"{code} ({zone})" for code, zone in sorted(clashes.items()))
                errors[field_name] = f"Already in another zone: {listed}."
        taken = {
            entry: other.name
            for other in others
            for entry in overlapping(self.postcodes, other.postcodes or [])
        }
        if taken:
            listed = ", ".join(f"{entry} ({zone})" for entry, zone in sorted(taken.items()))
            errors["postcodes"] = f"Already in another zone: {listed}."
        if errors:
            raise ValidationError(errors)

    def serves(self, country_code: str) -> bool:
        """Whether the zone lists the whole country (regions and postcodes aside)."""
        return country_code in self.countries


def _normalised(entries: list[Any], normalise: Any) -> list[Any]:
    """Each string entry normalised; one that cannot be is kept as typed for the validator."""
    result = []
    for entry in entries:
        try:
            result.append(normalise(entry) if isinstance(entry, str) else entry)
        except PatternError:
            result.append(entry)
    return result


class ShippingRate(models.Model):
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    # Short enough that "<zone id>:<code>" fits the cart's 64-character shipping method code.
    code = models.SlugField(
        max_length=40,
        help_text="Stable identifier, unique within the zone and currency: the same code in "
        "another currency is that currency's price of the same service.",
    )
    name = models.CharField(max_length=255, help_text='What the shopper sees: "Standard".')
    carrier = models.CharField(max_length=255, blank=True)
    price_amount = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    free_over_amount = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Free when the items' subtotal reaches this amount.",
    )
    min_subtotal_amount = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Offered from this items' subtotal (after discounts) on.",
    )
    max_subtotal_amount = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text="Offered below this subtotal (exclusive: 50 here and 50 as the next "
        "band's minimum leave no gap).",
    )
    min_weight_grams = models.PositiveIntegerField(null=True, blank=True)
    max_weight_grams = models.PositiveIntegerField(
        null=True, blank=True, help_text="Inclusive: a parcel of exactly this weight fits."
    )
    min_delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    max_delivery_days = models.PositiveSmallIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["zone", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["zone", "code", "currency"], name="markets_rate_code_per_zone_currency"
            ),
            models.CheckConstraint(
                condition=Q(price_amount__gte=0), name="markets_rate_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(min_weight_grams__isnull=True)
                | Q(max_weight_grams__isnull=True)
                | Q(min_weight_grams__lte=F("max_weight_grams")),
                name="markets_rate_weight_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(min_delivery_days__isnull=True)
                | Q(max_delivery_days__isnull=True)
                | Q(min_delivery_days__lte=F("max_delivery_days")),
                name="markets_rate_delivery_days_ordered",
            ),
            models.CheckConstraint(
                condition=Q(min_subtotal_amount__isnull=True)
                | Q(max_subtotal_amount__isnull=True)
                | Q(min_subtotal_amount__lt=F("max_subtotal_amount")),
                name="markets_rate_subtotal_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.zone} / {self.name}"


class FxRate(models.Model):
    """One reference rate: 1 `base` = `rate` `quote` on `date` (the ECB publishes EUR-based
    rates each working day). Rows are kept, never overwritten by a later day, so an order can
    always show the rate of its own day."""

    date = models.DateField()
    base = models.CharField(max_length=3, validators=[validate_currency])
    quote = models.CharField(max_length=3, validators=[validate_currency])
    rate = models.DecimalField(max_digits=20, decimal_places=10)
    source = models.CharField(max_length=32, default="ecb")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "base", "quote"]
        constraints = [
            models.UniqueConstraint(fields=["date", "base", "quote"], name="markets_fxrate_day"),
            models.CheckConstraint(condition=Q(rate__gt=0), name="markets_fxrate_positive"),
        ]
        indexes = [models.Index(fields=["base", "quote", "-date"], name="markets_fxrate_pair")]

    def __str__(self) -> str:
        return f"{self.date}: 1 {self.base} = {self.rate} {self.quote}"


class Market(models.Model):
    """A group of countries sold to alike: one currency, its languages, its price display.

    The default market answers URLs without a prefix; `/<language>-<country>/…` picks the
    market serving that country (and the language, if the market speaks it). A country belongs
    to at most one active market; the rest-of-world market, if any, serves every other country,
    else the default market does.
    """

    class PricingMode(models.TextChoices):
        CONVERTED = "converted", "Converted from the base currency"
        FIXED = "fixed", "Fixed prices per variant (converted where none is set)"

    class Rounding(models.TextChoices):
        NONE = "none", "To the currency's smallest unit"
        ENDING_99 = "ending_99", "Up to .99"
        ENDING_95 = "ending_95", "Up to .95"
        WHOLE = "whole", "Up to a whole unit"
        INCREMENT = "increment", "Up to a multiple of the increment (10 yen, 100 won…)"

    class DutiesMode(models.TextChoices):
        DAP = "dap", "DAP: the shopper pays duties and import taxes on delivery"
        DDP = "ddp", "DDP: estimated duties and import taxes are charged at checkout"

    code = models.SlugField(max_length=32, unique=True, help_text='Such as "eu" or "us".')
    name = models.CharField(max_length=255)
    countries = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_country_list],
        help_text="ISO 3166-1 alpha-2 codes; the first is the market's main country.",
    )
    is_rest_of_world = models.BooleanField(
        default=False, help_text="Serves every country that no other market lists."
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    languages = models.JSONField(
        default=list,
        blank=True,
        help_text='Language codes such as "de", "en"; the first is default.',
    )
    prices_include_tax = models.BooleanField(
        default=False,
        help_text="On: shown prices include the destination's VAT/GST (EU, UK, Japan, "
        "Australia). Off: tax is added at checkout (US, Canada).",
    )
    pricing_mode = models.CharField(
        max_length=16, choices=PricingMode.choices, default=PricingMode.CONVERTED
    )
    price_adjustment_percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(500))],
        help_text="Added to converted prices before rounding (5 for 5 %), for FX costs.",
    )
    rounding = models.CharField(max_length=16, choices=Rounding.choices, default=Rounding.NONE)
    rounding_increment = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.0001"))],
        help_text="For rounding up to a multiple: 10 for the next 10 yen.",
    )
    duties_mode = models.CharField(max_length=8, choices=DutiesMode.choices, default=DutiesMode.DAP)
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="markets_one_default_market",
            ),
            models.UniqueConstraint(
                fields=["is_rest_of_world"],
                condition=Q(is_rest_of_world=True),
                name="markets_one_rest_of_world_market",
            ),
            models.CheckConstraint(
                condition=~Q(rounding="increment") | Q(rounding_increment__isnull=False),
                name="markets_increment_rounding_has_increment",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def default_language(self) -> str:
        return self.languages[0] if self.languages else ""

    @property
    def main_country(self) -> str:
        return self.countries[0] if self.countries else ""


class MarketPrice(models.Model):
    """A variant's fixed price in one market, in the market's currency, as shown there.

    Used when the market's pricing mode is "fixed"; a variant without one is converted. A
    row whose currency is no longer the market's is ignored (the merchant changed currency).
    """

    market = models.ForeignKey(Market, on_delete=models.CASCADE, related_name="prices")
    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.CASCADE, related_name="market_prices"
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    price_amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, validators=[MinValueValidator(0)]
    )
    compare_at_price_amount = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["market", "variant"], name="markets_price_unique"),
            models.CheckConstraint(
                condition=Q(price_amount__gte=0), name="markets_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id} in {self.market_id}: {self.price_amount} {self.currency}"
