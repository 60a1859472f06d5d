"""Marketplace money: vendor sub-orders, commission, the vendor ledger, refunds, payouts.

The shopper places and pays one order; when marketplace mode is on, the lines whose product
a vendor sells are grouped into one `SubOrder` per vendor at placement (`order_split`), with
the commission fixed there and then, so a later change of rates never changes a sale.

The ledger is append-only and signed: a sale (+subtotal) and its commission (-commission) when
the order is paid; a refund (-) and the commission given back (+) when money goes back to the
shopper; a payout (-) that brings the balance back to zero. A vendor's balance is the plain sum
of its entries, exact to the cent, because every entry is rounded to the currency's minor unit
when written and every proportional share is computed cumulatively (see `_share`).

Everything here is a no-op for orders without sub-orders: with marketplace mode off no
sub-order is ever made, so payment and refund add one cheap query and nothing else.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.db.models import Max, Sum

from freehold.catalog.models import Product
from freehold.checkout.models import CartLine
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.core.models import AuditEvent
from freehold.core.money import minor_unit_exponent
from freehold.marketplace.models import (
    LedgerEntry,
    MarketplaceSettings,
    Payout,
    SubOrder,
    SubOrderLine,
    Vendor,
)
from freehold.orders.models import Order, OrderLine

HUNDRED = Decimal(100)


class PayoutRefused(FreeholdError):
    """A payout cannot be marked paid (held, paid already, no reference)."""


def _cent(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit_exponent(currency), rounding=ROUND_HALF_UP)


def _summed(total: Decimal | None, currency: str) -> Decimal:
    """A database SUM of entries back to exact cents: SQLite adds decimals as floating point
    (25.97 - 25.97 comes back as -2.4e-15); every entry is whole cents, so the true sum is too.
    """
    summed = _cent(Decimal(0) if total is None else Decimal(total), currency)
    return summed if summed else abs(summed)  # never "-0.00"


def suffix(index: int) -> str:
    """A, B, … Z, AA, AB, …: the sub-order's letter after the order number."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("A") + remainder) + letters
    return letters


def commission_for(
    *, subtotal: Decimal, line_count: int, vendor: Vendor, settings: MarketplaceSettings
) -> Decimal:
    """The operator's commission: percent of the subtotal plus a fixed amount per line.

    The vendor's own rates win over the store's defaults (None means "the default"). Never
    more than the subtotal: a sale never leaves the vendor owing money. Unrounded; the caller
    rounds to the currency's minor unit, half up.
    """
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
    commission = subtotal * percent / HUNDRED + fixed * line_count
    return min(max(commission, Decimal(0)), subtotal)


def _sold_by_a_vendor(product: Product) -> bool:
    """Whether a vendor sells the product (no query when the link was select_related)."""
    try:
        return product.vendor_link is not None
    except ObjectDoesNotExist:
        return False


def order_split(*, order: Order, cart_lines: Iterable[CartLine] | None = None) -> list[SubOrder]:
    """Group the order's vendor lines into one sub-order per vendor (call once, at placement).

    Runs inside the placement's transaction, after the lines exist. With marketplace mode off,
    or no line from a vendor's product, it writes nothing (one query either way). Sub-orders
    are lettered in the vendors' name order: 1042-A, 1042-B. The subtotal is the lines' stored
    `total_amount` (after discounts, without added tax, without shipping: what `order_refund`
    gives back for a line). `cart_lines` (placement's, with their vendor links read) spare
    every statement when no product in the cart is a vendor's.
    """
    if cart_lines is not None and not any(
        line.variant is not None and _sold_by_a_vendor(line.variant.product) for line in cart_lines
    ):
        return []
    settings = MarketplaceSettings.objects.filter(pk=1, enabled=True).first()
    if settings is None:
        return []
    lines = list(
        OrderLine.objects.filter(order=order, variant__product__vendor_link__isnull=False)
        .select_related("variant__product__vendor_link__vendor")
        .order_by("pk")
    )
    if not lines:
        return []
    by_vendor: dict[int, list[OrderLine]] = defaultdict(list)
    vendors: dict[int, Vendor] = {}
    for line in lines:
        assert line.variant is not None
        vendor = line.variant.product.vendor_link.vendor
        vendors[vendor.pk] = vendor
        by_vendor[vendor.pk].append(line)
    ordered = sorted(vendors.values(), key=lambda vendor: (vendor.name.casefold(), vendor.pk))
    moment = clock.now()
    suborders: list[SubOrder] = []
    for index, vendor in enumerate(ordered):
        vendor_lines = by_vendor[vendor.pk]
        subtotal = _cent(
            sum((line.total_amount for line in vendor_lines), Decimal(0)), order.currency
        )
        commission = _cent(
            commission_for(
                subtotal=subtotal, line_count=len(vendor_lines), vendor=vendor, settings=settings
            ),
            order.currency,
        )
        suborder = SubOrder.objects.create(
            order=order,
            vendor=vendor,
            number=f"{order.number}-{suffix(index)}",
            currency=order.currency,
            subtotal_amount=subtotal,
            commission_amount=commission,
            created_at=moment,
        )
        SubOrderLine.objects.bulk_create(
            SubOrderLine(suborder=suborder, order_line=line) for line in vendor_lines
        )
        suborders.append(suborder)
    return suborders


def ledger_record_sale(*, order: Order) -> list[LedgerEntry]:
    """The order is paid: credit each vendor its sale and debit the commission, once.

    Idempotent: a sub-order that has its sale entry already is skipped, so a second "paid"
    (a replayed webhook, a double click) adds nothing. The caller holds the order's lock.
    """
    entries: list[LedgerEntry] = []
    suborders = list(
        SubOrder.objects.filter(order=order).exclude(ledger__kind=LedgerEntry.Kind.SALE)
    )
    moment = clock.now()
    for suborder in suborders:
        memo = f"Order {suborder.number}"
        entries.append(
            LedgerEntry(
                vendor_id=suborder.vendor_id,
                kind=LedgerEntry.Kind.SALE,
                amount=suborder.subtotal_amount,
                currency=suborder.currency,
                suborder=suborder,
                memo=memo,
                created_at=moment,
            )
        )
        if suborder.commission_amount:
            entries.append(
                LedgerEntry(
                    vendor_id=suborder.vendor_id,
                    kind=LedgerEntry.Kind.COMMISSION,
                    amount=-suborder.commission_amount,
                    currency=suborder.currency,
                    suborder=suborder,
                    memo=memo,
                    created_at=moment,
                )
            )
    return LedgerEntry.objects.bulk_create(entries) if entries else []


def _share(total: Decimal, *, part: Decimal, whole: Decimal, currency: str) -> Decimal:
    """`total * part / whole` to the cent (half up); 0 when `whole` is 0."""
    if not whole:
        return Decimal(0)
    return _cent(total * part / whole, currency)


@dataclass
class _SubOrderState:
    suborder: SubOrder
    refunded: Decimal  # refund entries so far, as a positive amount
    commission_returned: Decimal

    @property
    def refundable(self) -> Decimal:
        return self.suborder.subtotal_amount - self.refunded


def _states(order: Order) -> list[_SubOrderState]:
    """The order's paid sub-orders with what was refunded on each so far."""
    suborders = list(
        SubOrder.objects.filter(order=order, ledger__kind=LedgerEntry.Kind.SALE)
        .distinct()
        .order_by("number")
    )
    if not suborders:
        return []
    totals: dict[tuple[int, str], Decimal] = {
        (row["suborder_id"], row["kind"]): _summed(row["total"], order.currency)
        for row in LedgerEntry.objects.filter(
            suborder__in=suborders,
            kind__in=[LedgerEntry.Kind.REFUND, LedgerEntry.Kind.COMMISSION_REFUND],
        )
        .values("suborder_id", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    }
    return [
        _SubOrderState(
            suborder=suborder,
            refunded=-totals.get((suborder.pk, LedgerEntry.Kind.REFUND), Decimal(0)),
            commission_returned=totals.get(
                (suborder.pk, LedgerEntry.Kind.COMMISSION_REFUND), Decimal(0)
            ),
        )
        for suborder in suborders
    ]


def _refund_entries(
    state: _SubOrderState, amount: Decimal, *, memo: str, moment: dt.datetime
) -> list[LedgerEntry]:
    """A refund of `amount` on one sub-order and the commission it gives back.

    The commission returned is proportional and cumulative: after this refund the vendor has
    been given back round(commission x refunded so far / subtotal) in all, minus what earlier
    refunds gave back. Each refund rounds at most half a cent, the roundings never add up, and
    a sub-order refunded in full returns exactly its commission.
    """
    suborder = state.suborder
    if amount <= 0:
        return []
    refunded_after = state.refunded + amount
    returned_after = _share(
        suborder.commission_amount,
        part=refunded_after,
        whole=suborder.subtotal_amount,
        currency=suborder.currency,
    )
    commission_back = returned_after - state.commission_returned
    state.refunded = refunded_after
    state.commission_returned = returned_after
    entries = [
        LedgerEntry(
            vendor_id=suborder.vendor_id,
            kind=LedgerEntry.Kind.REFUND,
            amount=-amount,
            currency=suborder.currency,
            suborder=suborder,
            memo=memo,
            created_at=moment,
        )
    ]
    if commission_back:
        entries.append(
            LedgerEntry(
                vendor_id=suborder.vendor_id,
                kind=LedgerEntry.Kind.COMMISSION_REFUND,
                amount=commission_back,
                currency=suborder.currency,
                suborder=suborder,
                memo=memo,
                created_at=moment,
            )
        )
    return entries


def _line_refund(line: OrderLine, quantity: int) -> Decimal:
    """What `quantity` more units of the line give back, cumulatively rounded.

    `line.quantity_refunded` is the count before this refund. The line's total is split by
    units as round(total x units refunded / quantity) in all, so a line refunded unit by unit
    adds up to exactly its total.
    """
    before = _share(
        line.total_amount,
        part=Decimal(line.quantity_refunded),
        whole=Decimal(line.quantity),
        currency=line.currency,
    )
    after = _share(
        line.total_amount,
        part=Decimal(line.quantity_refunded + quantity),
        whole=Decimal(line.quantity),
        currency=line.currency,
    )
    return after - before


def _apportion(
    amount: Decimal, *, parts: Sequence[Decimal], whole: Decimal, currency: str
) -> list[Decimal]:
    """`amount x part / whole` for each part, cumulatively rounded to the cent (half up).

    The running total is rounded, not each share: share i is round(amount x (parts 0..i) /
    whole) minus round(amount x (parts 0..i-1) / whole). The shares are whole cents, add up to
    `amount x sum(parts) / whole` rounded once (to `amount` exactly when the parts are the
    whole), and none is off by more than a cent from its exact value.
    """
    if not whole:
        return [Decimal(0) for _ in parts]
    shares: list[Decimal] = []
    running = Decimal(0)
    given = Decimal(0)
    for part in parts:
        running += part
        upto = _share(amount, part=running, whole=whole, currency=currency)
        shares.append(upto - given)
        given = upto
    return shares


SHIPPING_REFUNDED = "marketplace.shipping_refunded"


def shipping_refunded(*, order: Order) -> Decimal:
    """The shipping refunded on the order so far (the refunds the dashboard called shipping)."""
    events = AuditEvent.objects.filter(
        verb=SHIPPING_REFUNDED, object_type=Order._meta.label_lower, object_id=str(order.pk)
    ).values_list("data", flat=True)
    return sum((Decimal(str(data.get("amount", "0"))) for data in events), Decimal(0))


def refund_split(
    *, order: Order, amount: Decimal, states: Sequence[_SubOrderState], shipping: bool = False
) -> tuple[Decimal, list[Decimal]]:
    """How an amount-only refund falls: (the shipping part, each sub-order's part).

    A refund the operator calls shipping falls first on the shipping still refundable, which is
    the operator's (it charges the shipping; vendors' sub-orders carry merchandise only). Any
    rest, and every other amount-only refund, is merchandise: apportioned over the order's lines'
    totals, the operator's own lines included, so a vendor bears `amount x its subtotal /
    merchandise`, cumulatively rounded (the vendors' parts and the operator's add up to the
    amount to the cent), never more than is left to refund on its sub-order (beyond that, the
    refund was of tax or shipping, and is the operator's).
    """
    shipping_part = Decimal(0)
    if shipping:
        left = order.shipping_amount - shipping_refunded(order=order)
        shipping_part = min(amount, max(left, Decimal(0)))
    merchandise_part = amount - shipping_part
    merchandise = _summed(
        OrderLine.objects.filter(order=order).aggregate(total=Sum("total_amount"))["total"],
        order.currency,
    )
    ordered = sorted(range(len(states)), key=lambda index: states[index].suborder.number)
    shares_in_order = _apportion(
        merchandise_part,
        parts=[states[index].suborder.subtotal_amount for index in ordered],
        whole=merchandise,
        currency=order.currency,
    )
    shares = [Decimal(0)] * len(states)
    for index, share in zip(ordered, shares_in_order, strict=True):
        shares[index] = max(min(share, states[index].refundable), Decimal(0))
    return shipping_part, shares


def ledger_record_refund(
    *,
    order: Order,
    amount: Decimal,
    lines: Sequence[tuple[OrderLine, int]] = (),
    memo: str = "",
    shipping: bool = False,
    actor: Actor | None = None,
) -> list[LedgerEntry]:
    """Claw a refund back from the vendors whose goods it covers (called by `order_refund`).

    By lines (`lines` = the order lines as they were before the refund, and the units
    refunded): each vendor line gives back its share of the line's total; the operator's own
    lines touch no ledger. By amount (`lines` empty): see `refund_split`: shipping (when the
    operator says so) is the operator's, the rest is apportioned over the merchandise. Only
    paid sub-orders (with a sale entry) are clawed back.
    """
    states = _states(order)
    if not states:
        return []
    moment = clock.now()
    memo = memo or f"Refund on order {order.number}"
    entries: list[LedgerEntry] = []
    if lines:
        by_line = {
            row.order_line_id: row.suborder_id
            for row in SubOrderLine.objects.filter(order_line__in=[line for line, _ in lines])
        }
        per_suborder: dict[int, Decimal] = defaultdict(Decimal)
        for line, quantity in lines:
            suborder_id = by_line.get(line.pk)
            if suborder_id is not None:
                per_suborder[suborder_id] += _line_refund(line, quantity)
        for state in states:
            share = min(per_suborder.get(state.suborder.pk, Decimal(0)), state.refundable)
            entries += _refund_entries(state, share, memo=memo, moment=moment)
    else:
        shipping_part, shares = refund_split(
            order=order, amount=amount, states=states, shipping=shipping
        )
        if shipping_part:
            audit.record(
                actor=actor or Actor.system("refunds"),
                verb=SHIPPING_REFUNDED,
                obj=order,
                data={"amount": str(shipping_part), "currency": order.currency},
            )
        for state, share in zip(states, shares, strict=True):
            entries += _refund_entries(state, share, memo=memo, moment=moment)
    return LedgerEntry.objects.bulk_create(entries) if entries else []


# --- Balances, payouts ----------------------------------------------------------------------


def balances(*, vendor: Vendor) -> dict[str, Decimal]:
    """The vendor's balance per currency: the sum of all its entries."""
    return {
        row["currency"]: _summed(row["total"], row["currency"])
        for row in LedgerEntry.objects.filter(vendor=vendor)
        .values("currency")
        .annotate(total=Sum("amount"))
        .order_by("currency")
    }


def hold_reason_for(vendor: Vendor) -> str:
    """Why the vendor's payouts must be held now ("" when they may be paid).

    INFORM suspends a vendor's sales until it complies; its payouts are held for as long. The
    reason is the derived verification's own (fields missing, certification unanswered). A
    terminated vendor is paid what it is owed: the relationship ended, the debt did not.
    """
    if vendor.status == Vendor.Status.TERMINATED:
        return ""
    from freehold.marketplace import inform  # inform reads orders, which call this module

    if inform.sales_allowed(vendor):
        return ""
    return "; ".join(inform.verification(vendor).reasons) or "Sales suspended"


def payout_allowed(vendor: Vendor) -> bool:
    return not hold_reason_for(vendor)


@transaction.atomic
def payouts_create(*, now: dt.datetime | None = None) -> list[Payout]:
    """Pay out every vendor's positive balance per currency, every `payout_interval_days`.

    Run daily by the worker (SCHEDULED_JOBS "marketplace.payouts"); a vendor and currency is
    due when its last payout's period ended at least the interval ago (or it never had one).
    The payout covers the unpaid entries created before `now` (the period's end), links them,
    and adds a payout entry of minus the amount, so the balance returns to zero. A negative
    or zero balance waits for the next run. A vendor whose sales are suspended (INFORM) gets
    its payout made but held.
    """
    settings = MarketplaceSettings.objects.filter(pk=1, enabled=True).first()
    if settings is None:
        return []
    moment = now if now is not None else clock.now()
    interval = dt.timedelta(days=settings.payout_interval_days)
    pending = (
        LedgerEntry.objects.filter(payout__isnull=True, created_at__lt=moment)
        .values("vendor_id", "currency")
        .annotate(total=Sum("amount"))
        .order_by("vendor_id", "currency")
    )
    last_end: dict[tuple[int, str], dt.datetime] = {
        (row["vendor_id"], row["currency"]): row["end"]
        for row in Payout.objects.values("vendor_id", "currency")
        .annotate(end=Max("period_end"))
        .order_by()
    }
    vendors = {
        vendor.pk: vendor for vendor in Vendor.objects.filter(ledger__isnull=False).distinct()
    }
    created: list[Payout] = []
    for row in pending:
        key = (row["vendor_id"], row["currency"])
        total = _summed(row["total"], row["currency"])
        if total <= 0:
            continue
        previous = last_end.get(key)
        if previous is not None and moment - previous < interval:
            continue
        vendor = vendors[row["vendor_id"]]
        entries = LedgerEntry.objects.filter(
            vendor=vendor, currency=row["currency"], payout__isnull=True, created_at__lt=moment
        )
        start = previous or entries.order_by("created_at").values_list("created_at", flat=True)[0]
        reason = hold_reason_for(vendor)
        payout = Payout.objects.create(
            vendor=vendor,
            currency=row["currency"],
            amount=total,
            period_start=start,
            period_end=moment,
            status=Payout.Status.HELD if reason else Payout.Status.SCHEDULED,
            hold_reason=reason,
            created_at=moment,
        )
        entries.update(payout=payout)
        LedgerEntry.objects.create(
            vendor=vendor,
            kind=LedgerEntry.Kind.PAYOUT,
            amount=-total,
            currency=row["currency"],
            payout=payout,
            memo=f"Payout {payout.pk}",
            created_at=moment,
        )
        audit.record(
            actor=Actor.system("payouts"),
            verb="marketplace.payout_created",
            obj=payout,
            to_state=payout.status,
            data={
                "vendor_id": vendor.pk,
                "amount": str(total),
                "currency": row["currency"],
                "hold_reason": reason,
            },
        )
        created.append(payout)
    return created


def payouts_run() -> int:
    """The scheduled job: release the held payouts of vendors who complied again, then make
    the payouts due. Returns how many payouts were made."""
    payouts_release_due()
    return len(payouts_create())


@transaction.atomic
def payouts_release_due(*, now: dt.datetime | None = None) -> list[Payout]:
    """Release every payout held for a suspension that is over (the vendor complies again).

    Payouts the operator chose to keep holding stay held until the operator releases them.
    A released payout becomes scheduled (to be paid like any other) and keeps its hold reason,
    so the vendor's history shows what held it and when it was released.
    """
    moment = now if now is not None else clock.now()
    held = list(
        Payout.objects.select_for_update()
        .filter(status=Payout.Status.HELD, held_by_operator=False)
        .select_related("vendor")
        .order_by("id")
    )
    verdicts: dict[int, str] = {}
    released: list[Payout] = []
    for payout in held:
        if payout.vendor_id not in verdicts:
            verdicts[payout.vendor_id] = hold_reason_for(payout.vendor)
        if verdicts[payout.vendor_id]:
            continue
        _release(payout, actor=Actor.system("payouts"), moment=moment, note="Vendor complies")
        released.append(payout)
    return released


def _release(payout: Payout, *, actor: Actor, moment: dt.datetime, note: str) -> None:
    payout.status = Payout.Status.SCHEDULED
    payout.released_at = moment
    payout.held_by_operator = False
    payout.save(update_fields=["status", "released_at", "held_by_operator"])
    audit.record(
        actor=actor,
        verb="marketplace.payout_released",
        obj=payout,
        from_state=Payout.Status.HELD,
        to_state=payout.status,
        data={"hold_reason": payout.hold_reason, "note": note},
    )


@transaction.atomic
def payout_release(*, payout: Payout, actor: Actor, note: str = "") -> Payout:
    """Staff release a held payout now (it becomes scheduled, to be marked paid).

    Allowed while the vendor is still suspended: INFORM suspends sales, and what a vendor earned
    before may be owed regardless; the audit event records that the suspension was still on.
    """
    locked = Payout.objects.select_for_update().select_related("vendor").get(pk=payout.pk)
    if locked.status != Payout.Status.HELD:
        raise PayoutRefused(
            f"Payout {locked.pk} is {locked.get_status_display()}; only a held payout can be "
            "released.",
            field="status",
        )
    still = hold_reason_for(locked.vendor)
    note = note.strip()[:500]
    if still:
        note = f"{note} (released while suspended: {still})".strip()
    _release(locked, actor=actor, moment=clock.now(), note=note or "Released by staff")
    return locked


@transaction.atomic
def payout_hold(*, payout: Payout, actor: Actor, reason: str) -> Payout:
    """Staff hold a payout (or keep holding one) with a reason; only staff release it then.

    A scheduled payout not paid yet can be held too (a dispute, a doubt about the account).
    """
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    reason = reason.strip()[:500]
    if not reason:
        raise PayoutRefused("Say why the payout is held.", field="reason")
    if locked.status == Payout.Status.PAID:
        raise PayoutRefused(f"Payout {locked.pk} is paid already.", field="status")
    from_state, previous = locked.status, locked.hold_reason
    locked.status = Payout.Status.HELD
    locked.held_by_operator = True
    locked.hold_reason = reason
    locked.released_at = None
    locked.save(update_fields=["status", "held_by_operator", "hold_reason", "released_at"])
    audit.record(
        actor=actor,
        verb="marketplace.payout_held",
        obj=locked,
        from_state=from_state,
        to_state=locked.status,
        data={"reason": reason, "previous_reason": previous},
    )
    return locked


@transaction.atomic
def payout_mark_paid(*, payout: Payout, reference: str, actor: Actor) -> Payout:
    """Staff sent the money (bank transfer): record when and its reference."""
    locked = Payout.objects.select_for_update().get(pk=payout.pk)
    reference = reference.strip()
    if not reference:
        raise PayoutRefused("Enter the transfer's reference.", field="reference")
    if locked.status != Payout.Status.SCHEDULED:
        raise PayoutRefused(
            f"Payout {locked.pk} is {locked.get_status_display()}; only a scheduled payout can be "
            "marked paid.",
            field="status",
        )
    from_state = locked.status
    locked.status = Payout.Status.PAID
    locked.reference = reference[:255]
    locked.paid_at = clock.now()
    locked.save(update_fields=["status", "reference", "paid_at"])
    audit.record(
        actor=actor,
        verb="marketplace.payout_paid",
        obj=locked,
        from_state=from_state,
        to_state=locked.status,
        data={"reference": locked.reference},
    )
    return locked


@dataclass(frozen=True)
class Statement:
    payout: Payout
    entries: list[LedgerEntry]
    totals: dict[str, Decimal]  # by kind, in the payout's currency

    @property
    def earned(self) -> Decimal:
        return sum(
            (entry.amount for entry in self.entries if entry.kind != LedgerEntry.Kind.PAYOUT),
            Decimal(0),
        )


def payout_statement(*, payout: Payout) -> Statement:
    """The entries a payout settled, with totals by kind (they add up to the payout)."""
    entries = list(
        LedgerEntry.objects.filter(payout=payout)
        .select_related("suborder")
        .order_by("created_at", "id")
    )
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for entry in entries:
        totals[entry.kind] += entry.amount
    return Statement(payout=payout, entries=entries, totals=dict(totals))


def fulfil_status(lines: Iterable[OrderLine]) -> str:
    """unfulfilled | partial | fulfilled, from the sub-order's lines."""
    rows = list(lines)
    if rows and all(line.quantity_to_ship == 0 for line in rows):
        return "fulfilled"
    if any(line.quantity_fulfilled for line in rows):
        return "partial"
    return "unfulfilled"
