"""What search engines read: sitemap, robots.txt, redirects after renames, home structured data."""

import xml.etree.ElementTree as ElementTree

import pytest

from freehold.catalog import services
from freehold.catalog.models import Product
from tests.factories import (
    make_collection,
    make_media_image,
    make_page,
    make_product,
    make_store_settings,
)
from tests.storefront.helpers import html

pytestmark = pytest.mark.django_db

NAMESPACES = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
}


def test_sitemap_lists_products_with_images_collections_and_pages(client, store):
    shirt = make_product(title="Linen Shirt", images=2)
    make_product(title="Hidden", status=Product.Status.DRAFT)
    make_collection(title="Summer")
    make_collection(title="Secret", is_published=False)
    make_page(handle="about", title="About")

    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    root = ElementTree.fromstring(response.content)
    urls = {
        u.findtext("s:loc", namespaces=NAMESPACES): u for u in root.findall("s:url", NAMESPACES)
    }
    assert set(urls) == {
        "http://testserver/",
        "http://testserver/collections/all",
        "http://testserver/collections/summer",
        "http://testserver/products/linen-shirt",
        "http://testserver/pages/about",
    }
    product = urls["http://testserver/products/linen-shirt"]
    images = [
        i.findtext("image:loc", namespaces=NAMESPACES)
        for i in product.findall("image:image", NAMESPACES)
    ]
    assert len(images) == 2
    assert all(i.startswith("http://testserver/media/images/") for i in images)
    assert product.findtext("s:lastmod", namespaces=NAMESPACES).startswith(
        shirt.updated_at.date().isoformat()
    )


def test_sitemap_uses_the_configured_site_url(client, store, settings):
    settings.SITE_URL = "https://shop.example"
    make_product(title="Linen Shirt")

    text = client.get("/sitemap.xml").content.decode()

    assert "<loc>https://shop.example/products/linen-shirt</loc>" in text
    assert "testserver" not in text


def test_robots_txt_allows_all_but_admin_and_search_and_names_the_sitemap(client, store):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "User-agent: *" in lines and "Allow: /" in lines
    assert "Disallow: /admin/" in lines and "Disallow: /search" in lines
    assert "Sitemap: http://testserver/sitemap.xml" in lines


def test_old_product_handle_redirects_permanently_after_a_rename(client, store):
    product = make_product(title="Linen Shirt")
    services.product_update(product=product, handle="linen-overshirt")

    response = client.get("/products/linen-shirt?variant=3")

    assert response.status_code == 301
    assert response["Location"] == "/products/linen-overshirt?variant=3"
    assert client.get("/products/linen-overshirt").status_code == 200


def test_old_collection_handle_redirects_permanently_after_a_rename(client, store):
    collection = make_collection(title="Summer")
    services.collection_update(collection=collection, handle="summer-2030")

    response = client.get("/collections/summer")

    assert response.status_code == 301
    assert response["Location"] == "/collections/summer-2030"


def test_home_describes_the_organization_and_site_search(client, store):
    make_store_settings(logo=make_media_image(width=400, height=100), twitter_handle="@fjellco")

    page = html(client.get("/?utm_campaign=x"))

    documents = {d["@type"]: d for d in page.json_ld()}
    organization = documents["Organization"]
    assert organization["name"] == "Fjell & Co GmbH"
    assert organization["url"] == "http://testserver/"
    assert organization["logo"].startswith("http://testserver/media/")
    assert organization["sameAs"] == ["https://instagram.com/fjell", "https://x.com/fjellco"]
    assert documents["WebSite"]["potentialAction"]["target"].startswith(
        "http://testserver/search?q="
    )
    assert page.meta("og:type") == "website"
    assert page.meta("twitter:site") == "@fjellco"
    assert page.find("link", rel="canonical")["href"] == "http://testserver/"
    assert page.meta("og:image").startswith("http://testserver/media/")


def test_canonical_urls_use_the_site_url_when_set(client, store, settings):
    settings.SITE_URL = "https://shop.example"
    product = make_product(title="Linen Shirt")

    page = html(client.get(product.get_absolute_url()))

    assert page.find("link", rel="canonical")["href"] == "https://shop.example/products/linen-shirt"
