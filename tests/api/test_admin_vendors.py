"""Admin API, marketplace vendors: the derived verification state (masked, never a secret in
full), approve and reject, suspension, payouts and sub-orders, and 404 while the mode is off."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.marketplace import inform, money, rules
from freehold.marketplace.models import MarketplaceSettings, Vendor, VerificationRecord
from tests.api.admin_client import call, token
from tests.dashboard.conftest import make_staff
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product
from tests.marketplace.test_inform_counters import NOW
from tests.marketplace.test_inform_status import (
    VALUES,
    high_volume_vendor,
    submit_all,
    verify_all,
)
from tests.orders.builders import make_variant, place_order

pytestmark = pytest.mark.django_db
Field = VerificationRecord.Field
IBAN = VALUES[Field.BANK_ACCOUNT]  # DE89 3704 0044 0532 0130 00
EIN = VALUES[Field.TAX_ID]  # 12-3456789
SECRETS = (IBAN, IBAN.replace(" ", ""), EIN, EIN.replace("-", ""), VALUES[Field.IDENTITY_DOCUMENT])
LATER = NOW + dt.timedelta(days=2)


@pytest.fixture(autouse=True)
def compliance_rules():
    """A transactional test elsewhere on this worker may have flushed the migration's rules."""
    rules.defaults_load()


def vendor_path(vendor: Vendor, rest: str = "") -> str:
    return f"/api/v1/admin/vendors/{vendor.pk}{rest}"


def dashboard_statuses(staff: Client, vendor: Vendor) -> tuple[str, str]:
    """The badge the operator's verification queue and vendor page show."""
    queue = staff.get("/dashboard/marketplace/verification/").content.decode()
    detail = staff.get(f"/dashboard/marketplace/verification/vendors/{vendor.pk}/").content.decode()
    return (
        re.search(rf'data-vendor="{vendor.pk}" data-status="(\w+)"', queue)[1],
        re.search(r'id="verification-status" data-status="(\w+)"', detail)[1],
    )


def test_with_marketplace_mode_off_every_vendor_endpoint_is_404_after_the_token_check():
    vendor = make_vendor()
    reader, writer = token("vendors:read"), token("vendors:write")

    answers = [
        call("get", "/api/v1/admin/vendors", reader),
        call("get", vendor_path(vendor), reader),
        call("get", vendor_path(vendor, "/payouts"), reader),
        call("get", vendor_path(vendor, "/suborders"), reader),
        call("post", vendor_path(vendor, "/verification/tax_id/approve"), writer),
    ]

    assert [answer.status_code for answer in answers] == [404] * 5
    assert answers[0].json()["error"] == {
        "code": "not_found",
        "message": "Marketplace mode is off.",
        "field": None,
    }
    assert call("get", "/api/v1/admin/vendors", None).status_code == 401
    assert call("get", "/api/v1/admin/vendors", writer).status_code == 403
    assert not MarketplaceSettings.objects.exists()  # reading never creates the settings row


def test_the_detail_shows_each_field_masked_and_never_a_secret_in_full():
    vendor, _product = high_volume_vendor(country_code="US", region="TX")
    records = submit_all(vendor, at=NOW + dt.timedelta(days=1))
    verify_all({Field.LEGAL_NAME: records[Field.LEGAL_NAME]})
    reader = token("vendors:read")

    with frozen_at(LATER):
        detail = call("get", vendor_path(vendor), reader)
        listed = call("get", "/api/v1/admin/vendors", reader)

    assert detail.status_code == 200
    body = detail.json()
    fields = {state["field"]: state for state in body["verification"]["fields"]}
    assert body["verification"]["status"] == "submitted"
    assert body["high_volume"] is True and body["sales_allowed"] is True
    assert fields["bank_account"]["value"] == "•••• 3000"
    assert fields["tax_id"]["value"] == "•••• 6789"
    assert fields["identity_document"]["value"] == "•••• 4567"
    assert fields["legal_name"]["status"] == "verified"
    assert fields["legal_name"]["decided_at"] is not None
    assert fields["tax_id"]["status"] == "submitted"
    assert body["counters"]["best_window_sales"] == 200
    assert body["counters"]["best_window_revenue"] == {"amount": "5000.00", "currency": "USD"}
    for text in (detail.content.decode(), listed.content.decode()):
        assert not [secret for secret in SECRETS if secret in text]


def test_approving_the_last_field_flips_the_api_and_the_dashboard_badge_at_once():
    # Given a high-volume vendor with everything verified but its tax id
    vendor, _product = high_volume_vendor()
    records = submit_all(vendor, at=NOW + dt.timedelta(days=1))
    verify_all({field: record for field, record in records.items() if field != Field.TAX_ID})
    reader, writer = token("vendors:read"), token("vendors:write")
    staff = Client()
    staff.force_login(make_staff())
    with frozen_at(LATER):
        before = call("get", vendor_path(vendor), reader).json()["verification"]["status"]
        badge_before = dashboard_statuses(staff, vendor)

        # When an automation approves the tax id through the API
        approved = call("post", vendor_path(vendor, "/verification/tax_id/approve"), writer)

        # Then its answer, the very next GET and the dashboard all say verified
        after = call("get", vendor_path(vendor), reader).json()
        listed = call("get", "/api/v1/admin/vendors?verification_status=verified", reader)
        badge_after = dashboard_statuses(staff, vendor)

    assert (before, badge_before) == ("submitted", ("submitted", "submitted"))
    assert approved.status_code == 200
    assert approved.json()["verification"]["status"] == "verified"
    assert after["verification"]["status"] == inform.verification_status(vendor, on=LATER)
    assert after["verification"]["status"] == "verified"
    assert [item["id"] for item in listed.json()["items"]] == [vendor.pk]
    assert badge_after == ("verified", "verified")
    event = AuditEvent.objects.filter(verb="vendor.verification_decided").latest("pk")
    assert (event.actor_kind, event.actor_label, event.to_state) == (
        "api_token",
        "Warehouse",
        "verified",
    )
    assert not [secret for secret in SECRETS if secret in approved.content.decode()]


def test_a_rejection_needs_a_reason_and_only_a_submitted_value_can_be_decided():
    vendor, _product = high_volume_vendor()
    submit_all(vendor, at=NOW + dt.timedelta(days=1), fields=(Field.TAX_ID,))
    writer = token("vendors:write", "vendors:read")

    with frozen_at(LATER):
        no_reason = call("post", vendor_path(vendor, "/verification/tax_id/reject"), writer)
        rejected = call(
            "post",
            vendor_path(vendor, "/verification/tax_id/reject"),
            writer,
            {"reason": "The EIN belongs to another company."},
        )
        again = call("post", vendor_path(vendor, "/verification/tax_id/approve"), writer)
        nothing = call("post", vendor_path(vendor, "/verification/bank_account/approve"), writer)
        unknown = call("post", vendor_path(vendor, "/verification/shoe_size/approve"), writer)

    assert (no_reason.status_code, no_reason.json()["error"]["field"]) == (400, "reason")
    assert rejected.status_code == 200
    state = {row["field"]: row for row in rejected.json()["verification"]["fields"]}["tax_id"]
    assert (state["status"], state["reason"]) == ("rejected", "The EIN belongs to another company.")
    assert rejected.json()["verification"]["status"] == "rejected"
    assert (again.status_code, again.json()["error"]["code"]) == (400, "not_submitted")
    assert (nothing.status_code, nothing.json()["error"]["field"]) == (400, "field")
    assert (unknown.status_code, unknown.json()["error"]["field"]) == (422, "field")
    assert AuditEvent.objects.filter(verb="vendor.verification_decided").count() == 1


def test_a_suspended_vendor_shows_sales_not_allowed_with_the_reasons():
    vendor, _product = high_volume_vendor()  # information requested at NOW, due in 10 days
    reader = token("vendors:read")

    with frozen_at(NOW + dt.timedelta(days=10)):
        day_10 = call("get", vendor_path(vendor), reader).json()
    with frozen_at(NOW + dt.timedelta(days=11)):
        day_11 = call("get", vendor_path(vendor), reader).json()
        suspended = call("get", "/api/v1/admin/vendors?verification_status=suspended", reader)

    assert (day_10["verification"]["status"], day_10["sales_allowed"]) == ("info_requested", True)
    assert (day_11["verification"]["status"], day_11["sales_allowed"]) == ("suspended", False)
    assert "Tax ID: not provided" in day_11["suspension_reasons"]
    assert [item["id"] for item in suspended.json()["items"]] == [vendor.pk]


def test_vendors_are_filtered_and_paginated_by_their_derived_status():
    enable_marketplace()
    vendors = [make_vendor() for _ in range(6)]
    inform.seed_inform(vendors=vendors)  # one per state, oldest first
    make_vendor(status=Vendor.Status.APPLIED)
    reader = token("vendors:read")

    def handles(query: str) -> list[str]:
        response = call("get", f"/api/v1/admin/vendors{query}", reader)
        assert response.status_code == 200, response.json()
        return [item["handle"] for item in response.json()["items"]]

    first = call("get", "/api/v1/admin/vendors?verification_status=not_high_volume&limit=1", reader)
    second = call(
        "get",
        "/api/v1/admin/vendors?verification_status=not_high_volume&limit=1"
        f"&cursor={first.json()['next_cursor']}",
        reader,
    )

    assert handles("?verification_status=rejected") == [vendors[4].handle]
    assert handles("?high_volume=false") == [Vendor.objects.last().handle, vendors[0].handle]
    assert len(handles("?high_volume=true")) == 5
    assert handles("?status=applied") == [Vendor.objects.last().handle]
    assert [item["handle"] for item in first.json()["items"]] == [Vendor.objects.last().handle]
    assert [item["handle"] for item in second.json()["items"]] == [vendors[0].handle]
    assert second.json()["next_cursor"] is None
    wrong = call("get", "/api/v1/admin/vendors?verification_status=fine", reader)
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "verification_status")


def test_commission_shows_the_vendors_rate_or_the_default():
    enable_marketplace(default_commission_percent=Decimal("10"))
    own = make_vendor(commission_percent=Decimal("12.5"))
    default = make_vendor()
    reader = token("vendors:read")

    mine = call("get", vendor_path(own), reader).json()["commission"]
    theirs = call("get", vendor_path(default), reader).json()["commission"]

    assert (mine["percent"], mine["is_default"]) == ("12.50", False)
    assert (theirs["percent"], theirs["is_default"]) == ("10.00", True)
    assert call("get", "/api/v1/admin/vendors/999999", reader).status_code == 404


def test_a_vendors_sub_orders_and_payouts_are_listed():
    enable_marketplace(default_commission_percent=Decimal("10"), default_commission_fixed=0)
    vendor = make_vendor(name="Alpha Ceramics")
    bowl = make_vendor_product(vendor, price="10.00", currency="EUR", stock=50).variants.get()
    moment = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
    with frozen_at(moment):
        order = place_order(
            [(make_variant(title="Operator mug", price="20.00"), 1), (bowl, 2)], paid=True
        )
    with frozen_at(moment + dt.timedelta(days=1)):
        money.payouts_create()
    reader = token("vendors:read")

    suborders = call("get", vendor_path(vendor, "/suborders"), reader).json()
    payouts = call("get", vendor_path(vendor, "/payouts"), reader).json()

    assert suborders["items"] == [
        {
            "id": suborders["items"][0]["id"],
            "number": f"{order.number}-A",
            "order_number": order.number,
            "subtotal": {"amount": "20.00", "currency": "EUR"},
            "commission": {"amount": "2.00", "currency": "EUR"},
            "fulfilment_status": "unfulfilled",
            "lines": 1,
            "created_at": suborders["items"][0]["created_at"],
        }
    ]
    assert [(item["status"], item["amount"]) for item in payouts["items"]] == [
        ("scheduled", {"amount": "18.00", "currency": "EUR"})
    ]


def test_the_storefront_product_names_its_vendor_only_in_marketplace_mode():
    enable_marketplace()
    vendor = make_vendor(name="Alpha Ceramics", handle="alpha-ceramics")
    product = make_vendor_product(vendor, title="Bowl")
    own = make_variant(title="Operator mug", price="20.00").product

    shown = Client().get(f"/api/v1/products/{product.handle}").json()
    operators = Client().get(f"/api/v1/products/{own.handle}").json()
    MarketplaceSettings.objects.filter(pk=1).update(enabled=False)
    off = Client().get(f"/api/v1/products/{product.handle}").json()

    assert shown["vendor"] == {"name": "Alpha Ceramics", "handle": "alpha-ceramics"}
    assert operators["vendor"] is None
    assert off["vendor"] is None


def test_the_vendor_list_reads_each_status_fresh_in_constant_statements(
    django_assert_max_num_queries,
):
    # The status is derived by the function every view calls (never a stored column that
    # could lag), fed for the whole page at once: the latest records, the notices and the
    # rules once, then the DSA trader records (tests/marketplace/test_inform_batched.py shows
    # 1 and 30 vendors cost the same).
    enable_marketplace()
    for _ in range(30):
        make_vendor()
    reader = token("vendors:read")

    with django_assert_max_num_queries(9):
        response = call("get", "/api/v1/admin/vendors?limit=30", reader)

    assert len(response.json()["items"]) == 30
