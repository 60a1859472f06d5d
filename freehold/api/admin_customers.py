"""Admin API, customers: list with filters, one customer with order count and total spent,
create, edit (`customers:read`, `customers:write`).

Staff accounts are not customers here: a token that could change a staff member's e-mail
address could take over that account through "forgot password", so they are neither listed nor
found (404) nor editable through this API.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Schema, Status
from pydantic import field_validator

from freehold.api.conventions import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MoneyOut,
    money,
    page_by_key,
    store_currency,
)
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
from freehold.core.errors import NotFound
from freehold.customers import services as customer_services
from freehold.customers.models import Customer
from freehold.customers.selectors import customers_for_staff

router = admin_router("customers")

# Orders whose money the store kept (a partly refunded order still counts, in full).


class CustomerOut(Schema):
    id: int
    email: str
    first_name: str
    last_name: str
    phone: str
    country_code: str
    language: str
    accepts_marketing: bool
    accepts_marketing_updated_at: dt.datetime | None
    tags: list[str]
    note: str
    created_at: dt.datetime
    orders_count: int = Field(..., description="Orders placed, whatever their state.")
    total_spent: MoneyOut = Field(
        ...,
        description="Paid orders' totals less refunds, in the store's currency.",
    )


class CustomerPage(Schema):
    items: list[CustomerOut]
    next_cursor: str | None = None


class CustomerFilters(Schema):
    q: str | None = Field(None, max_length=200, description="Part of the e-mail or the name.")
    country: str | None = Field(
        None, min_length=2, max_length=2, pattern="^[A-Za-z]{2}$", description="DE, FR…"
    )
    accepts_marketing: bool | None = None
    created_after: dt.datetime | None = Field(None, description="Created at or after.")
    created_before: dt.datetime | None = Field(None, description="Created before.")
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)

    @field_validator("created_after", "created_before")
    @classmethod
    def _in_utc(cls, value: dt.datetime | None) -> dt.datetime | None:
        return in_utc(value)


def _customers() -> QuerySet[Customer]:
    """Customers (never staff) with their order count and spending, as the dashboard counts
    them, in one query whatever the page size."""
    return customers_for_staff(currency=store_currency())


def _out(customer: Customer, currency: str) -> CustomerOut:
    total = money(getattr(customer, "total_spent", None) or Decimal(0), currency)
    assert total is not None
    return CustomerOut(
        id=customer.pk,
        email=customer.email,
        first_name=customer.first_name,
        last_name=customer.last_name,
        phone=customer.phone,
        country_code=customer.country_code,
        language=customer.language,
        accepts_marketing=customer.accepts_marketing,
        accepts_marketing_updated_at=customer.accepts_marketing_updated_at,
        tags=list(customer.tags or []),
        note=customer.note,
        created_at=customer.date_joined,
        orders_count=getattr(customer, "order_count", 0),
        total_spent=total,
    )


def _customer(customer_id: int) -> Customer:
    customer = _customers().filter(pk=customer_id).first()
    if customer is None:
        raise NotFound("No customer has this id.", field="customer_id")
    return customer


@router.get(
    "/admin/customers",
    response={200: CustomerPage, **ERRORS},
    summary="List customers",
    auth=scope("customers:read"),
)
def list_customers(request: HttpRequest, filters: Query[CustomerFilters]) -> CustomerPage:
    """Newest first; every filter is optional. Scope `customers:read`."""
    customers = _customers()
    if filters.q:
        text = filters.q.strip()
        customers = customers.filter(
            Q(email__icontains=text) | Q(first_name__icontains=text) | Q(last_name__icontains=text)
        )
    if filters.country:
        customers = customers.filter(country_code=filters.country.upper())
    if filters.accepts_marketing is not None:
        customers = customers.filter(accepts_marketing=filters.accepts_marketing)
    if filters.created_after:
        customers = customers.filter(date_joined__gte=filters.created_after)
    if filters.created_before:
        customers = customers.filter(date_joined__lt=filters.created_before)
    rows, next_cursor = page_by_key(customers, limit=filters.limit, cursor=filters.cursor)
    currency = store_currency()
    return CustomerPage(items=[_out(row, currency) for row in rows], next_cursor=next_cursor)


@router.get(
    "/admin/customers/{customer_id}",
    response={200: CustomerOut, **ERRORS},
    summary="A customer",
    auth=scope("customers:read"),
)
def get_customer(request: HttpRequest, customer_id: int) -> CustomerOut:
    """With the number of orders and the total spent. Scope `customers:read`."""
    return _out(_customer(customer_id), store_currency())


class CustomerIn(Schema):
    email: str = Field(..., min_length=1, max_length=254)
    first_name: str = Field("", max_length=150)
    last_name: str = Field("", max_length=150)
    phone: str = Field("", max_length=32, description="E.164: +4930123456.")
    country_code: str = Field("", max_length=2, description="ISO 3166-1 alpha-2.")
    language: str = Field("", max_length=16, description="en, de-AT…")
    accepts_marketing: bool = Field(False, description="Only with the customer's consent.")
    tags: list[str] = Field([], max_length=50)
    note: str = Field("", max_length=5000, description="Staff only; never shown to the customer.")


class CustomerPatch(Schema):
    """Only the fields sent change; `tags` replaces every tag."""

    email: str = Field(default_factory=absent, min_length=1, max_length=254)
    first_name: str = Field(default_factory=absent, max_length=150)
    last_name: str = Field(default_factory=absent, max_length=150)
    phone: str = Field(default_factory=absent, max_length=32)
    country_code: str = Field(default_factory=absent, max_length=2)
    language: str = Field(default_factory=absent, max_length=16)
    accepts_marketing: bool = Field(default_factory=absent)
    tags: list[str] = Field(default_factory=absent, max_length=50)
    note: str = Field(default_factory=absent, max_length=5000)


@router.post(
    "/admin/customers",
    response={201: CustomerOut, **ERRORS},
    summary="Create a customer (Idempotency-Key required)",
    auth=scope("customers:write"),
)
def create_customer(
    request: HttpRequest, data: CustomerIn, idempotency_key: str = IDEMPOTENCY
) -> Status:
    """Scope `customers:write`. The account has no password until the customer sets one
    ("forgot password"). A retry with the same key answers with the first customer."""
    actor = actor_of(request)

    def create() -> int:
        fields: dict[str, Any] = data.model_dump()
        return customer_services.customer_create(actor=actor, **fields).pk

    customer_id = create_once(
        request, kind="customer", key=idempotency_key, data=data, create=create
    )
    return Status(201, _out(_customer(customer_id), store_currency()))


@router.patch(
    "/admin/customers/{customer_id}",
    response={200: CustomerOut, **ERRORS},
    summary="Edit a customer",
    auth=scope("customers:write"),
)
def update_customer(request: HttpRequest, customer_id: int, data: CustomerPatch) -> CustomerOut:
    """Scope `customers:write`. Changing `accepts_marketing` records when consent changed."""
    actor = actor_of(request)
    customer = _customer(customer_id)
    changes = changes_of(data)
    if changes:
        customer_services.customer_update(customer=customer, actor=actor, **changes)
    return _out(_customer(customer_id), store_currency())
