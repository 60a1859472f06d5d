"""DSA trader traceability (Art. 30) and the marketplace notices of CRD Art. 6a.

When the marketplace sells to EU consumers and the operator is not exempt as a micro or small
enterprise (Art. 29), a vendor that is a trader may not offer anything until the platform holds
its name, address, phone, e-mail, an ID document, its payment account, its trade register entry
(or its answer that it is not registered) and its self-certification that it offers only
products that comply with EU law (Art. 30(1)). The data is read from the latest
`VerificationRecord` per field, the same rows INFORM verification uses: a submitted or verified
record counts as provided, a rejected one (the data proved wrong, Art. 30(3)) does not.

Private sellers (`Vendor.is_business` false) are not traders: Art. 30 does not apply to them,
and shoppers are told that EU consumer protection law does not apply to their contracts.

The trader data is kept for the contract and six months after (Art. 30(5), the date-effective
rule `dsa_retention_months`), then `dsa_purge` deletes it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from freehold.catalog import services as catalog_services
from freehold.catalog.cache import invalidate_products
from freehold.catalog.models import Product
from freehold.core import audit, clock, crypto
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from freehold.customers.privacy import add_months
from freehold.marketplace import rules, vendor_services, verification
from freehold.marketplace.models import (
    MarketplaceSettings,
    Vendor,
    VendorProduct,
    VerificationRecord,
)

Field = VerificationRecord.Field
Status = VerificationRecord.Status

# Art. 30(1) in the order forms and messages list them.
TRADER_FIELDS: tuple[str, ...] = (
    Field.LEGAL_NAME,
    Field.BUSINESS_ADDRESS,
    Field.PHONE,
    Field.EMAIL,
    Field.IDENTITY_DOCUMENT,
    Field.BANK_ACCOUNT,
    Field.TRADE_REGISTER,
    Field.SELF_CERTIFICATION,
)
FIELD_LABELS: dict[str, str] = {
    Field.LEGAL_NAME: "name",
    Field.BUSINESS_ADDRESS: "address",
    Field.PHONE: "phone",
    Field.EMAIL: "e-mail",
    Field.IDENTITY_DOCUMENT: "ID document",
    Field.BANK_ACCOUNT: "payment account",
    Field.TRADE_REGISTER: "trade register entry (or that you are not registered)",
    Field.SELF_CERTIFICATION: "self-certification of compliant products",
}
NOT_REGISTERED = "not registered"
# The statement the vendor certifies (Art. 30(1)(e)); stored with the record, so what was
# certified stays known when the wording changes.
SELF_CERTIFICATION_TEXT = (
    "We commit to offer only products and services that comply with the applicable rules of "
    "European Union law."
)
CORRECTION_VERB = "vendor.dsa_correction_requested"
SUSPEND_VERB = "vendor.dsa_listing_suspended"


class ListingBlocked(ValidationFailed):
    """A vendor's product may not go live: its trader data is incomplete (the message says
    what is missing)."""

    code = "dsa_listing_blocked"


# --- When Art. 30 applies -------------------------------------------------------------------


def _settings() -> MarketplaceSettings:
    return MarketplaceSettings.objects.get_or_create(pk=1)[0]


def dsa_applies(settings: MarketplaceSettings | None = None) -> bool:
    """Marketplace mode on, selling to EU consumers, and not exempt as a small enterprise."""
    settings = settings or _settings()
    return bool(
        settings.enabled
        and settings.sells_to_eu_consumers
        and not settings.dsa_small_enterprise_exempt
    )


def applies_to(vendor: Vendor, settings: MarketplaceSettings | None = None) -> bool:
    """Art. 30 covers traders: a private seller is told about, not traced."""
    return vendor.is_business and dsa_applies(settings)


# --- Reading the trader data ----------------------------------------------------------------


def latest_records(
    vendor: Vendor, records: Iterable[VerificationRecord] | None = None
) -> dict[str, VerificationRecord]:
    """The latest record per trader field (from `records` when prefetched, newest first)."""
    if records is None:
        records = VerificationRecord.objects.filter(vendor=vendor, field__in=TRADER_FIELDS)
    latest: dict[str, VerificationRecord] = {}
    for record in sorted(records, key=lambda r: (r.submitted_at, r.pk), reverse=True):
        if record.field in TRADER_FIELDS:
            latest.setdefault(record.field, record)
    return latest


def _provided(record: VerificationRecord | None) -> bool:
    return record is not None and record.status != Status.REJECTED


def trader_missing(
    vendor: Vendor, records: Iterable[VerificationRecord] | None = None
) -> list[str]:
    """The Art. 30(1) fields (codes, in order) with no submitted or verified latest record.

    About the data only: whether Art. 30 applies at all is `listing_allowed`'s question.
    """
    latest = latest_records(vendor, records)
    return [name for name in TRADER_FIELDS if not _provided(latest.get(name))]


def missing_labels(missing: Sequence[str]) -> str:
    return ", ".join(FIELD_LABELS[name] for name in missing)


def listing_allowed(vendor: Vendor) -> bool:
    return not applies_to(vendor) or not trader_missing(vendor)


def listing_problem(vendor: Vendor) -> str:
    """Why `vendor` may not list now under Art. 30 ("" when it may): the vendor product
    flow's LISTING_CHECKS entry."""
    try:
        listing_check(vendor)
    except ListingBlocked as exc:
        return exc.message
    return ""


def listing_check(vendor: Vendor) -> None:
    """Raise `ListingBlocked` naming what is missing when `vendor` may not list now."""
    if not applies_to(vendor):
        return
    missing = trader_missing(vendor)
    if missing:
        raise ListingBlocked(
            "This product cannot be published yet: the marketplace must first hold your "
            f"trader details (EU Digital Services Act). Missing: {missing_labels(missing)}.",
            field="status",
        )


def product_publish_check(product: Product) -> None:
    """Called by catalog services when a product goes active: a vendor's product needs a
    complete trader (the operator's own products have no vendor link and always pass)."""
    if product.pk is None:
        return
    link = VendorProduct.objects.select_related("vendor").filter(product_id=product.pk).first()
    if link is not None:
        listing_check(link.vendor)
        # Art. 31: the product's own safety information (imported here: it builds on this).
        from freehold.marketplace import product_safety

        try:
            product_safety.product_safety_check(product, link.vendor)
        except ValidationFailed as exc:
            raise ListingBlocked(exc.message, field="status") from exc


def address_withheld(vendor: Vendor, settings: MarketplaceSettings | None = None) -> bool:
    """Art. 30(7) shortfall: a trader selling to EU consumers that certified a residential
    address or a personal phone under INFORM has its street or phone withheld from shoppers
    (marketplace.seller), so consumers lack the contact details the DSA wants shown. Staff and
    the vendor are warned: a business or returns address (and phone) fixes it."""
    return applies_to(vendor, settings) and (
        vendor.residential_address or vendor.personal_phone_only
    )


ADDRESS_WITHHELD_WARNING = "Address not published: give a business or returns address"


# --- What shoppers see (Art. 30(7), CRD Art. 6a) --------------------------------------------
# One block with INFORM's disclosure: `freehold.marketplace.seller.seller_block`.


# --- The vendor submits ---------------------------------------------------------------------


@dataclass
class TraderInput:
    """What the vendor's form gives; None or "" leaves a field as it is (secrets are never
    shown back, so an empty secret means "keep")."""

    legal_name: str = ""
    business_address: str = ""
    phone: str = ""
    email: str = ""
    identity_document: UploadedFile | None = None
    bank_account: str = ""
    registered: bool | None = None
    register_name: str = ""
    register_number: str = ""
    self_certified: bool = False


def _submit(
    *,
    vendor: Vendor,
    name: str,
    value: str = "",
    document: UploadedFile | None = None,
    actor: Actor,
) -> VerificationRecord:
    """One new submitted record through INFORM's `verification.submit` (the one way records
    are written: secrets encrypted and masked, e-mail and phone sent a confirmation code,
    account numbers checked for form); its errors name the form field."""
    try:
        record, _code = verification.submit(
            vendor=vendor, field=name, value=value, document=document, actor=actor
        )
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field=name) from exc
    return record


@transaction.atomic
def trader_submit(*, vendor: Vendor, data: TraderInput, actor: Actor) -> list[str]:
    """Record what changed as new submitted records; the names of the fields recorded.

    A public value equal to the one on file (and not rejected) is not submitted again, so
    saving the form unchanged does not reset verified fields to "submitted".
    """
    latest = latest_records(vendor)

    def unchanged(name: str, value: str) -> bool:
        record = latest.get(name)
        return record is not None and _provided(record) and record.value_public == value

    recorded: list[str] = []
    for name, value in (
        (Field.LEGAL_NAME, data.legal_name.strip()),
        (
            Field.BUSINESS_ADDRESS,
            "\n".join(x.strip() for x in data.business_address.strip().splitlines()),
        ),
        (Field.PHONE, data.phone.strip()),
        (Field.EMAIL, data.email.strip()),
    ):
        if value and not unchanged(name, value):
            _submit(vendor=vendor, name=name, value=value, actor=actor)
            recorded.append(name)
    if data.identity_document is not None:
        _submit(
            vendor=vendor,
            name=Field.IDENTITY_DOCUMENT,
            document=data.identity_document,
            actor=actor,
        )
        recorded.append(Field.IDENTITY_DOCUMENT)
    if data.bank_account.strip():
        _submit(vendor=vendor, name=Field.BANK_ACCOUNT, value=data.bank_account, actor=actor)
        recorded.append(Field.BANK_ACCOUNT)
    if data.registered is not None:
        if data.registered:
            register = f"{data.register_name.strip()}, {data.register_number.strip()}"
            if not data.register_name.strip() or not data.register_number.strip():
                raise ValidationFailed(
                    "Trade register: give the register and your number in it.",
                    field="register_number",
                )
        else:
            register = NOT_REGISTERED
        if not unchanged(Field.TRADE_REGISTER, register):
            _submit(vendor=vendor, name=Field.TRADE_REGISTER, value=register, actor=actor)
            recorded.append(Field.TRADE_REGISTER)
    if data.self_certified and not unchanged(Field.SELF_CERTIFICATION, SELF_CERTIFICATION_TEXT):
        _submit(
            vendor=vendor,
            name=Field.SELF_CERTIFICATION,
            value=SELF_CERTIFICATION_TEXT,
            actor=actor,
        )
        recorded.append(Field.SELF_CERTIFICATION)
    if recorded:
        audit.record(
            actor=actor, verb="vendor.trader_data_submitted", obj=vendor, data={"fields": recorded}
        )
        _invalidate_vendor_pages(vendor)
    return recorded


def _invalidate_vendor_pages(vendor: Vendor) -> None:
    product_ids = list(vendor.products.values_list("product_id", flat=True))
    if product_ids:
        transaction.on_commit(lambda: invalidate_products(*product_ids))


# --- The operator: correction and suspension (Art. 30(3)) -----------------------------------


@dataclass(frozen=True)
class CorrectionRequest:
    requested_at: dt.datetime
    fields: list[str]
    reason: str
    by: str
    open: bool


@transaction.atomic
def correction_request(
    *, vendor: Vendor, fields: Sequence[str], reason: str, actor: Actor, user: Any = None
) -> None:
    """The data proved wrong: the named fields' latest records are rejected with the reason
    (so they count as missing and the vendor sees what to fix), and the request is recorded."""
    fields = [name for name in TRADER_FIELDS if name in set(fields)]
    if not fields:
        raise ValidationFailed("Choose what is wrong.", field="fields")
    if not reason.strip():
        raise ValidationFailed("Say what is wrong, for the vendor.", field="reason")
    now = clock.now()
    latest = latest_records(vendor)
    for name in fields:
        record = latest.get(name)
        if record is not None and record.status != Status.REJECTED:
            record.status = Status.REJECTED
            record.reason = reason.strip()
            record.decided_at = now
            record.decided_by = user if getattr(user, "is_authenticated", False) else None
            record.save(update_fields=["status", "reason", "decided_at", "decided_by"])
    audit.record(
        actor=actor,
        verb=CORRECTION_VERB,
        obj=vendor,
        data={"fields": fields, "reason": reason.strip()},
    )
    _invalidate_vendor_pages(vendor)


def correction_requests(vendor: Vendor) -> list[CorrectionRequest]:
    """The operator's requests, newest first; open while a named field is still missing."""
    missing = set(trader_missing(vendor))
    events = AuditEvent.objects.filter(
        verb=CORRECTION_VERB, object_type=vendor._meta.label_lower, object_id=str(vendor.pk)
    ).order_by("-created_at", "-id")
    return [
        CorrectionRequest(
            requested_at=event.created_at,
            fields=list(event.data.get("fields", [])),
            reason=str(event.data.get("reason", "")),
            by=event.actor_label,
            open=bool(missing & set(event.data.get("fields", []))),
        )
        for event in events
    ]


@transaction.atomic
def listing_suspend(*, vendor: Vendor, actor: Actor) -> int:
    """Take the vendor's live products down (to draft) until its data is fixed; how many.

    Refused while nothing is missing: the vendor could publish again at once. Request a
    correction first; the products cannot go live again while the named fields are wrong.
    """
    missing = trader_missing(vendor)
    if not missing:
        raise ValidationFailed(
            "Nothing is missing from this trader's data: request a correction first.",
            field="vendor",
        )
    products = list(
        Product.objects.filter(vendor_link__vendor=vendor, status=Product.Status.ACTIVE)
    )
    for product in products:
        catalog_services.product_update(product=product, actor=actor, status=Product.Status.DRAFT)
    audit.record(
        actor=actor,
        verb=SUSPEND_VERB,
        obj=vendor,
        data={"products": [p.pk for p in products], "missing": missing},
    )
    return len(products)


# --- Deleting the data when the relationship has ended (Art. 30(5)) -------------------------


def dsa_purge(now: dt.datetime | None = None) -> int:
    """Delete the trader records (and documents) of vendors terminated longer ago than the
    retention period; the number of records deleted. Run daily (SCHEDULED_JOBS)."""
    now = now or clock.now()
    months = rules.whole("dsa_retention_months", on=now.date())
    total = 0
    vendors = (
        Vendor.objects.filter(status=Vendor.Status.TERMINATED, terminated_at__isnull=False)
        .filter(verifications__field__in=TRADER_FIELDS)
        .distinct()
    )
    for vendor in vendors:
        assert vendor.terminated_at is not None
        if add_months(vendor.terminated_at, months) >= now:
            continue
        total += _purge_vendor(vendor, months=months)
    return total


@transaction.atomic
def _purge_vendor(vendor: Vendor, *, months: int) -> int:
    records = list(VerificationRecord.objects.filter(vendor=vendor, field__in=TRADER_FIELDS))
    files = [str(record.document.name) for record in records if record.document]
    storage = VerificationRecord._meta.get_field("document").storage  # type: ignore[attr-defined]
    VerificationRecord.objects.filter(pk__in=[r.pk for r in records]).delete()

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    audit.record(
        actor=Actor.system("dsa purge"),
        verb="vendor.trader_data_purged",
        obj=vendor,
        data={"records": len(records), "documents": len(files), "retention_months": months},
    )
    _invalidate_vendor_pages(vendor)
    return len(records)


# --- Demo ------------------------------------------------------------------------------------


def seed_trader(*, vendor: Vendor, missing: Sequence[str] = ()) -> None:
    """Demo trader data for `vendor` (every Art. 30(1) item but `missing`), written directly:
    the demo sends no confirmation codes. For `freehold seed` (the lead calls it)."""
    values: dict[str, str] = {
        Field.LEGAL_NAME: f"{vendor.name} GmbH",
        Field.BUSINESS_ADDRESS: "Torstraße 12\n10119 Berlin\nGermany",
        Field.PHONE: "+49 30 1234567",
        Field.EMAIL: vendor.email,
        Field.TRADE_REGISTER: "Amtsgericht Berlin HRB, 123456",
        Field.SELF_CERTIFICATION: SELF_CERTIFICATION_TEXT,
    }
    now = clock.now()
    for name in TRADER_FIELDS:
        if name in missing:
            continue
        record = VerificationRecord(
            vendor=vendor, field=name, value_public=values.get(name, ""), submitted_at=now
        )
        if name == Field.BANK_ACCOUNT:
            record.value_encrypted = crypto.encrypt("DE89370400440532013000")
            record.value_masked = verification.mask("DE89370400440532013000")
        if name == Field.IDENTITY_DOCUMENT:
            record.document.save("demo-id.pdf", ContentFile(b"%PDF-1.4 demo"), save=False)
        record.save()


# --- Plugging in -----------------------------------------------------------------------------

# The vendor product flow asks every listing check (registered once, on import by apps.ready).
if listing_problem not in vendor_services.LISTING_CHECKS:
    vendor_services.LISTING_CHECKS.append(listing_problem)

TEMPLATE_GLOBALS: dict[str, Any] = {}  # the seller block is marketplace.seller's
