"""Marketplace money: sub-orders at placement, commission, the ledger on payment and refund,
payouts. Orders are placed through the real checkout and paid through the real services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.catalog.models import Variant
from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.marketplace import money
from freehold.marketplace.models import LedgerEntry, Payout, SubOrder, Vendor
from freehold.orders.models import Order
from freehold.orders.operations import order_refund
from freehold.payments.services import payment_mark_paid
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product
from tests.orders.builders import make_variant, place_order

pytestmark = pytest.mark.django_db

STAFF = Actor.system("test")
MOMENT = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def vendor_variant(vendor: Vendor, price: str) -> Variant:
    product = make_vendor_product(vendor, price=price, currency="EUR", stock=50)
    return Variant.objects.get(product=product)


def entries(vendor: Vendor) -> list[tuple[str, Decimal]]:
    return [
        (entry.kind, entry.amount)
        for entry in LedgerEntry.objects.filter(vendor=vendor).order_by("id")
    ]


def balance(vendor: Vendor) -> Decimal:
    # summed in Python: SQLite's SUM of decimals is floating point
    return sum((entry.amount for entry in LedgerEntry.objects.filter(vendor=vendor)), Decimal(0))


@pytest.fixture
def two_vendors() -> tuple[Vendor, Vendor]:
    enable_marketplace(default_commission_percent=Decimal("10"), default_commission_fixed=0)
    # B's name sorts before A's handle on purpose: letters follow the vendors' names.
    alpha = make_vendor(name="Alpha Ceramics", commission_percent=Decimal("12.5"))
    beta = make_vendor(name="Beta Bags", commission_fixed_amount=Decimal("0.30"))
    return alpha, beta


def mixed_order(alpha: Vendor, beta: Vendor, *, paid: bool = False) -> Order:
    own = make_variant(title="Operator mug", price="20.00")
    bowl = vendor_variant(alpha, "10.05")
    tote = vendor_variant(beta, "7.99")
    strap = vendor_variant(beta, "3.33")
    return place_order([(own, 1), (bowl, 1), (tote, 2), (strap, 3)], paid=paid)


def test_an_order_from_the_operator_and_two_vendors_becomes_two_sub_orders(two_vendors):
    # given marketplace mode on and a cart with the operator's mug and three vendor items
    alpha, beta = two_vendors

    # when the shopper checks out once
    order = mixed_order(alpha, beta)

    # then the order keeps every line and two sub-orders split the vendors' lines
    assert order.lines.count() == 4
    first, second = SubOrder.objects.filter(order=order).order_by("number")
    assert (first.vendor, first.number) == (alpha, f"{order.number}-A")
    assert (second.vendor, second.number) == (beta, f"{order.number}-B")
    assert [row.order_line.sku for row in first.lines.all()] == [
        order.lines.get(variant__product__vendor_link__vendor=alpha).sku
    ]
    assert second.lines.count() == 2
    # and each subtotal is its lines' stored totals (after discounts)
    assert first.subtotal_amount == Decimal("10.05")
    assert second.subtotal_amount == Decimal("15.98") + Decimal("9.99")
    for suborder in (first, second):
        stored = sum(row.order_line.total_amount for row in suborder.lines.all())
        assert suborder.subtotal_amount == stored
    # and the commission: 12.5 % of 10.05 = 1.25625 → 1.26 (half up); 10 % of 25.97 plus
    # 0.30 for each of two lines = 2.597 + 0.60 → 3.20
    assert first.commission_amount == Decimal("1.26")
    assert second.commission_amount == Decimal("3.20")
    # and nothing is owed before payment
    assert not LedgerEntry.objects.exists()


def test_a_half_cent_commission_rounds_up_and_a_lower_one_down():
    enable_marketplace()
    up = make_vendor(commission_percent=Decimal("12.5"))
    down = make_vendor(commission_percent=Decimal("12.4"))
    settings = money.MarketplaceSettings.objects.get(pk=1)
    amounts = [
        money._cent(
            money.commission_for(
                subtotal=Decimal("10.05"), line_count=1, vendor=vendor, settings=settings
            ),
            "EUR",
        )
        for vendor in (up, down)
    ]
    assert amounts == [Decimal("1.26"), Decimal("1.25")]  # 1.25625 and 1.2462


def test_payment_credits_sales_and_debits_commission_once(two_vendors):
    alpha, beta = two_vendors
    order = mixed_order(alpha, beta)

    # when the order is paid
    payment_mark_paid(order=order, actor=STAFF)

    # then each vendor has its sale and the operator's commission
    assert entries(alpha) == [("sale", Decimal("10.05")), ("commission", Decimal("-1.26"))]
    assert entries(beta) == [("sale", Decimal("25.97")), ("commission", Decimal("-3.20"))]
    assert balance(alpha) == Decimal("8.79")

    # and recording the payment again (a replayed webhook) adds nothing
    assert money.ledger_record_sale(order=order) == []
    assert LedgerEntry.objects.count() == 4


def test_a_line_refund_claws_back_the_line_and_its_share_of_commission(two_vendors):
    alpha, beta = two_vendors
    order = mixed_order(alpha, beta, paid=True)
    straps = order.lines.get(quantity=3)  # beta's 3 x 3.33 = 9.99

    # when one strap is refunded, then the two others
    order_refund(order=order, actor=STAFF, lines={straps.pk: 1})
    order_refund(order=order, actor=STAFF, lines={straps.pk: 2})

    # then beta gives back 3.33 and 6.66 and gets back the commission cumulatively:
    # round(3.20 x 3.33 / 25.97) = 0.41, then round(3.20 x 9.99 / 25.97) = 1.23 in all
    assert entries(beta)[2:] == [
        ("refund", Decimal("-3.33")),
        ("commission_refund", Decimal("0.41")),
        ("refund", Decimal("-6.66")),
        ("commission_refund", Decimal("0.82")),
    ]
    # and alpha is untouched
    assert len(entries(alpha)) == 2

    # when the rest of beta's goods are refunded, the whole commission is back, exactly
    totes = order.lines.get(quantity=2)
    order_refund(order=order, actor=STAFF, lines={totes.pk: 2})
    assert balance(beta) == 0


def test_refunding_the_operators_own_line_touches_no_vendor(two_vendors):
    alpha, beta = two_vendors
    order = mixed_order(alpha, beta, paid=True)
    own = order.lines.get(variant__product__vendor_link__isnull=True)
    order_refund(order=order, actor=STAFF, lines={own.pk: 1})
    assert LedgerEntry.objects.count() == 4


def test_an_amount_refund_is_split_over_the_merchandise_and_adds_up_to_the_cent(two_vendors):
    alpha, beta = two_vendors
    order = mixed_order(alpha, beta, paid=True)
    merchandise = sum(line.total_amount for line in order.lines.all())  # 20.00 + 36.02
    total = order.total_amount

    # when an amount is refunded without lines
    order_refund(order=order, actor=STAFF, amount=Decimal("10.00"))

    # then each vendor's part is 10.00 x its subtotal / merchandise, the running sum rounded
    refunds = LedgerEntry.objects.filter(kind="refund")
    alpha_share = -refunds.get(vendor=alpha).amount
    beta_share = -refunds.get(vendor=beta).amount
    cent = Decimal("0.01")
    assert alpha_share == (Decimal("10.00") * Decimal("10.05") / merchandise).quantize(cent)
    assert alpha_share + beta_share == (
        Decimal("10.00") * (Decimal("10.05") + Decimal("25.97")) / merchandise
    ).quantize(cent)

    # when the rest of the order is refunded, every vendor is back to exactly zero
    order.refresh_from_db()
    order_refund(order=order, actor=STAFF, amount=total - Decimal("10.00"))
    assert balance(alpha) == 0
    assert balance(beta) == 0


def test_payouts_zero_the_balance_and_wait_for_the_interval(two_vendors):
    alpha, beta = two_vendors
    with frozen_at(MOMENT):
        mixed_order(alpha, beta, paid=True)

    # when the payout job runs a day later
    with frozen_at(MOMENT + dt.timedelta(days=1)):
        payouts = money.payouts_create()

    # then each vendor gets its balance paid out, its entries linked, its balance zero
    assert {(payout.vendor, payout.amount, payout.status) for payout in payouts} == {
        (alpha, Decimal("8.79"), Payout.Status.SCHEDULED),
        (beta, Decimal("22.77"), Payout.Status.SCHEDULED),
    }
    assert balance(alpha) == balance(beta) == 0
    assert not LedgerEntry.objects.filter(payout__isnull=True).exists()
    statement = money.payout_statement(payout=Payout.objects.get(vendor=alpha))
    assert statement.earned == Decimal("8.79")
    assert statement.totals == {
        "sale": Decimal("10.05"),
        "commission": Decimal("-1.26"),
        "payout": Decimal("-8.79"),
    }

    # and a new sale waits for the interval (14 days by default), then is paid out
    with frozen_at(MOMENT + dt.timedelta(days=2)):
        mixed_order(alpha, beta, paid=True)
    with frozen_at(MOMENT + dt.timedelta(days=3)):
        assert money.payouts_create() == []
    with frozen_at(MOMENT + dt.timedelta(days=15)):
        later = money.payouts_create()
    assert len(later) == 2
    assert later[0].period_start == MOMENT + dt.timedelta(days=1)
    assert balance(alpha) == 0


def test_a_negative_balance_is_not_paid_out(two_vendors):
    alpha, _ = two_vendors
    LedgerEntry.objects.create(
        vendor=alpha, kind="adjustment", amount=Decimal("-5"), currency="EUR"
    )
    assert money.payouts_create() == []


def test_a_suspended_vendors_payout_is_held_and_cannot_be_marked_paid(two_vendors, monkeypatch):
    alpha, beta = two_vendors
    mixed_order(alpha, beta, paid=True)
    # (suspension itself is the INFORM stream's; here only its verdict matters)
    from freehold.marketplace import inform

    monkeypatch.setattr(inform, "sales_allowed", lambda vendor, **_: vendor != alpha)

    payouts = {
        payout.vendor: payout
        for payout in money.payouts_create(now=money.clock.now() + dt.timedelta(seconds=1))
    }

    assert payouts[alpha].status == Payout.Status.HELD
    assert payouts[beta].status == Payout.Status.SCHEDULED
    assert balance(alpha) == 0  # the money is set aside in the held payout
    with pytest.raises(money.PayoutRefused):
        money.payout_mark_paid(payout=payouts[alpha], reference="TR-1", actor=STAFF)
    paid = money.payout_mark_paid(payout=payouts[beta], reference="TR-2", actor=STAFF)
    assert (paid.status, paid.reference) == (Payout.Status.PAID, "TR-2")


def test_marketplace_off_makes_no_sub_orders_and_no_ledger():
    # given vendor products but marketplace mode off
    vendor = make_vendor()
    order = place_order([(vendor_variant(vendor, "10.00"), 1)], paid=True)
    order_refund(order=order, actor=STAFF, amount=Decimal("1.00"))
    assert not SubOrder.objects.exists()
    assert not LedgerEntry.objects.exists()
    assert money.payouts_create() == []


def test_a_paid_webhook_credits_the_vendors_once_however_often_it_comes(two_vendors):
    from freehold.payments import gateways
    from freehold.payments.services import webhook_receive

    # given an order placed for the test gateway (hosted payment page)
    alpha, beta = two_vendors
    own = make_variant(title="Operator mug", price="20.00")
    order = place_order([(own, 1), (vendor_variant(alpha, "10.05"), 1)], gateway="test")
    gateway = gateways.get("test")
    start = gateway.start(order, return_url="/", cancel_url="/")

    # when the provider says "paid", then repeats itself, then sends another paid event
    body, headers = gateway.simulate(start.session, "pay")  # type: ignore[attr-defined]
    webhook_receive(gateway_code="test", body=body, headers=headers)
    webhook_receive(gateway_code="test", body=body, headers=headers)
    again = gateway.simulate(start.session, "challenge_pass")  # type: ignore[attr-defined]
    webhook_receive(gateway_code="test", body=again[0], headers=again[1])

    # then the vendor has one sale and one commission
    assert entries(alpha) == [("sale", Decimal("10.05")), ("commission", Decimal("-1.26"))]
    assert entries(beta) == []
