"""Outbound webhooks against a real HTTP receiver on 127.0.0.1: signed, retried, re-delivered."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core import clock
from freehold.core.audit import Actor
from freehold.payments.services import payment_mark_paid
from freehold.webhooks.models import WebhookDelivery
from freehold.webhooks.services import (
    MAX_ATTEMPTS,
    delivery_redeliver,
    subscription_create,
    webhooks_deliver_due,
)
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db
STAFF = Actor.system("test")


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.server.shutdown()


def place_order(email: str = "ana@example.com"):
    make_store_settings(currency="EUR")
    variant = Variant.objects.get(product=make_product(price="20.00", stock=5, currency="EUR"))
    cart = cart_create(currency="EUR")
    cart_add(cart=cart, variant_id=variant.pk, quantity=1)
    return checkout_complete(cart_token=cart.token, email=email, idempotency_key=uuid.uuid4().hex)


def test_subscribers_get_signed_events_they_can_verify(
    receiver, django_capture_on_commit_callbacks
):
    # Given a subscription to orders created and paid
    _subscription, secret = subscription_create(
        url=receiver.url, events=["order.created", "order.paid"], actor=STAFF
    )

    # When an order is placed and paid
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order()
    with django_capture_on_commit_callbacks(execute=True):
        payment_mark_paid(order=order, actor=STAFF)

    # Then the receiver got both events, each verifiable with the secret
    assert [json.loads(body)["type"] for _, body in receiver.requests] == [
        "order.created",
        "order.paid",
    ]
    for headers, body in receiver.requests:
        stamp, signature = (
            part.split("=", 1)[1] for part in headers["Freehold-Signature"].split(",")
        )
        expected = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256)
        assert hmac.compare_digest(signature, expected.hexdigest())
    created = json.loads(receiver.requests[0][1])
    assert created["data"]["number"] == order.number
    assert created["data"]["total"] == {"amount": "20.00", "currency": "EUR"}
    assert "token" not in created["data"]  # the order-status page's key stays private
    delivery = WebhookDelivery.objects.get(event="order.paid")
    assert (delivery.status, delivery.last_status_code) == ("succeeded", 200)
    assert delivery.last_duration_ms is not None


def test_a_failing_receiver_is_retried_with_backoff_then_given_up_and_redelivered(
    receiver, django_capture_on_commit_callbacks
):
    # Given a receiver that answers 500
    subscription_create(url=receiver.url, events=["order.created"], actor=STAFF)
    receiver.status = 500
    start = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)
    with clock.frozen_at(start), django_capture_on_commit_callbacks(execute=True):
        place_order()
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("pending", 1, 500)
    assert delivery.next_attempt_at == start + dt.timedelta(seconds=30)

    # When the worker runs: nothing before the retry is due, then each retry waits twice as long
    with clock.frozen_at(start + dt.timedelta(seconds=10)):
        assert webhooks_deliver_due() == 0
    moment = start
    for _ in range(MAX_ATTEMPTS - 1):
        delivery.refresh_from_db()
        moment = delivery.next_attempt_at
        with clock.frozen_at(moment):
            assert webhooks_deliver_due() == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert moment - start == dt.timedelta(seconds=30 * (2**7 - 1))  # waits of 30 s, 1 min … 32 min
    assert len(receiver.requests) == MAX_ATTEMPTS

    # And once the receiver is fixed, staff deliver it again, with the same event id
    receiver.status = 204
    delivery_redeliver(delivery=delivery, actor=STAFF)
    assert webhooks_deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == "succeeded"
    ids = {json.loads(body)["id"] for _, body in receiver.requests}
    assert ids == {delivery.event_id}


def test_a_rolled_back_order_announces_nothing(receiver):
    subscription_create(url=receiver.url, events=["order.created"], actor=STAFF)

    with pytest.raises(RuntimeError):
        from django.db import transaction

        with transaction.atomic():
            place_order()
            raise RuntimeError("payment provider down")

    assert not WebhookDelivery.objects.exists()
    assert receiver.requests == []
