"""The market of a storefront request, from its URL prefix (see `resolution`).

Two middleware, because the full-page cache sits between them:
- `MarketPrefixMiddleware` runs before the page cache and needs no database: it takes the
  `/de-de` prefix off the path (and makes it the script prefix, so every `reverse()` and
  `url()` of the page keeps the shopper in their market), and sends a shopper whose cookie
  names a market from an unprefixed URL to the prefixed one. A cache hit is served after it,
  keyed on the full URL.
- `MarketMiddleware` runs on a cache miss: it checks the prefix against the markets (unknown
  ones redirect to the default market), activates the language and gives the request
  `market`, `market_country`, `market_resolution` and a lazy `market_pricing`.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import get_script_prefix, set_script_prefix
from django.utils import translation
from django.utils.functional import SimpleLazyObject

from freehold.markets import pricing, resolution

Handler = Callable[[HttpRequest], HttpResponse]


def _query(request: HttpRequest) -> str:
    query = request.META.get("QUERY_STRING", "")
    return f"?{query}" if query else ""


def _redirect(location: str, *, permanent: bool = False) -> HttpResponseRedirect:
    response = HttpResponseRedirect(location)
    if permanent:
        response.status_code = 301
    response["Cache-Control"] = "private, no-store"
    return response


class MarketPrefixMiddleware:
    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        outer_prefix = get_script_prefix()
        request.market_prefix = ""  # type: ignore[attr-defined]
        match = resolution.PREFIX_PATTERN.match(request.path_info)
        if match is not None and resolution.is_prefixable(match["rest"] or "/"):
            prefix = f"{match['language']}-{match['country']}"
            request.market_prefix = prefix  # type: ignore[attr-defined]
            request.path_info = match["rest"] or "/"
            set_script_prefix(f"{outer_prefix}{prefix}/")
        elif request.method in ("GET", "HEAD") and resolution.is_prefixable(request.path_info):
            chosen = resolution.cookie_prefix(request)
            if chosen:
                return _redirect(f"{outer_prefix}{chosen}{request.path_info}{_query(request)}")
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(outer_prefix)


class MarketMiddleware:
    def __init__(self, get_response: Handler):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not resolution.is_prefixable(request.path_info):
            return self.get_response(request)
        config = resolution.market_config()
        prefix = getattr(request, "market_prefix", "")
        resolved = resolution.default_resolution(config)
        if prefix:
            found = resolution.resolve_prefix(config, prefix)
            if found is None or found.prefix != prefix:
                # Unknown, or not the canonical spelling (a language the market does not
                # speak, the default's own page): one URL per page, the canonical one.
                target = found.path_prefix if found is not None else ""
                base = get_script_prefix()[: -len(prefix) - 1]
                redirect = _redirect(
                    f"{base.rstrip('/')}{target}{request.path_info}{_query(request)}",
                    permanent=found is not None,
                )
                if resolution.cookie_prefix(request) == prefix:
                    redirect.delete_cookie(resolution.COOKIE_NAME)
                return redirect
            resolved = found
        _attach(request, config, resolved)
        with translation.override(resolved.language):
            request.LANGUAGE_CODE = resolved.language  # type: ignore[attr-defined]
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", resolved.language)
        return response


def _attach(
    request: HttpRequest, config: resolution.MarketConfig, resolved: resolution.Resolved
) -> None:
    request.market = resolved.market  # type: ignore[attr-defined]
    request.market_country = resolved.country  # type: ignore[attr-defined]
    request.market_resolution = resolved  # type: ignore[attr-defined]
    request.market_config = config  # type: ignore[attr-defined]

    def build() -> pricing.MarketPricing:
        return request_pricing(config, resolved)

    request.market_pricing = SimpleLazyObject(build)  # type: ignore[attr-defined]


def request_pricing(
    config: resolution.MarketConfig, resolved: resolution.Resolved
) -> pricing.MarketPricing:
    """The market's pricing (the default market's when its currency has no rate kept)."""
    return pricing.pricing_or_default(
        config,
        market=resolved.market,
        country=resolved.country,
        fallback_country=config.default_country,
    )


def market_of(request: HttpRequest | None) -> resolution.Resolved:
    """The request's resolution; the default market for requests the middleware skipped
    (tests calling views directly, the API)."""
    found = getattr(request, "market_resolution", None) if request is not None else None
    if isinstance(found, resolution.Resolved):
        return found
    return resolution.default_resolution(resolution.market_config())


def pricing_of(request: HttpRequest | None) -> pricing.MarketPricing:
    if request is not None and hasattr(request, "market_pricing"):
        return request.market_pricing  # type: ignore[no-any-return]
    resolved = market_of(request)
    return request_pricing(resolution.market_config(), resolved)
