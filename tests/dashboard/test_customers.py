"""The dashboard's customers area: list, search and filters in a constant number of queries,
the customer's page with lifetime value, create and edit with errors by field, the CSV export,
and 403 for staff without the customers permission."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from freehold.core.models import AuditEvent
from freehold.customers.models import Address, Customer
from freehold.orders.models import Order, Payment
from freehold.orders.services import order_number_next
from freehold.orders.states import PaymentStatus
from tests.factories import make_store_settings

pytestmark = pytest.mark.django_db

DAY = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _store():
    make_store_settings(name="Fjell & Co", currency="EUR")


def shopper(email: str, **fields: Any) -> Customer:
    return Customer.objects.create_user(email, "x", **fields)


def order_for(
    customer: Customer | None,
    total: str,
    *,
    paid: bool = True,
    currency: str = "EUR",
    refunded: str = "",
    days: int = 0,
    email: str = "",
) -> Order:
    order = Order.objects.create(
        number=order_number_next(),
        customer=customer,
        email=email or (customer.email if customer else "guest@example.com"),
        currency=currency,
        subtotal_amount=Decimal(total),
        total_amount=Decimal(total),
        payment_status=PaymentStatus.PAID if paid else PaymentStatus.AWAITING_PAYMENT,
        placed_at=DAY + dt.timedelta(days=days),
    )
    if refunded:
        order.payment_status = PaymentStatus.PARTIALLY_REFUNDED
        order.save(update_fields=["payment_status"])
        Payment.objects.create(
            order=order,
            gateway="manual",
            kind=Payment.Kind.REFUND,
            status=Payment.Status.SUCCEEDED,
            currency=currency,
            amount=Decimal(refunded),
        )
    return order


def body(response: Any) -> str:
    return response.content.decode()


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_each_customer_s_orders_and_net_spending(owner_client):
    # Given a customer with two paid orders, one partly refunded, and an unpaid one
    ana = shopper("ana@example.com", first_name="Ana", last_name="Lima", country_code="PT")
    order_for(ana, "50.00")
    order_for(ana, "30.00", refunded="10.00", days=1)
    order_for(ana, "99.00", paid=False, days=2)
    order_for(ana, "45.00", currency="USD", days=3)  # the list's column is the store's currency
    # and a customer without orders, and a staff account
    shopper("bo@example.com")

    # When the owner opens the list
    page = body(owner_client.get("/dashboard/customers/?sort=spent"))

    # Then Ana's row counts four orders and €70.00 spent (80 paid less 10 refunded)
    row = page.split("ana@example.com")[1].split("</tr>")[0]
    assert ">4</td>" in row
    assert "€70.00" in row and "45" not in row
    assert "04 Mar 2026" in row
    assert "bo@example.com" in page
    assert "owner@example.com" not in page.split("<table")[1]  # staff are not customers


@pytest.mark.parametrize(
    ("query", "found", "missing"),
    [
        ("q=lima", "ana@example.com", "bo@example.com"),
        ("q=Ana+Lima", "ana@example.com", "bo@example.com"),
        ("q=%2B4930", "bo@example.com", "ana@example.com"),
        ("country=pt", "ana@example.com", "bo@example.com"),
        ("accepts_marketing=yes", "bo@example.com", "ana@example.com"),
        ("accepts_marketing=no", "ana@example.com", "bo@example.com"),
        ("has_orders=yes", "ana@example.com", "bo@example.com"),
        ("has_orders=no", "bo@example.com", "ana@example.com"),
        ("tag=VIP", "ana@example.com", "bo@example.com"),
    ],
)
def test_search_and_filters(owner_client, query, found, missing):
    # Given two customers who differ in every filter
    ana = shopper(
        "ana@example.com", first_name="Ana", last_name="Lima", country_code="PT", tags=["vip"]
    )
    shopper("bo@example.com", phone="+4930123456", accepts_marketing=True, tags=["vip-gold", "x"])
    order_for(ana, "10.00")

    # When the list is filtered
    page = body(owner_client.get(f"/dashboard/customers/?{query}"))

    # Then only the matching one is listed
    listed = page.split("<table")[1] if "<table" in page else ""
    assert found in listed
    assert missing not in listed


def test_an_unknown_country_filter_is_named_and_ignored(owner_client):
    shopper("ana@example.com")
    page = body(owner_client.get("/dashboard/customers/?country=QQ"))
    assert "Country: Enter a two-letter country code" in page
    assert "ana@example.com" in page


def test_the_list_runs_a_constant_number_of_queries(owner_client, django_assert_max_num_queries):
    # Given 30 customers with orders, refunds and addresses
    for number in range(30):
        customer = shopper(f"c{number}@example.com", tags=["vip"])
        order_for(customer, "20.00", refunded="5.00" if number % 2 else "")
        Address.objects.create(customer=customer, line1="Main St 1", country_code="DE")

    # When the list and the export are read
    with django_assert_max_num_queries(8):
        response = owner_client.get("/dashboard/customers/?tag=vip&has_orders=yes&sort=orders")
    assert body(response).count('href="/dashboard/customers/') >= 30
    with django_assert_max_num_queries(8):
        b"".join(owner_client.get("/dashboard/customers/export.csv").streaming_content)


def test_the_list_paginates(owner_client):
    for number in range(55):
        shopper(f"c{number:02}@example.com")
    first = body(owner_client.get("/dashboard/customers/?sort=oldest"))
    second = body(owner_client.get("/dashboard/customers/?sort=oldest&page=2"))
    assert "c00@example.com" in first and "c54@example.com" not in first
    assert "c54@example.com" in second and 'rel="prev"' in second


# --- The customer's page ---------------------------------------------------------------------


def test_the_customer_page_shows_value_orders_addresses_and_consent(owner_client):
    # Given a customer with orders in two currencies, a refund and an address
    ana = shopper(
        "ana@example.com",
        first_name="Ana",
        last_name="Lima",
        accepts_marketing=True,
        accepts_marketing_updated_at=DAY,
        tags=["vip"],
    )
    first = order_for(ana, "40.00", days=0)
    order_for(ana, "60.00", refunded="20.00", days=3)
    order_for(ana, "100.00", currency="USD", days=5)
    order_for(ana, "15.00", paid=False, days=6)
    order_for(None, "999.00", email="ana@example.com")  # a guest order is not hers
    Address.objects.create(
        customer=ana, line1="Rua das Flores 7", city="Lisboa", country_code="PT", is_default=True
    )

    # When the owner opens her page
    page = body(owner_client.get(f"/dashboard/customers/{ana.pk}/"))

    # Then it shows lifetime value per currency, the average of paid orders, counts and dates
    assert "Lifetime value (EUR)" in page and "€80.00" in page  # 40 + 60 - 20
    assert "€40.00" in page  # average: 80 over 2 paid orders
    assert "Lifetime value (USD)" in page and "$100.00" in page
    assert '<div class="value">4</div>' in page
    assert "01 Mar 2026" in page and "07 Mar 2026" in page
    # the orders link to their dashboard pages
    assert f'href="/dashboard/orders/{first.number}/"' in page
    # the address and the consent with its time
    assert "Rua das Flores 7" in page and "Portugal" in page
    assert "Subscribed" in page and "since 01 Mar 2026" in page
    assert "999.00" not in page


def test_a_staff_account_has_no_customer_page(owner_client, owner):
    assert owner_client.get(f"/dashboard/customers/{owner.pk}/").status_code == 404
    assert owner_client.get(f"/dashboard/customers/{owner.pk}/edit/").status_code == 404


def test_tags_and_note_are_saved_from_the_customer_page(owner_client):
    ana = shopper("ana@example.com")
    response = owner_client.post(
        f"/dashboard/customers/{ana.pk}/notes/", {"tags": "VIP, wholesale", "note": "Calls first."}
    )
    assert response.status_code == 302
    ana.refresh_from_db()
    assert (ana.tags, ana.note) == (["vip", "wholesale"], "Calls first.")
    assert AuditEvent.objects.filter(verb="customer.updated", actor_label="owner@example.com")


# --- Create and edit -------------------------------------------------------------------------


def test_create_a_customer(owner_client):
    response = owner_client.post(
        "/dashboard/customers/new/",
        {
            "email": "New@Example.com",
            "first_name": "Nia",
            "country_code": "DE",
            "tags": "Phone order",
            "accepts_marketing": "on",
        },
    )
    customer = Customer.objects.get(email="new@example.com")
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/customers/{customer.pk}/"
    assert customer.tags == ["phone order"] and customer.accepts_marketing
    assert not customer.has_usable_password()


def test_create_names_the_field_of_a_taken_e_mail(owner_client):
    shopper("ana@example.com")
    response = owner_client.post("/dashboard/customers/new/", {"email": "ANA@example.com"})
    assert response.status_code == 400
    assert "E-mail: A customer with this e-mail address already exists." in body(response)
    assert Customer.objects.filter(is_staff=False).count() == 1


def test_edit_shows_the_error_next_to_the_field_and_keeps_the_customer(owner_client):
    ana = shopper("ana@example.com", first_name="Ana")
    response = owner_client.post(
        f"/dashboard/customers/{ana.pk}/edit/",
        {"email": "ana@example.com", "first_name": "Ana", "phone": "call me maybe"},
    )
    assert response.status_code == 400
    assert "is not a valid number; write it with the country code" in body(response)
    assert 'aria-invalid="true"' in body(response)


def test_edit_changes_consent_and_stamps_it(owner_client):
    ana = shopper("ana@example.com")
    response = owner_client.post(
        f"/dashboard/customers/{ana.pk}/edit/",
        {"email": "ana@example.com", "first_name": "Ana", "accepts_marketing": "on"},
    )
    assert response.status_code == 302
    ana.refresh_from_db()
    assert ana.accepts_marketing and ana.accepts_marketing_updated_at is not None
    assert ana.first_name == "Ana"


# --- Export ----------------------------------------------------------------------------------


def test_the_export_follows_shopify_s_customer_csv_layout(owner_client):
    # Given a customer with a default address, orders and tags, and another one
    ana = shopper(
        "ana@example.com",
        first_name="Ana",
        last_name="Lima",
        phone="+351211234567",
        accepts_marketing=True,
        tags=["vip", "wholesale"],
        note="=HYPERLINK(evil)",
    )
    Address.objects.create(
        customer=ana,
        company="Lima Lda",
        line1="Rua das Flores 7",
        line2="2º",
        city="Lisboa",
        region="11",
        postal_code="1200-195",
        country_code="PT",
        phone="+351211234568",
        is_default=True,
    )
    Address.objects.create(customer=ana, line1="Old street", country_code="PT")
    order_for(ana, "50.00")
    order_for(ana, "30.00", refunded="10.00")
    shopper("bo@example.com", country_code="DE")

    # When the filtered export is downloaded
    response = owner_client.get("/dashboard/customers/export.csv?country=&tag=vip")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))

    # Then the columns are Shopify's and the filter applies
    assert response["Content-Type"].startswith("text/csv")
    assert rows[0] == [
        "First Name",
        "Last Name",
        "Email",
        "Accepts Email Marketing",
        "Default Address Company",
        "Default Address Address1",
        "Default Address Address2",
        "Default Address City",
        "Default Address Province Code",
        "Default Address Country Code",
        "Default Address Zip",
        "Default Address Phone",
        "Phone",
        "Accepts SMS Marketing",
        "Total Spent",
        "Total Orders",
        "Note",
        "Tax Exempt",
        "Tags",
    ]
    assert rows[1:] == [
        [
            "Ana",
            "Lima",
            "ana@example.com",
            "yes",
            "Lima Lda",
            "Rua das Flores 7",
            "2º",
            "Lisboa",
            "11",
            "PT",
            "1200-195",
            "'+351211234568",
            "'+351211234567",
            "no",
            "70.00",
            "2",
            "'=HYPERLINK(evil)",
            "no",
            "vip, wholesale",
        ]
    ]


# --- Permissions -----------------------------------------------------------------------------


def test_staff_without_the_customers_permission_get_403_everywhere(staff_client_with):
    # Given a customer and a staff member with every other permission
    ana = shopper("ana@example.com")
    client = staff_client_with("orders", "products", "discounts", "reports", "settings")
    gets = [
        "/dashboard/customers/",
        "/dashboard/customers/new/",
        "/dashboard/customers/export.csv",
        f"/dashboard/customers/{ana.pk}/",
        f"/dashboard/customers/{ana.pk}/edit/",
    ]
    posts = {
        "/dashboard/customers/new/": {"email": "x@example.com"},
        f"/dashboard/customers/{ana.pk}/edit/": {"email": "x@example.com"},
        f"/dashboard/customers/{ana.pk}/notes/": {"note": "mine now"},
    }

    # Then every page and every form is refused, and nothing changes
    for url in gets:
        assert client.get(url).status_code == 403, url
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403, url
    ana.refresh_from_db()
    assert (ana.email, ana.note) == ("ana@example.com", "")
    assert not Customer.objects.filter(email="x@example.com").exists()


def test_staff_with_the_customers_permission_may_use_the_area(staff_client_with):
    ana = shopper("ana@example.com")
    client: Client = staff_client_with("customers")
    assert client.get("/dashboard/customers/").status_code == 200
    assert client.get(f"/dashboard/customers/{ana.pk}/").status_code == 200
    assert client.get("/dashboard/customers/export.csv").status_code == 200


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/dashboard/customers/export.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/login?next=")
