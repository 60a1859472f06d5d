"""The staff (admin) API: bearer tokens with scopes, over the same operations as the admin.

`Authorization: Bearer fh_<key>_<secret>`; a missing or unknown token is 401, a token without
the endpoint's scope 403. Writes that move goods or money take an `Idempotency-Key` header: a
retried fulfilment or refund is answered with the first result, never done twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.security import HttpBearer
from pydantic import field_validator

from freehold.api.conventions import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    ErrorOut,
    MoneyOut,
    money,
    page_by_key,
)
from freehold.api.models import ApiToken
from freehold.api.services import api_token_authenticate
from freehold.catalog.models import Product, Variant
from freehold.catalog.services import stock_adjust
from freehold.core import audit
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, NotFound
from freehold.core.idempotency import fingerprint_of, run_idempotent
from freehold.core.models import AuditEvent
from freehold.orders.models import Order
from freehold.orders.operations import fulfilment_create, order_cancel, order_refund
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus


class Forbidden(FreeholdError):
    code = "forbidden"


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        found = api_token_authenticate(token)
        if found is not None:
            request.api_token = found  # type: ignore[attr-defined]
        return found


router = Router(tags=["admin"], auth=TokenAuth())
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
}


def require(request: HttpRequest, scope: str) -> Actor:
    """The token's actor, if it holds `scope`; else 403 naming the scope."""
    token: ApiToken = request.auth  # type: ignore[attr-defined]
    if scope not in token.scopes:
        raise Forbidden(f"This token lacks the scope {scope}.", field="scope")
    return Actor(kind=AuditEvent.ActorKind.API_TOKEN, id=str(token.pk), label=token.name)


class OrderLineOut(Schema):
    id: int
    product_title: str
    variant_title: str
    sku: str
    quantity: int
    quantity_fulfilled: int
    quantity_refunded: int
    total: MoneyOut


class FulfilmentOut(Schema):
    id: int
    status: str
    carrier: str
    tracking_number: str
    tracking_url: str
    shipped_at: dt.datetime | None
    delivered_at: dt.datetime | None


class AdminOrderOut(Schema):
    number: str
    email: str
    status: str
    payment_status: str
    fulfilment_status: str
    placed_at: dt.datetime | None
    total: MoneyOut
    shipping_address: dict[str, str]
    lines: list[OrderLineOut]
    fulfilments: list[FulfilmentOut]


class AdminOrderSummary(Schema):
    number: str
    email: str
    status: str
    payment_status: str
    fulfilment_status: str
    placed_at: dt.datetime | None
    total: MoneyOut


class AdminOrderPage(Schema):
    items: list[AdminOrderSummary]
    next_cursor: str | None = None


class OrderFilters(Schema):
    status: OrderStatus | None = None
    payment_status: PaymentStatus | None = None
    fulfilment_status: FulfilmentStatus | None = None
    placed_after: dt.datetime | None = None
    placed_before: dt.datetime | None = None
    q: str | None = Field(None, max_length=200, description="Order number or e-mail.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)

    @field_validator("placed_after", "placed_before")
    @classmethod
    def _in_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        """In UTC, whatever offset was sent (a time without one is UTC): the database accepts
        offsets up to 15:59 only, and some clients send others."""
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        try:
            return value.astimezone(dt.UTC)
        except OverflowError:
            raise ValueError("This time is out of range.") from None


def _total(order: Order) -> MoneyOut:
    total = money(order.total_amount, order.currency)
    assert total is not None
    return total


def _summary(order: Order) -> AdminOrderSummary:
    return AdminOrderSummary(
        number=order.number,
        email=order.email,
        status=order.status,
        payment_status=order.payment_status,
        fulfilment_status=order.fulfilment_status,
        placed_at=order.placed_at,
        total=_total(order),
    )


def _detail(order: Order) -> AdminOrderOut:
    return AdminOrderOut(
        **_summary(order).model_dump(),
        shipping_address={k: str(v) for k, v in (order.shipping_address or {}).items()},
        lines=[
            OrderLineOut(
                id=line.pk,
                product_title=line.product_title,
                variant_title=line.variant_title,
                sku=line.sku,
                quantity=line.quantity,
                quantity_fulfilled=line.quantity_fulfilled,
                quantity_refunded=line.quantity_refunded,
                total=money(line.total_amount, line.currency) or _total(order),
            )
            for line in order.lines.all()
        ],
        fulfilments=[
            FulfilmentOut(
                id=parcel.pk,
                status=parcel.status,
                carrier=parcel.carrier,
                tracking_number=parcel.tracking_number,
                tracking_url=parcel.tracking_url,
                shipped_at=parcel.shipped_at,
                delivered_at=parcel.delivered_at,
            )
            for parcel in order.fulfilments.all()
        ],
    )


def _once(*, scope: str, key: str, data: Schema, operation: Callable[[], dict[str, Any]]) -> None:
    """Run `operation` once per `Idempotency-Key` and target; the same key with another body
    is refused (409)."""
    run_idempotent(
        scope=scope,
        key=key,
        fingerprint=fingerprint_of(data.model_dump_json()),
        operation=operation,
    )


def _order(number: str) -> Order:
    order = Order.objects.filter(number=number.lstrip("#")[:32]).first()
    if order is None:
        raise NotFound("No order has this number.", field="number")
    return order


@router.get("/admin/orders", response={200: AdminOrderPage, **ERRORS}, summary="List orders")
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> AdminOrderPage:
    """Newest first; every filter is optional. Scope `orders:read`."""
    require(request, "orders:read")
    orders: QuerySet[Order] = Order.objects.all()
    for name in ("status", "payment_status", "fulfilment_status"):
        value = getattr(filters, name)
        if value:
            orders = orders.filter(**{name: value})
    if filters.placed_after:
        orders = orders.filter(placed_at__gte=filters.placed_after)
    if filters.placed_before:
        orders = orders.filter(placed_at__lt=filters.placed_before)
    if filters.q:
        text = filters.q.strip().lstrip("#")
        orders = orders.filter(Q(number=text) | Q(email__iexact=text))
    rows, next_cursor = page_by_key(orders, limit=filters.limit, cursor=filters.cursor)
    return AdminOrderPage(items=[_summary(order) for order in rows], next_cursor=next_cursor)


@router.get("/admin/orders/{number}", response={200: AdminOrderOut, **ERRORS}, summary="An order")
def get_order(request: HttpRequest, number: str) -> AdminOrderOut:
    require(request, "orders:read")
    return _detail(_order(number))


class FulfilIn(Schema):
    carrier: str = Field("", max_length=128)
    tracking_number: str = Field("", max_length=255)
    lines: dict[int, int] | None = Field(
        None, description="Order line id to units in this parcel; omitted: everything left."
    )


class RefundIn(Schema):
    amount: Decimal | None = Field(None, gt=0, max_digits=14, decimal_places=4)
    lines: dict[int, int] | None = Field(None, description="Order line id to units refunded.")
    reason: str = Field("", max_length=500)
    restock: bool = False


IDEMPOTENCY = Header(..., alias="Idempotency-Key", min_length=1, max_length=255)


@router.post(
    "/admin/orders/{number}/fulfilments",
    response={201: AdminOrderOut, **ERRORS},
    summary="Ship a parcel (Idempotency-Key required)",
)
def fulfil(
    request: HttpRequest, number: str, data: FulfilIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `orders:write`. The order must be paid; a known carrier gets its tracking link."""
    actor = require(request, "orders:write")
    order = _order(number)

    def operation() -> dict[str, Any]:
        lines = data.lines
        if lines is None:
            lines = {
                line.pk: line.quantity - line.quantity_fulfilled
                for line in order.lines.all()
                if line.quantity > line.quantity_fulfilled
            }
        parcel = fulfilment_create(
            order=order,
            lines=lines,
            actor=actor,
            carrier=data.carrier,
            tracking_number=data.tracking_number,
        )
        return {"fulfilment_id": parcel.pk}

    _once(scope=f"api.fulfil:{order.pk}", key=idempotency_key, data=data, operation=operation)
    return Status(201, _detail(_order(number)))


@router.post(
    "/admin/orders/{number}/refunds",
    response={201: AdminOrderOut, **ERRORS},
    summary="Refund an amount or lines (Idempotency-Key required)",
)
def refund(
    request: HttpRequest, number: str, data: RefundIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `orders:write`. Give `amount` or `lines`; more than was captured is refused."""
    actor = require(request, "orders:write")
    if (data.amount is None) == (data.lines is None):
        raise FreeholdError("Give either an amount or lines to refund.", field="amount")
    order = _order(number)

    def operation() -> dict[str, Any]:
        payment = order_refund(
            order=order,
            actor=actor,
            amount=data.amount,
            lines=data.lines,
            reason=data.reason,
            restock=data.restock,
        )
        return {"payment_id": payment.pk}

    _once(scope=f"api.refund:{order.pk}", key=idempotency_key, data=data, operation=operation)
    return Status(201, _detail(_order(number)))


class CancelIn(Schema):
    reason: str = Field("", max_length=500)
    restock: bool = True


@router.post(
    "/admin/orders/{number}/cancel", response={200: AdminOrderOut, **ERRORS}, summary="Cancel"
)
def cancel(request: HttpRequest, number: str, data: CancelIn) -> AdminOrderOut:
    """Scope `orders:write`. A paid order must be refunded first. Cancelling twice is refused."""
    actor = require(request, "orders:write")
    order_cancel(order=_order(number), actor=actor, reason=data.reason, restock=data.restock)
    return _detail(_order(number))


class AdminVariantOut(Schema):
    id: int
    sku: str
    title: str
    price: MoneyOut
    stock_quantity: int
    track_inventory: bool


class AdminProductOut(Schema):
    id: int
    handle: str
    title: str
    status: str
    variants: list[AdminVariantOut]


class AdminProductPage(Schema):
    items: list[AdminProductOut]
    next_cursor: str | None = None


class ProductFilters(Schema):
    status: Product.Status | None = None
    q: str | None = Field(None, max_length=200, description="A handle or a variant's SKU.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)


def _admin_variant(variant: Variant) -> AdminVariantOut:
    price = money(variant.price_amount, variant.currency)
    assert price is not None
    return AdminVariantOut(
        id=variant.pk,
        sku=variant.sku,
        title=variant.title,
        price=price,
        stock_quantity=variant.stock_quantity,
        track_inventory=variant.track_inventory,
    )


def _admin_product(product: Product) -> AdminProductOut:
    return AdminProductOut(
        id=product.pk,
        handle=product.handle,
        title=product.title,
        status=product.status,
        variants=[_admin_variant(variant) for variant in product.variants.all()],
    )


@router.get("/admin/products", response={200: AdminProductPage, **ERRORS}, summary="List products")
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> AdminProductPage:
    """Every status (drafts and archived too), newest first, with variants and stock.
    Scope `products:read`."""
    require(request, "products:read")
    products = Product.objects.prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("position", "id"))
    )
    if filters.status:
        products = products.filter(status=filters.status)
    if filters.q:
        text = filters.q.strip()
        products = products.filter(Q(handle=text) | Q(variants__sku=text)).distinct()
    rows, next_cursor = page_by_key(products, limit=filters.limit, cursor=filters.cursor)
    return AdminProductPage(
        items=[_admin_product(product) for product in rows], next_cursor=next_cursor
    )


class StockIn(Schema):
    delta: int = Field(
        ..., ge=-1_000_000, le=1_000_000, description="Units to add (negative: remove)."
    )
    reason: str = Field(
        ..., min_length=1, max_length=200, description="Received, counted, damaged…"
    )


@router.post(
    "/admin/variants/{variant_id}/stock",
    response={200: AdminVariantOut, **ERRORS},
    summary="Adjust a variant's stock (Idempotency-Key required)",
)
def adjust_stock(
    request: HttpRequest, variant_id: int, data: StockIn, idempotency_key: str = IDEMPOTENCY
) -> AdminVariantOut:
    """Scope `products:write`. The reason goes into the audit trail with the token's name."""
    actor = require(request, "products:write")
    variant = Variant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        raise NotFound("No variant has this id.", field="variant_id")
    if data.delta == 0:
        raise FreeholdError("Adjust by at least one unit.", field="delta")

    def operation() -> dict[str, Any]:
        before = variant.stock_quantity
        after = stock_adjust(variant=variant, delta=data.delta)
        audit.record(
            actor=actor,
            verb="stock.adjusted",
            obj=variant,
            data={"delta": data.delta, "reason": data.reason, "before": before, "after": after},
        )
        return {"stock_quantity": after}

    _once(scope=f"api.stock:{variant.pk}", key=idempotency_key, data=data, operation=operation)
    variant.refresh_from_db()
    return _admin_variant(variant)
