"""Reading the rules: the display rate, the cache and its invalidation, the EU 10k threshold,
and the US economic-nexus tracker over paid orders."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.utils import timezone

from freehold.core import clock
from freehold.orders.models import Order
from freehold.taxes import engine, selectors, services
from freehold.taxes.engine import Line
from freehold.taxes.models import NexusThreshold, TaxProfile, TaxRate
from tests.factories import make_store_settings
from tests.taxes.conftest import merchant, register

D = Decimal
pytestmark = pytest.mark.usefixtures("rules")
_numbers = itertools.count(5000)


def paid_order(*, country, amount, placed, region="", currency="EUR", status="paid"):
    moment = timezone.make_aware(dt.datetime.combine(placed, dt.time(12)))
    return Order.objects.create(
        number=str(next(_numbers)),
        email="buyer@example.com",
        currency=currency,
        base_currency=currency,
        subtotal_amount=D(amount),
        total_amount=D(amount),
        base_total_amount=D(amount),
        shipping_address={"country_code": country, "region": region},
        payment_status=status,
        placed_at=moment,
        created_at=moment,
    )


def test_display_rate_is_what_the_merchant_collects_at_checkout():
    merchant("US")
    assert selectors.display_rate(country="FR") == 0  # no IOSS: VAT at the border

    register("ioss", number="IM2760000001")

    assert selectors.display_rate(country="FR") == D("0.20")
    assert selectors.display_rate(country="FR", tax_class="reduced") == D("0.055")
    assert selectors.display_rate(country="US") == 0


def test_the_store_single_rate_is_the_display_rate_at_home_until_the_merchant_registers():
    make_store_settings(country_code="DE", tax_rate_percent=D("19"), tax_label="MwSt")
    merchant("DE")

    assert selectors.display_rate(country="DE") == D("0.19")
    # charging VAT at home implies a German VAT number: German VAT on EU distance sales
    assert selectors.display_rate(country="AT") == D("0.19")
    assert selectors.display_rate(country="US") == 0  # exports carry no VAT

    register("eu_vat", country="DE", number="DE123456789")
    register("oss")

    assert selectors.display_rate(country="DE") == D("0.19")  # now from the rules
    # below the EUR 10,000 threshold a German merchant charges German VAT across the EU
    assert selectors.display_rate(country="AT") == D("0.19")
    context = selectors.tax_context()
    assert not selectors.uses_home_rate(context, country="DE")


def test_a_rule_write_moves_the_version_and_is_seen_at_once():
    merchant("US")
    register("ioss")
    version = TaxProfile.objects.get(pk=1).rules_version
    assert selectors.display_rate(country="FR") == D("0.20")

    services.tax_rate_save(
        data=services.TaxRateInput(
            country="FR", rate="0.21", label="VAT", valid_from=dt.date(2026, 1, 1)
        )
    )

    assert TaxProfile.objects.get(pk=1).rules_version != version
    assert selectors.display_rate(country="FR", on=dt.date(2026, 1, 2)) == D("0.21")
    assert selectors.display_rate(country="FR", on=dt.date(2025, 12, 31)) == D("0.20")


def test_the_rules_are_read_with_one_query_cached_or_not(django_assert_num_queries):
    # a process that has never read this version gets the rules' snapshot in the same query
    selectors.clear_cache()
    with django_assert_num_queries(1):
        cold = selectors.rules_on(dt.date(2026, 3, 1))
    with django_assert_num_queries(1):
        warm = selectors.rules_on(dt.date(2026, 3, 1))

    assert warm == cold
    assert any(rate.country == "DE" for rate in warm.rates)


def test_another_process_sees_a_rule_written_by_this_one():
    merchant("US")
    assert selectors.display_rate(country="FR") == 0
    # another process registers (its signals move the version in the database, not here)
    from freehold.taxes.models import TaxRegistration

    TaxRegistration.objects.bulk_create(
        [TaxRegistration(scheme="ioss", valid_from=dt.date(2020, 1, 1), number="IM2760000001")]
    )
    services.rules_changed()  # what the other process's save() did
    selectors._cache.clear()  # and this process never heard of it

    assert selectors.display_rate(country="FR") == D("0.20")


def eu_merchant_rules():
    merchant("DE")
    register("eu_vat", country="DE", number="DE123456789")
    register("oss")


def assess_france(on):
    context = selectors.tax_context(on)
    return selectors.assessor(context, country="FR")("EUR", [Line("mug", D("30"))], D(0))


def test_an_eu_merchant_below_the_10k_threshold_charges_its_own_vat():
    eu_merchant_rules()
    paid_order(country="FR", amount="9000.00", placed=dt.date(2026, 2, 1))
    paid_order(country="DE", amount="50000.00", placed=dt.date(2026, 2, 1))  # domestic

    result = assess_france(dt.date(2026, 3, 1))

    assert result.charge("mug").label == "VAT DE 19 %"
    assert result.outcome == "eu_origin_vat"


def test_an_eu_merchant_above_the_10k_threshold_charges_the_destination_vat():
    eu_merchant_rules()
    paid_order(country="FR", amount="6000.00", placed=dt.date(2025, 11, 1))
    paid_order(country="IT", amount="4500.00", placed=dt.date(2026, 2, 1))

    result = assess_france(dt.date(2026, 3, 1))

    assert result.charge("mug").label == "VAT FR 20 %"
    assert any("declared through OSS" in reason for reason in result.reasons)


def test_a_merchant_shipping_from_another_member_state_gets_no_threshold():
    merchant("DE", ships_from="NL")
    register("oss")

    result = assess_france(dt.date(2026, 3, 1))

    assert result.charge("mug").label == "VAT FR 20 %"
    assert TaxProfile.objects.get(pk=1).ships_from_country == "NL"


def test_a_non_eu_merchant_shipping_from_eu_stock_charges_destination_vat_from_the_first_euro():
    merchant("US", ships_from="NL")
    register("oss")

    result = assess_france(dt.date(2026, 3, 1))

    assert result.charge("mug").label == "VAT FR 20 %"
    assert not engine.Profile("US", "NL").eu_origin_threshold_applies


# --- The US nexus tracker ------------------------------------------------------------------


def status_of(region, on):
    return next(s for s in selectors.us_nexus_status(on) if s.region == region)


def test_the_tracker_counts_sales_and_transactions_per_state_and_calendar_year():
    paid_order(
        country="US", region="GA", amount="85000", placed=dt.date(2025, 6, 1), currency="USD"
    )
    for day in range(1, 4):
        paid_order(
            country="US", region="US-GA", amount="1000", currency="USD",
            placed=dt.date(2026, 1, day),
        )  # fmt: skip
    paid_order(
        country="US", region="GA", amount="99999", placed=dt.date(2026, 1, 5), currency="USD",
        status="awaiting_payment",
    )  # fmt: skip

    georgia = status_of("US-GA", dt.date(2026, 3, 1))

    assert (georgia.previous_year_sales, georgia.previous_year_transactions) == (D("85000.00"), 1)
    assert (georgia.current_year_sales, georgia.current_year_transactions) == (D("3000.00"), 3)
    assert (georgia.percent, georgia.state) == (D("85.0"), "warning")
    assert georgia.needs_attention


def test_crossing_a_threshold_by_transactions_alone():
    for day in range(200):
        paid_order(
            country="US", region="KY", amount="10", currency="USD",
            placed=dt.date(2026, 1, 1) + dt.timedelta(days=day),
        )  # fmt: skip

    assert status_of("US-KY", dt.date(2026, 9, 1)).state == "crossed"
    # Kentucky: $100k or 200 transactions; California counts sales only
    assert status_of("US-CA", dt.date(2026, 9, 1)).state == "ok"


def test_new_york_needs_both_sales_and_transactions():
    for day in range(3):
        paid_order(
            country="US", region="NY", amount="200000", currency="USD",
            placed=dt.date(2026, 1, 1 + day),
        )  # fmt: skip

    new_york = status_of("US-NY", dt.date(2026, 3, 1))

    assert new_york.sales == D("600000.00")
    assert new_york.combination == NexusThreshold.Combination.BOTH
    assert new_york.state == "ok"  # 3 of 100 transactions


def test_illinois_dropped_its_transaction_test_in_2026():
    for day in range(200):
        paid_order(
            country="US", region="IL", amount="10", currency="USD",
            placed=dt.date(2025, 5, 1) + dt.timedelta(days=day),
        )  # fmt: skip

    assert status_of("US-IL", dt.date(2025, 12, 31)).transactions_threshold == 200
    assert status_of("US-IL", dt.date(2025, 12, 31)).state == "crossed"
    assert status_of("US-IL", dt.date(2026, 1, 2)).transactions_threshold is None
    assert status_of("US-IL", dt.date(2026, 1, 2)).state == "ok"


def test_the_tracker_moves_with_the_clock():
    paid_order(
        country="US", region="WA", amount="90000", placed=dt.date(2025, 3, 1), currency="USD"
    )
    register("us_sales_tax", region="US-WA", rate="0.065")

    with clock.frozen_at(timezone.make_aware(dt.datetime(2026, 6, 1, 12))):
        this_year = status_of("US-WA", None)
    with clock.frozen_at(timezone.make_aware(dt.datetime(2027, 6, 1, 12))):
        two_years_on = status_of("US-WA", None)

    assert (this_year.state, this_year.registered) == ("warning", True)
    assert not this_year.needs_attention  # registered already
    assert two_years_on.state == "ok"
    assert two_years_on.previous_year_sales == 0


def test_every_state_of_section_4_5_has_a_threshold_on_a_day():
    regions = {s.region for s in selectors.us_nexus_status(dt.date(2026, 6, 1))}

    for state in ("SD", "IN", "WY", "NC", "UT", "IL", "CO", "IA", "LA", "ME", "MA", "ND", "WA",
                  "WI", "AK", "CA", "NY", "TX"):  # fmt: skip
        assert f"US-{state}" in regions
    assert TaxRate.objects.filter(country="FI", rate=D("0.255")).exists()
