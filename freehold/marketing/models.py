"""Discount codes a merchant hands out, and the record of every order that used one.

A code is stored upper-cased (a check constraint keeps it so), which makes the plain unique
index case-insensitive and lets a lookup use that index. `times_used` is a counter moved only
by `services.discount_redeem`'s conditional UPDATE; the redemption rows are the history (and
what the per-customer limit counts).
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Upper

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES
from freehold.core import clock

CODE_PATTERN = r"^[A-Z0-9_-]{3,64}\Z"
HUNDRED = Decimal(100)


def normalise_code(code: str) -> str:
    """The stored form of a code as a shopper may type it: no surrounding spaces, upper case."""
    return code.strip().upper()


class DiscountCode(models.Model):
    class Kind(models.TextChoices):
        # the values are those of `checkout.pricing.DiscountKind`
        PERCENTAGE = "percentage", "Percentage off the items"
        FIXED_AMOUNT = "fixed_amount", "Fixed amount off the items"
        FREE_SHIPPING = "free_shipping", "Free shipping"

    code = models.CharField(
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                CODE_PATTERN,
                "Use 3 to 64 letters, digits, hyphens or underscores.",
                code="invalid_code",
            )
        ],
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    value = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0))],
        help_text="Percent for a percentage code, an amount for a fixed-amount code.",
    )
    currency = models.CharField(
        max_length=3,
        blank=True,
        help_text="Required for a fixed amount; when set, the code works in that currency only.",
    )
    minimum_subtotal_amount = models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
    )
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    usage_limit_total = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    usage_limit_per_customer = models.PositiveIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1)]
    )
    times_used = models.PositiveIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code=Upper("code")),
                name="marketing_discountcode_code_upper_case",
                violation_error_message="A discount code is stored in upper case.",
            )
        ]

    def __str__(self) -> str:
        return self.code

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = normalise_code(self.code)
        self.currency = self.currency.strip().upper()
        super().save(*args, **kwargs)

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # before the pattern is checked, so "summer-10" from a form is accepted as SUMMER-10
        self.code = normalise_code(self.code or "")
        self.currency = (self.currency or "").strip().upper()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.kind == self.Kind.FIXED_AMOUNT and not self.currency:
            errors["currency"] = "A fixed-amount code needs a currency."
        if self.currency and (len(self.currency) != 3 or not self.currency.isalpha()):
            errors["currency"] = "Use a three-letter ISO 4217 currency code."
        if self.kind == self.Kind.PERCENTAGE and self.value is not None and self.value > HUNDRED:
            errors["value"] = "A percentage is at most 100."
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = "The end must come after the start."
        if errors:
            raise ValidationError(errors)


class DiscountRedemption(models.Model):
    """One order's use of a code, kept even when the customer account is deleted."""

    discount = models.ForeignKey(DiscountCode, on_delete=models.PROTECT, related_name="redemptions")
    order_number = models.CharField(max_length=32)
    email = models.EmailField()  # lower-cased, so the per-customer limit matches any spelling
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="discount_redemptions",
    )
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    currency = models.CharField(max_length=3)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        indexes = [
            models.Index(fields=["discount", "email"], name="marketing_redemption_email"),
            models.Index(fields=["discount", "customer"], name="marketing_redemption_customer"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["discount", "order_number"], name="marketing_redemption_once_per_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.discount_id} on {self.order_number}"
