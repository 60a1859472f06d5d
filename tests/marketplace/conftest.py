"""Marketplace tests: the compliance rules in the test database. A transactional test elsewhere
on the same worker (a race, a browser test) flushes what migration 0002 loaded."""

from __future__ import annotations

import pytest

from freehold.marketplace import rules


@pytest.fixture(autouse=True)
def marketplace_rules(request) -> None:
    if "db" in request.fixturenames or "transactional_db" in request.fixturenames:
        rules.defaults_load()
    elif request.node.get_closest_marker("django_db"):
        request.getfixturevalue("db")
        rules.defaults_load()
