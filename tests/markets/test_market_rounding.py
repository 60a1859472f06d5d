"""Converted prices round to the currency's minor unit and follow the market's rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from freehold.core.money import minor_unit_exponent
from freehold.markets.pricing import round_price

D = Decimal


@pytest.mark.parametrize(
    ("value", "currency", "rule", "increment", "expected"),
    [
        ("12.30", "EUR", "ending_99", None, "12.99"),
        ("12.99", "EUR", "ending_99", None, "12.99"),
        ("13.00", "EUR", "ending_99", None, "13.99"),
        ("12.96", "EUR", "ending_95", None, "13.95"),
        ("12.01", "EUR", "whole", None, "13.00"),
        ("12.00", "EUR", "whole", None, "12.00"),
        ("12.345", "EUR", "none", None, "12.35"),
        ("3141.2", "JPY", "none", None, "3141"),
        ("3141.2", "JPY", "ending_99", None, "3142"),  # no decimals: .99 means a whole yen
        ("3141.2", "JPY", "increment", "10", "3150"),
        ("3100", "JPY", "increment", "100", "3100"),
        ("0.1234", "KWD", "none", None, "0.123"),
        ("1.2341", "KWD", "ending_99", None, "1.990"),
    ],
)
def test_rounding_rules(value, currency, rule, increment, expected):
    rounded = round_price(
        D(value), currency=currency, rule=rule, increment=D(increment) if increment else None
    )

    assert rounded == D(expected)
    assert str(rounded) == expected


amounts = st.decimals(min_value=D("0.01"), max_value=D("1000000"), places=6)
currencies = st.sampled_from(["EUR", "USD", "GBP", "JPY", "KRW", "KWD", "CHF"])


@given(
    value=amounts, currency=currencies, rule=st.sampled_from(["ending_99", "ending_95", "whole"])
)
def test_rounded_prices_are_in_minor_units_and_never_below_the_value(value, currency, rule):
    rounded = round_price(value, currency=currency, rule=rule)

    unit = minor_unit_exponent(currency)
    assert rounded == rounded.quantize(unit)
    assert rounded >= value
    assert rounded - value < 1 + unit  # never more than one whole unit up
    if rule == "whole" or unit >= 1:
        assert rounded == rounded.to_integral_value()
    else:
        ending = D("0.99") if rule == "ending_99" else D("0.95")
        assert rounded - rounded.to_integral_value(rounding="ROUND_FLOOR") == ending.quantize(unit)


@given(
    value=amounts,
    currency=currencies,
    increment=st.sampled_from([D(1), D(5), D(10), D(100), D("0.05")]),
)
def test_increment_rounding_gives_the_next_multiple(value, currency, increment):
    unit = minor_unit_exponent(currency)
    if increment < unit:
        increment = unit

    rounded = round_price(value, currency=currency, rule="increment", increment=increment)

    assert rounded == rounded.quantize(unit)
    assert rounded >= value
    assert rounded % increment == 0
    assert rounded - value < increment


@given(value=amounts, currency=currencies)
def test_no_rule_rounds_half_up_to_the_minor_unit(value, currency):
    rounded = round_price(value, currency=currency, rule="none")

    unit = minor_unit_exponent(currency)
    assert rounded == rounded.quantize(unit)
    assert abs(rounded - value) <= unit / 2
