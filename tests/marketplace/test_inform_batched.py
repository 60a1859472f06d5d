"""Deriving the verification status of many vendors at once: the same answers as the
one-vendor function, in a number of statements that does not grow with the vendors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from freehold.core import clock
from freehold.core.audit import Actor
from freehold.marketplace import dsa, inform
from freehold.marketplace.models import CertificationNotice, Vendor, VerificationRecord
from tests.api.admin_client import call, token
from tests.marketplace.factories import enable_marketplace, make_vendor
from tests.marketplace.test_dsa_pages import staff_client
from tests.marketplace.test_dsa_traceability import complete_trader

pytestmark = pytest.mark.django_db

STATES = [
    inform.NOT_HIGH_VOLUME,
    inform.INFO_REQUESTED,
    inform.SUBMITTED,
    inform.VERIFIED,
    inform.REJECTED,
    inform.SUSPENDED,
]


def vendors_in_states(count: int) -> list[Vendor]:
    """`count` vendors through the six states in turn (`inform.seed_inform`, six at a time);
    a single one is the suspended vendor, so the rules are read in both cases."""
    vendors: list[Vendor] = []
    while len(vendors) < count:
        group = [make_vendor(is_business=True) for _ in STATES]
        inform.seed_inform(vendors=group)
        vendors.extend(group)
    extra = vendors[: len(vendors) - count]
    Vendor.objects.filter(pk__in=[vendor.pk for vendor in extra]).delete()
    return vendors[len(extra) :]


def statements(action: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as captured:
        action()
    return len(captured.captured_queries)


# --- The same answers --------------------------------------------------------------------


def test_the_batched_status_equals_the_one_vendor_status_in_each_state_and_moment():
    # given vendors in each of the six states, one with an overdue yearly notice, one with a
    # newer record that is not yet submitted at the earlier moment and a notice revoking its
    # partial disclosure (rule 1.11), one with such a notice already answered
    enable_marketplace()
    vendors = vendors_in_states(12)
    now = clock.now()
    CertificationNotice.objects.create(
        vendor=vendors[9], kind="certify", sent_at=now, due_at=now + dt.timedelta(days=10)
    )
    VerificationRecord.objects.create(
        vendor=vendors[8],
        field=VerificationRecord.Field.TAX_ID,
        value_masked="•••• 9999",
        submitted_at=now + dt.timedelta(days=1),
    )
    CertificationNotice.objects.create(
        vendor=vendors[8],
        kind=inform.PARTIAL_DISCLOSURE,
        sent_at=now,
        due_at=now + dt.timedelta(days=10),
        reason="Buyers not answered.",
    )
    CertificationNotice.objects.create(
        vendor=vendors[3],
        kind=inform.PARTIAL_DISCLOSURE,
        sent_at=now - dt.timedelta(days=20),
        due_at=now - dt.timedelta(days=10),
        answered_at=now - dt.timedelta(days=11),
    )
    fresh = [Vendor.objects.get(pk=vendor.pk) for vendor in vendors]

    for moment in (now, now + dt.timedelta(days=2), now + dt.timedelta(days=30)):
        # when both derive every vendor's status
        batched = inform.verifications(fresh, on=moment)
        one_by_one = {vendor.pk: inform.verification(vendor, on=moment) for vendor in fresh}

        # then they agree, down to the records, notices and reasons
        assert batched == one_by_one
    assert [batched[vendor.pk].status for vendor in fresh[:6]] == [
        inform.NOT_HIGH_VOLUME,
        inform.SUSPENDED,  # 30 days on, the information is long overdue
        inform.SUBMITTED,
        inform.VERIFIED,
        inform.SUSPENDED,  # the rejection was not corrected in time
        inform.SUSPENDED,
    ]
    assert batched[fresh[8].pk].reasons == (inform.NOTICE_LAPSED[inform.PARTIAL_DISCLOSURE],)
    assert batched[fresh[3].pk].reasons == ()  # its notice was answered
    assert [inform.verifications(fresh, on=now)[v.pk].status for v in fresh[:6]] == STATES


def test_many_vendors_are_read_without_naming_each_and_still_agree(monkeypatch):
    # given more vendors than one statement names (the limit lowered for the test)
    enable_marketplace()
    vendors = vendors_in_states(6)
    other = vendors_in_states(6)
    monkeypatch.setattr(inform, "IN_LIMIT", 2)

    batched = inform.verifications(vendors)

    assert set(batched) == {vendor.pk for vendor in vendors}
    assert [batched[vendor.pk].status for vendor in vendors] == STATES
    assert batched == {vendor.pk: inform.verification(vendor) for vendor in vendors}
    assert inform.verifications(other[:2]) == {v.pk: inform.verification(v) for v in other[:2]}


def test_the_batched_latest_records_give_what_the_dsa_reads_per_vendor():
    enable_marketplace()
    vendors = vendors_in_states(6)
    complete_trader(vendors[0], without=(VerificationRecord.Field.PHONE,))
    complete_trader(vendors[1])
    latest = inform.latest_records_of(
        [vendor.pk for vendor in vendors], until=None, fields=dsa.TRADER_FIELDS
    )

    for vendor in vendors:
        batched = dsa.trader_missing(vendor, latest.get(vendor.pk, {}).values())
        assert batched == dsa.trader_missing(vendor)
    assert dsa.trader_missing(vendors[0], latest[vendors[0].pk].values()) == [
        VerificationRecord.Field.PHONE
    ]


def test_an_empty_list_of_vendors_reads_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert inform.verifications([]) == {}


# --- Constant statements on the pages that list many vendors ---------------------------------


def owner() -> Client:
    return staff_client("settings")


@pytest.mark.parametrize(
    "page",
    [
        "dashboard:marketplace-verification",
        "dashboard:marketplace-vendors",
        "dashboard:marketplace-traders",
    ],
)
def test_the_dashboard_lists_read_as_many_statements_for_30_vendors_as_for_one(page):
    enable_marketplace(sells_to_eu_consumers=True)
    client = owner()
    vendors = vendors_in_states(1)
    client.get(reverse(page))  # warm: the session, the settings rows and caches exist

    one = statements(lambda: client.get(reverse(page)))
    for vendor in vendors_in_states(29):
        complete_trader(vendor)
    response = client.get(reverse(page))
    thirty = statements(lambda: client.get(reverse(page)))

    assert response.status_code == 200
    assert vendors[0].name in response.content.decode()
    assert thirty == one


def test_the_verification_queue_lists_only_the_latest_submitted_records():
    # given a vendor whose tax id was submitted, then submitted again
    enable_marketplace()
    vendor = vendors_in_states(6)[2]  # "submitted"
    from freehold.marketplace import verification

    verification.submit(
        vendor=vendor,
        field=VerificationRecord.Field.TAX_ID,
        value="98-7654321",
        actor=Actor.system("test"),
    )

    html = owner().get(reverse("dashboard:marketplace-verification")).content.decode()

    # then only the newest of the two is waiting
    waiting = html.split('id="queue-heading"')[1].split("</section>")[0]
    assert waiting.count("Tax ID") == 1
    assert "•••• 4321" in waiting and "•••• 6789" not in waiting
    assert waiting.count("Approve") == 5  # seven fields, e-mail and phone confirm by code


@pytest.mark.parametrize("query", ["", "?verification_status=suspended"], ids=["all", "filtered"])
def test_the_admin_vendor_list_reads_as_many_statements_for_30_vendors_as_for_one(query):
    enable_marketplace()
    reader = token("vendors:read")
    path = f"/api/v1/admin/vendors{query}{'&' if query else '?'}limit=100"
    vendors_in_states(1)
    call("get", path, reader)  # warm: the token's last use, the settings rows
    one = statements(lambda: call("get", path, reader))
    vendors_in_states(29)
    answer = call("get", path, reader).json()
    thirty = statements(lambda: call("get", path, reader))

    assert len(answer["items"]) == (30 if not query else 6)
    assert thirty == one
