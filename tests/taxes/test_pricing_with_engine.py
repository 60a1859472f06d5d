"""The pricing pipeline with the engine's assessment: per-line rates on discounted lines,
tax-inclusive prices split to the cent, included tax taken out when not charged, duties."""

from __future__ import annotations

from decimal import Decimal

from freehold.checkout.pricing import (
    Discount,
    DiscountKind,
    PricingInput,
    PricingLine,
    Shipping,
    calculate,
)
from freehold.taxes import engine

D = Decimal


def fixed(rates, *, shipping=None, duties=(), notices=(), seen=None):
    """An assessor answering `rates` (key -> rate), recording what it was asked."""

    def assess(currency, lines, shipping_net):
        if seen is not None:
            seen.append((currency, list(lines), shipping_net))
        return engine.Assessment(
            lines={
                key: engine.Charge(rate=rate, label=f"VAT {engine.percent(rate)}")
                for key, rate in rates.items()
            },
            shipping=engine.Charge(rate=shipping, label=f"VAT {engine.percent(shipping)}")
            if shipping
            else engine.NO_CHARGE,
            duties=tuple(duties),
            notices=tuple(notices),
            reasons=("assessed",),
        )

    return assess


def test_the_engine_sees_the_discounted_lines_net_of_included_tax():
    seen = []
    result = calculate(
        PricingInput(
            currency="EUR",
            lines=[
                PricingLine("a", D("119.00"), 1, included_tax_rate=D("0.19")),
                PricingLine("b", D("59.50"), 2, included_tax_rate=D("0.19")),
            ],
            discount=Discount("TEN", DiscountKind.PERCENTAGE, D(10)),
            shipping=Shipping("DHL", D("5.95")),
            assess=fixed({"a": D("0.19"), "b": D("0.19")}, shipping=D("0.19"), seen=seen),
            prices_include_tax=True,
            shipping_included_tax_rate=D("0.19"),
        )
    )

    currency, lines, shipping_net = seen[0]
    assert currency == "EUR"
    # 119.00 - 11.90 = 107.10 gross -> 90.00 net; 119.00 - 11.90 -> 90.00; shipping 5.00
    assert [line.amount for line in lines] == [D("90.00"), D("90.00")]
    assert shipping_net == D("5.00")
    # the charged rate is the included one: the price stays, the VAT inside is split out
    assert [line.tax for line in result.lines] == [D("17.10"), D("17.10")]
    assert result.shipping_tax == D("0.95")
    assert result.tax_added == 0
    assert result.total == D("238.00") - D("23.80") + D("5.95")
    assert "assessed" in result.reasons


def test_a_tax_inclusive_price_is_split_to_the_cent():
    # 3 x 9.99 at 20 % included: 29.97 holds 4.995 -> 5.00 of VAT, 24.97 net
    result = calculate(
        PricingInput(
            currency="GBP",
            lines=[PricingLine("a", D("9.99"), 3, included_tax_rate=D("0.20"))],
            assess=fixed({"a": D("0.20")}),
            prices_include_tax=True,
        )
    )

    assert result.lines[0].tax == D("5.00")
    assert result.lines[0].net == D("29.97")
    assert result.total == D("29.97")


def test_vat_included_but_not_charged_is_taken_out_of_the_line():
    # EUR 200 to Germany under DAP: no VAT at checkout, so the 19 % inside the price goes
    result = calculate(
        PricingInput(
            currency="EUR",
            lines=[PricingLine("coat", D("238.00"), 1, included_tax_rate=D("0.19"))],
            shipping=Shipping("DHL", D("11.90")),
            assess=fixed({"coat": D(0)}, notices=[engine.Notice("duties_on_delivery", "x")]),
            prices_include_tax=True,
            shipping_included_tax_rate=D("0.19"),
        )
    )

    assert result.lines[0].adjustment == D("-38.00")
    assert result.lines[0].net == D("200.00")
    assert result.tax == 0
    assert result.tax_added == D("-38.00") + D("-1.90")
    assert result.total == D("210.00")
    assert [notice.code for notice in result.notices] == ["duties_on_delivery"]
    assert any("taken out" in reason for reason in result.reasons)


def test_another_rate_than_the_included_one_is_charged_on_the_net():
    # shown with German 19 %, shipped to France under IOSS at 20 %
    result = calculate(
        PricingInput(
            currency="EUR",
            lines=[PricingLine("a", D("119.00"), 1, included_tax_rate=D("0.19"))],
            assess=fixed({"a": D("0.20")}),
            prices_include_tax=True,
        )
    )

    assert (result.lines[0].net, result.lines[0].tax) == (D("100.00"), D("20.00"))
    assert result.tax_added == D("1.00")
    assert result.total == D("120.00")


def test_duties_are_added_to_the_total():
    duty = engine.Duty(label="EU flat duty 6206.10", amount=D("3.00"), country="EU")
    result = calculate(
        PricingInput(
            currency="EUR",
            lines=[PricingLine("a", D("40.00"), 1)],
            assess=fixed({"a": D("0.19")}, duties=[duty, duty]),
        )
    )

    assert result.duties == D("6.00")
    assert result.tax == D("7.60")
    assert result.total == D("40.00") + D("7.60") + D("6.00")
    assert result.tax_lines[0].label == "VAT 19 %"


def test_tax_lines_sum_per_label():
    result = calculate(
        PricingInput(
            currency="EUR",
            lines=[PricingLine(key, D("10"), 1) for key in "abc"],
            shipping=Shipping("Post", D("5")),
            assess=fixed({"a": D("0.2"), "b": D("0.2"), "c": D("0.055")}, shipping=D("0.2")),
        )
    )

    assert [(line.label, line.amount) for line in result.tax_lines] == [
        ("VAT 20 %", D("5.00")),
        ("VAT 5.5 %", D("0.55")),
    ]
