"""Which market, country and language a storefront request is in.

The URL decides: `/de-de/products/x` is German in Germany, and so the EU market in euros; a URL
without a prefix is the default market in its first language. A shopper who chose a market in
the selector carries it in a cookie, which sends URLs without a prefix to the prefixed ones
(`MarketPrefixMiddleware`); nothing else moves a shopper: the browser's Accept-Language only
*suggests* a market (`suggest`), shown as a banner the shopper may accept. So every URL shows
one market's page, which keeps the full-page cache keyed on the URL alone.

Anything unknown (a country no market serves when there is no rest of the world, a language
the market does not speak, a deleted market in a cookie) falls back to the default market,
by a redirect, never an error page.

The markets are read once and kept in the cache under the page cache's `store` version, like
the store's settings: a market edit moves that version (and re-renders every page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from freehold.core import pagecache
from freehold.markets.countries import is_country_code

COOKIE_NAME = "freehold_market"
COOKIE_MAX_AGE = 365 * 24 * 3600
CONFIG_CACHE_SECONDS = 300
_CONFIG_KEY = "markets:config:{version}"

# "de-de", "en-gb", "zh-hans-cn": a language (with an optional script) and a country.
PREFIX_PATTERN = re.compile(
    r"^/(?P<language>[a-z]{2,3}(?:-[a-z]{4})?)-(?P<country>[a-z]{2})(?P<rest>/.*)?\Z"
)
PREFIX_SYNTAX = re.compile(r"^[a-z]{2,3}(?:-[a-z]{4})?-[a-z]{2}\Z")
# Paths that never carry a market prefix: staff, machines, files.
UNPREFIXED_PATHS = (
    "/dashboard",
    "/vendor/",
    "/api/",
    "/admin",
    "/static/",
    "/media/",
    "/theme.css",
    "/robots.txt",
)


@dataclass(frozen=True)
class MarketInfo:
    """A market as the storefront needs it: plain data, cached between requests."""

    code: str
    name: str
    countries: tuple[str, ...]
    currency: str
    languages: tuple[str, ...]
    prices_include_tax: bool
    pricing_mode: str = "converted"
    price_adjustment_percent: Decimal = Decimal(0)
    rounding: str = "none"
    rounding_increment: Decimal | None = None
    duties_mode: str = "dap"
    is_default: bool = False
    is_rest_of_world: bool = False
    pk: int | None = None  # None: the store's implicit market (no Market rows yet)

    @property
    def default_language(self) -> str:
        return self.languages[0]

    @property
    def main_country(self) -> str:
        return self.countries[0] if self.countries else ""

    @property
    def uses_fixed_prices(self) -> bool:
        return self.pricing_mode == "fixed" and self.pk is not None


@dataclass(frozen=True)
class MarketConfig:
    markets: tuple[MarketInfo, ...]
    default: MarketInfo
    by_country: dict[str, MarketInfo] = field(default_factory=dict)
    rest_of_world: MarketInfo | None = None
    store_country: str = ""
    base_currency: str = "USD"
    base_prices_include_tax: bool = False
    base_rate: Decimal = Decimal(0)  # the store's rate its catalog prices contain

    def for_country(self, country: str) -> MarketInfo:
        """The market serving `country`: the one listing it, else the rest of the world, else
        the default market."""
        return self.by_country.get(country) or self.rest_of_world or self.default

    def by_code(self, code: str) -> MarketInfo | None:
        return next((market for market in self.markets if market.code == code), None)

    @property
    def default_country(self) -> str:
        return self.default.main_country or self.store_country


@dataclass(frozen=True)
class Resolved:
    """Where a request shops: the market, the destination country, the language, the prefix."""

    market: MarketInfo
    country: str
    language: str
    prefix: str  # "" for the default market in its own language and country

    @property
    def path_prefix(self) -> str:
        return f"/{self.prefix}" if self.prefix else ""


def available_languages() -> set[str]:
    return {code for code, _ in settings.LANGUAGES}


def language_code(raw: str) -> str:
    """A store language code in Django's form: "de", "zh-hans" (settings.LANGUAGES)."""
    return raw.strip().lower().replace("_", "-")


def load_config() -> MarketConfig:
    """The active markets from the database; the store's implicit market when there are none."""
    from freehold.markets.models import Market
    from freehold.storefront.selectors import chrome

    store = chrome(None).settings  # cached under the same version as the markets
    languages = available_languages()
    store_language = language_code(store.language or settings.LANGUAGE_CODE)
    if store_language not in languages:
        store_language = settings.LANGUAGE_CODE
    infos: list[MarketInfo] = []
    for market in Market.objects.filter(is_active=True).order_by("position", "id"):
        spoken = tuple(
            dict.fromkeys(
                code
                for code in (language_code(raw) for raw in market.languages or [])
                if code in languages
            )
        ) or (store_language,)
        infos.append(
            MarketInfo(
                code=market.code,
                name=market.name,
                countries=tuple(market.countries or []),
                currency=market.currency,
                languages=spoken,
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
        )
    if not infos:
        implicit = MarketInfo(
            code="default",
            name=store.name,
            countries=(store.country_code,) if store.country_code else (),
            currency=store.currency,
            languages=(store_language,),
            prices_include_tax=store.prices_include_tax,
            is_default=True,
            is_rest_of_world=True,
        )
        infos = [implicit]
    default = next((m for m in infos if m.is_default), infos[0])
    by_country: dict[str, MarketInfo] = {}
    for info in infos:
        for country in info.countries:
            by_country.setdefault(country, info)
    rest = next((m for m in infos if m.is_rest_of_world), None)
    return MarketConfig(
        markets=tuple(infos),
        default=default,
        by_country=by_country,
        rest_of_world=rest,
        store_country=store.country_code,
        base_currency=store.currency,
        base_prices_include_tax=store.prices_include_tax,
        base_rate=(store.tax_rate_percent or Decimal(0)) / 100,
    )


def market_config() -> MarketConfig:
    key = _CONFIG_KEY.format(version=pagecache.version(pagecache.GLOBAL_TAG))
    config: MarketConfig | None = cache.get(key)
    if config is None:
        config = load_config()
        cache.set(key, config, timeout=CONFIG_CACHE_SECONDS)
    return config


def prefix_for(config: MarketConfig, *, market: MarketInfo, country: str, language: str) -> str:
    """The URL prefix of a market, country and language: none for the default's own."""
    if (
        market.code == config.default.code
        and language == market.default_language
        and country == config.default_country
    ):
        return ""
    return f"{language}-{country.lower()}"


def default_resolution(config: MarketConfig) -> Resolved:
    market = config.default
    return Resolved(
        market=market,
        country=config.default_country,
        language=market.default_language,
        prefix="",
    )


def resolve(config: MarketConfig, *, country: str, language: str) -> Resolved | None:
    """The market of `country` in `language`, with its canonical prefix; None if the country
    is unknown. A language the market does not speak becomes the market's first language."""
    country = country.strip().upper()
    if not is_country_code(country):
        return None
    market = config.for_country(country)
    language = language_code(language)
    if language not in market.languages:
        language = market.default_language
    return Resolved(
        market=market,
        country=country,
        language=language,
        prefix=prefix_for(config, market=market, country=country, language=language),
    )


def resolve_prefix(config: MarketConfig, prefix: str) -> Resolved | None:
    match = PREFIX_PATTERN.match(f"/{prefix}")
    if match is None:
        return None
    return resolve(config, country=match["country"], language=match["language"])


def is_prefixable(path: str) -> bool:
    return not path.startswith(UNPREFIXED_PATHS)


def cookie_prefix(request: HttpRequest) -> str:
    """The market prefix the shopper chose, if the cookie holds one that could be valid."""
    raw = request.COOKIES.get(COOKIE_NAME, "")
    return raw if PREFIX_SYNTAX.match(raw) else ""


# --- Accept-Language --------------------------------------------------------------------------


def parse_accept_language(header: str) -> list[tuple[str, str]]:
    """("de", "DE") pairs from an Accept-Language header, most wanted first (country may be "")."""
    entries: list[tuple[float, int, str, str]] = []
    for index, part in enumerate(header.split(",")[:20]):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        subtags = [s for s in tag.strip().replace("_", "-").split("-") if s]
        if not subtags or subtags[0] == "*" or not subtags[0].isalpha():
            continue
        language = subtags[0].lower()
        country = next((s.upper() for s in subtags[1:] if len(s) == 2 and s.isalpha()), "")
        script = next((s.lower() for s in subtags[1:] if len(s) == 4 and s.isalpha()), "")
        # Simplified Chinese is what mainland China and Singapore read.
        if language == "zh" and (script == "hans" or (not script and country in ("CN", "SG", ""))):
            language = "zh-hans"
        entries.append((quality, index, language, country))
    entries.sort(key=lambda item: (-item[0], item[1]))
    return [(language, country) for quality, _, language, country in entries if quality > 0]


def suggest(config: MarketConfig, header: str, current: Resolved | None = None) -> Resolved | None:
    """The market the browser's languages point to, if it would change what the shopper sees
    on `current` (the default market's own page if not given): another market or language.
    """
    current = current or default_resolution(config)
    found = _suggest(config, header)
    if found is None or (
        found.market.code == current.market.code and found.language == current.language
    ):
        return None
    return found


def _suggest(config: MarketConfig, header: str) -> Resolved | None:
    pairs = parse_accept_language(header)
    for language, country in pairs:
        if not country:
            continue
        resolved = resolve(config, country=country, language=language)
        if resolved is None:
            continue
        if language not in resolved.market.languages:
            # Their language is not spoken there: try it with a language they named.
            for other, _ in pairs:
                if other in resolved.market.languages:
                    resolved = resolve(config, country=country, language=other)
                    break
        return resolved if resolved is not None and resolved.prefix else None
    return None
