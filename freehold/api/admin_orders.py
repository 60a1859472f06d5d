"""Admin API, orders: list with filters, one order, fulfil, refund, cancel (`orders:*`)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from pydantic import field_validator

from freehold.api.conventions import DEFAULT_LIMIT, MAX_LIMIT, MoneyOut, money, page_by_key
from freehold.api.staff import ERRORS, IDEMPOTENCY, actor_of, admin_router, in_utc, once, scope
from freehold.core.errors import FreeholdError, NotFound
from freehold.orders.models import Order
from freehold.orders.operations import (
    fulfilment_create,
    lines_to_ship,
    order_cancel,
    order_refund,
)
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus

router = admin_router("orders")


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


class AdminOrderSummary(Schema):
    number: str
    email: str
    status: str
    payment_status: str
    fulfilment_status: str
    country_code: str
    created_at: dt.datetime
    placed_at: dt.datetime | None
    total: MoneyOut
    base_currency: str = Field(
        "", description="The store's currency; empty for an order from before markets."
    )
    base_total: MoneyOut | None = Field(
        None, description="The total in the store's currency, at `fx_rate`."
    )
    fx_rate: str = Field(
        "1", description="Units of the order's currency one unit of the store's currency bought."
    )
    market: str = Field("", description="The market's code at the time of sale.")
    language: str = Field("", description="The shopper's language, such as de or zh-hans.")


class AdminOrderOut(AdminOrderSummary):
    shipping_address: dict[str, str]
    lines: list[OrderLineOut]
    fulfilments: list[FulfilmentOut]


class AdminOrderPage(Schema):
    items: list[AdminOrderSummary]
    next_cursor: str | None = None


class OrderFilters(Schema):
    status: OrderStatus | None = None
    payment_status: PaymentStatus | None = None
    fulfilment_status: FulfilmentStatus | None = None
    placed_after: dt.datetime | None = Field(None, description="Placed at or after (ISO 8601).")
    placed_before: dt.datetime | None = Field(None, description="Placed before (ISO 8601).")
    created_after: dt.datetime | None = Field(None, description="Created at or after.")
    created_before: dt.datetime | None = Field(None, description="Created before.")
    country: str | None = Field(
        None,
        min_length=2,
        max_length=2,
        pattern="^[A-Za-z]{2}$",
        description="Shipping country, ISO 3166-1 alpha-2 (DE, FR…).",
    )
    q: str | None = Field(None, max_length=200, description="Order number or e-mail.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)

    @field_validator("placed_after", "placed_before", "created_after", "created_before")
    @classmethod
    def _in_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return in_utc(value)


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
        country_code=str((order.shipping_address or {}).get("country_code", "")),
        created_at=order.created_at,
        placed_at=order.placed_at,
        total=_total(order),
        base_currency=order.base_currency,
        base_total=money(order.base_total_amount, order.base_currency)
        if order.base_currency
        else None,
        fx_rate=f"{order.fx_rate.normalize():f}",
        market=order.market_code,
        language=order.language,
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


def _order(number: str) -> Order:
    order = Order.objects.filter(number=number.lstrip("#")[:32]).first()
    if order is None:
        raise NotFound("No order has this number.", field="number")
    return order


@router.get(
    "/admin/orders",
    response={200: AdminOrderPage, **ERRORS},
    summary="List orders",
    auth=scope("orders:read"),
)
def list_orders(request: HttpRequest, filters: Query[OrderFilters]) -> AdminOrderPage:
    """Newest first; every filter is optional. Scope `orders:read`."""
    orders: QuerySet[Order] = Order.objects.all()
    for name in ("status", "payment_status", "fulfilment_status"):
        value = getattr(filters, name)
        if value:
            orders = orders.filter(**{name: value})
    if filters.placed_after:
        orders = orders.filter(placed_at__gte=filters.placed_after)
    if filters.placed_before:
        orders = orders.filter(placed_at__lt=filters.placed_before)
    if filters.created_after:
        orders = orders.filter(created_at__gte=filters.created_after)
    if filters.created_before:
        orders = orders.filter(created_at__lt=filters.created_before)
    if filters.country:
        orders = orders.filter(shipping_address__country_code=filters.country.upper())
    if filters.q:
        text = filters.q.strip().lstrip("#")
        orders = orders.filter(Q(number=text) | Q(email__iexact=text))
    rows, next_cursor = page_by_key(orders, limit=filters.limit, cursor=filters.cursor)
    return AdminOrderPage(items=[_summary(order) for order in rows], next_cursor=next_cursor)


@router.get(
    "/admin/orders/{number}",
    response={200: AdminOrderOut, **ERRORS},
    summary="An order",
    auth=scope("orders:read"),
)
def get_order(request: HttpRequest, number: str) -> AdminOrderOut:
    """With its lines and parcels. Scope `orders:read`."""
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
    shipping: bool = Field(
        False,
        description="An amount refund that gives back shipping: in marketplace mode that part "
        "stays with the store and is not taken from the vendors.",
    )


@router.post(
    "/admin/orders/{number}/fulfilments",
    response={201: AdminOrderOut, **ERRORS},
    summary="Ship a parcel (Idempotency-Key required)",
    auth=scope("orders:write"),
)
def fulfil(
    request: HttpRequest, number: str, data: FulfilIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `orders:write`. The order must be paid; a known carrier gets its tracking link."""
    actor = actor_of(request)
    order = _order(number)

    def operation() -> dict[str, Any]:
        # Without lines: every unit still to ship (refunded units are not shipped).
        lines = data.lines if data.lines is not None else lines_to_ship(order)
        parcel = fulfilment_create(
            order=order,
            lines=lines,
            actor=actor,
            carrier=data.carrier,
            tracking_number=data.tracking_number,
        )
        return {"fulfilment_id": parcel.pk}

    once(scope=f"api.fulfil:{order.pk}", key=idempotency_key, data=data, operation=operation)
    return Status(201, _detail(_order(number)))


@router.post(
    "/admin/orders/{number}/refunds",
    response={201: AdminOrderOut, **ERRORS},
    summary="Refund an amount or lines (Idempotency-Key required)",
    auth=scope("orders:write"),
)
def refund(
    request: HttpRequest, number: str, data: RefundIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `orders:write`. Give `amount` or `lines`; more than was captured is refused."""
    actor = actor_of(request)
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
            shipping=data.shipping,
        )
        return {"payment_id": payment.pk}

    once(scope=f"api.refund:{order.pk}", key=idempotency_key, data=data, operation=operation)
    return Status(201, _detail(_order(number)))


class CancelIn(Schema):
    reason: str = Field("", max_length=500)
    restock: bool = True


@router.post(
    "/admin/orders/{number}/cancel",
    response={200: AdminOrderOut, **ERRORS},
    summary="Cancel",
    auth=scope("orders:write"),
)
def cancel(request: HttpRequest, number: str, data: CancelIn) -> AdminOrderOut:
    """Scope `orders:write`. A paid order must be refunded first. Cancelling twice is refused."""
    actor = actor_of(request)
    order_cancel(order=_order(number), actor=actor, reason=data.reason, restock=data.restock)
    return _detail(_order(number))
