"""Staff accounts: invitations with a set-password link, roles and permissions, deactivation,
and the rules that keep a store from locking itself out."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from freehold.core.errors import FreeholdError
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.dashboard.store import services
from tests.dashboard.conftest import make_staff

pytestmark = pytest.mark.django_db
Role = Customer.StaffRole


def invite(client: Client, **changes: object):
    data = {"email": "kim@example.com", "first_name": "Kim", "role": "staff",
            "permissions": ["orders"]}  # fmt: skip
    data.update(changes)
    return client.post("/dashboard/settings/staff/invite/", data)


def test_an_invited_staff_member_sets_a_password_from_the_email_and_gets_only_their_areas(
    owner_client, django_capture_on_commit_callbacks
):
    # When the owner invites Kim with the orders permission
    with django_capture_on_commit_callbacks(execute=True):
        response = invite(owner_client)

    # Then Kim has a staff account without a usable password, and an e-mail with a link
    assert response.status_code == 302
    kim = Customer.objects.get(email="kim@example.com")
    assert (kim.is_staff, kim.staff_role, kim.staff_permissions) == (True, "staff", ["orders"])
    assert not kim.has_usable_password()
    (message,) = mail.outbox
    assert message.to == ["kim@example.com"]
    link = re.search(r"http://testserver(/account/password-reset/\S+)", message.body)
    assert link is not None
    assert "log in to the dashboard at http://testserver/dashboard/" in message.body
    assert AuditEvent.objects.get(verb="staff.invited").data["permissions"] == ["orders"]

    # When Kim follows the link and chooses a password
    kim_client = Client()
    form_page = kim_client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    response = kim_client.post(
        form_page.redirect_chain[-1][0],
        {"new_password": "a long new password 1", "new_password_again": "a long new password 1"},
    )
    kim.refresh_from_db()
    assert kim.has_usable_password(), response.content.decode()[:2000]

    # Then Kim can log in and use orders, but not settings
    assert kim_client.login(email="kim@example.com", password="a long new password 1")
    assert kim_client.get("/dashboard/orders/").status_code == 200
    assert kim_client.get("/dashboard/settings/").status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"role": "king"}, "role"),
        ({"permissions": ["orders", "everything"]}, "permissions"),
        ({"permissions": []}, "permissions"),
    ],
)
def test_bad_invitations_are_refused_naming_the_field(owner_client, changes, field):
    response = invite(owner_client, **changes)
    assert response.status_code == 400
    assert f'id="id_{field}-error"' in response.content.decode()
    assert not Customer.objects.filter(email="kim@example.com").exists()


def test_an_existing_staff_account_cannot_be_invited_again(owner_client):
    make_staff("kim@example.com", role=Role.STAFF, permissions=["orders"])
    response = invite(owner_client)
    assert response.status_code == 400
    assert "already has a staff account" in response.content.decode()


def test_a_shopper_invited_becomes_staff_on_the_same_account(owner_client):
    shopper = Customer.objects.create_user("kim@example.com", "shopper-pass-1")
    assert invite(owner_client).status_code == 302
    shopper.refresh_from_db()
    assert shopper.is_staff and shopper.staff_permissions == ["orders"]
    assert Customer.objects.filter(email="kim@example.com").count() == 1


def test_an_admin_cannot_invite_or_make_an_owner():
    admin = make_staff("admin@example.com", role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    response = invite(client, role="owner")
    assert response.status_code == 400
    assert "Only an owner" in response.content.decode()
    member = make_staff("kim@example.com", role=Role.STAFF, permissions=["orders"])
    response = client.post(
        f"/dashboard/settings/staff/{member.pk}/", {"role": "owner", "permissions": []}
    )
    assert response.status_code == 400
    member.refresh_from_db()
    assert member.staff_role == "staff"


def test_an_admin_cannot_change_or_deactivate_an_owner():
    owner = make_staff("owner@example.com")
    make_staff("second-owner@example.com")
    admin = make_staff("admin@example.com", role=Role.ADMIN)
    with pytest.raises(FreeholdError, match="Only an owner"):
        services.staff_update(member=owner, role="admin", permissions=[], changed_by=admin)
    with pytest.raises(FreeholdError, match="Only an owner"):
        services.staff_deactivate(member=owner, changed_by=admin)
    owner.refresh_from_db()
    assert owner.is_active and owner.staff_role == "owner"


def test_the_owner_edits_role_and_permissions_and_it_is_audited(owner_client):
    member = make_staff("kim@example.com", role=Role.STAFF, permissions=["orders"])
    response = owner_client.post(
        f"/dashboard/settings/staff/{member.pk}/",
        {"role": "staff", "permissions": ["orders", "products"]},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.staff_permissions == ["orders", "products"]
    event = AuditEvent.objects.get(verb="staff.changed")
    assert event.data == {"permissions": ["orders", "products"]}


def test_the_last_active_owner_cannot_step_down_or_deactivate_themselves(owner):
    # Given a second owner who has been deactivated: `owner` is the last active one
    other_owner = make_staff("other@example.com")
    services.staff_deactivate(member=other_owner, changed_by=owner)

    # When the last owner tries to become an admin, or to deactivate their account, it fails
    with pytest.raises(FreeholdError, match="at least one active owner"):
        services.staff_update(member=owner, role="admin", permissions=[], changed_by=owner)
    with pytest.raises(FreeholdError, match="own account"):
        services.staff_deactivate(member=owner, changed_by=owner)
    owner.refresh_from_db()
    assert owner.is_active and owner.staff_role == "owner"


def test_an_owner_may_demote_another_owner_while_one_remains():
    # Given two active owners
    first = make_staff("first@example.com")
    second = make_staff("second@example.com")

    # When the second makes the first an admin, it works
    services.staff_update(member=first, role="admin", permissions=[], changed_by=second)
    first.refresh_from_db()
    assert first.staff_role == "admin"

    # Then the second is the last owner: the admin cannot demote them, nor can they themselves
    with pytest.raises(FreeholdError, match="Only an owner"):
        services.staff_update(member=second, role="admin", permissions=[], changed_by=first)
    with pytest.raises(FreeholdError, match="at least one active owner"):
        services.staff_update(member=second, role="admin", permissions=[], changed_by=second)
    second.refresh_from_db()
    assert second.staff_role == "owner"


def test_nobody_demotes_themselves_out_of_management():
    admin = make_staff("admin@example.com", role=Role.ADMIN)
    with pytest.raises(FreeholdError, match="your own management role"):
        services.staff_update(member=admin, role="staff", permissions=["orders"], changed_by=admin)


def test_a_deactivated_member_can_no_longer_log_in_and_can_be_reactivated(owner_client):
    member = make_staff("kim@example.com", role=Role.STAFF, permissions=["orders"])
    response = owner_client.post(f"/dashboard/settings/staff/{member.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    assert not Client().login(email="kim@example.com", password="dashboard-pass-1")
    assert AuditEvent.objects.filter(verb="staff.deactivated").exists()
    owner_client.post(f"/dashboard/settings/staff/{member.pk}/active/", {"active": "1"})
    assert Client().login(email="kim@example.com", password="dashboard-pass-1")


def test_the_staff_list_shows_roles_and_status_in_a_constant_number_of_queries(
    owner_client, django_assert_max_num_queries
):
    for number in range(30):
        make_staff(f"member{number}@example.com", role=Role.STAFF, permissions=["orders"])
    with django_assert_max_num_queries(8):
        page = owner_client.get("/dashboard/settings/staff/").content.decode()
    assert page.count("member") >= 30
    assert "Orders" in page


def test_an_invitation_is_sent_again_until_a_password_is_chosen(
    owner_client, django_capture_on_commit_callbacks
):
    # Given an invited member who lost the e-mail
    with django_capture_on_commit_callbacks(execute=True):
        invite(owner_client)
    kim = Customer.objects.get(email="kim@example.com")

    # When the owner sends it again, then a second e-mail arrives
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"/dashboard/settings/staff/{kim.pk}/resend/")
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["kim@example.com"]] * 2
    assert AuditEvent.objects.filter(verb="staff.invitation_resent").exists()

    # When Kim has a password, then no invitation is sent any more
    kim.set_password("kims-password-1")
    kim.save()
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"/dashboard/settings/staff/{kim.pk}/resend/")
    assert len(mail.outbox) == 2
