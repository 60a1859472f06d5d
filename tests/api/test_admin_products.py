"""Admin API, products: one product, creating with variants once, editing, variants, scopes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freehold.catalog.models import PriceChange, Product, Redirect, Variant
from freehold.catalog.services import VariantInput
from freehold.core.models import AuditEvent
from tests.api.admin_client import call, token
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

JACKET = {
    "title": "Harbour Rain Jacket",
    "description_html": "<p>Waxed cotton.</p><script>alert(1)</script>",
    "product_type": "Jacket",
    "brand": "Fjell",
    "tags": ["outerwear", "rain"],
    "status": "active",
    "options": [{"name": "Size", "values": ["S", "M"]}, {"name": "Colour", "values": ["Navy"]}],
    "variants": [
        {"options": ["S", "Navy"], "price": "95.00", "sku": "HRJ-S", "stock_quantity": 3},
        {
            "options": ["M", "Navy"],
            "price": "95.00",
            "compare_at_price": "120.00",
            "sku": "HRJ-M",
            "barcode": "4006381333931",
        },
    ],
}


@pytest.fixture(autouse=True)
def store():
    make_store_settings(currency="EUR")


def test_a_product_is_created_with_its_options_and_variants_once_per_key():
    writer = token("products:write")

    first = call("post", "/api/v1/admin/products", writer, JACKET, HTTP_IDEMPOTENCY_KEY="p-1")
    again = call("post", "/api/v1/admin/products", writer, JACKET, HTTP_IDEMPOTENCY_KEY="p-1")
    other = {**JACKET, "title": "Another"}
    reused = call("post", "/api/v1/admin/products", writer, other, HTTP_IDEMPOTENCY_KEY="p-1")

    assert (first.status_code, again.status_code, reused.status_code) == (201, 201, 409)
    body = first.json()
    assert again.json()["id"] == body["id"]
    assert Product.objects.count() == 1
    assert (body["handle"], body["status"], body["tags"]) == (
        "harbour-rain-jacket",
        "active",
        ["outerwear", "rain"],
    )
    assert "script" not in body["description_html"]
    assert body["options"] == JACKET["options"]
    assert [(v["title"], v["sku"], v["stock_quantity"]) for v in body["variants"]] == [
        ("S / Navy", "HRJ-S", 3),
        ("M / Navy", "HRJ-M", 0),
    ]
    assert body["variants"][1]["compare_at_price"] == {"amount": "120.00", "currency": "EUR"}
    assert body["price_min"] == {"amount": "95.00", "currency": "EUR"}
    event = AuditEvent.objects.get(verb="product.created")
    assert (event.actor_kind, event.actor_label) == ("api_token", "Warehouse")


def test_a_new_product_is_a_draft_unless_said_otherwise():
    body = {"title": "Mug", "variants": [{"price": "12.50"}]}

    created = call(
        "post", "/api/v1/admin/products", token("products:write"), body, HTTP_IDEMPOTENCY_KEY="m"
    )

    assert (created.status_code, created.json()["status"]) == (201, "draft")


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"variants": []}, 422, "variants"),
        ({"title": ""}, 422, "title"),
        ({"status": "published"}, 422, "status"),
        ({"variants": [{"options": ["S", "Navy"], "price": "-1"}]}, 422, "variants.0.price"),
        ({"variants": [{"options": ["XL", "Navy"], "price": "1"}]}, 400, "variants.0.options"),
        ({"variants": [{"options": ["S"], "price": "1"}]}, 400, "variants.0.options"),
        (
            {"variants": [{"options": ["S", "Navy"], "price": "1", "barcode": "123"}]},
            400,
            "variants.0.barcode",
        ),
        (
            {
                "variants": [
                    {"options": ["S", "Navy"], "price": "1", "sku": "SAME"},
                    {"options": ["M", "Navy"], "price": "1", "sku": "SAME"},
                ]
            },
            400,
            "variants.1.sku",
        ),
    ],
)
def test_bad_products_are_refused_naming_the_field(change, status, field):
    response = call(
        "post",
        "/api/v1/admin/products",
        token("products:write"),
        {**JACKET, **change},
        HTTP_IDEMPOTENCY_KEY="bad",
    )

    assert (response.status_code, response.json()["error"]["field"]) == (status, field)
    assert not Product.objects.exists()


def test_a_sku_another_product_uses_is_refused():
    make_product(
        title="Old", currency="EUR", variants=[VariantInput(price=Decimal("1"), sku="HRJ-M")]
    )

    response = call(
        "post",
        "/api/v1/admin/products",
        token("products:write"),
        JACKET,
        HTTP_IDEMPOTENCY_KEY="dup",
    )

    assert (response.status_code, response.json()["error"]["field"]) == (400, "variants.1.sku")


def test_creating_needs_the_write_scope_and_a_key_before_anything_is_read():
    reader = token("products:read")

    refused = call("post", "/api/v1/admin/products", reader, {}, HTTP_IDEMPOTENCY_KEY="x")
    keyless = call("post", "/api/v1/admin/products", token("products:write"), JACKET)

    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "This token lacks the scope products:write."
    assert keyless.status_code == 422
    assert keyless.json()["error"]["field"] == "Idempotency-Key"


def test_a_product_is_read_by_id_whatever_its_status():
    draft = make_product(title="Draft thing", status="draft", currency="EUR")
    reader = token("products:read")

    found = call("get", f"/api/v1/admin/products/{draft.pk}", reader)
    missing = call("get", "/api/v1/admin/products/999999", reader)
    refused = call("get", f"/api/v1/admin/products/{draft.pk}", token("orders:read"))

    assert (found.status_code, found.json()["title"], found.json()["status"]) == (
        200,
        "Draft thing",
        "draft",
    )
    assert (missing.status_code, missing.json()["error"]["field"]) == (404, "product_id")
    assert refused.status_code == 403


def test_editing_a_product_changes_only_what_was_sent_and_a_new_handle_redirects():
    product = make_product(title="Mug", tags=["kitchen"], currency="EUR", brand="Fjell")
    writer = token("products:write")
    path = f"/api/v1/admin/products/{product.pk}"

    edited = call(
        "patch",
        path,
        writer,
        {"title": "Big Mug", "handle": "big-mug", "tags": ["gift"], "seo_title": "Big mugs"},
    )

    assert edited.status_code == 200
    body = edited.json()
    assert (body["title"], body["handle"], body["tags"], body["brand"]) == (
        "Big Mug",
        "big-mug",
        ["gift"],
        "Fjell",
    )
    assert Redirect.objects.get(old_path=f"/products/{product.handle}").new_path == (
        "/products/big-mug"
    )
    event = AuditEvent.objects.get(verb="product.updated")
    assert event.actor_label == "Warehouse"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"title": None}, 422, "title"),
        ({"status": "gone"}, 422, "status"),
        ({"handle": "taken"}, 400, "handle"),
        ({"handle": "no spaces"}, 422, "handle"),
    ],
)
def test_bad_edits_are_refused_naming_the_field(body, status, field):
    make_product(title="Taken", handle="taken", currency="EUR")
    product = make_product(title="Mug", currency="EUR")

    response = call("patch", f"/api/v1/admin/products/{product.pk}", token("products:write"), body)

    assert (response.status_code, response.json()["error"]["field"]) == (status, field)
    assert Product.objects.get(pk=product.pk).title == "Mug"


def test_editing_needs_the_write_scope():
    product = make_product(title="Mug", currency="EUR")

    response = call(
        "patch", f"/api/v1/admin/products/{product.pk}", token("products:read"), {"title": "X"}
    )

    assert response.status_code == 403
    assert Product.objects.get(pk=product.pk).title == "Mug"


def test_a_variant_is_added_once_edited_with_its_price_history_and_deleted():
    product = make_product(title="Tee", options={"Size": ["S"]}, currency="EUR")
    writer = token("products:write")
    body = {"options": ["M"], "price": "25.00", "sku": "TEE-M", "stock_quantity": 4}
    path = f"/api/v1/admin/products/{product.pk}/variants"

    added = call("post", path, writer, body, HTTP_IDEMPOTENCY_KEY="v-1")
    again = call("post", path, writer, body, HTTP_IDEMPOTENCY_KEY="v-1")
    variant_id = added.json()["id"]
    edited = call(
        "patch", f"/api/v1/admin/variants/{variant_id}", writer, {"price": "22.00", "cost": None}
    )
    history = PriceChange.objects.filter(variant_id=variant_id).order_by("pk")
    prices = [change.price_amount for change in history]
    deleted = call("delete", f"/api/v1/admin/variants/{variant_id}", writer)

    assert (added.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == variant_id
    assert (added.json()["title"], added.json()["stock_quantity"]) == ("M", 4)
    assert edited.status_code == 200
    assert edited.json()["price"] == {"amount": "22.00", "currency": "EUR"}
    assert prices == [Decimal("25.0000"), Decimal("22.0000")]
    assert deleted.status_code == 204
    assert not Variant.objects.filter(pk=variant_id).exists()
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"variant.created", "variant.updated", "variant.deleted"} <= verbs


def test_variant_mistakes_are_named_and_the_last_variant_stays():
    product = make_product(title="Tee", options={"Size": ["S"]}, currency="EUR")
    only = product.variants.get()
    writer = token("products:write")
    path = f"/api/v1/admin/products/{product.pk}/variants"

    same = call("post", path, writer, {"options": ["S"], "price": "1"}, HTTP_IDEMPOTENCY_KEY="a")
    negative = call("patch", f"/api/v1/admin/variants/{only.pk}", writer, {"price": "-2"})
    last = call("delete", f"/api/v1/admin/variants/{only.pk}", writer)
    refused = call("delete", f"/api/v1/admin/variants/{only.pk}", token("products:read"))

    assert (same.status_code, same.json()["error"]["field"]) == (400, "options")
    assert (negative.status_code, negative.json()["error"]["field"]) == (422, "price")
    assert (last.status_code, last.json()["error"]["field"]) == (400, "variant")
    assert refused.status_code == 403
    assert Variant.objects.filter(pk=only.pk).exists()


def test_the_product_list_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for number in range(30):
        make_product(
            title=f"P{number}", options={"Size": ["S", "M"]}, tags=["a", "b"], currency="EUR"
        )
    reader = token("products:read")

    with django_assert_max_num_queries(8):
        response = call("get", "/api/v1/admin/products?limit=30", reader)

    assert len(response.json()["items"]) == 30
