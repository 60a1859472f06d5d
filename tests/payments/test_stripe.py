"""The Stripe gateway against a local imitation of Stripe's API, and Stripe-signed webhooks."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import socket
import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client, override_settings
from django.urls import Resolver404, resolve

from freehold import payments
from freehold.core.audit import Actor
from freehold.orders.models import Order, Payment, ProviderEvent
from freehold.orders.operations import order_refund
from freehold.orders.states import PaymentStatus
from freehold.payments import gateways
from freehold.payments.gateways import (
    Gateway,
    GatewayFailure,
    PaymentDeclined,
    WebhookRejected,
)
from freehold.payments.services import webhook_receive
from freehold.payments.stripe_gateway import StripeGateway, from_minor_units, to_minor_units

from .fake_stripe import CARD_DECLINED, SERVER_ERROR, FakeStripe

WEBHOOK_SECRET = "whsec_test_0123456789"
SECRET_KEY = "sk_test_freehold"
RETURN_URL = "https://shop.example/orders/abc"
CANCEL_URL = "https://shop.example/checkout"
STAFF = Actor.system("staff")


@pytest.fixture
def fake_stripe() -> Iterator[FakeStripe]:
    fake = FakeStripe().start()
    yield fake
    fake.stop()


def _gateway_for(api_base: str, *, retries: int = 0) -> StripeGateway:
    return StripeGateway(
        secret_key=SECRET_KEY,
        webhook_secret=WEBHOOK_SECRET,
        api_base=api_base,
        max_network_retries=retries,
        timeout_seconds=5,
    )


@pytest.fixture
def use_gateway() -> Iterator[Callable[[StripeGateway], StripeGateway]]:
    """Register a gateway as "stripe" for the test, putting back whatever was there."""
    previous = gateways._registry.get("stripe")

    def install(gateway: StripeGateway) -> StripeGateway:
        gateways.unregister("stripe")
        return gateways.register(gateway)  # type: ignore[return-value]

    yield install
    gateways.unregister("stripe")
    if previous is not None:
        gateways.register(previous)


@pytest.fixture
def stripe_gateway(fake_stripe, use_gateway) -> StripeGateway:
    return use_gateway(_gateway_for(fake_stripe.url))


def sign(body: bytes, *, timestamp: int | None = None, secret: str = WEBHOOK_SECRET) -> str:
    """The `Stripe-Signature` header Stripe sends: HMAC-SHA256 of "<t>.<body>"."""
    moment = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{moment}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={moment},v1={digest}"


def event(event_type: str, item: dict[str, Any], *, event_id: str = "") -> bytes:
    return json.dumps(
        {
            "id": event_id or "evt_" + secrets.token_hex(12),
            "object": "event",
            "api_version": "2025-01-01",
            "created": int(time.time()),
            "livemode": False,
            "type": event_type,
            "data": {"object": item},
        }
    ).encode()


def session_event(
    order: Order,
    *,
    event_type: str = "checkout.session.completed",
    payment_status: str = "paid",
    amount_total: int = 5000,
    currency: str = "eur",
    intent: str = "pi_test_0001",
) -> bytes:
    return event(
        event_type,
        {
            "id": "cs_test_000001",
            "object": "checkout.session",
            "mode": "payment",
            "status": "complete",
            "payment_status": payment_status,
            "amount_total": amount_total,
            "currency": currency,
            "client_reference_id": order.token,
            "metadata": {"order_token": order.token, "order_number": order.number},
            "payment_intent": intent,
        },
    )


def intent_failed_event(order: Order, *, amount: int = 5000, intent: str = "pi_test_0001"):
    return event(
        "payment_intent.payment_failed",
        {
            "id": intent,
            "object": "payment_intent",
            "amount": amount,
            "currency": "eur",
            "status": "requires_payment_method",
            "metadata": {"order_token": order.token},
            "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds"},
        },
    )


def receive(body: bytes, signature: str | None = None):
    headers = {"Stripe-Signature": sign(body) if signature is None else signature}
    return webhook_receive(gateway_code="stripe", body=body, headers=headers)


# -- amounts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "minor", "back"),
    [
        ("12.50", "EUR", 1250, "12.50"),
        ("12.505", "EUR", 1251, "12.51"),  # rounded half up to the cent the shopper saw
        ("1200", "JPY", 1200, "1200"),
        ("10000", "HUF", 1000000, "10000"),  # no decimals in CLDR, two in Stripe's API
        ("4000", "ISK", 400000, "4000"),
        ("1.250", "KWD", 1250, "1.250"),
    ],
)
def test_amounts_go_to_stripe_in_its_minor_units_and_come_back(amount, currency, minor, back):
    # when an amount is converted for Stripe and back
    sent = to_minor_units(Decimal(amount), currency)
    returned = from_minor_units(sent, currency)

    # then Stripe gets its integer, and the rounded amount comes back
    assert sent == minor
    assert returned == Decimal(back)


# -- sessions ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_start_creates_a_checkout_session_for_the_total_in_cents(
    make_order, fake_stripe, stripe_gateway
):
    # given an order of 12.50 EUR
    order = make_order(total_amount=Decimal("12.50"), currency="EUR")

    # when the Stripe payment starts
    start = stripe_gateway.start(order, return_url=RETURN_URL, cancel_url=CANCEL_URL)

    # then one session was created for 1250 cents with the order's token, and the shopper is
    # sent to its page
    (request,) = fake_stripe.posted("/v1/checkout/sessions")
    form = request.form
    assert form["mode"] == "payment"
    assert form["line_items[0][quantity]"] == "1"
    assert form["line_items[0][price_data][unit_amount]"] == "1250"
    assert form["line_items[0][price_data][currency]"] == "eur"
    assert form["line_items[0][price_data][product_data][name]"] == f"Order #{order.number}"
    assert form["client_reference_id"] == order.token
    assert form["metadata[order_token]"] == order.token
    assert form["payment_intent_data[metadata][order_token]"] == order.token
    assert (form["success_url"], form["cancel_url"]) == (RETURN_URL, CANCEL_URL)
    assert request.header("Authorization") == f"Bearer {SECRET_KEY}"
    assert order.token in request.header("Idempotency-Key")
    assert start.needs_redirect
    assert start.session in fake_stripe.sessions
    assert start.redirect_url == fake_stripe.sessions[start.session]["url"]


@pytest.mark.django_db
def test_a_zero_decimal_currency_is_sent_in_whole_units(make_order, fake_stripe, stripe_gateway):
    # given an order of 1200 JPY
    order = make_order(total_amount=Decimal("1200"), currency="JPY")

    # when the payment starts
    stripe_gateway.start(order, return_url=RETURN_URL, cancel_url=CANCEL_URL)

    # then Stripe is asked for 1200 yen, not 120000
    (request,) = fake_stripe.posted("/v1/checkout/sessions")
    assert request.form["line_items[0][price_data][unit_amount]"] == "1200"
    assert request.form["line_items[0][price_data][currency]"] == "jpy"


@pytest.mark.django_db
def test_starting_twice_sends_one_idempotency_key_and_gets_one_session(
    make_order, fake_stripe, stripe_gateway
):
    # given a payment already started (the shopper double-clicked "Pay")
    order = make_order(total_amount=Decimal("12.50"))
    first = stripe_gateway.start(order, return_url=RETURN_URL, cancel_url=CANCEL_URL)

    # when it starts again
    second = stripe_gateway.start(order, return_url=RETURN_URL, cancel_url=CANCEL_URL)

    # then both requests carried the same key and Stripe made one session
    keys = {request.header("Idempotency-Key") for request in fake_stripe.requests}
    assert len(fake_stripe.requests) == 2
    assert len(keys) == 1
    assert len(fake_stripe.sessions) == 1
    assert second.session == first.session


@pytest.mark.django_db
def test_after_a_failed_attempt_starting_again_makes_a_new_session(
    make_order, fake_stripe, stripe_gateway
):
    # given a first session whose payment failed
    order = make_order(total_amount=Decimal("12.50"))
    first = stripe_gateway.start(order, return_url=RETURN_URL, cancel_url=CANCEL_URL)
    Payment.objects.create(
        order=order, gateway="stripe", kind="capture", status="failed", currency="EUR",
        amount=Decimal("12.50"),
    )  # fmt: skip

    # when the shopper tries again
    second = stripe_gateway.start(order, return_url=RETURN_URL, cancel_url=CANCEL_URL)

    # then Stripe is asked for a new session under a new key
    assert second.session != first.session
    assert len({request.header("Idempotency-Key") for request in fake_stripe.requests}) == 2


@pytest.mark.django_db
def test_a_library_retry_after_a_server_error_reuses_the_key(make_order, fake_stripe, use_gateway):
    # given a gateway that retries once, and Stripe failing the first request
    gateway = use_gateway(_gateway_for(fake_stripe.url, retries=1))
    fake_stripe.fail_next(500, SERVER_ERROR)
    order = make_order()

    # when the payment starts
    start = gateway.start(order, return_url=RETURN_URL, cancel_url=CANCEL_URL)

    # then the retry carried the first request's key and one session exists
    first, second = fake_stripe.requests
    assert first.header("Idempotency-Key") == second.header("Idempotency-Key")
    assert list(fake_stripe.sessions) == [start.session]


@pytest.mark.django_db
def test_a_stripe_server_error_is_a_gateway_failure_naming_stripe(
    make_order, fake_stripe, stripe_gateway
):
    # given Stripe answering 500
    fake_stripe.fail_next(500, SERVER_ERROR)
    order = make_order()

    # when the payment starts, then it is a system failure, not the shopper's
    with pytest.raises(GatewayFailure) as error:
        stripe_gateway.start(order, return_url=RETURN_URL, cancel_url=CANCEL_URL)
    assert "Stripe" in error.value.message
    assert "HTTP 500" in error.value.message


@pytest.mark.django_db
def test_stripe_out_of_reach_is_a_gateway_failure(make_order, use_gateway):
    # given an API address nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    gateway = use_gateway(_gateway_for(f"http://127.0.0.1:{port}"))

    # when the payment starts, then it fails naming Stripe
    with pytest.raises(GatewayFailure, match="Stripe"):
        gateway.start(make_order(), return_url=RETURN_URL, cancel_url=CANCEL_URL)


@pytest.mark.django_db
def test_a_relative_return_url_is_refused_before_calling_stripe(
    make_order, fake_stripe, stripe_gateway
):
    with pytest.raises(GatewayFailure, match="absolute"):
        stripe_gateway.start(make_order(), return_url="/orders/abc", cancel_url=CANCEL_URL)
    assert fake_stripe.requests == []


# -- money calls -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_card_error_is_a_decline_the_shopper_can_fix(make_order, fake_stripe, stripe_gateway):
    # given an authorised payment whose capture Stripe declines
    order = make_order()
    fake_stripe.add_payment_intent("pi_test_0042", amount=5000, currency="eur", status="held")
    payment = Payment.objects.create(
        order=order,
        gateway="stripe",
        kind=Payment.Kind.AUTHORISE,
        currency="EUR",
        amount=Decimal("50.00"),
        provider_reference="pi_test_0042",
    )
    fake_stripe.fail_next(402, CARD_DECLINED)

    # when it is captured, then the decline carries Stripe's message for the shopper
    with pytest.raises(PaymentDeclined, match="insufficient funds"):
        stripe_gateway.capture(payment, Decimal("50.00"))


@pytest.mark.django_db
def test_capture_and_void_call_the_payment_intent(make_order, fake_stripe, stripe_gateway):
    # given two authorised payments
    order = make_order()
    for intent in ("pi_test_0100", "pi_test_0101"):
        fake_stripe.add_payment_intent(intent, amount=5000, currency="eur", status="held")
    held = [
        Payment(order=order, currency="EUR", amount=Decimal("50.00"), provider_reference=intent)
        for intent in ("pi_test_0100", "pi_test_0101")
    ]

    # when one is captured in part and the other voided
    captured = stripe_gateway.capture(held[0], Decimal("30.00"))
    voided = stripe_gateway.void(held[1])

    # then Stripe was asked for 3000 cents and a cancellation
    assert fake_stripe.posted("/v1/payment_intents/pi_test_0100/capture")[0].form == {
        "amount_to_capture": "3000"
    }
    assert (captured.provider_reference, captured.amount, captured.currency) == (
        "pi_test_0100",
        Decimal("30.00"),
        "EUR",
    )
    assert fake_stripe.payment_intents["pi_test_0101"]["status"] == "canceled"
    assert voided.provider_reference == "pi_test_0101"


@pytest.mark.django_db
def test_a_refund_goes_to_stripe_in_cents_with_its_own_key(make_order, fake_stripe, stripe_gateway):
    # given an order paid through Stripe
    order = make_order(total_amount=Decimal("50.00"))
    fake_stripe.add_payment_intent("pi_test_0007", amount=5000, currency="eur")
    receive(session_event(order, intent="pi_test_0007"))

    # when staff refund 5.25 EUR twice
    first = order_refund(order=order, actor=STAFF, amount=Decimal("5.25"))
    second = order_refund(order=order, actor=STAFF, amount=Decimal("5.25"))

    # then Stripe was asked twice for 525 cents on the payment, under two different keys
    requests = fake_stripe.posted("/v1/refunds")
    assert [request.form for request in requests] == [
        {"payment_intent": "pi_test_0007", "amount": "525"}
    ] * 2
    assert len({request.header("Idempotency-Key") for request in requests}) == 2
    assert len(fake_stripe.refunds) == 2
    assert first.provider_reference in fake_stripe.refunds
    assert (second.amount, second.currency, second.gateway) == (Decimal("5.25"), "EUR", "stripe")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED


@pytest.mark.django_db
def test_a_failed_refund_call_records_no_refund(make_order, fake_stripe, stripe_gateway):
    # given a paid order and Stripe failing
    order = make_order(total_amount=Decimal("50.00"))
    fake_stripe.add_payment_intent("pi_test_0008", amount=5000, currency="eur")
    receive(session_event(order, intent="pi_test_0008"))
    fake_stripe.fail_next(500, SERVER_ERROR)

    # when staff refund, then it fails and the order is unchanged
    with pytest.raises(GatewayFailure):
        order_refund(order=order, actor=STAFF, amount=Decimal("50.00"))
    assert not Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).exists()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


# -- webhooks ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_paid_session_marks_the_order_paid_once(make_order, stripe_gateway):
    # given an order of 12.50 EUR and Stripe's "session completed, paid" event
    order = make_order(total_amount=Decimal("12.50"))
    body = session_event(order, amount_total=1250, intent="pi_test_0003")

    # when it arrives, and arrives again (Stripe retries)
    outcome = receive(body)
    replay = receive(body)

    # then the order is paid by one payment of 12.50 EUR referencing the PaymentIntent
    assert (outcome.result, replay.result) == ("processed", "duplicate")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    payment = Payment.objects.get(order=order)
    assert (payment.status, payment.amount, payment.currency) == (
        "succeeded",
        Decimal("12.50"),
        "EUR",
    )
    assert (payment.gateway, payment.provider_reference) == ("stripe", "pi_test_0003")
    assert ProviderEvent.objects.filter(provider="stripe").count() == 1


@pytest.mark.django_db
def test_a_zero_decimal_payment_matches_the_total(make_order, stripe_gateway):
    # given an order of 1200 JPY
    order = make_order(total_amount=Decimal("1200"), currency="JPY")

    # when Stripe reports 1200 (yen) paid
    receive(session_event(order, amount_total=1200, currency="jpy"))

    # then the order is paid
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


@pytest.mark.django_db
def test_a_delayed_payment_waits_for_its_outcome(make_order, stripe_gateway):
    # given a session completed with a delayed method (unpaid yet)
    order = make_order()
    waiting = receive(session_event(order, payment_status="unpaid"))
    order.refresh_from_db()
    assert waiting.result == "ignored"
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT

    # when the money arrives
    receive(session_event(order, event_type="checkout.session.async_payment_succeeded"))

    # then the order is paid
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


@pytest.mark.django_db
def test_a_failed_delayed_payment_fails_the_order(make_order, stripe_gateway):
    # given an order awaiting a delayed payment
    order = make_order()

    # when the debit fails
    outcome = receive(
        session_event(
            order, event_type="checkout.session.async_payment_failed", payment_status="unpaid"
        )
    )

    # then the order's payment failed and the attempt is on record
    order.refresh_from_db()
    assert outcome.result == "processed"
    assert order.payment_status == PaymentStatus.FAILED
    assert Payment.objects.get(order=order).error_message == "async_payment_failed"


@pytest.mark.django_db
def test_a_failure_arriving_after_the_payment_changes_nothing(make_order, stripe_gateway):
    # given an order paid through Stripe
    order = make_order()
    receive(session_event(order, intent="pi_test_0005"))

    # when an earlier attempt's failure arrives late
    outcome = receive(intent_failed_event(order, intent="pi_test_0005"))

    # then it is ignored and the order stays paid with its one payment
    order.refresh_from_db()
    assert outcome.result == "ignored"
    assert order.payment_status == PaymentStatus.PAID
    assert list(Payment.objects.filter(order=order).values_list("status", flat=True)) == [
        "succeeded"
    ]


@pytest.mark.django_db
def test_a_declined_card_then_another_card_pays_the_order(make_order, stripe_gateway):
    # given a declined first card on Stripe's page
    order = make_order()
    receive(intent_failed_event(order, intent="pi_test_0006"))
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.FAILED
    assert Payment.objects.get(order=order).error_message == "insufficient_funds"

    # when the shopper pays with another card in the same session
    receive(session_event(order, intent="pi_test_0006"))

    # then the order is paid
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID


@pytest.mark.django_db
def test_an_event_we_do_not_handle_is_recorded_and_ignored(make_order, stripe_gateway):
    order = make_order()
    body = event("charge.succeeded", {"id": "ch_1", "object": "charge", "metadata": {}})

    outcome = receive(body)

    assert outcome.result == "ignored"
    assert ProviderEvent.objects.get().type == "charge.succeeded"
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT


@pytest.mark.django_db
@pytest.mark.parametrize(
    "signature",
    [
        pytest.param(None, id="missing"),
        pytest.param("t=1,v1=00", id="wrong"),
        pytest.param("garbage", id="malformed"),
        pytest.param("other secret", id="another-secret"),
    ],
)
def test_a_badly_signed_webhook_is_rejected_and_stores_nothing(
    make_order, stripe_gateway, signature
):
    # given a "paid" event that Stripe did not sign with our secret
    order = make_order()
    body = session_event(order)
    headers = {}
    if signature == "other secret":
        headers["Stripe-Signature"] = sign(body, secret="whsec_someone_else")
    elif signature is not None:
        headers["Stripe-Signature"] = signature

    # when it arrives, then it is rejected and nothing is stored or changed
    with pytest.raises(WebhookRejected) as error:
        webhook_receive(gateway_code="stripe", body=body, headers=headers)
    assert error.value.code == "bad_signature"
    assert not ProviderEvent.objects.exists()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT


@pytest.mark.django_db
def test_a_tampered_body_is_rejected(make_order, stripe_gateway):
    # given a genuine signature over another body
    order = make_order()
    signature = sign(session_event(order, amount_total=100))

    # when a body claiming more arrives with it, then it is rejected
    with pytest.raises(WebhookRejected) as error:
        receive(session_event(order), signature)
    assert error.value.code == "bad_signature"
    assert not ProviderEvent.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("offset", [-600, 600], ids=["ten-minutes-old", "ten-minutes-ahead"])
def test_a_webhook_signed_outside_the_tolerance_is_stale(make_order, stripe_gateway, offset):
    # given a genuine signature made ten minutes from now (either way)
    order = make_order()
    body = session_event(order)
    signature = sign(body, timestamp=int(time.time()) + offset)

    # when it arrives, then it is rejected as stale and nothing is stored
    with pytest.raises(WebhookRejected) as error:
        receive(body, signature)
    assert error.value.code == "stale_timestamp"
    assert not ProviderEvent.objects.exists()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT


@pytest.mark.django_db
def test_without_a_webhook_secret_every_webhook_is_rejected(make_order, fake_stripe, use_gateway):
    # given a store whose webhook secret is not configured
    gateway = _gateway_for(fake_stripe.url)
    gateway._webhook_secret = ""
    use_gateway(gateway)
    body = session_event(make_order())

    # when a webhook arrives, then it is rejected (a missing secret must not mean "trust all")
    with pytest.raises(WebhookRejected) as error:
        receive(body)
    assert error.value.code == "bad_signature"


@pytest.mark.django_db
def test_a_signed_body_that_is_not_an_event_is_a_bad_payload(stripe_gateway):
    body = json.dumps({"object": "event", "type": "checkout.session.completed"}).encode()

    with pytest.raises(WebhookRejected) as error:
        receive(body)
    assert error.value.code == "bad_payload"
    assert not ProviderEvent.objects.exists()


@pytest.mark.django_db
def test_the_webhook_endpoint_accepts_stripe_and_refuses_forgeries(make_order, stripe_gateway):
    try:
        resolve("/payments/webhooks/stripe")
    except Resolver404:
        pytest.skip("the webhook endpoint /payments/webhooks/<gateway_code> is not routed yet")
    # given a paid event, and Stripe posting without any CSRF token or cookie
    order = make_order()
    body = session_event(order)
    stripe_client = Client(enforce_csrf_checks=True)

    # when a forged copy and then the genuine event are posted
    forged = stripe_client.post(
        "/payments/webhooks/stripe",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign(body, secret="whsec_someone_else")},
    )
    genuine = stripe_client.post(
        "/payments/webhooks/stripe",
        data=body,
        content_type="application/json",
        headers={"Stripe-Signature": sign(body)},
    )

    # then the forgery is refused, the genuine event accepted, and the order paid once
    assert forged.status_code == 400
    assert genuine.status_code == 200
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert Payment.objects.filter(order=order).count() == 1


# -- registration ------------------------------------------------------------------------------


def test_the_stripe_gateway_satisfies_the_protocol():
    assert isinstance(_gateway_for("http://127.0.0.1:1"), Gateway)


@pytest.mark.parametrize(("key", "offered"), [("", False), (SECRET_KEY, True)])
def test_stripe_is_offered_only_with_a_secret_key(monkeypatch, key, offered):
    # given an empty registry and a store with or without a Stripe key
    monkeypatch.setattr(gateways, "_registry", {})

    # when the built-in gateways are registered
    with override_settings(STRIPE_SECRET_KEY=key):
        payments.register_built_in()

    # then Stripe is among them only when the key is set, after the others
    codes = [gateway.code for gateway in gateways.available()]
    assert ("stripe" in codes) is offered
    assert codes[:2] == ["manual", "test"]
