"""Counting attempts per key in Django's cache, and refusing once there were too many.

A `RateLimit` counts *failures* (or whatever its caller hits it for) per key in a fixed window.
The counters live in the default cache: Redis in production, so every app process sees the
same counts; the in-process locmem cache otherwise (one process, as `freehold demo` runs).

When a key reaches its limit, its window starts again from that moment, so the refusal lasts
the whole window after the last counted attempt rather than whatever was left of the first.
Keys are hashed: an e-mail address typed by anyone must not become a cache key as it is
(length, characters memcached-style backends refuse, personal data in a key listing).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

_PREFIX = "ratelimit:"


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` hits per key within `window_seconds`; then `is_limited` until it expires."""

    scope: str
    limit: int
    window_seconds: int

    def _cache_key(self, key: str) -> str:
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:40]
        return f"{_PREFIX}{self.scope}:{digest}"

    def count(self, key: str) -> int:
        return int(cache.get(self._cache_key(key)) or 0)

    def hit(self, key: str) -> int:
        """Count one attempt; the number counted in the current window, this one included."""
        cache_key = self._cache_key(key)
        # add() starts the window only if there is none; incr() is atomic on Redis and locmem.
        cache.add(cache_key, 0, timeout=self.window_seconds)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(cache_key, 1, timeout=self.window_seconds)
            count = 1
        if count >= self.limit:
            cache.touch(cache_key, timeout=self.window_seconds)
        return count

    def is_limited(self, key: str) -> bool:
        return self.count(key) >= self.limit

    def reset(self, key: str) -> None:
        cache.delete(self._cache_key(key))


def client_address(request: HttpRequest) -> str:
    """The address of the client, for per-client counters.

    Without proxies (TRUSTED_PROXY_COUNT = 0) the connection's address. Behind N proxies, the
    Nth address from the right of X-Forwarded-For: each proxy appends the address it was
    reached from, so that entry was written by the outermost trusted proxy, and whatever a
    client puts in the header itself stays to its left. Trusting more hops than there are
    proxies would let a client choose its own counter.
    """
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0) or 0)
    if hops > 0:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(addresses) >= hops:
            return addresses[-hops]
    return str(request.META.get("REMOTE_ADDR") or "unknown")
