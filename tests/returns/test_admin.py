"""Return requests and withdrawals handled through the admin actions."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freehold.core.clock import frozen_at
from freehold.customers.models import Customer
from freehold.returns import services
from freehold.returns.models import ReturnRequest, Withdrawal
from tests.factories import make_store_settings
from tests.returns.conftest import DELIVERED, make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    make_store_settings()
    client.force_login(Customer.objects.create_superuser(email="staff@example.com", password="x"))
    return client


def act(client, url: str, action: str, *objects):
    data = {"action": action, "_selected_action": [str(obj.pk) for obj in objects]}
    response = client.post(url, data, follow=True)
    return [str(message) for message in response.context["messages"]]


def test_staff_approve_receive_and_refund_a_return_in_the_admin(staff_client, shipped_order):
    ana = make_customer()
    order = shipped_order(ana)
    tote_line = order.lines.order_by("unit_price_amount").last()
    with frozen_at(DELIVERED):
        request = services.return_request(
            order=order,
            customer=ana,
            lines={tote_line.pk: 1},
            reason=ReturnRequest.Reason.DAMAGED,
        )
    url = "/admin/returns/returnrequest/"

    refused = act(staff_client, url, "refund", request)
    act(staff_client, url, "approve", request)
    act(staff_client, url, "mark_received", request)
    refunded = act(staff_client, url, "refund", request)

    assert refused == [
        f"{request}: Return {request.pk} is requested; only a received return can be refunded."
    ]
    request.refresh_from_db()
    assert request.status == ReturnRequest.Status.REFUNDED
    assert request.refund_payment.amount == Decimal("30.00")
    assert refunded == [f"{request}: refunded 30.00 EUR."]


def test_the_withdrawal_list_shows_the_refund_due_date_and_refunds_in_full(
    staff_client, shipped_order
):
    order = shipped_order(make_customer())
    with frozen_at(DELIVERED):
        withdrawal = services.withdrawal_submit(
            number=order.number, email=order.email, name="Ana Lima"
        )
    url = "/admin/returns/withdrawal/"

    listing = staff_client.get(url).content.decode()
    messages = act(staff_client, url, "refund_in_full", withdrawal)

    assert "March 18, 2025" in listing  # refund due 14 days after receipt
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.REFUNDED
    assert withdrawal.refund_payment.amount == Decimal("70.00")
    assert messages == [f"{withdrawal}: refunded 70.00 EUR."]
