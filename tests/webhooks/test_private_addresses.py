"""In production, webhooks reach public internet addresses only: no POSTs into the server's own
network (databases, cloud metadata), whether typed as an address, resolved from a name at send
time, or reached by a redirect."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from freehold.core.errors import ValidationFailed
from freehold.webhooks.models import WebhookDelivery
from freehold.webhooks.services import (
    delivery_attempt,
    subscription_create,
    subscription_update,
    webhook_emit,
)
from tests.webhooks.test_webhooks import STAFF, Receiver

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hooks",
        "http://localhost/hooks",
        "https://10.0.0.7/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hooks",
        "https://192.168.1.20/hooks",
    ],
)
def test_production_refuses_addresses_of_its_own_network(settings, url):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(ValidationFailed) as refused:
        subscription_create(url=url, events=["order.created"], actor=STAFF)
    assert refused.value.field == "url"
    assert "public internet" in refused.value.message


def test_production_accepts_public_hosts_and_development_accepts_loopback(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
    subscription, _ = subscription_create(
        url="https://erp.example.com/hooks", events=["order.created"], actor=STAFF
    )
    with pytest.raises(ValidationFailed):
        subscription_update(subscription=subscription, actor=STAFF, url="http://127.0.0.1/x")

    settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
    subscription_update(subscription=subscription, actor=STAFF, url="http://127.0.0.1/x")


def test_a_name_that_resolves_to_this_machine_is_refused_when_sending(settings):
    # Given a subscription to a host name that now resolves to this machine (saved when it did
    # not: names are not resolved when saving, DNS answers can change)
    receiver = Receiver()
    try:
        url = receiver.url.replace("127.0.0.1", "localhost")
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = True
        subscription_create(url=url, events=["order.created"], actor=STAFF)
        settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES = False
        (delivery,) = webhook_emit("order.created", {"number": "1001"})

        # When it is sent
        delivery_attempt(delivery.pk)

        # Then nothing reached the receiver and the attempt says why
        delivery.refresh_from_db()
        assert receiver.requests == []
        assert delivery.status == WebhookDelivery.Status.PENDING  # retried later
        assert delivery.attempts == 1 and "non-public address" in delivery.last_error
    finally:
        receiver.server.shutdown()


def test_redirects_are_not_followed():
    # Given a receiver that answers 302, pointing elsewhere (urllib would follow it with a GET)
    hits: list[str] = []

    class Redirect(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            hits.append(f"{self.command} {self.path}")
            self.send_response(302 if self.path == "/hooks" else 200)
            self.send_header("Location", "/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_POST = do_GET = _answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        subscription_create(url=url, events=["order.created"], actor=STAFF)
        (delivery,) = webhook_emit("order.created", {"number": "1001"})

        # When it is sent
        delivery_attempt(delivery.pk)

        # Then the redirect was not followed, and the attempt counts as failed
        delivery.refresh_from_db()
        assert hits == ["POST /hooks"]
        assert delivery.last_status_code == 302
        assert delivery.status == WebhookDelivery.Status.PENDING
    finally:
        server.shutdown()
