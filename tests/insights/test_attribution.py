"""Channels and touches: pure functions, a table each."""

from __future__ import annotations

import pytest

from freehold.insights.attribution import (
    Channel,
    Journey,
    Touch,
    classify_channel,
    order_fields,
    touch_from,
)


@pytest.mark.parametrize(
    ("source", "medium", "referrer_host", "click_ids", "channel"),
    [
        ("", "", "", [], Channel.DIRECT),
        ("google", "cpc", "", [], Channel.PAID_SEARCH),
        ("bing", "ppc", "www.bing.com", [], Channel.PAID_SEARCH),
        ("", "", "www.google.com", ["gclid"], Channel.PAID_SEARCH),
        ("", "", "", ["msclkid"], Channel.PAID_SEARCH),
        ("facebook", "cpc", "", [], Channel.PAID_SOCIAL),
        ("instagram", "paid", "", [], Channel.PAID_SOCIAL),
        ("", "", "l.facebook.com", ["fbclid"], Channel.PAID_SOCIAL),
        ("", "", "", ["ttclid"], Channel.PAID_SOCIAL),
        ("tiktok", "paid_social", "", [], Channel.PAID_SOCIAL),
        ("", "", "www.google.de", [], Channel.ORGANIC_SEARCH),
        ("", "", "duckduckgo.com", [], Channel.ORGANIC_SEARCH),
        ("", "", "search.yahoo.com", [], Channel.ORGANIC_SEARCH),
        ("", "", "www.baidu.com", [], Channel.ORGANIC_SEARCH),
        ("", "", "yandex.ru", [], Channel.ORGANIC_SEARCH),
        ("", "", "www.instagram.com", [], Channel.ORGANIC_SOCIAL),
        ("", "", "t.co", [], Channel.ORGANIC_SOCIAL),
        ("", "", "www.reddit.com", [], Channel.ORGANIC_SOCIAL),
        ("", "", "www.youtube.com", [], Channel.ORGANIC_SOCIAL),
        ("pinterest", "social", "", [], Channel.ORGANIC_SOCIAL),
        ("linkedin", "", "", [], Channel.ORGANIC_SOCIAL),
        ("newsletter", "email", "", [], Channel.EMAIL),
        ("mailchimp", "newsletter", "mail.google.com", [], Channel.EMAIL),
        ("partner-blog", "affiliate", "", [], Channel.AFFILIATE),
        ("", "", "blog.example.org", [], Channel.REFERRAL),
        ("podcast", "audio", "", [], Channel.REFERRAL),
        # a paid click id wins over a newsletter's parameters (the click was paid)
        ("newsletter", "email", "", ["gclid"], Channel.PAID_SEARCH),
    ],
)
def test_classify_channel(source, medium, referrer_host, click_ids, channel):
    assert classify_channel(source, medium, referrer_host, click_ids) == channel


def test_a_landing_with_utm_parameters_is_a_touch_with_only_the_tracking_parameters_kept():
    touch = touch_from(
        url="/products/mug?colour=blue&utm_source=newsletter&utm_medium=email&utm_campaign=nov",
        referrer="",
        own_host="shop.example.com",
    )

    assert touch is not None
    assert touch.channel == Channel.EMAIL
    assert (touch.source, touch.medium, touch.campaign) == ("newsletter", "email", "nov")
    assert touch.landing_page == (
        "/products/mug?utm_source=newsletter&utm_medium=email&utm_campaign=nov"
    )


def test_a_page_reached_from_the_store_itself_is_no_landing():
    assert (
        touch_from(
            url="/cart",
            referrer="https://shop.example.com/products/mug",
            own_host="shop.example.com",
        )
        is None
    )


def test_another_sites_link_is_a_referral_touch_with_its_host():
    touch = touch_from(url="/", referrer="https://blog.example.org/", own_host="shop.example.com")

    assert touch is not None
    assert touch.channel == Channel.REFERRAL
    assert touch.referrer_host == "blog.example.org"
    assert touch.reported_source == "blog.example.org"


def test_a_direct_return_keeps_the_last_campaign_and_a_new_campaign_replaces_it():
    email = Touch(channel=Channel.EMAIL, source="newsletter", medium="email")
    search = Touch(channel=Channel.ORGANIC_SEARCH, referrer_host="www.google.com")
    journey = Journey(first=email, last=email)

    assert journey.with_landing(Touch()) == journey
    assert journey.with_landing(search) == Journey(first=email, last=search)


def test_order_fields_take_the_last_touch_and_drop_click_ids_without_marketing_consent():
    paid = touch_from(
        url="/?utm_source=google&utm_medium=cpc&gclid=abc123", referrer="", own_host="shop"
    )
    assert paid is not None
    journey = Journey(first=Touch(channel=Channel.EMAIL, source="newsletter"), last=paid)

    kept = order_fields(journey, keep_click_ids=True, visitor_id="v1")
    dropped = order_fields(journey, keep_click_ids=False)

    assert kept["gclid"] == "abc123" and kept["visitor_id"] == "v1"
    assert kept["utm_source"] == "google" and kept["last_touch_channel"] == Channel.PAID_SEARCH
    assert kept["first_touch_channel"] == Channel.EMAIL
    assert dropped["gclid"] == "" and "gclid" not in dropped["landing_page"]
    assert dropped["last_touch_channel"] == Channel.PAID_SEARCH
