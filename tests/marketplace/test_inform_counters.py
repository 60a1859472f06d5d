"""INFORM counters and the high-volume rule, with a moving clock (compliance-rules.md 1.1-1.4)."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest

from freehold.core.clock import frozen_at
from freehold.marketplace import inform
from freehold.marketplace.inform import months_before
from freehold.marketplace.models import CertificationNotice, Vendor
from freehold.orders.models import Order, OrderLine
from freehold.orders.states import PaymentStatus
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
_numbers = itertools.count(500000)


def sell(
    product,
    *,
    count: int,
    total: str,
    first_at: dt.datetime,
    last_at: dt.datetime | None = None,
    currency: str = "USD",
    payment_status: str = PaymentStatus.PAID,
    quantity: int = 1,
) -> list[OrderLine]:
    """`count` paid orders of one line each, `total` split over them to the cent, paid evenly
    between `first_at` and `last_at`."""
    last_at = last_at or first_at
    total_cents = int(Decimal(total) * 100)
    each = total_cents // count
    variant = product.variants.first()
    step = (last_at - first_at) / max(count - 1, 1)
    orders = Order.objects.bulk_create(
        Order(
            number=str(next(_numbers)),
            email="buyer@example.com",
            currency=currency,
            base_currency=currency,
            payment_status=payment_status,
            placed_at=first_at + step * index,
            paid_at=first_at + step * index,
        )
        for index in range(count)
    )
    return OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=variant,
            product_title=product.title,
            quantity=quantity,
            currency=currency,
            unit_price_amount=Decimal(each) / 100,
            total_amount=Decimal(each + (total_cents - each * count if index == 0 else 0)) / 100,
        )
        for index, order in enumerate(orders)
    )


@pytest.fixture
def vendor() -> Vendor:
    enable_marketplace()
    return make_vendor()


def test_200_sales_and_4999_99_usd_is_not_high_volume(vendor):
    # Given 200 sales worth USD 4,999.99 last month
    sell(
        make_vendor_product(vendor),
        count=200,
        total="4999.99",
        first_at=NOW - dt.timedelta(days=30),
    )
    # Then the vendor is not high-volume, and at one more cent it is
    counters = inform.vendor_counters(vendor, on=NOW)
    assert (counters.best_sales, counters.best_revenue_usd) == (200, Decimal("4999.99"))
    assert not counters.high_volume
    sell(make_vendor_product(vendor), count=1, total="0.01", first_at=NOW - dt.timedelta(days=2))
    assert inform.is_high_volume(vendor, on=NOW)


def test_199_sales_and_50000_usd_is_not_high_volume(vendor):
    sell(
        make_vendor_product(vendor), count=199, total="50000", first_at=NOW - dt.timedelta(days=30)
    )
    assert not inform.is_high_volume(vendor, on=NOW)


def test_sales_in_months_3_to_14_back_qualify(vendor):
    # Given 200 sales for USD 5,000 spread from 14 to 3 months ago (one 12-month window)
    sell(
        make_vendor_product(vendor),
        count=200,
        total="5000",
        first_at=months_before(NOW, 14),
        last_at=months_before(NOW, 3),
    )
    # Then the vendor is high-volume today
    assert inform.is_high_volume(vendor, on=NOW)


def test_the_same_sales_25_months_back_do_not_count(vendor):
    sell(
        make_vendor_product(vendor),
        count=200,
        total="5000",
        first_at=months_before(NOW, 25) - dt.timedelta(days=20),
        last_at=months_before(NOW, 25),
    )
    assert not inform.is_high_volume(vendor, on=NOW)
    # while 24 months earlier they did
    assert inform.is_high_volume(vendor, on=months_before(NOW, 24))


def test_sales_spread_over_more_than_a_window_do_not_qualify(vendor):
    # 200 sales over 20 months: no 12-month window holds 200 of them
    sell(
        make_vendor_product(vendor),
        count=200,
        total="50000",
        first_at=months_before(NOW, 21),
        last_at=months_before(NOW, 1),
    )
    assert not inform.is_high_volume(vendor, on=NOW)


def test_used_goods_do_not_count(vendor):
    sell(
        make_vendor_product(vendor, is_new=False),
        count=300,
        total="9000",
        first_at=NOW - dt.timedelta(days=30),
    )
    assert inform.vendor_counters(vendor, on=NOW).best_sales == 0
    assert not inform.is_high_volume(vendor, on=NOW)


def test_unpaid_and_refunded_orders_do_not_count(vendor):
    product = make_vendor_product(vendor)
    sell(product, count=150, total="4000", first_at=NOW - dt.timedelta(days=30))
    sell(
        product,
        count=100,
        total="4000",
        first_at=NOW - dt.timedelta(days=30),
        payment_status=PaymentStatus.AWAITING_PAYMENT,
    )
    sell(
        product,
        count=100,
        total="4000",
        first_at=NOW - dt.timedelta(days=30),
        payment_status=PaymentStatus.REFUNDED,
    )
    assert inform.vendor_counters(vendor, on=NOW).best_sales == 150


def test_a_line_is_one_sale_and_refunded_units_are_taken_off(vendor):
    product = make_vendor_product(vendor)
    lines = sell(product, count=2, total="100", first_at=NOW - dt.timedelta(days=3), quantity=4)
    OrderLine.objects.filter(pk=lines[0].pk).update(quantity_refunded=1)
    OrderLine.objects.filter(pk=lines[1].pk).update(quantity_refunded=4)
    Order.objects.filter(pk__in=[line.order_id for line in lines]).update(
        payment_status=PaymentStatus.PARTIALLY_REFUNDED
    )
    counters = inform.vendor_counters(vendor, on=NOW)
    assert counters.best_sales == 1
    assert counters.best_revenue_usd == Decimal("37.50")


def test_other_currencies_are_converted_to_usd_at_the_rate_of_the_day(vendor):
    from freehold.markets.models import FxRate
    from freehold.markets.pricing import forget_rates

    forget_rates()
    sell(make_vendor_product(vendor), count=200, total="5000", currency="EUR", first_at=NOW)
    # Without a rate and with a base currency other than USD the revenue is left out (not guessed)
    assert inform.vendor_counters(vendor, on=NOW).best_revenue_usd == Decimal(0)
    # With the day's rate, EUR 5,000 at 1.10 is USD 5,500
    FxRate.objects.create(date=NOW.date(), base="EUR", quote="USD", rate=Decimal("1.10"))
    forget_rates()
    assert inform.vendor_counters(vendor, on=NOW).best_revenue_usd == Decimal("5500.00")


def test_qualifying_requests_the_information_due_in_10_days(vendor):
    sell(make_vendor_product(vendor), count=200, total="5000", first_at=NOW - dt.timedelta(days=5))
    with frozen_at(NOW):
        inform.vendor_recompute(vendor=vendor)
    vendor.refresh_from_db()
    assert vendor.high_volume_since == NOW
    assert vendor.info_requested_at == NOW
    notice = CertificationNotice.objects.get(vendor=vendor)
    assert (notice.kind, notice.due_at) == ("missing_info", NOW + dt.timedelta(days=10))
    assert inform.verification_status(vendor, on=NOW) == inform.INFO_REQUESTED


def test_the_daily_job_recomputes_and_a_second_run_requests_nothing_new(vendor):
    sell(make_vendor_product(vendor), count=200, total="5000", first_at=NOW - dt.timedelta(days=5))
    with frozen_at(NOW):
        assert inform.inform_recompute() == 1
    with frozen_at(NOW + dt.timedelta(days=1)):
        inform.inform_recompute()
    assert CertificationNotice.objects.filter(vendor=vendor).count() == 1
    # and the sales sliding out of the lookback end the high-volume status
    with frozen_at(months_before(NOW, -25)):
        inform.inform_recompute()
    vendor.refresh_from_db()
    assert vendor.high_volume_since is None


def test_paying_the_200th_sale_makes_the_vendor_high_volume(
    vendor, django_capture_on_commit_callbacks
):
    from freehold.core.audit import Actor
    from freehold.payments.services import payment_mark_paid

    product = make_vendor_product(vendor)
    sell(product, count=199, total="4990", first_at=NOW - dt.timedelta(days=5))
    [line] = sell(
        product,
        count=1,
        total="10",
        first_at=NOW - dt.timedelta(days=1),
        payment_status=PaymentStatus.AWAITING_PAYMENT,
    )
    Order.objects.filter(pk=line.order_id).update(paid_at=None, total_amount=Decimal(10))
    with frozen_at(NOW), django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(order=line.order, actor=Actor.system("staff"))
    vendor.refresh_from_db()
    assert vendor.high_volume_since == NOW
    assert inform.verification_status(vendor, on=NOW) == inform.INFO_REQUESTED
