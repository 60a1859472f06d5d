"""The gateway registry, the manual gateway's start and the test gateway's signed webhooks."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

from freehold.core.clock import frozen_at
from freehold.core.errors import FreeholdError
from freehold.payments import gateways
from freehold.payments.gateways import (
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    Gateway,
    WebhookRejected,
)
from freehold.payments.manual import ManualGateway
from freehold.payments.testgateway import SIGNATURE_HEADER, InvalidSession, TestGateway

from .conftest import MOMENT


def test_the_built_in_gateways_are_registered():
    # when we list the gateways
    codes = [gateway.code for gateway in gateways.available()]

    # then the manual and test gateways are there, and each satisfies the protocol
    assert {"manual", "test"} <= set(codes)
    assert isinstance(gateways.get("manual"), ManualGateway)
    assert all(isinstance(gateway, Gateway) for gateway in gateways.available())


def test_a_registered_gateway_can_be_found_and_removed():
    # given a store's own gateway
    class ShopGateway(ManualGateway):
        code = "shop-cash"

    own = ShopGateway(name="Cash in the shop")

    # when it is registered
    gateways.register(own)
    try:
        # then it is found by its code and listed
        assert gateways.get("shop-cash") is own
        assert own in gateways.available()
        # and a second gateway with the same code is refused
        with pytest.raises(ValueError):
            gateways.register(ShopGateway())
    finally:
        gateways.unregister("shop-cash")

    # and once removed it is unknown
    with pytest.raises(FreeholdError) as error:
        gateways.get("shop-cash")
    assert error.value.code == "unknown_gateway"


@pytest.mark.django_db
def test_manual_start_gives_instructions_not_a_redirect(make_order):
    # given an order
    order = make_order(number="7001", total_amount=Decimal("50.00"))

    # when the manual gateway starts a payment
    start = gateways.get("manual").start(order, return_url="/done", cancel_url="/cart")

    # then the shopper reads how to pay, quoting the order number
    assert not start.needs_redirect
    assert "#7001" in start.instructions
    assert "50.00 EUR" in start.instructions


def test_the_manual_gateway_receives_no_webhooks():
    with pytest.raises(WebhookRejected) as error:
        gateways.get("manual").parse_webhook(b"{}", {})
    assert error.value.code == "not_supported"


@pytest.mark.django_db
def test_test_start_redirects_to_a_signed_session(make_order, test_gateway):
    # given an order of 50 EUR
    order = make_order(total_amount=Decimal("50.0000"))

    # when the test gateway starts a payment
    start = test_gateway.start(order, return_url="/thanks", cancel_url="/cart")

    # then the shopper goes to the hosted page for a session naming the order and amount
    assert start.needs_redirect
    assert start.redirect_url == f"/payments/test/{start.session}"
    session = test_gateway.read_session(start.session)
    assert session["order_token"] == order.token
    assert session["amount"] == "50.00"
    assert session["currency"] == "EUR"
    assert session["return_url"] == "/thanks"


@pytest.mark.django_db
def test_a_tampered_or_foreign_session_is_refused(make_order, test_gateway):
    # given a session signed by this store, altered by one character, and one from another key
    start = test_gateway.start(make_order(), return_url="/", cancel_url="/")
    tampered = start.session[:-1] + ("A" if start.session[-1] != "A" else "B")
    foreign = TestGateway(secret="another-store-secret").start(
        make_order(), return_url="/", cancel_url="/"
    )

    # then neither can be read nor used to build a webhook
    for session in (tampered, foreign.session):
        with pytest.raises(InvalidSession):
            test_gateway.simulate(session, "pay")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("outcome", "event_type"),
    [
        ("pay", PAYMENT_SUCCEEDED),
        ("challenge_pass", PAYMENT_SUCCEEDED),
        ("decline", PAYMENT_FAILED),
        ("challenge_fail", PAYMENT_FAILED),
    ],
)
def test_a_simulated_webhook_verifies(make_order, test_gateway, outcome, event_type):
    # given a session for a 50 EUR order
    order = make_order()
    start = test_gateway.start(order, return_url="/", cancel_url="/")

    # when the provider sends its webhook and we read it
    with frozen_at(MOMENT):
        body, headers = test_gateway.simulate(start.session, outcome)
        event = test_gateway.parse_webhook(body, headers)

    # then it is the event for this order, amount as a Decimal
    assert event.type == event_type
    assert event.event_id.startswith("evt_")
    assert event.order_token == order.token
    assert event.amount == Decimal("50.00")
    assert event.currency == "EUR"
    assert event.created == MOMENT
    assert headers[SIGNATURE_HEADER].startswith(f"t={int(MOMENT.timestamp())},v1=")
    assert json.loads(body)["amount"] == "50.00"


@pytest.fixture
def signed(make_order, test_gateway) -> tuple[bytes, dict[str, str]]:
    start = test_gateway.start(make_order(), return_url="/", cancel_url="/")
    with frozen_at(MOMENT):
        return test_gateway.simulate(start.session, "pay")


def _rejection(gateway: TestGateway, body: bytes, headers: dict[str, str]) -> str:
    with pytest.raises(WebhookRejected) as error:
        gateway.parse_webhook(body, headers)
    return error.value.code


@pytest.mark.django_db
def test_header_names_are_case_insensitive(signed, test_gateway):
    body, headers = signed
    lower = {name.lower(): value for name, value in headers.items()}
    with frozen_at(MOMENT):
        assert test_gateway.parse_webhook(body, lower).type == PAYMENT_SUCCEEDED


@pytest.mark.django_db
def test_a_tampered_body_is_a_bad_signature(signed, test_gateway):
    # given a genuine webhook whose amount was changed on the way
    body, headers = signed
    tampered = body.replace(b'"50.00"', b'"0.01"')
    assert tampered != body

    # then it is rejected
    with frozen_at(MOMENT):
        assert _rejection(test_gateway, tampered, headers) == "bad_signature"


@pytest.mark.django_db
def test_a_webhook_signed_with_another_secret_is_a_bad_signature(signed, test_gateway):
    # given a body signed with a secret that is not ours
    body, _headers = signed
    timestamp = int(MOMENT.timestamp())
    forged = {SIGNATURE_HEADER: TestGateway(secret="guessed").sign(body, timestamp=timestamp)}

    # then it is rejected
    with frozen_at(MOMENT):
        assert _rejection(test_gateway, body, forged) == "bad_signature"


@pytest.mark.django_db
@pytest.mark.parametrize("header_value", ["", "t=1741091400", "v1=abc", "t=soon,v1=abc", "garbage"])
def test_a_missing_or_malformed_signature_is_a_bad_signature(signed, test_gateway, header_value):
    body, _headers = signed
    with frozen_at(MOMENT):
        assert _rejection(test_gateway, body, {SIGNATURE_HEADER: header_value}) == "bad_signature"
        assert _rejection(test_gateway, body, {}) == "bad_signature"


@pytest.mark.django_db
def test_one_matching_signature_among_several_is_enough(signed, test_gateway):
    # given a header carrying an old signature and the current one (a secret being rotated)
    body, headers = signed
    timestamp, current = headers[SIGNATURE_HEADER].split(",")
    rotating = {SIGNATURE_HEADER: f"{timestamp},v1={'0' * 64},{current}"}

    with frozen_at(MOMENT):
        assert test_gateway.parse_webhook(body, rotating).type == PAYMENT_SUCCEEDED


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("seconds", "accepted"), [(300, True), (301, False), (-300, True), (-301, False)]
)
def test_the_timestamp_must_be_within_300_seconds(signed, test_gateway, seconds, accepted):
    # given a genuine webhook signed at MOMENT, read `seconds` later (or earlier)
    body, headers = signed

    # when the clock has moved
    with frozen_at(MOMENT + dt.timedelta(seconds=seconds)):
        if accepted:
            assert test_gateway.parse_webhook(body, headers).type == PAYMENT_SUCCEEDED
        else:
            assert _rejection(test_gateway, body, headers) == "stale_timestamp"


def test_a_signed_body_that_is_not_an_event_is_a_bad_payload(test_gateway):
    body = b'{"id": "evt_1", "type": "payment.succeeded"}'
    timestamp = int(MOMENT.timestamp())
    headers = {SIGNATURE_HEADER: test_gateway.sign(body, timestamp=timestamp)}
    with frozen_at(MOMENT):
        assert _rejection(test_gateway, body, headers) == "bad_payload"
