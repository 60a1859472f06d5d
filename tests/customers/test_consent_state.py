"""Reading a visitor's consent: cookie, wording version, country, Global Privacy Control."""

from __future__ import annotations

from django.test import RequestFactory

from freehold.customers.consent import (
    CONSENT_COOKIE,
    WORDING_VERSION,
    consent_state,
    cookie_value,
    parse_cookie,
)


def request(*, cookie: str = "", country: str = "", gpc: bool = False):
    headers = {"HTTP_SEC_GPC": "1"} if gpc else {}
    made = RequestFactory().get("/", **headers)
    if cookie:
        made.COOKIES[CONSENT_COOKIE] = cookie
    made.market_country = country
    return made


def test_nothing_is_allowed_before_an_answer_where_consent_is_required():
    state = consent_state(request(country="DE"))

    assert not state.answered
    assert not state.allows_analytics and not state.allows_marketing


def test_elsewhere_both_are_allowed_until_the_visitor_says_no():
    assert consent_state(request(country="US")).allows_analytics
    assert consent_state(request(country="US")).allows_marketing
    refused = cookie_value(analytics=False, marketing=False, sale_sharing_opt_out=False)
    assert not consent_state(request(cookie=refused, country="US")).allows_analytics


def test_an_unknown_country_is_treated_as_needing_consent():
    assert not consent_state(request()).allows_analytics


def test_the_answer_in_the_cookie_is_what_counts():
    given = cookie_value(analytics=True, marketing=False, sale_sharing_opt_out=False)

    state = consent_state(request(cookie=given, country="FR"))

    assert state.answered and state.allows_analytics and not state.allows_marketing


def test_an_answer_to_older_wording_counts_as_no_answer():
    old = cookie_value(analytics=True, marketing=True, sale_sharing_opt_out=False).replace(
        WORDING_VERSION, "2020-01"
    )

    assert not consent_state(request(cookie=old, country="FR")).answered


def test_global_privacy_control_stops_sale_and_sharing_whatever_the_banner_said():
    given = cookie_value(analytics=True, marketing=True, sale_sharing_opt_out=False)

    state = consent_state(request(cookie=given, country="US", gpc=True))

    assert state.gpc and state.sale_sharing_opt_out
    assert not state.allows_marketing
    assert state.allows_analytics


def test_a_malformed_cookie_reads_as_unanswered():
    assert parse_cookie("a=1&zzz&m=" + "9" * 40) == {"a": "1"}
    assert not consent_state(request(cookie="garbage", country="DE")).answered
