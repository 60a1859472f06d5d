"""Admin API, discount codes: list, one code, create, edit, pause and resume
(`discounts:read`, `discounts:write`).

`marketing.services` holds the rules (the code's pattern, a percentage at most 100, a currency
for a fixed amount, the end after the start, one code in any case); this module only translates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from pydantic import field_validator

from freehold.api.conventions import DEFAULT_LIMIT, MAX_LIMIT, OneOf, page_by_key
from freehold.api.staff import (
    ERRORS,
    IDEMPOTENCY,
    absent,
    actor_of,
    admin_router,
    changes_of,
    create_once,
    in_utc,
    scope,
)
from freehold.core.errors import FreeholdError, NotFound
from freehold.marketing import services as marketing
from freehold.marketing.models import DiscountCode, normalise_code

router = admin_router("discounts")
DiscountKind = Annotated[str, OneOf(DiscountCode.Kind)]

LIMIT_MAX = 2_147_483_647  # the largest value a PostgreSQL integer holds
# The API's names for the model's fields, both ways.
TO_MODEL = {"minimum_subtotal": "minimum_subtotal_amount"}
TO_API = {model: api for api, model in TO_MODEL.items()}


class DiscountOut(Schema):
    id: int
    code: str
    kind: DiscountKind
    value: str = Field(..., description="Percent for `percentage`, an amount for `fixed_amount`.")
    currency: str | None = Field(
        ..., description="The only currency the code works in; null: any currency."
    )
    minimum_subtotal: str | None = Field(
        ..., description="Least subtotal, in `currency` (or the cart's when null)."
    )
    starts_at: dt.datetime | None
    ends_at: dt.datetime | None
    usage_limit_total: int | None
    usage_limit_per_customer: int | None
    times_used: int
    is_active: bool
    created_at: dt.datetime
    updated_at: dt.datetime


class DiscountPage(Schema):
    items: list[DiscountOut]
    next_cursor: str | None = None


class DiscountFilters(Schema):
    q: str | None = Field(None, max_length=64, description="The start of a code.")
    kind: DiscountKind | None = None
    is_active: bool | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)


def _out(discount: DiscountCode) -> DiscountOut:
    return DiscountOut(
        id=discount.pk,
        code=discount.code,
        kind=discount.kind,
        value=_amount(discount.value),
        currency=discount.currency or None,
        minimum_subtotal=(
            None
            if discount.minimum_subtotal_amount is None
            else _amount(discount.minimum_subtotal_amount)
        ),
        starts_at=discount.starts_at,
        ends_at=discount.ends_at,
        usage_limit_total=discount.usage_limit_total,
        usage_limit_per_customer=discount.usage_limit_per_customer,
        times_used=discount.times_used,
        is_active=discount.is_active,
        created_at=discount.created_at,
        updated_at=discount.updated_at,
    )


def _amount(value: Decimal) -> str:
    """A decimal as text with at least two places and no trailing noise: 10 → "10.00",
    12.5 → "12.50", 7.125 → "7.125"."""
    text = format(Decimal(value).normalize(), "f")
    whole, _, places = text.partition(".")
    return f"{whole}.{places.ljust(2, '0')}"


def _discount(discount_id: int) -> DiscountCode:
    discount = DiscountCode.objects.filter(pk=discount_id).first()
    if discount is None:
        raise NotFound("No discount code has this id.", field="discount_id")
    return discount


@contextmanager
def _api_field_names() -> Iterator[None]:
    try:
        yield
    except FreeholdError as error:
        if error.field in TO_API:
            error.field = TO_API[error.field]
        raise


def _model_fields(changes: dict[str, Any]) -> dict[str, Any]:
    return {TO_MODEL.get(name, name): value for name, value in changes.items()}


@router.get(
    "/admin/discounts",
    response={200: DiscountPage, **ERRORS},
    summary="List discount codes",
    auth=scope("discounts:read"),
)
def list_discounts(request: HttpRequest, filters: Query[DiscountFilters]) -> DiscountPage:
    """Newest first, with how often each was used. Scope `discounts:read`."""
    discounts: QuerySet[DiscountCode] = DiscountCode.objects.all()
    if filters.q:
        discounts = discounts.filter(code__startswith=normalise_code(filters.q))
    if filters.kind:
        discounts = discounts.filter(kind=filters.kind)
    if filters.is_active is not None:
        discounts = discounts.filter(is_active=filters.is_active)
    rows, next_cursor = page_by_key(discounts, limit=filters.limit, cursor=filters.cursor)
    return DiscountPage(items=[_out(row) for row in rows], next_cursor=next_cursor)


@router.get(
    "/admin/discounts/{discount_id}",
    response={200: DiscountOut, **ERRORS},
    summary="A discount code",
    auth=scope("discounts:read"),
)
def get_discount(request: HttpRequest, discount_id: int) -> DiscountOut:
    """Scope `discounts:read`."""
    return _out(_discount(discount_id))


class _Times(Schema):
    @field_validator("starts_at", "ends_at", check_fields=False)
    @classmethod
    def _in_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return in_utc(value)


class DiscountIn(_Times):
    code: str = Field(
        ..., min_length=3, max_length=64, description="Letters, digits, - and _; any case."
    )
    kind: DiscountKind
    value: Decimal = Field(Decimal(0), ge=0, max_digits=16, decimal_places=4)
    currency: str = Field("", max_length=3, description="Required for `fixed_amount`.")
    minimum_subtotal: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=4)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    usage_limit_total: int | None = Field(None, ge=1, le=LIMIT_MAX)
    usage_limit_per_customer: int | None = Field(None, ge=1, le=LIMIT_MAX)
    is_active: bool = True


class DiscountPatch(_Times):
    """Only the fields sent change; null clears a limit, a minimum or a date."""

    code: str = Field(default_factory=absent, min_length=3, max_length=64)
    kind: DiscountKind = Field(default_factory=absent)
    value: Decimal = Field(default_factory=absent, ge=0, max_digits=16, decimal_places=4)
    currency: str = Field(default_factory=absent, max_length=3)
    minimum_subtotal: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=4)
    starts_at: dt.datetime | None = None
    ends_at: dt.datetime | None = None
    usage_limit_total: int | None = Field(None, ge=1, le=LIMIT_MAX)
    usage_limit_per_customer: int | None = Field(None, ge=1, le=LIMIT_MAX)
    is_active: bool = Field(default_factory=absent)


@router.post(
    "/admin/discounts",
    response={201: DiscountOut, **ERRORS},
    summary="Create a discount code (Idempotency-Key required)",
    auth=scope("discounts:write"),
)
def create_discount(
    request: HttpRequest, data: DiscountIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `discounts:write`. A retry with the same key answers with the first code."""
    actor = actor_of(request)

    def create() -> int:
        with _api_field_names():
            return marketing.discount_create(actor=actor, **_model_fields(data.model_dump())).pk

    discount_id = create_once(
        request, kind="discount", key=idempotency_key, data=data, create=create
    )
    return Status(201, _out(_discount(discount_id)))


@router.patch(
    "/admin/discounts/{discount_id}",
    response={200: DiscountOut, **ERRORS},
    summary="Edit a discount code",
    auth=scope("discounts:write"),
)
def update_discount(request: HttpRequest, discount_id: int, data: DiscountPatch) -> DiscountOut:
    """Scope `discounts:write`. The same rules as creating; uses so far are kept."""
    actor = actor_of(request)
    discount = _discount(discount_id)
    changes = _model_fields(changes_of(data))
    if changes:
        with _api_field_names():
            marketing.discount_update(discount=discount, actor=actor, **changes)
    return _out(_discount(discount_id))


@router.post(
    "/admin/discounts/{discount_id}/pause",
    response={200: DiscountOut, **ERRORS},
    summary="Pause a discount code",
    auth=scope("discounts:write"),
)
def pause_discount(request: HttpRequest, discount_id: int) -> DiscountOut:
    """Scope `discounts:write`. Shoppers' carts stop accepting it; uses and limits are kept."""
    actor = actor_of(request)
    marketing.discount_pause(discount=_discount(discount_id), actor=actor)
    return _out(_discount(discount_id))


@router.post(
    "/admin/discounts/{discount_id}/resume",
    response={200: DiscountOut, **ERRORS},
    summary="Resume a paused discount code",
    auth=scope("discounts:write"),
)
def resume_discount(request: HttpRequest, discount_id: int) -> DiscountOut:
    """Scope `discounts:write`."""
    actor = actor_of(request)
    marketing.discount_resume(discount=_discount(discount_id), actor=actor)
    return _out(_discount(discount_id))
