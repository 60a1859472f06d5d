"""Secrets at rest: readable back with the key, unreadable (and loudly so) without it."""

import pytest

from freehold.core import crypto


def test_a_secret_round_trips_and_is_not_stored_in_clear(settings):
    settings.ENCRYPTION_KEY = "key-one"

    stored = crypto.encrypt("whsec_abc123")

    assert "whsec_abc123" not in stored
    assert crypto.decrypt(stored) == "whsec_abc123"


def test_another_key_cannot_read_it(settings):
    settings.ENCRYPTION_KEY = "key-one"
    stored = crypto.encrypt("whsec_abc123")
    settings.ENCRYPTION_KEY = "key-two"

    with pytest.raises(crypto.CannotDecrypt):
        crypto.decrypt(stored)
