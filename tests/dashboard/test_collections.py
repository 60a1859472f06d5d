"""The dashboard's collections: list, create and edit (manual and rule-based), add, remove and
reorder products, delete; the catalog services behind them; and who may use them."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from freehold.catalog import services
from freehold.catalog.models import Collection, CollectionProduct
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from tests.factories import make_collection, make_product, make_store_settings, png_bytes

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def errors(response) -> list[str]:
    found = re.findall(r'class="error"[^>]*>(.*?)</p>', text(response), re.S)
    found += re.findall(r'class="flash flash-error"[^>]*>(.*?)</div>', text(response), re.S)
    return [re.sub(r"<[^>]+>", "", item).strip() for item in found]


def form_data(**overrides: str) -> dict[str, str]:
    data = {
        "title": "Summer",
        "handle": "",
        "description_html": "",
        "kind": "manual",
        "sort_order": "manual",
        "match_all_rules": "1",
        "is_published": "on",
        "seo_title": "",
        "seo_description": "",
    }
    data.update(overrides)
    return data


def member_titles(collection: Collection) -> list[str]:
    return list(
        CollectionProduct.objects.filter(collection=collection)
        .order_by("position")
        .values_list("product__title", flat=True)
    )


@pytest.fixture
def store(db):
    return make_store_settings(name="Fjell & Co", currency="USD")


# --- Services ---------------------------------------------------------------------------------


def test_collection_save_creates_and_audits_with_the_actor_system(store):
    collection = services.collection_save(collection=None, title="Summer", kind="manual")

    assert collection.handle == "summer"
    event = AuditEvent.objects.get(verb="collection.created")
    assert event.object_id == str(collection.pk)


def test_collection_save_names_the_rule_row_that_is_wrong(store):
    rules = [
        {"field": "tag", "relation": "equals", "value": "linen"},
        {"field": "price", "relation": "less_than", "value": "cheap"},
    ]
    with pytest.raises(ValidationFailed) as caught:
        services.collection_save(collection=None, title="Sale", kind="smart", rules=rules)

    assert caught.value.field == "rules[2].value"
    assert not Collection.objects.exists()


def test_switching_to_rules_drops_hand_picked_products(store):
    collection = make_collection(title="Summer", products=[make_product(title="Shirt")])

    services.collection_save(
        collection=collection,
        kind="smart",
        rules=[{"field": "tag", "relation": "equals", "value": "x"}],
    )

    assert not CollectionProduct.objects.filter(collection=collection).exists()


def test_move_product_swaps_neighbours_and_stops_at_the_ends(store):
    a, b, c = (make_product(title=title) for title in ("A", "B", "C"))
    collection = make_collection(products=[a, b, c])

    services.collection_move_product(collection=collection, product_id=c.pk, direction="up")
    services.collection_move_product(collection=collection, product_id=a.pk, direction="up")

    assert member_titles(collection) == ["A", "C", "B"]


def test_hand_picking_is_refused_for_a_rule_based_collection(store):
    collection = make_collection(
        kind="smart", rules=[{"field": "tag", "relation": "equals", "value": "x"}]
    )
    with pytest.raises(ValidationFailed) as caught:
        services.collection_add_product(collection=collection, product=make_product())
    assert caught.value.field == "products"


def test_collection_delete_keeps_the_products_and_audits(store):
    shirt = make_product(title="Shirt")
    collection = make_collection(products=[shirt])

    services.collection_delete(collection=collection)

    assert not Collection.objects.exists()
    assert shirt.__class__.objects.filter(pk=shirt.pk).exists()
    assert AuditEvent.objects.filter(verb="collection.deleted").count() == 1


# --- Pages ------------------------------------------------------------------------------------


def test_products_page_links_to_collections(owner_client, store):
    response = owner_client.get(reverse("dashboard:products"))
    assert reverse("dashboard:collections") in text(response)


def test_list_shows_kind_count_and_state_in_constant_queries(
    owner_client, store, django_assert_max_num_queries
):
    # Given 30 collections, manual ones with two products each, some rule-based, some hidden
    products = [make_product(title=f"P{i}") for i in range(2)]
    for number in range(30):
        if number % 3 == 0:
            make_collection(
                title=f"Rules {number:02}",
                kind="smart",
                rules=[{"field": "tag", "relation": "equals", "value": "x"}],
            )
        else:
            make_collection(
                title=f"Hand {number:02}", products=products, is_published=number % 2 == 0
            )

    # When the owner opens the list
    with django_assert_max_num_queries(8):
        response = owner_client.get(reverse("dashboard:collections"))

    # Then each row shows its kind, product count and state
    body = text(response)
    assert response.status_code == 200
    assert body.count('id="collection-') == 30
    row = body.split('id="collection-')[1]  # "Hand 01": hidden
    assert "Manual" in row and ">2<" in row and "Hidden" in row
    assert "Rule-based" in body and "1 rule, match all" in body


def test_create_a_manual_collection(owner_client, store):
    response = owner_client.post(
        reverse("dashboard:collection-new"),
        form_data(title="Summer Linen", seo_title="Linen for summer", sort_order="title-asc"),
    )

    collection = Collection.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:collection-edit", args=[collection.pk])
    assert (collection.handle, collection.seo_title, collection.sort_order) == (
        "summer-linen",
        "Linen for summer",
        "title-asc",
    )
    assert AuditEvent.objects.filter(verb="collection.created").count() == 1


def test_create_refuses_a_missing_title_and_a_taken_handle(owner_client, store):
    make_collection(title="Summer")

    missing = owner_client.post(reverse("dashboard:collection-new"), form_data(title=""))
    taken = owner_client.post(
        reverse("dashboard:collection-new"), form_data(title="Other", handle="summer")
    )

    assert missing.status_code == 400
    assert any(error.startswith("Title:") for error in errors(missing))
    assert taken.status_code == 400
    assert any(error.startswith("Handle:") for error in errors(taken))
    assert Collection.objects.count() == 1


def test_rule_errors_name_the_table_row(owner_client, store):
    # Given rule rows where the first row is blank (ignored) and the third has a bad price
    data = form_data(title="Cheap", kind="smart")
    rows = [("", "equals", ""), ("tag", "equals", "linen"), ("price", "less_than", "cheap")]
    for number, (field, relation, value) in enumerate(rows, start=1):
        data.update(
            {
                f"rule-{number}-field": field,
                f"rule-{number}-relation": relation,
                f"rule-{number}-value": value,
            }
        )

    response = owner_client.post(reverse("dashboard:collection-new"), data)

    assert response.status_code == 400
    assert any("Rule 3, value" in error and "not a number" in error for error in errors(response))
    assert 'id="rule-3" class="has-error"' in text(response)
    assert 'value="cheap"' in text(response)  # what was typed stays
    assert not Collection.objects.exists()


def test_smart_collection_rules_save_and_preview_the_matching_count(owner_client, store):
    make_product(title="Linen Shirt", tags=["linen"])
    make_product(title="Linen Trousers", tags=["linen"])
    make_product(title="Wool Coat", tags=["wool"])
    data = form_data(title="Linen", kind="smart", match_all_rules="0")
    data.update({"rule-1-field": "tag", "rule-1-relation": "equals", "rule-1-value": "linen"})

    response = owner_client.post(reverse("dashboard:collection-new"), data, follow=True)

    collection = Collection.objects.get()
    assert collection.rules == [{"field": "tag", "relation": "equals", "value": "linen"}]
    assert collection.match_all_rules is False
    assert "<strong>2</strong> active products match these rules" in text(response)


def test_edit_changes_the_storefront_collection_page(owner_client, store, client):
    collection = make_collection(title="Summer", products=[make_product(title="Linen Shirt")])
    client.get("/collections/summer")  # cached now

    owner_client.post(
        reverse("dashboard:collection-edit", args=[collection.pk]),
        form_data(title="Summer Sale", handle="summer"),
    )

    assert "<h1>Summer Sale</h1>" in text(client.get("/collections/summer"))


def test_unpublishing_hides_the_storefront_page(owner_client, store, client):
    collection = make_collection(title="Summer")
    assert client.get("/collections/summer").status_code == 200

    owner_client.post(
        reverse("dashboard:collection-edit", args=[collection.pk]),
        form_data(title="Summer", handle="summer", is_published=""),
    )

    assert client.get("/collections/summer").status_code == 404


def test_search_add_reorder_remove_products_shows_in_the_store(owner_client, store, client):
    # Given a manual collection and products found by title and by SKU
    shirt = make_product(title="Linen Shirt")
    coat = make_product(title="Wool Coat")
    collection = make_collection(title="Summer")
    edit = reverse("dashboard:collection-edit", args=[collection.pk])
    coat.variants.update(sku="WC-001")
    sku = "wc-001"
    assert "Linen Shirt" in text(owner_client.get(edit, {"q": "linen"}))
    assert "Wool Coat" in text(owner_client.get(edit, {"q": sku}))

    # When both are added, the coat moved up
    add = reverse("dashboard:collection-product-add", args=[collection.pk])
    owner_client.post(add, {"product_id": shirt.pk})
    owner_client.post(add, {"product_id": coat.pk})
    client.get("/collections/summer")  # cached with shirt then coat
    owner_client.post(
        reverse("dashboard:collection-product-move", args=[collection.pk, coat.pk]),
        {"direction": "up"},
    )

    # Then the storefront lists the coat first
    page = text(client.get("/collections/summer"))
    assert page.index("Wool Coat") < page.index("Linen Shirt")
    assert member_titles(collection) == ["Wool Coat", "Linen Shirt"]

    # And a product already in it is no longer offered; removing takes it out of the store
    assert "Add “Linen Shirt”" not in text(owner_client.get(edit, {"q": "linen"}))
    owner_client.post(
        reverse("dashboard:collection-product-remove", args=[collection.pk, shirt.pk])
    )
    assert "Linen Shirt" not in text(client.get("/collections/summer"))
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {
        "collection.product_added",
        "collection.product_moved",
        "collection.product_removed",
    } <= verbs


def test_delete_a_collection(owner_client, store, client):
    collection = make_collection(title="Summer")
    client.get("/collections/summer")

    response = owner_client.post(reverse("dashboard:collection-delete", args=[collection.pk]))

    assert response["Location"] == reverse("dashboard:collections")
    assert client.get("/collections/summer").status_code == 404


def all_urls(collection: Collection, product_id: int) -> list[tuple[str, str]]:
    pk = collection.pk
    return [
        ("get", reverse("dashboard:collections")),
        ("get", reverse("dashboard:collection-new")),
        ("post", reverse("dashboard:collection-new")),
        ("get", reverse("dashboard:collection-edit", args=[pk])),
        ("post", reverse("dashboard:collection-edit", args=[pk])),
        ("post", reverse("dashboard:collection-delete", args=[pk])),
        ("post", reverse("dashboard:collection-product-add", args=[pk])),
        ("post", reverse("dashboard:collection-product-remove", args=[pk, product_id])),
        ("post", reverse("dashboard:collection-product-move", args=[pk, product_id])),
    ]


def test_staff_without_the_products_permission_get_403_everywhere(staff_client_with, store):
    client = staff_client_with("orders", "customers", "discounts", "reports", "settings")
    shirt, coat = make_product(title="Shirt"), make_product(title="Coat")
    collection = make_collection(title="Summer", products=[shirt])
    before = (AuditEvent.objects.count(), member_titles(collection))

    for method, url in all_urls(collection, shirt.pk):
        data = form_data(title="Hacked") | {"product_id": str(coat.pk), "direction": "down"}
        response = getattr(client, method)(url, data)
        assert response.status_code == 403, (method, url)

    assert (AuditEvent.objects.count(), member_titles(collection)) == before
    assert Collection.objects.get().title == "Summer"


def test_anonymous_visitors_are_sent_to_log_in(store):
    shirt = make_product()
    collection = make_collection(products=[shirt])
    for method, url in all_urls(collection, shirt.pk):
        response = getattr(Client(), method)(url)
        assert response.status_code == 302, (method, url)
        assert response["Location"].startswith(reverse("account-login"))


def test_staff_with_the_products_permission_may_use_collections(staff_client_with, store):
    client = staff_client_with("products")
    collection = make_collection(title="Summer")
    assert client.get(reverse("dashboard:collections")).status_code == 200
    assert client.get(reverse("dashboard:collection-edit", args=[collection.pk])).status_code == 200


def test_upload_and_remove_the_collection_image(owner_client, store):
    collection = make_collection(title="Summer")
    url = reverse("dashboard:collection-edit", args=[collection.pk])

    bad = owner_client.post(
        url,
        form_data(title="Summer", handle="summer")
        | {"image_upload": SimpleUploadedFile("x.png", b"not an image", "image/png")},
    )
    assert bad.status_code == 400
    assert any(error.startswith("New image:") for error in errors(bad))

    owner_client.post(
        url,
        form_data(title="Summer", handle="summer")
        | {"image_upload": SimpleUploadedFile("banner.png", png_bytes(800, 400), "image/png")},
    )
    collection.refresh_from_db()
    assert collection.image is not None
    assert collection.image.alt == "Summer"
    assert collection.image.renditions
    assert "Current image of Summer" in text(owner_client.get(url))

    owner_client.post(url, form_data(title="Summer", handle="summer", remove_image="on"))
    collection.refresh_from_db()
    assert collection.image is None
