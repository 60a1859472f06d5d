"""The webhook endpoint and the test gateway's hosted page, through Django's test client."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest
from django.test import Client

from freehold.orders.models import Order, Payment, ProviderEvent
from freehold.orders.states import PaymentStatus
from freehold.payments import gateways
from freehold.payments.testgateway import TestGateway

pytestmark = pytest.mark.django_db


def _as_client_headers(headers: dict[str, str]) -> dict[str, str]:
    return {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}


def _deliver(client: Client, body: bytes, headers: dict[str, str], gateway: str = "test"):
    return client.post(
        f"/payments/webhooks/{gateway}",
        data=body,
        content_type="application/json",
        **_as_client_headers(headers),
    )


def _session(gateway: TestGateway, order: Order, return_url: str = "/done") -> str:
    return gateway.start(order, return_url=return_url, cancel_url="/cancelled").session


def test_a_signed_webhook_is_applied_once_and_a_replay_answers_200(make_order, test_gateway):
    # Given an order awaiting payment and the provider's signed "paid" webhook
    order = make_order(total_amount=Decimal("50.00"))
    body, headers = test_gateway.simulate(_session(test_gateway, order), "pay")
    client = Client(enforce_csrf_checks=True)

    # When it is delivered twice
    first = _deliver(client, body, headers)
    second = _deliver(client, body, headers)

    # Then both answer 200, and the order is paid by exactly one payment
    assert (first.status_code, first.json()) == (200, {"result": "processed"})
    assert (second.status_code, second.json()) == (200, {"result": "duplicate"})
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert Payment.objects.filter(order=order).count() == 1
    assert ProviderEvent.objects.count() == 1


def test_a_bad_signature_answers_400_stores_nothing_and_logs(make_order, test_gateway, caplog):
    order = make_order()
    body, headers = test_gateway.simulate(_session(test_gateway, order), "pay")
    tampered = body.replace(b'"50.00"', b'"0.01"')

    with caplog.at_level(logging.WARNING, logger="freehold.payments.views"):
        response = _deliver(Client(), tampered, headers)

    assert response.status_code == 400
    assert response.json()["error"] == "bad_signature"
    assert not ProviderEvent.objects.exists()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT
    assert any(
        "gateway=test" in record.message and "bad_signature" in record.message
        for record in caplog.records
    )


def test_a_webhook_without_signature_is_400(make_order):
    response = _deliver(Client(), b'{"id": "evt_1"}', {})
    assert response.status_code == 400


def test_an_unknown_gateway_is_404():
    assert _deliver(Client(), b"{}", {}, gateway="nope").status_code == 404


def test_the_webhook_endpoint_only_takes_post():
    assert Client().get("/payments/webhooks/test").status_code == 405


def test_the_hosted_page_shows_the_amount_and_the_test_warning(make_order, test_gateway):
    order = make_order(total_amount=Decimal("50.00"))
    page = Client().get(f"/payments/test/{_session(test_gateway, order)}")
    html = page.content.decode()
    assert page.status_code == 200
    assert "€50.00" in html and f"#{order.number}" in html
    assert "no money moves" in html
    assert 'value="pay"' in html and 'value="decline"' in html and 'value="challenge"' in html


def test_paying_on_the_hosted_page_delivers_the_webhook_and_returns(make_order, test_gateway):
    order = make_order(total_amount=Decimal("50.00"))
    session = _session(test_gateway, order, return_url="http://testserver/orders/back")

    response = Client().post(f"/payments/test/{session}", {"outcome": "pay"})

    assert response.status_code == 303
    assert response["Location"] == "http://testserver/orders/back"
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert ProviderEvent.objects.filter(provider="test").count() == 1


def test_declining_marks_the_payment_failed(make_order, test_gateway):
    order = make_order()
    Client().post(f"/payments/test/{_session(test_gateway, order)}", {"outcome": "decline"})
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.FAILED


def test_the_3d_secure_challenge_is_a_second_step(make_order, test_gateway):
    order = make_order()
    session = _session(test_gateway, order)
    client = Client()

    challenge = client.post(f"/payments/test/{session}", {"outcome": "challenge"})
    assert challenge.status_code == 200
    assert "Complete authentication" in challenge.content.decode()
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.AWAITING_PAYMENT

    client.post(f"/payments/test/{session}", {"outcome": "challenge_fail"})
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.FAILED


def test_a_forged_session_is_404():
    assert Client().get("/payments/test/not-a-signed-session").status_code == 404


def test_the_hosted_page_is_404_without_the_test_gateway(make_order, test_gateway):
    session = _session(test_gateway, make_order())
    gateways.unregister("test")
    try:
        assert Client().get(f"/payments/test/{session}").status_code == 404
    finally:
        gateways.register(test_gateway)
