"""A store writing its content in English that sells to the EU in English, German and French
(used by the translation tests of the catalog, storefront, dashboard and browser)."""

from __future__ import annotations

from decimal import Decimal

from freehold.core.audit import Actor
from freehold.markets import fx
from freehold.markets.models import Market
from freehold.markets.pricing import forget_rates
from freehold.markets.services import fx_rates_import, market_save
from tests.factories import make_store_settings

ACTOR = Actor.system("test")


def make_eu_store(**settings: object) -> Market:
    """EUR store in English, one default EU market speaking en, de, fr (/de-de/, /fr-fr/)."""
    make_store_settings(
        **{
            "name": "Fjell & Co",
            "currency": "EUR",
            "country_code": "DE",
            "language": "en",
            "prices_include_tax": True,
            "tax_rate_percent": Decimal("19"),
            **settings,
        }
    )
    fx_rates_import(data=fx.RECORDED_DAILY_FILE.read_bytes(), source="ecb-recorded")
    forget_rates()
    return market_save(
        market=Market(
            code="eu",
            name="EU",
            countries=["DE", "FR", "AT"],
            currency="EUR",
            languages=["en", "de", "fr"],
            prices_include_tax=True,
            is_default=True,
        ),
        actor=ACTOR,
    )
