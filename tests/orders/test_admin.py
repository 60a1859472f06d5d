"""Running orders from the admin: every action goes through an operation and reports per order."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.orders.models import Fulfilment, Order, Payment
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.payments.services import payment_mark_paid
from tests.factories import make_product

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/orders/order/"
STAFF = Actor(kind=AuditEvent.ActorKind.STAFF, id="1", label="setup")


@pytest.fixture
def staff_client(client):
    staff = Customer.objects.create_superuser(email="staff@example.com", password="x" * 12)
    client.force_login(staff)
    return client


def variant(price: str = "20.00", stock: int = 5) -> Variant:
    return Variant.objects.get(product=make_product(price=price, stock=stock, currency="EUR"))


def place(*items: tuple[Variant, int], email: str = "ana@example.com", address=None) -> Order:
    cart = cart_create(currency="EUR")
    for item, quantity in items:
        cart_add(cart=cart, variant_id=item.pk, quantity=quantity)
    return checkout_complete(
        cart_token=cart.token,
        email=email,
        idempotency_key=uuid.uuid4().hex,
        shipping_address=address,
    )


def paid(order: Order) -> Order:
    payment_mark_paid(order=order, actor=STAFF)
    order.refresh_from_db()
    return order


def run_action(client, action: str, *orders: Order, **extra: str):
    data = {"action": action, "_selected_action": [str(order.pk) for order in orders], **extra}
    return client.post(CHANGELIST, data, follow=True)


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_mark_paid_records_a_manual_payment_and_reports_a_refusal_per_order(staff_client):
    # given one unpaid and one already paid order
    unpaid = place((variant(), 1))
    already = paid(place((variant(), 1)))

    # when staff mark both as paid
    response = run_action(staff_client, "mark_paid", unpaid, already)

    # then the unpaid one is paid through the payment service, the other refused by name
    unpaid.refresh_from_db()
    assert unpaid.payment_status == PaymentStatus.PAID
    assert Payment.objects.filter(order=unpaid, kind=Payment.Kind.CAPTURE).count() == 1
    assert Payment.objects.filter(order=already, kind=Payment.Kind.CAPTURE).count() == 1
    reports = messages_of(response)
    assert f"#{unpaid.number}: marked paid (20.00 EUR)." in reports
    assert any(r.startswith(f"#{already.number}: The order's payment_status") for r in reports)
    event = AuditEvent.objects.get(verb="order.payment_status_changed", object_id=str(unpaid.pk))
    assert (event.actor_kind, event.actor_label) == ("staff", "staff@example.com")


def test_cancel_restocks(staff_client):
    mug = variant(stock=5)
    order = place((mug, 3))
    assert Variant.objects.get(pk=mug.pk).stock_quantity == 2

    response = run_action(staff_client, "cancel_and_restock", order)

    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert Variant.objects.get(pk=mug.pk).stock_quantity == 5
    assert messages_of(response) == [f"#{order.number}: cancelled; its units are back in stock."]


def test_cancelling_a_paid_order_shows_the_operations_reason(staff_client):
    order = paid(place((variant(), 1)))

    response = run_action(staff_client, "cancel_and_restock", order)

    assert messages_of(response) == [
        f"#{order.number}: Order #{order.number} is paid: refund it first, then cancel it."
    ]
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_fulfil_asks_for_carrier_and_tracking_then_ships_everything_left(staff_client):
    # given a paid order of 2 mugs and 1 tote
    order = paid(place((variant(), 2), (variant("30.00"), 1)))

    # when staff choose the action, an intermediate page asks for carrier and tracking number
    form = run_action(staff_client, "fulfil_remaining", order)
    html = form.content.decode()
    assert 'name="carrier"' in html
    assert f'name="tracking_{order.pk}"' in html
    assert not Fulfilment.objects.exists()

    # and submitting it ships every remaining unit with the tracking link of the carrier
    response = run_action(
        staff_client,
        "fulfil_remaining",
        order,
        apply="1",
        carrier="DHL",
        **{f"tracking_{order.pk}": "JD0001"},
    )

    fulfilment = Fulfilment.objects.get(order=order)
    assert (fulfilment.carrier, fulfilment.tracking_number) == ("DHL", "JD0001")
    assert fulfilment.tracking_url.endswith("tracking-id=JD0001")
    assert sorted(fulfilment.lines.values_list("quantity", flat=True)) == [1, 2]
    order.refresh_from_db()
    assert order.fulfilment_status == FulfilmentStatus.FULFILLED
    assert messages_of(response) == [
        f"#{order.number}: shipped 3 unit(s) with DHL, tracking JD0001 "
        f"(fulfilment {fulfilment.pk})."
    ]
    # and the order page links the parcel to the carrier's tracking page
    page = staff_client.get(f"{CHANGELIST}{order.pk}/change/").content.decode()
    assert f'href="{fulfilment.tracking_url}"' in page


def test_fulfilling_an_unpaid_or_shipped_order_is_refused(staff_client):
    unpaid = place((variant(), 1))
    shipped = paid(place((variant(), 1)))
    run_action(staff_client, "fulfil_remaining", shipped, apply="1", carrier="")

    response = run_action(staff_client, "fulfil_remaining", unpaid, shipped, apply="1", carrier="")

    assert not Fulfilment.objects.filter(order=unpaid).exists()
    assert Fulfilment.objects.filter(order=shipped).count() == 1
    assert messages_of(response)[-2:] == [
        f"#{unpaid.number}: Order #{unpaid.number} is not paid (awaiting_payment): "
        "record the payment before shipping.",
        f"#{shipped.number}: Order #{shipped.number} has nothing left to ship.",
    ]


def test_refund_in_full_gives_back_what_is_left(staff_client):
    # given a paid order of 40.00 with 20.00 already refunded
    order = paid(place((variant(), 2)))
    from freehold.orders.operations import order_refund

    order_refund(order=order, actor=STAFF, amount=Decimal("20.00"))

    response = run_action(staff_client, "refund_in_full", order)

    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED
    refunds = Payment.objects.filter(order=order, kind=Payment.Kind.REFUND)
    assert sorted(refunds.values_list("amount", flat=True)) == [Decimal("20.00")] * 2
    assert messages_of(response) == [f"#{order.number}: refunded 20.00 EUR."]


def test_the_change_page_is_read_only_and_shows_the_audit_trail(staff_client):
    order = paid(place((variant(), 1)))

    page = staff_client.get(f"{CHANGELIST}{order.pk}/change/")
    html = page.content.decode()

    assert page.status_code == 200
    assert 'name="total_amount"' not in html
    assert 'name="lines-0-quantity"' not in html
    assert "order.payment_status_changed" in html
    assert 'name="_save"' not in html
    # and a POST cannot change anything
    refused = staff_client.post(f"{CHANGELIST}{order.pk}/change/", {"total_amount": "0.01"})
    assert refused.status_code == 403
    order.refresh_from_db()
    assert order.total_amount == Decimal("20.00")


def test_search_finds_orders_by_number_email_and_shipping_name(staff_client):
    order = place((variant(), 1), address={"first_name": "Ana", "last_name": "Lima"})
    other = place((variant(), 1), email="bruno@example.com")

    def found(term: str) -> set[str]:
        response = staff_client.get(CHANGELIST, {"q": term})
        return {o.number for o in response.context["cl"].result_list}

    assert found(order.number) == {order.number}
    assert found("bruno@") == {other.number}
    assert found("Lima") == {order.number}


def list_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries)


def test_the_list_runs_the_same_queries_for_5_and_30_orders(staff_client):
    mug = variant(stock=100)
    for _ in range(5):
        place((mug, 1))
    five = list_queries(staff_client)
    for _ in range(25):
        place((mug, 1))

    thirty = list_queries(staff_client)

    assert thirty == five
    assert Order.objects.count() == 30


def test_marking_parcels_delivered_starts_the_clock_and_refuses_orders_without_one(staff_client):
    # given a shipped order and an unpaid one
    shipped = paid(place((variant(), 1)))
    run_action(staff_client, "fulfil_remaining", shipped, apply="1", carrier="DHL")
    unpaid = place((variant(), 1))

    # when staff mark both delivered
    response = run_action(staff_client, "mark_delivered", shipped, unpaid)

    # then the parcel records the day it arrived, with an audit event, and the other is refused
    parcel = Fulfilment.objects.get(order=shipped)
    assert parcel.status == Fulfilment.Status.DELIVERED
    assert parcel.delivered_at is not None
    assert AuditEvent.objects.filter(verb="fulfilment.delivered").count() == 1
    assert messages_of(response)[-2:] == [
        f"#{shipped.number}: 1 parcel(s) marked delivered.",
        f"#{unpaid.number}: no shipped parcel is waiting for delivery.",
    ]
