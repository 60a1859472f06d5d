from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from freehold.core.money import CurrencyMismatch, Money, sum_money

amounts = st.decimals(min_value=-(10**9), max_value=10**9, places=4, allow_nan=False)


def test_quantize_follows_the_currencys_minor_unit():
    assert Money(Decimal("10.005"), "EUR").quantize().amount == Decimal("10.01")
    assert Money(Decimal("1234.5"), "JPY").quantize().amount == Decimal("1235")
    assert Money(Decimal("1.2345"), "KWD").quantize().amount == Decimal("1.235")


def test_floats_are_refused():
    with pytest.raises(TypeError):
        Money(1.5, "EUR")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        Money(Decimal(1), "EUR") * 1.5  # type: ignore[operator]


def test_different_currencies_do_not_mix():
    with pytest.raises(CurrencyMismatch):
        Money(Decimal(1), "EUR") + Money(Decimal(1), "USD")
    with pytest.raises(CurrencyMismatch):
        _ = Money(Decimal(1), "EUR") < Money(Decimal(1), "USD")


def test_invalid_currency_code_is_refused():
    with pytest.raises(ValueError):
        Money(Decimal(1), "euro")


def test_format_uses_the_locale():
    assert Money(Decimal("1234.5"), "EUR").format("de_DE") == "1.234,50\xa0€"
    assert Money(Decimal("1234.5"), "USD").format("en_US") == "$1,234.50"
    assert Money(Decimal("1234"), "JPY").format("ja_JP") == "￥1,234"


def test_as_json_is_a_string_amount():
    assert Money(Decimal("12.5"), "EUR").as_json() == {"amount": "12.50", "currency": "EUR"}


@given(st.lists(amounts, max_size=20))
def test_sum_equals_the_decimal_sum(values):
    total = sum_money([Money(v, "EUR") for v in values], "EUR")
    assert total.amount == sum(values, Decimal(0))


@given(amounts, amounts)
def test_addition_and_subtraction_round_trip(a, b):
    assert (Money(a, "USD") + Money(b, "USD") - Money(b, "USD")).amount == a
