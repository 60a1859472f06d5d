"""Staff marking a manual (bank transfer, cash on delivery) payment as received."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.orders.errors import IllegalTransition
from freehold.orders.models import Payment
from freehold.orders.states import PaymentStatus
from freehold.payments.services import payment_mark_paid

pytestmark = pytest.mark.django_db

STAFF = Actor(kind=AuditEvent.ActorKind.STAFF, id="7", label="staff@example.com")


def test_staff_mark_a_manual_order_paid(make_order):
    # given an order awaiting a bank transfer of 50 EUR
    order = make_order(total_amount=Decimal("50.00"))

    # when staff see the money arrive
    payment = payment_mark_paid(order=order, actor=STAFF, reference="BANK-2025-17")

    # then a succeeded manual capture is recorded and the order is paid, audited to the staff
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert (payment.gateway, payment.kind, payment.status) == (
        "manual",
        Payment.Kind.CAPTURE,
        Payment.Status.SUCCEEDED,
    )
    assert (payment.amount, payment.currency) == (Decimal("50.00"), "EUR")
    assert payment.provider_reference == "BANK-2025-17"
    audit = AuditEvent.objects.get(verb="order.payment_status_changed")
    assert (audit.actor_id, audit.from_state, audit.to_state) == ("7", "awaiting_payment", "paid")


def test_marking_a_paid_order_paid_again_adds_no_payment(make_order):
    # given an order staff already marked paid
    order = make_order()
    payment_mark_paid(order=order, actor=STAFF)

    # when they click again
    with pytest.raises(IllegalTransition):
        payment_mark_paid(order=order, actor=STAFF)

    # then there is still one payment
    assert Payment.objects.filter(order=order).count() == 1
