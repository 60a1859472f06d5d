"""The clock of privacy requests: GDPR one calendar month (+2 once), CCPA 45 days (+45 once),
CCPA receipt confirmation in 10 business days, overdue flags — with a moving clock."""

from __future__ import annotations

import datetime as dt

import pytest

from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.customers import privacy
from freehold.customers.models import PrivacyRequest

UTC = dt.UTC
STAFF = Actor.system("test")


def at(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(year, month, day, hour, tzinfo=UTC)


def receive(moment: dt.datetime, *, law: str = "gdpr", kind: str = "access") -> PrivacyRequest:
    with frozen_at(moment):
        return privacy.privacy_request_create(
            law=law, kind=kind, email="ana@example.com", actor=STAFF, notify_store=False
        )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("received", "due"),
    [
        (at(2026, 3, 14), at(2026, 4, 14)),
        (at(2027, 1, 31), at(2027, 2, 28)),  # a shorter month: its last day
        (at(2028, 1, 31), at(2028, 2, 29)),  # leap year
        (at(2026, 12, 15), at(2027, 1, 15)),  # across the year
        (at(2026, 8, 31), at(2026, 9, 30)),
    ],
)
def test_a_gdpr_request_is_due_one_calendar_month_after_receipt(received, due):
    request = receive(received)

    assert request.due_at == due
    assert request.deadline == due


@pytest.mark.django_db
def test_a_ccpa_request_to_know_is_due_in_45_days_and_receipt_confirmed_in_10_business_days():
    # Friday 6 November 2026
    request = receive(at(2026, 11, 6), law="ccpa", kind="access")

    assert request.due_at == at(2026, 12, 21)
    # 10 business days from a Friday: two weeks later, Friday 20 November.
    assert privacy.receipt_confirmation_due(request) == at(2026, 11, 20)


@pytest.mark.django_db
def test_a_ccpa_opt_out_is_due_in_15_business_days_and_needs_no_receipt_confirmation():
    request = receive(at(2026, 11, 6), law="ccpa", kind="opt_out")

    assert request.due_at == at(2026, 11, 27)
    assert privacy.receipt_confirmation_due(request) is None


@pytest.mark.django_db
def test_a_gdpr_request_has_no_receipt_confirmation_date():
    assert privacy.receipt_confirmation_due(receive(at(2026, 3, 1))) is None


@pytest.mark.django_db
def test_an_open_request_is_overdue_only_after_its_deadline():
    request = receive(at(2026, 1, 31))

    assert not privacy.is_overdue(request, now=at(2026, 2, 28, 9))
    assert privacy.days_left(request, now=at(2026, 2, 27)) == 1
    assert privacy.is_overdue(request, now=at(2026, 2, 28, 11))
    assert privacy.days_left(request, now=at(2026, 3, 2)) == -2


@pytest.mark.django_db
def test_a_closed_request_is_never_overdue():
    request = receive(at(2026, 1, 5))
    with frozen_at(at(2026, 1, 6)):
        privacy.privacy_request_complete(privacy_request=request, outcome="Sent", actor=STAFF)
    request.refresh_from_db()

    assert not privacy.is_overdue(request, now=at(2026, 6, 1))


@pytest.mark.django_db
def test_a_gdpr_extension_adds_two_months_to_the_original_deadline():
    request = receive(at(2026, 1, 31))

    with frozen_at(at(2026, 2, 20)):
        extended = privacy.privacy_request_extend(
            privacy_request=request,
            reason="Ten years of orders to collect.",
            notified_on=dt.date(2026, 2, 20),
            actor=STAFF,
        )

    assert extended.due_at == at(2026, 2, 28)
    assert extended.extended_due_at == at(2026, 4, 28)
    assert extended.deadline == at(2026, 4, 28)
    assert extended.extension_notified_on == dt.date(2026, 2, 20)
    assert not privacy.is_overdue(extended, now=at(2026, 3, 15))


@pytest.mark.django_db
def test_a_ccpa_extension_adds_45_days():
    request = receive(at(2026, 11, 6), law="ccpa", kind="erasure")

    with frozen_at(at(2026, 12, 1)):
        extended = privacy.privacy_request_extend(
            privacy_request=request,
            reason="Backups.",
            notified_on=dt.date(2026, 12, 1),
            actor=STAFF,
        )

    assert extended.extended_due_at == at(2026, 12, 21) + dt.timedelta(days=45)


@pytest.mark.django_db
def test_a_request_is_extended_only_once():
    request = receive(at(2026, 3, 1))
    with frozen_at(at(2026, 3, 10)):
        privacy.privacy_request_extend(
            privacy_request=request, reason="Volume.", notified_on=dt.date(2026, 3, 10), actor=STAFF
        )

        with pytest.raises(privacy.PrivacyRequestInvalid, match="already extended"):
            privacy.privacy_request_extend(
                privacy_request=request,
                reason="Again.",
                notified_on=dt.date(2026, 3, 10),
                actor=STAFF,
            )


@pytest.mark.django_db
def test_an_extension_after_the_original_deadline_is_refused():
    request = receive(at(2026, 3, 1))

    with (
        frozen_at(at(2026, 4, 1, 11)),
        pytest.raises(privacy.PrivacyRequestInvalid, match="passed"),
    ):
        privacy.privacy_request_extend(
            privacy_request=request, reason="Late.", notified_on=dt.date(2026, 4, 1), actor=STAFF
        )
    request.refresh_from_db()
    assert request.extended_due_at is None


@pytest.mark.django_db
def test_an_extension_needs_a_reason_and_the_day_the_requester_was_told():
    request = receive(at(2026, 3, 1))

    with frozen_at(at(2026, 3, 10)):
        with pytest.raises(privacy.PrivacyRequestInvalid) as no_reason:
            privacy.privacy_request_extend(
                privacy_request=request, reason="  ", notified_on=dt.date(2026, 3, 10), actor=STAFF
            )
        with pytest.raises(privacy.PrivacyRequestInvalid) as not_told:
            privacy.privacy_request_extend(
                privacy_request=request, reason="Volume.", notified_on=None, actor=STAFF
            )
        with pytest.raises(privacy.PrivacyRequestInvalid) as told_in_future:
            privacy.privacy_request_extend(
                privacy_request=request,
                reason="Volume.",
                notified_on=dt.date(2026, 3, 11),
                actor=STAFF,
            )

    assert no_reason.value.field == "reason"
    assert not_told.value.field == "notified_on"
    assert told_in_future.value.field == "notified_on"


@pytest.mark.django_db
def test_a_refusal_needs_a_reason_and_closes_the_request():
    request = receive(at(2026, 3, 1))

    with pytest.raises(privacy.PrivacyRequestInvalid):
        privacy.privacy_request_refuse(privacy_request=request, reason="", actor=STAFF)
    with frozen_at(at(2026, 3, 2)):
        refused = privacy.privacy_request_refuse(
            privacy_request=request,
            reason="Manifestly unfounded: fifth copy this week.",
            actor=STAFF,
        )

    assert refused.status == PrivacyRequest.Status.REFUSED
    assert refused.closed_at == at(2026, 3, 2)
    with pytest.raises(privacy.PrivacyRequestInvalid, match="closed"):
        privacy.privacy_request_complete(privacy_request=request, outcome="x", actor=STAFF)


@pytest.mark.django_db
def test_a_request_links_to_the_account_with_its_email_and_tells_the_store(
    mailoutbox, django_capture_on_commit_callbacks
):
    from tests.customers.builders import make_customer

    customer = make_customer("ana@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        request = privacy.privacy_request_create(
            law="gdpr", kind="access", email=" Ana@Example.com ", actor=STAFF
        )

    assert request.customer == customer
    assert request.email == "ana@example.com"
    assert [mail.to for mail in mailoutbox] == [["hello@fjell.example"]]
    # The store's mail points to the queue; it names no personal data.
    assert f"/dashboard/customers/privacy/{request.pk}/" in mailoutbox[0].body
    assert "ana@" not in mailoutbox[0].body


@pytest.mark.django_db
def test_the_demo_queue_has_an_overdue_request_and_is_made_once():
    from tests.customers.builders import make_customer

    for number in range(3):
        make_customer(f"person{number}@example.com")

    with frozen_at(at(2026, 11, 27)):
        made = privacy.seed_privacy()
        again = privacy.seed_privacy()
        overdue = [item for item in made if privacy.is_overdue(item)]

    assert len(made) == 3 and again == []
    assert [item.kind for item in overdue] == ["erasure"]
