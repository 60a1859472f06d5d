"""Held payouts: why they are held, their release when the vendor complies again, and the
operator's manual release or hold, each with an audit event. Time moves with `frozen_at`."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client

from freehold.catalog.models import Variant
from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.marketplace import inform, money, verification
from freehold.marketplace.models import Payout, Vendor, VerificationRecord
from tests.marketplace.factories import (
    enable_marketplace,
    make_vendor,
    make_vendor_product,
    vendor_client,
)
from tests.orders.builders import make_variant, place_order

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
STAFF = Actor.system("test")
Field = VerificationRecord.Field
VALUES = {
    Field.BANK_ACCOUNT: "DE89 3704 0044 0532 0130 00",
    Field.LEGAL_NAME: "Alpha Ceramics LLC",
    Field.IDENTITY_DOCUMENT: "P1234567",
    Field.TAX_ID: "12-3456789",
    Field.EMAIL: "alpha@example.com",
    Field.PHONE: "+1 512 555 0100",
    Field.BUSINESS_ADDRESS: "1 Main St\nAustin, TX 78701\nUS",
}


def vendor_variant(vendor: Vendor, price: str) -> Variant:
    product = make_vendor_product(vendor, price=price, currency="EUR", stock=50)
    return Variant.objects.get(product=product)


def suspend(vendor: Vendor) -> None:
    """High volume, information requested 15 days ago and none given: suspended (day 11+)."""
    requested = NOW - dt.timedelta(days=15)
    Vendor.objects.filter(pk=vendor.pk).update(
        high_volume_since=requested, info_requested_at=requested
    )
    vendor.refresh_from_db()


def comply(vendor: Vendor, *, at: dt.datetime) -> None:
    """The vendor submits every field: no longer suspended (verification pending)."""
    with frozen_at(at):
        for field, value in VALUES.items():
            verification.submit(vendor=vendor, field=field, value=value, actor=STAFF)


def staff_client(*, permissions: tuple[str, ...] = ()) -> Client:
    role = Customer.StaffRole.STAFF if permissions else Customer.StaffRole.OWNER
    user = Customer.objects.create_user(
        f"{role}-{len(permissions)}@example.com",
        "staff-pass-1",
        is_staff=True,
        staff_role=role,
        staff_permissions=list(permissions),
    )
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def held() -> dict[str, object]:
    """Alpha (suspended) and Beta sold on NOW; the run a day later held Alpha's payout."""
    enable_marketplace(default_commission_percent=Decimal("10"), default_commission_fixed=0)
    alpha = make_vendor(name="Alpha Ceramics")
    beta = make_vendor(name="Beta Bags")
    with frozen_at(NOW):
        place_order(
            [
                (make_variant(title="Operator mug", price="20.00"), 1),
                (vendor_variant(alpha, "12.00"), 2),
                (vendor_variant(beta, "30.00"), 1),
            ],
            paid=True,
        )
    suspend(alpha)
    with frozen_at(NOW + dt.timedelta(days=1)):
        assert money.payouts_run() == 2
    return {
        "alpha": alpha,
        "beta": beta,
        "payout": Payout.objects.get(vendor=alpha),
        "other": Payout.objects.get(vendor=beta),
    }


def test_a_suspended_vendors_payout_is_held_with_the_suspensions_reasons(held):
    payout, other = held["payout"], held["other"]

    assert payout.status == Payout.Status.HELD
    assert payout.amount == Decimal("21.60")  # 24.00 less 10 % commission
    assert "Tax ID: not provided" in payout.hold_reason
    assert not payout.held_by_operator
    assert (other.status, other.hold_reason) == (Payout.Status.SCHEDULED, "")
    created = AuditEvent.objects.get(verb="marketplace.payout_created", object_id=str(payout.pk))
    assert created.to_state == "held"
    assert created.data["hold_reason"] == payout.hold_reason


def test_the_next_run_releases_it_once_the_vendor_complies(held):
    alpha, payout = held["alpha"], held["payout"]
    # given a run while the vendor is still suspended: nothing changes
    with frozen_at(NOW + dt.timedelta(days=2)):
        money.payouts_run()
    payout.refresh_from_db()
    assert payout.status == Payout.Status.HELD

    # when the vendor submits its information and the next daily run comes
    comply(alpha, at=NOW + dt.timedelta(days=3))
    with frozen_at(NOW + dt.timedelta(days=3, hours=1)):
        assert inform.sales_allowed(alpha)
        made = money.payouts_run()

    # then the payout is released (scheduled, to be paid), no second payout made
    payout.refresh_from_db()
    assert made == 0
    assert payout.status == Payout.Status.SCHEDULED
    assert payout.released_at == NOW + dt.timedelta(days=3, hours=1)
    assert "not provided" in payout.hold_reason  # the history keeps why it was held
    assert Payout.objects.filter(vendor=alpha).count() == 1
    event = AuditEvent.objects.get(verb="marketplace.payout_released", object_id=str(payout.pk))
    assert (event.actor_kind, event.from_state, event.to_state) == ("system", "held", "scheduled")
    # and it can now be paid
    paid = money.payout_mark_paid(payout=payout, reference="TR-9", actor=STAFF)
    assert paid.status == Payout.Status.PAID


def test_the_vendor_sees_held_with_the_reason_then_released(held):
    alpha = held["alpha"]
    client = vendor_client(alpha)

    page = client.get("/vendor/payouts").content.decode()
    assert "held: Bank account (or payee): not provided" in page

    comply(alpha, at=NOW + dt.timedelta(days=3))
    with frozen_at(NOW + dt.timedelta(days=4)):
        money.payouts_run()
    page = client.get("/vendor/payouts").content.decode()
    assert "held: Bank account (or payee): not provided" in page
    assert "released 06 Mar 2026" in page


def test_a_payout_the_operator_keeps_holding_is_not_released_by_the_run(held):
    alpha, payout = held["alpha"], held["payout"]
    client = staff_client()

    # when staff keep holding it with a reason
    response = client.post(
        f"/dashboard/marketplace/payouts/{payout.pk}/hold",
        {"reason": "Chargeback under review"},
    )
    assert response.status_code == 302
    payout.refresh_from_db()
    assert (payout.held_by_operator, payout.hold_reason) == (True, "Chargeback under review")
    held_event = AuditEvent.objects.get(verb="marketplace.payout_held", object_id=str(payout.pk))
    assert held_event.actor_kind == "staff"
    assert "not provided" in held_event.data["previous_reason"]

    # then the vendor's compliance does not release it
    comply(alpha, at=NOW + dt.timedelta(days=3))
    with frozen_at(NOW + dt.timedelta(days=4)):
        money.payouts_run()
    payout.refresh_from_db()
    assert payout.status == Payout.Status.HELD

    # until staff release it, from the held list, which shows the reason
    page = client.get("/dashboard/marketplace/payouts/?status=held").content.decode()
    assert "Held by staff: Chargeback under review" in page
    client.post(f"/dashboard/marketplace/payouts/{payout.pk}/release", {"note": "Resolved"})
    payout.refresh_from_db()
    assert (payout.status, payout.held_by_operator) == (Payout.Status.SCHEDULED, False)
    released = AuditEvent.objects.get(verb="marketplace.payout_released", object_id=str(payout.pk))
    assert (released.actor_kind, released.data["note"]) == ("staff", "Resolved")


def test_staff_may_release_while_suspended_and_the_event_says_so(held):
    payout = held["payout"]
    with frozen_at(NOW + dt.timedelta(days=2)):
        money.payout_release(payout=payout, actor=STAFF, note="Owed before the suspension")
    payout.refresh_from_db()
    assert payout.status == Payout.Status.SCHEDULED
    event = AuditEvent.objects.get(verb="marketplace.payout_released", object_id=str(payout.pk))
    assert "released while suspended: Bank account (or payee): not provided" in event.data["note"]


def test_a_scheduled_payout_can_be_held_and_a_paid_one_cannot(held):
    other = held["other"]
    money.payout_hold(payout=other, actor=STAFF, reason="Bank details doubtful")
    other.refresh_from_db()
    assert other.status == Payout.Status.HELD
    with pytest.raises(money.PayoutRefused):
        money.payout_mark_paid(payout=other, reference="TR-1", actor=STAFF)
    money.payout_release(payout=other, actor=STAFF)
    paid = money.payout_mark_paid(payout=other, reference="TR-1", actor=STAFF)

    with pytest.raises(money.PayoutRefused) as refused:
        money.payout_hold(payout=paid, actor=STAFF, reason="Too late")
    assert refused.value.field == "status"
    with pytest.raises(money.PayoutRefused) as refused:
        money.payout_release(payout=paid, actor=STAFF)
    assert refused.value.field == "status"
    with pytest.raises(money.PayoutRefused) as refused:
        money.payout_hold(payout=held["payout"], actor=STAFF, reason="  ")
    assert refused.value.field == "reason"


def test_staff_without_the_settings_area_cannot_release_or_hold(held):
    payout = held["payout"]
    client = staff_client(permissions=("orders",))
    for action, data in (("release", {}), ("hold", {"reason": "x"})):
        response = client.post(f"/dashboard/marketplace/payouts/{payout.pk}/{action}", data)
        assert response.status_code == 403
    payout.refresh_from_db()
    assert (payout.status, payout.held_by_operator) == (Payout.Status.HELD, False)
