"""The US sales-tax nexus tracker in the dashboard: per state sales and transactions against
the threshold, the progress bar and the state badge, registered or not, moving with the clock;
and its warnings on the home page's to-do list within the home page's query budget."""

from __future__ import annotations

import datetime as dt
import html
import itertools
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from freehold.core import clock
from freehold.markets import pricing
from freehold.markets.fx import RECORDED_DAILY_FILE
from freehold.markets.services import fx_rates_import
from freehold.orders.models import Order
from freehold.taxes import services
from freehold.taxes.models import TaxRegistration
from tests.factories import make_store_settings
from tests.orders.builders import address, make_variant, place_order

pytestmark = pytest.mark.django_db

NEXUS = "/dashboard/settings/taxes/nexus/"
HOME = "/dashboard/"
D = Decimal
JUNE_2026 = timezone.make_aware(dt.datetime(2026, 6, 1, 12))
_numbers = itertools.count(7000)


@pytest.fixture(autouse=True)
def rules(db) -> Iterator[None]:
    services.defaults_load()
    services.rules_changed()
    pricing.forget_rates()
    yield
    pricing.forget_rates()


@pytest.fixture
def june_2026() -> Iterator[None]:
    with clock.frozen_at(JUNE_2026):
        yield


def paid_orders(state: str, *, count: int, amount: str, placed: dt.date) -> None:
    """`count` paid orders of `amount` USD shipped to a state, placed on one day."""
    moment = timezone.make_aware(dt.datetime.combine(placed, dt.time(12)))
    Order.objects.bulk_create(
        Order(
            number=str(next(_numbers)), email="buyer@example.com", currency="USD",
            base_currency="USD", subtotal_amount=D(amount), total_amount=D(amount),
            base_total_amount=D(amount),
            shipping_address={"country_code": "US", "region": state},
            payment_status="paid", placed_at=moment, created_at=moment,
        )
        for _ in range(count)
    )  # fmt: skip


def register(region: str, rate: str = "0.06") -> TaxRegistration:
    return services.tax_registration_save(
        data=services.TaxRegistrationInput(
            scheme="us_sales_tax", region=region, rate=rate, valid_from=dt.date(2020, 1, 1)
        )
    )


def a_year_of_us_sales() -> None:
    """Georgia at 85 % of $100,000 (last year), Kentucky past 200 transactions this year,
    Washington at 90 % but registered there."""
    paid_orders("US-GA", count=1, amount="85000", placed=dt.date(2025, 3, 1))
    paid_orders("KY", count=200, amount="10", placed=dt.date(2026, 2, 1))
    paid_orders("WA", count=1, amount="90000", placed=dt.date(2026, 3, 1))
    register("US-WA", "0.065")


def text(response) -> str:
    return html.unescape(response.content.decode())


def row_of(page: str, region: str) -> str:
    return page.split(f'id="nexus-{region}"')[1].split("</tr>")[0]


def test_the_tracker_shows_each_state_against_its_threshold(owner_client, june_2026):
    a_year_of_us_sales()

    page = text(owner_client.get(NEXUS))

    georgia = row_of(page, "US-GA")
    assert "Georgia" in georgia
    assert "$85,000.00" in georgia and "$100,000 or 200 transactions" in georgia
    assert 'data-step="85"' in georgia and "85.0 %" in georgia
    assert "Approaching" in georgia and "Register in Georgia" in georgia
    kentucky = row_of(page, "US-KY")
    assert re.search(r">200</td>", kentucky) and "$2,000.00" in kentucky
    assert 'data-step="100"' in kentucky and "Crossed" in kentucky
    washington = row_of(page, "US-WA")
    assert "Approaching" in washington and "Registered" in washington
    assert "$500,000" in row_of(page, "US-CA")
    assert "$500,000 and 100 transactions" in row_of(page, "US-NY")
    assert "OK" in row_of(page, "US-TX") and 'data-step="0"' in row_of(page, "US-TX")
    # the states needing attention come first
    assert page.index('id="nexus-US-KY"') < page.index('id="nexus-US-GA"')
    assert page.index('id="nexus-US-GA"') < page.index('id="nexus-US-AL"')
    assert "2 states need your attention." in page


def test_a_paid_checkout_to_new_york_counts_in_dollars(owner_client):
    make_store_settings(country_code="GB")
    fx_rates_import(data=RECORDED_DAILY_FILE.read_bytes())  # 1 EUR = 1.0163 USD
    pricing.forget_rates()
    lamp = make_variant(title="Brass Lamp", price="100.00")
    new_york = address(
        line1="1 Main St", city="New York", postal_code="10001", country_code="US", region="NY"
    )
    with clock.frozen_at(JUNE_2026):
        place_order([(lamp, 1)], shipping_address=new_york, paid=True)
        place_order([(lamp, 1)], shipping_address=new_york, paid=False)  # not paid: no sale

        row = row_of(text(owner_client.get(NEXUS)), "US-NY")

    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    # EUR 100.00 at the ECB's 1.0163: one paid sale this year, none last year
    assert cells == ["$101.63", "1", "$0.00", "0"]


def test_the_tracker_moves_with_the_clock(owner_client):
    a_year_of_us_sales()

    with clock.frozen_at(timezone.make_aware(dt.datetime(2027, 6, 1, 12))):
        next_year = text(owner_client.get(NEXUS))
    with clock.frozen_at(timezone.make_aware(dt.datetime(2028, 6, 1, 12))):
        two_years_on = text(owner_client.get(NEXUS))

    # 2026's Kentucky orders are last year's in 2027, forgotten in 2028; Georgia's 2025 too
    assert "Crossed" in row_of(next_year, "US-KY")
    assert "OK" in row_of(next_year, "US-GA")
    assert "OK" in row_of(two_years_on, "US-KY")
    assert "need your attention" not in two_years_on


def test_the_tracker_runs_a_constant_number_of_queries(
    owner_client, june_2026, django_assert_max_num_queries
):
    a_year_of_us_sales()
    owner_client.get(NEXUS)
    for state in ("NY", "CA", "TX", "FL", "IL", "OH", "PA", "MI", "NJ", "VA"):
        paid_orders(state, count=3, amount="100", placed=dt.date(2026, 4, 1))

    # session, user, thresholds, the orders by state, registrations, the store's menu and
    # settings
    with django_assert_max_num_queries(7):
        response = owner_client.get(NEXUS)
    assert ">3</td>" in row_of(text(response), "US-OH")


# --- The home page's to-do list ------------------------------------------------------------


def test_home_warns_of_states_near_and_past_their_threshold(owner_client, june_2026):
    a_year_of_us_sales()

    page = text(owner_client.get(HOME))

    assert re.search(
        r"Sales tax: approaching the economic-nexus threshold in <strong[^>]*>1</strong> state<",
        page,
    )
    assert re.search(
        r"Sales tax: crossed in <strong[^>]*>1</strong> state — register and collect", page
    )
    assert page.count(f'href="{NEXUS}"') == 2


def test_registering_in_a_state_clears_its_warning_at_once(owner_client, june_2026):
    a_year_of_us_sales()
    assert "crossed in" in text(owner_client.get(HOME))

    owner_client.post(
        "/dashboard/settings/taxes/registrations/new/",
        {"scheme": "us_sales_tax", "region": "US-KY", "rate_percent": "6",
         "tax_shipping": "on", "is_active": "on", "valid_from": "2026-06-01"},
    )  # fmt: skip

    page = text(owner_client.get(HOME))
    assert "crossed in" not in page
    assert "approaching the economic-nexus threshold in" in page
    assert "Registered" in row_of(text(owner_client.get(NEXUS)), "US-KY")


def test_home_says_nothing_of_sales_tax_without_a_warning(owner_client, june_2026):
    paid_orders("TX", count=1, amount="50", placed=dt.date(2026, 5, 1))

    assert "Sales tax" not in text(owner_client.get(HOME))


def test_staff_without_the_settings_permission_see_no_tax_warning(
    staff_client_with, june_2026, django_assert_max_num_queries
):
    a_year_of_us_sales()
    client = staff_client_with("orders", "products")
    client.get(HOME)

    # (PostgreSQL adds the reporting transaction's settings, its savepoint and release)
    with django_assert_max_num_queries(7 if connection.vendor == "sqlite" else 10) as queries:
        page = text(client.get(HOME))

    assert "Sales tax" not in page
    assert not any("taxes_nexusthreshold" in query["sql"] for query in queries.captured_queries)


def test_home_keeps_its_query_budget_with_nexus_warnings(
    owner_client, june_2026, django_assert_max_num_queries
):
    make_store_settings(currency="EUR")
    a_year_of_us_sales()
    for state in ("NY", "CA", "TX", "FL", "IL"):
        paid_orders(state, count=3, amount="100", placed=dt.date(2026, 4, 1))
    owner_client.get(HOME)  # warm the store settings' cache (and the day's nexus count)

    # The budget of tests/dashboard/test_home.py: session, user, 3 to-do counts, 3 figures,
    # the funnel and the channels (PostgreSQL adds the reporting transaction's settings, its
    # savepoint and release).
    with django_assert_max_num_queries(10 if connection.vendor == "sqlite" else 13):
        page = text(owner_client.get("/dashboard/?period=30"))
    assert "crossed in" in page
