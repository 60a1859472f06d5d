"""Full-page cache for storefront pages, invalidated by tags.

A view renders a page and names what it showed (`tag(request, "product:12", ...)`). The cached
entry stores the version of every tag at render time; a hit re-reads those versions in one
`get_many` and serves the page only if none moved. `invalidate("product:12")` gives the tag a
new version, so every page that showed product 12 is re-rendered on its next request, and
nothing else is.

The cached HTML holds nothing personal (no CSRF token, no cart, no name): per-visitor bits
come from an uncached request. Tracking parameters (utm_*, click ids) do not split the cache.

Versions live in the default cache: with several app processes it must be shared (Redis);
`freehold serve` turns the page cache off when it would be per-process.
"""

from __future__ import annotations

import functools
import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

IGNORED_PARAMETERS = frozenset(
    {
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_content",
        "utm_term",
        "gclid",
        "fbclid",
        "ttclid",
        "msclkid",
        "_ga",
        "ref",
    }
)
GLOBAL_TAG = "store"  # brand settings, menus, pages: shown on every page
_VERSION_PREFIX = "pcv:"
_PAGE_PREFIX = "pc:"


def tag(request: HttpRequest, *tags: str) -> None:
    """Record that the page being rendered shows these objects."""
    existing: set[str] | None = getattr(request, "_page_cache_tags", None)
    if existing is None:
        existing = set()
        request._page_cache_tags = existing  # type: ignore[attr-defined]
    existing.update(tags)


def tags_for(prefix: str, ids: Iterable[int]) -> list[str]:
    return [f"{prefix}:{i}" for i in ids]


def invalidate(*tags: str) -> None:
    if not tags:
        return
    version = time.time_ns()
    cache.set_many({_VERSION_PREFIX + t: version for t in tags}, timeout=None)


def version(tag_name: str) -> int:
    """The current version of one tag, so other caches can key on it (e.g. the store chrome)."""
    key = _VERSION_PREFIX + tag_name
    current = cache.get(key)
    if current is None:
        cache.add(key, time.time_ns(), timeout=None)
        current = cache.get(key, 0)
    return int(current)


def _page_key(request: HttpRequest) -> str:
    query = sorted(
        (k, v)
        for k, v in parse_qsl(request.META.get("QUERY_STRING", ""), keep_blank_values=True)
        if k not in IGNORED_PARAMETERS
    )
    raw = f"{request.get_host()}|{request.path}|{urlencode(query)}"
    return _PAGE_PREFIX + hashlib.sha1(raw.encode()).hexdigest()


def _current_versions(tags: list[str]) -> dict[str, Any]:
    return cache.get_many([_VERSION_PREFIX + t for t in tags])


def lookup(request: HttpRequest) -> HttpResponse | None:
    """The cached response for this request, if one is stored and none of its tags moved."""
    entry = cache.get(_page_key(request))
    if entry is None:
        return None
    tags, versions, content, content_type = entry
    current = _current_versions(tags)
    if any(current.get(_VERSION_PREFIX + t) != v for t, v in zip(tags, versions, strict=True)):
        return None
    response = HttpResponse(content, content_type=content_type)
    response["X-Page-Cache"] = "hit"
    return response


class PageCacheMiddleware:
    """Answer cache hits before sessions, authentication and CSRF run.

    Placed early in MIDDLEWARE: a hit costs two cache reads and nothing else, which is what
    makes the cache worth having (measured by `make bench`). Pages are stored by the
    `cache_page` decorator on the views that may be cached; this only serves them.
    """

    SKIPPED_PREFIXES = ("/admin/", "/static/", "/media/", "/api/")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.PAGE_CACHE_ENABLED
            and request.method in ("GET", "HEAD")
            and not request.path.startswith(self.SKIPPED_PREFIXES)
        ):
            request._page_cache_looked_up = True  # type: ignore[attr-defined]
            cached = lookup(request)
            if cached is not None:
                return cached
        return self.get_response(request)


def cache_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Cache a storefront view's successful GET responses whole."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        if not getattr(request, "_page_cache_looked_up", False):
            cached = lookup(request)
            if cached is not None:
                return cached
        key = _page_key(request)
        response = view(request, *args, **kwargs)
        if response.status_code != 200 or response.streaming or response.cookies:
            return response
        tags = sorted(getattr(request, "_page_cache_tags", set()) | {GLOBAL_TAG})
        current = _current_versions(tags)
        missing = {
            _VERSION_PREFIX + t: time.time_ns() for t in tags if _VERSION_PREFIX + t not in current
        }
        if missing:
            # add() keeps a version another process set in between.
            for k, v in missing.items():
                cache.add(k, v, timeout=None)
            current = _current_versions(tags)
        versions = [current.get(_VERSION_PREFIX + t) for t in tags]
        cache.set(
            key,
            (tags, versions, response.content, response["Content-Type"]),
            timeout=settings.PAGE_CACHE_SECONDS,
        )
        response["X-Page-Cache"] = "miss"
        return response

    return wrapper
