"""The payment gateway protocol, its results and errors, and the registry of gateways.

A gateway is a small object registered by code (`register(gateway)`, `get("test")`), never a
class named in a setting and imported by string: a typo fails at start-up, not at checkout.

Payment outcomes come in three kinds, because the shopper meets each differently:
- **redirect needed**: the provider must talk to the shopper (hosted page, 3-D Secure), so
  `start` returns a `PaymentStart` with a `redirect_url` (or `RedirectRequired` is raised
  mid-flow); the order waits for the webhook.
- **shopper can fix it**: `PaymentDeclined` (card declined, insufficient funds): show the
  message and let them try again or pick another method.
- **system failure**: `GatewayFailure` (provider down, misconfigured, unexpected answer): not
  the shopper's fault; log it, apologise, keep the order, retry later.
Anything that succeeds returns a `GatewayResult`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from freehold.core.errors import FreeholdError

if TYPE_CHECKING:
    from freehold.orders.models import Order, Payment

PAYMENT_SUCCEEDED = "payment.succeeded"
PAYMENT_FAILED = "payment.failed"


@dataclass(frozen=True)
class PaymentStart:
    """How a payment begins: send the shopper to `redirect_url`, or show them `instructions`.

    Exactly one of the two is set. `session` is the gateway's handle for this attempt (the
    hosted page's session id), empty for gateways without one.
    """

    redirect_url: str = ""
    instructions: str = ""
    session: str = ""

    def __post_init__(self) -> None:
        if bool(self.redirect_url) == bool(self.instructions):
            raise ValueError("a PaymentStart has either a redirect_url or instructions")

    @property
    def needs_redirect(self) -> bool:
        return bool(self.redirect_url)


@dataclass(frozen=True)
class GatewayResult:
    """A call the provider accepted (capture, void, refund)."""

    provider_reference: str
    amount: Decimal
    currency: str
    fee_amount: Decimal | None = None


@dataclass(frozen=True)
class WebhookEvent:
    """A verified incoming event, in the gateway-neutral shape the services apply.

    `type` is one of `PAYMENT_SUCCEEDED`, `PAYMENT_FAILED` or a provider type the services
    record and ignore. `payload` is the provider's parsed body, kept for the record.
    """

    event_id: str
    type: str
    order_token: str
    amount: Decimal
    currency: str
    created: dt.datetime
    provider_reference: str = ""
    failure_reason: str = ""
    payload: dict[str, Any] = field(default_factory=dict)


class PaymentError(FreeholdError):
    """The base of the payment outcomes that are not a success."""

    code = "payment_error"


class RedirectRequired(PaymentError):
    """The provider needs the shopper (3-D Secure, a bank's page): send them to `url`."""

    code = "redirect_required"

    def __init__(self, url: str, message: str = "The payment needs you to confirm it."):
        super().__init__(message)
        self.url = url


class PaymentDeclined(PaymentError):
    """The shopper can fix it: another card, another method, enough funds."""

    code = "payment_declined"


class GatewayFailure(PaymentError):
    """Not the shopper's fault: the provider failed or answered something we do not expect."""

    code = "gateway_failure"


class WebhookRejected(FreeholdError):
    """An incoming webhook we must not trust; the view answers 400 and stores nothing.

    Codes: `bad_signature` (missing, malformed or wrong signature), `stale_timestamp` (signed
    too long ago, or too far in the future: a replay or a wrong clock), `bad_payload` (signed
    but not an event we understand), `not_supported` (this gateway sends no webhooks).
    """

    code = "webhook_rejected"


@runtime_checkable
class Gateway(Protocol):
    """What every payment gateway offers. Amounts are `Decimal` in the payment's currency."""

    code: str
    name: str

    def start(self, order: Order, *, return_url: str, cancel_url: str) -> PaymentStart: ...

    def capture(self, payment: Payment, amount: Decimal) -> GatewayResult: ...

    def void(self, payment: Payment) -> GatewayResult: ...

    def refund(self, payment: Payment, amount: Decimal) -> GatewayResult: ...

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent: ...


_registry: dict[str, Gateway] = {}


def register(gateway: Gateway) -> Gateway:
    """Make `gateway` available under its code; a second, different gateway with it is a bug."""
    existing = _registry.get(gateway.code)
    if existing is not None and existing is not gateway:
        raise ValueError(f"a payment gateway with code {gateway.code!r} is already registered")
    _registry[gateway.code] = gateway
    return gateway


def unregister(code: str) -> None:
    """Remove a gateway (tests, or a store switching a provider off)."""
    _registry.pop(code, None)


def get(code: str) -> Gateway:
    try:
        return _registry[code]
    except KeyError:
        raise FreeholdError(
            f"No payment gateway {code!r} is registered.", code="unknown_gateway"
        ) from None


def available() -> list[Gateway]:
    """The registered gateways, in the order they were registered."""
    return list(_registry.values())


def header(headers: Mapping[str, str], name: str) -> str:
    """A header's value, whatever the case of its name (HTTP names are case-insensitive)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return ""
