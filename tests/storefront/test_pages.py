"""Every storefront page renders what a shopper needs, with the store's frame around it."""

import datetime as dt

import pytest

from freehold.catalog.models import Product
from freehold.core import clock
from tests.factories import (
    feature_collections,
    make_collection,
    make_media_image,
    make_page,
    make_product,
    make_store_settings,
)
from tests.storefront.helpers import html

pytestmark = pytest.mark.django_db


def test_home_shows_hero_featured_collections_and_tagline(client, store):
    shirt = make_product(title="Linen Shirt", price="49.00", images=1)
    mug = make_product(title="Stoneware Mug", price="18.00")
    summer = make_collection(title="Summer Edit", products=[shirt, mug])
    feature_collections(summer)
    make_store_settings(
        hero_title="Made to last",
        hero_subtitle="Natural materials, honest prices.",
        hero_cta_label="Shop now",
        hero_cta_url="/collections/summer-edit",
        hero_image=make_media_image(),
    )

    response = client.get("/")

    assert response.status_code == 200
    page = html(response)
    assert "Made to last" in page.text
    assert "Natural materials, honest prices." in page.text
    assert page.find("a", href="/collections/summer-edit", class_="button button-hero")
    assert "Summer Edit" in page.text
    assert "Linen Shirt" in page.text and "$49.00" in page.text
    assert "Everyday goods, made slowly." in page.text
    hero = page.find("img", class_="hero-media")
    assert hero is not None and hero["fetchpriority"] == "high" and hero["loading"] == "eager"


def test_home_shows_only_the_configured_number_of_products_per_collection(client, store):
    products = [make_product(title=f"Item {n:02d}") for n in range(6)]
    feature_collections(make_collection(title="Everything", products=products))
    make_store_settings(featured_products_per_collection=3)

    page = html(client.get("/"))

    assert [p for p in (f"Item {n:02d}" for n in range(6)) if p in page.text] == [
        "Item 00",
        "Item 01",
        "Item 02",
    ]


def test_home_without_featured_collections_shows_new_arrivals(client, store):
    make_product(title="First Thing")

    response = client.get("/")

    assert "New arrivals" in response.content.decode()
    assert "First Thing" in response.content.decode()


def test_layout_has_landmarks_skip_link_search_menus_and_identity(client, store):
    page = html(client.get("/"))

    assert page.find("html", lang="en")
    assert page.find("a", class_="skip-link", href="#main")
    assert page.find("main", id="main")
    assert page.find("header", class_="site-header") and page.find("footer", class_="site-footer")
    search = page.find("form", role="search")
    assert search is not None and search["action"] == "/search" and search["method"] == "get"
    assert page.find("label", for_="search-input")
    assert page.find("a", href="/collections/all")  # main menu
    assert page.find("a", href="/pages/shipping")  # footer menu
    assert page.find("a", href="https://instagram.com/fjell")
    assert "Fjell &amp; Co GmbH" in page.text and "10119 Berlin" in page.text
    stylesheets = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    assert any(href.startswith("/theme.css?v=") for href in stylesheets)
    assert "style=" not in page.text and "<style" not in page.text


def test_announcement_bar_shows_only_when_enabled(client, store):
    make_store_settings(announcement_enabled=False, announcement_text="Free shipping")
    assert "Free shipping" not in client.get("/").content.decode()

    make_store_settings(announcement_enabled=True)
    assert "Free shipping" in client.get("/").content.decode()


def test_logo_replaces_the_store_name_in_the_header(client, store):
    make_store_settings(logo=make_media_image(width=300, height=80, alt="Fjell logo"))

    page = html(client.get("/"))

    logo = page.find("img", class_="brand-logo")
    assert logo is not None and logo["alt"] == "Fjell & Co"
    assert logo["width"] == "300" and logo["height"] == "80"


def test_imprint_is_linked_from_every_page(client, store):
    product = make_product(title="Linen Shirt")
    make_collection(title="Summer", products=[product])
    make_page(handle="about", title="About us", body_html="<p>Hello</p>")
    paths = [
        "/",
        "/collections/summer",
        "/collections/all",
        product.get_absolute_url(),
        "/search?q=linen",
        "/pages/about",
        "/legal/imprint",
        "/no-such-page",
    ]

    for path in paths:
        response = client.get(path)
        assert html(response).find("a", href="/legal/imprint"), path


def test_imprint_shows_the_full_business_identity(client, store):
    text = client.get("/legal/imprint").content.decode()

    for expected in (
        "Fjell &amp; Co GmbH",
        "GmbH",
        "Ingrid Fjell",
        "Torstraße 12",
        "10119 Berlin",
        "Germany",
        "hello@fjell.example",
        "+49 30 1234567",
        "Amtsgericht Charlottenburg",
        "HRB 123456 B",
        "DE123456789",
    ):
        assert expected in text, expected


def test_content_page_renders_its_body(client, store):
    make_page(
        handle="about", title="About us", body_html="<p>We started in <strong>Berlin</strong>.</p>"
    )

    response = client.get("/pages/about")

    assert response.status_code == 200
    assert "<h1>About us</h1>" in response.content.decode()
    assert "<strong>Berlin</strong>" in response.content.decode()


def test_contact_page_shows_the_business_identity(client, store):
    make_page(
        handle="contact", title="Contact", template="contact", body_html="<p>Write to us.</p>"
    )

    text = client.get("/pages/contact").content.decode()

    assert "Write to us." in text
    assert 'href="mailto:hello@fjell.example"' in text
    assert "+49 30 1234567" in text and "Torstraße 12" in text


def test_unpublished_page_is_not_found(client, store):
    make_page(handle="draft", title="Draft", is_published=False)

    assert client.get("/pages/draft").status_code == 404


def test_unknown_addresses_get_the_themed_404(client, store):
    for path in ("/products/nope", "/collections/nope", "/pages/nope", "/whatever"):
        response = client.get(path)
        assert response.status_code == 404, path
        page = html(response)
        assert page.find("header", class_="site-header"), path
        assert "Page not found" in page.text
        assert page.meta("robots") == "noindex, follow"


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_draft_and_archived_products_are_not_found(client, store, status):
    product = make_product(title="Secret", status=status)

    assert client.get(product.get_absolute_url()).status_code == 404


def test_unpublished_collection_is_not_found(client, store):
    make_collection(title="Hidden", is_published=False)

    assert client.get("/collections/hidden").status_code == 404


def test_theme_css_carries_the_brand_and_is_cached_for_a_year(client, store):
    settings = make_store_settings(color_primary="#224466", font_heading="didone")
    version = str(int(settings.updated_at.timestamp() * 1000))

    response = client.get(f"/theme.css?v={version}")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/css")
    css = response.content.decode()
    assert "--color-primary:#224466" in css
    assert "--font-heading:Didot" in css
    assert "--color-on-primary:#ffffff" in css
    assert "max-age=31536000" in response["Cache-Control"]
    assert "immutable" in response["Cache-Control"]
    # An outdated version is served but not kept for a year.
    assert "max-age=60" in client.get("/theme.css?v=1")["Cache-Control"]


def test_saving_settings_gives_the_stylesheet_a_new_version(client, store):
    def stylesheet() -> str:
        return html(client.get("/")).find_all("link", rel="stylesheet")[-1]["href"]

    with clock.frozen_at(dt.datetime(2030, 1, 1, 12, 0, 0, tzinfo=dt.UTC)):
        make_store_settings(color_primary="#553311")
    first = stylesheet()
    with clock.frozen_at(dt.datetime(2030, 1, 1, 12, 0, 0, 1000, tzinfo=dt.UTC)):
        make_store_settings(color_primary="#553312")
    second = stylesheet()

    assert first.startswith("/theme.css?v=") and first != second
    assert "#553312" in client.get(second).content.decode()
