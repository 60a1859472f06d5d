"""The Translations pages of products, collections, content pages and menus: one form per
language, the default text for reference, a state per language, errors naming the field, and
the area's permission on every page and POST."""

from __future__ import annotations

import pytest
from django.urls import reverse

from freehold.catalog import services
from freehold.catalog.models import (
    CollectionTranslation,
    ProductOptionTranslation,
    ProductTranslation,
)
from freehold.core.models import AuditEvent
from freehold.markets.pricing import forget_rates
from freehold.storefront.models import MenuItem, MenuItemTranslation, PageTranslation
from tests.factories import make_collection, make_menu, make_page, make_product
from tests.storefront.helpers import html
from tests.translation_helpers import make_eu_store

pytestmark = pytest.mark.django_db


@pytest.fixture
def eu(db):
    market = make_eu_store()
    yield market
    forget_rates()


@pytest.fixture
def coat(eu):
    return make_product(
        title="Wool Coat",
        currency="EUR",
        description_html="<p>Boiled wool.</p>",
        options={"Size": ["S", "M"]},
    )


def product_url(product) -> str:
    return reverse("dashboard:product-translations", args=[product.pk])


def test_the_product_page_shows_a_form_per_language_with_the_default_text(owner_client, coat):
    services.product_translation_save(product=coat, language="de", data={"title": "Wollmantel"})

    response = owner_client.get(product_url(coat))

    assert response.status_code == 200
    page = html(response)
    assert page.find("input", name="de-title")["value"] == "Wollmantel"
    assert page.find("input", name="fr-title").get("value", "") == ""
    assert "Default: Wool Coat" in page.text
    assert "Default: Boiled wool." in page.text
    assert page.find("span", **{"data-state": "partly"}) is not None
    assert page.find("span", **{"data-state": "missing"}) is not None
    assert 'href="/de-de/products/wool-coat"' in page.text
    # Languages no market speaks come after the spoken ones, and say so.
    assert page.text.index('id="language-fr"') < page.text.index('id="language-ja"')
    assert "No market speaks this language yet" in page.text


def test_saving_a_language_writes_the_translation_and_options_and_audits(owner_client, coat):
    size = coat.options.get()
    option = f"option-{size.pk}"

    response = owner_client.post(
        product_url(coat),
        {
            "language": "de",
            "de-title": "Wollmantel",
            "de-description_html": "<p>Gekochte Wolle.</p><script>x()</script>",
            "de-seo_title": "",
            "de-seo_description": "Lang.",
            f"de-{option}-name": "Größe",
            f"de-{option}-value-0": "Klein",
            f"de-{option}-value-1": "",
        },
    )

    assert response.status_code == 302
    assert response["Location"].endswith("#language-de")
    row = ProductTranslation.objects.get(product=coat, language="de")
    assert (row.title, row.description_html, row.seo_description) == (
        "Wollmantel",
        "<p>Gekochte Wolle.</p>",
        "Lang.",
    )
    option_row = ProductOptionTranslation.objects.get(option=size, language="de")
    assert (option_row.name, option_row.values) == ("Größe", ["Klein", ""])
    assert AuditEvent.objects.filter(verb="product.translated", actor_kind="staff").exists()
    page = html(owner_client.get(product_url(coat)))
    assert page.find("input", name=f"de-{option}-value-0")["value"] == "Klein"


def test_a_too_long_title_is_refused_naming_the_field_and_kept(owner_client, coat):
    response = owner_client.post(
        product_url(coat), {"language": "fr", "fr-title": "M" * 300, "fr-seo_title": "Manteau"}
    )

    assert response.status_code == 400
    assert "Title: Ensure this value has at most 255 characters" in response.content.decode()
    assert html(response).find("input", name="fr-seo_title")["value"] == "Manteau"
    assert not ProductTranslation.objects.exists()


def test_the_store_language_or_an_unknown_one_is_refused(owner_client, coat):
    for language in ("en", "xx"):
        response = owner_client.post(
            product_url(coat), {"language": language, f"{language}-title": "Coat"}
        )

        assert response.status_code == 400
    assert not ProductTranslation.objects.exists()


def test_collections_pages_and_menus_have_translations_too(owner_client, eu):
    outerwear = make_collection(title="Outerwear")
    about = make_page(handle="about", title="About us")
    make_menu("main", [("Shop all", "/collections/all")])
    item = MenuItem.objects.get()

    answers = [
        owner_client.post(
            reverse("dashboard:collection-translations", args=[outerwear.pk]),
            {"language": "de", "de-title": "Oberbekleidung"},
        ),
        owner_client.post(
            reverse("dashboard:settings-page-translations", args=[about.pk]),
            {"language": "fr", "fr-title": "À propos", "fr-body_html": "<p>Nous.</p>"},
        ),
        owner_client.post(
            reverse("dashboard:settings-navigation-translations"),
            {"language": "de", f"de-item-{item.pk}": "Alle Produkte"},
        ),
    ]

    assert [answer.status_code for answer in answers] == [302, 302, 302]
    assert CollectionTranslation.objects.get().title == "Oberbekleidung"
    assert PageTranslation.objects.get().body_html == "<p>Nous.</p>"
    assert MenuItemTranslation.objects.get().title == "Alle Produkte"
    navigation = html(owner_client.get(reverse("dashboard:settings-navigation-translations")))
    assert navigation.find("input", name=f"de-item-{item.pk}")["value"] == "Alle Produkte"
    assert navigation.find("span", **{"data-state": "translated"}) is not None


def test_the_edit_pages_link_to_their_translations(owner_client, coat):
    outerwear = make_collection(title="Outerwear")
    about = make_page(handle="about", title="About us")

    for edit, translations in [
        (
            reverse("dashboard:product-edit", args=[coat.pk]),
            product_url(coat),
        ),
        (
            reverse("dashboard:collection-edit", args=[outerwear.pk]),
            reverse("dashboard:collection-translations", args=[outerwear.pk]),
        ),
        (
            reverse("dashboard:settings-page", args=[about.pk]),
            reverse("dashboard:settings-page-translations", args=[about.pk]),
        ),
        (
            reverse("dashboard:settings-navigation"),
            reverse("dashboard:settings-navigation-translations"),
        ),
    ]:
        assert f'href="{translations}"' in owner_client.get(edit).content.decode(), edit


def test_staff_without_the_area_get_403_on_every_page_and_post(staff_client_with, coat):
    outerwear = make_collection(title="Outerwear")
    about = make_page(handle="about", title="About us")
    settings_only = staff_client_with("settings")
    products_only = staff_client_with("products")
    catalog_urls = [
        product_url(coat),
        reverse("dashboard:collection-translations", args=[outerwear.pk]),
    ]
    store_urls = [
        reverse("dashboard:settings-page-translations", args=[about.pk]),
        reverse("dashboard:settings-navigation-translations"),
    ]

    for client, urls in ((settings_only, catalog_urls), (products_only, store_urls)):
        for url in urls:
            assert client.get(url).status_code == 403, url
            assert client.post(url, {"language": "de", "de-title": "X"}).status_code == 403
    assert products_only.get(catalog_urls[0]).status_code == 200
    assert settings_only.get(store_urls[0]).status_code == 200
    assert not ProductTranslation.objects.exists()
    assert not PageTranslation.objects.exists()
