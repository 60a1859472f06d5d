"""The audit log at /dashboard/audit/: newest first, filters, links to objects, CSV export,
permission, and a constant number of queries per page."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client

from freehold.core.audit import Actor, record
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.orders.models import Order
from freehold.orders.services import order_number_next
from tests.dashboard.conftest import make_staff
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def make_order() -> Order:
    return Order.objects.create(
        number=order_number_next(), email="ann@example.com", currency="EUR",
        total_amount=Decimal("10.00"),
    )  # fmt: skip


def event(actor: Customer | None, verb: str, obj, *, at: dt.datetime | None = None, **fields):
    made = record(
        actor=Actor.for_user(actor) if actor is not None else Actor.system(),
        verb=verb,
        obj=obj,
        **fields,
    )
    if at is not None:
        AuditEvent.objects.filter(pk=made.pk).update(created_at=at)
    return made


def rows_of(body: str) -> int:
    return body.count('<td class="nowrap">')  # the first cell of every event's row


def test_events_are_listed_newest_first_with_links_to_their_objects(owner, owner_client):
    order = make_order()
    product = make_product(title="Mug")
    customer = Customer.objects.create_user("shopper@example.com", "x")
    AuditEvent.objects.all().delete()  # the set-up's own events
    event(owner, "order.fulfilled", order, from_state="unfulfilled", to_state="fulfilled")
    event(owner, "product.updated", product, data={"fields": ["title"], "note": "x" * 500})
    event(None, "customer.created", customer)

    body = owner_client.get("/dashboard/audit/").content.decode()
    table = body[body.index("<tbody>") :]

    assert f'href="/dashboard/orders/{order.number}/">Order #{order.number}</a>' in body
    assert f'href="/dashboard/products/{product.pk}/"' in body
    assert f'href="/dashboard/customers/{customer.pk}/"' in body
    assert (
        table.index("customer.created")
        < table.index("product.updated")
        < table.index("order.fulfilled")
    )
    assert "unfulfilled</span> → <span" in body
    assert "{&#34;fields&#34;:[&#34;title&#34;]" in body and "…" in body
    assert owner.email in body


def test_filters_by_staff_member_verb_object_type_and_date(owner, owner_client):
    other = make_staff("other@example.com", role=Customer.StaffRole.ADMIN)
    order, product = make_order(), make_product()
    AuditEvent.objects.all().delete()  # the set-up's own events
    old = dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)
    event(owner, "order.cancelled", order, at=old)
    event(owner, "order.fulfilled", order)
    event(other, "order.fulfilled", order)
    event(other, "product.updated", product)

    def count(query: str) -> int:
        response = owner_client.get(f"/dashboard/audit/?{query}")
        assert response.status_code == 200
        return rows_of(response.content.decode())

    assert count("") == 4
    assert count(f"actor={other.pk}") == 2
    assert count("verb=order.fulfilled") == 2
    assert count(f"verb=order.fulfilled&actor={owner.pk}") == 1
    assert count("object_type=catalog.product") == 1
    assert count("since=2026-01-10&until=2026-01-10") == 1
    assert count("until=2026-01-09") == 0


def test_bad_filters_are_named_next_to_their_field_and_list_nothing(owner, owner_client):
    event(owner, "order.fulfilled", make_order())

    body = owner_client.get("/dashboard/audit/?since=2026-02-01&until=2026-01-01").content.decode()
    assert "Until: The end date is before the start date." in body
    assert rows_of(body) == 0

    body = owner_client.get("/dashboard/audit/?since=yesterday").content.decode()
    assert "From: Enter a valid date." in body


def test_pages_are_a_constant_number_of_queries(owner, owner_client, django_assert_max_num_queries):
    for _ in range(30):
        order = make_order()
        event(owner, "order.paid", order, from_state="awaiting_payment", to_state="paid")
        event(owner, "product.updated", make_product())
    AuditEvent.objects.exclude(verb__in=["order.paid", "product.updated"]).delete()
    owner_client.get("/dashboard/audit/")  # warm the store settings' cache

    with django_assert_max_num_queries(9):
        response = owner_client.get("/dashboard/audit/")
    body = response.content.decode()
    assert rows_of(body) == 50
    assert 'rel="next"' in body
    second = owner_client.get("/dashboard/audit/?page=2").content.decode()
    assert rows_of(second) == 10 and 'rel="prev"' in second


def test_the_filtered_log_exports_as_csv(owner, owner_client):
    order = make_order()
    event(owner, "order.fulfilled", order, data={"tracking": "=HYPERLINK(1)"})
    event(owner, "=cmd|' /C calc'!A0", order)
    event(owner, "product.updated", make_product())

    response = owner_client.get("/dashboard/audit/?object_type=orders.order&format=csv")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="audit-log.csv"' in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:5] == ["time", "actor_kind", "actor_id", "actor", "verb"]
    assert len(rows) == 3
    assert {row[4] for row in rows[1:]} == {"order.fulfilled", "'=cmd|' /C calc'!A0"}
    assert rows[2][9] == '{"tracking":"=HYPERLINK(1)"}'


def test_the_audit_log_needs_the_settings_permission(staff_client_with):
    for permissions in [("orders",), ("reports", "products", "customers", "discounts")]:
        client = staff_client_with(*permissions)
        assert client.get("/dashboard/audit/").status_code == 403
        assert client.get("/dashboard/audit/?format=csv").status_code == 403
    assert staff_client_with("settings").get("/dashboard/audit/").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in():
    response = Client().get("/dashboard/audit/")

    assert response.status_code == 302
    assert response["Location"].startswith("/account/login?next=")
