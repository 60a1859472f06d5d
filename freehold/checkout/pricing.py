"""The pricing pipeline: plain functions over plain data, no database.

lines -> discounts -> shipping -> tax -> duties -> totals, in `Decimal` with one currency, each
amount rounded to the currency's minor unit once, where it is computed. Every step says why
(`reasons`), so an order can store how its total came about.

The tax step takes either one `Tax` for every line (the store's single rate), or an `assess`
callable (the tax engine, `freehold.taxes`) that it calls with the *discounted* lines net of
tax: the engine answers a rate per line and for the shipping, the duties and the notices of
the consignment. Prices may include tax (`prices_include_tax`) at each line's
`included_tax_rate` (what the shown price contains): when the consignment is charged another
rate (a EUR 200 parcel to Germany under DAP is charged no VAT at checkout), the included tax is
taken out of the line (net = gross / (1 + included rate)) and the charged rate put on the net.

Invariants (property-tested in tests/checkout/test_pricing.py):
- no amount is negative except `tax_added` (negative when included tax is taken out), and the
  total is never below zero;
- a discount never exceeds what it applies to (the lines, or the shipping);
- subtotal - discount + shipping - shipping discount + tax added + duties = total;
- line discounts add up to the order discount, line and shipping taxes to the tax, duty lines
  to the duties.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from freehold.core.money import minor_unit_exponent
from freehold.taxes import engine

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
    tax_class: str = "standard"
    hs_code: str = ""
    product_type: str = ""
    # The rate `unit_price` contains when the input's prices include tax (with `assess`).
    included_tax_rate: Decimal = ZERO

    def __post_init__(self) -> None:
        if self.quantity <= 0:
            raise ValueError(f"line {self.key}: quantity must be at least 1")
        if self.unit_price < 0:
            raise ValueError(f"line {self.key}: a price cannot be negative")
        if not ZERO <= self.included_tax_rate < 1:
            raise ValueError(f"line {self.key}: an included tax rate is between 0 and 1")


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


# (currency, the lines net of tax and discounts, the shipping net of tax) -> the assessment.
Assessor = Callable[[str, Sequence[engine.Line], Decimal], engine.Assessment]


@dataclass(frozen=True)
class PricingInput:
    currency: str
    lines: Sequence[PricingLine]
    discount: Discount | None = None
    shipping: Shipping | None = None
    tax: Tax | None = None
    # The tax engine for this consignment; when set, `tax` is not used.
    assess: Assessor | None = None
    prices_include_tax: bool = False  # with `assess`: prices contain each line's rate
    shipping_included_tax_rate: Decimal = ZERO


@dataclass(frozen=True)
class TaxLine:
    """Tax charged under one label ("VAT FR 20 %"), summed over the lines and the shipping."""

    label: str
    rate: Decimal
    amount: Decimal
    country: str = ""
    region: str = ""
    kind: str = "tax"


@dataclass(frozen=True)
class LineResult:
    key: str
    quantity: int
    unit_price: Decimal
    subtotal: Decimal
    discount: Decimal
    tax: Decimal
    tax_rate: Decimal = ZERO
    tax_label: str = ""
    # Included tax taken out of the line (negative), when another rate is charged.
    adjustment: Decimal = ZERO
    tax_country: str = ""
    tax_region: str = ""

    @property
    def net(self) -> Decimal:
        """What the line costs after discounts, without tax added on top."""
        return self.subtotal - self.discount + self.adjustment


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
    # What tax changed on top of the shown prices: all of it when prices exclude tax, nothing
    # when they include the charged rate, less than nothing when included tax was taken out.
    tax_added: Decimal = ZERO
    duties: Decimal = ZERO
    duty_lines: tuple[engine.Duty, ...] = ()
    notices: tuple[engine.Notice, ...] = ()
    tax_lines: tuple[TaxLine, ...] = ()
    shipping_tax_rate: Decimal = ZERO
    shipping_tax_label: str = ""


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

    # 4. Tax, on what the shopper pays for each line and for shipping; 5. duties.
    grosses = [sub - disc for sub, disc in zip(subtotals, line_discounts, strict=True)]
    taxed = _tax_step(data, grosses, shipping - shipping_discount, reasons)
    duties = sum((duty.amount for duty in taxed.duties), ZERO)

    # 6. Totals.
    total = subtotal - discount_total + shipping - shipping_discount + taxed.added + duties
    lines = tuple(
        LineResult(
            key=line.key,
            quantity=line.quantity,
            unit_price=line.unit_price,
            subtotal=sub,
            discount=disc,
            tax=taxed.line_taxes[index],
            tax_rate=taxed.line_charges[index].rate,
            tax_label=taxed.line_charges[index].label,
            adjustment=taxed.adjustments[index],
            tax_country=taxed.line_charges[index].country,
            tax_region=taxed.line_charges[index].region,
        )
        for index, (line, sub, disc) in enumerate(
            zip(data.lines, subtotals, line_discounts, strict=True)
        )
    )
    return PricingResult(
        currency=currency,
        lines=lines,
        subtotal=subtotal,
        discount=discount_total,
        shipping=shipping,
        shipping_discount=shipping_discount,
        shipping_tax=taxed.shipping_tax,
        tax=sum(taxed.line_taxes, ZERO) + taxed.shipping_tax,
        tax_included=taxed.included,
        total=total,
        reasons=tuple(reasons),
        tax_added=taxed.added,
        duties=duties,
        duty_lines=taxed.duties,
        notices=taxed.notices,
        tax_lines=_tax_lines(lines, taxed),
        shipping_tax_rate=taxed.shipping_charge.rate,
        shipping_tax_label=taxed.shipping_charge.label,
    )


@dataclass(frozen=True)
class _Taxed:
    line_charges: list[engine.Charge]
    line_taxes: list[Decimal]
    adjustments: list[Decimal]
    shipping_charge: engine.Charge
    shipping_tax: Decimal
    shipping_adjustment: Decimal
    included: bool
    added: Decimal
    duties: tuple[engine.Duty, ...] = ()
    notices: tuple[engine.Notice, ...] = ()


def _charged(
    gross: Decimal, *, included: Decimal, rate: Decimal, include: bool, currency: str
) -> tuple[Decimal, Decimal, Decimal]:
    """(tax, adjustment, added) of an amount shown as `gross`.

    `adjustment`: the included tax taken out (net - gross); `added`: what the shopper pays on
    top of `gross` (the tax added, less the tax taken out).
    """
    if not include:
        tax = _round(gross * rate, currency)
        return tax, ZERO, tax
    if rate == included:
        return _round(gross * rate / (1 + rate), currency), ZERO, ZERO
    net = _round(gross / (1 + included), currency)
    tax = _round(net * rate, currency)
    return tax, net - gross, net - gross + tax


def _tax_step(
    data: PricingInput, grosses: list[Decimal], shipping_gross: Decimal, reasons: list[str]
) -> _Taxed:
    currency = data.currency
    tax = data.tax
    duties: tuple[engine.Duty, ...] = ()
    notices: tuple[engine.Notice, ...] = ()
    if data.assess is not None:
        include = data.prices_include_tax
        included = [
            line.included_tax_rate if include and line.taxable else ZERO for line in data.lines
        ]
        shipping_included = data.shipping_included_tax_rate if include else ZERO
        assessment = data.assess(
            currency,
            [
                engine.Line(
                    key=line.key,
                    amount=_round(gross / (1 + rate), currency),
                    quantity=line.quantity,
                    tax_class=line.tax_class,
                    hs_code=line.hs_code,
                    product_type=line.product_type,
                    taxable=line.taxable,
                )
                for line, gross, rate in zip(data.lines, grosses, included, strict=True)
            ],
            _round(shipping_gross / (1 + shipping_included), currency),
        )
        charges = [
            assessment.charge(line.key) if line.taxable else engine.NO_CHARGE for line in data.lines
        ]
        shipping_charge = assessment.shipping
        duties, notices = assessment.duties, assessment.notices
        reasons.extend(assessment.reasons)
    else:
        include = bool(tax and tax.prices_include_tax)
        rate = tax.rate if tax is not None else ZERO
        label = tax.label if tax is not None else ""
        charges = [
            engine.Charge(rate=rate, label=label) if tax and line.taxable else engine.NO_CHARGE
            for line in data.lines
        ]
        included = [charge.rate if include else ZERO for charge in charges]
        shipping_charge = (
            engine.Charge(rate=rate, label=label)
            if tax is not None and tax.applies_to_shipping
            else engine.NO_CHARGE
        )
        shipping_included = shipping_charge.rate if include else ZERO
    line_taxes, adjustments = [], []
    added = ZERO
    for line, gross, charge, rate_inside in zip(
        data.lines, grosses, charges, included, strict=True
    ):
        line_tax, adjustment, line_added = _charged(
            gross, included=rate_inside, rate=charge.rate, include=include, currency=currency
        )
        line_taxes.append(line_tax)
        adjustments.append(adjustment)
        added += line_added
        if adjustment:
            reasons.append(
                f"line {line.key}: the {rate_inside * HUNDRED:.2f}% tax included in the price "
                f"is taken out; {charge.rate * HUNDRED:.2f}% charged"
            )
    shipping_tax, shipping_adjustment, shipping_added = _charged(
        shipping_gross,
        included=shipping_included,
        rate=shipping_charge.rate,
        include=include,
        currency=currency,
    )
    if shipping_adjustment:
        reasons.append(
            f"shipping: the {shipping_included * HUNDRED:.2f}% tax included is taken out; "
            f"{shipping_charge.rate * HUNDRED:.2f}% charged"
        )
    added += shipping_added
    labelled = {
        (charge.label, charge.rate) for charge in [*charges, shipping_charge] if charge.label
    }
    for label, rate in sorted(labelled):
        reasons.append(
            f"tax {label}: {rate * HUNDRED:.2f}% " + ("included in prices" if include else "added")
        )
    return _Taxed(
        line_charges=charges,
        line_taxes=line_taxes,
        adjustments=adjustments,
        shipping_charge=shipping_charge,
        shipping_tax=shipping_tax,
        shipping_adjustment=shipping_adjustment,
        included=include,
        added=added,
        duties=duties,
        notices=notices,
    )


def _tax_lines(lines: Sequence[LineResult], taxed: _Taxed) -> tuple[TaxLine, ...]:
    """The tax summed per label, in the order labels first appear (lines, then shipping)."""
    sums: dict[tuple[str, Decimal, str, str, str], Decimal] = {}
    pairs = [(line.tax, charge) for line, charge in zip(lines, taxed.line_charges, strict=True)]
    pairs.append((taxed.shipping_tax, taxed.shipping_charge))
    for amount, charge in pairs:
        if not charge.label or amount <= 0:
            continue
        key = (charge.label, charge.rate, charge.country, charge.region, charge.kind)
        sums[key] = sums.get(key, ZERO) + amount
    return tuple(
        TaxLine(label=label, rate=rate, amount=amount, country=country, region=region, kind=kind)
        for (label, rate, country, region, kind), amount in sums.items()
    )
