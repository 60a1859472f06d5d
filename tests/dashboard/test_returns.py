"""The orders area's return requests and withdrawals: list, filter, each staff step, refusals."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from freehold.catalog.models import Variant
from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.dashboard.pages import when
from freehold.orders.models import Order, Payment
from freehold.orders.operations import order_refund
from freehold.returns import services
from freehold.returns.models import ReturnRequest, ReturnRequestLine, Withdrawal
from tests.factories import make_store_settings
from tests.returns.conftest import DELIVERED, STAFF, make_customer, pay, place, ship, variant

pytestmark = pytest.mark.django_db

Status = ReturnRequest.Status
ASKED_AT = DELIVERED + dt.timedelta(days=2)


@pytest.fixture(autouse=True)
def _store(db):
    make_store_settings()


def body(response) -> str:
    return response.content.decode()


def delivered_order(customer: Customer, *, mug_price: str = "20.00") -> Order:
    """A paid order of 2 mugs and 1 tote, shipped and delivered on 4 March 2025."""
    mug, tote = variant(mug_price), variant("30.00")
    order = pay(place((mug, 2), (tote, 1), customer=customer, email=customer.email))
    ship(order, delivered_at=DELIVERED)
    return order


def mug_line(order: Order):
    return order.lines.order_by("unit_price_amount").first()


def ask(
    order: Order, customer: Customer, *, units: int = 1, note: str = "Too small", to: str = ""
) -> ReturnRequest:
    """The customer's request for `units` mugs (through the service), then staff steps to `to`."""
    with frozen_at(ASKED_AT):
        request = services.return_request(
            order=order,
            customer=customer,
            lines={mug_line(order).pk: units},
            reason=ReturnRequest.Reason.WRONG_SIZE,
            note=note,
        )
    steps = {
        Status.APPROVED: [services.return_request_approve],
        Status.RECEIVED: [services.return_request_approve, services.return_request_receive],
        Status.REJECTED: [services.return_request_reject],
        Status.REFUNDED: [
            services.return_request_approve,
            services.return_request_receive,
            services.return_request_refund,
        ],
    }
    for step in steps.get(to, []):
        step(return_request=request, actor=STAFF)
    request.refresh_from_db()
    return request


def rows_listed(response) -> list[int]:
    return [
        int(pk) for pk in re.findall(r'href="/dashboard/orders/returns/(\d+)/"', body(response))
    ]


# --- The list -------------------------------------------------------------------------------


def test_the_list_shows_open_requests_by_default_with_order_customer_reason_and_lines(
    owner_client,
):
    ana = make_customer("ana@example.com")
    requested = ask(delivered_order(ana), ana)
    approved = ask(delivered_order(ana), ana, to=Status.APPROVED)
    received = ask(delivered_order(ana), ana, to=Status.RECEIVED)
    rejected = ask(delivered_order(ana), ana, to=Status.REJECTED)
    refunded = ask(delivered_order(ana), ana, to=Status.REFUNDED)

    response = owner_client.get("/dashboard/orders/returns/")

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    listed = rows_listed(response)
    assert sorted(listed) == sorted([requested.pk, approved.pk, received.pk])
    assert rejected.pk not in listed and refunded.pk not in listed
    page = body(response)
    assert f'href="/dashboard/orders/{requested.order.number}/"' in page
    assert "ana@example.com" in page
    assert "Wrong size or fit" in page
    assert "1 × " in page and "Requested" in page and "Approved" in page


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("refunded", ["refunded"]),
        ("rejected", ["rejected"]),
        ("requested", ["requested"]),
        ("all", ["refunded", "rejected", "requested"]),
        ("open", ["requested"]),
        ("", ["requested"]),
    ],
)
def test_the_list_is_filtered_by_status(owner_client, status, expected):
    ana = make_customer()
    made = {
        "requested": ask(delivered_order(ana), ana),
        "rejected": ask(delivered_order(ana), ana, to=Status.REJECTED),
        "refunded": ask(delivered_order(ana), ana, to=Status.REFUNDED),
    }
    by_pk = {request.pk: name for name, request in made.items()}

    response = owner_client.get(f"/dashboard/orders/returns/?status={status}")

    assert response.status_code == 200
    assert sorted(by_pk[pk] for pk in rows_listed(response)) == expected


def test_an_unknown_status_filter_is_named_and_the_open_requests_are_shown(owner_client):
    ana = make_customer()
    requested = ask(delivered_order(ana), ana)

    response = owner_client.get("/dashboard/orders/returns/?status=lost")

    assert response.status_code == 400
    assert "Status: Select a valid choice." in body(response)
    assert rows_listed(response) == [requested.pk]


def test_the_list_takes_the_same_number_of_queries_for_one_row_or_thirty(
    owner_client, django_assert_max_num_queries
):
    ana = make_customer()
    order = delivered_order(ana)
    line = mug_line(order)

    def add_requests(count: int) -> None:
        for _ in range(count):
            created = ReturnRequest.objects.create(
                order=order, customer=ana, reason=ReturnRequest.Reason.DAMAGED
            )
            ReturnRequestLine.objects.create(return_request=created, order_line=line, quantity=1)

    add_requests(1)
    with django_assert_max_num_queries(20) as one:
        assert owner_client.get("/dashboard/orders/returns/").status_code == 200
    add_requests(29)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = owner_client.get("/dashboard/orders/returns/")
    assert len(rows_listed(response)) == 30


# --- One request: what staff see ------------------------------------------------------------


def test_the_request_page_shows_the_order_lines_customer_note_and_staff_note(owner_client):
    ana = make_customer()
    order = delivered_order(ana)
    request = ask(order, ana, units=2, note="Both are too small")
    ReturnRequest.objects.filter(pk=request.pk).update(staff_note="Call her first")

    response = owner_client.get(f"/dashboard/orders/returns/{request.pk}/")

    assert response.status_code == 200
    page = body(response)
    assert f'href="/dashboard/orders/{order.number}/"' in page
    assert mug_line(order).title in page
    assert "Both are too small" in page
    assert "Call her first" in page
    assert "€40.00" in page  # two mugs at 20.00
    assert 'aria-label="Approve the return"' in page
    assert 'aria-label="Reject the return"' in page
    assert 'aria-label="Refund the return"' not in page


def test_an_unknown_request_is_404(owner_client):
    assert owner_client.get("/dashboard/orders/returns/999999/").status_code == 404
    assert owner_client.post("/dashboard/orders/returns/999999/approve").status_code == 404


# --- The steps ------------------------------------------------------------------------------


def test_approving_records_the_step_the_staff_note_and_who_did_it(owner_client, owner):
    ana = make_customer()
    request = ask(delivered_order(ana), ana)

    response = owner_client.post(
        f"/dashboard/orders/returns/{request.pk}/approve",
        {"approve-staff_note": "Label sent"},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == f"/dashboard/orders/returns/{request.pk}/"
    assert "Return approved" in body(response)
    request.refresh_from_db()
    assert request.status == Status.APPROVED and request.decided_at is not None
    assert request.staff_note == "Label sent"
    event = AuditEvent.objects.get(verb="return.approved", object_id=str(request.pk))
    assert event.actor_label == owner.email
    assert event.from_state == Status.REQUESTED


def test_rejecting_needs_a_reason_and_keeps_it(owner_client, owner):
    ana = make_customer()
    request = ask(delivered_order(ana), ana)

    missing = owner_client.post(
        f"/dashboard/orders/returns/{request.pk}/reject", {"reject-staff_note": ""}
    )
    request.refresh_from_db()
    assert missing.status_code == 422
    assert "Reason for rejecting: This field is required." in body(missing)
    assert request.status == Status.REQUESTED

    done = owner_client.post(
        f"/dashboard/orders/returns/{request.pk}/reject",
        {"reject-staff_note": "Worn, tags removed"},
    )

    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.REJECTED
    assert request.staff_note == "Worn, tags removed"
    event = AuditEvent.objects.get(verb="return.rejected", object_id=str(request.pk))
    assert event.actor_label == owner.email
    assert event.data["staff_note"] == "Worn, tags removed"


def test_marking_received_records_when_the_goods_came_back(owner_client):
    ana = make_customer()
    request = ask(delivered_order(ana), ana, to=Status.APPROVED)

    response = owner_client.post(f"/dashboard/orders/returns/{request.pk}/receive")

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == Status.RECEIVED and request.received_at is not None
    assert AuditEvent.objects.filter(verb="return.received", object_id=str(request.pk)).exists()


def test_refunding_pays_back_the_returned_units_and_restocks_them(owner_client, owner):
    ana = make_customer()
    order = delivered_order(ana)
    request = ask(order, ana, units=2, to=Status.RECEIVED)
    mug = Variant.objects.get(pk=mug_line(order).variant_id)
    stock_before = mug.stock_quantity

    response = owner_client.post(f"/dashboard/orders/returns/{request.pk}/refund", follow=True)

    assert "Refunded €40.00; items restocked." in body(response)
    request.refresh_from_db()
    assert request.status == Status.REFUNDED
    refund = Payment.objects.get(order=order, kind=Payment.Kind.REFUND)
    assert refund.amount == Decimal("40.00")
    assert request.refund_payment == refund
    mug.refresh_from_db()
    assert mug.stock_quantity == stock_before + 2
    event = AuditEvent.objects.get(verb="return.refunded", object_id=str(request.pk))
    assert event.actor_label == owner.email


def test_a_step_out_of_order_is_refused_with_the_services_words(owner_client):
    ana = make_customer()
    request = ask(delivered_order(ana), ana)

    response = owner_client.post(f"/dashboard/orders/returns/{request.pk}/refund")

    assert response.status_code == 422
    assert f"Return {request.pk} is requested; only a received return can be refunded." in body(
        response
    )
    request.refresh_from_db()
    assert request.status == Status.REQUESTED
    assert not Payment.objects.filter(kind=Payment.Kind.REFUND).exists()


def test_a_refund_above_what_is_left_of_the_capture_is_refused_and_named(owner_client):
    # given an order of which all but 10.00 was already refunded by amount
    ana = make_customer()
    order = delivered_order(ana)
    request = ask(order, ana, to=Status.RECEIVED)
    order_refund(order=order, actor=STAFF, amount=order.total_amount - Decimal("10.00"))

    # when staff refund the return of one 20.00 mug
    response = owner_client.post(f"/dashboard/orders/returns/{request.pk}/refund")

    # then nothing more is refunded and the page says how much is left
    assert response.status_code == 422
    assert f"can be refunded on order #{order.number}" in body(response)
    assert "At most" in body(response)
    request.refresh_from_db()
    assert request.status == Status.RECEIVED
    assert Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).count() == 1


def test_the_staff_note_is_replaced_and_the_previous_text_audited(owner_client):
    ana = make_customer()
    request = ask(delivered_order(ana), ana, to=Status.REFUNDED)
    ReturnRequest.objects.filter(pk=request.pk).update(staff_note="first")

    response = owner_client.post(
        f"/dashboard/orders/returns/{request.pk}/note", {"note-staff_note": "second"}
    )

    assert response.status_code == 302
    request.refresh_from_db()
    assert request.staff_note == "second"
    event = AuditEvent.objects.get(verb="return.noted", object_id=str(request.pk))
    assert event.data["previous"] == "first"


# --- Withdrawals ----------------------------------------------------------------------------


def withdraw(order: Order, *, at: dt.datetime = ASKED_AT) -> Withdrawal:
    with frozen_at(at):
        return services.withdrawal_submit(number=order.number, email=order.email, name="Ana Lima")


def test_withdrawals_list_receipt_due_date_and_status_open_ones_by_default(owner_client):
    ana = make_customer()
    waiting = withdraw(delivered_order(ana))
    done = withdraw(delivered_order(ana))
    services.withdrawal_refund(withdrawal=done, actor=STAFF)

    response = owner_client.get("/dashboard/orders/withdrawals/")

    assert response.status_code == 200
    page = body(response)
    assert f"Withdrawal {waiting.pk}<" in page and f"Withdrawal {done.pk}<" not in page
    assert when(waiting.submitted_at) in page
    assert waiting.refund_due_by == waiting.submitted_at + dt.timedelta(days=14)
    assert when(waiting.refund_due_by) in page
    assert "Overdue" in page  # 2025's deadline has passed
    assert "Refund in full" in page

    everything = body(owner_client.get("/dashboard/orders/withdrawals/?status=all"))
    assert f"Withdrawal {waiting.pk}<" in everything and f"Withdrawal {done.pk}<" in everything
    refunded = body(owner_client.get("/dashboard/orders/withdrawals/?status=refunded"))
    assert f"Withdrawal {waiting.pk}<" not in refunded and f"Withdrawal {done.pk}<" in refunded


def test_refund_in_full_refunds_what_was_captured_once(owner_client, owner):
    ana = make_customer()
    order = delivered_order(ana)
    withdrawal = withdraw(order)

    first = owner_client.post(f"/dashboard/orders/withdrawals/{withdrawal.pk}/refund", follow=True)

    assert f"refunded €{order.total_amount:.2f}" in body(first)
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.REFUNDED
    assert withdrawal.refund_payment.amount == order.total_amount
    event = AuditEvent.objects.get(verb="withdrawal.refunded", object_id=str(withdrawal.pk))
    assert event.actor_label == owner.email

    again = owner_client.post(f"/dashboard/orders/withdrawals/{withdrawal.pk}/refund", follow=True)

    assert f"Withdrawal {withdrawal.pk} is already refunded." in body(again)
    assert Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).count() == 1


def test_the_withdrawal_list_takes_constant_queries(owner_client, django_assert_max_num_queries):
    ana = make_customer()
    order = delivered_order(ana)

    def add(count: int) -> None:
        for _ in range(count):
            Withdrawal.objects.create(
                order=order, name="Ana", email=ana.email, refund_due_by=DELIVERED
            )

    add(1)
    with django_assert_max_num_queries(20) as one:
        owner_client.get("/dashboard/orders/withdrawals/")
    add(29)
    with django_assert_max_num_queries(len(one.captured_queries)):
        response = owner_client.get("/dashboard/orders/withdrawals/")
    assert body(response).count('data-testid="withdrawal-row"') == 30


# --- The order's page and the list's head ---------------------------------------------------


def test_the_order_page_links_its_returns_and_withdrawals(owner_client):
    ana = make_customer()
    order = delivered_order(ana)
    request = ask(order, ana)
    withdrawal = withdraw(order)

    page = body(owner_client.get(f"/dashboard/orders/{order.number}/"))

    assert f'href="/dashboard/orders/returns/{request.pk}/"' in page
    assert f"Withdrawal {withdrawal.pk}" in page
    assert "refund due by" in page


def test_the_orders_list_links_to_returns_and_withdrawals(owner_client):
    page = body(owner_client.get("/dashboard/orders/"))

    assert 'href="/dashboard/orders/returns/"' in page
    assert 'href="/dashboard/orders/withdrawals/"' in page


# --- Permissions ----------------------------------------------------------------------------


def test_staff_without_the_orders_area_get_403_on_every_page_and_action(staff_client_with):
    ana = make_customer()
    order = delivered_order(ana)
    request = ask(order, ana, to=Status.RECEIVED)
    withdrawal = withdraw(order)
    client: Client = staff_client_with("products", "customers")
    gets = ["/dashboard/orders/returns/", f"/dashboard/orders/returns/{request.pk}/",
            "/dashboard/orders/withdrawals/"]  # fmt: skip
    posts = [
        f"/dashboard/orders/returns/{request.pk}/{action}"
        for action in ("approve", "reject", "receive", "refund", "note")
    ] + [f"/dashboard/orders/withdrawals/{withdrawal.pk}/refund"]

    for url in gets:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert (
            client.post(url, {"reject-staff_note": "x", "note-staff_note": "x"}).status_code == 403
        ), url

    request.refresh_from_db()
    withdrawal.refresh_from_db()
    assert request.status == Status.RECEIVED and request.staff_note == ""
    assert withdrawal.status == Withdrawal.Status.RECEIVED
    assert not Payment.objects.filter(kind=Payment.Kind.REFUND).exists()


def test_staff_with_the_orders_area_can_work_on_returns(staff_client_with):
    ana = make_customer()
    request = ask(delivered_order(ana), ana)
    client = staff_client_with("orders")

    assert client.get("/dashboard/orders/returns/").status_code == 200
    assert client.get("/dashboard/orders/withdrawals/").status_code == 200
    assert client.post(f"/dashboard/orders/returns/{request.pk}/approve").status_code == 302
    request.refresh_from_db()
    assert request.status == Status.APPROVED
