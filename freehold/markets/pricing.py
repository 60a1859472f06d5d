"""Prices in a market: converted from the base currency with the day's rate, rounded by the
market's rule, or the merchant's fixed price for that market; shown with or without tax.

Catalog prices are kept in the store's base currency, including the store's own tax when the
store says so (`StoreSettings.prices_include_tax` at `tax_rate_percent`). A market price is
derived from the *net* amount: net in base, times the rate, times (1 + adjustment), times
(1 + the destination's rate) when the market shows prices with tax, then rounded up by the
market's rule.
So a German store's EUR 119.00 (19 % included) is EUR 120.00 for a French shopper (20 %), and
the same net price plus nothing for an American one.

Rates: the ECB publishes how many units of each currency one euro buys; any pair is the ratio
of two of them. The table of a day is read once per process and kept a few minutes.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal

from freehold.core import clock
from freehold.core.errors import FreeholdError
from freehold.core.money import Money, minor_unit_exponent
from freehold.markets.fx import ECB_BASE
from freehold.markets.resolution import MarketConfig, MarketInfo

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
RATES_TTL_SECONDS = 300.0


class RateMissing(FreeholdError):
    """No exchange rate is kept for a currency (run `freehold rates update`)."""

    code = "rate_missing"


# --- Exchange rates ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RatesTable:
    """Units of each currency one euro bought on `day` (the newest day on or before the date)."""

    day: dt.date | None
    per_euro: dict[str, Decimal] = field(default_factory=dict)

    def rate(self, from_currency: str, to_currency: str) -> Decimal:
        """How many `to_currency` one `from_currency` buys."""
        if from_currency == to_currency:
            return ONE
        try:
            source = ONE if from_currency == ECB_BASE else self.per_euro[from_currency]
            target = ONE if to_currency == ECB_BASE else self.per_euro[to_currency]
        except KeyError as missing:
            raise RateMissing(
                f"No exchange rate for {missing.args[0]} is kept; run `freehold rates update`.",
                field="currency",
            ) from None
        return target / source


_tables: dict[dt.date, tuple[float, RatesTable]] = {}
_tables_lock = threading.Lock()


def rates_on(on: dt.date) -> RatesTable:
    """The rates in force on `on`: each currency's newest rate published on or before it."""
    now = time.monotonic()
    cached = _tables.get(on)
    if cached is not None and cached[0] > now:
        return cached[1]
    from freehold.markets.models import FxRate

    newest = (
        FxRate.objects.filter(base=ECB_BASE, date__lte=on)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    per_euro: dict[str, Decimal] = {}
    if newest is not None:
        # A currency missing from the newest day (the ECB dropped it) keeps its last rate.
        rows = (
            FxRate.objects.filter(
                base=ECB_BASE, date__lte=newest, date__gte=newest - dt.timedelta(14)
            )
            .order_by("date")
            .values_list("quote", "rate")
        )
        per_euro = {quote: rate for quote, rate in rows}
    table = RatesTable(day=newest, per_euro=per_euro)
    with _tables_lock:
        _tables[on] = (now + RATES_TTL_SECONDS, table)
    return table


def forget_rates() -> None:
    """After an import or in tests: the next lookup reads the database again."""
    with _tables_lock:
        _tables.clear()


def convert(
    amount: Decimal, *, from_currency: str, to_currency: str, on: dt.date | None = None
) -> Decimal:
    """`amount` in `to_currency`, unrounded (callers round once, where the price is final)."""
    if from_currency == to_currency:
        return amount
    return amount * rates_on(on or clock.now().date()).rate(from_currency, to_currency)


# --- Rounding ---------------------------------------------------------------------------------


def round_price(
    value: Decimal, *, currency: str, rule: str = "none", increment: Decimal | None = None
) -> Decimal:
    """A converted price rounded to the market's rule, never below `value`'s minor unit.

    `none` rounds half up to the minor unit; the others round *up* to the next price with the
    ending (`ending_99`: 12.30 → 12.99, 13.00 → 13.99), whole unit, or multiple of `increment`.
    A currency without decimals (JPY) has no .99: those rules give whole units there.
    """
    unit = minor_unit_exponent(currency)
    if value <= 0:
        return ZERO.quantize(unit)
    if rule in ("ending_99", "ending_95") and unit >= ONE:
        rule = "whole"
    if rule == "ending_99" or rule == "ending_95":
        ending = Decimal("0.99") if rule == "ending_99" else Decimal("0.95")
        ending = ending.quantize(unit, rounding=ROUND_FLOOR)
        whole = value.to_integral_value(rounding=ROUND_FLOOR)
        candidate = whole + ending
        if candidate < value:
            candidate += ONE
        return candidate.quantize(unit)
    if rule == "whole":
        return value.to_integral_value(rounding=ROUND_CEILING).quantize(unit)
    if rule == "increment" and increment is not None and increment > 0:
        steps = (value / increment).to_integral_value(rounding=ROUND_CEILING)
        return (steps * increment).quantize(unit, rounding=ROUND_CEILING)
    return value.quantize(unit, rounding=ROUND_HALF_UP)


# --- A market's prices ------------------------------------------------------------------------


@dataclass(frozen=True)
class MarketPricing:
    """Everything needed to turn base prices into one market's prices, for one destination.

    Built once per request (or per cart) by `pricing_for`; plain data, so pricing a page of
    products costs no queries beyond the fixed prices it asks for.
    """

    market_code: str
    currency: str
    base_currency: str
    fx_rate: Decimal  # one base unit in `currency`, before the adjustment
    adjustment: Decimal  # 0.05 for +5 %
    rounding: str
    rounding_increment: Decimal | None
    prices_include_tax: bool  # shown prices contain `display_rate`
    base_prices_include_tax: bool
    base_rate: Decimal  # the store's rate its base prices contain (0 if they exclude tax)
    display_rate: Callable[[str], Decimal]  # tax class → the destination's displayed rate
    rates_day: dt.date | None = None
    # A store without markets: every price is shown and sold as it is, in its own currency
    # (the single-currency store Freehold was before markets).
    passthrough: bool = False

    @property
    def is_identity(self) -> bool:
        """Prices are the base prices as they are (the home market, no conversion)."""
        return (
            self.currency == self.base_currency and self.adjustment == 0 and self.rounding == "none"
        )

    def net_of_base(self, amount: Decimal) -> Decimal:
        return amount / (ONE + self.base_rate) if self.base_prices_include_tax else amount

    def shown(
        self, base_amount: Decimal, tax_class: str = "standard", currency: str = ""
    ) -> Decimal:
        """The price a shopper of this market and destination sees for a base price."""
        if self.passthrough:
            return base_amount.quantize(
                minor_unit_exponent(currency or self.currency), rounding=ROUND_HALF_UP
            )
        rate = self.display_rate(tax_class) if self.prices_include_tax else ZERO
        if self.is_identity and (
            (self.prices_include_tax and self.base_prices_include_tax and rate == self.base_rate)
            or (not self.prices_include_tax and not self.base_prices_include_tax)
        ):
            return base_amount.quantize(minor_unit_exponent(self.currency), rounding=ROUND_HALF_UP)
        value = self.net_of_base(base_amount) * self.fx_rate * (ONE + self.adjustment)
        value *= ONE + rate
        return round_price(
            value, currency=self.currency, rule=self.rounding, increment=self.rounding_increment
        )

    def money(
        self, base_amount: Decimal | None, tax_class: str = "standard", currency: str = ""
    ) -> Money | None:
        """`currency`: the amount's own (a variant's); only a store without markets keeps it."""
        if base_amount is None:
            return None
        shown_currency = (currency or self.currency) if self.passthrough else self.currency
        return Money(self.shown(base_amount, tax_class, currency), shown_currency)

    def included_rate(self, tax_class: str = "standard") -> Decimal:
        """The tax rate a shown price contains (0 when the market adds tax at checkout)."""
        return self.display_rate(tax_class) if self.prices_include_tax else ZERO

    def to_base(self, amount: Decimal) -> Decimal:
        """An amount of this market's currency in the base currency (for the order's figures)."""
        if self.currency == self.base_currency or self.passthrough:
            return amount
        return (amount / self.fx_rate).quantize(
            minor_unit_exponent(self.base_currency), rounding=ROUND_HALF_UP
        )


def _display_rates(
    *, country: str, store_country: str, base_rate: Decimal
) -> Callable[[str], Decimal]:
    """Tax class → the rate a tax-inclusive price shows for `country`.

    From the tax engine's destination rules when they are installed; without them, the store's
    own rate at home and none abroad (the single-rate setup the store had before markets).
    """
    memo: dict[str, Decimal] = {}

    def rate(tax_class: str) -> Decimal:
        if tax_class not in memo:
            try:
                from freehold.taxes.selectors import display_rate
            except ImportError:
                memo[tax_class] = base_rate if country == store_country else ZERO
            else:
                memo[tax_class] = display_rate(country=country, tax_class=tax_class or "standard")
        return memo[tax_class]

    return rate


def pricing_for(
    config: MarketConfig, *, market: MarketInfo, country: str, on: dt.date | None = None
) -> MarketPricing:
    """The pricing of `market` for a destination in `country` on a day (today by default).

    Raises `RateMissing` when the market's currency has no kept rate.
    """
    if market.pk is None:
        return MarketPricing(
            market_code=market.code,
            currency=market.currency,
            base_currency=config.base_currency,
            fx_rate=ONE,
            adjustment=ZERO,
            rounding="none",
            rounding_increment=None,
            prices_include_tax=config.base_prices_include_tax,
            base_prices_include_tax=config.base_prices_include_tax,
            base_rate=config.base_rate,
            display_rate=lambda tax_class: config.base_rate,
            passthrough=True,
        )
    table = rates_on(on or clock.now().date())
    fx_rate = table.rate(config.base_currency, market.currency)
    return MarketPricing(
        market_code=market.code,
        currency=market.currency,
        base_currency=config.base_currency,
        fx_rate=fx_rate,
        adjustment=market.price_adjustment_percent / HUNDRED,
        rounding=market.rounding,
        rounding_increment=market.rounding_increment,
        prices_include_tax=market.prices_include_tax,
        base_prices_include_tax=config.base_prices_include_tax,
        base_rate=config.base_rate,
        display_rate=_display_rates(
            country=country, store_country=config.store_country, base_rate=config.base_rate
        ),
        rates_day=table.day if market.currency != config.base_currency else None,
    )


def pricing_or_default(
    config: MarketConfig, *, market: MarketInfo, country: str, fallback_country: str = ""
) -> MarketPricing:
    """`pricing_for`, or the default market's pricing when the market's currency has no rate
    kept: a market added before `freehold rates update` ran must not break a page or a cart.
    """
    try:
        return pricing_for(config, market=market, country=country)
    except RateMissing:
        return pricing_for(config, market=config.default, country=fallback_country or country)
