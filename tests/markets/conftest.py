"""A German store (EUR, 19 % VAT in its prices) selling to three markets, with the ECB's
recorded rates of 8 July 2022 (USD 1.0163, JPY 138.05, GBP 0.84585 per euro)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freehold.core.audit import Actor
from freehold.markets import fx
from freehold.markets.models import Market
from freehold.markets.pricing import forget_rates
from freehold.markets.services import fx_rates_import, market_save
from tests.factories import make_store_settings

ACTOR = Actor.system("test")


def add_market(**fields) -> Market:
    defaults = {
        "prices_include_tax": False,
        "pricing_mode": Market.PricingMode.CONVERTED,
        "rounding": Market.Rounding.NONE,
    }
    return market_save(market=Market(**{**defaults, **fields}), actor=ACTOR)


@pytest.fixture
def markets(db):
    make_store_settings(
        name="Fjell & Co",
        currency="EUR",
        country_code="DE",
        language="en",
        prices_include_tax=True,
        tax_rate_percent=Decimal("19"),
    )
    fx_rates_import(data=fx.RECORDED_DAILY_FILE.read_bytes(), source="ecb-recorded")
    forget_rates()
    found = {
        "eu": add_market(
            code="eu",
            name="European Union",
            countries=["DE", "FR", "AT"],
            currency="EUR",
            languages=["en", "de", "fr"],
            prices_include_tax=True,
            is_default=True,
        ),
        "us": add_market(
            code="us",
            name="United States",
            countries=["US"],
            currency="USD",
            languages=["en", "es"],
            rounding=Market.Rounding.ENDING_99,
        ),
        "jp": add_market(
            code="jp",
            name="Japan",
            countries=["JP"],
            currency="JPY",
            languages=["ja", "en"],
            prices_include_tax=True,
            rounding=Market.Rounding.INCREMENT,
            rounding_increment=Decimal(10),
        ),
    }
    yield found
    forget_rates()
