"""The staff API: tokens with scopes, orders listed and filtered, fulfilled and refunded once."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from django.test import Client

from freehold.api.models import ApiToken
from freehold.api.services import api_token_create, api_token_revoke
from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.orders.models import Fulfilment, Order, Payment
from freehold.payments.services import payment_mark_paid
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db
STAFF = Actor.system("test")


def token(*scopes: str) -> str:
    _token, secret = api_token_create(name="Warehouse", scopes=list(scopes), actor=STAFF)
    return secret


def place(email: str = "ana@example.com", *, paid: bool = True) -> Order:
    make_store_settings(currency="EUR")
    variant = Variant.objects.get(product=make_product(price="20.00", stock=5, currency="EUR"))
    cart = cart_create(currency="EUR")
    cart_add(cart=cart, variant_id=variant.pk, quantity=2)
    order = checkout_complete(cart_token=cart.token, email=email, idempotency_key=uuid.uuid4().hex)
    if paid:
        payment_mark_paid(order=order, actor=STAFF)
    return order


def call(method: str, path: str, secret: str | None, body: dict | None = None, **headers):
    if secret is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return getattr(Client(), method)(path, body or {}, content_type="application/json", **headers)


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
    event = AuditEvent.objects.get(verb="stock.adjusted")
    assert event.data["reason"] == "received from the workshop"
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
