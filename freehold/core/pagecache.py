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
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
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
    """Give the tags new versions now, and again when the surrounding transaction commits.

    Now: so this process stops serving the old page at once. Again at commit: a request that
    rendered the page between the first bump and the commit read the old rows and cached them
    under the new version; the second bump retires that copy. Outside a transaction the
    first bump is all there is.
    """
    if not tags:
        return
    _bump(tags)
    if transaction.get_connection().in_atomic_block:
        transaction.on_commit(lambda: _bump(tags))


def _bump(tags: tuple[str, ...]) -> None:
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


# Each process keeps the last pages it stored or fetched in memory too, so a hit costs one
# small read of the shared cache (the tag versions) instead of two, one of them the whole
# page. Versions always come from the shared cache, so invalidation is exactly as before.
LOCAL_ENTRIES = 1000
_local: OrderedDict[str, tuple[list[str], list[Any], bytes, str]] = OrderedDict()
_local_lock = threading.Lock()


def _remember_locally(key: str, entry: tuple[list[str], list[Any], bytes, str]) -> None:
    with _local_lock:
        _local[key] = entry
        _local.move_to_end(key)
        while len(_local) > LOCAL_ENTRIES:
            _local.popitem(last=False)


def _forget_locally(key: str) -> None:
    with _local_lock:
        _local.pop(key, None)


def _is_current(tags: list[str], versions: list[Any]) -> bool:
    current = _current_versions(tags)
    return all(current.get(_VERSION_PREFIX + t) == v for t, v in zip(tags, versions, strict=True))


def lookup(request: HttpRequest) -> HttpResponse | None:
    """The cached response for this request, if one is stored and none of its tags moved."""
    key = _page_key(request)
    entry = _local.get(key)
    if entry is not None and not _is_current(entry[0], entry[1]):
        _forget_locally(key)
        entry = None
    if entry is None:
        entry = cache.get(key)
        if entry is None or not _is_current(entry[0], entry[1]):
            return None
        _remember_locally(key, entry)
    response = HttpResponse(entry[2], content_type=entry[3])
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
        entry = (tags, versions, response.content, response["Content-Type"])
        cache.set(key, entry, timeout=settings.PAGE_CACHE_SECONDS)
        _remember_locally(key, entry)
        response["X-Page-Cache"] = "miss"
        return response

    return wrapper
