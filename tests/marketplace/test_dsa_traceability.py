"""DSA Art. 30: trader data before listing, correction and suspension, the 6-month purge."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from freehold.catalog import services as catalog_services
from freehold.catalog.models import Product
from freehold.core import clock, crypto
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, ValidationFailed
from freehold.core.models import AuditEvent
from freehold.marketplace import dsa, vendor_services, verification
from freehold.marketplace.models import ProductCompliance, Vendor, VerificationRecord
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product

pytestmark = pytest.mark.django_db

Field = VerificationRecord.Field
STAFF = Actor.system("test staff")
PUBLIC_VALUES = {
    Field.LEGAL_NAME: "Kestrel Goods GmbH",
    Field.BUSINESS_ADDRESS: "Torstraße 12\n10119 Berlin\nGermany",
    Field.PHONE: "+49 30 1234567",
    Field.EMAIL: "legal@kestrel.example",
    Field.TRADE_REGISTER: "Amtsgericht Berlin HRB, 123456",
    Field.SELF_CERTIFICATION: dsa.SELF_CERTIFICATION_TEXT,
}


def give(
    vendor: Vendor, name: str, *, status: str = "submitted", at: dt.datetime | None = None
) -> VerificationRecord:
    """One record for `name` as the trader form would store it."""
    record = VerificationRecord(
        vendor=vendor,
        field=name,
        value_public=PUBLIC_VALUES.get(name, ""),
        status=status,
        submitted_at=at or clock.now(),
    )
    if name == Field.BANK_ACCOUNT:
        record.value_encrypted = crypto.encrypt("DE89370400440532013000")
        record.value_masked = verification.mask("DE89370400440532013000")
    if name == Field.IDENTITY_DOCUMENT:
        record.document.save("id.pdf", ContentFile(b"%PDF-1.4 id"), save=False)
    record.save()
    return record


def complete_trader(vendor: Vendor, *, without: tuple[str, ...] = ()) -> None:
    for name in dsa.TRADER_FIELDS:
        if name not in without:
            give(vendor, name)


def draft_product(vendor: Vendor) -> Product:
    return make_vendor_product(vendor, status=Product.Status.DRAFT)


# --- Listing is blocked while anything is missing ------------------------------------------


@pytest.mark.parametrize("missing", dsa.TRADER_FIELDS)
def test_a_product_cannot_go_live_while_one_item_is_missing(missing: str) -> None:
    # Given a trader with every Art. 30(1) item but one, and a draft product
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor, without=(missing,))
    product = draft_product(vendor)

    # When it is published through the catalog
    with pytest.raises(ValidationError) as caught:
        catalog_services.product_update(product=product, status=Product.Status.ACTIVE)

    # Then it is refused, naming the missing item, and stays a draft
    assert dsa.trader_missing(vendor) == [missing]
    assert dsa.listing_allowed(vendor) is False
    assert dsa.FIELD_LABELS[missing] in caught.value.message_dict["status"][0]
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT


@pytest.mark.parametrize("missing", dsa.TRADER_FIELDS)
def test_the_vendor_cannot_publish_a_new_product_while_one_item_is_missing(missing: str) -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor, without=(missing,))

    with pytest.raises(FreeholdError) as caught:
        vendor_services.vendor_product_create(
            vendor=vendor,
            actor=STAFF,
            currency="EUR",
            data=vendor_services.VendorProductInput(
                title="Scarf", price=Decimal("20"), status=Product.Status.ACTIVE
            ),
        )

    assert dsa.FIELD_LABELS[missing] in caught.value.message
    assert not Product.objects.filter(title="Scarf").exists()


def test_a_complete_trader_may_publish() -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor)
    product = draft_product(vendor)
    # and the product's own safety information (Art. 31, test_dsa_product_safety.py)
    ProductCompliance.objects.create(
        product=product,
        operator_name="Vendor GmbH",
        operator_address="Torstraße 12\n10119 Berlin",
        operator_contact="safety@example.com",
        identification="Model 7",
    )

    catalog_services.product_update(product=product, status=Product.Status.ACTIVE)

    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert dsa.trader_missing(vendor) == []
    assert dsa.listing_allowed(vendor) is True


def test_a_rejected_latest_record_counts_as_missing_and_a_newer_submission_as_given() -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor, without=(Field.PHONE,))
    start = clock.now()
    give(vendor, Field.PHONE, at=start - dt.timedelta(days=2))
    give(vendor, Field.PHONE, status="rejected", at=start - dt.timedelta(days=1))
    assert dsa.trader_missing(vendor) == [Field.PHONE]

    give(vendor, Field.PHONE, status="submitted", at=start)
    assert dsa.trader_missing(vendor) == []


def test_not_registered_is_an_answer_to_the_trade_register_question() -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor, without=(Field.TRADE_REGISTER,))
    dsa.trader_submit(vendor=vendor, data=dsa.TraderInput(registered=False), actor=STAFF)

    assert dsa.trader_missing(vendor) == []
    assert dsa.latest_records(vendor)[Field.TRADE_REGISTER].value_public == dsa.NOT_REGISTERED


@pytest.mark.parametrize(
    "switches",
    [
        {"dsa_small_enterprise_exempt": True},
        {"sells_to_eu_consumers": False},
        {"enabled": False},
    ],
    ids=["exempt", "not-selling-to-eu", "marketplace-off"],
)
def test_nothing_is_required_when_the_dsa_does_not_apply(switches: dict[str, bool]) -> None:
    enable_marketplace(**switches)
    vendor = make_vendor()
    product = draft_product(vendor)

    catalog_services.product_update(product=product, status=Product.Status.ACTIVE)

    assert dsa.listing_allowed(vendor) is True
    assert vendor_services.listing_problem(vendor) == ""


def test_a_private_seller_is_not_a_trader_and_is_not_traced() -> None:
    enable_marketplace()
    vendor = make_vendor(is_business=False)

    assert dsa.listing_allowed(vendor) is True
    assert len(dsa.trader_missing(vendor)) == len(dsa.TRADER_FIELDS)


def test_the_operators_own_products_are_never_blocked() -> None:
    enable_marketplace()
    from tests.factories import make_product

    product = make_product(status=Product.Status.DRAFT)
    catalog_services.product_update(product=product, status=Product.Status.ACTIVE)
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


# --- What the vendor submits ---------------------------------------------------------------


def test_submitting_encrypts_the_account_keeps_a_masked_copy_and_skips_unchanged_values() -> None:
    enable_marketplace()
    vendor = make_vendor()
    data = dsa.TraderInput(
        legal_name="Kestrel Goods GmbH",
        business_address="Torstraße 12\n10119 Berlin",
        phone="+49 30 1234567",
        email="legal@kestrel.example",
        identity_document=SimpleUploadedFile("passport.pdf", b"%PDF-1.4 x"),
        bank_account="DE89 3704 0044 0532 0130 00",
        registered=True,
        register_name="Amtsgericht Berlin HRB",
        register_number="123456",
        self_certified=True,
    )

    recorded = dsa.trader_submit(vendor=vendor, data=data, actor=STAFF)

    assert recorded == list(dsa.TRADER_FIELDS)
    assert dsa.trader_missing(vendor) == []
    account = dsa.latest_records(vendor)[Field.BANK_ACCOUNT]
    assert account.value_public == ""
    assert "DE89" not in account.value_masked and account.value_masked.endswith("3000")
    assert crypto.decrypt(account.value_encrypted) == "DE89370400440532013000"
    assert dsa.latest_records(vendor)[Field.IDENTITY_DOCUMENT].document
    # The same public values again are not new submissions (verified stays verified)
    again = dsa.trader_submit(
        vendor=vendor,
        data=dsa.TraderInput(legal_name="Kestrel Goods GmbH", self_certified=True),
        actor=STAFF,
    )
    assert again == []


def test_a_registered_trader_must_give_the_register_and_number() -> None:
    enable_marketplace()
    vendor = make_vendor()
    with pytest.raises(ValidationFailed) as caught:
        dsa.trader_submit(
            vendor=vendor,
            data=dsa.TraderInput(registered=True, register_name="Amtsgericht Berlin HRB"),
            actor=STAFF,
        )
    assert caught.value.field == "register_number"


# --- Correction and suspension (Art. 30(3)) ------------------------------------------------


def test_request_correction_then_suspend_drafts_the_products_until_fixed() -> None:
    # Given a complete trader with two live products
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor)
    first, second = make_vendor_product(vendor), make_vendor_product(vendor)

    # When the operator finds the address wrong, asks for a correction and then suspends
    dsa.correction_request(
        vendor=vendor, fields=[Field.BUSINESS_ADDRESS], reason="No such street.", actor=STAFF
    )
    count = dsa.listing_suspend(vendor=vendor, actor=STAFF)

    # Then the address counts as missing, the request is open and the products are drafts
    assert count == 2
    assert dsa.trader_missing(vendor) == [Field.BUSINESS_ADDRESS]
    [request] = dsa.correction_requests(vendor)
    assert request.open and request.reason == "No such street."
    for product in (first, second):
        product.refresh_from_db()
        assert product.status == Product.Status.DRAFT
    assert AuditEvent.objects.filter(verb=dsa.SUSPEND_VERB, object_id=str(vendor.pk)).exists()
    with pytest.raises(ValidationError):
        catalog_services.product_update(product=first, status=Product.Status.ACTIVE)

    # And once the vendor gives the address again, the request is closed and it may list
    dsa.trader_submit(
        vendor=vendor,
        data=dsa.TraderInput(business_address="Torstraße 14\n10119 Berlin"),
        actor=STAFF,
    )
    assert not dsa.correction_requests(vendor)[0].open
    catalog_services.product_update(product=first, status=Product.Status.ACTIVE)


def test_suspending_a_complete_trader_is_refused() -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor)
    product = make_vendor_product(vendor)

    with pytest.raises(ValidationFailed):
        dsa.listing_suspend(vendor=vendor, actor=STAFF)
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


# --- Purge six months after the relationship ended (Art. 30(5)) ----------------------------

TERMINATED = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)


def terminated_trader() -> Vendor:
    enable_marketplace()
    vendor = make_vendor(status=Vendor.Status.TERMINATED, terminated_at=TERMINATED)
    with clock.frozen_at(TERMINATED - dt.timedelta(days=30)):
        complete_trader(vendor)
        give(vendor, Field.TAX_ID)  # INFORM's, not Art. 30 data
    return vendor


def test_trader_data_is_kept_until_six_months_after_termination() -> None:
    vendor = terminated_trader()
    with clock.frozen_at(dt.datetime(2026, 7, 14, 12, 0, tzinfo=dt.UTC)):  # 6 months - 1 day
        assert dsa.dsa_purge() == 0
    assert VerificationRecord.objects.filter(vendor=vendor).count() == len(dsa.TRADER_FIELDS) + 1


def test_trader_data_and_documents_are_deleted_six_months_and_a_day_after_termination(
    django_capture_on_commit_callbacks,
) -> None:
    vendor = terminated_trader()
    document = VerificationRecord.objects.get(vendor=vendor, field=Field.IDENTITY_DOCUMENT)
    path = document.document.name
    assert default_storage.exists(path)
    active = make_vendor()
    complete_trader(active)

    six_months_and_a_day = dt.datetime(2026, 7, 16, 12, 0, tzinfo=dt.UTC)
    with clock.frozen_at(six_months_and_a_day), django_capture_on_commit_callbacks(execute=True):
        deleted = dsa.dsa_purge()

    assert deleted == len(dsa.TRADER_FIELDS)
    remaining = VerificationRecord.objects.filter(vendor=vendor)
    assert list(remaining.values_list("field", flat=True)) == [Field.TAX_ID]
    assert not default_storage.exists(path)
    assert dsa.trader_missing(active) == []
    event = AuditEvent.objects.get(verb="vendor.trader_data_purged")
    assert event.object_id == str(vendor.pk)
    assert event.data["records"] == len(dsa.TRADER_FIELDS) and event.data["documents"] == 1


def test_the_purge_is_a_daily_scheduled_job() -> None:
    from django.conf import settings

    path, seconds = settings.SCHEDULED_JOBS["marketplace.dsa-purge"]
    assert path == "freehold.marketplace.dsa.dsa_purge" and seconds == 24 * 60 * 60


def test_the_demo_seeds_complete_and_incomplete_traders() -> None:
    enable_marketplace()
    complete, incomplete = make_vendor(), make_vendor()
    dsa.seed_trader(vendor=complete)
    dsa.seed_trader(vendor=incomplete, missing=[Field.IDENTITY_DOCUMENT])

    assert dsa.listing_allowed(complete) and dsa.trader_missing(complete) == []
    assert dsa.trader_missing(incomplete) == [Field.IDENTITY_DOCUMENT]
