"""Marketing e-mail consent: opt-in recorded with its wording wherever it is given (sign-up,
account page, staff), and withdrawn at once by the one-click unsubscribe link."""

from __future__ import annotations

import pytest
from django.core import signing
from django.test import Client

from freehold.core.audit import Actor
from freehold.customers import services
from freehold.customers.consent_services import (
    EMAIL_WORDING_VERSION,
    customer_for_unsubscribe_token,
    seed_consent,
    unsubscribe_url,
)
from freehold.customers.models import Consent, Customer
from tests.customers.builders import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

STAFF = Actor.system("test")


def email_rows(customer: Customer) -> list[tuple[bool, str, str]]:
    return list(
        Consent.objects.filter(customer=customer, purpose="email")
        .order_by("recorded_at", "id")
        .values_list("granted", "source", "wording_version")
    )


def register(client: Client, **fields: str):
    return client.post(
        "/account/register",
        {"email": "new@example.com", "password": PASSWORD, **fields},
    )


# --- Giving and changing consent ------------------------------------------------------------


def test_ticking_the_box_at_sign_up_records_the_opt_in_with_its_wording(client: Client):
    register(client, accepts_marketing="on")

    customer = Customer.objects.get(email="new@example.com")
    assert customer.accepts_marketing
    assert email_rows(customer) == [(True, "register", EMAIL_WORDING_VERSION)]


def test_an_unticked_box_at_sign_up_is_recorded_as_no(client: Client):
    register(client)

    customer = Customer.objects.get(email="new@example.com")
    assert not customer.accepts_marketing
    assert email_rows(customer) == [(False, "register", EMAIL_WORDING_VERSION)]


def profile(client: Client, customer: Customer, **fields: str):
    return client.post(
        "/account/",
        {"email": customer.email, "first_name": "", "last_name": "", **fields},
    )


def test_the_account_page_toggle_records_each_change(logged_in: Client, customer: Customer):
    profile(logged_in, customer, accepts_marketing="on")
    profile(logged_in, customer, accepts_marketing="on")  # unchanged: nothing more
    profile(logged_in, customer)

    customer.refresh_from_db()
    assert not customer.accepts_marketing
    assert email_rows(customer) == [
        (True, "account", EMAIL_WORDING_VERSION),
        (False, "account", EMAIL_WORDING_VERSION),
    ]


def test_staff_changes_are_recorded_as_staff_s_word_without_wording():
    customer = services.customer_create(
        email="phone@example.com", actor=STAFF, accepts_marketing=True
    )
    services.customer_update(customer=customer, actor=STAFF, accepts_marketing=False)

    assert email_rows(customer) == [(True, "staff", ""), (False, "staff", "")]


# --- Unsubscribing --------------------------------------------------------------------------


@pytest.fixture
def subscriber() -> Customer:
    customer = make_customer("reader@example.com")
    services.customer_update_profile(
        customer=customer,
        email=customer.email,
        first_name="",
        last_name="",
        accepts_marketing=True,
    )
    return customer


def test_the_unsubscribe_link_withdraws_at_once_without_login(subscriber: Customer):
    url = unsubscribe_url(subscriber, base_url="https://shop.example")
    assert url.startswith("https://shop.example/privacy/unsubscribe/")

    response = Client().get(url.removeprefix("https://shop.example"))

    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert "You are unsubscribed" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert response["Referrer-Policy"] == "no-referrer"
    assert not subscriber.accepts_marketing
    assert email_rows(subscriber)[-1] == (False, "unsubscribe", "")


def test_a_second_click_changes_and_records_nothing_more(subscriber: Customer):
    client = Client()
    client.get(unsubscribe_url(subscriber))
    client.get(unsubscribe_url(subscriber))

    assert [row[1] for row in email_rows(subscriber)] == ["account", "unsubscribe"]


def test_the_mail_client_s_one_click_post_needs_no_csrf_token(subscriber: Customer):
    client = Client(enforce_csrf_checks=True)

    response = client.post(unsubscribe_url(subscriber), {"List-Unsubscribe": "One-Click"})

    subscriber.refresh_from_db()
    assert response.status_code == 200
    assert not subscriber.accepts_marketing


@pytest.mark.parametrize(
    "make_token",
    [
        lambda: "garbage",
        # Signed for another purpose; made in the test, so every worker collects the same ids.
        lambda: signing.dumps(1, salt="freehold.something-else"),
    ],
    ids=["garbage", "another-purpose"],
)
def test_a_token_not_signed_for_unsubscribing_is_refused(subscriber: Customer, make_token):
    token = make_token()
    response = Client().get(f"/privacy/unsubscribe/{token}")

    subscriber.refresh_from_db()
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert subscriber.accepts_marketing


def test_a_tampered_token_names_nobody(subscriber: Customer):
    token = unsubscribe_url(subscriber).rsplit("/", 1)[1]
    value, signature = token.split(":", 1)

    assert customer_for_unsubscribe_token(token) == subscriber
    assert customer_for_unsubscribe_token(f"{value}x:{signature}") is None


# --- Demo data ------------------------------------------------------------------------------


def test_the_demo_history_agrees_with_each_customer_s_flag():
    customers = [make_customer(f"demo{number}@example.com") for number in range(60)]

    written = seed_consent(customer_ids=[customer.pk for customer in customers], batch_size=25)

    assert written == Consent.objects.count() >= 60
    for customer in Customer.objects.filter(pk__in=[c.pk for c in customers]):
        latest = (
            Consent.objects.filter(customer=customer, purpose="email")
            .order_by("-recorded_at", "-id")
            .first()
        )
        assert latest is not None and latest.granted == customer.accepts_marketing
    assert Customer.objects.filter(accepts_marketing=True).exists()
