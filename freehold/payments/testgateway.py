"""The built-in test gateway: a pretend hosted payment page for the demo and the tests.

It behaves like a real hosted-page provider, so the checkout, the webhook endpoint and the
tests exercise the same code a real gateway uses:
- `start` signs a session (order token, amount, currency, return and cancel URLs) and sends
  the shopper to `/payments/test/<session>`;
- that page (served by the storefront) calls `simulate(session, outcome)`, which builds the
  webhook the provider would send back, signed the way Stripe signs its webhooks:
  `Freehold-Test-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`;
- `parse_webhook` verifies that signature over the raw bytes in constant time, before parsing
  any JSON, and refuses timestamps more than `TOLERANCE_SECONDS` away from `clock.now()` in
  either direction (Stripe's client checks the past only; a future one is a wrong clock or a
  forgery).
Both keys are derived from SECRET_KEY with their own salt, so a session id can never pass as
a webhook signature and rotating SECRET_KEY invalidates both.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.core import signing
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_noop

from freehold.core import clock
from freehold.core.errors import FreeholdError
from freehold.core.money import Money, to_decimal
from freehold.payments.gateways import (
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    GatewayResult,
    PaymentStart,
    WebhookEvent,
    WebhookRejected,
    header,
)

if TYPE_CHECKING:
    from freehold.orders.models import Order, Payment

SIGNATURE_HEADER = "Freehold-Test-Signature"
TOLERANCE_SECONDS = 300
PAGE_PATH = "/payments/test/{session}"
_SESSION_SALT = "freehold.payments.test-gateway.session"
_WEBHOOK_SALT = "freehold.payments.test-gateway.webhook"

Outcome = Literal["pay", "decline", "challenge_pass", "challenge_fail"]
_OUTCOME_TYPES: dict[str, tuple[str, str]] = {
    "pay": (PAYMENT_SUCCEEDED, ""),
    "challenge_pass": (PAYMENT_SUCCEEDED, ""),
    "decline": (PAYMENT_FAILED, "card_declined"),
    "challenge_fail": (PAYMENT_FAILED, "authentication_failed"),
}


class InvalidSession(FreeholdError):
    """A session id that was not signed by us (or by us under another SECRET_KEY)."""

    code = "invalid_session"


class TestGateway:
    """The hosted-page pretend provider. `secret` defaults to SETTINGS.SECRET_KEY, read late."""

    __test__ = False  # not a pytest test class, despite its name

    code = "test"
    name = gettext_noop("Test payments (no money moves)")

    def __init__(self, *, secret: str | None = None) -> None:
        self._secret = secret

    @property
    def secret(self) -> str:
        return self._secret if self._secret is not None else str(settings.SECRET_KEY)

    # -- sessions ---------------------------------------------------------------------------

    def start(self, order: Order, *, return_url: str, cancel_url: str) -> PaymentStart:
        amount = Money(to_decimal(order.total_amount), order.currency).quantize().amount
        session = signing.dumps(
            {
                "order_token": order.token,
                "amount": str(amount),
                "currency": order.currency,
                "return_url": return_url,
                "cancel_url": cancel_url,
            },
            key=self.secret,
            salt=_SESSION_SALT,
        )
        return PaymentStart(redirect_url=PAGE_PATH.format(session=session), session=session)

    def read_session(self, session: str) -> dict[str, str]:
        """The signed session's contents (the page shows amount and return URLs from it)."""
        try:
            data: dict[str, str] = signing.loads(session, key=self.secret, salt=_SESSION_SALT)
        except signing.BadSignature:
            raise InvalidSession("This payment session is not valid.") from None
        return data

    @staticmethod
    def reference_for(session: str) -> str:
        """The provider's payment id for a session: one session is one payment attempt."""
        return "tpay_" + hashlib.sha256(session.encode()).hexdigest()[:24]

    def simulate(self, session: str, outcome: Outcome) -> tuple[bytes, dict[str, str]]:
        """The webhook (raw body and headers) the provider would send after `outcome`."""
        if outcome not in _OUTCOME_TYPES:
            raise ValueError(f"unknown outcome {outcome!r}")
        data = self.read_session(session)
        event_type, failure_reason = _OUTCOME_TYPES[outcome]
        created = int(clock.now().timestamp())
        event: dict[str, Any] = {
            "id": "evt_" + secrets.token_hex(12),
            "type": event_type,
            "order_token": data["order_token"],
            "amount": data["amount"],
            "currency": data["currency"],
            "created": created,
            "payment": self.reference_for(session),
            "challenged": outcome.startswith("challenge"),
        }
        if failure_reason:
            event["failure_reason"] = failure_reason
        body = json.dumps(event, separators=(",", ":")).encode()
        return body, {SIGNATURE_HEADER: self.sign(body, timestamp=created)}

    # -- webhooks ---------------------------------------------------------------------------

    def sign(self, body: bytes, *, timestamp: int) -> str:
        return f"t={timestamp},v1={self._signature(body, timestamp)}"

    def _signature(self, body: bytes, timestamp: int) -> str:
        signed = str(timestamp).encode() + b"." + body
        return salted_hmac(
            _WEBHOOK_SALT, signed, secret=self.secret, algorithm="sha256"
        ).hexdigest()

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        timestamp, candidates = _parse_signature_header(header(headers, SIGNATURE_HEADER))
        expected = self._signature(body, timestamp)
        if not any(hmac.compare_digest(expected, candidate) for candidate in candidates):
            raise WebhookRejected("The webhook signature does not match.", code="bad_signature")
        if abs(clock.now().timestamp() - timestamp) > TOLERANCE_SECONDS:
            raise WebhookRejected(
                "The webhook timestamp is outside the tolerance.", code="stale_timestamp"
            )
        return _event_from(body)

    # -- money calls (nothing moves; the references are made up) ------------------------------

    def capture(self, payment: Payment, amount: Decimal) -> GatewayResult:
        return GatewayResult(
            payment.provider_reference or "tcap_" + secrets.token_hex(8), amount, payment.currency
        )

    def void(self, payment: Payment) -> GatewayResult:
        return GatewayResult(payment.provider_reference, payment.amount, payment.currency)

    def refund(self, payment: Payment, amount: Decimal) -> GatewayResult:
        return GatewayResult("tref_" + secrets.token_hex(8), amount, payment.currency)


def _parse_signature_header(value: str) -> tuple[int, list[str]]:
    """`t=<unix>,v1=<hex>[,v1=<hex>...]`: several v1 values allow rotating the secret."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in value.split(","):
        name, _, item = part.strip().partition("=")
        if name == "t" and item.isdigit():
            timestamp = int(item)
        elif name == "v1" and item:
            candidates.append(item)
    if timestamp is None or not candidates:
        raise WebhookRejected("The webhook signature is missing.", code="bad_signature")
    return timestamp, candidates


def _event_from(body: bytes) -> WebhookEvent:
    """The verified body as an event. Amounts are sent as strings; a JSON number with a
    fraction is kept as its text (`parse_float=str`), so it never passes through a float."""
    try:
        payload = json.loads(body, parse_float=str)
        if not isinstance(payload, dict):
            raise TypeError("the body is not a JSON object")
        created = int(payload["created"])
        return WebhookEvent(
            event_id=str(payload["id"]),
            type=str(payload["type"]),
            order_token=str(payload["order_token"]),
            amount=to_decimal(str(payload["amount"])),
            currency=str(payload["currency"]),
            created=dt.datetime.fromtimestamp(created, tz=dt.UTC),
            provider_reference=str(payload.get("payment", "")),
            failure_reason=str(payload.get("failure_reason", "")),
            payload=payload,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise WebhookRejected("The webhook body is not an event.", code="bad_payload") from exc
