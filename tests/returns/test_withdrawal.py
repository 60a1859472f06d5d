"""The EU withdrawal function (CRD Art. 11a): three fields, a confirmation, a dated receipt."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core import mail

from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.orders.states import PaymentStatus
from freehold.returns import services
from freehold.returns.errors import WithdrawalRefused
from freehold.returns.models import Withdrawal
from freehold.returns.views import WITHDRAWAL_ATTEMPTS
from tests.factories import make_store_settings
from tests.returns.conftest import DELIVERED, STAFF, pay, place, ship, variant

pytestmark = pytest.mark.django_db

SUBMITTED = dt.datetime(2025, 3, 10, 14, 5, 9, tzinfo=dt.UTC)
ADDRESS = {"first_name": "Ana", "last_name": "Lima", "line1": "Rua 7", "country_code": "PT"}


@pytest.fixture(autouse=True)
def _store():
    make_store_settings(name="Fjell & Co", email="hello@fjell.example")


def details(order, **changes) -> dict[str, str]:
    return {"name": "Ana Lima", "number": order.number, "email": order.email, **changes}


def input_names(html: str) -> set[str]:
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', main))
    return names - {"csrfmiddlewaretoken"}


def test_the_form_asks_only_for_name_order_number_and_email(client):
    response = client.get("/withdrawal")

    assert response.status_code == 200
    assert input_names(response.content.decode()) == {"name", "number", "email"}
    assert "no-store" in response["Cache-Control"]


def test_the_form_is_prefilled_from_the_order_token(client):
    order = place((variant(), 1), shipping_address=ADDRESS)

    html = client.get(f"/withdrawal?order={order.token}").content.decode()

    assert f'value="{order.number}"' in html
    assert 'value="ana@example.com"' in html
    assert 'value="Ana Lima"' in html


def test_withdrawing_takes_one_confirmation_then_sends_a_timestamped_acknowledgement(
    client, django_capture_on_commit_callbacks
):
    # given a delivered order
    order = pay(place((variant("25.00"), 2)))
    ship(order, delivered_at=DELIVERED)

    with frozen_at(SUBMITTED):
        # when Ana fills in the form, nothing is recorded yet: she sees what will be sent
        review = client.post("/withdrawal", details(order))
        assert review.status_code == 200
        assert "Confirm withdrawal" in review.content.decode()
        assert not Withdrawal.objects.exists()

        # and when she confirms
        with django_capture_on_commit_callbacks(execute=True):
            confirmed = client.post("/withdrawal", {**details(order), "confirm": "1"})
        receipt = client.get(confirmed["Location"])

    # then the withdrawal is stored with its refund deadline 14 days later
    withdrawal = Withdrawal.objects.get()
    assert (withdrawal.order, withdrawal.name, withdrawal.email) == (
        order,
        "Ana Lima",
        "ana@example.com",
    )
    assert withdrawal.submitted_at == SUBMITTED
    assert withdrawal.refund_due_by == SUBMITTED + dt.timedelta(days=14)
    assert withdrawal.acknowledgement_sent_at == SUBMITTED
    assert confirmed.status_code == 302
    assert "March 10, 2025" in receipt.content.decode()

    # and the acknowledgement names the declaration with the date and time of receipt
    [message] = mail.outbox
    html = message.alternatives[0][0]
    assert message.to == ["ana@example.com"]
    assert message.subject == f"We received your withdrawal from order #{order.number} – Fjell & Co"
    for body in (message.body, html):
        assert "March 10, 2025" in body
        assert "2:05:09" in body and "UTC" in body
        assert (
            f"withdraw from my contract for the purchase of the goods of order #{order.number}"
            in body
        )
        assert "Ana Lima" in body
        assert "March 24, 2025" in body  # the refund deadline
    assert AuditEvent.objects.filter(verb="withdrawal.received").count() == 1


def test_changing_the_details_goes_back_to_the_form(client):
    order = place((variant(), 1))

    response = client.post("/withdrawal", {**details(order), "edit": "1"})

    assert input_names(response.content.decode()) == {"name", "number", "email"}
    assert 'value="Ana Lima"' in response.content.decode()
    assert not Withdrawal.objects.exists()


def test_a_second_submission_returns_the_first_withdrawal(django_capture_on_commit_callbacks):
    order = place((variant(), 1))
    with frozen_at(SUBMITTED), django_capture_on_commit_callbacks(execute=True):
        first = services.withdrawal_submit(number=order.number, email=order.email, name="Ana Lima")
    with django_capture_on_commit_callbacks(execute=True):
        second = services.withdrawal_submit(number=order.number, email=order.email, name="Ana Lima")

    assert second == first
    assert len(mail.outbox) == 1


def test_the_period_ends_14_days_after_the_last_item_is_delivered():
    # given two parcels, the last delivered on 4 March
    mug = variant()
    order = pay(place((mug, 2)))
    line = order.lines.get()
    ship(order, {line.pk: 1}, delivered_at=DELIVERED - dt.timedelta(days=2))
    ship(order, {line.pk: 1}, delivered_at=DELIVERED)

    # then the last second of the 14th day still counts
    with frozen_at(DELIVERED + dt.timedelta(days=14)):
        assert services.withdrawal_order(number=order.number, email=order.email) == order

    # and one second later the function refuses, saying why
    with (
        frozen_at(DELIVERED + dt.timedelta(days=14, seconds=1)),
        pytest.raises(WithdrawalRefused) as refused,
    ):
        services.withdrawal_order(number=order.number, email=order.email)
    assert "ended on 2025-03-18" in refused.value.message


def test_the_period_has_not_started_while_an_item_is_undelivered():
    # given one parcel delivered long ago and one unit never shipped
    order = pay(place((variant(), 2)))
    line = order.lines.get()
    ship(order, {line.pk: 1}, delivered_at=DELIVERED)

    # then withdrawing is still possible months later
    with frozen_at(DELIVERED + dt.timedelta(days=120)):
        assert services.withdrawal_order(number=order.number, email=order.email) == order

    # and also once the second parcel shipped but is not yet delivered
    ship(order, {line.pk: 1})
    with frozen_at(DELIVERED + dt.timedelta(days=120)):
        assert services.withdrawal_order(number=order.number, email=order.email) == order


def test_after_the_period_the_page_explains_and_records_nothing(client):
    order = pay(place((variant(), 1)))
    ship(order, delivered_at=DELIVERED)

    with frozen_at(DELIVERED + dt.timedelta(days=15)):
        response = client.post("/withdrawal", {**details(order), "confirm": "1"})

    assert response.status_code == 400
    assert "withdrawal period for order" in response.content.decode()
    assert not Withdrawal.objects.exists()


def test_a_wrong_number_or_email_gets_one_generic_error(client):
    order = place((variant(), 1))

    wrong_email = client.post("/withdrawal", details(order, email="bruno@example.com"))
    wrong_number = client.post("/withdrawal", details(order, number="999999"))

    assert wrong_email.status_code == wrong_number.status_code == 400
    for response in (wrong_email, wrong_number):
        assert services.WITHDRAWAL_NOT_FOUND in response.content.decode()
    assert not Withdrawal.objects.exists()


def test_the_email_matches_case_insensitively():
    order = place((variant(), 1))

    assert services.withdrawal_order(number=f"#{order.number}", email="ANA@Example.com") == order


def test_a_cancelled_order_cannot_be_withdrawn_from():
    from freehold.orders.operations import order_cancel

    order = place((variant(), 1))
    order_cancel(order=order, actor=STAFF)

    with pytest.raises(WithdrawalRefused, match="cancelled"):
        services.withdrawal_order(number=order.number, email=order.email)


def test_many_wrong_pairs_from_one_address_lock_it_out_for_a_while(client):
    order = place((variant(), 1))
    for _ in range(WITHDRAWAL_ATTEMPTS):
        assert client.post("/withdrawal", details(order, number="1")).status_code == 400

    response = client.post("/withdrawal", details(order))

    assert response.status_code == 429
    assert "Too many attempts" in response.content.decode()


def test_staff_refund_a_withdrawal_in_full(django_capture_on_commit_callbacks):
    # given a paid, delivered order of 2 x 25.00 that Ana withdrew from
    order = pay(place((variant("25.00"), 2)))
    ship(order, delivered_at=DELIVERED)
    with frozen_at(SUBMITTED):
        withdrawal = services.withdrawal_submit(
            number=order.number, email=order.email, name="Ana Lima"
        )

    # when staff refund it
    payment = services.withdrawal_refund(withdrawal=withdrawal, actor=STAFF)

    # then everything captured goes back and the withdrawal is closed
    assert payment.amount == Decimal("50.00")
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.REFUNDED
    withdrawal.refresh_from_db()
    assert withdrawal.status == Withdrawal.Status.REFUNDED
    assert withdrawal.refund_payment == payment
    with pytest.raises(WithdrawalRefused, match="already refunded"):
        services.withdrawal_refund(withdrawal=withdrawal, actor=STAFF)
