"""Turning a cart into an order: once, without overselling, at the prices the server computes.

`checkout_complete` is the one way an order is placed. It runs under an idempotency key (a
double click, a retry or a replayed request returns the first order) and is also keyed on the
cart: a completed cart answers with the order it became. Inside one transaction it takes stock
with the conditional UPDATE of `catalog.services.stock_decrement` (variants in id order, so two
checkouts never wait on each other in opposite orders), and "no row updated" becomes a clear
"sold out" for that product and rolls everything back. Prices are recomputed from the catalog:
nothing the client posts about prices is read.

The rows every buyer of a product or a code competes for (the variant's stock, the discount
code's use count) are written last, just before COMMIT: a row lock is held from its UPDATE to
the end of the transaction, so everything else (the order, its lines, the audit event, the
idempotency record) is written first, while nobody waits. The order number comes from a
PostgreSQL sequence (`orders.services.order_number_next`), which locks nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext

from freehold.catalog.services import stock_decrement
from freehold.checkout import selectors
from freehold.checkout.errors import CartError
from freehold.checkout.models import Cart, CartLine
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.idempotency import fingerprint_of, run_idempotent
from freehold.insights.events import record_purchase_on_commit
from freehold.marketing.services import discount_redeem
from freehold.marketplace.money import order_split
from freehold.notifications.tasks import queue_order_email
from freehold.orders.models import Order, OrderLine
from freehold.orders.services import order_number_next
from freehold.taxes.services import order_tax_lines_create
from freehold.webhooks.payloads import order_payload
from freehold.webhooks.services import webhook_emit

SCOPE = "checkout.complete"
ATTRIBUTION_FIELDS = (
    "landing_page", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_content",
    "utm_term", "gclid", "fbclid", "ttclid", "visitor_id",
    "first_touch_channel", "first_touch_source", "first_touch_medium", "first_touch_campaign",
    "last_touch_channel",
)  # fmt: skip


def checkout_complete(
    *,
    cart_token: str,
    email: str,
    idempotency_key: str,
    shipping_address: Mapping[str, Any] | None = None,
    attribution: Mapping[str, str] | None = None,
    actor: Actor | None = None,
    payment_gateway: str = "",
    language: str = "",
) -> Order:
    """Place the cart's order once; every repeat of the same request returns that order.

    `language` is the one the shopper bought in: the order's e-mails are written in it.

    `payment_gateway` records how the shopper chose to pay on the new order (the checkout
    page knows it), so starting the payment need not write the order again.
    """
    fingerprint = fingerprint_of({"cart": cart_token, "email": email.strip().lower()})
    placed: list[Order] = []

    def operation() -> dict[str, Any]:
        order = _place(
            cart_token=cart_token,
            email=email,
            idempotency_key=idempotency_key,
            shipping_address=dict(shipping_address or {}),
            attribution=dict(attribution or {}),
            actor=actor or Actor.system("checkout"),
            payment_gateway=payment_gateway,
            language=language,
        )
        placed.append(order)
        return {"order_number": order.number}

    # atomic: the order and the idempotency key's "succeeded" commit together, in one commit.
    result = run_idempotent(
        scope=SCOPE,
        key=idempotency_key,
        fingerprint=fingerprint,
        operation=operation,
        atomic=True,
    )
    if placed and not result.replayed:
        return placed[0]
    return Order.objects.get(number=result.response["order_number"])


def _max_length(field_name: str) -> int:
    field = Order._meta.get_field(field_name)
    return int(getattr(field, "max_length", None) or 255)


def _sold_out(line: CartLine) -> CartError:
    return CartError(
        gettext("%(product)s is sold out.") % {"product": line.variant.product.title},
        code="sold_out",
        field=f"lines[{line.pk}]",
    )


def _place(
    *,
    cart_token: str,
    email: str,
    idempotency_key: str,
    shipping_address: dict[str, Any],
    attribution: dict[str, str],
    actor: Actor,
    payment_gateway: str,
    language: str = "",
) -> Order:
    """The placement itself; runs inside the transaction `run_idempotent(atomic=True)` opens."""
    cart = Cart.objects.select_for_update().filter(token=cart_token).first()
    if cart is None or cart.completed_at is not None:
        # A completed cart answers with the order it became (another key, the same cart).
        placed = Order.objects.filter(cart_token=cart_token).first() if cart_token else None
        if placed is not None:
            return placed
        if cart is None:
            raise CartError(gettext("This cart does not exist."), code="not_found", field="cart")
        raise CartError(gettext("This cart has already been checked out."), code="cart_completed")
    if not email or "@" not in email:
        raise CartError(
            gettext("Enter the e-mail address for your receipt."), code="invalid", field="email"
        )
    lines = selectors.cart_lines(cart)
    if not lines:
        raise CartError(gettext("Your cart is empty."), code="empty", field="cart")
    for line in lines:
        if not line.variant.product.is_visible:
            raise CartError(
                gettext("%(product)s is no longer available.")
                % {"product": line.variant.product.title},
                code="unavailable",
                field=f"lines[{line.pk}]",
            )
    # Marketplace (INFORM): a suspended vendor's listings stay visible but cannot be bought.
    from freehold.marketplace.inform import SUSPENDED_MESSAGE, suspended_vendor_of_products

    suspended = suspended_vendor_of_products(line.variant.product for line in lines)
    if suspended is not None:
        raise CartError(gettext(SUSPENDED_MESSAGE), code="vendor_suspended", field="cart")
    for line in sorted(lines, key=lambda item: item.variant_id):
        # Sold out already when the lines were read (committed stock, read after the cart
        # lock): say so before writing anything. The conditional UPDATE below still decides.
        if selectors.stock_short(line):
            raise _sold_out(line)
    # The same quote the checkout page shows, strict: a discount code that expired or ran out
    # since it was entered, or a shipping method the address cannot use, refuses the order.
    # The discount's use itself is taken below, in this transaction.
    quote = selectors.checkout_quote(
        cart,
        country_code=str(shipping_address.get("country_code", "")),
        region=str(shipping_address.get("region", "")),
        postal_code=str(shipping_address.get("postal_code", "")),
        email=email,
        lines=lines,
        strict=True,
    )
    totals = quote.totals
    market_pricing = selectors.cart_market_pricing(
        cart, country=str(shipping_address.get("country_code", ""))
    )
    code = quote.discount.code if quote.discount is not None else ""

    now = clock.now()
    order = Order.objects.create(
        number=order_number_next(),
        customer_id=cart.customer_id,
        email=email.strip(),
        shipping_address=shipping_address,
        market_code=selectors.cart_market(cart).code,
        language=language[:16],
        currency=totals.currency,
        subtotal_amount=totals.subtotal,
        discount_amount=totals.discount + totals.shipping_discount,
        shipping_amount=totals.shipping,
        tax_amount=totals.tax,
        duty_amount=totals.duties,
        total_amount=totals.total,
        tax_included=totals.tax_included,
        # The store's own figures: the presentment total at the rate the prices were made
        # with (1 for a sale in the base currency).
        base_currency=(
            totals.currency if market_pricing.passthrough else market_pricing.base_currency
        ),
        base_total_amount=market_pricing.to_base(totals.total),
        fx_rate=market_pricing.fx_rate.quantize(Decimal("1e-10")),
        pricing_reasons=list(totals.reasons),
        idempotency_key=idempotency_key,
        cart_token=cart.token,
        payment_gateway=payment_gateway,
        placed_at=now,
        created_at=now,
        updated_at=now,
        **{
            name: str(attribution.get(name, ""))[: _max_length(name)] for name in ATTRIBUTION_FIELDS
        },
    )
    priced = {result.key: result for result in totals.lines}
    order_lines = OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=line.variant,
            product_title=line.variant.product.title,
            variant_title=line.variant.title,
            sku=line.variant.sku,
            quantity=line.quantity,
            currency=totals.currency,
            unit_price_amount=priced[str(line.pk)].unit_price,
            discount_amount=priced[str(line.pk)].discount,
            tax_amount=priced[str(line.pk)].tax,
            tax_rate=priced[str(line.pk)].tax_rate,
            total_amount=priced[str(line.pk)].net,
            unit_cost_amount=line.variant.cost_amount,
            requires_shipping=line.variant.requires_shipping,
            hs_code=line.variant.product.hs_code,
            country_of_origin=line.variant.product.country_of_origin,
        )
        for line in lines
    )
    order_tax_lines_create(
        order=order,
        order_lines={str(line.pk): row for line, row in zip(lines, order_lines, strict=True)},
        totals=totals,
    )
    # Marketplace mode: the vendors' lines become their sub-orders (nothing when it is off;
    # not even a statement when no product in the cart is a vendor's).
    order_split(order=order, cart_lines=lines)
    Cart.objects.filter(pk=cart.pk).update(completed_at=now, updated_at=now)
    audit.record(actor=actor, verb="order.placed", obj=order, to_state=order.payment_status)
    # The purchase event once the order commits; `session_id` is the shopper's visit.
    record_purchase_on_commit(order=order, session_id=str(attribution.get("session_id", "")))
    queue_order_email("order_confirmation", order)
    webhook_emit("order.created", order_payload(order))

    # Last, the contended rows: their locks last from here to COMMIT.
    if code:
        discount_redeem(
            code=code,
            order_number=order.number,
            email=order.email,
            customer=cart.customer,
            amount=totals.discount + totals.shipping_discount,
            currency=totals.currency,
        )
    for line in sorted(lines, key=lambda item: item.variant_id):
        if not stock_decrement(
            variant_id=line.variant_id, quantity=line.quantity, note=f"Order {order.number}"
        ):
            raise _sold_out(line)
    return order
