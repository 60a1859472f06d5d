"""The shopper's market selector and the Accept-Language suggestion.

`market_select` (POST from the footer form, works without JavaScript) keeps the choice in a
cookie and sends the shopper to the same page in the chosen market. `market_suggest` answers
the small script that, on a first visit without a prefix or a choice, offers the market the
browser's languages point to; it is never cached (it reads the shopper's headers).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from freehold.markets import links, resolution
from freehold.storefront.jinja import country_name


def _next_path(request: HttpRequest, raw: str) -> str:
    """The page to go back to, without any market prefix; the home page if unsafe."""
    if (
        not raw
        or not url_has_allowed_host_and_scheme(raw, allowed_hosts=None)
        or not raw.startswith("/")
    ):
        return "/"
    match = resolution.PREFIX_PATTERN.match(raw.split("?", 1)[0])
    if match is not None:
        query = raw.split("?", 1)[1] if "?" in raw else ""
        raw = (match["rest"] or "/") + (f"?{query}" if query else "")
    return raw if resolution.is_prefixable(raw) else "/"


@csrf_exempt
@require_POST
def market_select(request: HttpRequest) -> HttpResponse:
    """Remember the chosen country and language, and show the same page in that market.

    The form sits in the footer of cached pages, so it has no CSRF token; a cross-site post
    is refused by its Origin (all it could do is change a display preference).
    """
    from freehold.storefront.checkout_views import is_same_origin

    if not is_same_origin(request):
        return HttpResponse("Cross-site request refused.", status=403)
    config = resolution.market_config()
    country = request.POST.get("country", "")
    language = request.POST.get("language", "") or translation.get_language() or ""
    resolved = resolution.resolve(config, country=country, language=language)
    if resolved is None:
        resolved = resolution.default_resolution(config)
    path = _next_path(request, request.POST.get("next", ""))
    response = HttpResponseRedirect(f"{resolved.path_prefix}{path}")
    response.status_code = 303
    response.set_cookie(
        resolution.COOKIE_NAME,
        resolved.prefix,
        max_age=resolution.COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def market_suggest(request: HttpRequest) -> HttpResponse:
    """{"url", "message", "accept", "stay"} when the browser points elsewhere, else 204."""
    if resolution.COOKIE_NAME in request.COOKIES:
        return _no_content()
    config = resolution.market_config()
    current = request.GET.get("current", "")
    shown = (resolution.resolve_prefix(config, current) if current else None) or (
        resolution.default_resolution(config)
    )
    resolved = resolution.suggest(config, request.headers.get("Accept-Language", ""), shown)
    if resolved is None:
        return _no_content()
    path = _next_path(request, request.GET.get("path", "/"))
    with translation.override(resolved.language):
        message = translation.gettext("Shopping from %(country)s? See prices in %(currency)s.") % {
            "country": country_name(resolved.country, resolved.language),
            "currency": resolved.market.currency,
        }
        accept = translation.gettext("Switch")
        stay = translation.gettext("Stay here")
    response = JsonResponse(
        {
            "url": f"{resolved.path_prefix}{path}",
            "country": resolved.country,
            "language": resolved.language,
            "message": message,
            "accept": accept,
            "stay": stay,
            "lang": links.language_tag(resolved.language),
        }
    )
    response["Cache-Control"] = "private, no-store"
    response["Vary"] = "Accept-Language, Cookie"
    return response


def _no_content() -> HttpResponse:
    response = HttpResponse(status=204)
    response["Cache-Control"] = "private, no-store"
    return response
