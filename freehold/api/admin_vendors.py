"""Admin API, marketplace vendors: list with filters, one vendor with its verification state,
approve or reject a submitted field, its payouts and sub-orders (`vendors:read`,
`vendors:write`).

The verification status is never stored: every answer derives it, in the request, from the
per-field records through `inform.verification`, the function the dashboard badge, the vendor's
page and the storefront call (compliance-rules.md 1.14), so the moment a field is approved the
next GET says so. Bank accounts, tax ids and ID document numbers appear masked only ("•••• 4321",
rule 1.8): the full value is read in the dashboard, with a permission, audit-logged.

With marketplace mode off every endpoint answers 404 (`not_found`, "Marketplace mode is off."),
after the token and scope checks: a feature that is off has nothing to find.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Annotated

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from ninja import Field, Path, Query, Schema

from freehold.api.conventions import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MoneyOut,
    OneOf,
    decode_cursor,
    encode_cursor,
    money,
    page_by_key,
    store_currency,
)
from freehold.api.staff import ERRORS, actor_of, admin_router, as_api_errors, scope
from freehold.core import clock
from freehold.core.errors import FreeholdError, NotFound
from freehold.marketplace import dsa, inform, verification
from freehold.marketplace import money as marketplace_money
from freehold.marketplace.models import (
    MarketplaceSettings,
    Payout,
    SubOrder,
    SubOrderLine,
    Vendor,
    VerificationRecord,
)

router = admin_router("vendors")

VERIFICATION_STATUSES = (
    inform.NOT_HIGH_VOLUME,
    inform.INFO_REQUESTED,
    inform.SUBMITTED,
    inform.VERIFIED,
    inform.REJECTED,
    inform.SUSPENDED,
)
FIELD_STATUSES = ("missing", *VerificationRecord.Status.values)
# How many vendors one pass reads while filtering on the derived status.
SCAN_BATCH = 50


class NotSubmitted(FreeholdError):
    code = "not_submitted"


def _settings() -> MarketplaceSettings:
    """The marketplace's switches; 404 while marketplace mode is off (never creates the row)."""
    row = MarketplaceSettings.objects.filter(pk=1, enabled=True).first()
    if row is None:
        raise NotFound("Marketplace mode is off.")
    return row


# --- Shapes -----------------------------------------------------------------------------------


class CommissionOut(Schema):
    percent: str = Field(..., description="The percentage in force (the vendor's or the default).")
    fixed: MoneyOut = Field(..., description="Per order line, in the store's currency.")
    is_default: bool = Field(..., description="True when the vendor has no rates of its own.")


class FieldStateOut(Schema):
    field: Annotated[str, OneOf(VerificationRecord.Field)]
    label: str
    status: Annotated[str, OneOf(FIELD_STATUSES)]
    value: str = Field(
        ...,
        description="Masked for bank accounts, tax ids and ID documents (•••• 4321); never "
        "the full secret.",
    )
    has_document: bool
    submitted_at: dt.datetime | None
    decided_at: dt.datetime | None
    reason: str


class VerificationOut(Schema):
    status: Annotated[str, OneOf(VERIFICATION_STATUSES)]
    label: str
    fields: list[FieldStateOut]
    open_certification_notices: int


class TraderOut(Schema):
    dsa_applies: bool = Field(
        ..., description="EU trader rules (DSA Art. 30) apply to this vendor now."
    )
    missing: list[Annotated[str, OneOf(dsa.TRADER_FIELDS)]] = Field(
        ..., description="Art. 30(1) fields not provided; listing is blocked while any is."
    )


class VendorOut(Schema):
    id: int
    name: str
    handle: str
    status: Annotated[str, OneOf(Vendor.Status)]
    is_business: bool
    email: str
    phone: str
    country_code: str
    region: str
    commission: CommissionOut
    high_volume: bool
    high_volume_since: dt.datetime | None
    info_requested_at: dt.datetime | None
    created_at: dt.datetime
    terminated_at: dt.datetime | None
    verification: VerificationOut
    sales_allowed: bool = Field(..., description="False while INFORM suspends its sales.")
    suspension_reasons: list[str]
    trader: TraderOut


class CountersOut(Schema):
    """INFORM's counters now (compliance-rules.md 1.2, 1.9), in USD."""

    trailing_sales: int = Field(..., description="Sales in the disclosure window (12 months).")
    trailing_revenue: MoneyOut
    best_window_sales: int = Field(..., description="In the best 12-month window of 24 months.")
    best_window_revenue: MoneyOut
    best_window_start: dt.datetime | None
    best_window_end: dt.datetime | None


class VendorDetailOut(VendorOut):
    counters: CountersOut


class VendorPage(Schema):
    items: list[VendorOut]
    next_cursor: str | None = None


class VendorFilters(Schema):
    status: Annotated[str, OneOf(Vendor.Status)] | None = None
    verification_status: Annotated[str, OneOf(VERIFICATION_STATUSES)] | None = None
    high_volume: bool | None = None
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)


class PayoutOut(Schema):
    id: int
    status: Annotated[str, OneOf(Payout.Status)]
    amount: MoneyOut
    period_start: dt.datetime
    period_end: dt.datetime
    paid_at: dt.datetime | None
    reference: str
    created_at: dt.datetime


class PayoutPage(Schema):
    items: list[PayoutOut]
    next_cursor: str | None = None


class SubOrderOut(Schema):
    id: int
    number: str
    order_number: str
    subtotal: MoneyOut
    commission: MoneyOut
    fulfilment_status: Annotated[str, OneOf(("unfulfilled", "partial", "fulfilled"))]
    lines: int
    created_at: dt.datetime


class SubOrderPage(Schema):
    items: list[SubOrderOut]
    next_cursor: str | None = None


class ListParameters(Schema):
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(None, max_length=64)


class DecisionIn(Schema):
    reason: str = Field("", max_length=2000, description="Required to reject; shown to the vendor.")


# --- Building answers -------------------------------------------------------------------------


def _amount(amount: Decimal, currency: str) -> MoneyOut:
    shown = money(amount, currency)
    assert shown is not None
    return shown


def _field_state(state: inform.FieldState) -> FieldStateOut:
    record = state.record
    return FieldStateOut(
        field=state.field,
        label=state.label,
        status=state.status,
        value=record.value_masked if record is not None else "",
        has_document=bool(record is not None and record.document),
        submitted_at=record.submitted_at if record is not None else None,
        decided_at=record.decided_at if record is not None else None,
        reason=record.reason if record is not None else "",
    )


def _out(
    vendor: Vendor,
    *,
    settings: MarketplaceSettings,
    currency: str,
    state: inform.Verification | None = None,
    trader_records: Iterable[VerificationRecord] | None = None,
) -> VendorOut:
    """One vendor's answer; a list passes the `state` and `trader_records` it read for the
    whole page (`_states`), one vendor reads its own."""
    state = state or inform.verification(vendor)
    own_rates = vendor.commission_percent is not None or vendor.commission_fixed_amount is not None
    percent = (
        vendor.commission_percent
        if vendor.commission_percent is not None
        else settings.default_commission_percent
    )
    fixed = (
        vendor.commission_fixed_amount
        if vendor.commission_fixed_amount is not None
        else settings.default_commission_fixed
    )
    return VendorOut(
        id=vendor.pk,
        name=vendor.name,
        handle=vendor.handle,
        status=vendor.status,
        is_business=vendor.is_business,
        email=vendor.email,
        phone=vendor.phone,
        country_code=vendor.country_code,
        region=vendor.region,
        commission=CommissionOut(
            percent=f"{percent:.2f}", fixed=_amount(fixed, currency), is_default=not own_rates
        ),
        high_volume=vendor.high_volume_since is not None,
        high_volume_since=vendor.high_volume_since,
        info_requested_at=vendor.info_requested_at,
        created_at=vendor.created_at,
        terminated_at=vendor.terminated_at,
        verification=VerificationOut(
            status=state.status,
            label=state.label,
            fields=[_field_state(field) for field in state.fields],
            open_certification_notices=len(state.open_notices),
        ),
        sales_allowed=state.status != inform.SUSPENDED,
        suspension_reasons=list(state.reasons),
        trader=TraderOut(
            dsa_applies=dsa.applies_to(vendor, settings),
            missing=dsa.trader_missing(vendor, trader_records),
        ),
    )


def _states(
    vendors: list[Vendor],
) -> tuple[dict[int, inform.Verification], dict[int, list[VerificationRecord]]]:
    """The derived status and the DSA trader records of a page of vendors in a constant
    number of statements: the same derivations the one-vendor answer runs, fed in bulk."""
    moment = clock.now()
    ids = [vendor.pk for vendor in vendors]
    states = inform.verifications(vendors, on=moment)
    # dsa reads the latest trader record per field without a cut-off
    trader = inform.latest_records_of(ids, until=None, fields=dsa.TRADER_FIELDS)
    return states, {pk: list(trader.get(pk, {}).values()) for pk in ids}


def _page_out(
    vendors: list[Vendor], *, settings: MarketplaceSettings, currency: str
) -> list[VendorOut]:
    states, trader = _states(vendors)
    return [
        _out(
            vendor,
            settings=settings,
            currency=currency,
            state=states[vendor.pk],
            trader_records=trader[vendor.pk],
        )
        for vendor in vendors
    ]


def _detail(vendor: Vendor) -> VendorDetailOut:
    settings = _settings()
    counters = inform.vendor_counters(vendor)
    return VendorDetailOut(
        **_out(vendor, settings=settings, currency=store_currency()).model_dump(),
        counters=CountersOut(
            trailing_sales=counters.trailing_sales,
            trailing_revenue=_amount(counters.trailing_revenue_usd, inform.USD),
            best_window_sales=counters.best_sales,
            best_window_revenue=_amount(counters.best_revenue_usd, inform.USD),
            best_window_start=counters.best_window_start,
            best_window_end=counters.best_window_end,
        ),
    )


def _vendor(vendor_id: int) -> Vendor:
    _settings()
    vendor = Vendor.objects.filter(pk=vendor_id).first()
    if vendor is None:
        raise NotFound("No vendor has this id.", field="vendor_id")
    return vendor


# --- Endpoints --------------------------------------------------------------------------------


@router.get(
    "/admin/vendors",
    response={200: VendorPage, **ERRORS},
    summary="List vendors",
    auth=scope("vendors:read"),
)
def list_vendors(request: HttpRequest, filters: Query[VendorFilters]) -> VendorPage:
    """Newest first; every filter is optional. `verification_status` is the derived status (as
    the dashboard badge shows it), so filtering on it reads vendors until the page is full.
    Scope `vendors:read`; 404 while marketplace mode is off."""
    settings = _settings()
    currency = store_currency()
    vendors: QuerySet[Vendor] = Vendor.objects.all()
    if filters.status:
        vendors = vendors.filter(status=filters.status)
    if filters.high_volume is not None:
        vendors = vendors.filter(high_volume_since__isnull=not filters.high_volume)
    if filters.verification_status is None:
        rows, next_cursor = page_by_key(vendors, limit=filters.limit, cursor=filters.cursor)
        return VendorPage(
            items=_page_out(list(rows), settings=settings, currency=currency),
            next_cursor=next_cursor,
        )
    # The status is derived, not a column: read newest first in batches (each batch's statuses
    # in a constant number of statements), keep the matches.
    vendors = vendors.order_by("-pk")
    if filters.cursor:
        vendors = vendors.filter(pk__lt=decode_cursor(filters.cursor))
    found: list[Vendor] = []
    last_pk: int | None = None
    more = False
    while not more:
        batch = list(
            vendors.filter(pk__lt=last_pk)[:SCAN_BATCH] if last_pk else vendors[:SCAN_BATCH]
        )
        states = inform.verifications(batch)
        for vendor in batch:
            if states[vendor.pk].status != filters.verification_status:
                continue
            if len(found) == filters.limit:
                more = True
                break
            found.append(vendor)
        if len(batch) < SCAN_BATCH:
            break
        last_pk = batch[-1].pk
    return VendorPage(
        items=_page_out(found, settings=settings, currency=currency),
        next_cursor=encode_cursor(found[-1].pk) if more else None,
    )


@router.get(
    "/admin/vendors/{vendor_id}",
    response={200: VendorDetailOut, **ERRORS},
    summary="A vendor",
    auth=scope("vendors:read"),
)
def get_vendor(request: HttpRequest, vendor_id: int) -> VendorDetailOut:
    """With its verification state per field (masked values), suspension, DSA trader data
    still missing and INFORM's counters. Scope `vendors:read`."""
    return _detail(_vendor(vendor_id))


def _decide(
    request: HttpRequest, vendor_id: int, field: str, *, approve: bool, reason: str
) -> VendorDetailOut:
    vendor = _vendor(vendor_id)
    record = inform.latest_records(vendor).get(field)
    if record is None:
        raise NotSubmitted(f"The vendor has not submitted its {field} yet.", field="field")
    if record.status != VerificationRecord.Status.SUBMITTED:
        raise NotSubmitted(
            f"The vendor's latest {field} is already {record.status}; only a submitted value "
            "can be approved or rejected.",
            field="field",
        )
    with as_api_errors():
        verification.decide(
            record=record, approve=approve, reason=reason, user=None, actor=actor_of(request)
        )
    return _detail(Vendor.objects.get(pk=vendor.pk))


FieldName = Annotated[str, OneOf(VerificationRecord.Field)]


class FieldPath(Schema):
    vendor_id: int
    field: FieldName


@router.post(
    "/admin/vendors/{vendor_id}/verification/{field}/approve",
    response={200: VendorDetailOut, **ERRORS},
    summary="Approve a submitted field",
    auth=scope("vendors:write"),
)
def approve_field(
    request: HttpRequest, path: Path[FieldPath], data: DecisionIn | None = None
) -> VendorDetailOut:
    """The vendor's latest value for `field` must be waiting for review (status submitted);
    the answer is the vendor with its status derived after the decision. Audit-logged under
    the token's name. Scope `vendors:write`."""
    reason = data.reason if data is not None else ""
    return _decide(request, path.vendor_id, path.field, approve=True, reason=reason)


@router.post(
    "/admin/vendors/{vendor_id}/verification/{field}/reject",
    response={200: VendorDetailOut, **ERRORS},
    summary="Reject a submitted field, with a reason",
    auth=scope("vendors:write"),
)
def reject_field(request: HttpRequest, path: Path[FieldPath], data: DecisionIn) -> VendorDetailOut:
    """A reason is required (the vendor sees it); not corrected within the notice period, a
    rejection suspends the vendor's sales. Scope `vendors:write`."""
    return _decide(request, path.vendor_id, path.field, approve=False, reason=data.reason)


@router.get(
    "/admin/vendors/{vendor_id}/payouts",
    response={200: PayoutPage, **ERRORS},
    summary="A vendor's payouts",
    auth=scope("vendors:read"),
)
def list_payouts(
    request: HttpRequest, vendor_id: int, parameters: Query[ListParameters]
) -> PayoutPage:
    """Newest first: scheduled, held (sales suspended) and paid. Scope `vendors:read`."""
    vendor = _vendor(vendor_id)
    rows, next_cursor = page_by_key(
        Payout.objects.filter(vendor=vendor), limit=parameters.limit, cursor=parameters.cursor
    )
    return PayoutPage(
        items=[
            PayoutOut(
                id=payout.pk,
                status=payout.status,
                amount=_amount(payout.amount, payout.currency),
                period_start=payout.period_start,
                period_end=payout.period_end,
                paid_at=payout.paid_at,
                reference=payout.reference,
                created_at=payout.created_at,
            )
            for payout in rows
        ],
        next_cursor=next_cursor,
    )


@router.get(
    "/admin/vendors/{vendor_id}/suborders",
    response={200: SubOrderPage, **ERRORS},
    summary="A vendor's sub-orders",
    auth=scope("vendors:read"),
)
def list_suborders(
    request: HttpRequest, vendor_id: int, parameters: Query[ListParameters]
) -> SubOrderPage:
    """Newest first: the part of each order this vendor fulfils, with the commission fixed
    at placement. Scope `vendors:read`."""
    vendor = _vendor(vendor_id)
    suborders = (
        SubOrder.objects.filter(vendor=vendor)
        .select_related("order")
        .prefetch_related(
            Prefetch("lines", queryset=SubOrderLine.objects.select_related("order_line"))
        )
    )
    rows, next_cursor = page_by_key(suborders, limit=parameters.limit, cursor=parameters.cursor)
    items = []
    for suborder in rows:
        lines = [row.order_line for row in suborder.lines.all()]
        items.append(
            SubOrderOut(
                id=suborder.pk,
                number=suborder.number,
                order_number=suborder.order.number,
                subtotal=_amount(suborder.subtotal_amount, suborder.currency),
                commission=_amount(suborder.commission_amount, suborder.currency),
                fulfilment_status=marketplace_money.fulfil_status(lines),
                lines=len(lines),
                created_at=suborder.created_at,
            )
        )
    return SubOrderPage(items=items, next_cursor=next_cursor)
