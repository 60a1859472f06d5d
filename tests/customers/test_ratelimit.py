"""The reusable rate limiter: counts per key, refuses at the limit, forgets on reset and expiry."""

from __future__ import annotations

from django.core.cache import cache

from freehold.core.ratelimit import RateLimit, client_address

LIMIT = RateLimit("test", limit=3, window_seconds=60)


def test_a_key_is_limited_once_it_reaches_the_limit():
    # Given two hits
    LIMIT.hit("ana")
    LIMIT.hit("ana")
    assert not LIMIT.is_limited("ana")

    # When a third arrives
    count = LIMIT.hit("ana")

    # Then the key is limited
    assert count == 3
    assert LIMIT.is_limited("ana")


def test_keys_and_scopes_count_separately():
    # Given a limited key
    for _ in range(3):
        LIMIT.hit("ana")

    # Then another key, and the same key in another scope, are not limited
    assert not LIMIT.is_limited("bruno")
    assert not RateLimit("other", limit=3, window_seconds=60).is_limited("ana")


def test_reset_forgets_the_count():
    # Given a limited key
    for _ in range(3):
        LIMIT.hit("ana")

    # When it is reset
    LIMIT.reset("ana")

    # Then it starts from nothing
    assert LIMIT.count("ana") == 0
    assert not LIMIT.is_limited("ana")


def test_the_count_expires_with_its_window():
    # Given a limited key
    for _ in range(3):
        LIMIT.hit("ana")

    # When the cache entry expires (the window is over)
    cache.clear()

    # Then the key may try again
    assert not LIMIT.is_limited("ana")


def test_a_counter_that_vanished_between_add_and_incr_starts_again(monkeypatch):
    # Given a cache whose add() does nothing (the entry expired right after it)
    monkeypatch.setattr(cache, "add", lambda *args, **kwargs: False)

    # When a key is hit
    count = LIMIT.hit("ana")

    # Then it counts one
    assert count == 1
    assert LIMIT.count("ana") == 1


def test_keys_are_not_stored_as_typed():
    # Given an e-mail address as the key
    LIMIT.hit("ana@example.com|127.0.0.1")

    # Then the cache key does not hold it (personal data, odd characters)
    key = LIMIT._cache_key("ana@example.com|127.0.0.1")
    assert "ana" not in key
    assert cache.get(key) == 1


def test_without_trusted_proxies_the_connections_address_counts(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_address(request) == "10.0.0.1"


def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_wrote(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client sent "X-Forwarded-For: 1.2.3.4" itself; nginx appended the real address.
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")

    assert client_address(request) == "203.0.113.9"


def test_a_missing_forwarded_header_falls_back_to_the_connection(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 2
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert client_address(request) == "127.0.0.1"
