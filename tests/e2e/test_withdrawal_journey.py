"""EU withdrawal in a real browser: order, withdraw, confirm, get a time-stamped e-mail.

compliance-rules.md section 6: the function asks only for name, order and e-mail, needs one
confirmation, and acknowledges with the date and time of receipt.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.audit import Actor
from freehold.orders.operations import fulfilment_create, fulfilment_mark_delivered
from freehold.payments.services import payment_mark_paid
from freehold.returns.models import Withdrawal
from tests.factories import make_product, make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def a_delivered_order():
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="DE")
    variant = Variant.objects.get(product=make_product(price="40.00", stock=5, currency="EUR"))
    cart = cart_create(currency="EUR")
    cart_add(cart=cart, variant_id=variant.pk, quantity=1)
    order = checkout_complete(
        cart_token=cart.token, email="ana.lima@example.com", idempotency_key=uuid.uuid4().hex
    )
    staff = Actor.system("test")
    payment_mark_paid(order=order, actor=staff)
    parcel = fulfilment_create(order=order, lines={order.lines.get().pk: 1}, actor=staff)
    fulfilment_mark_delivered(fulfilment=parcel, actor=staff)
    mail.outbox = []
    return order


def test_a_customer_withdraws_with_three_fields_and_one_confirmation(page: Page):
    # given an order delivered today
    order = a_delivered_order()

    # when the customer opens the withdrawal function from the footer of any page
    page.goto("/")
    page.get_by_role("link", name="Withdraw from contract").click()
    # then it asks for name, order number and e-mail, and nothing else
    fields = page.locator("form.aftersales-form input:not([type=hidden])")
    names = sorted(fields.evaluate_all("nodes => nodes.map(node => node.name)"))
    assert names == ["email", "name", "number"]
    page.fill("#withdrawal-name", "Ana Lima")
    page.fill("#withdrawal-number", order.number)
    page.fill("#withdrawal-email", "ana.lima@example.com")
    page.get_by_role("button", name="Continue").click()

    # and one confirmation step records the withdrawal
    page.get_by_role("button", name="Confirm withdrawal").click()
    expect(page.get_by_role("heading", name="Withdrawal received")).to_be_visible()

    withdrawal = Withdrawal.objects.get(order=order)
    assert withdrawal.refund_due_by - withdrawal.submitted_at == dt.timedelta(days=14)
    # and the acknowledgement e-mail gives the date and the time of receipt
    (message,) = mail.outbox
    assert message.to == ["ana.lima@example.com"]
    stamp = withdrawal.submitted_at
    assert f"Received on {stamp:%B} {stamp.day}, {stamp.year}, " in message.body
    assert f"{stamp.hour % 12 or 12}:{stamp:%M}:{stamp:%S}" in message.body
