"""INFORM pages: the vendor's verification page, the operator's queue and reveal, and one
status everywhere (compliance-rules.md 1.5, 1.8, 1.14)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.test import Client

from freehold.core import crypto, sms
from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.marketplace import inform, verification
from freehold.marketplace.models import CertificationNotice, VerificationRecord
from tests.dashboard.conftest import make_staff
from tests.marketplace.factories import vendor_client
from tests.marketplace.test_inform_counters import NOW
from tests.marketplace.test_inform_status import (
    VALUES,
    high_volume_vendor,
    submit_all,
    verify_all,
)

pytestmark = pytest.mark.django_db
Field = VerificationRecord.Field
TAX_ID = "12-3456789"


def staff_client(user: Customer) -> Client:
    client = Client()
    client.force_login(user)
    return client


def statuses_shown(vendor, vendor_browser, staff_browser, product) -> dict[str, str]:
    """The status as the vendor's page, the operator's queue and detail, and the storefront
    show it in one moment."""
    vendor_page = vendor_browser.get("/vendor/verification").content.decode()
    queue = staff_browser.get("/dashboard/marketplace/verification/").content.decode()
    detail = staff_browser.get(
        f"/dashboard/marketplace/verification/vendors/{vendor.pk}/"
    ).content.decode()
    storefront = Client().get(product.get_absolute_url()).content.decode()
    return {
        "vendor": re.search(r'id="verification-status" data-status="(\w+)"', vendor_page)[1],
        "queue": re.search(rf'data-vendor="{vendor.pk}" data-status="(\w+)"', queue)[1],
        "detail": re.search(r'id="verification-status" data-status="(\w+)"', detail)[1],
        "storefront": "verified" if "Verified seller" in storefront else "not verified",
    }


def test_the_moment_staff_verify_the_last_field_every_view_says_verified(
    django_capture_on_commit_callbacks,
):
    # Given a high-volume vendor (20k: the storefront shows its identity) with everything
    # verified but its tax id
    vendor, product = high_volume_vendor()
    from tests.marketplace.test_inform_counters import sell

    sell(product, count=1, total="20000", first_at=NOW - dt.timedelta(days=3))
    records = submit_all(vendor, at=NOW + dt.timedelta(days=1))
    last = records.pop(Field.TAX_ID)
    verify_all(records)
    vendor_browser = vendor_client(vendor)
    staff_browser = staff_client(make_staff())
    with frozen_at(NOW + dt.timedelta(days=2)):
        before = statuses_shown(vendor, vendor_browser, staff_browser, product)
        assert before == {
            "vendor": "submitted",
            "queue": "submitted",
            "detail": "submitted",
            "storefront": "not verified",
        }
        # When staff approve the tax id
        with django_capture_on_commit_callbacks(execute=True):
            response = staff_browser.post(
                f"/dashboard/marketplace/verification/records/{last.pk}/decide/",
                {"decision": "approve"},
            )
        assert response.status_code == 302
        # Then the very next requests all say verified
        after = statuses_shown(vendor, vendor_browser, staff_browser, product)
    assert after == {
        "vendor": "verified",
        "queue": "verified",
        "detail": "verified",
        "storefront": "verified",
    }


def test_a_tax_id_is_checked_for_form_stored_encrypted_and_shown_masked():
    vendor, _ = high_volume_vendor()
    browser = vendor_client(vendor)
    refused = browser.post("/vendor/verification/tax_id", {"value": "12-345"})
    assert refused.status_code == 400
    assert "not a valid US EIN or EU VAT number" in refused.content.decode()
    assert browser.post("/vendor/verification/tax_id", {"value": TAX_ID}).status_code == 302
    record = VerificationRecord.objects.get(vendor=vendor, field=Field.TAX_ID)
    assert record.value_masked == "•••• 6789"
    assert TAX_ID.replace("-", "") not in record.value_encrypted
    assert crypto.decrypt(record.value_encrypted) == "123456789"
    assert record.value_public == ""
    page = browser.get("/vendor/verification").content.decode()
    assert "•••• 6789" in page and "123456789" not in page


@pytest.mark.parametrize(
    ("value", "accepted"),
    [
        ("DE89 3704 0044 0532 0130 00", True),
        ("DE89 3704 0044 0532 0130 01", False),
        ("us:111000025:1234567", True),
        ("us:111000026:1234567", False),
        ("payee:Ana Lopez", True),
    ],
)
def test_bank_accounts_are_checked_for_form(value, accepted):
    vendor, _ = high_volume_vendor()
    response = vendor_client(vendor).post("/vendor/verification/bank_account", {"value": value})
    assert (response.status_code == 302) is accepted
    assert VerificationRecord.objects.filter(vendor=vendor).exists() is accepted


def test_an_email_is_verified_by_the_code_sent_to_it():
    vendor, _ = high_volume_vendor()
    browser = vendor_client(vendor)
    browser.post("/vendor/verification/email", {"value": "ana@example.com"})
    record = VerificationRecord.objects.get(vendor=vendor, field=Field.EMAIL)
    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    code = re.search(r"\b(\d{6})\b", message.body)[1]
    assert code not in record.code_hash
    wrong = "000000" if code != "000000" else "111111"
    url = f"/vendor/verification/{record.pk}/confirm"
    assert browser.post(url, {"code": wrong}).status_code == 400
    assert browser.post(url, {"code": code}).status_code == 302
    record.refresh_from_db()
    assert record.status == VerificationRecord.Status.VERIFIED


def test_a_phone_code_is_sent_by_sms_and_confirms_the_phone(
    settings, django_capture_on_commit_callbacks
):
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    vendor, _ = high_volume_vendor()
    browser = vendor_client(vendor)
    with django_capture_on_commit_callbacks(execute=True):
        browser.post("/vendor/verification/phone", {"value": "+1 512 555 0100"})
    code = re.search(r"is (\d{6})", sms.outbox[-1].body)[1]
    record = VerificationRecord.objects.get(vendor=vendor, field=Field.PHONE)
    browser.post(f"/vendor/verification/{record.pk}/confirm", {"code": code})
    record.refresh_from_db()
    assert record.status == VerificationRecord.Status.VERIFIED


def test_the_certification_buttons_answer_the_open_notice():
    vendor, _ = high_volume_vendor()
    verify_all(submit_all(vendor, at=NOW + dt.timedelta(days=1)))
    with frozen_at(NOW + dt.timedelta(days=366)):
        inform.certification_notices_send()
        browser = vendor_client(vendor)
        assert "Yearly certification" in browser.get("/vendor/verification").content.decode()
        assert (
            browser.post("/vendor/verification/certify", {"answer": "changed"}).status_code == 302
        )
    notice = CertificationNotice.objects.get(vendor=vendor, kind="certify")
    assert notice.answered_at == NOW + dt.timedelta(days=366) and notice.changed


def test_reveal_without_the_permission_is_refused_and_shows_no_secret():
    vendor, _ = high_volume_vendor()
    records = submit_all(vendor, at=NOW + dt.timedelta(days=1))
    record = records[Field.BANK_ACCOUNT]
    admin = make_staff("admin@example.com", role=Customer.StaffRole.ADMIN)
    browser = staff_client(admin)
    detail = browser.get(f"/dashboard/marketplace/verification/vendors/{vendor.pk}/")
    body = detail.content.decode()
    assert "•••• 3000" in body
    assert "DE89370400440532013000" not in body and ">Reveal<" not in body
    refused = browser.post(f"/dashboard/marketplace/verification/records/{record.pk}/reveal/")
    assert refused.status_code == 403
    assert "DE89370400440532013000" not in refused.content.decode()
    assert not AuditEvent.objects.filter(verb="vendor.secret_revealed").exists()


def test_reveal_with_the_permission_shows_the_secret_and_is_audit_logged():
    vendor, _ = high_volume_vendor()
    record = submit_all(vendor, at=NOW + dt.timedelta(days=1))[Field.BANK_ACCOUNT]
    admin = make_staff("admin@example.com", role=Customer.StaffRole.ADMIN)
    admin.user_permissions.add(Permission.objects.get(codename="reveal_vendor_secrets"))
    browser = staff_client(admin)
    response = browser.post(f"/dashboard/marketplace/verification/records/{record.pk}/reveal/")
    assert response.status_code == 200
    assert "DE89370400440532013000" in response.content.decode()
    assert (
        response["Cache-Control"].startswith("private") or "no-store" in response["Cache-Control"]
    )
    event = AuditEvent.objects.get(verb="vendor.secret_revealed")
    assert (event.actor_label, event.object_id) == ("admin@example.com", str(record.pk))


def test_staff_reject_with_a_reason_which_the_vendor_sees():
    vendor, _ = high_volume_vendor()
    record = submit_all(vendor, at=NOW + dt.timedelta(days=1))[Field.IDENTITY_DOCUMENT]
    browser = staff_client(make_staff())
    url = f"/dashboard/marketplace/verification/records/{record.pk}/decide/"
    browser.post(url, {"decision": "reject"})
    record.refresh_from_db()
    assert record.status == VerificationRecord.Status.SUBMITTED  # a reason is required
    browser.post(url, {"decision": "reject", "reason": "The scan is unreadable"})
    record.refresh_from_db()
    assert record.status == VerificationRecord.Status.REJECTED
    page = vendor_client(vendor).get("/vendor/verification").content.decode()
    assert "The scan is unreadable" in page


def test_staff_without_the_settings_area_cannot_see_the_queue():
    vendor, _ = high_volume_vendor()
    record = submit_all(vendor, at=NOW + dt.timedelta(days=1))[Field.LEGAL_NAME]
    browser = staff_client(make_staff("clerk@example.com", role="staff", permissions=["orders"]))
    assert browser.get("/dashboard/marketplace/verification/").status_code == 403
    assert (
        browser.get(f"/dashboard/marketplace/verification/vendors/{vendor.pk}/").status_code == 403
    )
    decide = f"/dashboard/marketplace/verification/records/{record.pk}/decide/"
    assert browser.post(decide, {"decision": "approve"}).status_code == 403
    reveal = f"/dashboard/marketplace/verification/records/{record.pk}/reveal/"
    assert browser.post(reveal).status_code == 403


def test_masking_keeps_only_the_last_four_characters():
    assert verification.mask("DE89 3704 0044 0532 0130 00") == "•••• 3000"
    assert verification.mask("1234") == "••••"
    assert VALUES[Field.TAX_ID] == TAX_ID
