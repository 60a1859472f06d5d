"""What the orders screens do beyond one call to an operation: the manual-payment check and
the bulk actions.

The rules of paying, shipping, refunding and cancelling live in `orders.operations` and
`payments.services`; this module only chooses which operation to call for which order and
collects each order's outcome, so that one refused order does not stop the others.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.orders.models import Fulfilment, Order, Payment
from freehold.orders.operations import fulfilment_create, lines_to_ship
from freehold.payments.manual import ManualGateway
from freehold.payments.services import payment_mark_paid

# Gateways whose money arrives outside Freehold (a bank transfer, cash), so only staff can say
# it arrived. "" is an order placed without choosing one (imported, or from the API).
MANUALLY_PAID_GATEWAYS = frozenset({ManualGateway.code, ""})


class PaymentNotManual(FreeholdError):
    code = "not_manual"


def order_mark_paid_manually(*, order: Order, actor: Actor, reference: str = "") -> Payment:
    """Record a bank transfer (or cash) for an order the shopper chose to pay that way.

    An order paid through a provider (Stripe, the test gateway) becomes paid when the
    provider's webhook says so; marking it by hand would record money the store may never get.
    """
    if order.payment_gateway not in MANUALLY_PAID_GATEWAYS:
        raise PaymentNotManual(
            f"Order #{order.number} is paid through {order.payment_gateway}: "
            "it is marked paid when the payment provider confirms it.",
            field="payment_gateway",
        )
    return payment_mark_paid(order=order, actor=actor, reference=reference.strip())


def order_fulfil_everything(*, order: Order, actor: Actor) -> Fulfilment:
    """Ship every unit still to send in one parcel without tracking (a bulk action)."""
    lines = lines_to_ship(order)
    if not lines:
        raise FreeholdError(f"Order #{order.number} has nothing left to ship.", field="lines")
    return fulfilment_create(order=order, lines=lines, actor=actor)


@dataclass(frozen=True)
class Outcome:
    number: str
    ok: bool
    message: str


def orders_bulk(*, numbers: Sequence[str], action: str, actor: Actor) -> list[Outcome]:
    """Run `action` ("mark_paid" or "fulfil") on each order, each in its own transaction."""
    operations: dict[str, tuple[Callable[[Order], object], str]] = {
        "mark_paid": (
            lambda order: order_mark_paid_manually(order=order, actor=actor),
            "marked paid",
        ),
        "fulfil": (
            lambda order: order_fulfil_everything(order=order, actor=actor),
            "fulfilled",
        ),
    }
    operation, done = operations[action]
    found = {order.number: order for order in Order.objects.filter(number__in=list(numbers))}
    outcomes: list[Outcome] = []
    for number in numbers:
        order = found.get(number)
        if order is None:
            outcomes.append(Outcome(number, False, f"#{number}: no such order."))
            continue
        try:
            operation(order)
        except FreeholdError as error:
            outcomes.append(Outcome(number, False, f"#{number}: {error.message}"))
        else:
            outcomes.append(Outcome(number, True, f"#{number} {done}."))
    return outcomes
