"""Submitting and checking a vendor's INFORM information, one `VerificationRecord` per change.

* Tax ids are checked for form with python-stdnum (a US EIN, else an EU VAT number); bank
  details with schwifty (IBAN) or stdnum's ABA routing check digit (`us:<routing>:<account>`),
  or a payee name. Secrets (bank account, tax id, ID document number) are stored encrypted
  (`core.crypto`) with a masked copy ("•••• 4321"); the full value is read only through
  `reveal`, which needs the `marketplace.reveal_vendor_secrets` permission (or the store owner)
  and writes an audit record.
* E-mail and phone are confirmed by a 6-digit code (only its hash is stored). The e-mail goes
  out with `send_mail`, the phone's code by text message (`core.sms`, once the record is
  committed); a provider refusing it is a `ValidationFailed` the page shows ("try again").
* Everything else (name, address, documents, tax id, bank account) waits for staff to approve or
  reject with a reason.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils.translation import gettext
from stdnum.eu import vat
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.us import ein, rtn

from freehold.core import audit, clock, crypto, sms
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.customers.addresses import AddressInvalid, phone_to_e164
from freehold.marketplace.models import Vendor, VerificationRecord

logger = logging.getLogger(__name__)
Field = VerificationRecord.Field
SECRET_FIELDS = {Field.BANK_ACCOUNT, Field.TAX_ID, Field.IDENTITY_DOCUMENT}
CODE_FIELDS = {Field.EMAIL, Field.PHONE}
MASK = "•••• "


def mask(value: str) -> str:
    """The last four characters only: "•••• 4321"."""
    compact = "".join(value.split())
    return MASK + compact[-4:] if len(compact) > 4 else MASK.strip()


def check_tax_id(value: str) -> str:
    """A US EIN or an EU VAT number, compact; else ValidationFailed."""
    for module in (ein, vat):
        try:
            return str(module.validate(value))
        except StdnumError:
            continue
    raise ValidationFailed(
        "This is not a valid US EIN or EU VAT number (check the digits).", field="value"
    )


def check_bank_account(value: str) -> tuple[str, bool]:
    """(the compact value, is it a payee name). An IBAN, `us:<routing>:<account>`, or a payee
    name prefixed `payee:`."""
    text = value.strip()
    if text.lower().startswith("payee:"):
        name = text[6:].strip()
        if not name:
            raise ValidationFailed("Enter the payee's name.", field="value")
        return name, True
    if text.lower().startswith("us:"):
        parts = text.split(":")
        if len(parts) != 3 or not parts[2].strip().isdigit():
            raise ValidationFailed(
                "Enter a US account as us:<routing number>:<account number>.", field="value"
            )
        try:
            routing = rtn.validate(parts[1])
        except StdnumError:
            raise ValidationFailed(
                "This ABA routing number is not valid (check digit).", field="value"
            ) from None
        return f"us:{routing}:{parts[2].strip()}", False
    from schwifty import IBAN
    from schwifty.exceptions import SchwiftyException

    try:
        return IBAN(text).compact, False
    except SchwiftyException:
        raise ValidationFailed(
            "This IBAN is not valid (check the digits).", field="value"
        ) from None


def _hash_code(record_id: int | None, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{record_id}:{code}".encode(), hashlib.sha256).hexdigest()


def submit(
    *,
    vendor: Vendor,
    field: str,
    value: str = "",
    document: UploadedFile | None = None,
    actor: Actor,
) -> tuple[VerificationRecord, str]:
    """Record a new value for `field`; returns (record, the code sent, if any)."""
    if field not in Field.values:
        raise ValidationFailed("Unknown field.", field="field")
    value = value.strip()
    if not value and document is None:
        raise ValidationFailed("Enter a value.", field="value")
    record = VerificationRecord(vendor=vendor, field=field, submitted_at=clock.now())
    if field == Field.TAX_ID:
        value = check_tax_id(value)
    elif field == Field.BANK_ACCOUNT:
        value, _is_payee = check_bank_account(value)
    elif field == Field.EMAIL and "@" not in value:
        raise ValidationFailed("Enter an e-mail address.", field="value")
    phone_e164 = ""
    if field == Field.PHONE:
        # Kept as typed (that is what shoppers read), checked as a number that can exist, and
        # texted in E.164, which every SMS provider accepts.
        try:
            phone_e164 = phone_to_e164(value, vendor.country_code)
        except AddressInvalid as exc:
            raise ValidationFailed(exc.errors["phone"], field="value") from exc
    if field in SECRET_FIELDS and value:
        record.value_encrypted = crypto.encrypt(value)
        record.value_masked = mask(value)
    else:
        record.value_public = value
        record.value_masked = value
    if document is not None:
        record.document = document
    code = ""
    with transaction.atomic():
        record.save()
        if field in CODE_FIELDS:
            code = f"{secrets.randbelow(10**6):06d}"
            record.code_hash = _hash_code(record.pk, code)
            record.save(update_fields=["code_hash"])
        audit.record(
            actor=actor,
            verb="vendor.verification_submitted",
            obj=record,
            to_state=record.status,
            data={"field": field},
        )
        invalidate_vendor_pages(vendor.pk)
    if field == Field.EMAIL:
        send_mail(
            "Your confirmation code",
            f"Your code to confirm this e-mail address: {code}",
            None,
            [value],
            fail_silently=True,
        )
    elif field == Field.PHONE:
        delivery = sms.send_after_commit(to=phone_e164, body=phone_code_text(code))
        if delivery.failed:
            # Sent at once (no outer transaction) and refused: the record stays, unconfirmable;
            # saving the number again sends a new code.
            raise ValidationFailed(gettext(PHONE_CODE_NOT_SENT), field="value")
    return record, code


PHONE_CODE_NOT_SENT = "We could not send the code by text message. Please try again."


def phone_code_text(code: str) -> str:
    store = _store_name()
    return f"{store}: your code to confirm this phone number is {code}."


def _store_name() -> str:
    from freehold.storefront.selectors import store_settings

    return store_settings().name or "Freehold"


def confirm_code(*, record: VerificationRecord, code: str, actor: Actor) -> bool:
    """A correct code verifies the e-mail or phone at once."""
    if not record.code_hash or record.status != VerificationRecord.Status.SUBMITTED:
        return False
    if not hmac.compare_digest(record.code_hash, _hash_code(record.pk, code.strip())):
        return False
    with transaction.atomic():
        record.status = VerificationRecord.Status.VERIFIED
        record.decided_at = clock.now()
        record.save(update_fields=["status", "decided_at"])
        audit.record(
            actor=actor, verb="vendor.verification_confirmed", obj=record, to_state=record.status
        )
        invalidate_vendor_pages(record.vendor_id)
    return True


def decide(
    *,
    record: VerificationRecord,
    approve: bool,
    reason: str = "",
    user: Any,
    actor: Actor | None = None,
) -> VerificationRecord:
    """Staff approve or reject a submitted record (a rejection needs a reason). `actor` names
    who decided when it is not `user` (an API token: the audit trail names the token)."""
    if not approve and not reason.strip():
        raise ValidationFailed("Say why the information is rejected.", field="reason")
    with transaction.atomic():
        locked = VerificationRecord.objects.select_for_update().get(pk=record.pk)
        before = locked.status
        locked.status = (
            VerificationRecord.Status.VERIFIED if approve else VerificationRecord.Status.REJECTED
        )
        locked.reason = reason.strip()
        locked.decided_at = clock.now()
        locked.decided_by = user
        locked.save(update_fields=["status", "reason", "decided_at", "decided_by"])
        audit.record(
            actor=actor or Actor.for_user(user),
            verb="vendor.verification_decided",
            obj=locked,
            from_state=before,
            to_state=locked.status,
            data={"field": locked.field, "reason": locked.reason},
        )
    invalidate_vendor_pages(locked.vendor_id)
    return locked


def can_reveal(user: Any) -> bool:
    from freehold.dashboard.access import is_owner

    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_staff", False)
        and (is_owner(user) or user.has_perm("marketplace.reveal_vendor_secrets"))
    )


def reveal(*, record: VerificationRecord, user: Any) -> str:
    """The full secret, for a user with the permission; every reveal is audit-logged."""
    if not can_reveal(user):
        raise PermissionDenied("Revealing vendor secrets needs a permission.")
    audit.record(
        actor=Actor.for_user(user),
        verb="vendor.secret_revealed",
        obj=record,
        data={"field": record.field},
    )
    if not record.value_encrypted:
        return record.value_public
    return crypto.decrypt(record.value_encrypted)


def invalidate_vendor_pages(vendor_id: int) -> None:
    """Product pages show the vendor's identity: drop them from the page cache."""
    from freehold.core import pagecache
    from freehold.marketplace.models import VendorProduct

    ids = list(
        VendorProduct.objects.filter(vendor_id=vendor_id).values_list("product_id", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: pagecache.invalidate(*pagecache.tags_for("product", ids)))
