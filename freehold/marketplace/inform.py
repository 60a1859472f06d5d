"""INFORM Consumers Act (15 U.S.C. 45f): counters, the derived verification status, notices,
suspension and the identity disclosure (compliance-rules.md section 1).

Definitions (our reading where the law leaves a choice):

* A **sale** counts when it was made through the marketplace and paid through it: an order
  line of a vendor's product (`VendorProduct`) that is `is_new` (used goods never count), on
  an order whose payment status is paid or partially refunded. Its moment is the order's
  `paid_at` (else `placed_at`).
* A **discrete sale** is one order line, whatever its quantity (three mugs bought together are
  one sale). A line whose every unit was refunded is no sale; a partly refunded line counts,
  with its revenue reduced pro rata (`total_amount * units kept / units`).
* **Gross revenue** is the lines' `total_amount` (after discounts), converted to USD at the
  rate of the payment's day (`markets.pricing.convert`); when no rate is known we fall back on
  the order's own base-currency figures if the base currency is USD, else the line is left
  out of the revenue (never guessed) and still counts as a sale.
* **High volume**: in any continuous window of `hvtps_window_months` within the previous
  `hvtps_lookback_months`, at least `hvtps_min_sales` sales and `hvtps_min_revenue_usd`.
  Both sums only grow as a window takes in more sales, so checking every window that ends at a
  sale and reaches back a full window length is enough.
* **Disclosure**: a high-volume vendor with at least `disclosure_min_revenue_usd` in the
  trailing `disclosure_window_months`.

Every number comes from `rules.rule` (date-effective). The status is never stored: it is
`verification_status(vendor)`, derived from the latest `VerificationRecord` per required field,
the vendor's `info_requested_at` and its open notices (the yearly certification, and the
notice revoking partial disclosure, rule 1.11), so every page of one request
says the same thing the moment a record changes. Lists derive it with `verifications(vendors)`
(the same rules, the rows read once for all the vendors); `verification(vendor)` is its
one-vendor case.
"""

from __future__ import annotations

import calendar
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.utils.translation import gettext, gettext_noop

from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.marketplace.models import (
    CertificationNotice,
    MarketplaceSettings,
    Vendor,
    VendorProduct,
    VerificationRecord,
)
from freehold.marketplace.rules import rule, whole
from freehold.orders.models import OrderLine
from freehold.orders.states import PaymentStatus

logger = logging.getLogger(__name__)

USD = "USD"
PAID_STATUSES = (PaymentStatus.PAID, PaymentStatus.PARTIALLY_REFUNDED)
Field = VerificationRecord.Field
# What INFORM asks of a high-volume seller (rule 1.4): bank account (or payee), identity (name
# and an ID document or government record), tax id, a working e-mail and phone, and (for the
# disclosure) the physical address.
REQUIRED_FIELDS: tuple[str, ...] = (
    Field.BANK_ACCOUNT,
    Field.LEGAL_NAME,
    Field.IDENTITY_DOCUMENT,
    Field.TAX_ID,
    Field.EMAIL,
    Field.PHONE,
    Field.BUSINESS_ADDRESS,
)

NOT_HIGH_VOLUME = "not_high_volume"
INFO_REQUESTED = "info_requested"
SUBMITTED = "submitted"
VERIFIED = "verified"
REJECTED = "rejected"
SUSPENDED = "suspended"
STATUS_LABELS = {
    NOT_HIGH_VOLUME: "Not high-volume",
    INFO_REQUESTED: "Information requested",
    SUBMITTED: "Submitted, awaiting review",
    VERIFIED: "Verified",
    REJECTED: "Rejected: please correct",
    SUSPENDED: "Sales suspended",
}
STATUS_BADGES = {
    NOT_HIGH_VOLUME: "info",
    INFO_REQUESTED: "warn",
    SUBMITTED: "info",
    VERIFIED: "ok",
    REJECTED: "bad",
    SUSPENDED: "bad",
}
# The notices whose lapse suspends sales: the yearly certification (rule 1.6) and the loss
# of partial disclosure (rule 1.11). An information request lapses through the fields.
CERTIFY = "certify"
PARTIAL_DISCLOSURE = "partial_disclosure"
SUSPENDING_NOTICES = (CERTIFY, PARTIAL_DISCLOSURE)
NOTICE_LAPSED = {
    CERTIFY: "Yearly certification not answered",
    PARTIAL_DISCLOSURE: "Partial disclosure revoked: full disclosure not consented to",
}
# Why staff may take partial disclosure away (rule 1.11).
REVOKE_REASONS = {
    "false_certification": "The certification of a residential address or personal phone "
    "was false.",
    "unanswered_buyers": "Buyers' inquiries were not answered within a reasonable time.",
}
# Marked for the catalogues; checkout translates it where it raises.
SUSPENDED_MESSAGE = gettext_noop(
    "This seller's sales are suspended until they update their information."
)


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` moved back by whole calendar months (31 March - 1 month = 28/29 February)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    month += 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


# --- Counters ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sale:
    at: dt.datetime
    revenue_usd: Decimal


@dataclass(frozen=True)
class Counters:
    """The best window of the lookback, and the trailing figures the disclosure uses."""

    on: dt.datetime
    best_sales: int
    best_revenue_usd: Decimal
    best_window_start: dt.datetime | None
    best_window_end: dt.datetime | None
    high_volume: bool
    trailing_sales: int
    trailing_revenue_usd: Decimal


def _usd(
    amount: Decimal, *, currency: str, on: dt.date, base_currency: str, fx: Decimal
) -> Decimal:
    if currency == USD:
        return amount
    from freehold.markets.pricing import RateMissing, convert

    try:
        return convert(amount, from_currency=currency, to_currency=USD, on=on)
    except RateMissing:
        if base_currency == USD and fx:
            # The order's own rate: base = presentment / fx_rate at the time of sale.
            return amount / fx
        logger.warning("No %s->USD rate on %s: a sale's revenue is left out", currency, on)
        return Decimal(0)


def vendor_sales(vendor: Vendor, *, since: dt.datetime, until: dt.datetime) -> list[Sale]:
    """The vendor's counting sales paid in (since, until], oldest first (see module doc)."""
    rows = (
        OrderLine.objects.filter(
            variant__product__vendor_link__vendor=vendor,
            variant__product__vendor_link__is_new=True,
            order__payment_status__in=PAID_STATUSES,
            quantity__gt=0,
        )
        .select_related("order")
        .only(
            "quantity",
            "quantity_refunded",
            "total_amount",
            "currency",
            "order__paid_at",
            "order__placed_at",
            "order__base_currency",
            "order__fx_rate",
        )
    )
    sales: list[Sale] = []
    for line in rows:
        at = line.order.paid_at or line.order.placed_at
        if at is None or not (since < at <= until):
            continue
        kept = line.quantity - min(line.quantity_refunded, line.quantity)
        if kept <= 0:
            continue
        amount = line.total_amount * kept / line.quantity
        revenue = _usd(
            amount,
            currency=line.currency,
            on=at.date(),
            base_currency=line.order.base_currency,
            fx=line.order.fx_rate,
        )
        sales.append(Sale(at=at, revenue_usd=revenue))
    sales.sort(key=lambda sale: sale.at)
    return sales


def vendor_counters(vendor: Vendor, *, on: dt.datetime | None = None) -> Counters:
    """The INFORM counters of `vendor` as of `on` (default: now)."""
    moment = on or clock.now()
    day = moment.date()
    window = whole("hvtps_window_months", on=day)
    lookback = whole("hvtps_lookback_months", on=day)
    min_sales = whole("hvtps_min_sales", on=day)
    min_revenue = rule("hvtps_min_revenue_usd", on=day)
    trailing_months = whole("disclosure_window_months", on=day)
    earliest = min(months_before(moment, lookback), months_before(moment, trailing_months))
    sales = vendor_sales(vendor, since=earliest, until=moment)

    lookback_start = months_before(moment, lookback)
    in_lookback = [sale for sale in sales if sale.at > lookback_start]
    best: tuple[int, Decimal, dt.datetime | None, dt.datetime | None] = (0, Decimal(0), None, None)
    qualifying = False
    start = 0
    revenue = Decimal(0)
    for end, sale in enumerate(in_lookback):
        revenue += sale.revenue_usd
        window_start = months_before(sale.at, window)
        while in_lookback[start].at <= window_start:
            revenue -= in_lookback[start].revenue_usd
            start += 1
        count = end - start + 1
        meets = count >= min_sales and revenue >= min_revenue
        if (meets and not qualifying) or (not qualifying and (count, revenue) > best[:2]):
            best = (count, revenue, in_lookback[start].at, sale.at)
        qualifying = qualifying or meets

    trailing_start = months_before(moment, trailing_months)
    trailing = [sale for sale in sales if sale.at > trailing_start]
    return Counters(
        on=moment,
        best_sales=best[0],
        best_revenue_usd=best[1],
        best_window_start=best[2],
        best_window_end=best[3],
        high_volume=qualifying,
        trailing_sales=len(trailing),
        trailing_revenue_usd=sum((sale.revenue_usd for sale in trailing), Decimal(0)),
    )


def is_high_volume(vendor: Vendor, *, on: dt.datetime | None = None) -> bool:
    return vendor_counters(vendor, on=on).high_volume


def requires_disclosure(vendor: Vendor, *, on: dt.datetime | None = None) -> bool:
    """A high-volume vendor with the disclosure revenue in the trailing window (rule 1.9)."""
    counters = vendor_counters(vendor, on=on)
    day = counters.on.date()
    return counters.high_volume and counters.trailing_revenue_usd >= rule(
        "disclosure_min_revenue_usd", on=day
    )


# --- Recomputing and notices ------------------------------------------------------------------


def vendor_recompute(*, vendor: Vendor, actor: Actor | None = None) -> Vendor:
    """Set `high_volume_since` from the counters; on qualifying, request the information.

    Called when one of the vendor's orders is paid or refunded, and daily by `inform_recompute`
    (windows also slide out of range with time alone).
    """
    moment = clock.now()
    actor = actor or Actor.system("inform")
    high_volume = is_high_volume(vendor, on=moment)
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if high_volume and locked.high_volume_since is None:
            locked.high_volume_since = moment
            fields = ["high_volume_since"]
            if locked.info_requested_at is None:
                locked.info_requested_at = moment
                fields.append("info_requested_at")
                CertificationNotice.objects.create(
                    vendor=locked,
                    kind="missing_info",
                    sent_at=moment,
                    due_at=moment + dt.timedelta(days=whole("info_due_days", on=moment.date())),
                )
                _notify(locked, kind="missing_info")
            locked.save(update_fields=fields)
            audit.record(actor=actor, verb="vendor.high_volume", obj=locked, to_state="yes")
            _invalidate(locked.pk)
        elif not high_volume and locked.high_volume_since is not None:
            locked.high_volume_since = None
            locked.save(update_fields=["high_volume_since"])
            audit.record(actor=actor, verb="vendor.high_volume", obj=locked, to_state="no")
            _invalidate(locked.pk)
    # Time alone moves what shoppers see (day 11, the window, the disclosure threshold):
    # re-render the vendor's cached pages when it changed.
    from freehold.marketplace.seller import shown_state_refresh

    shown_state_refresh(vendor=locked, on=moment)
    return locked


def certification_notices_send(*, on: dt.datetime | None = None) -> int:
    """The yearly notice (rule 1.6): a high-volume vendor whose last certification (or, before
    the first, its information request) is older than `certification_interval_days` and has no
    open notice gets one, due in `certification_due_days`."""
    moment = on or clock.now()
    day = moment.date()
    interval = dt.timedelta(days=whole("certification_interval_days", on=day))
    due = dt.timedelta(days=whole("certification_due_days", on=day))
    sent = 0
    for vendor in Vendor.objects.filter(high_volume_since__isnull=False):
        notices = list(vendor.notices.filter(kind="certify"))
        if any(notice.answered_at is None for notice in notices):
            continue
        answered = [notice.answered_at for notice in notices if notice.answered_at is not None]
        baseline = max(answered, default=vendor.info_requested_at or vendor.high_volume_since)
        if baseline is None or moment - baseline < interval:
            continue
        CertificationNotice.objects.create(
            vendor=vendor, kind="certify", sent_at=moment, due_at=moment + due
        )
        _notify(vendor, kind="certify")
        sent += 1
    return sent


def inform_recompute() -> int:
    """The daily job: every vendor's counters, then the yearly notices."""
    if not MarketplaceSettings.objects.filter(pk=1, enabled=True).exists():
        return 0
    count = 0
    for vendor in Vendor.objects.exclude(status=Vendor.Status.TERMINATED):
        vendor_recompute(vendor=vendor)
        count += 1
    certification_notices_send()
    return count


def order_paid_or_refunded(order_id: int) -> None:
    """Recompute the vendors of an order whose payment status changed (after commit).

    A failure here must not undo or fail the payment: it is logged and the daily job catches up.
    """
    try:
        _order_paid_or_refunded(order_id)
    except Exception:
        logger.exception("INFORM recompute after order %s failed", order_id)


def _order_paid_or_refunded(order_id: int) -> None:
    if not MarketplaceSettings.objects.filter(pk=1, enabled=True).exists():
        return
    vendor_ids = set(
        VendorProduct.objects.filter(product__variants__order_lines__order_id=order_id)
        .values_list("vendor_id", flat=True)
        .distinct()
    )
    for vendor in Vendor.objects.filter(pk__in=vendor_ids):
        vendor_recompute(vendor=vendor)


def certify(*, vendor: Vendor, changed: bool, actor: Actor) -> CertificationNotice | None:
    """The vendor's electronic certification (changed or unchanged): answers the open notice,
    or records an unprompted certification (a notice answered at once)."""
    moment = clock.now()
    with transaction.atomic():
        notice = vendor.notices.filter(kind="certify", answered_at__isnull=True).first()
        if notice is None:
            notice = CertificationNotice.objects.create(
                vendor=vendor, kind="certify", sent_at=moment, due_at=moment
            )
        notice.answered_at = moment
        notice.changed = changed
        notice.save(update_fields=["answered_at", "changed"])
        audit.record(
            actor=actor,
            verb="vendor.certified",
            obj=vendor,
            to_state="changed" if changed else "unchanged",
        )
        _invalidate(vendor.pk)
    return notice


# --- Losing partial disclosure (rule 1.11) -----------------------------------------------------


def has_partial_disclosure(vendor: Vendor) -> bool:
    """The vendor certified a residential address or a personal phone (rule 1.10)."""
    return vendor.residential_address or vendor.personal_phone_only


def open_partial_disclosure_notice(vendor: Vendor) -> CertificationNotice | None:
    return vendor.notices.filter(kind=PARTIAL_DISCLOSURE, answered_at__isnull=True).first()


def partial_disclosure_revoke(
    *, vendor: Vendor, reason: str, details: str = "", user: Any
) -> CertificationNotice:
    """Staff take partial disclosure away (a false certification, or buyers not answered
    within a reasonable time): a notice due in `suspension_notice_days`, e-mailed. Unanswered
    by then, the derived status suspends the vendor's sales (`_derive`) until it consents to
    full disclosure (`full_disclosure_consent`) or staff withdraw the notice.

    Only a high-volume vendor has anything to lose: partial disclosure is INFORM's, and a
    vendor below the thresholds is never suspended by INFORM."""
    from freehold.core.errors import ValidationFailed

    if reason not in REVOKE_REASONS:
        raise ValidationFailed("Choose why partial disclosure is revoked.", field="reason")
    moment = clock.now()
    due = dt.timedelta(days=whole("suspension_notice_days", on=moment.date()))
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        if not has_partial_disclosure(locked):
            raise ValidationFailed(
                "This vendor has not certified a residential address or personal phone.",
                field="reason",
            )
        if locked.high_volume_since is None or locked.info_requested_at is None:
            raise ValidationFailed(
                "This vendor is not a high-volume seller: INFORM's partial disclosure does not "
                "apply yet.",
                field="reason",
            )
        if open_partial_disclosure_notice(locked) is not None:
            raise ValidationFailed("A notice is already open for this vendor.", field="reason")
        text = REVOKE_REASONS[reason]
        details = details.strip()
        if details:
            text = f"{text} {details}"
        notice = CertificationNotice.objects.create(
            vendor=locked,
            kind=PARTIAL_DISCLOSURE,
            sent_at=moment,
            due_at=moment + due,
            reason=text,
        )
        audit.record(
            actor=Actor.for_user(user),
            verb="vendor.partial_disclosure_revoked",
            obj=locked,
            data={"notice": notice.pk, "reason": reason, "details": details},
        )
        _notify(locked, kind=PARTIAL_DISCLOSURE, reason=text, due_at=notice.due_at)
        _invalidate(locked.pk)
    return notice


def full_disclosure_consent(*, vendor: Vendor, actor: Actor) -> Vendor:
    """The vendor consents to full disclosure: its street and phone are shown under the
    disclosure rules from now on, and the open notice is answered (lifting a suspension)."""
    moment = clock.now()
    with transaction.atomic():
        locked = Vendor.objects.select_for_update().get(pk=vendor.pk)
        was = {
            "residential_address": locked.residential_address,
            "personal_phone_only": locked.personal_phone_only,
        }
        locked.residential_address = False
        locked.personal_phone_only = False
        locked.save(update_fields=["residential_address", "personal_phone_only"])
        answered = list(
            locked.notices.filter(kind=PARTIAL_DISCLOSURE, answered_at__isnull=True).values_list(
                "pk", flat=True
            )
        )
        CertificationNotice.objects.filter(pk__in=answered).update(answered_at=moment)
        audit.record(
            actor=actor,
            verb="vendor.full_disclosure_consented",
            obj=locked,
            data={"was": was, "notices": answered},
        )
        _invalidate(locked.pk)
    _refresh_shown(locked, on=moment)
    return locked


def partial_disclosure_notice_withdraw(*, notice: CertificationNotice, user: Any) -> None:
    """Staff withdraw an open notice (the vendor corrected its information, or it was sent in
    error): the vendor keeps its partial disclosure and any suspension from it lifts."""
    from freehold.core.errors import ValidationFailed

    moment = clock.now()
    with transaction.atomic():
        locked = CertificationNotice.objects.select_for_update().get(pk=notice.pk)
        if locked.kind != PARTIAL_DISCLOSURE or locked.answered_at is not None:
            raise ValidationFailed("This notice is not open.", field="notice")
        locked.answered_at = moment
        locked.save(update_fields=["answered_at"])
        audit.record(
            actor=Actor.for_user(user),
            verb="vendor.partial_disclosure_notice_withdrawn",
            obj=locked.vendor,
            data={"notice": locked.pk},
        )
        _invalidate(locked.vendor_id)
    _refresh_shown(locked.vendor, on=moment)


def _refresh_shown(vendor: Vendor, *, on: dt.datetime) -> None:
    """Keep the fingerprint of what shoppers see current after a write (the signals already
    re-render the pages; this spares the daily job a second, needless invalidation)."""
    from freehold.marketplace.seller import shown_state_refresh

    shown_state_refresh(vendor=Vendor.objects.get(pk=vendor.pk), on=on)


def _invalidate(vendor_id: int) -> None:
    from freehold.marketplace.verification import invalidate_vendor_pages

    invalidate_vendor_pages(vendor_id)


def _notify(
    vendor: Vendor, *, kind: str, reason: str = "", due_at: dt.datetime | None = None
) -> None:
    """The written notice, by e-mail, after commit (rule 1.7)."""
    from django.core.mail import send_mail

    if kind == PARTIAL_DISCLOSURE:
        subject = gettext("Your partial disclosure is revoked")
        body = gettext(
            "We revoked your partial disclosure (your address shown as state and country "
            "only, or no phone shown). Reason: %(reason)s By %(due)s, please consent to "
            "full disclosure in your vendor dashboard under Verification, or correct your "
            "information and contact us; otherwise your sales will be suspended until you "
            "consent."
        ) % {"reason": reason, "due": due_at.strftime("%Y-%m-%d %H:%M UTC") if due_at else ""}
    elif kind == "certify":
        subject = gettext("Please certify your seller information")
        body = gettext(
            "Once a year the law asks you to confirm that your seller information is current. "
            "Please certify it (changed or unchanged) in your vendor dashboard under "
            "Verification within the due date, or your sales will be suspended."
        )
    else:
        subject = gettext("We need your seller information")
        body = gettext(
            "Your sales made you a high-volume seller. Please provide your bank account, "
            "identity, tax ID, e-mail, phone and address in your vendor dashboard under "
            "Verification within the due date, or your sales will be suspended."
        )
    link = _verification_link()
    if link:
        body = f"{body}\n\n{link}"
    email = vendor.email
    transaction.on_commit(lambda: send_mail(subject, body, None, [email], fail_silently=True))


def _verification_link() -> str:
    """The vendor's verification page, for the notice (absolute with FREEHOLD_SITE_URL only: a
    bare path means nothing in an e-mail, and the daily job has no request to take a host from).
    """
    from django.conf import settings
    from django.urls import reverse

    return f"{settings.SITE_URL}{reverse('vendor-verification')}" if settings.SITE_URL else ""


# --- The derived status -----------------------------------------------------------------------


@dataclass(frozen=True)
class FieldState:
    field: str
    label: str
    record: VerificationRecord | None

    @property
    def status(self) -> str:
        return self.record.status if self.record is not None else "missing"


@dataclass(frozen=True)
class Verification:
    status: str
    fields: tuple[FieldState, ...]
    open_notices: tuple[CertificationNotice, ...]
    reasons: tuple[str, ...]

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status]

    @property
    def missing(self) -> list[FieldState]:
        return [state for state in self.fields if state.status in ("missing", "rejected")]


def latest_record_rows(
    *, until: dt.datetime | None, fields: Iterable[str] | None = None
) -> QuerySet[VerificationRecord]:
    """Only the latest record per (vendor, field) submitted by `until` (None: no cut-off),
    newest first: a correlated subquery on the (vendor, field, submitted_at) index, the same
    on SQLite and PostgreSQL. Usable as a `Prefetch` queryset."""
    rows = VerificationRecord.objects.all()
    candidates = VerificationRecord.objects.filter(
        vendor_id=OuterRef("vendor_id"), field=OuterRef("field")
    )
    if until is not None:
        rows = rows.filter(submitted_at__lte=until)
        candidates = candidates.filter(submitted_at__lte=until)
    if fields is not None:
        rows = rows.filter(field__in=list(fields))
    newest = candidates.order_by("-submitted_at", "-id").values("pk")[:1]
    return rows.filter(pk=Subquery(newest))


def latest_records_of(
    vendor_ids: Iterable[int] | None,
    *,
    until: dt.datetime | None,
    fields: Iterable[str] | None = None,
) -> dict[int, dict[str, VerificationRecord]]:
    """vendor id -> field -> its latest record submitted by `until`, for many vendors (None:
    every vendor) in one statement."""
    rows = latest_record_rows(until=until, fields=fields)
    if vendor_ids is not None:
        rows = _of_vendors(rows, list(vendor_ids))
    latest: dict[int, dict[str, VerificationRecord]] = {}
    for record in rows:
        latest.setdefault(record.vendor_id, {}).setdefault(record.field, record)
    return latest


# Beyond this many vendors a statement reads every vendor's rows rather than naming them all
# (SQLite builds cap the parameters of one statement); callers key the rows by vendor anyway.
IN_LIMIT = 900


def _of_vendors(rows: QuerySet[Any], vendor_ids: list[int]) -> QuerySet[Any]:
    return rows.filter(vendor_id__in=vendor_ids) if len(vendor_ids) <= IN_LIMIT else rows


def latest_records(
    vendor: Vendor, *, on: dt.datetime | None = None
) -> dict[str, VerificationRecord]:
    """The latest record per field submitted by `on`."""
    return latest_records_of([vendor.pk], until=on or clock.now()).get(vendor.pk, {})


@dataclass(frozen=True)
class _Periods:
    """The rules' periods in force on one day (read once for any number of vendors)."""

    info_due: dt.timedelta
    notice: dt.timedelta

    @classmethod
    def on(cls, day: dt.date) -> _Periods:
        return cls(
            info_due=dt.timedelta(days=whole("info_due_days", on=day)),
            notice=dt.timedelta(days=whole("suspension_notice_days", on=day)),
        )


def verifications(
    vendors: Iterable[Vendor],
    *,
    on: dt.datetime | None = None,
    latest: dict[int, dict[str, VerificationRecord]] | None = None,
) -> dict[int, Verification]:
    """vendor id -> `Verification` for many vendors in a constant number of statements: the
    latest records (or `latest`, when the caller loaded them with `latest_records_of` up to
    the same moment), the open notices, and the rules once; then the one derivation per
    vendor. `verification(vendor)` is the one-vendor case."""
    moment = on or clock.now()
    vendors = list(vendors)
    if not vendors:
        return {}
    ids = [vendor.pk for vendor in vendors]
    if latest is None:
        latest = latest_records_of(ids, until=moment)
    notices: dict[int, list[CertificationNotice]] = {}
    for notice in _of_vendors(
        CertificationNotice.objects.filter(
            answered_at__isnull=True, kind__in=SUSPENDING_NOTICES, sent_at__lte=moment
        ),
        ids,
    ):
        notices.setdefault(notice.vendor_id, []).append(notice)
    high_volume = any(
        vendor.high_volume_since is not None and vendor.info_requested_at is not None
        for vendor in vendors
    )
    periods = _Periods.on(moment.date()) if high_volume else None
    return {
        vendor.pk: _derive(
            vendor,
            on=moment,
            latest=latest.get(vendor.pk, {}),
            open_notices=tuple(notices.get(vendor.pk, ())),
            periods=periods,
        )
        for vendor in vendors
    }


def verification(vendor: Vendor, *, on: dt.datetime | None = None) -> Verification:
    """Everything the status is made of, read fresh from the records (never cached)."""
    return verifications([vendor], on=on)[vendor.pk]


def _derive(
    vendor: Vendor,
    *,
    on: dt.datetime,
    latest: dict[str, VerificationRecord],
    open_notices: tuple[CertificationNotice, ...],
    periods: _Periods | None,
) -> Verification:
    """The rules, pure: from the vendor's latest records and open notices as of `on`."""
    moment = on
    labels = dict(Field.choices)
    fields = tuple(
        FieldState(field=name, label=str(labels[name]), record=latest.get(name))
        for name in REQUIRED_FIELDS
    )
    if vendor.high_volume_since is None or vendor.info_requested_at is None:
        return Verification(NOT_HIGH_VOLUME, fields, open_notices, ())
    assert periods is not None  # read whenever one vendor is high-volume

    reasons: list[str] = []
    info_due = vendor.info_requested_at + periods.info_due
    notice_days = periods.notice
    for state in fields:
        if state.record is None and moment > info_due:
            reasons.append(f"{state.label}: not provided")
        elif (
            state.record is not None
            and state.record.status == VerificationRecord.Status.REJECTED
            and state.record.decided_at is not None
            and moment > max(state.record.decided_at + notice_days, info_due)
        ):
            reasons.append(f"{state.label}: rejected and not corrected")
    for notice in open_notices:
        if moment > notice.due_at:
            reasons.append(NOTICE_LAPSED[notice.kind])
    if reasons:
        return Verification(SUSPENDED, fields, open_notices, tuple(reasons))
    statuses = {state.status for state in fields}
    if "rejected" in statuses:
        status = REJECTED
    elif "missing" in statuses:
        status = INFO_REQUESTED
    elif statuses == {VerificationRecord.Status.VERIFIED}:
        status = VERIFIED
    else:
        status = SUBMITTED
    return Verification(status, fields, open_notices, ())


def verification_status(vendor: Vendor, *, on: dt.datetime | None = None) -> str:
    return verification(vendor, on=on).status


def sales_allowed(vendor: Vendor, *, on: dt.datetime | None = None) -> bool:
    """False while the vendor's sales are suspended (checkout refuses its lines)."""
    return verification_status(vendor, on=on) != SUSPENDED


def suspended_vendor_of_products(products: Iterable[Any]) -> Vendor | None:
    """The first suspended vendor selling one of `products` (checkout). Reads each product's
    `vendor_link` (the cart's lines select it): no statement when none is a vendor's."""
    links = [link for link in (getattr(p, "vendor_link", None) for p in products) if link]
    if not links or not MarketplaceSettings.objects.filter(pk=1, enabled=True).exists():
        return None
    seen: set[int] = set()
    for link in links:
        if link.vendor_id in seen:
            continue
        seen.add(link.vendor_id)
        if not sales_allowed(link.vendor):
            return link.vendor
    return None


# --- Disclosure (rules 1.9, 1.10, 1.12) -------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """What a shopper may see of a high-volume vendor."""

    vendor: Vendor
    disclose: bool  # the full block (>= the disclosure revenue)
    report: bool  # the "report suspicious activity" link (every high-volume vendor)
    name: str
    address_lines: tuple[str, ...]
    email: str
    phone: str
    notices: tuple[str, ...]
    report_phone: str
    verified: bool  # every required field verified (the derived status, this request)


def _public(latest: dict[str, VerificationRecord], field: str) -> str:
    record = latest.get(field)
    if record is None or record.status == VerificationRecord.Status.REJECTED:
        return ""
    return record.value_public


def identity_of(vendor: Vendor, *, on: dt.datetime | None = None) -> Identity | None:
    """The identity block of `vendor`, or None when it needs none (marketplace off, or not
    high-volume). A residential address shows only the region and country; a personal phone
    is never shown (rule 1.10)."""
    settings_row = MarketplaceSettings.objects.filter(pk=1).first()
    if settings_row is None or not settings_row.enabled:
        return None
    counters = vendor_counters(vendor, on=on)
    if not counters.high_volume:
        return None
    disclose = counters.trailing_revenue_usd >= rule(
        "disclosure_min_revenue_usd", on=counters.on.date()
    )
    latest = latest_records(vendor, on=on) if disclose else {}
    notices: list[str] = []
    if vendor.residential_address:
        region = ", ".join(part for part in (vendor.region, vendor.country_code) if part)
        address: tuple[str, ...] = (region,) if region else ()
        notices.append(
            gettext("This seller's inquiries are handled by phone, e-mail or message.")
            if not vendor.personal_phone_only
            else gettext("This seller's inquiries are handled by e-mail or message.")
        )
    else:
        address = tuple(
            line.strip()
            for line in _public(latest, Field.BUSINESS_ADDRESS).splitlines()
            if line.strip()
        )
    phone = "" if vendor.personal_phone_only else (_public(latest, Field.PHONE) or vendor.phone)
    if vendor.personal_phone_only and not vendor.residential_address:
        notices.append(gettext("Please contact this seller by e-mail or message."))
    return Identity(
        vendor=vendor,
        disclose=disclose,
        report=True,
        name=_public(latest, Field.LEGAL_NAME) or vendor.name,
        address_lines=address,
        email=_public(latest, Field.EMAIL) or vendor.email,
        phone=phone if disclose else "",
        notices=tuple(notices),
        report_phone=settings_row.report_phone,
        verified=verification_status(vendor, on=on) == VERIFIED,
    )


def identities_of_order(order: Any) -> list[Identity]:
    """The disclosed identities of the vendors whose lines are in `order` (confirmation e-mail,
    order history), one per vendor."""
    # One statement when the marketplace is off or no line is a vendor's: the switch is part
    # of the filter.
    switched_on = MarketplaceSettings.objects.filter(pk=1, enabled=True)
    links = (
        VendorProduct.objects.filter(product__variants__order_lines__order_id=order.pk)
        .filter(Exists(switched_on))
        .select_related("vendor")
    )
    vendors = {link.vendor_id: link.vendor for link in links}
    found = []
    for vendor in vendors.values():
        identity = identity_of(vendor)
        if identity is not None and identity.disclose:
            found.append(identity)
    return found


# The product page's block is `seller.seller_block` (INFORM and DSA in one).
TEMPLATE_GLOBALS = {"order_seller_identities": identities_of_order}


# --- Demo -------------------------------------------------------------------------------------

DEMO_VALUES: dict[str, str] = {
    Field.BANK_ACCOUNT: "DE89 3704 0044 0532 0130 00",
    Field.LEGAL_NAME: "Demo Goods LLC",
    Field.IDENTITY_DOCUMENT: "P1234567",
    Field.TAX_ID: "12-3456789",
    Field.EMAIL: "seller@example.com",
    Field.PHONE: "+1 512 555 0100",
    Field.BUSINESS_ADDRESS: "1 Main St\nAustin, TX 78701\nUS",
}


def seed_inform(*, vendors: Iterable[Vendor]) -> dict[str, str]:
    """Put demo vendors in the INFORM states, in order: not high-volume, information requested,
    submitted, verified, rejected, suspended (one each, as many as given). For `freehold seed`;
    it sets the request dates directly instead of selling 200 orders. Returns handle -> status.
    """
    from freehold.marketplace import verification

    states = [NOT_HIGH_VOLUME, INFO_REQUESTED, SUBMITTED, VERIFIED, REJECTED, SUSPENDED]
    moment = clock.now()
    actor = Actor.system("demo")
    shown: dict[str, str] = {}
    for vendor, state in zip(vendors, states, strict=False):
        if state != NOT_HIGH_VOLUME:
            requested = moment - dt.timedelta(days=15 if state == SUSPENDED else 2)
            Vendor.objects.filter(pk=vendor.pk).update(
                high_volume_since=requested, info_requested_at=requested
            )
            vendor.high_volume_since = vendor.info_requested_at = requested
            CertificationNotice.objects.create(
                vendor=vendor,
                kind="missing_info",
                sent_at=requested,
                due_at=requested + dt.timedelta(days=10),
            )
        if state in (SUBMITTED, VERIFIED, REJECTED):
            for field in REQUIRED_FIELDS:
                record, _code = verification.submit(
                    vendor=vendor, field=field, value=DEMO_VALUES[field], actor=actor
                )
                if state == VERIFIED or (state == REJECTED and field != Field.IDENTITY_DOCUMENT):
                    verification.decide(record=record, approve=True, user=None)
                elif state == REJECTED:
                    verification.decide(
                        record=record, approve=False, reason="The scan is unreadable.", user=None
                    )
        shown[vendor.handle] = verification_status(vendor)
    return shown
