"""The storefront API's buying half: carts by token, the checkout quote, completion, order status.

The same services as the storefront's pages, so an app or a headless front end gets the same
rules: stock messages, server-side prices (nothing posted about money is read), a discount
validated for the shopper, shipping from the destination's zone, and completion under the
`Idempotency-Key` header: a retry returns the first order.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Header, Router, Schema, Status

from freehold.api.conventions import ErrorOut, MoneyOut, check_rate, money
from freehold.checkout import selectors as checkout_selectors
from freehold.checkout import services as cart_services
from freehold.checkout.errors import CheckoutInvalid
from freehold.checkout.models import Cart
from freehold.checkout.placement import checkout_complete
from freehold.core.errors import NotFound, ValidationFailed
from freehold.core.idempotency import validate_key
from freehold.orders.models import Order
from freehold.payments import gateways
from freehold.payments import services as payment_services
from freehold.storefront.jinja import absolute_url_for
from freehold.storefront.selectors import store_settings

router = Router(tags=["storefront: buying"])

ERRORS: dict[int, Any] = {400: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut, 429: ErrorOut}


class CartLineOut(Schema):
    id: int
    variant_id: int
    product_title: str
    variant_title: str
    sku: str
    quantity: int
    unit_price: MoneyOut
    total: MoneyOut


class ShippingOptionOut(Schema):
    code: str
    name: str
    price: MoneyOut
    delivery_estimate: str


class CartOut(Schema):
    token: str
    currency: str
    lines: list[CartLineOut]
    email: str
    shipping_address: dict[str, str]
    shipping_method: str
    shipping_options: list[ShippingOptionOut]
    discount_code: str
    subtotal: MoneyOut
    discount: MoneyOut
    shipping: MoneyOut
    tax: MoneyOut
    tax_included: bool
    total: MoneyOut
    problems: dict[str, str] = Field(
        default_factory=dict, description="What keeps the cart from being completed, by field."
    )


class AddLineIn(Schema):
    variant_id: int = Field(..., ge=1, le=2**62)
    quantity: int = Field(1, ge=1, le=cart_services.MAXIMUM_QUANTITY)


class SetQuantityIn(Schema):
    quantity: int = Field(..., ge=0, le=cart_services.MAXIMUM_QUANTITY)


class AddressIn(Schema):
    """A shipping address. Which fields a country requires and what its postal codes and
    subdivisions look like follow Google's address metadata; `problems` (and completion) name
    every field that is wrong, with the country."""

    first_name: str = Field("", max_length=100)
    last_name: str = Field("", max_length=100)
    company: str = Field("", max_length=200)
    line1: str = Field("", max_length=200)
    line2: str = Field("", max_length=200)
    city: str = Field("", max_length=100)
    city_area: str = Field("", max_length=100, description="District or neighbourhood")
    postal_code: str = Field("", max_length=20)
    region: str = Field(
        "",
        max_length=100,
        description='State, province or prefecture: its code ("CA") or name ("California")',
    )
    country_code: str = Field("", max_length=2, description="ISO 3166-1 alpha-2")
    phone: str = Field("", max_length=40, description="Stored in E.164 (+14155550123)")


class CheckoutIn(Schema):
    email: str = Field("", max_length=254)
    shipping_address: AddressIn | None = None
    shipping_method: str = Field("", max_length=64)
    discount_code: str | None = Field(
        None, max_length=64, description='A code to apply; "" removes the current one.'
    )


class CompleteIn(Schema):
    payment_method: str = Field(..., min_length=1, max_length=64)


class PaymentOut(Schema):
    gateway: str
    redirect_url: str = Field("", description="Send the shopper here to pay (hosted page).")
    instructions: str = Field("", description="Show these (bank transfer).")


class OrderOut(Schema):
    number: str
    token: str
    status: str
    payment_status: str
    fulfilment_status: str
    placed_at: dt.datetime | None
    total: MoneyOut
    tax: MoneyOut
    tax_included: bool


class CompletedOut(Schema):
    order: OrderOut
    payment: PaymentOut | None


def _cart(token: str) -> Cart:
    cart = checkout_selectors.cart_by_token(token[:64])
    if cart is None:
        raise NotFound("No open cart has this token.", field="token")
    return cart


def _cart_out(cart: Cart) -> CartOut:
    country = str((cart.shipping_address or {}).get("country_code", ""))
    quote = checkout_selectors.checkout_quote(
        cart, country_code=country, email=cart.email, strict=False
    )
    totals, currency = quote.totals, cart.currency
    zero = money(Decimal(0), currency)
    assert zero is not None
    return CartOut(
        token=cart.token,
        currency=currency,
        lines=[
            CartLineOut(
                id=line.pk,
                variant_id=line.variant_id,
                product_title=line.variant.product.title,
                variant_title=line.variant.title,
                sku=line.variant.sku,
                quantity=line.quantity,
                unit_price=money(priced.unit_price, currency) or zero,
                total=money(priced.subtotal, currency) or zero,
            )
            for line, priced in quote.priced_lines
        ],
        email=cart.email,
        shipping_address={key: str(value) for key, value in (cart.shipping_address or {}).items()},
        shipping_method=cart.shipping_method_code,
        shipping_options=[
            ShippingOptionOut(
                code=option.code,
                name=option.name,
                price=money(option.amount, option.currency) or zero,
                delivery_estimate=option.delivery_estimate,
            )
            for option in quote.shipping_options
        ],
        discount_code=next(iter(cart.discount_codes or []), ""),
        subtotal=money(totals.subtotal, currency) or zero,
        discount=money(totals.discount + totals.shipping_discount, currency) or zero,
        shipping=money(totals.shipping, currency) or zero,
        tax=money(totals.tax, currency) or zero,
        tax_included=totals.tax_included,
        total=money(totals.total, currency) or zero,
        problems={**quote.problems, **_address_problems(cart)},
    )


def _address_problems(cart: Cart) -> dict[str, str]:
    """What completion would refuse in the address given so far (nothing before one is given):
    each message names the field and the country."""
    address = cart.shipping_address or {}
    if not any(str(value).strip() for value in address.values()):
        return {}
    return cart_services.address_errors(cart_services.address_normalise(address))


def _order_out(order: Order) -> OrderOut:
    total = money(order.total_amount, order.currency)
    tax = money(order.tax_amount, order.currency)
    assert total is not None and tax is not None
    return OrderOut(
        number=order.number,
        token=order.token,
        status=order.status,
        payment_status=order.payment_status,
        fulfilment_status=order.fulfilment_status,
        placed_at=order.placed_at,
        total=total,
        tax=tax,
        tax_included=order.tax_included,
    )


@router.post("/carts", response={201: CartOut, **ERRORS}, summary="Create a cart")
def create_cart(request: HttpRequest) -> Status:
    """An empty cart in the store's currency. Keep its `token`: it is the cart's only key."""
    check_rate(request)
    cart = cart_services.cart_create(currency=store_settings().currency)
    return Status(201, _cart_out(cart))


@router.get("/carts/{token}", response={200: CartOut, **ERRORS}, summary="A cart")
def get_cart(request: HttpRequest, token: str) -> CartOut:
    check_rate(request)
    return _cart_out(_cart(token))


@router.post("/carts/{token}/lines", response={200: CartOut, **ERRORS}, summary="Add a variant")
def add_line(request: HttpRequest, token: str, data: AddLineIn) -> CartOut:
    """Adds to the line of that variant if there is one. Refused with the stock left when the
    cart would ask for more than there is."""
    check_rate(request)
    cart = _cart(token)
    cart_services.cart_add(cart=cart, variant_id=data.variant_id, quantity=data.quantity)
    return _cart_out(cart)


@router.patch(
    "/carts/{token}/lines/{line_id}", response={200: CartOut, **ERRORS}, summary="Set a quantity"
)
def set_quantity(request: HttpRequest, token: str, line_id: int, data: SetQuantityIn) -> CartOut:
    """Quantity 0 removes the line."""
    check_rate(request)
    cart = _cart(token)
    if data.quantity == 0:
        cart_services.cart_remove(cart=cart, line_id=line_id)
    else:
        cart_services.cart_set_quantity(cart=cart, line_id=line_id, quantity=data.quantity)
    return _cart_out(cart)


@router.delete(
    "/carts/{token}/lines/{line_id}", response={200: CartOut, **ERRORS}, summary="Remove a line"
)
def remove_line(request: HttpRequest, token: str, line_id: int) -> CartOut:
    check_rate(request)
    cart = _cart(token)
    cart_services.cart_remove(cart=cart, line_id=line_id)
    return _cart_out(cart)


@router.put(
    "/carts/{token}/checkout",
    response={200: CartOut, **ERRORS},
    summary="Set e-mail, address, shipping method and discount code",
)
def set_checkout(request: HttpRequest, token: str, data: CheckoutIn) -> CartOut:
    """Saves what is given as a draft; the answer's `problems` says what completion would
    refuse (a missing field, a method the address cannot use, a code that does not apply)."""
    check_rate(request)
    cart = _cart(token)
    address = data.shipping_address.model_dump() if data.shipping_address else {}
    cart_services.cart_set_details(
        cart=cart,
        email=data.email,
        shipping_address=address,
        validate=False,
        shipping_method_code=data.shipping_method or None,
    )
    if data.discount_code == "":
        cart_services.cart_remove_discount(cart=cart)
    elif data.discount_code:
        cart_services.cart_apply_discount(cart=cart, code=data.discount_code, email=data.email)
    return _cart_out(cart)


@router.post(
    "/carts/{token}/complete",
    response={201: CompletedOut, **ERRORS},
    summary="Place the order (Idempotency-Key required)",
)
def complete(
    request: HttpRequest,
    token: str,
    data: CompleteIn,
    idempotency_key: str = Header(..., alias="Idempotency-Key", min_length=1, max_length=255),
) -> Status:
    """Places the cart's order at the server's prices and starts its payment. Sending the same
    request again (same key) returns the same order instead of a second one."""
    check_rate(request)
    validate_key(idempotency_key)
    if data.payment_method not in {gateway.code for gateway in gateways.available()}:
        raise ValidationFailed("Choose one of the store's payment methods.", field="payment_method")
    placed = Order.objects.filter(cart_token=token[:64]).first()
    if placed is None:
        cart = _cart(token)
        # The API saves drafts (PUT .../checkout); completion checks them in full, as the
        # storefront's form does when the shopper presses the order button.
        address = cart_services.address_normalise(cart.shipping_address or {})
        errors = cart_services.address_errors(address)
        email_problem = cart_services.email_error(cart.email)
        if email_problem:
            errors = {"email": email_problem, **errors}
        if errors:
            raise CheckoutInvalid(errors)
        placed = checkout_complete(
            cart_token=cart.token,
            email=cart.email,
            idempotency_key=idempotency_key,
            shipping_address=cart.shipping_address,
            payment_gateway=data.payment_method,
        )
    status_url = absolute_url_for(request, f"/orders/{placed.token}")
    payment: PaymentOut | None = None
    if placed.payment_status in {"awaiting_payment", "failed"}:
        start = payment_services.payment_start(
            order=placed,
            gateway_code=placed.payment_gateway or data.payment_method,
            return_url=status_url,
            cancel_url=status_url,
        )
        payment = PaymentOut(
            gateway=placed.payment_gateway or data.payment_method,
            redirect_url=absolute_url_for(request, start.redirect_url)
            if start.redirect_url.startswith("/")
            else start.redirect_url,
            instructions=start.instructions,
        )
    return Status(201, CompletedOut(order=_order_out(placed), payment=payment))


@router.get("/orders/{token}", response={200: OrderOut, **ERRORS}, summary="An order's status")
def order_status(request: HttpRequest, token: str) -> OrderOut:
    """By the order's unguessable token (the confirmation page's), never by its number."""
    check_rate(request)
    order = Order.objects.filter(token=token[:64]).first()
    if order is None:
        raise NotFound("No order has this token.", field="token")
    return _order_out(order)
