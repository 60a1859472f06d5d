"""CCPA/CPRA: Global Privacy Control honoured and recorded once; the "Do Not Sell or Share My
Personal Information" form, without login or identity check; the 12 months before asking back."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, RequestFactory

from freehold.core.clock import frozen_at
from freehold.customers.consent import CONSENT_COOKIE, consent_state, cookie_value, parse_cookie
from freehold.customers.consent_services import (
    VISITOR_COOKIE,
    gpc_signal_record,
    sale_sharing_opt_out_active,
)
from freehold.customers.consent_views import OPT_OUT_COOKIE_MAX_AGE
from freehold.customers.models import Consent, Customer
from tests.customers.builders import make_customer
from tests.markets.conftest import markets  # noqa: F401

pytestmark = pytest.mark.django_db

GPC = {"HTTP_SEC_GPC": "1"}
NOW = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)


# --- Global Privacy Control -----------------------------------------------------------------


def test_the_gpc_header_forbids_marketing_whatever_the_cookie_says():
    request = RequestFactory().get("/", **GPC)
    request.COOKIES[CONSENT_COOKIE] = cookie_value(
        analytics=True, marketing=True, sale_sharing_opt_out=False
    )
    request.market_country = "US"

    state = consent_state(request)

    assert state.gpc and not state.allows_marketing and state.allows_analytics


def test_a_logged_in_customer_s_gpc_is_recorded_once(logged_in: Client, customer: Customer):
    logged_in.get("/account/", **GPC)
    logged_in.get("/account/orders", **GPC)
    logged_in.get("/cart", **GPC)

    row = Consent.objects.get(customer=customer)
    assert (row.purpose, row.granted, row.source) == ("sale_sharing", False, "gpc")


def test_gpc_is_not_recorded_again_in_a_new_session(customer: Customer):
    for _ in range(2):
        client = Client()
        client.force_login(customer)
        client.get("/account/", **GPC)

    assert Consent.objects.filter(customer=customer, source="gpc").count() == 1


def test_gpc_is_not_recorded_over_an_opt_out_already_made(customer: Customer):
    Consent.objects.create(
        customer=customer, purpose="sale_sharing", granted=False, source="do_not_sell"
    )

    assert gpc_signal_record(customer=customer) is None
    assert Consent.objects.filter(customer=customer).count() == 1


def test_gpc_is_recorded_again_after_the_customer_opted_back_in(customer: Customer):
    Consent.objects.create(
        customer=customer, purpose="sale_sharing", granted=True, source="do_not_sell"
    )

    assert gpc_signal_record(customer=customer) is not None


def test_an_anonymous_visitor_s_gpc_is_honoured_without_a_record(client: Client):
    client.get("/account/login", **GPC)

    assert not Consent.objects.exists()


def test_without_gpc_nothing_is_recorded(logged_in: Client):
    logged_in.get("/account/")

    assert not Consent.objects.exists()


def test_the_choices_page_says_that_gpc_is_honoured(client: Client):
    page = client.get("/privacy/choices", **GPC).content.decode()

    assert (
        "Your browser's Global Privacy Control signal is on: we do not sell or share your data."
        in page
    )
    assert 'name="marketing"' not in page


# --- Do Not Sell or Share My Personal Information -------------------------------------------


def test_the_form_needs_no_login_and_carries_a_csrf_token(client: Client):
    response = client.get("/privacy/do-not-sell")

    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="email"' in page


def test_opting_out_sets_the_cookie_for_a_year_and_more_and_records_it(client: Client):
    client.cookies[VISITOR_COOKIE] = "Vx7pQ2mN8kLr4tYw9zAb"

    response = client.post("/privacy/do-not-sell", {"action": "opt_out", "email": ""})

    assert response.status_code == 303
    assert response["Location"] == "/privacy/do-not-sell/done"
    # No banner answer yet: only the opt-out, so the banner still asks (without marketing).
    assert response.cookies[CONSENT_COOKIE].value == "s=1"
    assert response.cookies[CONSENT_COOKIE]["max-age"] == OPT_OUT_COOKIE_MAX_AGE
    row = Consent.objects.get()
    assert (row.purpose, row.granted, row.source) == ("sale_sharing", False, "do_not_sell")
    assert row.customer is None and row.visitor_id == "Vx7pQ2mN8kLr4tYw9zAb"
    assert "We do not sell or share your personal information." in (
        client.get(response["Location"]).content.decode()
    )


def test_opting_out_keeps_the_banner_answer_but_turns_marketing_off(client: Client):
    client.cookies[CONSENT_COOKIE] = cookie_value(
        analytics=True, marketing=True, sale_sharing_opt_out=False
    )

    response = client.post("/privacy/do-not-sell", {"action": "opt_out"})

    parts = parse_cookie(response.cookies[CONSENT_COOKIE].value)
    assert (parts["a"], parts["m"], parts["s"]) == ("1", "0", "1")


def test_an_e_mail_address_of_a_customer_records_the_opt_out_on_the_customer(client: Client):
    customer = make_customer("lee@example.com")

    response = client.post(
        "/privacy/do-not-sell", {"action": "opt_out", "email": " Lee@Example.com "}
    )

    assert response.status_code == 303
    assert Consent.objects.get().customer == customer
    assert sale_sharing_opt_out_active(customer)


def test_an_unknown_e_mail_address_gets_the_same_answer(client: Client):
    response = client.post("/privacy/do-not-sell", {"email": "nobody@example.com"})

    assert response.status_code == 303
    assert response["Location"] == "/privacy/do-not-sell/done"
    assert Consent.objects.get().customer is None


def test_a_malformed_e_mail_address_is_shown_next_to_the_field(client: Client):
    response = client.post("/privacy/do-not-sell", {"email": "not an address"})

    assert response.status_code == 400
    assert "Enter a valid e-mail address, or leave it empty." in response.content.decode()
    assert not Consent.objects.exists()


def test_a_logged_in_customer_s_opt_out_is_kept_on_the_account(
    logged_in: Client, customer: Customer
):
    logged_in.post("/privacy/do-not-sell", {"action": "opt_out"})

    assert Consent.objects.get().customer == customer


def test_an_opted_out_visitor_may_opt_back_in_on_their_own(logged_in: Client, customer: Customer):
    logged_in.post("/privacy/do-not-sell", {"action": "opt_out"})
    page = logged_in.get("/privacy/do-not-sell").content.decode()
    assert "Allow sale and sharing again" in page

    response = logged_in.post("/privacy/do-not-sell", {"action": "opt_in"})

    assert response["Location"] == "/privacy/choices?saved=1"
    assert response.cookies[CONSENT_COOKIE].value == "s=0"
    assert not sale_sharing_opt_out_active(customer)
    assert list(Consent.objects.values_list("granted", flat=True)) == [True, False]


def test_with_gpc_on_there_is_no_opting_back_in(client: Client):
    page = client.get("/privacy/do-not-sell", **GPC).content.decode()

    assert "Global Privacy Control signal is on" in page
    assert "Allow sale and sharing again" not in page


def test_the_opt_out_is_not_asked_back_for_twelve_months(customer: Customer):
    with frozen_at(NOW):
        Consent.objects.create(
            customer=customer,
            purpose="sale_sharing",
            granted=False,
            source="do_not_sell",
            recorded_at=NOW,
        )
    with frozen_at(NOW + dt.timedelta(days=364)):
        assert sale_sharing_opt_out_active(customer)
    with frozen_at(NOW + dt.timedelta(days=366)):
        assert not sale_sharing_opt_out_active(customer)


@pytest.mark.usefixtures("markets")
def test_the_do_not_sell_link_is_in_the_us_market_footer():
    page = Client().get("/en-us/").content.decode()

    assert "Do Not Sell or Share My Personal Information" in page
