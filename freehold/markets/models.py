"""Shipping zones and their rates; markets, currencies, FX and tax rules join them later.

A zone lists the countries it serves; at most one zone is the rest of the world and serves
every country no other zone lists. A rate belongs to one zone and one currency: a cart sees
only the rates in its own currency (no conversion here; the markets issue decides how a
converted price is rounded). A country belongs to at most one zone, so a destination always
resolves to one zone and a shipping option code stays meaningful between the cart and the sale.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES
from freehold.markets.countries import is_country_code, normalise_country_code

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


class ShippingZone(models.Model):
    name = models.CharField(max_length=255)
    countries = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_country_list],
        help_text="ISO 3166-1 alpha-2 codes, such as DE, FR.",
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
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        if not isinstance(self.countries, list):
            return
        if not self.countries and not self.is_rest_of_world:
            raise ValidationError(
                {"countries": "List at least one country, or make this the rest of the world."}
            )
        # A country in two zones would make the destination's rates depend on zone order.
        # JSON containment is not available on SQLite, and a store has a handful of zones.
        claimed = set(self.countries)
        clashes: dict[str, str] = {}
        for other in ShippingZone.objects.exclude(pk=self.pk).only("name", "countries"):
            for code in claimed.intersection(other.countries or []):
                clashes[code] = other.name
        if clashes:
            listed = ", ".join(f"{code} ({zone})" for code, zone in sorted(clashes.items()))
            raise ValidationError({"countries": f"Already in another zone: {listed}."})

    def serves(self, country_code: str) -> bool:
        return country_code in self.countries


class ShippingRate(models.Model):
    zone = models.ForeignKey(ShippingZone, on_delete=models.CASCADE, related_name="rates")
    # Short enough that "<zone id>:<code>" fits the cart's 64-character shipping method code.
    code = models.SlugField(max_length=40, help_text="Stable identifier, unique within the zone.")
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
            models.UniqueConstraint(fields=["zone", "code"], name="markets_rate_code_per_zone"),
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
