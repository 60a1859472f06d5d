"""A shopper's market comes from the URL prefix, then their chosen cookie; Accept-Language only
suggests. Anything unknown falls back to the default market by a redirect, never an error."""

from __future__ import annotations

import json
import re

import pytest

from freehold.markets import resolution
from tests.checkout.test_views import SAME_ORIGIN
from tests.factories import make_product

pytestmark = pytest.mark.django_db


@pytest.fixture
def coat(markets):
    return make_product(title="Wool Coat", price="119.00", currency="EUR")


def test_a_prefixed_url_shows_the_market_language_and_keeps_links_in_it(client, coat):
    response = client.get("/en-us/products/wool-coat")

    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    page = response.content.decode()
    assert 'href="/en-us/cart"' in page
    assert 'href="/en-us/products/wool-coat"' in page or "/en-us/products/wool-coat" in page
    assert '<link rel="canonical" href="http://testserver/en-us/products/wool-coat">' in page


def test_the_default_market_has_no_prefix_and_its_prefixed_spelling_redirects(client, coat):
    assert client.get("/products/wool-coat").status_code == 200

    response = client.get("/en-de/products/wool-coat?variant=1")

    assert response.status_code == 301
    assert response["Location"] == "/products/wool-coat?variant=1"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/xx-zz/products/wool-coat", "/products/wool-coat"),  # no such country
        ("/de-qq/products/wool-coat", "/products/wool-coat"),
        ("/ja-de/products/wool-coat", "/products/wool-coat"),  # Japanese is not spoken in the EU
        ("/ja-fr/products/wool-coat", "/en-fr/products/wool-coat"),
        ("/es-jp/products/wool-coat", "/ja-jp/products/wool-coat"),
    ],
)
def test_an_unknown_country_or_language_falls_back_by_a_redirect(client, coat, path, expected):
    response = client.get(path)

    assert response.status_code in (301, 302)
    assert response["Location"] == expected
    assert client.get(expected).status_code == 200


def test_a_country_no_market_lists_is_served_by_the_default_market(client, coat):
    # Brazil: no market lists it and there is no rest-of-the-world market.
    response = client.get("/en-br/products/wool-coat")

    assert response.status_code == 200
    assert "€" in response.content.decode()


def test_the_chosen_market_in_a_cookie_sends_unprefixed_urls_to_it(client, coat):
    client.cookies[resolution.COOKIE_NAME] = "ja-jp"

    response = client.get("/products/wool-coat?utm_source=ad")

    assert response.status_code == 302
    assert response["Location"] == "/ja-jp/products/wool-coat?utm_source=ad"


def test_a_cookie_naming_a_market_that_is_gone_is_dropped(client, coat):
    client.cookies[resolution.COOKIE_NAME] = "pt-qq"
    first = client.get("/products/wool-coat")
    assert first["Location"] == "/pt-qq/products/wool-coat"

    second = client.get(first["Location"])

    assert second.status_code == 302
    assert second["Location"] == "/products/wool-coat"
    assert second.cookies[resolution.COOKIE_NAME]["max-age"] == 0


def test_a_malformed_cookie_is_ignored(client, coat):
    client.cookies[resolution.COOKIE_NAME] = "<script>"

    assert client.get("/products/wool-coat").status_code == 200


def test_the_selector_remembers_the_choice_and_returns_to_the_same_page(client, coat):
    response = client.post(
        "/market",
        {"country": "US", "language": "es", "next": "/en-us/products/wool-coat"},
        **SAME_ORIGIN,
    )

    assert response.status_code == 303
    assert response["Location"] == "/es-us/products/wool-coat"
    assert response.cookies[resolution.COOKIE_NAME].value == "es-us"
    assert response.cookies[resolution.COOKIE_NAME]["httponly"]


def test_the_selector_back_to_the_default_market_clears_the_prefix(client, coat):
    response = client.post(
        "/ja-jp/market", {"country": "DE", "language": "en", "next": "/cart"}, **SAME_ORIGIN
    )

    assert response["Location"] == "/cart"
    assert response.cookies[resolution.COOKIE_NAME].value == ""


@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:x"])
def test_the_selector_never_redirects_off_the_site(client, coat, next_url):
    response = client.post(
        "/market", {"country": "JP", "language": "ja", "next": next_url}, **SAME_ORIGIN
    )

    assert response["Location"] == "/ja-jp/"


def test_the_selector_keeps_the_shoppers_language_where_the_market_speaks_it(client, coat):
    response = client.post("/market", {"country": "JP", "next": "/cart"}, **SAME_ORIGIN)

    assert response["Location"] == "/en-jp/cart"


def test_the_selector_refuses_a_cross_site_post(client, coat):
    response = client.post("/market", {"country": "JP"}, HTTP_ORIGIN="https://evil.example")

    assert response.status_code == 403


def test_an_unknown_country_in_the_selector_falls_back_to_the_default(client, coat):
    response = client.post("/market", {"country": "ZZ", "next": "/cart"}, **SAME_ORIGIN)

    assert response.status_code == 303
    assert response["Location"] == "/cart"


def test_accept_language_suggests_a_market_without_moving_the_shopper(client, coat):
    page = client.get("/products/wool-coat", HTTP_ACCEPT_LANGUAGE="ja-JP,ja;q=0.9,en;q=0.5")
    assert page.status_code == 200  # no redirect: the suggestion is only offered

    response = client.get(
        "/market/suggest?current=&path=/products/wool-coat",
        HTTP_ACCEPT_LANGUAGE="ja-JP,ja;q=0.9,en;q=0.5",
    )

    data = json.loads(response.content)
    assert data["url"] == "/ja-jp/products/wool-coat"
    assert (data["country"], data["language"]) == ("JP", "ja")
    assert response["Cache-Control"] == "private, no-store"


def test_no_suggestion_for_the_default_market_or_after_a_choice(client, coat):
    default = client.get("/market/suggest?current=", HTTP_ACCEPT_LANGUAGE="en-DE")
    client.cookies[resolution.COOKIE_NAME] = ""
    chosen = client.get("/market/suggest?current=", HTTP_ACCEPT_LANGUAGE="ja-JP")

    assert default.status_code == 204
    assert chosen.status_code == 204


def test_pages_name_their_alternates_in_every_market_and_language(client, coat):
    page = client.get("/products/wool-coat").content.decode()

    alternates = dict(re.findall(r'hreflang="([^"]+)" href="([^"]+)"', page))
    assert alternates["en-DE"] == "http://testserver/products/wool-coat"
    assert alternates["de-DE"] == "http://testserver/de-de/products/wool-coat"
    assert alternates["ja-JP"] == "http://testserver/ja-jp/products/wool-coat"
    assert alternates["es-US"] == "http://testserver/es-us/products/wool-coat"
    assert alternates["x-default"] == "http://testserver/products/wool-coat"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", [("de", "DE"), ("de", ""), ("en", "")]),
        ("en;q=0.5, fr-CA", [("fr", "CA"), ("en", "")]),
        ("zh-CN,zh;q=0.9", [("zh-hans", "CN"), ("zh-hans", "")]),
        ("zh-Hant-TW", [("zh", "TW")]),
        ("*, x;q=bad, en-GB;q=0", []),
        ("", []),
    ],
)
def test_accept_language_is_read_by_quality(header, expected):
    assert resolution.parse_accept_language(header) == expected


def test_the_sitemap_indexes_one_sitemap_per_market_and_language(client, coat):
    index = client.get("/sitemap.xml").content.decode()

    locations = re.findall(r"<loc>([^<]+)</loc>", index)
    assert "http://testserver/sitemap-urls.xml" in locations
    assert "http://testserver/de-de/sitemap-urls.xml" in locations
    assert "http://testserver/ja-jp/sitemap-urls.xml" in locations
    german = client.get("/de-de/sitemap-urls.xml").content.decode()
    assert "http://testserver/de-de/products/wool-coat" in german
    assert "http://testserver/de-de/collections/all" in german
    default = client.get("/sitemap-urls.xml").content.decode()
    assert "http://testserver/products/wool-coat" in default


def test_no_suggestion_when_it_would_change_neither_market_nor_language(client, coat):
    # Austria is in the default market, and English is its language: nothing to offer.
    response = client.get("/market/suggest?current=", HTTP_ACCEPT_LANGUAGE="en-AT,en;q=0.9")

    assert response.status_code == 204
