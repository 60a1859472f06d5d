"""The staff API: tokens with scopes, orders listed and filtered, fulfilled and refunded once."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client

from freehold.api.models import ApiToken
from freehold.api.services import KNOWN_SCOPES, api_token_revoke
from freehold.catalog.models import StockMovement
from freehold.core.models import AuditEvent
from freehold.orders.models import Fulfilment, Order, Payment
from tests.api.admin_client import STAFF, call, place, token
from tests.factories import make_product, make_store_settings

# Stock a product is created with (its first movement), left out where a test counts others.
OPENING = "Opening stock"

pytestmark = pytest.mark.django_db


def test_no_token_is_401_a_wrong_or_revoked_one_too_and_a_missing_scope_403():
    order = place()
    reader = token("orders:read")
    path = f"/api/v1/admin/orders/{order.number}"

    assert call("get", path, None).status_code == 401
    assert call("get", path, "fh_abc_def").status_code == 401
    assert call("get", path, reader).status_code == 200
    refused = call("post", f"{path}/cancel", reader)
    assert refused.status_code == 403
    assert refused.json()["error"] == {
        "code": "forbidden",
        "message": "This token lacks the scope orders:write.",
        "field": "scope",
    }
    api_token_revoke(token=ApiToken.objects.get(), actor=STAFF)
    assert call("get", path, reader).status_code == 401
    assert ApiToken.objects.get().digest not in reader  # only a digest is stored


def test_orders_are_listed_newest_first_and_filtered():
    paid = place("ana@example.com")
    unpaid = place("ben@example.com", paid=False)
    reader = token("orders:read")

    everything = call("get", "/api/v1/admin/orders", reader).json()["items"]
    awaiting = call("get", "/api/v1/admin/orders?payment_status=awaiting_payment", reader).json()
    by_email = call("get", "/api/v1/admin/orders?q=ANA@example.com", reader).json()
    wrong = call("get", "/api/v1/admin/orders?payment_status=rich", reader)

    assert [item["number"] for item in everything] == [unpaid.number, paid.number]
    assert [item["number"] for item in awaiting["items"]] == [unpaid.number]
    assert [item["number"] for item in by_email["items"]] == [paid.number]
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "payment_status")


def test_a_retried_fulfilment_ships_one_parcel_with_its_tracking_link():
    order = place()
    writer = token("orders:read", "orders:write")
    path = f"/api/v1/admin/orders/{order.number}/fulfilments"
    body = {"carrier": "DHL", "tracking_number": "JD0146"}

    first = call("post", path, writer, body, HTTP_IDEMPOTENCY_KEY="ship-1")
    again = call("post", path, writer, body, HTTP_IDEMPOTENCY_KEY="ship-1")

    assert (first.status_code, again.status_code) == (201, 201)
    assert Fulfilment.objects.filter(order=order).count() == 1
    parcel = first.json()["fulfilments"][0]
    assert parcel["tracking_url"].endswith("JD0146")
    assert first.json()["fulfilment_status"] == "fulfilled"
    event = AuditEvent.objects.filter(verb="fulfilment.created").get()
    assert (event.actor_kind, event.actor_label) == ("api_token", "Warehouse")


def test_fulfilling_everything_left_skips_units_refunded_before_shipping():
    order = place()  # two units
    writer = token("orders:read", "orders:write")
    line = order.lines.get()
    refunded = call(
        "post",
        f"/api/v1/admin/orders/{order.number}/refunds",
        writer,
        {"lines": {str(line.pk): 1}},
        HTTP_IDEMPOTENCY_KEY="r-line",
    )
    assert refunded.status_code == 201

    shipped = call(
        "post",
        f"/api/v1/admin/orders/{order.number}/fulfilments",
        writer,
        {"carrier": "DHL", "tracking_number": "JD0147"},
        HTTP_IDEMPOTENCY_KEY="ship-rest",
    )

    assert shipped.status_code == 201, shipped.json()
    assert shipped.json()["lines"][0]["quantity_fulfilled"] == 1
    assert shipped.json()["fulfilment_status"] == "fulfilled"


def test_a_refund_above_what_was_captured_is_refused_and_a_retry_refunds_once():
    order = place()  # 40.00 captured
    writer = token("orders:write", "orders:read")
    path = f"/api/v1/admin/orders/{order.number}/refunds"

    too_much = call("post", path, writer, {"amount": "50.00"}, HTTP_IDEMPOTENCY_KEY="r-0")
    first = call("post", path, writer, {"amount": "15.00"}, HTTP_IDEMPOTENCY_KEY="r-1")
    again = call("post", path, writer, {"amount": "15.00"}, HTTP_IDEMPOTENCY_KEY="r-1")
    reused = call("post", path, writer, {"amount": "5.00"}, HTTP_IDEMPOTENCY_KEY="r-1")

    assert too_much.status_code == 400 and "At most" in too_much.json()["error"]["message"]
    assert (first.status_code, again.status_code, reused.status_code) == (201, 201, 409)
    refunds = Payment.objects.filter(order=order, kind=Payment.Kind.REFUND)
    assert [payment.amount for payment in refunds] == [Decimal("15.0000")]
    assert first.json()["payment_status"] == "partially_refunded"


def test_staff_create_a_token_in_the_admin_and_see_its_secret_once(client):
    from freehold.customers.models import Customer

    staff = Customer.objects.create_superuser(email="owner@example.com", password="x" * 14)
    client.force_login(staff)

    page = client.post(
        "/admin/api/apitoken/add/",
        {"name": "ERP sync", "scopes": ["orders:read"]},
        follow=True,
    )

    secret = next(m.message for m in page.context["messages"]).rsplit(" ", 1)[-1]
    saved = ApiToken.objects.get()
    assert (saved.name, saved.scopes) == ("ERP sync", ["orders:read"])
    assert call("get", "/api/v1/admin/orders", secret).status_code == 200
    assert secret not in client.get(f"/admin/api/apitoken/{saved.pk}/change/").content.decode()


def test_products_with_stock_are_listed_and_stock_is_adjusted_once_with_its_reason():
    make_store_settings(currency="EUR")
    mug = make_product(title="Mug", price="12.50", stock=5, currency="EUR")
    variant = mug.variants.get()
    reader, writer = token("products:read"), token("products:write")

    listed = call("get", f"/api/v1/admin/products?q={variant.sku}", reader).json()["items"]
    path = f"/api/v1/admin/variants/{variant.pk}/stock"
    body = {"delta": 7, "reason": "received from the workshop"}
    refused = call("post", path, reader, body, HTTP_IDEMPOTENCY_KEY="s-1")
    first = call("post", path, writer, body, HTTP_IDEMPOTENCY_KEY="s-1")
    again = call("post", path, writer, body, HTTP_IDEMPOTENCY_KEY="s-1")
    bad = call("post", path, writer, {"delta": 1}, HTTP_IDEMPOTENCY_KEY="s-2")

    assert [item["handle"] for item in listed] == [mug.handle]
    assert listed[0]["variants"][0]["stock_quantity"] == 5
    assert refused.status_code == 403
    assert (first.json()["stock_quantity"], again.json()["stock_quantity"]) == (12, 12)
    movement = StockMovement.objects.exclude(note=OPENING).get(variant=variant)
    assert (movement.delta, movement.note) == (7, "received from the workshop")
    event = AuditEvent.objects.get(verb="stock.adjusted")
    assert (event.actor_label, event.data["note"]) == ("Warehouse", "received from the workshop")
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "reason")


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        ("8776-02-23T14:27:10.9+23:05", 200),  # an offset PostgreSQL refuses: sent in UTC instead
        ("2026-01-01T00:00:00", 200),  # no offset: UTC
        ("9999-12-31T23:00:00-23:00", 422),  # beyond the last representable moment
    ],
)
def test_time_filters_take_any_offset_schemathesis_found(moment, status):
    reader = token("orders:read")

    response = Client().get(
        "/api/v1/admin/orders",
        {"placed_before": moment},
        HTTP_AUTHORIZATION=f"Bearer {reader}",
    )

    assert response.status_code == status


def test_orders_are_filtered_by_shipping_country_and_creation_time():
    german, french = place("ana@example.com"), place("ben@example.com")
    Order.objects.filter(pk=german.pk).update(shipping_address={"country_code": "DE"})
    Order.objects.filter(pk=french.pk).update(
        shipping_address={"country_code": "FR"},
        created_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    reader = token("orders:read")

    def numbers(query: str) -> list[str]:
        response = call("get", f"/api/v1/admin/orders{query}", reader)
        assert response.status_code == 200
        return [item["number"] for item in response.json()["items"]]

    assert numbers("?country=de") == [german.number]
    assert numbers("?created_before=2025-06-01T00:00:00Z") == [french.number]
    assert numbers("?created_after=2025-06-01T00:00:00Z&country=FR") == []
    listed = call("get", "/api/v1/admin/orders?country=FR", reader).json()["items"][0]
    assert listed["country_code"] == "FR"
    wrong = call("get", "/api/v1/admin/orders?country=France", reader)
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "country")


# Every admin operation and the scope it needs: a new endpoint must be added here.
SCOPE_OF = {
    ("get", "/api/v1/admin/orders"): "orders:read",
    ("get", "/api/v1/admin/orders/{number}"): "orders:read",
    ("post", "/api/v1/admin/orders/{number}/fulfilments"): "orders:write",
    ("post", "/api/v1/admin/orders/{number}/refunds"): "orders:write",
    ("post", "/api/v1/admin/orders/{number}/cancel"): "orders:write",
    ("get", "/api/v1/admin/products"): "products:read",
    ("post", "/api/v1/admin/products"): "products:write",
    ("get", "/api/v1/admin/products/{product_id}"): "products:read",
    ("patch", "/api/v1/admin/products/{product_id}"): "products:write",
    ("patch", "/api/v1/admin/products/{product_id}/translations/{language}"): "products:write",
    ("post", "/api/v1/admin/products/{product_id}/variants"): "products:write",
    ("patch", "/api/v1/admin/variants/{variant_id}"): "products:write",
    ("delete", "/api/v1/admin/variants/{variant_id}"): "products:write",
    ("post", "/api/v1/admin/variants/{variant_id}/stock"): "products:write",
    ("get", "/api/v1/admin/customers"): "customers:read",
    ("post", "/api/v1/admin/customers"): "customers:write",
    ("get", "/api/v1/admin/customers/{customer_id}"): "customers:read",
    ("patch", "/api/v1/admin/customers/{customer_id}"): "customers:write",
    ("get", "/api/v1/admin/discounts"): "discounts:read",
    ("post", "/api/v1/admin/discounts"): "discounts:write",
    ("get", "/api/v1/admin/discounts/{discount_id}"): "discounts:read",
    ("patch", "/api/v1/admin/discounts/{discount_id}"): "discounts:write",
    ("post", "/api/v1/admin/discounts/{discount_id}/pause"): "discounts:write",
    ("post", "/api/v1/admin/discounts/{discount_id}/resume"): "discounts:write",
    ("get", "/api/v1/admin/webhooks"): "webhooks:read",
    ("post", "/api/v1/admin/webhooks"): "webhooks:write",
    ("get", "/api/v1/admin/webhooks/{subscription_id}"): "webhooks:read",
    ("patch", "/api/v1/admin/webhooks/{subscription_id}"): "webhooks:write",
    ("delete", "/api/v1/admin/webhooks/{subscription_id}"): "webhooks:write",
    ("get", "/api/v1/admin/webhooks/{subscription_id}/deliveries"): "webhooks:read",
    ("post", "/api/v1/admin/webhook-deliveries/{delivery_id}/redeliver"): "webhooks:write",
    ("get", "/api/v1/admin/vendors"): "vendors:read",
    ("get", "/api/v1/admin/vendors/{vendor_id}"): "vendors:read",
    ("post", "/api/v1/admin/vendors/{vendor_id}/verification/{field}/approve"): "vendors:write",
    ("post", "/api/v1/admin/vendors/{vendor_id}/verification/{field}/reject"): "vendors:write",
    ("get", "/api/v1/admin/vendors/{vendor_id}/payouts"): "vendors:read",
    ("get", "/api/v1/admin/vendors/{vendor_id}/suborders"): "vendors:read",
}


def test_every_admin_operation_is_listed_with_its_scope():
    document = Client().get("/api/v1/openapi.json").json()

    admin = {
        (method, path)
        for path, operations in document["paths"].items()
        if path.startswith("/api/v1/admin/")
        for method in operations
    }

    assert admin == set(SCOPE_OF)


@pytest.mark.parametrize(("method", "path"), sorted(SCOPE_OF))
def test_every_admin_operation_is_401_without_a_token_and_403_without_its_scope(method, path):
    needed = SCOPE_OF[(method, path)]
    everything_else = token(*sorted(KNOWN_SCOPES - {needed}))
    url = re.sub(r"\{[a-z_]+\}", "1", path)

    anonymous = call(method, url, None, HTTP_IDEMPOTENCY_KEY="k")
    refused = call(method, url, everything_else, HTTP_IDEMPOTENCY_KEY="k")

    assert anonymous.status_code == 401
    assert anonymous.json()["error"]["code"] == "unauthenticated"
    assert refused.status_code == 403  # before the (empty) body is read
    assert refused.json()["error"] == {
        "code": "forbidden",
        "message": f"This token lacks the scope {needed}.",
        "field": "scope",
    }
