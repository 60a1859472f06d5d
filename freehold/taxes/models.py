"""Tax and duty rules as date-effective data: a change in the law is a new row, not new code.

Every rule row is valid from `valid_from` to `valid_to` (inclusive; empty: still in force), so
an order placed on a day is priced by the rules of that day and the history stays readable
(Finland's 24 % until 31 August 2024 and 25.5 % from 1 September 2024 are two rows).
`selectors.rules_on(date)` turns the rows valid on a day into the engine's dataclasses.

`TaxProfile` (one row) says where the merchant is established and ships from, and carries
`rules_version` and `rules_snapshot`: every write to a rule changes both, so each process's
cache of the rules sees a change made by another process at its next read.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES
from freehold.core import clock
from freehold.markets.models import validate_currency
from freehold.taxes.engine import TAX_CLASSES, RuleKind, Scheme

RATE_DIGITS = 9
RATE_PLACES = 6


def _rate_field(help_text: str = "A fraction: 0.19 is 19 %.") -> models.DecimalField:
    return models.DecimalField(
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.99"))],
        help_text=help_text,
    )


def new_rules_version() -> str:
    return uuid.uuid4().hex


class DateEffective(models.Model):
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True, help_text="Last day; empty: in force.")
    source = models.TextField(blank=True, help_text="Where the rule comes from (URL or note).")
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        abstract = True


def _period_ordered(name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")), name=name
    )


class TaxRate(DateEffective):
    """A VAT/GST/sales tax rate of a country (or a region of it) for a tax class."""

    TAX_CLASS_CHOICES = [(code, code.replace("_", " ").capitalize()) for code in TAX_CLASSES]

    country = models.CharField(max_length=2, help_text="ISO 3166-1 alpha-2, such as FR.")
    region = models.CharField(
        max_length=8, blank=True, help_text='ISO 3166-2 such as "CA-ON"; empty: the country.'
    )
    tax_class = models.CharField(max_length=16, choices=TAX_CLASS_CHOICES, default="standard")
    rate = _rate_field()
    label = models.CharField(max_length=32, help_text='"VAT", "GST", "HST".')

    class Meta:
        ordering = ["country", "region", "tax_class", "valid_from"]
        indexes = [models.Index(fields=["country", "region", "tax_class"])]
        constraints = [_period_ordered("taxes_rate_period_ordered")]

    def __str__(self) -> str:
        return f"{self.label} {self.region or self.country} {self.tax_class} {self.rate}"


class ImportRule(DateEffective):
    """A destination's import regime: thresholds of VAT at checkout, de minimis, flat duty."""

    KIND_CHOICES = [(kind, kind.replace("_", " ").capitalize()) for kind in RuleKind.ALL]

    destination = models.CharField(max_length=2, help_text='A country, or "EU".')
    kind = models.CharField(max_length=32, choices=KIND_CHOICES)
    threshold_amount = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Per consignment (intrinsic value); empty: no limit.",
    )
    currency = models.CharField(max_length=3, validators=[validate_currency])
    amount = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="Flat duty: the amount per tariff subheading.",
    )
    scheme = models.CharField(
        max_length=16,
        blank=True,
        choices=[(code, code) for code in Scheme.ALL],
        help_text="Tax at checkout: the registration it needs (ioss, uk_vat, au_gst).",
    )
    label = models.CharField(max_length=64)

    class Meta:
        ordering = ["destination", "kind", "valid_from"]
        constraints = [_period_ordered("taxes_import_rule_period_ordered")]

    def __str__(self) -> str:
        return f"{self.destination} {self.kind} {self.threshold_amount} {self.currency}"


class DutyRate(DateEffective):
    """An estimated duty rate for DDP: by destination, HS code prefix and/or product type."""

    destination = models.CharField(max_length=2, help_text='A country, or "EU".')
    hs_prefix = models.CharField(
        max_length=10, blank=True, help_text='Digits, such as "6206" or "620610"; empty: any.'
    )
    product_type = models.CharField(max_length=255, blank=True, help_text="Empty: any.")
    rate = _rate_field("A fraction of the customs value: 0.12 is 12 %.")
    label = models.CharField(max_length=64, default="Duty")

    class Meta:
        ordering = ["destination", "hs_prefix", "product_type", "valid_from"]
        constraints = [_period_ordered("taxes_duty_rate_period_ordered")]

    def __str__(self) -> str:
        return f"{self.destination} {self.hs_prefix or '*'} {self.rate}"


class TaxRegistration(DateEffective):
    """A registration letting the merchant charge a tax: IOSS, OSS, a VAT number, US nexus."""

    SCHEME_CHOICES = [(code, code) for code in Scheme.ALL]

    scheme = models.CharField(max_length=16, choices=SCHEME_CHOICES)
    country = models.CharField(
        max_length=2, blank=True, help_text="eu_vat: the member state of the number."
    )
    region = models.CharField(
        max_length=8, blank=True, help_text='us_sales_tax: the state, such as "US-NY".'
    )
    number = models.CharField(max_length=64, blank=True)
    rate = models.DecimalField(
        max_digits=RATE_DIGITS,
        decimal_places=RATE_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal("0.99"))],
        help_text="us_sales_tax: the combined rate charged in the state (0.08875).",
    )
    tax_shipping = models.BooleanField(default=True, help_text="Shipping is taxed too.")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["scheme", "country", "region", "valid_from"]
        constraints = [_period_ordered("taxes_registration_period_ordered")]

    def __str__(self) -> str:
        return f"{self.scheme} {self.region or self.country} {self.number}"


class NexusThreshold(DateEffective):
    """A US state's economic-nexus threshold: sales in USD and/or a number of transactions."""

    class Combination(models.TextChoices):
        EITHER = "or", "Sales or transactions"
        BOTH = "and", "Sales and transactions"

    class Measurement(models.TextChoices):
        CALENDAR_YEAR = "calendar_year", "Current or previous calendar year"
        TWELVE_MONTHS = "twelve_months", "Previous twelve months"

    region = models.CharField(max_length=8, help_text='"US-NY".')
    sales_amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    transactions = models.PositiveIntegerField(null=True, blank=True)
    combination = models.CharField(
        max_length=3, choices=Combination.choices, default=Combination.EITHER
    )
    measurement = models.CharField(
        max_length=16, choices=Measurement.choices, default=Measurement.CALENDAR_YEAR
    )

    class Meta:
        ordering = ["region", "valid_from"]
        constraints = [_period_ordered("taxes_nexus_period_ordered")]

    def __str__(self) -> str:
        return f"{self.region} {self.sales_amount} / {self.transactions}"


class TaxProfile(models.Model):
    """Where the merchant is established and ships from (pk=1), and the rules' version."""

    established_country = models.CharField(
        max_length=2, blank=True, help_text="Empty: the store's country."
    )
    ships_from_country = models.CharField(
        max_length=2, blank=True, help_text="Empty: where the merchant is established."
    )
    eu_destination_vat_always = models.BooleanField(
        default=False,
        help_text="Charge the destination's VAT from the first euro even below EUR 10,000.",
    )
    rules_version = models.CharField(max_length=32, default=new_rules_version)
    # Every rule row as JSON (`services.rules_snapshot`), rewritten with the version: a process
    # whose copy is stale gets the rules in the same query that tells it so. "" = not compiled.
    rules_snapshot = models.TextField(blank=True, default="", editable=False)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"Tax profile ({self.established_country or '?'})"
