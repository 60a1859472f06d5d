"""The tax part of a checkout's pricing input: the engine for the destination, or the store's
single rate at home while the merchant has not registered there.

`pricing_tax` reads the rules once (`selectors.tax_context`: one query while the rules are
cached) and returns what `checkout.pricing.PricingInput` needs; `apply` puts it on an input
whose lines the caller has priced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from freehold.checkout import pricing
from freehold.taxes import engine, selectors

ZERO = Decimal(0)


@dataclass(frozen=True)
class TaxSetup:
    """How a cart is taxed for one destination."""

    country: str
    tax: pricing.Tax | None = None  # the store's single rate (the setup before the engine)
    assess: pricing.Assessor | None = None
    prices_include_tax: bool = False
    included_rate: Callable[[str], Decimal] = lambda tax_class: ZERO

    def apply(
        self, data: pricing.PricingInput, *, tax_classes: dict[str, str] | None = None
    ) -> pricing.PricingInput:
        """`data` taxed this way; `tax_classes` (line key -> class) when the lines lack them."""
        if self.assess is None:
            return replace(data, tax=self.tax, assess=None)
        classes = tax_classes or {}
        lines = [
            replace(
                line,
                tax_class=classes.get(line.key, line.tax_class),
                included_tax_rate=(
                    self.included_rate(classes.get(line.key, line.tax_class))
                    if self.prices_include_tax and line.taxable
                    else ZERO
                ),
            )
            for line in data.lines
        ]
        return replace(
            data,
            lines=lines,
            tax=None,
            assess=self.assess,
            prices_include_tax=self.prices_include_tax,
            shipping_included_tax_rate=(
                self.included_rate("standard") if self.prices_include_tax else ZERO
            ),
        )


def pricing_tax(
    *,
    country: str,
    region: str = "",
    postcode: str = "",
    duties_mode: str = "dap",
    prices_include_tax: bool = False,
    included_rate: Callable[[str], Decimal] | None = None,
    on: dt.date | None = None,
) -> TaxSetup:
    """The tax of a consignment to `country` ("" before an address is known: the caller passes
    the market's or the store's country).

    `prices_include_tax`: the shown prices contain a rate, `included_rate(tax_class)` (the one
    the market's prices were made with); by default the destination's displayed rate
    (`selectors.display_rate`).
    """
    context = selectors.tax_context(on)
    country = country.strip().upper()
    if selectors.uses_home_rate(context, country=country):
        home = context.home
        assert home is not None
        return TaxSetup(
            country=country,
            tax=pricing.Tax(
                label=home.label, rate=home.rate, prices_include_tax=home.prices_include_tax
            ),
        )
    memo: dict[str, Decimal] = {}

    def displayed_rate(tax_class: str) -> Decimal:
        if tax_class not in memo:
            # The rate the shown prices were made with (by country, as the market shows them).
            memo[tax_class] = _display_rate(
                context, country=country, region="", tax_class=tax_class
            )
        return memo[tax_class]

    return TaxSetup(
        country=country,
        assess=selectors.assessor(
            context, country=country, region=region, postcode=postcode, duties_mode=duties_mode
        ),
        prices_include_tax=prices_include_tax,
        included_rate=included_rate or displayed_rate,
    )


def _display_rate(
    context: selectors.TaxContext, *, country: str, region: str, tax_class: str
) -> Decimal:
    """`selectors.display_rate` without reading the rules again."""
    assessment = engine.assess(
        engine.Consignment(
            country=country,
            region=region,
            currency="EUR",
            lines=[engine.Line(key="probe", amount=ZERO, tax_class=tax_class or "standard")],
        ),
        context.rules,
        convert=lambda amount, _from, _to: amount,
        eu_distance_sales=lambda: ZERO,
    )
    return assessment.charge("probe").rate
