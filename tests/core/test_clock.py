import datetime as dt

import pytest

from freehold.core import clock


def test_frozen_clock_returns_the_moment_and_restores():
    moment = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        assert clock.now() == moment
    assert clock.now() != moment


def test_naive_moments_are_refused():
    with pytest.raises(ValueError), clock.frozen_at(dt.datetime(2026, 7, 1)):
        pass
