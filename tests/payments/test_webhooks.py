"""Incoming webhooks: verified, recorded by event id, applied exactly once."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import connection

from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.orders.models import Order, Payment, ProviderEvent
from freehold.orders.states import PaymentStatus
from freehold.payments.gateways import WebhookRejected
from freehold.payments.services import webhook_receive
from freehold.payments.testgateway import TestGateway

from .conftest import MOMENT

pytestmark = pytest.mark.django_db


def _webhook(gateway: TestGateway, order: Order, outcome: str) -> tuple[bytes, dict[str, str]]:
    start = gateway.start(order, return_url="/", cancel_url="/")
    return gateway.simulate(start.session, outcome)  # type: ignore[arg-type]


def _receive(body: bytes, headers: dict[str, str]):
    return webhook_receive(gateway_code="test", body=body, headers=headers)


def test_pay_marks_the_order_paid_with_one_payment(make_order, test_gateway):
    # given an order awaiting 50 EUR
    order = make_order(total_amount=Decimal("50.00"))
    body, headers = _webhook(test_gateway, order, "pay")

    # when the provider says it was paid
    outcome = _receive(body, headers)

    # then the order is paid, with one succeeded capture of 50 EUR, and the event is processed
    order.refresh_from_db()
    assert outcome.result == "processed"
    assert order.payment_status == PaymentStatus.PAID
    assert order.paid_at is not None
    payment = Payment.objects.get(order=order)
    assert (payment.kind, payment.status) == (Payment.Kind.CAPTURE, Payment.Status.SUCCEEDED)
    assert (payment.amount, payment.currency, payment.gateway) == (Decimal("50.00"), "EUR", "test")
    assert payment.provider_reference.startswith("tpay_")
    assert outcome.event.processed_at is not None
    assert AuditEvent.objects.filter(verb="order.payment_status_changed", to_state="paid").count()


def test_the_same_webhook_twice_is_a_duplicate_and_changes_nothing(make_order, test_gateway):
    # given a payment webhook already received
    order = make_order()
    body, headers = _webhook(test_gateway, order, "pay")
    _receive(body, headers)

    # when the provider delivers it again
    outcome = _receive(body, headers)

    # then it is reported as a duplicate and there is still one payment and one event
    assert outcome.result == "duplicate"
    assert Payment.objects.filter(order=order).count() == 1
    assert ProviderEvent.objects.filter(provider="test").count() == 1
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


def test_a_second_event_for_the_same_payment_adds_no_payment(make_order, test_gateway):
    # given a paid session, and a later "pay" event (a new event id) for the same session
    order = make_order()
    start = test_gateway.start(order, return_url="/", cancel_url="/")
    _receive(*test_gateway.simulate(start.session, "pay"))

    # when the second event arrives
    outcome = _receive(*test_gateway.simulate(start.session, "challenge_pass"))

    # then it is ignored: the payment is already recorded
    assert outcome.result == "ignored"
    assert Payment.objects.filter(order=order).count() == 1


def test_decline_marks_the_payment_failed(make_order, test_gateway):
    # given an order awaiting payment
    order = make_order()

    # when the card is declined
    outcome = _receive(*_webhook(test_gateway, order, "decline"))

    # then the order's payment failed and the failed attempt is on record
    order.refresh_from_db()
    assert outcome.result == "processed"
    assert order.payment_status == PaymentStatus.FAILED
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.FAILED
    assert payment.error_message == "card_declined"


def test_a_successful_retry_after_a_decline_pays_the_order(make_order, test_gateway):
    # given a declined first attempt
    order = make_order()
    _receive(*_webhook(test_gateway, order, "decline"))

    # when the shopper pays with another card
    _receive(*_webhook(test_gateway, order, "challenge_pass"))

    # then the order is paid
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


def test_a_late_failure_after_paid_leaves_the_order_paid(make_order, test_gateway):
    # given a failure webhook built first and a payment webhook delivered first
    order = make_order()
    late_failure = _webhook(test_gateway, order, "decline")
    _receive(*_webhook(test_gateway, order, "pay"))

    # when the failure arrives late
    outcome = _receive(*late_failure)

    # then it is recorded as processed with a note, and the order is still paid
    order.refresh_from_db()
    assert outcome.result == "ignored"
    assert "cannot become failed" in outcome.note
    assert outcome.event.processed_at is not None
    assert order.payment_status == PaymentStatus.PAID
    assert list(Payment.objects.filter(order=order).values_list("status", flat=True)) == [
        Payment.Status.SUCCEEDED
    ]
    assert AuditEvent.objects.filter(verb="payment.webhook_ignored").count() == 1


def test_an_amount_mismatch_does_not_mark_the_order_paid(make_order, test_gateway):
    # given a session for 50 EUR, after which the order's total changed to 80 EUR
    order = make_order(total_amount=Decimal("50.00"))
    body, headers = _webhook(test_gateway, order, "pay")
    Order.objects.filter(pk=order.pk).update(total_amount=Decimal("80.00"))

    # when the provider says 50 EUR was paid
    outcome = _receive(body, headers)

    # then the order still awaits payment and a failed payment names the mismatch
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT
    payment = Payment.objects.get(order=order)
    assert payment.status == Payment.Status.FAILED
    assert payment.error_message == "amount mismatch"
    assert "amount mismatch" in outcome.note


def test_a_currency_mismatch_does_not_mark_the_order_paid(make_order, test_gateway):
    # given a session in EUR for an order now priced in USD with the same number
    order = make_order(total_amount=Decimal("50.00"))
    body, headers = _webhook(test_gateway, order, "pay")
    Order.objects.filter(pk=order.pk).update(currency="USD")

    # when the provider says 50 EUR was paid
    _receive(body, headers)

    # then the order is not paid
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT
    assert Payment.objects.get(order=order).error_message == "amount mismatch"


def test_a_rejected_webhook_stores_nothing(make_order, test_gateway):
    # given a genuine webhook read long after it was signed
    order = make_order()
    with frozen_at(MOMENT):
        body, headers = _webhook(test_gateway, order, "pay")

    # when it arrives ten minutes late
    with frozen_at(MOMENT + dt.timedelta(minutes=10)), pytest.raises(WebhookRejected) as error:
        _receive(body, headers)

    # then it is rejected and nothing is stored or changed
    assert error.value.code == "stale_timestamp"
    assert not ProviderEvent.objects.exists()
    assert not Payment.objects.exists()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT


def test_an_event_for_an_unknown_order_is_recorded_and_ignored(make_order, test_gateway):
    # given a webhook for an order that no longer exists
    order = make_order()
    body, headers = _webhook(test_gateway, order, "pay")
    order.delete()

    # when it arrives
    outcome = _receive(body, headers)

    # then it is recorded as processed and ignored
    assert outcome.result == "ignored"
    assert ProviderEvent.objects.get().processed_at is not None


@pytest.mark.django_db(transaction=True)
def test_simultaneous_deliveries_of_one_event_apply_it_once(make_order, test_gateway):
    if connection.vendor != "postgresql":
        pytest.skip("simultaneous deliveries need PostgreSQL's concurrent writers")
    # given one signed "paid" webhook, delivered eight times at once (provider retries)
    order = make_order(total_amount=Decimal("50.00"))
    body, headers = _webhook(test_gateway, order, "pay")
    results: list[str] = []
    start = threading.Barrier(8)

    def deliver():
        try:
            start.wait()
            results.append(_receive(body, headers).result)
        except Exception as error:  # any failure is a bug this test must show
            results.append(f"error: {error!r}")
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then it was applied once: one processed, the rest duplicates, one payment, order paid
    assert sorted(results) == ["duplicate"] * 7 + ["processed"], results
    assert Payment.objects.filter(order=order).count() == 1
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
