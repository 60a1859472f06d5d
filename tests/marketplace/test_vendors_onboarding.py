"""Marketplace mode's switch, vendor invitations and applications (stream VENDORS)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from freehold.core.models import AuditEvent
from freehold.marketplace.models import MarketplaceSettings, Vendor, VendorMember
from tests.dashboard.conftest import make_staff
from tests.marketplace.factories import (
    PASSWORD,
    enable_marketplace,
    make_customer,
    make_vendor,
    vendor_client,
)

pytestmark = pytest.mark.django_db


def _owner_client() -> Client:
    client = Client()
    client.force_login(make_staff("owner@example.com"))
    return client


def test_marketplace_off_hides_vendor_pages_and_the_application():
    # given a store with marketplace mode off (the default) and a vendor member
    vendor = make_vendor()
    client = vendor_client(vendor)

    # when they open the vendor area, the application page and an invitation link
    home = client.get("/vendor/")
    sell = client.get("/sell")
    invitation = client.get("/vendor/invitation/some-token")

    # then all are not found
    assert home.status_code == 404
    assert sell.status_code == 404
    assert invitation.status_code == 404


def test_owner_turns_marketplace_mode_on_and_it_is_audited():
    # given the owner on the marketplace settings page
    client = _owner_client()
    page = client.get(reverse("dashboard:marketplace-settings"))
    assert page.status_code == 200
    assert "Marketplace" in page.content.decode()

    # when they turn it on with a report phone
    response = client.post(
        reverse("dashboard:marketplace-settings"),
        {
            "enabled": "on",
            "sells_to_eu_consumers": "on",
            "report_phone": "+1 555 0100",
            "default_commission_percent": "12.50",
            "default_commission_fixed": "0.30",
            "payout_interval_days": "7",
        },
    )

    # then it is saved and an audit record says off → on
    assert response.status_code == 302
    settings = MarketplaceSettings.objects.get(pk=1)
    assert settings.enabled is True
    assert settings.report_phone == "+1 555 0100"
    assert str(settings.default_commission_percent) == "12.50"
    event = AuditEvent.objects.get(verb="marketplace.settings_updated")
    assert (event.from_state, event.to_state) == ("off", "on")
    assert "report_phone" in event.data["changes"]


def test_settings_refuse_a_commission_over_100_percent_naming_the_field():
    client = _owner_client()

    response = client.post(
        reverse("dashboard:marketplace-settings"),
        {"default_commission_percent": "150", "default_commission_fixed": "0",
         "payout_interval_days": "7"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "Default commission (%)" in response.content.decode()
    assert not MarketplaceSettings.objects.filter(pk=1, default_commission_percent=150).exists()


def test_invite_accept_makes_a_member_that_reaches_the_vendor_home():
    # given marketplace mode on and staff inviting a vendor
    enable_marketplace()
    staff = _owner_client()
    response = staff.post(
        reverse("dashboard:marketplace-vendors"), {"name": "Acme Tea", "email": "tea@example.com"}
    )
    assert response.status_code == 302
    vendor = Vendor.objects.get(name="Acme Tea")
    assert vendor.status == Vendor.Status.INVITED
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["tea@example.com"]
    link = re.search(r"https?://\S+(/vendor/invitation/\S+)", mail.outbox[0].body)
    assert link is not None
    path = link.group(1)

    # when the invitee opens the link logged out, they are asked to log in first
    anonymous = Client().get(path)
    assert anonymous.status_code == 200
    assert "Log in" in anonymous.content.decode()

    # and when they log in and accept
    invitee = make_customer("tea@example.com")
    client = Client()
    client.force_login(invitee)
    accepted = client.post(path)

    # then they are a member of an active vendor and see its home
    assert accepted.status_code == 302
    assert accepted["Location"] == reverse("vendor-home")
    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.ACTIVE
    assert vendor.invitation_token == ""
    assert VendorMember.objects.filter(vendor=vendor, customer=invitee).exists()
    home = client.get("/vendor/")
    assert home.status_code == 200
    assert "Acme Tea" in home.content.decode()
    assert "Pending approval" not in home.content.decode()
    verbs = set(AuditEvent.objects.filter(object_id=str(vendor.pk)).values_list("verb", flat=True))
    assert {"vendor.invited", "vendor.invitation_accepted"} <= verbs


def test_an_invitation_link_works_once():
    # given an accepted invitation
    enable_marketplace()
    vendor = make_vendor(status=Vendor.Status.INVITED, invitation_token="once-token")
    first = Client()
    first.force_login(make_customer())
    assert first.post("/vendor/invitation/once-token").status_code == 302

    # when somebody else uses the same link
    second = Client()
    second.force_login(make_customer())
    response = second.post("/vendor/invitation/once-token")

    # then it is not found, and they did not join
    assert response.status_code == 404
    assert vendor.members.count() == 1


def test_an_invitee_registers_through_the_link_and_comes_back_to_accept():
    # given an invitation and a visitor without an account
    enable_marketplace()
    make_vendor(status=Vendor.Status.INVITED, invitation_token="reg-token", name="Linen Co")
    client = Client()
    page = client.get("/vendor/invitation/reg-token").content.decode()
    register_url = re.search(r'href="(/account/register\?next=[^"]+)"', page)
    assert register_url is not None

    # when they register from the link (the account flow brings them back)
    response = client.post(
        register_url.group(1).replace("&amp;", "&"),
        {"email": "linen@example.com", "password": PASSWORD, "first_name": "Lin",
         "last_name": "En", "next": "/vendor/invitation/reg-token"},
    )  # fmt: skip

    # then they land on the invitation again, and can accept it
    assert response.status_code in (302, 303)
    assert response["Location"] == "/vendor/invitation/reg-token"
    accepted = client.post("/vendor/invitation/reg-token")
    assert accepted.status_code == 302
    assert Vendor.objects.get(name="Linen Co").status == Vendor.Status.ACTIVE


def test_application_then_approval():
    # given marketplace mode on and a logged-in customer
    enable_marketplace()
    customer = make_customer("maker@example.com")
    client = Client()
    client.force_login(customer)
    assert client.get("/sell").status_code == 200

    # when they apply
    response = client.post(
        "/sell",
        {"name": "Maker Studio", "email": "studio@example.com", "phone": "+49 30 1234567",
         "country_code": "de", "is_business": "on"},
    )  # fmt: skip

    # then the vendor waits for approval, with them as member
    assert response.status_code == 302
    vendor = Vendor.objects.get(name="Maker Studio")
    assert vendor.status == Vendor.Status.APPLIED
    assert vendor.country_code == "DE"
    home = client.get("/vendor/").content.decode()
    assert "Pending approval" in home
    assert client.get("/vendor/products/new").status_code == 302

    # when staff approve it
    staff = _owner_client()
    approved = staff.post(
        reverse("dashboard:marketplace-vendor-status", args=[vendor.pk, "approve"])
    )

    # then it is active, the vendor can add products, and both steps are audited
    assert approved.status_code == 302
    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.ACTIVE
    assert "Pending approval" not in client.get("/vendor/").content.decode()
    assert client.get("/vendor/products/new").status_code == 200
    event = AuditEvent.objects.get(verb="vendor.approved")
    assert (event.from_state, event.to_state) == ("applied", "active")
    assert AuditEvent.objects.filter(verb="vendor.applied", object_id=str(vendor.pk)).exists()


def test_anonymous_visitor_is_asked_to_log_in_to_apply():
    enable_marketplace()

    page = Client().get("/sell")

    assert page.status_code == 200
    assert "/account/login?next=%2Fsell" in page.content.decode()


def test_rejection_needs_a_reason_and_ends_the_vendor_area():
    # given an application
    enable_marketplace()
    vendor = make_vendor(status=Vendor.Status.APPLIED)
    member = vendor_client(vendor)
    staff = _owner_client()
    url = reverse("dashboard:marketplace-vendor-status", args=[vendor.pk, "reject"])

    # when staff reject it without a reason, it is refused next to the field
    refused = staff.post(url, {"reason": ""})
    assert refused.status_code == 400
    assert "Reason" in refused.content.decode()
    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.APPLIED

    # when they give one
    assert staff.post(url, {"reason": "Counterfeit goods"}).status_code == 302

    # then it is rejected with the reason audited, and the member's vendor area is gone
    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.REJECTED
    event = AuditEvent.objects.get(verb="vendor.rejected")
    assert event.data["reason"] == "Counterfeit goods"
    assert member.get("/vendor/").status_code == 404


def test_only_an_application_can_be_approved():
    enable_marketplace()
    vendor = make_vendor(status=Vendor.Status.INVITED)
    staff = _owner_client()

    response = staff.post(
        reverse("dashboard:marketplace-vendor-status", args=[vendor.pk, "approve"]), follow=True
    )

    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.INVITED
    assert "cannot be active" in response.content.decode()


def test_a_member_of_a_vendor_cannot_apply_again():
    enable_marketplace()
    vendor = make_vendor()
    client = vendor_client(vendor)

    response = client.get("/sell")

    assert response.status_code == 302
    assert response["Location"] == reverse("vendor-home")
