"""The manual gateway: bank transfer or cash on delivery, where staff see the money arrive.

Nothing talks to a provider: `start` tells the shopper how to pay, the order waits in
`awaiting_payment`, and staff record the money with `services.payment_mark_paid`. Capture,
void and refund are bookkeeping (the refund itself is a bank transfer staff make by hand), so
they always succeed; there are no webhooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext, gettext_noop

from freehold.payments.gateways import GatewayResult, PaymentStart, WebhookEvent, WebhookRejected

if TYPE_CHECKING:
    from freehold.orders.models import Order, Payment

# Marked for the catalogues; translated when shown (the storefront's templates translate
# `gateway.name`, `start` the instructions), so a merchant's own wording passes through as is.
DEFAULT_INSTRUCTIONS = gettext_noop(
    "Please pay {amount} {currency} by bank transfer, quoting order #{number} as the "
    "reference. We send your order as soon as the money arrives."
)


class ManualGateway:
    code = "manual"

    def __init__(
        self,
        *,
        name: str = gettext_noop("Bank transfer or cash on delivery"),
        instructions: str = DEFAULT_INSTRUCTIONS,
    ) -> None:
        """`instructions` may use {amount}, {currency} and {number} (the order number)."""
        self.name = name
        self.instructions = instructions

    def start(self, order: Order, *, return_url: str, cancel_url: str) -> PaymentStart:
        text = gettext(self.instructions).format(
            amount=order.total_amount, currency=order.currency, number=order.number
        )
        return PaymentStart(instructions=text)

    def capture(self, payment: Payment, amount: Decimal) -> GatewayResult:
        return GatewayResult(payment.provider_reference, amount, payment.currency)

    def void(self, payment: Payment) -> GatewayResult:
        return GatewayResult(payment.provider_reference, payment.amount, payment.currency)

    def refund(self, payment: Payment, amount: Decimal) -> GatewayResult:
        return GatewayResult(payment.provider_reference, amount, payment.currency)

    def parse_webhook(self, body: bytes, headers: Mapping[str, str]) -> WebhookEvent:
        raise WebhookRejected("The manual gateway receives no webhooks.", code="not_supported")
