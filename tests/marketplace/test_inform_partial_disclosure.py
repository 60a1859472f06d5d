"""Losing partial disclosure (compliance-rules.md 1.11): staff revoke it for a false
certification or unanswered buyers; the vendor has 10 days to consent to full disclosure, else
its sales are suspended (the same derived status as an unanswered certification)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.test import Client

from freehold.checkout.errors import CartError
from freehold.core.clock import frozen_at
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from freehold.marketplace import inform, money
from freehold.marketplace.models import CertificationNotice
from tests.dashboard.conftest import make_staff
from tests.marketplace.factories import make_vendor, vendor_client
from tests.marketplace.test_dsa_pages import staff_client
from tests.marketplace.test_inform_counters import NOW
from tests.marketplace.test_inform_disclosure import STREET, seller
from tests.marketplace.test_inform_status import VENDOR, complete_purchase

pytestmark = pytest.mark.django_db


def revoked_seller(**fields):
    """A disclosed (50k USD) residential seller whose partial disclosure staff revoked at NOW
    for unanswered buyers; the notice is due NOW + 10 days."""
    vendor, product, _order, _customer = seller("50000", residential_address=True, **fields)
    vendor.refresh_from_db()
    with frozen_at(NOW):
        notice = inform.partial_disclosure_revoke(
            vendor=vendor, reason="unanswered_buyers", user=make_staff()
        )
    return vendor, product, notice


def product_page(product, *, at: dt.datetime) -> str:
    with frozen_at(at):
        response = Client().get(product.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def test_revoking_sends_a_notice_due_after_the_suspension_notice_days(
    django_capture_on_commit_callbacks,
):
    vendor, _product, _order, _customer = seller("50000", residential_address=True)
    mail.outbox.clear()  # the codes the setup sent

    with frozen_at(NOW), django_capture_on_commit_callbacks(execute=True):
        notice = inform.partial_disclosure_revoke(
            vendor=vendor,
            reason="false_certification",
            details="The address is a shop.",
            user=make_staff(),
        )

    assert notice.kind == "partial_disclosure"
    assert (notice.sent_at, notice.due_at) == (NOW, NOW + dt.timedelta(days=10))
    assert notice.reason.endswith("was false. The address is a shop.")
    assert [message.to for message in mail.outbox] == [[vendor.email]]
    assert "The address is a shop." in mail.outbox[0].body
    assert "2026-06-25 12:00 UTC" in mail.outbox[0].body
    assert AuditEvent.objects.filter(verb="vendor.partial_disclosure_revoked").count() == 1


def test_day_10_after_the_notice_is_allowed_and_day_11_is_suspended_and_checkout_refuses():
    vendor, product, _notice = revoked_seller()

    assert inform.sales_allowed(vendor, on=NOW + dt.timedelta(days=10))
    eleventh_day = NOW + dt.timedelta(days=11)
    verdict = inform.verification(vendor, on=eleventh_day)
    assert verdict.status == inform.SUSPENDED
    assert verdict.reasons == ("Partial disclosure revoked: full disclosure not consented to",)
    with frozen_at(NOW + dt.timedelta(days=10)):
        assert complete_purchase(product).lines.count() == 1
    with frozen_at(eleventh_day), pytest.raises(CartError) as refused:
        complete_purchase(product)
    assert refused.value.code == "vendor_suspended"
    with frozen_at(eleventh_day):
        assert "Partial disclosure revoked" in money.hold_reason_for(vendor)


def test_consenting_lifts_the_suspension_and_the_product_page_shows_the_full_street():
    vendor, product, notice = revoked_seller()
    eleventh_day = NOW + dt.timedelta(days=11)
    before = product_page(product, at=eleventh_day)
    assert STREET not in before and "Texas, US" in before
    browser = vendor_client(vendor)

    with frozen_at(eleventh_day):
        page = browser.get("/vendor/verification").content.decode()
        assert "Partial disclosure revoked" in page and "I consent to full disclosure" in page
        response = browser.post("/vendor/verification/full-disclosure", {"consent": "yes"})
    assert response.status_code == 302

    vendor.refresh_from_db()
    notice.refresh_from_db()
    assert not vendor.residential_address and not vendor.personal_phone_only
    assert notice.answered_at == eleventh_day
    assert inform.sales_allowed(vendor, on=eleventh_day)
    with frozen_at(eleventh_day):
        assert complete_purchase(product).lines.count() == 1
    after = product_page(product, at=eleventh_day)
    assert STREET in after
    event = AuditEvent.objects.get(verb="vendor.full_disclosure_consented")
    assert event.data["was"] == {"residential_address": True, "personal_phone_only": False}


def test_staff_withdrawing_the_notice_lifts_the_suspension_and_keeps_partial_disclosure():
    vendor, product, notice = revoked_seller()
    eleventh_day = NOW + dt.timedelta(days=11)
    assert not inform.sales_allowed(vendor, on=eleventh_day)
    browser = staff_client("settings")

    with frozen_at(eleventh_day):
        response = browser.post(
            f"/dashboard/marketplace/verification/notices/{notice.pk}/withdraw/"
        )
    assert response.status_code == 302

    vendor.refresh_from_db()
    assert inform.sales_allowed(vendor, on=eleventh_day)
    assert vendor.residential_address
    assert STREET not in product_page(product, at=eleventh_day)
    assert AuditEvent.objects.filter(verb="vendor.partial_disclosure_notice_withdrawn").exists()


def test_staff_revoke_from_the_vendors_verification_page():
    vendor, _product, _order, _customer = seller("50000", personal_phone_only=True)
    browser = staff_client("settings")
    page_path = f"/dashboard/marketplace/verification/vendors/{vendor.pk}/"
    with frozen_at(NOW):
        page = browser.get(page_path).content.decode()
        assert "Revoke partial disclosure" in page

        response = browser.post(
            f"{page_path}partial-disclosure/revoke/", {"reason": "false_certification"}
        )
        assert response.status_code == 302
        page = browser.get(page_path).content.decode()
    assert "Withdraw the notice" in page
    assert CertificationNotice.objects.filter(
        vendor=vendor, kind="partial_disclosure", answered_at__isnull=True
    ).exists()
    # a second revocation while the notice is open is refused
    with frozen_at(NOW):
        browser.post(f"{page_path}partial-disclosure/revoke/", {"reason": "unanswered_buyers"})
    assert CertificationNotice.objects.filter(vendor=vendor, kind="partial_disclosure").count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "has not certified"),
        ({"residential_address": True, "high_volume": False}, "not a high-volume seller"),
    ],
    ids=["full-disclosure", "not-high-volume"],
)
def test_only_a_high_volume_vendor_with_partial_disclosure_can_lose_it(fields, message):
    if fields.pop("high_volume", True):
        vendor, _product, _order, _customer = seller("50000", **fields)
    else:
        vendor = make_vendor(**fields)
    with pytest.raises(ValidationFailed, match=message):
        inform.partial_disclosure_revoke(vendor=vendor, reason="unanswered_buyers", user=None)
    with pytest.raises(ValidationFailed, match="Choose why"):
        inform.partial_disclosure_revoke(vendor=vendor, reason="dislike", user=None)


def test_a_vendor_cannot_consent_without_saying_yes():
    vendor, _product, _notice = revoked_seller()
    vendor_client(vendor).post("/vendor/verification/full-disclosure", {})
    vendor.refresh_from_db()
    assert vendor.residential_address
    with frozen_at(NOW):
        inform.full_disclosure_consent(vendor=vendor, actor=VENDOR)
    vendor.refresh_from_db()
    assert not vendor.residential_address


def test_staff_without_the_settings_area_get_403_on_every_partial_disclosure_page():
    vendor, _product, notice = revoked_seller()
    browser = staff_client("orders")
    base = f"/dashboard/marketplace/verification/vendors/{vendor.pk}/"

    assert browser.get(base).status_code == 403
    assert (
        browser.post(f"{base}partial-disclosure/revoke/", {"reason": "unanswered_buyers"})
    ).status_code == 403
    assert (
        browser.post(f"/dashboard/marketplace/verification/notices/{notice.pk}/withdraw/")
    ).status_code == 403
    notice.refresh_from_db()
    assert notice.answered_at is None
