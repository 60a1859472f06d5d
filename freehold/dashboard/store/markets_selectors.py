"""What the markets screens show: each market with a sample price, a page of variants with
their price in one market, a product's prices in every market, and the kept exchange rates.

Prices are computed the way the storefront computes them (`markets.pricing.pricing_for` and
`markets.display.shown_price`), so the sample the merchant sees is what a shopper of that
market sees. Every function reads in a fixed number of queries, whatever the number of
markets or rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from babel import Locale
from django.db.models import Count, Q, QuerySet

from freehold.catalog.models import Product, Variant
from freehold.core import clock
from freehold.core.errors import FreeholdError
from freehold.core.money import Money, is_currency_code
from freehold.markets.countries import is_country_code
from freehold.markets.display import ShownPrice, shown_price
from freehold.markets.fx import ECB_BASE
from freehold.markets.models import FxRate, Market, MarketPrice
from freehold.markets.pricing import MarketPricing, pricing_for, rates_on
from freehold.markets.resolution import MarketConfig, MarketInfo, market_config

COUNTRIES_SHOWN = 4


def market_info(market: Market) -> MarketInfo:
    """The storefront's view of a market row (inactive ones too, for their sample price)."""
    languages = tuple(market.languages or []) or ("en",)
    return MarketInfo(
        code=market.code,
        name=market.name,
        countries=tuple(market.countries or []),
        currency=market.currency,
        languages=languages,
        prices_include_tax=market.prices_include_tax,
        pricing_mode=market.pricing_mode,
        price_adjustment_percent=market.price_adjustment_percent,
        rounding=market.rounding,
        rounding_increment=market.rounding_increment,
        duties_mode=market.duties_mode,
        is_default=market.is_default,
        is_rest_of_world=market.is_rest_of_world,
        pk=market.pk,
    )


def plain_number(value: Decimal) -> str:
    """10.00 -> "10", 2.50 -> "2.5" (no exponent)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def country_name(code: str) -> str:
    return str(Locale("en").territories.get(code, code))


def pricing_of(
    market: Market, config: MarketConfig | None = None
) -> tuple[MarketPricing | None, str]:
    """The market's pricing for its main country, or None and why (no exchange rate)."""
    config = config or market_config()
    country = market.main_country or config.store_country
    try:
        return pricing_for(config, market=market_info(market), country=country), ""
    except FreeholdError:
        return None, f"No exchange rate for {market.currency} — update rates"


@dataclass(frozen=True)
class MarketRow:
    market: Market
    country_names: list[str]
    more_countries: int
    sample: ShownPrice | None
    sample_fixed: bool
    problem: str  # why there is no sample price

    @property
    def pricing_detail(self) -> str:
        """ "Up to .99, +5 %": the rounding rule and the adjustment, in words."""
        market = self.market
        text = str(market.get_rounding_display())
        if market.rounding == Market.Rounding.INCREMENT and market.rounding_increment:
            text = f"Up to a multiple of {plain_number(market.rounding_increment)}"
        if market.price_adjustment_percent:
            sign = "+" if market.price_adjustment_percent > 0 else ""
            text += f", {sign}{plain_number(market.price_adjustment_percent)} %"
        return text

    @property
    def countries_summary(self) -> str:
        names = ", ".join(self.country_names)
        return f"{names} and {self.more_countries} more" if self.more_countries else names


def sample_variant() -> Variant | None:
    """The variant the list prices in every market: the best-selling active product's first."""
    return (
        Variant.objects.select_related("product")
        .filter(product__status=Product.Status.ACTIVE)
        .order_by("-product__sales_count", "product_id", "position", "id")
        .first()
    )


def market_rows(markets: list[Market], *, sample: Variant | None) -> list[MarketRow]:
    """Each market with its countries named and `sample`'s price there (one query for the
    fixed prices of every market, plus the day's rates, read once)."""
    config = market_config()
    fixed: dict[int, tuple[Decimal, Decimal | None]] = {}
    if sample is not None:
        fixed = {
            market_id: (amount, compare_at)
            for market_id, amount, compare_at, currency in MarketPrice.objects.filter(
                variant=sample, market__in=[m.pk for m in markets]
            ).values_list("market_id", "price_amount", "compare_at_price_amount", "currency")
            if currency == next(m.currency for m in markets if m.pk == market_id)
        }
    rows = []
    for market in markets:
        countries = market.countries or []
        price: ShownPrice | None = None
        problem = ""
        uses_fixed = False
        if sample is not None:
            pricing, problem = pricing_of(market, config)
            own = fixed.get(market.pk) if market.pricing_mode == Market.PricingMode.FIXED else None
            if own is not None:
                uses_fixed = True
                price = ShownPrice(
                    price=Money(own[0], market.currency).quantize(),
                    compare_at=Money(own[1], market.currency).quantize()
                    if own[1] is not None
                    else None,
                )
            elif pricing is not None:
                price = shown_price(
                    pricing,
                    price_amount=sample.price_amount,
                    compare_at_amount=sample.compare_at_price_amount,
                    tax_class=sample.product.tax_class or "standard",
                    currency=sample.currency,
                )
        rows.append(
            MarketRow(
                market=market,
                country_names=[country_name(code) for code in countries[:COUNTRIES_SHOWN]],
                more_countries=max(0, len(countries) - COUNTRIES_SHOWN),
                sample=price,
                sample_fixed=uses_fixed,
                problem=problem,
            )
        )
    return rows


# --- Preview of a market being edited ------------------------------------------------------------

PREVIEW_VARIANTS = 5


@dataclass(frozen=True)
class PreviewRow:
    name: str
    catalog: Money
    shown: Money


@dataclass(frozen=True)
class Preview:
    currency: str
    rows: list[PreviewRow]
    problem: str = ""


def _decimal(raw: str) -> Decimal | None:
    try:
        value = Decimal((raw or "").strip().replace(",", "."))
    except ArithmeticError:
        return None
    return value if value.is_finite() else None


def market_preview(data: Mapping[str, str]) -> Preview:
    """A few catalog prices as a market with these (unsaved, maybe half-typed) settings would
    show them in its main country; nothing is written. Three queries at most."""
    currency = (data.get("currency") or "").strip().upper()
    if not is_currency_code(currency):
        return Preview(currency=currency, rows=[], problem="Type a currency code to see prices.")
    rounding = data.get("rounding") or Market.Rounding.NONE
    if rounding not in Market.Rounding.values:
        rounding = Market.Rounding.NONE
    increment = _decimal(data.get("rounding_increment", ""))
    if rounding == Market.Rounding.INCREMENT and (increment is None or increment <= 0):
        return Preview(currency=currency, rows=[], problem="Give the increment to round up to.")
    adjustment = _decimal(data.get("price_adjustment_percent", "")) or Decimal(0)
    adjustment = min(max(adjustment, Decimal(-90)), Decimal(500))
    countries = [
        code.strip().upper()
        for code in (data.get("countries_text") or "")
        .replace(";", ",")
        .replace(" ", ",")
        .split(",")
        if code.strip()
    ]
    market = Market(
        pk=0,  # priced like a saved market (never the store's implicit one), never saved
        code="preview",
        name="Preview",
        countries=[code for code in countries if is_country_code(code)],
        currency=currency,
        languages=["en"],
        prices_include_tax=data.get("prices_include_tax") in ("on", "true", "1"),
        price_adjustment_percent=adjustment,
        rounding=rounding,
        rounding_increment=increment,
    )
    pricing, problem = pricing_of(market)
    if pricing is None:
        return Preview(currency=currency, rows=[], problem=problem)
    variants = list(
        Variant.objects.select_related("product")
        .filter(product__status=Product.Status.ACTIVE)
        .order_by("-product__sales_count", "product_id", "position", "id")[:PREVIEW_VARIANTS]
    )
    rows = [
        PreviewRow(
            name=PriceRow(number=0, variant=variant, converted=None, fixed=None).name,
            catalog=Money(variant.price_amount, variant.currency),
            shown=Money(
                pricing.shown(
                    variant.price_amount, variant.product.tax_class or "standard", variant.currency
                ),
                currency,
            ),
        )
        for variant in variants
    ]
    return Preview(currency=currency, rows=rows)


# --- Fixed prices -----------------------------------------------------------------------------


def price_variants(*, query: str = "", product_id: int | None = None) -> QuerySet[Variant]:
    """Variants for the fixed-price page, by product then position; `query` matches the
    product's title or the SKU."""
    variants = Variant.objects.select_related("product").exclude(
        product__status=Product.Status.ARCHIVED
    )
    if product_id is not None:
        variants = variants.filter(product_id=product_id)
    query = query.strip()
    if query:
        variants = variants.filter(
            Q(product__title__icontains=query) | Q(sku__icontains=query) | Q(title__icontains=query)
        )
    return variants.order_by("product__title", "product_id", "position", "id")


@dataclass
class PriceRow:
    """One variant on the fixed-price page: its converted price, and its fixed one if set."""

    number: int  # 1-based on the page, for error messages
    variant: Variant
    converted: ShownPrice | None
    fixed: MarketPrice | None
    price_text: str = ""
    compare_text: str = ""
    error: str = ""

    @property
    def label(self) -> str:
        sku = f"SKU {self.variant.sku}" if self.variant.sku else self.name
        return f"Row {self.number} ({sku})"

    @property
    def name(self) -> str:
        title = self.variant.product.title
        return f"{title} – {self.variant.title}" if self.variant.title else title


def price_rows(market: Market, variants: list[Variant]) -> tuple[list[PriceRow], str]:
    """The page's rows (one query for their fixed prices) and a problem with converting."""
    pricing, problem = pricing_of(market)
    fixed = {
        price.variant_id: price
        for price in MarketPrice.objects.filter(
            market=market, variant__in=[v.pk for v in variants], currency=market.currency
        )
    }
    rows = []
    for number, variant in enumerate(variants, start=1):
        converted = None
        if pricing is not None:
            converted = shown_price(
                pricing,
                price_amount=variant.price_amount,
                compare_at_amount=variant.compare_at_price_amount,
                tax_class=variant.product.tax_class or "standard",
                currency=variant.currency,
            )
        own = fixed.get(variant.pk)
        rows.append(
            PriceRow(
                number=number,
                variant=variant,
                converted=converted,
                fixed=own,
                price_text=_plain(own.price_amount, market.currency) if own else "",
                compare_text=_plain(own.compare_at_price_amount, market.currency)
                if own and own.compare_at_price_amount is not None
                else "",
            )
        )
    return rows, problem


def _plain(amount: Decimal | None, currency: str) -> str:
    """An amount as typed into a field: 12.50, 1500 (JPY)."""
    if amount is None:
        return ""
    return str(Money(amount, currency).quantize().amount)


# --- A product's prices in every market ---------------------------------------------------------


@dataclass(frozen=True)
class ProductMarketPrices:
    markets: list[Market]
    problems: dict[int, str]
    # variant → one cell per market (None where there is no rate): (price, is fixed)
    rows: list[tuple[Variant, list[tuple[ShownPrice | None, bool]]]] = field(default_factory=list)


def product_market_prices(product: Product) -> ProductMarketPrices | None:
    """Each variant's price in each market (three queries), or None in a store without markets."""
    markets = list(Market.objects.order_by("position", "id"))
    if not markets:
        return None
    config = market_config()
    variants = list(product.variants.all())
    fixed = {
        (price.market_id, price.variant_id): price
        for price in MarketPrice.objects.filter(variant__product=product)
    }
    pricings: dict[int, MarketPricing | None] = {}
    problems: dict[int, str] = {}
    for market in markets:
        pricings[market.pk], problem = pricing_of(market, config)
        if problem:
            problems[market.pk] = problem
    rows = []
    for variant in variants:
        cells: list[tuple[ShownPrice | None, bool]] = []
        for market in markets:
            own = fixed.get((market.pk, variant.pk))
            if (
                own is not None
                and own.currency == market.currency
                and market.pricing_mode == Market.PricingMode.FIXED
            ):
                cells.append(
                    (
                        ShownPrice(
                            price=Money(own.price_amount, market.currency).quantize(),
                            compare_at=Money(own.compare_at_price_amount, market.currency)
                            if own.compare_at_price_amount is not None
                            else None,
                        ),
                        True,
                    )
                )
                continue
            pricing = pricings[market.pk]
            cells.append(
                (
                    shown_price(
                        pricing,
                        price_amount=variant.price_amount,
                        compare_at_amount=variant.compare_at_price_amount,
                        tax_class=product.tax_class or "standard",
                        currency=variant.currency,
                    )
                    if pricing is not None
                    else None,
                    False,
                )
            )
        rows.append((variant, cells))
    return ProductMarketPrices(markets=markets, problems=problems, rows=rows)


# --- Exchange rates -----------------------------------------------------------------------------


@dataclass(frozen=True)
class RateRow:
    currency: str
    markets: list[str]
    rate: Decimal | None  # units of `currency` for one unit of the store's currency
    per_euro: Decimal | None

    @property
    def per_euro_text(self) -> str:
        return "" if self.per_euro is None else plain_number(self.per_euro)


@dataclass(frozen=True)
class RatesOverview:
    base_currency: str
    day: dt.date | None
    rows: list[RateRow]
    days_kept: int
    rates_kept: int
    first_day: dt.date | None


def rates_overview() -> RatesOverview:
    """The rates shoppers are priced with today, for the markets' currencies, and the history."""
    config = market_config()
    base = config.base_currency
    table = rates_on(clock.now().date())
    by_currency: dict[str, list[str]] = {}
    for name, currency in Market.objects.order_by("position", "id").values_list("name", "currency"):
        by_currency.setdefault(currency, []).append(name)
    rows = []
    for currency, names in by_currency.items():
        try:
            rate: Decimal | None = table.rate(base, currency).quantize(Decimal("0.000001"))
        except FreeholdError:
            rate = None
        per_euro = Decimal(1) if currency == ECB_BASE else table.per_euro.get(currency)
        rows.append(RateRow(currency=currency, markets=names, rate=rate, per_euro=per_euro))
    history = FxRate.objects.filter(base=ECB_BASE).aggregate(
        days=Count("date", distinct=True), rates=Count("id")
    )
    first_day = (
        FxRate.objects.filter(base=ECB_BASE).order_by("date").values_list("date", flat=True).first()
    )
    return RatesOverview(
        base_currency=base,
        day=table.day,
        rows=rows,
        days_kept=history["days"] or 0,
        rates_kept=history["rates"] or 0,
        first_day=first_day,
    )
