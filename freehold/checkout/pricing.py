"""The pricing pipeline: plain functions over plain data, no database.

lines -> discounts -> shipping -> tax -> totals, in `Decimal` with one currency, each amount
rounded to the currency's minor unit once, where it is computed. Every step says why
(`reasons`), so an order can store how its total came about.

Invariants (property-tested in tests/checkout/test_pricing.py):
- no amount is negative, and the total is never below zero;
- a discount never exceeds what it applies to (the lines, or the shipping);
- subtotal - discount + shipping - shipping discount + tax added on top = total;
- line discounts add up to the order discount, line and shipping taxes to the tax.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from freehold.core.money import minor_unit_exponent

ZERO = Decimal(0)
HUNDRED = Decimal(100)


class DiscountKind(enum.StrEnum):
    PERCENTAGE = "percentage"
    FIXED_AMOUNT = "fixed_amount"
    FREE_SHIPPING = "free_shipping"


@dataclass(frozen=True)
class PricingLine:
    key: str
    unit_price: Decimal
    quantity: int
    taxable: bool = True

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"line {self.key}: quantity must be at least 1")
        if self.unit_price < 0:
            raise ValueError(f"line {self.key}: a price cannot be negative")


@dataclass(frozen=True)
class Discount:
    code: str
    kind: DiscountKind
    value: Decimal = ZERO  # percent for PERCENTAGE, an amount for FIXED_AMOUNT
    minimum_subtotal: Decimal | None = None

    def __post_init__(self) -> None:
        if self.value < 0:
            raise ValueError(f"discount {self.code}: value cannot be negative")
        if self.kind == DiscountKind.PERCENTAGE and self.value > HUNDRED:
            raise ValueError(f"discount {self.code}: a percentage is at most 100")


@dataclass(frozen=True)
class Shipping:
    name: str
    amount: Decimal

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError(f"shipping {self.name}: amount cannot be negative")


@dataclass(frozen=True)
class Tax:
    """One rate for the order's destination (the tax engine of the cross-border issue picks it)."""

    label: str
    rate: Decimal  # 0.19 for 19 %
    prices_include_tax: bool = False
    applies_to_shipping: bool = True

    def __post_init__(self) -> None:
        if not ZERO <= self.rate < 1:
            raise ValueError(f"tax {self.label}: rate must be between 0 and 1")


@dataclass(frozen=True)
class PricingInput:
    currency: str
    lines: Sequence[PricingLine]
    discount: Discount | None = None
    shipping: Shipping | None = None
    tax: Tax | None = None


@dataclass(frozen=True)
class LineResult:
    key: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    tax: Decimal

    @property
    def net(self) -> Decimal:
        return self.subtotal - self.discount


@dataclass(frozen=True)
class PricingResult:
    currency: str
    lines: tuple[LineResult, ...]
    subtotal: Decimal
    discount: Decimal
    shipping: Decimal
    shipping_discount: Decimal
    shipping_tax: Decimal
    tax: Decimal
    tax_included: bool
    total: Decimal
    reasons: tuple[str, ...] = field(default=())

    @property
    def tax_added(self) -> Decimal:
        return ZERO if self.tax_included else self.tax


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit_exponent(currency), rounding=ROUND_HALF_UP)


def allocate(amount: Decimal, weights: Sequence[Decimal], currency: str) -> list[Decimal]:
    """Split `amount` over `weights` in minor units; the parts add up to `amount` exactly.

    Largest remainder: each part is rounded down, and the units left over go to the parts
    that lost the most. A part never exceeds its weight when `amount <= sum(weights)`.
    """
    unit = minor_unit_exponent(currency)
    total_weight = sum(weights, ZERO)
    if not weights or total_weight <= 0 or amount <= 0:
        return [ZERO for _ in weights]
    exact = [amount * w / total_weight for w in weights]
    parts = [e.quantize(unit, rounding=ROUND_DOWN) for e in exact]
    leftover_units = int(((amount - sum(parts, ZERO)) / unit).to_integral_value())
    order = sorted(range(len(weights)), key=lambda i: (exact[i] - parts[i], -i), reverse=True)
    for i in order[:leftover_units]:
        parts[i] += unit
    return parts


def _tax_on(amount: Decimal, tax: Tax, currency: str) -> Decimal:
    if tax.prices_include_tax:
        return _round(amount * tax.rate / (1 + tax.rate), currency)
    return _round(amount * tax.rate, currency)


def calculate(data: PricingInput) -> PricingResult:
    currency = data.currency
    reasons: list[str] = []

    # 1. Lines.
    subtotals = [_round(line.unit_price * line.quantity, currency) for line in data.lines]
    subtotal = sum(subtotals, ZERO)

    # 2. Discounts.
    discount_total = ZERO
    free_shipping = False
    discount = data.discount
    if discount is not None:
        if discount.minimum_subtotal is not None and subtotal < discount.minimum_subtotal:
            reasons.append(
                f"discount {discount.code}: not applied, subtotal below {discount.minimum_subtotal}"
            )
        elif discount.kind == DiscountKind.PERCENTAGE:
            discount_total = min(_round(subtotal * discount.value / HUNDRED, currency), subtotal)
            reasons.append(f"discount {discount.code}: {discount.value}% off the items")
        elif discount.kind == DiscountKind.FIXED_AMOUNT:
            discount_total = min(_round(discount.value, currency), subtotal)
            reasons.append(f"discount {discount.code}: {discount_total} off the items")
        else:
            free_shipping = True
            reasons.append(f"discount {discount.code}: free shipping")
    line_discounts = allocate(discount_total, subtotals, currency)

    # 3. Shipping.
    shipping = _round(data.shipping.amount, currency) if data.shipping else ZERO
    shipping_discount = shipping if free_shipping else ZERO
    if data.shipping:
        reasons.append(f"shipping {data.shipping.name}: {shipping}")

    # 4. Tax, on what the shopper pays for each line and for shipping.
    tax = data.tax
    line_taxes = [
        _tax_on(sub - disc, tax, currency) if tax is not None and line.taxable else ZERO
        for line, sub, disc in zip(data.lines, subtotals, line_discounts, strict=True)
    ]
    shipping_tax = (
        _tax_on(shipping - shipping_discount, tax, currency)
        if tax is not None and tax.applies_to_shipping
        else ZERO
    )
    tax_total = sum(line_taxes, ZERO) + shipping_tax
    tax_included = bool(tax and tax.prices_include_tax)
    if tax is not None:
        reasons.append(
            f"tax {tax.label}: {tax.rate * HUNDRED:.2f}% "
            + ("included in prices" if tax_included else "added")
        )

    # 5. Totals.
    total = subtotal - discount_total + shipping - shipping_discount
    if not tax_included:
        total += tax_total
    lines = tuple(
        LineResult(
            key=line.key,
            quantity=line.quantity,
            unit_price=line.unit_price,
            subtotal=sub,
            discount=disc,
            tax=line_tax,
        )
        for line, sub, disc, line_tax in zip(
            data.lines, subtotals, line_discounts, line_taxes, strict=True
        )
    )
    return PricingResult(
        currency=currency,
        lines=lines,
        subtotal=subtotal,
        discount=discount_total,
        shipping=shipping,
        shipping_discount=shipping_discount,
        shipping_tax=shipping_tax,
        tax=tax_total,
        tax_included=tax_included,
        total=total,
        reasons=tuple(reasons),
    )
