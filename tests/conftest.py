"""Test set-up shared by the whole suite.

Runs on SQLite by default and on PostgreSQL when DATABASE_URL points at one (CI does both).
Uploaded files go to a temporary MEDIA_ROOT (and STATIC_ROOT is an empty temporary folder, so
nothing under the project's var/ is touched); the cache is emptied around every test. Passwords
are hashed with a fast hasher: Argon2's cost is the point in production and a waste in tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache


@pytest.fixture(scope="session", autouse=True)
def _static_root(tmp_path_factory) -> Path:
    """Set for the whole session, before the live server (session-wide too) starts."""
    static_root = tmp_path_factory.mktemp("static")
    django_settings.STATIC_ROOT = str(static_root)
    return static_root


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path_factory) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media_root(settings) -> Path:
    return Path(settings.MEDIA_ROOT)


@pytest.fixture(autouse=True)
def _order_numbers_start_at_1001(request, django_db_blocker) -> None:
    """PostgreSQL numbers orders from a sequence, which no test's rollback resets (a sequence
    is not transactional): every database test starts where the tables say numbering is (a
    fresh store's 1001, or after what a module-wide fixture seeded)."""
    uses_database = request.node.get_closest_marker("django_db") is not None or bool(
        {"db", "transactional_db", "live_server"} & set(request.fixturenames)
    )
    if not uses_database:
        return
    request.getfixturevalue("django_db_setup")
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT setval('orders_order_number', GREATEST(1000,"
                    " (SELECT max(last_value) FROM orders_ordernumbersequence),"
                    " (SELECT max(number::bigint) FROM orders_order"
                    "  WHERE number ~ '^[0-9]{1,18}$')), true)"
                )
