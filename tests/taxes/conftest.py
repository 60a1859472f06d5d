"""Tax tests: the default rules loaded into the test database (a flushed database, after a
browser test, has lost what migration 0002 loaded), and helpers to register the merchant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.taxes import services
from freehold.taxes.services import TaxRegistrationInput

LONG_AGO = dt.date(2020, 1, 1)


@pytest.fixture
def rules(db) -> None:
    services.defaults_load()
    services.rules_changed()


def register(
    scheme: str, *, region: str = "", country: str = "", rate: str | None = None, number: str = ""
):
    return services.tax_registration_save(
        data=TaxRegistrationInput(
            scheme=scheme,
            valid_from=LONG_AGO,
            region=region,
            country=country,
            rate=Decimal(rate) if rate is not None else None,
            number=number,
        )
    )


def merchant(established: str, ships_from: str = "") -> None:
    services.tax_profile_update(established_country=established, ships_from_country=ships_from)
