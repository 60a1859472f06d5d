"""Product, collection and page content in the shopper's language, field by field falling back
to the store's own text; the SEO tags follow; the queries stay as few as in the default."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from freehold.catalog import services
from freehold.catalog.models import Product
from freehold.markets.pricing import forget_rates
from freehold.storefront.models import MenuItem
from freehold.storefront.services import menu_item_translation_save, page_translation_save
from tests.factories import (
    feature_collections,
    make_collection,
    make_menu,
    make_page,
    make_product,
    make_product_image,
)
from tests.storefront.helpers import html
from tests.translation_helpers import make_eu_store

pytestmark = pytest.mark.django_db

COAT_DESCRIPTION = "<p>Boiled wool, cut long.</p>"


@pytest.fixture
def eu(db):
    market = make_eu_store()
    make_menu("main", [("Shop all", "/collections/all"), ("About", "/pages/about")])
    yield market
    forget_rates()


@pytest.fixture
def coat(eu) -> Product:
    product = make_product(
        title="Wool Coat",
        price="119.00",
        currency="EUR",
        description_html=COAT_DESCRIPTION,
        options={"Size": ["S", "M"], "Colour": ["Navy", "Grey"]},
    )
    services.product_translation_save(
        product=product,
        language="de",
        data={
            "title": "Wollmantel",
            "description_html": "<p>Gekochte Wolle, <script>x()</script>lang geschnitten.</p>",
            "seo_title": "Wollmantel aus Walkstoff",
            "seo_description": "Ein langer Mantel aus gekochter Wolle.",
        },
    )
    return product


def product_path(prefix: str, product: Product) -> str:
    return f"{prefix}/products/{product.handle}"


def h1(response) -> str:
    text = response.content.decode()
    start = text.index("<h1")
    return text[text.index(">", start) + 1 : text.index("</h1>", start)].strip()


def test_the_german_product_page_shows_the_german_texts_and_seo_tags(client, coat):
    response = client.get(product_path("/de-de", coat))

    assert response.status_code == 200
    page = html(response)
    assert h1(response) == "Wollmantel"
    assert "Gekochte Wolle, lang geschnitten." in page.text
    assert "<script>x()" not in page.text  # sanitised like the product's own description
    assert "Boiled wool" not in page.text
    assert "<title>Wollmantel aus Walkstoff – Fjell &amp; Co</title>" in page.text
    assert page.meta("description") == "Ein langer Mantel aus gekochter Wolle."
    product_ld, breadcrumbs = page.json_ld()
    assert product_ld["name"] == "Wollmantel"
    assert product_ld["description"] == "Ein langer Mantel aus gekochter Wolle."
    assert breadcrumbs["itemListElement"][-1]["name"] == "Wollmantel"


def test_the_default_language_shows_the_product_own_texts(client, coat):
    response = client.get(product_path("", coat))

    assert h1(response) == "Wool Coat"
    assert "Boiled wool, cut long." in response.content.decode()
    assert "Wollmantel" not in response.content.decode()


def test_a_language_without_a_translation_shows_the_default_texts(client, coat):
    response = client.get(product_path("/fr-fr", coat))

    assert response.status_code == 200
    assert response["Content-Language"] == "fr"
    assert h1(response) == "Wool Coat"
    assert html(response).json_ld()[0]["name"] == "Wool Coat"


def test_each_empty_field_falls_back_to_the_default_text(client, coat):
    services.product_translation_save(
        product=coat, language="de", data={"description_html": "", "seo_title": ""}
    )

    response = client.get(product_path("/de-de", coat))

    page = html(response)
    assert h1(response) == "Wollmantel"
    assert "Boiled wool, cut long." in page.text
    assert "<title>Wollmantel – Fjell &amp; Co</title>" in page.text
    assert page.meta("description") == "Ein langer Mantel aus gekochter Wolle."


def test_option_names_and_value_labels_are_translated_but_values_stay(client, coat):
    size = coat.options.get(name="Size")
    services.product_option_translation_save(
        option=size, language="de", name="Größe", values=["Klein", ""]
    )

    page = html(client.get(product_path("/de-de", coat) + "?option1=S"))

    assert "Größe:" in page.text
    assert page.find("input", name="option1", value="S")["data-label"] == "Klein"
    assert page.find("input", name="option1", value="M")["data-label"] == "M"
    assert page.json_script("product-data")["options"] == ["Größe", "Colour"]


def test_cards_collections_and_breadcrumbs_are_translated(client, coat):
    jacket = make_product(title="Rain Jacket", price="89.00", currency="EUR")
    outerwear = make_collection(
        title="Outerwear",
        products=[coat, jacket],
        description_html="<p>Coats and jackets.</p>",
    )
    services.collection_translation_save(
        collection=outerwear,
        language="de",
        data={"title": "Oberbekleidung", "seo_description": "Mäntel und Jacken."},
    )

    response = client.get(f"/de-de/collections/{outerwear.handle}")

    page = html(response)
    assert h1(response) == "Oberbekleidung"
    assert "Coats and jackets." in page.text  # no German description: the default one
    assert page.meta("description") == "Mäntel und Jacken."
    assert "<title>Oberbekleidung – Fjell &amp; Co</title>" in page.text
    assert ">Wollmantel</h" in page.text
    assert ">Rain Jacket</h" in page.text
    assert page.json_ld()[0]["itemListElement"][-1]["name"] == "Oberbekleidung"


def test_the_home_page_shows_translated_featured_collections_and_cards(client, coat):
    outerwear = make_collection(title="Outerwear", products=[coat])
    services.collection_translation_save(
        collection=outerwear, language="de", data={"title": "Oberbekleidung"}
    )
    feature_collections(outerwear)

    text = client.get("/de-de/").content.decode()

    assert ">Oberbekleidung</h2>" in text
    assert ">Wollmantel</h" in text
    assert ">Outerwear</h2>" in client.get("/").content.decode()


def test_search_results_and_suggestions_show_and_find_the_translated_title(client, coat):
    results = client.get("/de-de/search?q=wollmantel").content.decode()
    suggestions = client.get("/de-de/search/suggest?q=wollm").json()

    assert ">Wollmantel</h" in results
    assert [item["title"] for item in suggestions["products"]] == ["Wollmantel"]
    assert client.get("/search/suggest?q=wollm").json()["products"][0]["title"] == "Wool Coat"


def test_content_pages_and_menus_are_translated(client, eu):
    about = make_page(
        handle="about", title="About us", body_html="<p>We make coats.</p>", seo_title=""
    )
    page_translation_save(
        page=about,
        language="de",
        data={"title": "Über uns", "body_html": "<p>Wir nähen Mäntel.</p>"},
    )
    menu_item_translation_save(
        item=MenuItem.objects.get(title="Shop all"), language="de", title="Alle Produkte"
    )

    german = client.get("/de-de/pages/about").content.decode()
    french = client.get("/fr-fr/pages/about").content.decode()

    assert "<h1>Über uns</h1>" in german
    assert "Wir nähen Mäntel." in german
    assert "<title>Über uns – Fjell &amp; Co</title>" in german
    assert ">Alle Produkte</a>" in german
    assert ">About</a>" in german  # no German title for this link: its own
    assert "<h1>About us</h1>" in french
    assert ">Shop all</a>" in french


def test_a_translation_edit_renews_the_cached_pages_that_show_it(client, coat, settings):
    settings.PAGE_CACHE_ENABLED = True
    outerwear = make_collection(title="Outerwear", products=[coat])
    about = make_page(handle="about", title="About us")
    paths = {
        "product": product_path("/de-de", coat),
        "collection": f"/de-de/collections/{outerwear.handle}",
        "page": "/de-de/pages/about",
    }
    for path in paths.values():
        client.get(path)  # now cached

    services.product_translation_save(product=coat, language="de", data={"title": "Lodenmantel"})
    services.collection_translation_save(
        collection=outerwear, language="de", data={"title": "Jacken"}
    )
    page_translation_save(page=about, language="de", data={"title": "Wer wir sind"})

    assert h1(client.get(paths["product"])) == "Lodenmantel"
    collection_page = client.get(paths["collection"])
    assert h1(collection_page) == "Jacken"
    assert ">Lodenmantel</h" in collection_page.content.decode()
    assert h1(client.get(paths["page"])) == "Wer wir sind"

    services.product_translation_save(
        product=coat,
        language="de",
        data={"title": "", "description_html": "", "seo_title": "", "seo_description": ""},
    )
    assert h1(client.get(paths["product"])) == "Wool Coat"


def count_queries(client, path: str) -> int:
    cache.clear()
    with CaptureQueriesContext(connection) as context:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(context.captured_queries)


def test_translated_pages_run_as_many_queries_as_the_default_ones(client, coat, settings):
    settings.PAGE_CACHE_ENABLED = False
    settings.CATALOG_PAGE_SIZE = 6
    outerwear = make_collection(title="Outerwear", products=[coat])
    feature_collections(outerwear)
    about = make_page(handle="about", title="About us")
    page_translation_save(page=about, language="de", data={"title": "Über uns"})
    services.collection_translation_save(
        collection=outerwear, language="de", data={"title": "Oberbekleidung"}
    )
    for number in range(12):
        product = make_product(title=f"Linen Shirt {number}", price="20.00", currency="EUR")
        make_product_image(product)
        services.product_translation_save(
            product=product, language="de", data={"title": f"Leinenhemd {number}"}
        )
    services.collection_set_products(
        collection=outerwear, products=list(Product.objects.order_by("id"))
    )
    paths = [
        "/",
        f"/collections/{outerwear.handle}?page=2",
        "/collections/all",
        product_path("", coat),
        "/search?q=linen",
        "/pages/about",
    ]

    for path in paths:
        default = count_queries(client, path)
        german = count_queries(client, f"/de-de{path}")
        # The German menu titles: one query, then cached with the menus.
        assert german <= default + 1, (path, default, german)
