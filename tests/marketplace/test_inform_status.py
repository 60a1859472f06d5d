"""The derived verification status, suspension and the checkout's refusal (rules 1.4-1.7, 1.14)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from freehold.catalog.models import Variant
from freehold.checkout.errors import CartError
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.marketplace import inform, verification
from freehold.marketplace.models import CertificationNotice, VerificationRecord
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product
from tests.marketplace.test_inform_counters import NOW, sell

pytestmark = pytest.mark.django_db
Field = VerificationRecord.Field
VENDOR = Actor.system("vendor")
VALUES = {
    Field.BANK_ACCOUNT: "DE89 3704 0044 0532 0130 00",
    Field.LEGAL_NAME: "Ana Lopez Goods LLC",
    Field.IDENTITY_DOCUMENT: "P1234567",
    Field.TAX_ID: "12-3456789",
    Field.EMAIL: "ana@example.com",
    Field.PHONE: "+1 512 555 0100",
    Field.BUSINESS_ADDRESS: "1 Main St\nAustin, TX 78701\nUS",
}


def high_volume_vendor(**fields):
    """A vendor that qualified at NOW (information requested then, due NOW + 10 days)."""
    enable_marketplace()
    vendor = make_vendor(**fields)
    product = make_vendor_product(vendor)
    sell(product, count=200, total="5000", first_at=NOW - dt.timedelta(days=20))
    with frozen_at(NOW):
        vendor = inform.vendor_recompute(vendor=vendor)
    return vendor, product


def submit_all(vendor, *, at, fields=tuple(VALUES)):
    with frozen_at(at):
        return {
            field: verification.submit(
                vendor=vendor, field=field, value=VALUES[field], actor=VENDOR
            )[0]
            for field in fields
        }


def verify_all(records, user=None):
    for record in records.values():
        verification.decide(record=record, approve=True, user=user)


def complete_purchase(product):
    cart = cart_create(currency="USD")
    cart_add(cart=cart, variant_id=Variant.objects.get(product=product).pk, quantity=1)
    return checkout_complete(
        cart_token=cart.token, email="shopper@example.com", idempotency_key=uuid.uuid4().hex
    )


def test_a_vendor_below_the_thresholds_is_not_high_volume():
    enable_marketplace()
    vendor = make_vendor()
    assert inform.verification_status(vendor, on=NOW) == inform.NOT_HIGH_VOLUME
    assert inform.sales_allowed(vendor, on=NOW)


def test_day_10_without_information_is_still_allowed_and_day_11_is_suspended():
    vendor, _product = high_volume_vendor()
    assert inform.verification_status(vendor, on=NOW + dt.timedelta(days=10)) == "info_requested"
    eleventh_day = NOW + dt.timedelta(days=10, hours=1)
    assert inform.verification_status(vendor, on=eleventh_day) == inform.SUSPENDED
    assert not inform.sales_allowed(vendor, on=eleventh_day)


def test_checkout_refuses_a_suspended_vendors_listing_with_the_reason():
    _vendor, product = high_volume_vendor()
    with frozen_at(NOW + dt.timedelta(days=11)), pytest.raises(CartError) as refused:
        complete_purchase(product)
    assert refused.value.code == "vendor_suspended"
    assert str(refused.value) == (
        "This seller's sales are suspended until they update their information."
    )
    # Within the 10 days the same purchase goes through
    with frozen_at(NOW + dt.timedelta(days=9)):
        assert complete_purchase(product).lines.count() == 1


def test_submitting_everything_in_time_means_submitted_and_never_suspended():
    vendor, _ = high_volume_vendor()
    submit_all(vendor, at=NOW + dt.timedelta(days=9))
    assert inform.verification_status(vendor, on=NOW + dt.timedelta(days=30)) == inform.SUBMITTED


def test_information_submitted_late_lifts_the_suspension():
    vendor, product = high_volume_vendor()
    late = NOW + dt.timedelta(days=15)
    assert inform.verification_status(vendor, on=late) == inform.SUSPENDED
    submit_all(vendor, at=late)
    assert inform.verification_status(vendor, on=late) == inform.SUBMITTED
    with frozen_at(late):
        assert complete_purchase(product).lines.count() == 1


def test_the_moment_staff_verify_the_last_field_the_status_is_verified():
    vendor, _ = high_volume_vendor()
    records = submit_all(vendor, at=NOW + dt.timedelta(days=1))
    last = records.pop(Field.TAX_ID)
    with frozen_at(NOW + dt.timedelta(days=2)):
        verify_all(records)
        assert inform.verification_status(vendor) == inform.SUBMITTED
        verification.decide(record=last, approve=True, user=None)
        assert inform.verification_status(vendor) == inform.VERIFIED


def test_a_rejected_field_shows_rejected_then_suspends_if_not_corrected():
    vendor, _ = high_volume_vendor()
    records = submit_all(vendor, at=NOW + dt.timedelta(days=1))
    with frozen_at(NOW + dt.timedelta(days=2)):
        verify_all({k: v for k, v in records.items() if k != Field.IDENTITY_DOCUMENT})
        verification.decide(
            record=records[Field.IDENTITY_DOCUMENT], approve=False, reason="Expired", user=None
        )
    assert inform.verification_status(vendor, on=NOW + dt.timedelta(days=5)) == inform.REJECTED
    verdict = inform.verification(vendor, on=NOW + dt.timedelta(days=13))
    assert verdict.status == inform.SUSPENDED
    assert verdict.reasons == ("ID document or government record: rejected and not corrected",)
    # a corrected document (submitted again) lifts it
    submit_all(vendor, at=NOW + dt.timedelta(days=14), fields=(Field.IDENTITY_DOCUMENT,))
    assert inform.verification_status(vendor, on=NOW + dt.timedelta(days=14)) == inform.SUBMITTED


def test_a_yearly_notice_then_no_certification_within_10_days_suspends():
    vendor, product = high_volume_vendor()
    verify_all(submit_all(vendor, at=NOW + dt.timedelta(days=1)))
    # Less than a year after the request: no notice
    with frozen_at(NOW + dt.timedelta(days=364)):
        assert inform.certification_notices_send() == 0
    # A year on: a notice due in 10 days
    year = NOW + dt.timedelta(days=365)
    with frozen_at(year):
        assert inform.certification_notices_send() == 1
        assert inform.certification_notices_send() == 0  # one open notice at a time
    notice = CertificationNotice.objects.get(vendor=vendor, kind="certify")
    assert notice.due_at == year + dt.timedelta(days=10)
    assert inform.verification_status(vendor, on=year + dt.timedelta(days=10)) == inform.VERIFIED
    missed = year + dt.timedelta(days=10, minutes=1)
    assert inform.verification_status(vendor, on=missed) == inform.SUSPENDED
    with frozen_at(missed), pytest.raises(CartError):
        complete_purchase(product)
    # Certifying (unchanged) answers the notice and lifts the suspension
    with frozen_at(missed):
        inform.certify(vendor=vendor, changed=False, actor=VENDOR)
    notice.refresh_from_db()
    assert notice.answered_at == missed and not notice.changed
    assert inform.verification_status(vendor, on=missed) == inform.VERIFIED
    # and the next notice comes a year after that certification
    with frozen_at(missed + dt.timedelta(days=364)):
        assert inform.certification_notices_send() == 0
    with frozen_at(missed + dt.timedelta(days=365)):
        assert inform.certification_notices_send() == 1


def test_with_the_marketplace_off_nothing_is_refused():
    _vendor, product = high_volume_vendor()
    from freehold.marketplace.models import MarketplaceSettings

    MarketplaceSettings.objects.filter(pk=1).update(enabled=False)
    with frozen_at(NOW + dt.timedelta(days=30)):
        assert complete_purchase(product).lines.count() == 1


def test_the_demo_puts_vendors_in_every_state():
    enable_marketplace()
    vendors = [make_vendor(handle=f"demo-{number}") for number in range(6)]
    assert list(inform.seed_inform(vendors=vendors).values()) == [
        "not_high_volume",
        "info_requested",
        "submitted",
        "verified",
        "rejected",
        "suspended",
    ]
