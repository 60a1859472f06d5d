"""The storefront and the e-mails in the shopper's language, with money, dates and countries
as that language writes them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.template import engines
from django.test import Client
from django.utils import translation

from freehold.core.money import Money
from freehold.notifications import emails
from freehold.storefront.jinja import format_date_for, format_money, format_number_for
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}


def _german_shop():
    make_store_settings(name="Fjell", currency="EUR", language="de", country_code="DE")
    return make_product(title="Becher", price="29.99", stock=50, currency="EUR")


def _japanese_shop():
    make_store_settings(name="Fjell", currency="JPY", language="ja", country_code="JP")
    return make_product(title="湯呑み", price="3000", stock=5, currency="JPY")


def _add(client: Client, product) -> None:
    variant = product.variants.get()
    response = client.post("/cart/add", {"variant_id": variant.pk, "quantity": 1}, **SAME_ORIGIN)
    assert response.status_code in (200, 302, 303)


def test_babel_writes_money_as_each_language_does():
    # Given one amount, when formatted for each storefront language
    euros = Money(Decimal("1234.5"), "EUR")
    # Then each locale groups, marks decimals and places the sign its own way
    assert format_money(euros, language="en") == "€1,234.50"
    assert format_money(euros, language="de") == "1.234,50\xa0€"
    assert format_money(euros, language="fr") == "1\u202f234,50\xa0€"
    assert format_money(euros, language="es") == "1.234,50\xa0€"
    assert format_money(Money(Decimal("3000"), "JPY"), language="ja") == "￥3,000"
    assert format_money(Money(Decimal("88"), "CNY"), language="zh-hans") == "¥88.00"


def test_money_follows_the_active_language_when_none_is_given():
    with translation.override("de"):
        assert format_money(Money(Decimal("29.99"), "EUR")) == "29,99\xa0€"
    with translation.override("ja"):
        assert format_money(Money(Decimal("3000"), "JPY")) == "￥3,000"


def test_dates_and_numbers_follow_the_language():
    day = dt.date(2026, 3, 12)
    assert format_date_for(day, language="en") == "Mar 12, 2026"
    assert format_date_for(day, language="de") == "12.03.2026"
    assert format_date_for(day, "long", language="fr") == "12 mars 2026"
    assert format_date_for(day, "long", language="ja") == "2026年3月12日"
    assert format_number_for(Decimal("1234.5"), language="de") == "1.234,5"
    assert format_number_for(Decimal("1234.5"), language="en") == "1,234.5"


def test_translated_strings_still_escape_what_they_interpolate(client):
    # Given a German store, and a search for something a visitor typed
    _german_shop()

    # When the page says (in German) that nothing matches it
    html = client.get("/search", {"q": "<b>bold</b>"}).content.decode()

    # Then the value is escaped inside the translation
    assert "Keine Treffer für „&lt;b&gt;bold&lt;/b&gt;“" in html
    assert "<b>bold</b>" not in html


def test_a_translation_with_a_link_keeps_the_link_and_escapes_the_rest():
    # Given the Jinja environment, rendering a translation that carries markup
    template = engines["jinja2"].from_string(
        '{{ _("Have an account? <a href=\\"%(url)s\\">Log in</a> to see all your orders.",'
        " url=url) }}"
    )

    # When it is rendered in French with a hostile value
    with translation.override("fr"):
        html = template.render({"url": '/login?x="><script>'})

    # Then the translation's own link stays markup and the value is escaped
    assert html.startswith("Vous avez un compte ? <a href=")
    assert "&#34;&gt;&lt;script&gt;" in html and "<script>" not in html


def test_the_product_page_speaks_german_with_euro_prices(client):
    # Given a German store selling in euros
    product = _german_shop()

    # When a shopper opens a product page
    page = client.get(product.get_absolute_url()).content.decode()

    # Then the page is German: its language, its buttons, its prices
    assert '<html lang="de">' in page
    assert "In den Warenkorb" in page and "Add to cart" not in page
    assert "29,99\xa0€" in page
    assert "Auf Lager" in page
    assert "Startseite" in page  # the breadcrumb


def test_the_product_page_in_japanese_shows_whole_yen(client):
    product = _japanese_shop()

    page = client.get(product.get_absolute_url()).content.decode()

    assert '<html lang="ja">' in page
    assert "カートに追加" in page
    assert "￥3,000" in page


def test_the_cart_and_checkout_speak_german():
    # Given a German store and a shopper with a mug in the cart
    product = _german_shop()
    client = Client()
    _add(client, product)

    # When the cart and the checkout are shown
    cart = client.get("/cart").content.decode()
    checkout = client.get("/checkout").content.decode()

    # Then both are German, with German money and country names
    assert "Ihr Warenkorb" in cart and "Zwischensumme" in cart and "Zur Kasse" in cart
    assert "29,99\xa0€" in cart
    assert "Zahlungspflichtig bestellen" in checkout
    assert "Bestellübersicht" in checkout and "Rabattcode" in checkout
    assert "29,99\xa0€" in checkout
    assert ">Deutschland<" in checkout and ">Frankreich<" in checkout


def test_the_cart_in_japanese_shows_yen_and_japanese_labels():
    product = _japanese_shop()
    client = Client()
    _add(client, product)

    cart = client.get("/cart").content.decode()

    assert "小計" in cart and "ご購入手続き" in cart
    assert "￥3,000" in cart


def test_a_cart_error_is_in_the_shoppers_language():
    product = _german_shop()
    client = Client()
    _add(client, product)
    line = client.get("/cart")  # the cart exists now
    assert line.status_code == 200

    response = client.post(
        "/cart/add", {"variant_id": "abc", "quantity": 1}, follow=True, **SAME_ORIGIN
    )

    assert "Wählen Sie eine Produktvariante aus." in response.content.decode()


def test_an_order_confirmation_for_a_french_order_is_in_french(django_capture_on_commit_callbacks):
    # Given an English store and an order placed in French
    from tests.i18n.orders import make_order

    order = make_order(language="fr")

    # When its confirmation e-mail is written, from an English request
    with translation.override("en"):
        subject, text, html = emails.render(emails.ORDER_CONFIRMATION, order=order)

    # Then subject, body, labels and money are French
    assert subject.startswith(f"Commande n° {order.number} confirmée")
    assert "Merci pour votre commande" in html and "Merci pour votre commande" in text
    assert "Récapitulatif de commande" in html and "RÉCAPITULATIF DE COMMANDE" in text
    assert "Sous-total" in html and "Total" in html
    assert "24,50\xa0€" in html
    assert '<html lang="fr">' in html
    assert "Allemagne" in html  # the shipping address's country, named in French
    assert "Thank you" not in html
    # and the request's own language is untouched afterwards
    assert translation.get_language() == "en"


def test_the_confirmation_is_sent_in_the_orders_language():
    from tests.i18n.orders import make_order

    order = make_order(language="ja")

    emails.send(emails.ORDER_CONFIRMATION, order_id=order.pk)

    message = mail.outbox[-1]
    assert "ご注文ありがとうございます" in message.body
    assert message.subject.startswith("ご注文確認")
