"""The issue's table of real cases, through the rules loaded from the database defaults."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.taxes import engine, selectors
from freehold.taxes.engine import Consignment, Line
from tests.taxes.conftest import merchant, register

D = Decimal
BEFORE_FLAT_DUTY = dt.date(2026, 3, 2)
AFTER_FLAT_DUTY = dt.date(2026, 7, 2)
DAP_NOTICE = "duties_on_delivery"

pytestmark = pytest.mark.usefixtures("rules")


def no_conversion(amount, from_currency, to_currency):
    raise AssertionError(f"no conversion expected: {from_currency} to {to_currency}")


def assess(country, currency, lines, *, on=BEFORE_FLAT_DUTY, region="", mode="dap", shipping="0"):
    rules = selectors.rules_on(on)
    return engine.assess(
        Consignment(
            country=country,
            region=region,
            currency=currency,
            lines=lines,
            shipping=D(shipping),
            duties_mode=mode,
        ),
        rules,
        convert=no_conversion,
    )


def codes(assessment):
    return [notice.code for notice in assessment.notices]


@pytest.fixture
def us_merchant_with_ioss():
    merchant("US")
    register("ioss", number="IM2760000001")


def test_eur_120_to_france_under_ioss_carries_french_vat(us_merchant_with_ioss):
    result = assess("FR", "EUR", [Line("blouse", D("120.00"))], shipping="9.00")

    assert result.charge("blouse").rate == D("0.20")
    assert result.charge("blouse").label == "VAT FR 20 %"
    assert result.shipping.rate == D("0.20")  # the IOSS taxable amount includes transport
    assert codes(result) == []
    assert any("EU IOSS" in reason and "within 150" in reason for reason in result.reasons)


def test_three_blouses_of_eur_60_in_one_parcel_exceed_ioss(us_merchant_with_ioss):
    result = assess("DE", "EUR", [Line("blouse", D("180.00"), quantity=3)])

    assert result.charge("blouse").rate == 0
    assert codes(result) == [DAP_NOTICE]
    assert any("exceed 150" in reason for reason in result.reasons)


def test_eur_200_to_germany_gets_no_vat_and_the_dap_notice(us_merchant_with_ioss):
    result = assess("DE", "EUR", [Line("coat", D("200.00"))])

    assert (result.charge("coat").rate, result.shipping.rate) == (0, 0)
    assert codes(result) == [DAP_NOTICE]
    assert result.duties == ()


def test_shipping_does_not_count_towards_the_ioss_threshold(us_merchant_with_ioss):
    result = assess("FR", "EUR", [Line("blouse", D("150.00"))], shipping="30.00")

    assert result.charge("blouse").rate == D("0.20")


@pytest.mark.parametrize(
    ("amount", "rate", "notices"), [("100.00", D("0.20"), []), ("150.00", D(0), [DAP_NOTICE])]
)
def test_uk_vat_at_checkout_up_to_gbp_135(amount, rate, notices):
    merchant("US")
    register("uk_vat", number="GB123456789")

    result = assess("GB", "GBP", [Line("scarf", D(amount))])

    assert result.charge("scarf").rate == rate
    assert codes(result) == notices


def test_usd_50_to_a_state_without_nexus_carries_no_tax():
    merchant("US")
    register("us_sales_tax", region="US-NY", rate="0.08875")

    result = assess("US", "USD", [Line("mug", D("50.00"))], region="TX")

    assert result.charge("mug").rate == 0
    assert result.outcome == "us_no_nexus"
    assert codes(result) == []  # a domestic parcel: no customs


def test_nexus_in_new_york_charges_the_configured_rate():
    merchant("US")
    register("us_sales_tax", region="US-NY", rate="0.08875")

    result = assess("US", "USD", [Line("mug", D("50.00"))], region="NY", shipping="5.00")

    assert result.charge("mug") == engine.Charge(
        rate=D("0.08875"), label="Sales tax US-NY 8.875 %", country="US", region="US-NY"
    )
    assert result.shipping.rate == D("0.08875")


def test_us_duty_on_every_parcel_from_abroad_after_the_de_minimis_suspension():
    merchant("GB")
    silk = Line("silk", D("40.00"), hs_code="6206.10.00")

    before = assess("US", "USD", [silk], region="NY", mode="ddp", on=dt.date(2025, 8, 28))
    after = assess("US", "USD", [silk], region="NY", mode="ddp", on=dt.date(2025, 8, 29))

    assert before.duties == ()
    assert [(duty.label, duty.amount) for duty in after.duties] == [
        ("US duty US 6206.10 6.9 %", D("2.76"))
    ]


def blouses():
    return [
        Line("silk", D("40.00"), hs_code="6206.10.00"),
        Line("wool", D("60.00"), quantity=2, hs_code="6206.20.00"),
    ]


def test_eu_flat_duty_is_eur_3_per_distinct_subheading_from_july_2026(us_merchant_with_ioss):
    after = assess("DE", "EUR", blouses(), mode="ddp", on=AFTER_FLAT_DUTY)
    before = assess("DE", "EUR", blouses(), mode="ddp", on=BEFORE_FLAT_DUTY)

    assert [(duty.label, duty.amount) for duty in after.duties] == [
        ("EU flat duty 6206.10", D("3.00")),
        ("EU flat duty 6206.20", D("3.00")),
    ]
    assert sum(duty.amount for duty in after.duties) == D("6.00")
    assert before.duties == ()
    assert after.charge("silk").rate == D("0.19")  # IOSS VAT as well


def test_under_dap_the_flat_duty_is_announced_not_charged(us_merchant_with_ioss):
    result = assess("DE", "EUR", blouses(), mode="dap", on=AFTER_FLAT_DUTY)

    assert result.duties == ()
    assert codes(result) == [DAP_NOTICE]


def test_ddp_above_ioss_charges_import_vat_and_duty(us_merchant_with_ioss):
    result = assess("DE", "EUR", [Line("coat", D("200.00"), hs_code="620630")], mode="ddp")

    assert result.charge("coat").label == "Import VAT DE 19 %"
    assert [(duty.label, duty.amount) for duty in result.duties] == [
        ("EU duty EU 6206.30 12 %", D("24.00"))
    ]
    assert codes(result) == []


@pytest.mark.parametrize(
    ("day", "rate"), [(dt.date(2024, 8, 31), D("0.24")), (dt.date(2024, 9, 2), D("0.255"))]
)
def test_a_rate_change_is_a_date(us_merchant_with_ioss, day, rate):
    result = assess("FI", "EUR", [Line("book", D("20.00"))], on=day)

    assert result.charge("book").rate == rate


@pytest.mark.parametrize(
    ("day", "country", "rate"),
    [
        (dt.date(2024, 12, 31), "SK", D("0.20")),
        (dt.date(2025, 1, 1), "SK", D("0.23")),
        (dt.date(2025, 6, 30), "EE", D("0.22")),
        (dt.date(2025, 7, 1), "EE", D("0.24")),
        (dt.date(2025, 7, 31), "RO", D("0.19")),
        (dt.date(2025, 8, 1), "RO", D("0.21")),
    ],
)
def test_the_2025_standard_rate_changes(us_merchant_with_ioss, day, country, rate):
    assert assess(country, "EUR", [Line("a", D("10"))], on=day).charge("a").rate == rate


def test_product_tax_classes_take_their_rates(us_merchant_with_ioss):
    result = assess(
        "FR",
        "EUR",
        [
            Line("book", D("10"), tax_class="reduced"),
            Line("paper", D("10"), tax_class="super_reduced"),
            Line("gift", D("10"), tax_class="zero"),
            Line("voucher", D("10"), taxable=False),
        ],
    )

    assert [result.charge(key).rate for key in ("book", "paper", "gift", "voucher")] == [
        D("0.055"), D("0.021"), D(0), D(0),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("region", "rate", "label"),
    [("CA-ON", D("0.13"), "HST CA-ON 13 %"), ("AB", D("0.05"), "GST CA 5 %")],
)
def test_canada_hst_and_gst_with_a_registration(region, rate, label):
    merchant("CA")
    register("ca_gst_hst", number="123456789RT0001")

    result = assess("CA", "CAD", [Line("mug", D("30"))], region=region)

    assert (result.charge("mug").rate, result.charge("mug").label) == (rate, label)


def test_nova_scotia_hst_fell_to_14_percent_in_april_2025():
    merchant("CA")
    register("ca_gst_hst")
    line = [Line("mug", D("30"))]

    assert assess("CA", "CAD", line, region="NS", on=dt.date(2025, 3, 31)).charge("mug").rate == D(
        "0.15"
    )
    assert assess("CA", "CAD", line, region="NS", on=dt.date(2025, 4, 1)).charge("mug").rate == D(
        "0.14"
    )


def test_canada_without_a_registration_charges_nothing_at_checkout():
    merchant("US")

    result = assess("CA", "CAD", [Line("mug", D("30"))], region="ON")

    assert result.charge("mug").rate == 0
    assert codes(result) == [DAP_NOTICE]


@pytest.mark.parametrize(
    ("amount", "rate", "notices"), [("500", D("0.10"), []), ("1500", D(0), [DAP_NOTICE])]
)
def test_australian_gst_on_low_value_imports_with_a_registration(amount, rate, notices):
    merchant("GB")
    register("au_gst", number="ARN 3000 0000 0000")

    result = assess("AU", "AUD", [Line("jacket", D(amount))])

    assert result.charge("jacket").rate == rate
    assert codes(result) == notices


def test_japan_consumption_tax_with_a_registration():
    merchant("JP")
    register("jp_ct", number="T1234567890123")

    tea = Line("tea", D("1200"), tax_class="reduced")
    result = assess("JP", "JPY", [tea, Line("cup", D("800"))])

    assert [result.charge(key).rate for key in ("tea", "cup")] == [D("0.08"), D("0.10")]


def test_anywhere_else_no_tax_and_the_dap_notice_or_ddp_duty():
    merchant("US")

    dap = assess("CH", "CHF", [Line("mug", D("30"))])
    ddp = assess("CH", "CHF", [Line("mug", D("30"))], mode="ddp")

    assert dap.charge("mug").rate == 0 and codes(dap) == [DAP_NOTICE]
    assert ddp.duties == () and codes(ddp) == []
    assert any("no duty rate recorded" in reason for reason in ddp.reasons)


def test_a_threshold_in_another_currency_is_converted_and_a_missing_rate_is_cautious(
    us_merchant_with_ioss,
):
    rules = selectors.rules_on(BEFORE_FLAT_DUTY)
    parcel = Consignment(country="FR", currency="USD", lines=[Line("blouse", D("160.00"))])

    converted = engine.assess(parcel, rules, convert=lambda amount, _f, _t: amount * D("0.9"))
    unknown = engine.assess(parcel, rules, convert=no_conversion)

    assert converted.charge("blouse").rate == D("0.20")  # USD 160 = EUR 144
    assert unknown.charge("blouse").rate == 0
    assert any("no exchange rate USD to EUR" in reason for reason in unknown.reasons)


def test_without_the_merchants_country_no_import_is_assumed():
    merchant("")  # and the store has no country either

    result = assess("FR", "EUR", [Line("mug", D("30"))])

    assert result.outcome == "origin_unknown"
    assert (result.charge("mug").rate, codes(result), result.registered) == (0, [], False)


def test_a_merchant_without_any_us_registration_has_not_set_sales_tax_up():
    merchant("US")

    result = assess("US", "USD", [Line("mug", D("50.00"))], region="NY")

    # so a US store's single rate (its setting before the engine) still applies at home
    assert (result.charge("mug").rate, result.registered) == (0, False)


def test_canada_with_a_registration_from_abroad_announces_duty_under_dap():
    merchant("US")
    register("ca_gst_hst")

    result = assess("CA", "CAD", [Line("coat", D("300"), hs_code="620630")], region="ON")

    assert result.charge("coat").rate == D("0.13")
    assert codes(result) == [DAP_NOTICE]
