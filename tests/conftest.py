"""Test set-up shared by the whole suite.

Runs on SQLite by default and on PostgreSQL when DATABASE_URL points at one (CI does both).
Uploaded files go to a temporary MEDIA_ROOT; the cache is emptied around every test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _isolated_media_and_cache(settings, tmp_path_factory) -> Iterator[None]:
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))
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
