"""Cancelling, shipping, refunding and expiring orders placed through the real checkout."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from freehold.catalog.models import StockMovement, Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.core.money import Money
from freehold.orders.errors import FulfilmentRefused, OrderNotCancellable, RefundRefused
from freehold.orders.models import Order, OrderLine, Payment
from freehold.orders.operations import (
    fulfilment_create,
    fulfilment_mark_delivered,
    order_cancel,
    order_refund,
    orders_expire_unpaid,
)
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.payments.services import payment_mark_paid
from tests.factories import make_product

pytestmark = pytest.mark.django_db

STAFF = Actor(kind=AuditEvent.ActorKind.STAFF, id="7", label="staff@example.com")
MOMENT = dt.datetime(2025, 3, 4, 12, 0, tzinfo=dt.UTC)


def variant_of(product) -> Variant:
    return Variant.objects.get(product=product)


def place(*items: tuple[Variant, int]) -> Order:
    cart = cart_create(currency="EUR")
    for variant, quantity in items:
        cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    return checkout_complete(
        cart_token=cart.token, email="ana@example.com", idempotency_key=uuid.uuid4().hex
    )


def stock_of(variant: Variant) -> int:
    variant.refresh_from_db(fields=["stock_quantity"])
    return variant.stock_quantity


def line_of(order: Order, variant: Variant) -> OrderLine:
    return order.lines.get(variant=variant)


def paid_order(*items: tuple[Variant, int]) -> Order:
    order = place(*items)
    payment_mark_paid(order=order, actor=STAFF)
    order.refresh_from_db()
    return order


def test_cancel_restocks_every_line_and_is_audited():
    # given an unpaid order for 2 mugs and 1 tote
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    tote = variant_of(make_product(price="30.00", stock=3, currency="EUR"))
    order = place((mug, 2), (tote, 1))
    assert (stock_of(mug), stock_of(tote)) == (3, 2)

    # when staff cancel it
    order_cancel(order=order, actor=STAFF, reason="customer asked")

    # then the units are back, the order is cancelled and the audit names staff and reason
    assert (stock_of(mug), stock_of(tote)) == (5, 3)
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.cancelled_at is not None
    event = AuditEvent.objects.get(verb="order.status_changed", object_id=str(order.pk))
    assert (event.actor_id, event.from_state, event.to_state) == ("7", "open", "cancelled")
    assert event.data["reason"] == "customer asked"
    assert event.data["restocked"] == {
        str(line_of(order, mug).pk): 2,
        str(line_of(order, tote).pk): 1,
    }
    # and each variant's stock history says why the units came back, and who did it
    movement = StockMovement.objects.filter(variant=mug).latest("pk")
    assert (movement.delta, movement.reason) == (2, "returned")
    assert movement.note == f"Order {order.number} cancelled"
    assert movement.actor_label == STAFF.label


def test_cancel_without_restock_leaves_stock_and_skips_deleted_variants():
    # given an order whose variant was deleted since, and one kept
    kept = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    gone = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    order = place((kept, 1), (gone, 1))
    gone.delete()

    # when it is cancelled with restock
    order_cancel(order=order, actor=STAFF)

    # then the kept variant is restocked and the deleted one is simply skipped
    assert stock_of(kept) == 5
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED

    # and cancelling without restock leaves stock alone
    other = place((kept, 2))
    order_cancel(order=other, actor=STAFF, restock=False)
    assert stock_of(kept) == 3


def test_cancel_of_a_paid_order_is_refused_until_refunded():
    # given a paid order
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    order = paid_order((mug, 1))

    # when staff try to cancel it, then they are told to refund first, and nothing changes
    with pytest.raises(OrderNotCancellable, match="refund it first"):
        order_cancel(order=order, actor=STAFF)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OPEN
    assert stock_of(mug) == 4


def test_cancel_of_a_shipped_order_is_refused():
    # given a fully refunded order that had shipped
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    order = paid_order((mug, 1))
    fulfilment_create(order=order, lines={line_of(order, mug).pk: 1}, actor=STAFF)
    order_refund(order=order, actor=STAFF, amount=Decimal("20.00"))

    # when staff cancel it, then it is refused: the goods left the building
    with pytest.raises(OrderNotCancellable, match="shipped"):
        order_cancel(order=order, actor=STAFF)


def test_split_fulfilment_moves_partially_then_fully_fulfilled_with_dhl_tracking():
    # given a paid order of 2 units
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    order = paid_order((mug, 2))
    line = line_of(order, mug)

    # when one unit ships by DHL
    first = fulfilment_create(
        order=order,
        lines={line.pk: 1},
        carrier="DHL",
        tracking_number="JD0146 0001",
        shipping_cost=Money(Decimal("4.90"), "EUR"),
        actor=STAFF,
    )

    # then the order is partially fulfilled and the DHL tracking page is filled in
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.PARTIALLY_FULFILLED
    assert first.status == "shipped" and first.shipped_at is not None
    assert first.tracking_url == (
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html"
        "?tracking-id=JD0146%200001"
    )
    assert (first.shipping_cost_amount, first.shipping_cost_currency) == (Decimal("4.90"), "EUR")
    assert [(item.order_line_id, item.quantity) for item in first.lines.all()] == [(line.pk, 1)]

    # when the second unit ships with a carrier we do not know and a URL of its own
    second = fulfilment_create(
        order=order,
        lines={line.pk: 1},
        carrier="Bike courier",
        tracking_number="B-7",
        actor=STAFF,
    )

    # then the order is fulfilled, the line fully shipped, and nothing invented a URL
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.FULFILLED
    assert second.tracking_url == ""
    assert line_of(order, mug).quantity_fulfilled == 2
    assert AuditEvent.objects.filter(verb="fulfilment.created").count() == 2


def test_over_fulfilment_is_refused_naming_the_line():
    # given a paid order of 2 units, one already shipped
    mug = variant_of(make_product(title="Mug", price="20.00", stock=5, currency="EUR"))
    order = paid_order((mug, 2))
    line = line_of(order, mug)
    fulfilment_create(order=order, lines={line.pk: 1}, actor=STAFF)

    # when staff try to ship 2 more, then it is refused naming the line, and nothing is written
    with pytest.raises(FulfilmentRefused, match="Mug") as refused:
        fulfilment_create(order=order, lines={line.pk: 2}, actor=STAFF)
    assert refused.value.field == f"lines[{line.pk}]"
    assert line_of(order, mug).quantity_fulfilled == 1
    assert order.fulfilments.count() == 1


def test_fulfilment_of_an_unpaid_order_is_refused():
    # given an order still awaiting payment
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    order = place((mug, 1))

    # when staff try to ship it, then they are told to record the payment first
    with pytest.raises(FulfilmentRefused, match="not paid"):
        fulfilment_create(order=order, lines={line_of(order, mug).pk: 1}, actor=STAFF)


def test_refund_by_amount_is_partial_and_recorded_through_the_gateway():
    # given a paid order of 40 EUR
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    order = paid_order((mug, 2))
    assert order.total_amount == Decimal("40.00")

    # when staff refund 15 EUR
    refund = order_refund(order=order, actor=STAFF, amount=Decimal("15"), reason="late")

    # then a succeeded manual refund payment is recorded and the order is partially refunded
    assert (refund.kind, refund.status, refund.gateway) == ("refund", "succeeded", "manual")
    assert (refund.amount, refund.currency) == (Decimal("15.00"), "EUR")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    assert line_of(order, mug).quantity_refunded == 0
    event = AuditEvent.objects.get(verb="order.refunded")
    assert (event.data["amount"], event.data["reason"]) == ("15.00", "late")


def test_refund_by_line_uses_the_unit_total_and_may_restock():
    # given a paid order of 3 units at 20 EUR and 1 at 30 EUR
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    tote = variant_of(make_product(price="30.00", stock=5, currency="EUR"))
    order = paid_order((mug, 3), (tote, 1))
    line = line_of(order, mug)

    # when 2 mugs are refunded and put back on the shelf
    refund = order_refund(order=order, actor=STAFF, lines={line.pk: 2}, restock=True)

    # then 40 EUR goes back, the line counts them, and the stock is back
    assert refund.amount == Decimal("40.00")
    assert line_of(order, mug).quantity_refunded == 2
    assert stock_of(mug) == 4
    assert stock_of(tote) == 4
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED

    # and refunding 2 more mugs than are left is refused naming the line
    with pytest.raises(RefundRefused) as refused:
        order_refund(order=order, actor=STAFF, lines={line.pk: 2})
    assert refused.value.field == f"lines[{line.pk}]"


def test_over_refund_is_refused_and_a_full_refund_marks_the_order_refunded():
    # given a paid order of 40 EUR with 30 EUR refunded already
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    order = paid_order((mug, 2))
    order_refund(order=order, actor=STAFF, amount=Decimal("30.00"))

    # when staff try to refund 10.01 EUR, then it is refused and nothing is recorded
    with pytest.raises(RefundRefused, match="At most"):
        order_refund(order=order, actor=STAFF, amount=Decimal("10.01"))
    assert order.payments.filter(kind=Payment.Kind.REFUND).count() == 1

    # when the remaining 10 EUR is refunded
    order_refund(order=order, actor=STAFF, amount=Decimal("10.00"))

    # then the order is refunded, and nothing more can be
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED
    with pytest.raises(RefundRefused):
        order_refund(order=order, actor=STAFF, amount=Decimal("0.01"))


def test_refund_of_an_unpaid_order_is_refused():
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    order = place((mug, 1))

    with pytest.raises(RefundRefused, match="no money"):
        order_refund(order=order, actor=STAFF, amount=Decimal("5.00"))


def test_expire_cancels_only_old_unpaid_orders_once(settings):
    # given a 60-minute payment timeout and three orders: old unpaid, old paid, recent unpaid
    settings.ORDER_PAYMENT_TIMEOUT_MINUTES = 60
    mug = variant_of(make_product(price="20.00", stock=5, currency="EUR"))
    with frozen_at(MOMENT):
        old_unpaid = place((mug, 2))
        old_paid = paid_order((mug, 1))
    with frozen_at(MOMENT + dt.timedelta(minutes=50)):
        recent_unpaid = place((mug, 1))
    assert stock_of(mug) == 1

    # when the expiry runs 61 minutes after the first orders
    with frozen_at(MOMENT + dt.timedelta(minutes=61)):
        expired = orders_expire_unpaid()
        # and runs again
        expired_again = orders_expire_unpaid()

    # then only the old unpaid order is cancelled and restocked, by the system, once
    assert (expired, expired_again) == (1, 0)
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        old_unpaid.pk: OrderStatus.CANCELLED,
        old_paid.pk: OrderStatus.OPEN,
        recent_unpaid.pk: OrderStatus.OPEN,
    }
    assert stock_of(mug) == 3
    event = AuditEvent.objects.get(verb="order.status_changed", object_id=str(old_unpaid.pk))
    assert event.actor_kind == AuditEvent.ActorKind.SYSTEM


def test_a_delivery_date_must_fall_between_shipping_and_now():
    # given a parcel shipped at MOMENT
    variant = variant_of(make_product(price="10.00", stock=3, currency="EUR"))
    order = paid_order((variant, 1))
    with frozen_at(MOMENT):
        parcel = fulfilment_create(order=order, lines={line_of(order, variant).pk: 1}, actor=STAFF)

    with frozen_at(MOMENT + dt.timedelta(days=2)):
        # when staff give a date before it was shipped, or one in the future, it is refused
        for wrong in (MOMENT - dt.timedelta(hours=1), MOMENT + dt.timedelta(days=3)):
            with pytest.raises(FulfilmentRefused) as refused:
                fulfilment_mark_delivered(fulfilment=parcel, actor=STAFF, delivered_at=wrong)
            assert refused.value.field == "delivered_at"
        # and a date in between is recorded, once
        arrived = MOMENT + dt.timedelta(days=1)
        delivered = fulfilment_mark_delivered(fulfilment=parcel, actor=STAFF, delivered_at=arrived)
        again = fulfilment_mark_delivered(fulfilment=parcel, actor=STAFF)

    assert (delivered.status, delivered.delivered_at) == ("delivered", arrived)
    assert again.delivered_at == arrived
