"""Template helpers for the shopper's market: prices in their currency, links in their market,
and the market selector's choices.

- `market_price(base_money, tax_class="standard")`: a catalog price (base currency) as this market
  shows it, formatted for the active language.
- `market_path(path)`: a path the merchant typed (menus), under the market prefix.
- `market()`: the request's `Resolved` (market, country, language, prefix).
- `market_choices()`: the selector's countries, each with its market's currency.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from django.http import HttpRequest
from jinja2 import pass_context
from jinja2.runtime import Context

from freehold.core.money import Money
from freehold.markets import links, resolution
from freehold.markets.middleware import market_of, pricing_of
from freehold.markets.pricing import MarketPricing
from freehold.storefront.jinja import active_language, babel_locale, country_name, format_money


def _request(context: Context) -> HttpRequest | None:
    request = context.get("request")
    return request if isinstance(request, HttpRequest) else None


@pass_context
def price(context: Context, value: Money | Decimal | None, tax_class: str = "standard") -> str:
    """A base-currency catalog price in the shopper's market, formatted."""
    request = _request(context)
    return format_money(market_money(request, value, tax_class), language=active_language(request))


def market_money(
    request: HttpRequest | None, value: Money | Decimal | None, tax_class: str = "standard"
) -> Money | None:
    if value is None:
        return None
    amount = value.amount if isinstance(value, Money) else Decimal(value)
    currency = value.currency if isinstance(value, Money) else ""
    pricing: MarketPricing = pricing_of(request)
    return pricing.money(amount, tax_class or "standard", currency)


@pass_context
def market(context: Context) -> resolution.Resolved:
    return market_of(_request(context))


@dataclass(frozen=True)
class CountryChoice:
    code: str
    name: str
    currency: str
    market_code: str


def country_choices(language: str) -> list[CountryChoice]:
    """Every country a market serves (all countries when one is the rest of the world),
    named in `language`, sorted by name."""
    from freehold.markets.countries import country_codes

    config = resolution.market_config()
    if config.rest_of_world is not None:
        codes = sorted(country_codes())
    else:
        codes = sorted({code for m in config.markets for code in m.countries})
    choices = []
    for code in codes:
        served = config.for_country(code)
        choices.append(
            CountryChoice(
                code=code,
                name=country_name(code, language),
                currency=served.currency,
                market_code=served.code,
            )
        )
    return sorted(choices, key=lambda choice: choice.name)


def language_choices() -> list[tuple[str, str]]:
    """Every language a market speaks, named in itself ("Deutsch", "日本語")."""
    config = resolution.market_config()
    codes = list(dict.fromkeys(code for m in config.markets for code in m.languages))
    result = []
    for code in codes:
        try:
            name = Locale.parse(babel_locale(code)).display_name or code
        except (UnknownLocaleError, ValueError):
            name = code
        result.append((code, name[:1].upper() + name[1:]))
    return result


@pass_context
def market_choices(context: Context) -> dict[str, Any]:
    """The selector's choices; `show` is false for a store with one market in one language."""
    request = _request(context)
    found: dict[str, Any] | None = getattr(request, "_market_choices", None)
    if found is not None:
        return found
    resolved = market_of(request)
    languages = language_choices()
    show = len(resolution.market_config().markets) > 1 or len(languages) > 1
    found = {
        "countries": country_choices(resolved.language) if show else [],
        "languages": languages,
        "current": resolved,
        "show": show,
    }
    if request is not None:
        request._market_choices = found  # type: ignore[attr-defined]
    return found


@pass_context
def market_pricing_includes_tax(context: Context) -> bool:
    """Shown prices contain tax (say "Tax included"), or tax is added at checkout."""
    return bool(pricing_of(_request(context)).prices_include_tax)


GLOBALS = {
    "market_pricing_includes_tax": market_pricing_includes_tax,
    "market_price": price,
    "market_path": links.market_path,
    "market": market,
    "market_choices": market_choices,
}
