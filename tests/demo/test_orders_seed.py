"""The demo seed's 18 months of orders: their shape over time, their buyers and their sums.

A small store is seeded once for this module at a fixed moment (so the months are known) and
deleted afterwards; each test reads it inside its own rolled-back transaction. Pictures are
skipped: orders do not need them.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.db.models import Sum

from freehold.catalog.models import Product
from freehold.core import clock
from freehold.core.money import minor_unit_exponent
from freehold.customers.models import Customer
from freehold.demo.orders import Buyer, SellableVariant, generate_orders
from freehold.demo.seed import seed, wipe
from freehold.orders.models import (
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    OrderNumberSequence,
    Payment,
)
from freehold.orders.services import order_number_next
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus

PRODUCTS, CUSTOMERS, ORDERS = 20, 60, 600
NOW = dt.datetime(2025, 6, 15, 12, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    # Only the generated history: the marketplace's few orders, placed through the checkout
    # (numbered after it, not in `sales_count`), are tested in test_demo_marketplace.py.
    with (
        django_db_blocker.unblock(),
        clock.frozen_at(NOW),
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr("freehold.demo.seed.seed_marketplace", lambda **_: [])
        result = seed(
            products=PRODUCTS, customers=CUSTOMERS, orders=ORDERS, progress=False, images=False
        )
    with django_db_blocker.unblock():
        yield result
        wipe()
        Customer.objects.all().delete()


@pytest.mark.django_db
def test_orders_span_the_eighteen_months_before_now(seeded):
    placed = Order.objects.values_list("placed_at", flat=True)

    assert seeded.orders == ORDERS == len(placed)
    assert min(placed) >= NOW - dt.timedelta(days=548)
    assert min(placed) < NOW - dt.timedelta(days=500)
    assert max(placed) <= NOW
    assert max(placed) > NOW - dt.timedelta(days=30)


@pytest.mark.django_db
def test_november_and_december_sell_more_a_day_than_february(seeded):
    months = Counter(
        (moment.year, moment.month) for moment in Order.objects.values_list("placed_at", flat=True)
    )

    holiday_per_day = (months[2024, 11] + months[2024, 12]) / 61
    february_per_day = max(months[2024, 2] / 29, months[2025, 2] / 28)
    assert holiday_per_day > 1.3 * february_per_day


@pytest.mark.django_db
def test_some_customers_order_several_times_and_never_before_they_joined(seeded):
    per_customer = Counter(
        Order.objects.exclude(customer=None).values_list("customer_id", flat=True)
    )

    assert sum(1 for count in per_customer.values() if count >= 2) >= 5
    assert max(per_customer.values()) <= 6
    for order in Order.objects.exclude(customer=None).select_related("customer"):
        assert order.placed_at > order.customer.date_joined
        assert order.shipping_address["country_code"] == order.customer.country_code


@pytest.mark.django_db
def test_orders_know_when_their_e_mail_or_account_first_ordered(seeded):
    orders = list(Order.objects.order_by("placed_at", "id"))
    first_by_email: dict[str, dt.datetime] = {}
    first_by_customer: dict[int, dt.datetime] = {}
    for order in orders:
        known = [first_by_email.get(order.email), first_by_customer.get(order.customer_id or 0)]
        earlier = min((moment for moment in known if moment is not None), default=None)
        expected = earlier if earlier is not None and earlier < order.placed_at else None
        assert order.customer_first_order_at == expected, order.number
        first_by_email.setdefault(order.email, order.placed_at)
        if order.customer_id is not None:
            first_by_customer.setdefault(order.customer_id, order.placed_at)

    assert sum(order.customer_first_order_at is not None for order in orders) >= 5


@pytest.mark.django_db
def test_order_totals_add_up_from_their_lines_and_shipping(seeded):
    cent = minor_unit_exponent("EUR")
    line_sums = dict(
        OrderLine.objects.values("order_id")
        .annotate(total=Sum("total_amount"))
        .values_list("order_id", "total")
    )

    for order in Order.objects.all():
        assert order.currency == "EUR"
        assert order.tax_included
        assert order.subtotal_amount == line_sums[order.pk]
        assert order.shipping_amount == (
            Decimal(0) if order.subtotal_amount >= 75 else Decimal("4.90")
        )
        assert abs(order.subtotal_amount + order.shipping_amount - order.total_amount) < cent
        expected_tax = order.total_amount * Decimal("0.19") / Decimal("1.19")
        # Tax is rounded per line and on shipping, so it may differ by a cent a line.
        assert abs(order.tax_amount - expected_tax) <= cent * 5


@pytest.mark.django_db
def test_lines_copy_the_variant_at_the_time_of_sale(seeded):
    line = OrderLine.objects.select_related("variant__product").first()

    assert line.product_title == line.variant.product.title
    assert line.sku == line.variant.sku
    assert line.unit_price_amount == line.variant.price_amount
    assert line.unit_cost_amount == line.variant.cost_amount
    assert line.total_amount == line.unit_price_amount * line.quantity
    assert line.variant.product.status == Product.Status.ACTIVE


@pytest.mark.django_db
def test_most_orders_are_paid_and_shipped_and_fulfilments_cover_their_lines(seeded):
    statuses = Counter(Order.objects.values_list("payment_status", flat=True))
    shipped = Order.objects.filter(
        fulfilment_status__in=[FulfilmentStatus.FULFILLED, FulfilmentStatus.RETURNED]
    )
    fulfilled_units = dict(
        FulfilmentLine.objects.values("order_line_id")
        .annotate(units=Sum("quantity"))
        .values_list("order_line_id", "units")
    )

    assert statuses[PaymentStatus.PAID] > 0.85 * ORDERS
    assert shipped.count() > 0.85 * ORDERS
    for line in OrderLine.objects.filter(order__in=shipped):
        assert line.quantity_fulfilled == line.quantity == fulfilled_units[line.pk]
    assert not OrderLine.objects.exclude(order__in=shipped).exclude(quantity_fulfilled=0).exists()
    parcels = Fulfilment.objects.filter(order__in=shipped)
    assert parcels.count() == shipped.count()
    assert set(parcels.values_list("carrier", flat=True)) <= {"DHL", "UPS"}
    assert not parcels.filter(tracking_number="").exists()
    assert not parcels.filter(shipped_at=None).exists()


@pytest.mark.django_db
def test_captures_carry_a_fee_and_refunded_orders_have_a_refund(seeded):
    refunded = Order.objects.filter(payment_status=PaymentStatus.REFUNDED)
    cancelled = Order.objects.filter(status=OrderStatus.CANCELLED)

    assert refunded.exists()
    assert cancelled.exists()
    for order in refunded:
        refund = order.payments.get(kind=Payment.Kind.REFUND)
        assert refund.amount == order.total_amount
        assert refund.status == Payment.Status.SUCCEEDED
    for capture in Payment.objects.filter(kind=Payment.Kind.CAPTURE).select_related("order"):
        total = capture.order.total_amount
        assert capture.amount == total
        expected = total * Decimal("0.015") + Decimal("0.25")
        assert abs(capture.fee_amount - expected) <= Decimal("0.005")
    assert not Payment.objects.filter(order__in=cancelled, kind=Payment.Kind.CAPTURE).exists()
    awaiting = Order.objects.filter(payment_status=PaymentStatus.AWAITING_PAYMENT)
    assert not awaiting.filter(placed_at__lt=NOW - dt.timedelta(days=4)).exists()


@pytest.mark.django_db
def test_order_numbers_are_unique_and_live_orders_continue_after_them(seeded):
    numbers = sorted(int(number) for number in Order.objects.values_list("number", flat=True))

    assert numbers == list(range(1001, 1001 + ORDERS))
    assert OrderNumberSequence.objects.get().last_value == 1000 + ORDERS
    assert order_number_next() == str(1001 + ORDERS)


@pytest.mark.django_db
def test_sales_counts_follow_the_units_sold(seeded):
    sold = dict(
        OrderLine.objects.exclude(order__status=OrderStatus.CANCELLED)
        .exclude(order__payment_status=PaymentStatus.REFUNDED)
        .values("variant__product_id")
        .annotate(units=Sum("quantity"))
        .values_list("variant__product_id", "units")
    )

    counts = dict(Product.objects.values_list("id", "sales_count"))
    assert sold
    assert {pk: units for pk, units in counts.items() if units} == sold


def test_the_same_seed_generates_the_same_orders():
    buyers = [
        Buyer(
            customer_id=number,
            email=f"buyer{number}@example.com",
            language="de",
            joined=NOW - dt.timedelta(days=number * 7),
            addresses=({"line1": f"Hauptstraße {number}", "country_code": "DE"},),
        )
        for number in range(1, 40)
    ]
    variants = [
        SellableVariant(
            variant_id=number,
            product_id=number // 3,
            product_title=f"Product {number // 3}",
            variant_title=f"Size {number % 3}",
            sku=f"SKU-{number}",
            price=Decimal("19.90") + number,
            cost=Decimal("7.10"),
            hs_code="",
            country_of_origin="PT",
        )
        for number in range(1, 30)
    ]

    def summary(seed):
        return [
            (
                order.customer_id,
                order.email,
                order.placed_at,
                order.total,
                order.payment_status,
                [(line.variant.sku, line.quantity) for line in order.lines],
            )
            for order in generate_orders(
                count=200, seed=seed, now=NOW, currency="EUR", buyers=buyers, variants=variants
            )
        ]

    first = summary(42)
    assert first == summary(42)
    assert first != summary(7)
    assert [placed for _, _, placed, *_ in first] == sorted(placed for _, _, placed, *_ in first)


@pytest.mark.django_db
def test_the_application_inserts_after_the_seeded_rows_and_addresses_read_back(seeded):
    # Given orders written by COPY / executemany with keys the seed handed out itself
    highest = Order.objects.order_by("-pk").values_list("pk", flat=True).first()
    seeded_order = Order.objects.exclude(shipping_address={}).first()

    # When the application creates an order the ordinary way
    order = Order.objects.create(number="x-1", email="late@example.com", currency="EUR")

    # Then its key follows the seeded ones (the sequence was moved past them)
    assert order.pk > highest
    # And JSON columns come back as the dicts the generator wrote
    assert isinstance(seeded_order.shipping_address, dict)
    assert seeded_order.shipping_address["country_code"]
    assert seeded_order.payment_gateway in {"test", "manual"}
