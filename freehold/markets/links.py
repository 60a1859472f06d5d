"""Links that keep a shopper in their market, and the alternates search engines are told of.

A page under `/de-de/` links to `/de-de/…`: `reverse()` does that by itself (the prefix is the
script prefix while the request runs); paths built by hand (`get_absolute_url`, menu items
the merchant typed) go through `market_path`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import get_script_prefix

from freehold.markets import resolution


def market_path(path: str) -> str:
    """`/products/x` under the current request's market prefix; other URLs as they are."""
    if not path.startswith("/") or path.startswith("//"):
        return path
    prefix = get_script_prefix()
    if prefix == "/" or path.startswith(prefix) or not resolution.is_prefixable(path):
        return path
    return f"{prefix.rstrip('/')}{path}"


def unprefixed_path(request: HttpRequest) -> str:
    """The request's path without its market prefix (what the selector switches between)."""
    return request.path_info or "/"


@dataclass(frozen=True)
class Alternate:
    hreflang: str  # "de-DE", "en", "x-default"
    path: str
    label: str


def alternates(path: str) -> list[Alternate]:
    """The same page in every market and language: one per market's main country and
    language, and `x-default` for the page without a prefix. `path` has no prefix."""
    config = resolution.market_config()
    found: dict[str, Alternate] = {}
    for market in config.markets:
        country = market.main_country or (config.default_country if market.is_default else "")
        if not country:
            continue
        for language in market.languages:
            prefix = resolution.prefix_for(
                config, market=market, country=country, language=language
            )
            hreflang = f"{language_tag(language)}-{country}"
            found.setdefault(
                hreflang,
                Alternate(
                    hreflang=hreflang,
                    path=f"/{prefix}{path}" if prefix else path,
                    label=f"{market.name} ({language})",
                ),
            )
    result = list(found.values())
    if len(result) > 1:
        result.append(Alternate(hreflang="x-default", path=path, label=config.default.name))
    return result


def language_tag(language: str) -> str:
    """Django's "zh-hans" as the BCP 47 tag search engines read: "zh-Hans"."""
    parts = language.split("-")
    return "-".join([parts[0]] + [part.title() if len(part) == 4 else part for part in parts[1:]])
