"""Stripe: the shopper pays on a Stripe Checkout page; Stripe tells us by signed webhook.

- `start` creates a Checkout Session (one line "Order #<number>" for the order's total) and
  sends the shopper to its URL. The order token rides along as `client_reference_id` and as
  metadata on the session *and* on its PaymentIntent, because `payment_intent.*` events carry
  only the PaymentIntent's own metadata.
- Webhooks are verified by the official library (`construct_event`, 300 s tolerance) over the
  raw bytes before anything is parsed or stored. Stripe's client checks only signatures from
  the past against the machine's clock; like the test gateway we also refuse one signed more
  than the tolerance in the future of `clock.now()` (a wrong clock or a forgery).
- Every call that moves money carries an idempotency key derived from what it does, so a retry
  (ours, the library's, or a shopper's double click) returns the first answer instead of
  charging or refunding twice.
- One `stripe.StripeClient` per gateway, built from settings read late (never the library's
  module-wide `stripe.api_key`), so tests point it at a local imitation of the API.

Amounts: Stripe wants integers in *its* minor unit, which is not always the one Babel (CLDR)
gives: HUF, ISK, IDR, COP and others have no decimals in CLDR but two in Stripe's API (ISK
4000 is sent as 400000). So the order total is first rounded to the currency's minor unit as
the shopper sees it (`Money.quantize`, Babel), then scaled by Stripe's own exponent: 0 for
Stripe's zero-decimal list, 3 for its three-decimal list, 2 for everything else.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import stripe
from django.conf import settings
from django.utils.translation import gettext_noop

from freehold.core import clock
from freehold.core.money import Money, to_decimal
from freehold.payments.gateways import (
    PAYMENT_FAILED,
    PAYMENT_SUCCEEDED,
    GatewayFailure,
    GatewayResult,
    PaymentDeclined,
    PaymentStart,
    WebhookEvent,
    WebhookRejected,
    header,
)

if TYPE_CHECKING:
    from freehold.orders.models import Order, Payment

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "Stripe-Signature"
TOLERANCE_SECONDS = 300
TIMEOUT_SECONDS = 30

# https://docs.stripe.com/currencies: the currencies Stripe's API counts in whole units, and
# those it counts in thousandths. Every other currency is counted in hundredths.
ZERO_DECIMAL_CURRENCIES = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
THREE_DECIMAL_CURRENCIES = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})

FAILED_EVENTS = {"checkout.session.async_payment_failed", "payment_intent.payment_failed"}


def stripe_exponent(currency: str) -> int:
    """How many decimal places Stripe's API counts in `currency` (0, 2 or 3)."""
    code = currency.upper()
    if code in ZERO_DECIMAL_CURRENCIES:
        return 0
    if code in THREE_DECIMAL_CURRENCIES:
        return 3
    return 2


def to_minor_units(amount: Decimal, currency: str) -> int:
    """`amount` as the integer Stripe expects: EUR 12.50 → 1250, JPY 1200 → 1200, ISK 40 → 4000.

    The amount is rounded to the currency's minor unit first (what the shopper was shown);
    a currency with more decimals than Stripe counts (none Stripe supports) is refused rather
    than silently rounded again.
    """
    code = currency.upper()
    due = Money(to_decimal(amount), code).quantize().amount
    scaled = due.scaleb(stripe_exponent(code))
    if scaled != scaled.to_integral_value():
        raise GatewayFailure(f"Stripe cannot charge {due} {code}: it counts fewer decimals.")
    return int(scaled)


def from_minor_units(minor: int, currency: str) -> Decimal:
    """Stripe's integer back as a `Decimal` amount: 1250 EUR → 12.50, 1200 JPY → 1200."""
    if isinstance(minor, bool) or not isinstance(minor, int):
        raise TypeError(f"a Stripe amount is an integer, not {minor!r}")
    return Decimal(minor).scaleb(-stripe_exponent(currency))


@contextmanager
def _stripe_errors(action: str) -> Iterator[None]:
    """Translate the library's errors into the gateway outcomes the checkout understands."""
    try:
        yield
    except stripe.CardError as error:
        # The shopper can fix it; Stripe's message is written for them.
        raise PaymentDeclined(error.user_message or "Your card was declined.") from error
    except stripe.StripeError as error:
        status = f"HTTP {error.http_status}" if error.http_status else "no answer"
        request = f", request {error.request_id}" if error.request_id else ""
        detail = error.user_message or type(error).__name__
        logger.warning("Stripe could not %s (%s%s): %s", action, status, request, detail)
        raise GatewayFailure(f"Stripe could not {action} ({status}{request}): {detail}") from error


def _require_absolute(*urls: str) -> None:
    """Stripe sends the shopper back to these from its own site, so they must be absolute."""
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in {"http", "https"} or not parts.netloc:
            raise GatewayFailure(f"Stripe needs an absolute return URL, not {url!r}.")


class StripeGateway:
    """Stripe Checkout. Keys default to the settings, read at each call (not at import)."""

    code = "stripe"
    name = gettext_noop("Card and other methods (Stripe)")
    # The hosted page the checkout redirects to: the checkout page's CSP `form-action` must
    # allow it, or the browser blocks the redirect that follows the form's POST.
    redirect_origins = ("https://checkout.stripe.com",)

    def __init__(
        self,
        *,
        secret_key: str | None = None,
        webhook_secret: str | None = None,
        api_base: str | None = None,
        max_network_retries: int = 2,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        """Retries are safe because every call carries an idempotency key; the timeout is short
        because a refund holds the order's row lock while it waits for Stripe."""
        self._secret_key = secret_key
        self._webhook_secret = webhook_secret
        self._api_base = api_base
        self.max_network_retries = max_network_retries
        self.timeout_seconds = timeout_seconds
        self._client: stripe.StripeClient | None = None
        self._client_config: tuple[str, str] | None = None

    # -- configuration ----------------------------------------------------------------------

    @property
    def secret_key(self) -> str:
        if self._secret_key is not None:
            return self._secret_key
        return str(getattr(settings, "STRIPE_SECRET_KEY", ""))

    @property
    def webhook_secret(self) -> str:
        if self._webhook_secret is not None:
            return self._webhook_secret
        return str(getattr(settings, "STRIPE_WEBHOOK_SECRET", ""))

    @property
    def api_base(self) -> str:
        if self._api_base is not None:
            return self._api_base
        return str(getattr(settings, "STRIPE_API_BASE", ""))

    @property
    def client(self) -> stripe.StripeClient:
        """The client for the current keys; rebuilt when they change (tests override them)."""
        config = (self.secret_key, self.api_base)
        if self._client is None or self._client_config != config:
            self._client = stripe.StripeClient(
                config[0],
                base_addresses={"api": config[1]} if config[1] else None,
                max_network_retries=self.max_network_retries,
                http_client=stripe.RequestsClient(timeout=self.timeout_seconds),
            )
            self._client_config = config
        return self._client

    # -- payments -----------------------------------------------------------------------------

    def start(self, order: Order, *, return_url: str, cancel_url: str) -> PaymentStart:
        """A Checkout Session for the order's total. Starting again for the same order and
        amount (a double click, a retry after a timeout) gets the same session back; after a
        failed attempt the key changes (it counts the failures), so the shopper gets a fresh
        session instead of the finished one."""
        _require_absolute(return_url, cancel_url)
        currency = order.currency.upper()
        amount = to_minor_units(to_decimal(order.total_amount), currency)
        metadata = {"order_token": order.token, "order_number": str(order.number)}
        failures = order.payments.filter(status="failed").count()
        key = f"freehold-session-{order.token}-{currency}-{amount}-{failures}"
        with _stripe_errors("create the payment page"):
            session = self.client.v1.checkout.sessions.create(
                params={
                    "mode": "payment",
                    "line_items": [
                        {
                            "quantity": 1,
                            "price_data": {
                                "currency": currency.lower(),
                                "unit_amount": amount,
                                "product_data": {"name": f"Order #{order.number}"},
                            },
                        }
                    ],
                    "client_reference_id": order.token,
                    "customer_email": order.email,
                    "metadata": metadata,
                    "payment_intent_data": {"metadata": metadata},
                    "success_url": return_url,
                    "cancel_url": cancel_url,
                },
                options={"idempotency_key": key},
            )
        if not session.url:
            raise GatewayFailure(f"Stripe created session {session.id} without a payment page.")
        return PaymentStart(redirect_url=session.url, session=session.id)

    def capture(self, payment: Payment, amount: Decimal) -> GatewayResult:
        """Capture an authorised PaymentIntent (only for payments authorised separately)."""
        intent_id = _intent_of(payment)
        minor = to_minor_units(amount, payment.currency)
        with _stripe_errors("capture the payment"):
            intent = self.client.v1.payment_intents.capture(
                intent_id,
                params={"amount_to_capture": minor},
                options={"idempotency_key": f"freehold-capture-{intent_id}-{minor}"},
            )
        return GatewayResult(
            provider_reference=intent.id,
            amount=from_minor_units(intent.amount_received, intent.currency),
            currency=intent.currency.upper(),
        )

    def void(self, payment: Payment) -> GatewayResult:
        """Cancel an authorised, uncaptured PaymentIntent: the hold on the card is released."""
        intent_id = _intent_of(payment)
        with _stripe_errors("cancel the payment"):
            intent = self.client.v1.payment_intents.cancel(
                intent_id, options={"idempotency_key": f"freehold-void-{intent_id}"}
            )
        return GatewayResult(intent.id, to_decimal(payment.amount), payment.currency)

    def refund(self, payment: Payment, amount: Decimal) -> GatewayResult:
        """Refund part or all of a captured payment.

        The idempotency key names the payment, how many refunds the order already has and the
        amount: a retry of this refund (after a timeout, or after our transaction failed to
        commit a refund Stripe made) gets Stripe's first answer, while a second refund of the
        same amount later is a new key.
        """
        from freehold.orders.models import Payment as PaymentRow

        intent_id = _intent_of(payment)
        minor = to_minor_units(amount, payment.currency)
        earlier = PaymentRow.objects.filter(
            order_id=payment.order_id,
            kind=PaymentRow.Kind.REFUND,
            status=PaymentRow.Status.SUCCEEDED,
        ).count()
        with _stripe_errors("refund the payment"):
            refund = self.client.v1.refunds.create(
                params={"payment_intent": intent_id, "amount": minor},
                options={"idempotency_key": f"freehold-refund-{intent_id}-{earlier}-{minor}"},
            )
        if refund.status in {"failed", "canceled"}:
            raise GatewayFailure(f"Stripe refused refund {refund.id} ({refund.status}).")
        currency = (refund.currency or payment.currency).upper()
        return GatewayResult(refund.id, from_minor_units(refund.amount, currency), currency)

    # -- webhooks -----------------------------------------------------------------------------

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        signature = header(headers, SIGNATURE_HEADER)
        secret = self.webhook_secret
        if not secret:
            logger.error("A Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set.")
        try:
            event = self.client.construct_event(
                body, signature, secret, tolerance=TOLERANCE_SECONDS
            )
        except UnicodeDecodeError:
            raise WebhookRejected(
                "The Stripe webhook body is not text.", code="bad_signature"
            ) from None
        except stripe.SignatureVerificationError:
            raise _rejection(body, signature, secret) from None
        except ValueError as error:  # signed, but not a JSON event
            raise WebhookRejected(
                "The Stripe webhook is not an event.", code="bad_payload"
            ) from error
        signed_at = _signed_at(signature)
        if signed_at - clock.now().timestamp() > TOLERANCE_SECONDS:
            raise WebhookRejected(
                "The Stripe webhook is signed in the future.", code="stale_timestamp"
            )
        return _event_from(event.to_dict(for_json=True))


def _intent_of(payment: Payment) -> str:
    if not payment.provider_reference.startswith("pi_"):
        raise GatewayFailure(
            f"Payment {payment.pk} has no Stripe PaymentIntent ({payment.provider_reference!r})."
        )
    return payment.provider_reference


def _rejection(body: bytes, signature: str, secret: str) -> WebhookRejected:
    """Why the library refused: a signature that is right but old is a stale timestamp (a
    replay, or a delivery held up too long); anything else is a bad signature."""
    try:
        stripe.WebhookSignature.verify_header(body, signature, secret, tolerance=None)
    except stripe.SignatureVerificationError:
        return WebhookRejected("The Stripe webhook signature does not match.", code="bad_signature")
    return WebhookRejected("The Stripe webhook was signed too long ago.", code="stale_timestamp")


def _signed_at(signature: str) -> int:
    """The `t=` of a `Stripe-Signature` header the library has already accepted."""
    for part in signature.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            return int(value)
    raise WebhookRejected("The Stripe webhook signature has no timestamp.", code="bad_signature")


def _event_from(payload: dict[str, Any]) -> WebhookEvent:
    """The verified Stripe event in the gateway-neutral shape.

    Checkout Sessions carry `amount_total`, PaymentIntents `amount`; both in minor units. A
    completed session is paid only when `payment_status` says so: with a delayed method (a
    SEPA debit) it completes "unpaid" and the money's fate arrives later as
    `async_payment_succeeded` or `async_payment_failed`. Other types keep their own name: the
    services record them and ignore them.
    """
    try:
        event_type = str(payload["type"])
        item: dict[str, Any] = payload["data"]["object"]
        metadata = item.get("metadata") or {}
        order_token = str(metadata.get("order_token") or item.get("client_reference_id") or "")
        currency = str(item.get("currency") or "").upper()
        minor = item.get("amount_total", item.get("amount"))
        amount = from_minor_units(minor, currency) if currency and minor is not None else Decimal(0)
        failure_reason = ""
        if item.get("object") == "payment_intent":
            reference = str(item.get("id") or "")
            error = item.get("last_payment_error") or {}
            failure_reason = str(
                error.get("decline_code") or error.get("code") or error.get("message") or ""
            )
        else:
            reference = str(item.get("payment_intent") or "")

        neutral_type = event_type
        paid = item.get("payment_status") == "paid"
        if (event_type == "checkout.session.completed" and paid) or (
            event_type == "checkout.session.async_payment_succeeded"
        ):
            neutral_type = PAYMENT_SUCCEEDED
        elif event_type in FAILED_EVENTS:
            neutral_type = PAYMENT_FAILED
            failure_reason = failure_reason or event_type.rsplit(".", 1)[-1]
        if neutral_type == PAYMENT_SUCCEEDED and (not currency or minor is None):
            raise KeyError("a payment event without an amount")

        return WebhookEvent(
            event_id=str(payload["id"]),
            type=neutral_type,
            order_token=order_token,
            amount=amount,
            currency=currency,
            created=dt.datetime.fromtimestamp(int(payload["created"]), tz=dt.UTC),
            provider_reference=reference,
            failure_reason=failure_reason,
            payload=payload,
        )
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise WebhookRejected(
            "The Stripe webhook is not an event we understand.", code="bad_payload"
        ) from error
