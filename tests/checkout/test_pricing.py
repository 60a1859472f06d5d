from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from freehold.checkout.pricing import (
    Discount,
    DiscountKind,
    PricingInput,
    PricingLine,
    Shipping,
    Tax,
    allocate,
    calculate,
)
from freehold.core.money import minor_unit_exponent
from freehold.taxes import engine

D = Decimal


def test_percentage_discount_shipping_and_added_tax():
    # Given two lines, 10 % off, 4.90 shipping and 8.25 % sales tax added on top
    result = calculate(
        PricingInput(
            currency="USD",
            lines=[PricingLine("a", D("19.99"), 2), PricingLine("b", D("5.00"), 1)],
            discount=Discount("TEN", DiscountKind.PERCENTAGE, D(10)),
            shipping=Shipping("Standard", D("4.90")),
            tax=Tax("CA", D("0.0825")),
        )
    )
    # Then every step is in cents and the total adds up
    assert result.subtotal == D("44.98")
    assert result.discount == D("4.50")
    assert [line.discount for line in result.lines] == [D("4.00"), D("0.50")]
    assert result.shipping == D("4.90")
    assert [line.tax for line in result.lines] == [D("2.97"), D("0.37")]
    assert result.shipping_tax == D("0.40")
    assert result.tax == D("3.74")
    assert result.total == D("49.12")
    assert result.reasons[0] == "discount TEN: 10% off the items"


def test_tax_included_prices_do_not_grow_the_total():
    result = calculate(
        PricingInput(
            currency="EUR",
            lines=[PricingLine("a", D("119.00"), 1)],
            shipping=Shipping("DHL", D("5.95")),
            tax=Tax("DE", D("0.19"), prices_include_tax=True),
        )
    )
    assert result.tax == D("19.00") + D("0.95")
    assert result.total == D("124.95")
    assert result.tax_added == 0


def test_fixed_discount_never_exceeds_the_items():
    result = calculate(
        PricingInput(
            currency="EUR",
            lines=[PricingLine("a", D("15.00"), 1)],
            discount=Discount("BIG", DiscountKind.FIXED_AMOUNT, D("50.00")),
            shipping=Shipping("Post", D("4.00")),
        )
    )
    assert result.discount == D("15.00")
    assert result.total == D("4.00")


def test_free_shipping_and_minimum_subtotal():
    lines = [PricingLine("a", D("30.00"), 1)]
    free = Discount("SHIPFREE", DiscountKind.FREE_SHIPPING, minimum_subtotal=D("25"))
    result = calculate(
        PricingInput("EUR", lines, discount=free, shipping=Shipping("Post", D("4.90")))
    )
    assert result.shipping_discount == D("4.90")
    assert result.total == D("30.00")
    too_small = Discount("SHIPFREE", DiscountKind.FREE_SHIPPING, minimum_subtotal=D("50"))
    result = calculate(
        PricingInput("EUR", lines, discount=too_small, shipping=Shipping("Post", D("4.90")))
    )
    assert result.shipping_discount == 0
    assert result.total == D("34.90")
    assert "not applied" in result.reasons[0]


def test_yen_has_no_minor_unit():
    result = calculate(
        PricingInput(
            currency="JPY",
            lines=[PricingLine("a", D("1980"), 3)],
            discount=Discount("SALE", DiscountKind.PERCENTAGE, D("15")),
            tax=Tax("JP", D("0.10"), prices_include_tax=True),
        )
    )
    assert result.discount == D("891")
    assert result.total == D("5049")
    assert result.tax == D("459")


def test_untaxed_lines_carry_no_tax():
    result = calculate(
        PricingInput(
            currency="GBP",
            lines=[
                PricingLine("book", D("10.00"), 1, taxable=False),
                PricingLine("mug", D("10"), 1),
            ],
            tax=Tax("UK", D("0.20")),
        )
    )
    assert [line.tax for line in result.lines] == [D(0), D("2.00")]


@pytest.mark.parametrize(
    "build",
    [
        lambda: PricingLine("a", D("1"), 0),
        lambda: PricingLine("a", D("1"), -2),
        lambda: PricingLine("a", D("-1"), 1),
        lambda: Discount("X", DiscountKind.PERCENTAGE, D("101")),
        lambda: Discount("X", DiscountKind.FIXED_AMOUNT, D("-5")),
        lambda: Shipping("X", D("-1")),
        lambda: Tax("X", D("1.5")),
    ],
)
def test_impossible_inputs_are_refused(build):
    with pytest.raises(ValueError):
        build()


def test_allocate_splits_exactly_by_weight():
    assert allocate(D("10.00"), [D("1"), D("1"), D("1")], "EUR") == [
        D("3.34"),
        D("3.33"),
        D("3.33"),
    ]
    assert allocate(D(0), [D("5")], "EUR") == [D(0)]
    assert allocate(D("5"), [], "EUR") == []


# --- Properties ---------------------------------------------------------------------------

currencies = st.sampled_from(["EUR", "USD", "JPY", "KWD", "GBP"])
prices = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False)
lines = st.lists(
    st.builds(
        PricingLine,
        key=st.text(min_size=1, max_size=3),
        unit_price=prices,
        quantity=st.integers(min_value=1, max_value=500),
        taxable=st.booleans(),
    ),
    min_size=1,
    max_size=8,
)
discounts = st.one_of(
    st.none(),
    st.builds(
        Discount,
        code=st.just("CODE"),
        kind=st.just(DiscountKind.PERCENTAGE),
        value=st.decimals(min_value=0, max_value=100, places=2),
        minimum_subtotal=st.one_of(st.none(), prices),
    ),
    st.builds(
        Discount,
        code=st.just("CODE"),
        kind=st.just(DiscountKind.FIXED_AMOUNT),
        value=st.decimals(min_value=0, max_value=1_000_000, places=2),
    ),
    st.builds(Discount, code=st.just("CODE"), kind=st.just(DiscountKind.FREE_SHIPPING)),
)
shippings = st.one_of(st.none(), st.builds(Shipping, name=st.just("ship"), amount=prices))
taxes = st.one_of(
    st.none(),
    st.builds(
        Tax,
        label=st.just("tax"),
        rate=st.decimals(min_value=0, max_value=D("0.27"), places=4),
        prices_include_tax=st.booleans(),
        applies_to_shipping=st.booleans(),
    ),
)


@given(currencies, lines, discounts, shippings, taxes)
def test_pricing_invariants(currency, line_items, discount, shipping, tax):
    result = calculate(PricingInput(currency, line_items, discount, shipping, tax))
    unit = minor_unit_exponent(currency)

    assert result.total >= 0
    assert (
        result.subtotal
        - result.discount
        + result.shipping
        - result.shipping_discount
        + result.tax_added
        == result.total
    )
    assert 0 <= result.discount <= result.subtotal
    assert 0 <= result.shipping_discount <= result.shipping
    assert sum(line.discount for line in result.lines) == result.discount
    assert sum(line.tax for line in result.lines) + result.shipping_tax == result.tax
    for line in result.lines:
        assert 0 <= line.discount <= line.subtotal
        assert line.tax >= 0
    if result.tax_included:
        # included tax is part of what is paid, never more than it
        assert result.tax <= result.subtotal - result.discount + result.shipping
    for amount in (result.subtotal, result.discount, result.shipping, result.tax, result.total):
        assert amount == amount.quantize(unit)


# --- Properties with the tax engine's per-line rates, included tax and duties ------------

rates = st.decimals(min_value=0, max_value=D("0.27"), places=4)


@st.composite
def assessed_inputs(draw):
    currency = draw(currencies)
    line_items = draw(
        st.lists(
            st.builds(
                PricingLine,
                key=st.text(alphabet="abcdefgh", min_size=1, max_size=3),
                unit_price=prices,
                quantity=st.integers(min_value=1, max_value=50),
                taxable=st.booleans(),
                included_tax_rate=rates,
            ),
            min_size=1,
            max_size=6,
            unique_by=lambda line: line.key,
        )
    )
    charged = {line.key: draw(rates) for line in line_items}
    shipping_rate = draw(rates)
    duty_amounts = draw(st.lists(st.decimals(min_value=0, max_value=500, places=0), max_size=3))

    def assess(currency_, lines_, shipping_net):
        assert all(line.amount >= 0 for line in lines_) and shipping_net >= 0
        return engine.Assessment(
            lines={key: engine.Charge(rate=rate, label="T") for key, rate in charged.items()},
            shipping=engine.Charge(rate=shipping_rate, label="T"),
            duties=tuple(engine.Duty(label="D", amount=amount) for amount in duty_amounts),
        )

    return PricingInput(
        currency,
        line_items,
        draw(discounts),
        draw(shippings),
        assess=assess,
        prices_include_tax=draw(st.booleans()),
        shipping_included_tax_rate=draw(rates),
    )


@given(assessed_inputs())
def test_pricing_invariants_with_the_engine(data):
    result = calculate(data)
    unit = minor_unit_exponent(data.currency)

    assert result.total >= 0
    assert (
        result.subtotal
        - result.discount
        + result.shipping
        - result.shipping_discount
        + result.tax_added
        + result.duties
        == result.total
    )
    assert sum(line.tax for line in result.lines) + result.shipping_tax == result.tax
    assert sum(duty.amount for duty in result.duty_lines) == result.duties
    assert sum(line.discount for line in result.lines) == result.discount
    assert sum(tax_line.amount for tax_line in result.tax_lines) == result.tax
    for line in result.lines:
        assert line.tax >= 0 and line.net >= 0
        assert line.adjustment <= 0  # included tax is only ever taken out
        if not data.prices_include_tax:
            assert line.adjustment == 0
    for amount in (result.tax, result.total, result.duties, result.tax_added):
        assert amount == amount.quantize(unit)
