"""The operator's marketplace pages: permissions, the vendor list, editing and terminating."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from freehold.catalog.models import Product
from freehold.core.models import AuditEvent
from freehold.marketplace.models import Vendor
from tests.dashboard.conftest import make_staff
from tests.marketplace.factories import (
    enable_marketplace,
    make_vendor,
    make_vendor_product,
    vendor_client,
)

pytestmark = pytest.mark.django_db


def _client(permissions: tuple[str, ...] = (), role: str = "owner") -> Client:
    client = Client()
    client.force_login(
        make_staff(
            f"{role}-{'-'.join(permissions)}@example.com", role=role, permissions=permissions
        )
    )
    return client


def test_staff_without_the_settings_area_get_403_on_every_marketplace_page():
    # given a vendor and a staff member with every area but settings
    vendor = make_vendor(status=Vendor.Status.APPLIED)
    client = _client(("orders", "products", "customers", "discounts", "reports"), role="staff")
    pages = [
        reverse("dashboard:marketplace-settings"),
        reverse("dashboard:marketplace-vendors"),
        reverse("dashboard:marketplace-vendor", args=[vendor.pk]),
    ]
    posts = [
        *pages,
        *[
            reverse("dashboard:marketplace-vendor-status", args=[vendor.pk, action])
            for action in ("approve", "reject", "terminate", "resend")
        ],
    ]

    # when they open or post to them, then 403 and nothing changes
    for url in pages:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, {"name": "X", "email": "x@example.com", "enabled": "on",
                                 "reason": "x"}).status_code == 403, url  # fmt: skip
    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.APPLIED
    assert not Vendor.objects.filter(name="X").exists()


def test_staff_with_the_settings_area_see_the_marketplace_entry_even_when_off():
    settings_staff = _client(("settings",), role="staff")
    other_staff = _client(("orders",), role="staff")

    with_area = settings_staff.get(reverse("dashboard:home")).content.decode()
    without = other_staff.get(reverse("dashboard:home")).content.decode()

    assert reverse("dashboard:marketplace-settings") in with_area
    assert reverse("dashboard:marketplace-settings") not in without


def test_vendor_list_shows_status_and_product_count_in_constant_queries(
    django_assert_max_num_queries,
):
    # given 30 vendors, one with two products
    first = make_vendor(name="Aardvark Goods")
    make_vendor_product(first)
    make_vendor_product(first)
    for number in range(29):
        make_vendor(name=f"Vendor {number:02}", status=Vendor.Status.APPLIED)
    client = _client()

    # when the owner lists them (their verification statuses: two statements for the page)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("dashboard:marketplace-vendors"))

    # then each row has its status and product count
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('href="/dashboard/marketplace/vendors/') == 30
    assert "Application rejected" not in body.split("<tbody>")[1]
    row = body.split("Aardvark Goods")[1].split("</tr>")[0]
    assert "Active" in row and "<td>2</td>" in row


def test_status_filter():
    make_vendor(name="Applied One", status=Vendor.Status.APPLIED)
    make_vendor(name="Active One")
    client = _client()

    body = client.get(reverse("dashboard:marketplace-vendors") + "?status=applied").content.decode()

    assert "Applied One" in body
    assert "Active One" not in body


def test_edit_name_and_commission_is_audited_and_empty_means_default():
    vendor = make_vendor(name="Old Name", commission_percent=Decimal("5"))
    client = _client()

    response = client.post(
        reverse("dashboard:marketplace-vendor", args=[vendor.pk]),
        {"name": "New Name", "commission_percent": "", "commission_fixed_amount": "0.25"},
    )

    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.name == "New Name"
    assert vendor.commission_percent is None
    assert vendor.commission_fixed_amount == Decimal("0.25")
    event = AuditEvent.objects.get(verb="vendor.updated")
    assert set(event.data["changes"]) == {"name", "commission_percent", "commission_fixed_amount"}


def test_commission_over_100_percent_is_refused_next_to_the_field():
    vendor = make_vendor()
    client = _client()

    response = client.post(
        reverse("dashboard:marketplace-vendor", args=[vendor.pk]),
        {"name": vendor.name, "commission_percent": "101"},
    )

    assert response.status_code == 400
    assert "between 0 and 100" in response.content.decode()


def test_terminate_sets_the_date_archives_products_and_closes_the_vendor_area():
    # given an active vendor with a product on sale
    enable_marketplace()
    vendor = make_vendor()
    product = make_vendor_product(vendor)
    member = vendor_client(vendor)
    client = _client()

    # when staff end the relationship
    response = client.post(
        reverse("dashboard:marketplace-vendor-status", args=[vendor.pk, "terminate"])
    )

    # then it is terminated with a date, its product is archived, and the member is out
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.status == Vendor.Status.TERMINATED
    assert vendor.terminated_at is not None
    product.refresh_from_db()
    assert product.status == Product.Status.ARCHIVED
    assert member.get("/vendor/").status_code == 404
    assert AuditEvent.objects.filter(verb="vendor.terminated", to_state="terminated").exists()


def test_resending_an_invitation_replaces_the_link(mailoutbox):
    vendor = make_vendor(status=Vendor.Status.INVITED, invitation_token="old")
    client = _client()

    client.post(reverse("dashboard:marketplace-vendor-status", args=[vendor.pk, "resend"]))

    vendor.refresh_from_db()
    assert vendor.invitation_token not in ("", "old")
    assert vendor.invitation_token in mailoutbox[0].body
