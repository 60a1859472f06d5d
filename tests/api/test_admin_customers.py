"""Admin API, customers: filtered pages, order count and spending, creating once, editing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.orders.models import Order
from tests.api.admin_client import call, place, token
from tests.factories import make_store_settings

pytestmark = pytest.mark.django_db


def customer(email: str, **fields) -> Customer:
    return Customer.objects.create_user(email=email, **fields)


@pytest.fixture(autouse=True)
def store():
    make_store_settings(currency="EUR")


def test_customers_are_filtered_paginated_and_staff_are_not_among_them():
    old = customer("cleo@example.com", country_code="DE")
    customer("ana@example.com", first_name="Ana", country_code="DE", accepts_marketing=True)
    customer("ben@example.com", first_name="Ben", country_code="FR")
    Customer.objects.filter(pk=old.pk).update(date_joined=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    Customer.objects.create_superuser(email="owner@example.com", password="x" * 14)
    reader = token("customers:read")

    def emails(query: str) -> list[str]:
        response = call("get", f"/api/v1/admin/customers{query}", reader)
        assert response.status_code == 200
        return [item["email"] for item in response.json()["items"]]

    first_page = call("get", "/api/v1/admin/customers?limit=2", reader).json()
    second_page = call(
        "get", f"/api/v1/admin/customers?limit=2&cursor={first_page['next_cursor']}", reader
    ).json()

    assert emails("") == ["ben@example.com", "ana@example.com", "cleo@example.com"]
    assert emails("?country=de") == ["ana@example.com", "cleo@example.com"]
    assert emails("?accepts_marketing=true") == ["ana@example.com"]
    assert emails("?q=BEN") == ["ben@example.com"]
    assert emails("?created_after=2025-01-01T00:00:00%2B02:00") == [
        "ben@example.com",
        "ana@example.com",
    ]
    assert [item["email"] for item in second_page["items"]] == ["cleo@example.com"]
    assert second_page["next_cursor"] is None
    wrong = call("get", "/api/v1/admin/customers?country=Germany", reader)
    assert (wrong.status_code, wrong.json()["error"]["field"]) == (422, "country")


def test_a_customer_shows_the_orders_placed_and_what_was_spent():
    ana = customer("ana@example.com")
    paid, unpaid = place("ana@example.com"), place("ana@example.com", paid=False)
    Order.objects.filter(pk__in=[paid.pk, unpaid.pk]).update(customer=ana)
    reader = token("customers:read")

    found = call("get", f"/api/v1/admin/customers/{ana.pk}", reader)
    listed = call("get", "/api/v1/admin/customers", reader).json()["items"][0]

    assert found.status_code == 200
    assert found.json()["orders_count"] == 2
    assert found.json()["total_spent"] == {"amount": "40.00", "currency": "EUR"}
    assert (listed["orders_count"], listed["total_spent"]["amount"]) == (2, "40.00")


def test_what_a_customer_spent_is_net_of_refunds_as_in_the_dashboard():
    from freehold.core.audit import Actor
    from freehold.orders.operations import order_refund

    ana = customer("ana@example.com")
    paid = place("ana@example.com")  # 40.00
    Order.objects.filter(pk=paid.pk).update(customer=ana)
    order_refund(order=paid, actor=Actor.system(), amount=Decimal("15.00"))

    found = call("get", f"/api/v1/admin/customers/{ana.pk}", token("customers:read")).json()

    assert found["total_spent"] == {"amount": "25.00", "currency": "EUR"}


def test_staff_accounts_cannot_be_read_or_changed_through_the_customers_api():
    owner = Customer.objects.create_superuser(email="owner@example.com", password="x" * 14)
    writer = token("customers:read", "customers:write")

    read = call("get", f"/api/v1/admin/customers/{owner.pk}", writer)
    changed = call(
        "patch", f"/api/v1/admin/customers/{owner.pk}", writer, {"email": "thief@example.com"}
    )

    assert (read.status_code, changed.status_code) == (404, 404)
    assert Customer.objects.get(pk=owner.pk).email == "owner@example.com"


def test_a_customer_is_created_once_per_key_and_announced():
    writer = token("customers:write")
    body = {
        "email": "Dora@Example.com",
        "first_name": "Dora",
        "country_code": "at",
        "tags": ["VIP", "wholesale"],
        "accepts_marketing": True,
    }

    first = call("post", "/api/v1/admin/customers", writer, body, HTTP_IDEMPOTENCY_KEY="c-1")
    again = call("post", "/api/v1/admin/customers", writer, body, HTTP_IDEMPOTENCY_KEY="c-1")
    reused = call(
        "post",
        "/api/v1/admin/customers",
        writer,
        {**body, "email": "eve@example.com"},
        HTTP_IDEMPOTENCY_KEY="c-1",
    )

    assert (first.status_code, again.status_code, reused.status_code) == (201, 201, 409)
    created = first.json()
    assert again.json()["id"] == created["id"]
    assert (created["email"], created["country_code"], created["tags"]) == (
        "dora@example.com",
        "AT",
        ["vip", "wholesale"],
    )
    assert created["accepts_marketing_updated_at"] is not None
    assert (created["orders_count"], created["total_spent"]["amount"]) == (0, "0.00")
    assert Customer.objects.filter(email="dora@example.com").count() == 1
    event = AuditEvent.objects.get(verb="customer.created")
    assert event.actor_label == "Warehouse"


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"email": "taken@example.com"}, 400, "email"),
        ({"email": "not an address"}, 400, "email"),
        ({"email": "new@example.com", "country_code": "XX"}, 400, "country_code"),
        ({"email": "new@example.com", "phone": "call me"}, 400, "phone"),
        ({"email": "new@example.com", "accepts_marketing": "maybe"}, 422, "accepts_marketing"),
        ({"first_name": "No e-mail"}, 422, "email"),
    ],
)
def test_bad_customers_are_refused_naming_the_field(body, status, field):
    customer("taken@example.com")

    response = call(
        "post", "/api/v1/admin/customers", token("customers:write"), body, HTTP_IDEMPOTENCY_KEY="k"
    )

    assert (response.status_code, response.json()["error"]["field"]) == (status, field)
    assert Customer.objects.count() == 1


def test_editing_a_customer_changes_what_was_sent_and_stamps_consent():
    ana = customer("ana@example.com", first_name="Ana", note="Prefers DHL")
    writer = token("customers:write")
    path = f"/api/v1/admin/customers/{ana.pk}"

    edited = call("patch", path, writer, {"last_name": "Lima", "accepts_marketing": True})
    bad = call("patch", path, writer, {"language": "english please"})

    assert edited.status_code == 200
    body = edited.json()
    assert (body["first_name"], body["last_name"], body["note"]) == ("Ana", "Lima", "Prefers DHL")
    assert body["accepts_marketing"] is True
    assert body["accepts_marketing_updated_at"] is not None
    assert (bad.status_code, bad.json()["error"]["field"]) == (400, "language")
    assert AuditEvent.objects.get(verb="customer.updated").actor_label == "Warehouse"


def test_customers_need_their_scopes():
    ana = customer("ana@example.com")
    orders_only = token("orders:read", "orders:write")
    reader = token("customers:read")

    assert call("get", "/api/v1/admin/customers", orders_only).status_code == 403
    assert call("get", f"/api/v1/admin/customers/{ana.pk}", orders_only).status_code == 403
    created = call(
        "post",
        "/api/v1/admin/customers",
        reader,
        {"email": "x@example.com"},
        HTTP_IDEMPOTENCY_KEY="k",
    )
    edited = call("patch", f"/api/v1/admin/customers/{ana.pk}", reader, {"first_name": "X"})
    assert (created.status_code, edited.status_code) == (403, 403)
    assert Customer.objects.count() == 1


def test_the_customer_list_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for number in range(30):
        customer(f"c{number}@example.com")
    reader = token("customers:read")

    with django_assert_max_num_queries(5):
        response = call("get", "/api/v1/admin/customers?limit=30", reader)

    assert len(response.json()["items"]) == 30
