"""The consent banner and its answers: in the cached pages of the markets that need consent,
hidden until consent.js shows it; POST /privacy/consent sets the cookie and records the proof."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from freehold.customers.consent import (
    CONSENT_COOKIE,
    COOKIE_MAX_AGE,
    WORDING_VERSION,
    cookie_value,
    parse_cookie,
)
from freehold.customers.consent_services import VISITOR_COOKIE
from freehold.customers.consent_views import OPT_OUT_COOKIE_MAX_AGE
from freehold.customers.models import Consent, Customer
from tests.markets.conftest import markets  # noqa: F401  (EU default market, US, Japan)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("markets")]

SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
FETCH = {**SAME_ORIGIN, "HTTP_X_REQUESTED_WITH": "fetch"}
VISITOR_ID = "Vx7pQ2mN8kLr4tYw9zAb"


def answer(client: Client, choice: str, **fields: str):
    return client.post("/privacy/consent", {"choice": choice, **fields}, **SAME_ORIGIN)


def cookie_of(response) -> dict[str, str]:
    return parse_cookie(response.cookies[CONSENT_COOKIE].value)


def banner(html: str) -> str:
    found = re.search(r'<section id="consent-banner".*?</section>', html, re.S)
    return found.group(0) if found else ""


# --- In every page of a market that needs consent, the same for everyone -------------------


def test_the_banner_is_in_the_cached_page_hidden_and_the_same_for_every_visitor(customer: Customer):
    first = Client().get("/de-de/")
    answered = Client()
    answered.cookies[CONSENT_COOKIE] = cookie_value(
        analytics=True, marketing=True, sale_sharing_opt_out=False
    )
    second = answered.get("/de-de/")
    logged_in = Client()
    logged_in.force_login(customer)
    third = logged_in.get("/de-de/")

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit" and third["X-Page-Cache"] == "hit"
    assert first.content == second.content == third.content
    section = banner(first.content.decode())
    assert section.startswith('<section id="consent-banner"') and " hidden>" in section
    assert f'data-version="{WORDING_VERSION}"' in section
    assert 'action="/de-de/privacy/consent"' in section
    assert "csrfmiddlewaretoken" not in section
    assert "/static/storefront/consent.js" in first.content.decode()


def test_the_three_buttons_have_one_size_and_one_style():
    section = banner(Client().get("/").content.decode())

    buttons = re.findall(r"<button ([^>]*)>([^<]*)</button>", section)
    labels = [label for _, label in buttons]
    assert labels[:3] == ["Accept all", "Reject all", "Choose"]
    classes = {re.search(r'class="([^"]*)"', attributes).group(1) for attributes, _ in buttons}
    assert classes == {"button consent-button"}
    assert 'name="analytics"' in section and 'name="marketing"' in section


def test_where_consent_is_not_required_first_there_is_no_banner_but_the_footer_links():
    page = Client().get("/en-us/").content.decode()

    assert 'id="consent-banner"' not in page
    assert 'href="/en-us/privacy/choices"' in page
    assert 'href="/en-us/privacy/do-not-sell"' in page


def test_every_page_links_the_privacy_choices_and_do_not_sell():
    page = Client().get("/").content.decode()

    assert '<a href="/privacy/choices">Privacy choices</a>' in page
    assert '<a href="/privacy/do-not-sell">Do Not Sell or Share My Personal Information</a>' in page


# --- Answers --------------------------------------------------------------------------------


def test_accept_all_sets_the_cookie_and_records_both_purposes():
    client = Client()
    client.cookies[VISITOR_COOKIE] = VISITOR_ID

    response = answer(client, "accept", next="/de-de/products/wool-coat")

    assert response.status_code == 303
    assert response["Location"] == "/de-de/products/wool-coat"
    assert response["Cache-Control"] == "private, no-store"
    assert cookie_of(response) == {"a": "1", "m": "1", "s": "0", "v": WORDING_VERSION}
    cookie = response.cookies[CONSENT_COOKIE]
    assert cookie["max-age"] == COOKIE_MAX_AGE and cookie["samesite"] == "Lax"
    assert not cookie["httponly"]  # consent.js reads it to decide whether to ask
    rows = {row.purpose: row for row in Consent.objects.all()}
    assert set(rows) == {"analytics", "marketing"}
    assert all(row.granted for row in rows.values())
    assert {row.source for row in rows.values()} == {"banner"}
    assert {row.wording_version for row in rows.values()} == {WORDING_VERSION}
    assert {row.visitor_id for row in rows.values()} == {VISITOR_ID}
    assert {row.customer_id for row in rows.values()} == {None}


def test_reject_all_sets_the_cookie_records_refusals_and_drops_the_visitor_id():
    client = Client()
    client.cookies[VISITOR_COOKIE] = VISITOR_ID

    response = answer(client, "reject")

    assert response.status_code == 303 and response["Location"] == "/"
    assert cookie_of(response) == {"a": "0", "m": "0", "s": "0", "v": WORDING_VERSION}
    assert sorted(Consent.objects.values_list("purpose", "granted")) == [
        ("analytics", False),
        ("marketing", False),
    ]
    assert response.cookies[VISITOR_COOKIE]["max-age"] == 0


def test_choose_records_exactly_what_was_ticked():
    response = answer(Client(), "custom", analytics="on")

    assert cookie_of(response)["a"] == "1" and cookie_of(response)["m"] == "0"
    assert sorted(Consent.objects.values_list("purpose", "granted")) == [
        ("analytics", True),
        ("marketing", False),
    ]


def test_the_script_gets_204_and_the_cookie():
    response = Client().post("/privacy/consent", {"choice": "reject"}, **FETCH)

    assert response.status_code == 204
    assert cookie_of(response)["a"] == "0"


def test_a_logged_in_customer_s_answer_is_recorded_on_the_customer(logged_in, customer):
    answer(logged_in, "accept")

    assert Consent.objects.filter(customer=customer).count() == 2


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/path", "javascript:alert(1)"]
)
def test_the_way_back_never_leaves_the_store(next_url: str):
    response = answer(Client(), "accept", next=next_url)

    assert response["Location"] == "/"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_REFERER": "https://evil.example/page"},
        {},  # no evidence at all
    ],
)
def test_a_cross_origin_answer_is_refused_and_nothing_is_recorded(headers):
    response = Client().post("/privacy/consent", {"choice": "accept"}, **headers)

    assert response.status_code == 403
    assert CONSENT_COOKIE not in response.cookies
    assert not Consent.objects.exists()


def test_an_unknown_choice_is_refused():
    response = answer(Client(), "maybe")

    assert response.status_code == 400
    assert not Consent.objects.exists()


def test_get_is_not_an_answer():
    assert Client().get("/privacy/consent").status_code == 405


# --- The wording version and the privacy choices page ----------------------------------------


def test_an_answer_to_an_older_wording_counts_as_unanswered():
    old = cookie_value(analytics=True, marketing=True, sale_sharing_opt_out=False).replace(
        f"v={WORDING_VERSION}", "v=2020-01"
    )
    client = Client()
    client.cookies[CONSENT_COOKIE] = old

    page = client.get("/privacy/choices").content.decode()

    # Germany needs consent first: unanswered means both boxes empty.
    assert re.search(r'name="analytics" value="on">', page)
    assert re.search(r'name="marketing" value="on">', page)


def test_the_choices_page_shows_the_current_answer_and_is_private():
    client = Client()
    client.cookies[CONSENT_COOKIE] = cookie_value(
        analytics=True, marketing=False, sale_sharing_opt_out=False
    )

    response = client.get("/privacy/choices")

    page = response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert 'id="privacy-choices"' in page
    assert 'name="analytics" value="on" checked>' in page
    assert 'name="marketing" value="on">' in page
    assert 'name="next" value="/privacy/choices?saved=1"' in page


def test_where_consent_is_not_required_the_choices_page_shows_the_defaults_on():
    page = Client().get("/en-us/privacy/choices").content.decode()

    assert 'name="analytics" value="on" checked>' in page
    assert 'name="marketing" value="on" checked>' in page


def test_saving_from_the_choices_page_without_javascript_comes_back_with_a_notice():
    client = Client()

    response = answer(client, "custom", next="/privacy/choices?saved=1")
    page = client.get(response["Location"]).content.decode()

    assert response["Location"] == "/privacy/choices?saved=1"
    assert "Your choices are saved." in page
    assert 'name="analytics" value="on">' in page


def test_the_choices_page_speaks_the_market_language():
    page = Client().get("/de-de/privacy/choices").content.decode()

    assert "Alle ablehnen" in page and "Alle akzeptieren" in page


# --- A Do Not Sell opt-out is not asked back ----------------------------------------------


def test_after_do_not_sell_accept_all_does_not_turn_marketing_back_on():
    client = Client()
    client.cookies[CONSENT_COOKIE] = "s=1"

    response = answer(client, "accept")

    assert cookie_of(response) == {"a": "1", "m": "0", "s": "1", "v": WORDING_VERSION}
    assert response.cookies[CONSENT_COOKIE]["max-age"] == OPT_OUT_COOKIE_MAX_AGE
    assert Consent.objects.get(purpose="marketing").granted is False


def test_a_customer_who_opted_out_on_another_device_is_not_asked_back(logged_in, customer):
    Consent.objects.create(
        customer=customer, purpose="sale_sharing", granted=False, source="do_not_sell"
    )

    response = answer(logged_in, "accept")

    assert cookie_of(response)["m"] == "0" and cookie_of(response)["s"] == "1"


def test_with_global_privacy_control_marketing_is_never_granted():
    response = Client().post(
        "/privacy/consent", {"choice": "accept"}, HTTP_SEC_GPC="1", **SAME_ORIGIN
    )

    assert cookie_of(response)["m"] == "0"
    assert Consent.objects.get(purpose="marketing").granted is False
