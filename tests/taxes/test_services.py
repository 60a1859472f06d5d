"""Writing rules: bad input names its field; a new rate from a date closes the old one."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from freehold.core.models import AuditEvent
from freehold.taxes import services
from freehold.taxes.models import DutyRate, ImportRule, NexusThreshold, TaxRate
from freehold.taxes.services import TaxRateInput, TaxRegistrationInput, TaxRuleInvalid

D = Decimal
pytestmark = pytest.mark.django_db


def rate_input(**changes):
    fields = {
        "country": "CH",
        "rate": "0.081",
        "label": "VAT",
        "valid_from": dt.date(2027, 1, 1),
        "tax_class": "standard",
    }
    return TaxRateInput(**{**fields, **changes})


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"country": "XX"}, "country"),
        ({"country": "Germany"}, "country"),
        ({"region": "CA-ON"}, "region"),  # not a Swiss subdivision
        ({"rate": "19"}, "rate"),
        ({"rate": "-0.1"}, "rate"),
        ({"rate": "nineteen"}, "rate"),
        ({"label": " "}, "label"),
        ({"tax_class": "luxury"}, "tax_class"),
        ({"valid_to": dt.date(2026, 12, 31)}, "valid_to"),
    ],
)
def test_a_bad_rate_is_refused_naming_the_field(changes, field):
    with pytest.raises(TaxRuleInvalid) as refused:
        services.tax_rate_save(data=rate_input(**changes))

    assert refused.value.field == field
    assert not TaxRate.objects.filter(valid_from=dt.date(2027, 1, 1)).exists()


def test_a_new_rate_closes_the_open_one_the_day_before():
    old = services.tax_rate_save(data=rate_input(valid_from=dt.date(2021, 7, 1)))

    new = services.tax_rate_save(data=rate_input(rate="0.085", valid_from=dt.date(2027, 1, 1)))

    old.refresh_from_db()
    assert old.valid_to == dt.date(2026, 12, 31)
    assert (new.valid_from, new.valid_to, new.rate) == (dt.date(2027, 1, 1), None, D("0.085"))
    assert AuditEvent.objects.filter(verb="tax_rate.saved").count() == 2


def test_two_rates_on_one_day_are_refused():
    services.tax_rate_save(data=rate_input(valid_to=dt.date(2027, 12, 31)))

    with pytest.raises(TaxRuleInvalid) as refused:
        services.tax_rate_save(data=rate_input(valid_from=dt.date(2027, 6, 1)))

    assert refused.value.field == "valid_from"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"scheme": "vat_moss"}, "scheme"),
        ({"scheme": "eu_vat", "country": "GB"}, "country"),
        ({"scheme": "us_sales_tax", "region": "", "rate": "0.05"}, "region"),
        ({"scheme": "us_sales_tax", "region": "US-NY"}, "rate"),
        ({"scheme": "us_sales_tax", "region": "NY", "rate": "8"}, "rate"),
        ({"scheme": "ioss", "number": "DE123"}, "number"),
    ],
)
def test_a_bad_registration_is_refused_naming_the_field(data, field):
    with pytest.raises(TaxRuleInvalid) as refused:
        services.tax_registration_save(
            data=TaxRegistrationInput(valid_from=dt.date(2026, 1, 1), **data)
        )

    assert refused.value.field == field


def test_a_us_registration_keeps_its_state_and_rate():
    registration = services.tax_registration_save(
        data=TaxRegistrationInput(
            scheme="us_sales_tax", region="ny", rate="0.08875", valid_from=dt.date(2026, 1, 1)
        )
    )

    assert (registration.country, registration.region, registration.rate) == (
        "US",
        "US-NY",
        D("0.08875"),
    )


def test_the_profile_refuses_an_unknown_country():
    with pytest.raises(TaxRuleInvalid) as refused:
        services.tax_profile_update(established_country="DE", ships_from_country="EUR")

    assert refused.value.field == "ships_from_country"


def test_loading_the_defaults_twice_inserts_nothing_new():
    services.defaults_load()
    counts = [m.objects.count() for m in (TaxRate, ImportRule, DutyRate, NexusThreshold)]

    assert services.defaults_load() == 0
    assert [m.objects.count() for m in (TaxRate, ImportRule, DutyRate, NexusThreshold)] == counts
    assert counts[0] > 80 and counts[3] > 45


def test_the_default_data_has_no_overlapping_periods():
    data = services.defaults()
    keys = {
        "TaxRate": ("country", "region", "tax_class"),
        "ImportRule": ("destination", "kind"),
        "DutyRate": ("destination", "hs_prefix", "product_type"),
        "NexusThreshold": ("region",),
    }
    for model, key in keys.items():
        periods: dict[tuple, list[tuple[str, str]]] = {}
        for row in data[model]:
            periods.setdefault(tuple(row[name] for name in key), []).append(
                (row["valid_from"], row.get("valid_to") or "9999-12-31")
            )
        for name, spans in periods.items():
            spans.sort()
            for (_, end), (start, _) in itertools.pairwise(spans):
                assert end < start, f"{model} {name}: {end} overlaps {start}"
