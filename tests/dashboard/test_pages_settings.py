"""The dashboard's content pages (list, create, edit, delete) and the home page's featured
collections, under settings; what the store then shows; and who may use them."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from freehold.core.models import AuditEvent
from freehold.storefront.models import FeaturedCollection, Page
from tests.factories import (
    feature_collections,
    make_collection,
    make_page,
    make_product,
    make_store_settings,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def errors(response) -> list[str]:
    found = re.findall(r'class="error"[^>]*>(.*?)</p>', text(response), re.S)
    found += re.findall(r'class="flash flash-error"[^>]*>(.*?)</div>', text(response), re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in found]


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "About us",
        "handle": "about",
        "body_html": "<p>We make things slowly.</p>",
        "template": "content",
        "is_published": "on",
        "seo_title": "",
        "seo_description": "",
    }
    data.update(overrides)
    return data


def featured_titles() -> list[str]:
    return list(
        FeaturedCollection.objects.order_by("position").values_list("collection__title", flat=True)
    )


@pytest.fixture
def store(db):
    return make_store_settings(name="Fjell & Co", currency="USD")


def test_settings_index_links_to_pages(owner_client, store):
    response = owner_client.get(reverse("dashboard:settings"))
    assert reverse("dashboard:settings-pages") in text(response)


def test_list_in_constant_queries(owner_client, store, django_assert_max_num_queries):
    for number in range(30):
        make_page(handle=f"page-{number:02}", title=f"Page {number:02}", is_published=number % 2)
    feature_collections(*(make_collection(title=f"C{n}") for n in range(5)))

    with django_assert_max_num_queries(10):
        response = owner_client.get(reverse("dashboard:settings-pages"))

    body = text(response)
    assert response.status_code == 200
    assert body.count('id="page-') == 30
    assert body.count('id="featured-collection-') == 5
    assert "/pages/page-01" in body and "Hidden" in body


def test_create_a_page_sanitised_and_shown_in_the_store(owner_client, store, client):
    assert client.get("/pages/about").status_code == 404

    response = owner_client.post(
        reverse("dashboard:settings-page-new"),
        form_data(
            body_html='<p onclick="steal()">Hello</p><script>alert(1)</script>',
            seo_title="About Fjell",
        ),
    )

    page = Page.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:settings-page", args=[page.pk])
    assert "script" not in page.body_html and "onclick" not in page.body_html
    assert "Hello" in page.body_html
    assert page.seo_title == "About Fjell"
    shown = text(client.get("/pages/about"))
    assert "Hello" in shown and "alert(1)" not in shown
    event = AuditEvent.objects.get(verb="page.created")
    assert event.data["handle"] == "about"


def test_edit_changes_the_cached_storefront_page(owner_client, store, client):
    page = make_page(handle="shipping", title="Shipping", body_html="<p>Old rates</p>")
    assert "Old rates" in text(client.get("/pages/shipping"))  # cached now

    owner_client.post(
        reverse("dashboard:settings-page", args=[page.pk]),
        form_data(title="Shipping", handle="shipping", body_html="<p>New rates</p>"),
    )

    assert "New rates" in text(client.get("/pages/shipping"))
    assert AuditEvent.objects.get(verb="page.updated").data["fields"] == ["body_html"]


def test_the_contact_template_and_unpublishing(owner_client, store, client):
    page = make_page(handle="contact", title="Contact")

    owner_client.post(
        reverse("dashboard:settings-page", args=[page.pk]),
        form_data(title="Contact", handle="contact", template="contact"),
    )
    assert Page.objects.get().template == "contact"

    owner_client.post(
        reverse("dashboard:settings-page", args=[page.pk]),
        form_data(title="Contact", handle="contact", template="contact", is_published=""),
    )
    assert client.get("/pages/contact").status_code == 404


def test_errors_name_the_field(owner_client, store):
    make_page(handle="about")

    missing = owner_client.post(reverse("dashboard:settings-page-new"), form_data(title=""))
    bad_handle = owner_client.post(
        reverse("dashboard:settings-page-new"), form_data(handle="not a handle")
    )
    taken = owner_client.post(reverse("dashboard:settings-page-new"), form_data(title="Other"))

    assert missing.status_code == 400
    assert any(error.startswith("Title:") for error in errors(missing))
    assert any(error.startswith("Handle:") for error in errors(bad_handle))
    assert taken.status_code == 400
    assert any(error.startswith("Handle:") and "exists" in error for error in errors(taken))
    assert Page.objects.count() == 1


def test_delete_a_page(owner_client, store, client):
    page = make_page(handle="about")
    client.get("/pages/about")

    response = owner_client.post(reverse("dashboard:settings-page-delete", args=[page.pk]))

    assert response["Location"] == reverse("dashboard:settings-pages")
    assert not Page.objects.exists()
    assert client.get("/pages/about").status_code == 404
    assert AuditEvent.objects.filter(verb="page.deleted").count() == 1


def test_feature_order_and_remove_collections_on_the_home_page(owner_client, store, client):
    # Given two collections with a product each, none featured
    summer = make_collection(title="Summer Picks", products=[make_product(title="Linen Shirt")])
    winter = make_collection(title="Winter Picks", products=[make_product(title="Wool Coat")])
    url = reverse("dashboard:settings-featured-collections")
    client.get("/")  # cached now

    # When both are featured and winter moved up
    owner_client.post(url, {"action": "add", "collection_id": summer.pk})
    owner_client.post(url, {"action": "add", "collection_id": winter.pk})
    owner_client.post(url, {"action": "up", "collection_id": winter.pk})

    # Then the home page shows winter first
    assert featured_titles() == ["Winter Picks", "Summer Picks"]
    home = text(client.get("/"))
    assert home.index("Winter Picks") < home.index("Summer Picks")

    # And removing summer takes it off the home page
    owner_client.post(url, {"action": "remove", "collection_id": summer.pk})
    assert featured_titles() == ["Winter Picks"]
    assert "Summer Picks" not in text(client.get("/"))
    assert AuditEvent.objects.filter(verb="store.featured_collections").count() == 4


def test_featuring_a_missing_collection_is_refused(owner_client, store):
    response = owner_client.post(
        reverse("dashboard:settings-featured-collections"),
        {"action": "add", "collection_id": "999"},
        follow=True,
    )
    assert "That collection no longer exists." in " ".join(errors(response))
    assert not FeaturedCollection.objects.exists()


def all_urls(page: Page) -> list[tuple[str, str]]:
    return [
        ("get", reverse("dashboard:settings-pages")),
        ("get", reverse("dashboard:settings-page-new")),
        ("post", reverse("dashboard:settings-page-new")),
        ("get", reverse("dashboard:settings-page", args=[page.pk])),
        ("post", reverse("dashboard:settings-page", args=[page.pk])),
        ("post", reverse("dashboard:settings-page-delete", args=[page.pk])),
        ("post", reverse("dashboard:settings-featured-collections")),
    ]


def test_staff_without_the_settings_permission_get_403_everywhere(staff_client_with, store):
    client = staff_client_with("orders", "products", "customers", "discounts", "reports")
    page = make_page(handle="about", title="About")
    collection = make_collection(title="Summer")
    before = AuditEvent.objects.count()

    for method, url in all_urls(page):
        data = form_data(title="Hacked", handle="hacked") | {
            "action": "add",
            "collection_id": str(collection.pk),
        }
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)

    assert AuditEvent.objects.count() == before
    assert Page.objects.get().title == "About"
    assert not FeaturedCollection.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(store):
    page = make_page()
    for method, url in all_urls(page):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("account-login"))


def test_staff_with_the_settings_permission_may_edit_pages(staff_client_with, store):
    client = staff_client_with("settings")
    page = make_page()
    assert client.get(reverse("dashboard:settings-pages")).status_code == 200
    assert client.get(reverse("dashboard:settings-page", args=[page.pk])).status_code == 200
