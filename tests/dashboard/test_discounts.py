"""The dashboard's discounts area: the list with status and uses in a constant number of queries,
create and edit with errors next to the field, pause and resume, the uses with their orders, and
403 for staff without the discounts permission."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from freehold.core import clock
from freehold.core.models import AuditEvent
from freehold.marketing.models import DiscountCode, DiscountRedemption
from freehold.marketing.services import discount_create
from tests.factories import make_store_settings

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store():
    make_store_settings(name="Fjell & Co", currency="EUR")


def code(name: str = "SPRING", **fields: Any) -> DiscountCode:
    values: dict[str, Any] = {"kind": DiscountCode.Kind.PERCENTAGE, "value": Decimal(10)}
    values.update(fields)
    return discount_create(code=name, **values)


def redeem(discount: DiscountCode, order_number: str, email: str = "ana@example.com") -> None:
    DiscountRedemption.objects.create(
        discount=discount,
        order_number=order_number,
        email=email,
        amount=Decimal("5.00"),
        currency="EUR",
    )
    DiscountCode.objects.filter(pk=discount.pk).update(times_used=discount.times_used + 1)
    discount.refresh_from_db()


def body(response: Any) -> str:
    return response.content.decode()


def row_of(page: str, name: str) -> str:
    return page.split(f">{name}</a>")[1].split("</tr>")[0]


FORM = {
    "code": "summer-15",
    "kind": "percentage",
    "value": "15",
    "currency": "",
    "minimum_subtotal_amount": "",
    "starts_at": "",
    "ends_at": "",
    "usage_limit_total": "100",
    "usage_limit_per_customer": "1",
    "is_active": "on",
}


# --- The list --------------------------------------------------------------------------------


def test_the_list_shows_kind_value_status_and_uses_against_the_limit(owner_client):
    # Given codes in every state
    now = clock.now()
    active = code("ACTIVE", usage_limit_total=10)
    redeem(active, "1001")
    redeem(active, "1002")
    code("PAUSED", is_active=False)
    code("LATER", starts_at=now + dt.timedelta(days=2))
    code("OVER", starts_at=now - dt.timedelta(days=9), ends_at=now - dt.timedelta(days=1))
    used_up = code("GONE", usage_limit_total=1)
    redeem(used_up, "1003")
    code("TENOFF", kind=DiscountCode.Kind.FIXED_AMOUNT, value=Decimal(10), currency="EUR")
    code("SHIPFREE", kind=DiscountCode.Kind.FREE_SHIPPING, value=Decimal(0))

    # When the list is opened
    page = body(owner_client.get("/dashboard/discounts/"))

    # Then each row says what a shopper would meet today
    assert "Active" in row_of(page, "ACTIVE") and "2 / 10" in row_of(page, "ACTIVE")
    assert "10 %" in row_of(page, "ACTIVE")
    assert "Paused" in row_of(page, "PAUSED") and "Resume" in row_of(page, "PAUSED")
    assert "Scheduled" in row_of(page, "LATER")
    assert "Expired" in row_of(page, "OVER")
    assert "Used up" in row_of(page, "GONE") and "1 / 1" in row_of(page, "GONE")
    assert "€10.00" in row_of(page, "TENOFF")
    assert "Free shipping" in row_of(page, "SHIPFREE")


@pytest.mark.parametrize(
    ("status", "listed"),
    [
        ("active", {"ACTIVE"}),
        ("paused", {"PAUSED"}),
        ("scheduled", {"LATER"}),
        ("expired", {"OVER"}),
        ("used_up", {"GONE"}),
    ],
)
def test_the_status_filter_agrees_with_the_status_shown(owner_client, status, listed):
    now = clock.now()
    code("ACTIVE")
    code("PAUSED", is_active=False)
    code("LATER", starts_at=now + dt.timedelta(days=2))
    code("OVER", ends_at=now - dt.timedelta(days=1), starts_at=now - dt.timedelta(days=3))
    redeem(code("GONE", usage_limit_total=1), "1001")

    page = body(owner_client.get(f"/dashboard/discounts/?status={status}"))

    shown = {name for name in ("ACTIVE", "PAUSED", "LATER", "OVER", "GONE") if f">{name}<" in page}
    assert shown == listed


def test_the_list_searches_codes_in_any_case(owner_client):
    code("SPRING")
    code("SUMMER")
    page = body(owner_client.get("/dashboard/discounts/?q=spr"))
    assert ">SPRING<" in page and ">SUMMER<" not in page


def test_the_list_runs_a_constant_number_of_queries(owner_client, django_assert_max_num_queries):
    for number in range(30):
        discount = code(f"CODE{number}", usage_limit_total=5)
        redeem(discount, f"{1000 + number}")
    with django_assert_max_num_queries(7):
        page = body(owner_client.get("/dashboard/discounts/"))
    assert page.count("1 / 5") == 30


# --- Create and edit -------------------------------------------------------------------------


def test_create_a_code(owner_client):
    response = owner_client.post("/dashboard/discounts/new/", FORM)
    discount = DiscountCode.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/dashboard/discounts/{discount.pk}/"
    assert (discount.code, discount.value, discount.usage_limit_per_customer) == (
        "SUMMER-15",
        Decimal(15),
        1,
    )
    assert discount.is_active
    assert AuditEvent.objects.get(verb="discount.created").actor_label == "owner@example.com"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value": "150"}, "Value: A percentage is at most 100."),
        ({"value": ""}, "Value: The discount must be more than zero."),
        ({"code": "no spaces"}, "Code: Use 3 to 64 letters, digits, hyphens or underscores."),
        (
            {"starts_at": "2026-06-02T10:00", "ends_at": "2026-06-01T10:00"},
            "Ends: The end must come after the start.",
        ),
        ({"kind": "fixed_amount"}, "Currency: A fixed-amount code needs a currency."),
        ({"usage_limit_total": "0"}, "Uses in total: Ensure this value is greater than"),
        ({"value": "ten"}, "Value: Enter a number."),
    ],
)
def test_create_names_the_field_that_is_wrong(owner_client, changes, message):
    response = owner_client.post("/dashboard/discounts/new/", {**FORM, **changes})
    assert response.status_code == 400
    assert message in body(response)
    assert not DiscountCode.objects.exists()


def test_create_refuses_a_code_that_exists_in_another_case(owner_client):
    code("SUMMER-15")
    response = owner_client.post("/dashboard/discounts/new/", FORM)
    assert "Code: The code SUMMER-15 already exists." in body(response)
    assert DiscountCode.objects.count() == 1


def test_the_edit_page_lists_recent_uses_with_their_orders(owner_client):
    discount = code("SPRING", usage_limit_total=10)
    redeem(discount, "1042", email="bea@example.com")
    page = body(owner_client.get(f"/dashboard/discounts/{discount.pk}/"))
    assert 'href="/dashboard/orders/1042/"' in page
    assert "bea@example.com" in page
    assert "1</strong> of 10 used" in page
    assert 'value="SPRING"' in page


def test_edit_saves_changes_and_keeps_the_use_count(owner_client):
    discount = code("SPRING", usage_limit_total=10)
    redeem(discount, "1001")
    response = owner_client.post(
        f"/dashboard/discounts/{discount.pk}/",
        {**FORM, "code": "spring", "value": "20", "usage_limit_total": "20"},
    )
    assert response.status_code == 302
    discount.refresh_from_db()
    assert (discount.value, discount.usage_limit_total, discount.times_used) == (
        Decimal(20),
        20,
        1,
    )
    assert discount.is_active  # the edit form does not pause
    assert AuditEvent.objects.get(verb="discount.updated").data["fields"] == [
        "usage_limit_per_customer",
        "usage_limit_total",
        "value",
    ]


def test_edit_shows_the_error_next_to_the_field_and_changes_nothing(owner_client):
    discount = code("SPRING")
    response = owner_client.post(
        f"/dashboard/discounts/{discount.pk}/", {**FORM, "code": "SPRING", "value": "101"}
    )
    assert response.status_code == 400
    assert "Value: A percentage is at most 100." in body(response)
    discount.refresh_from_db()
    assert discount.value == Decimal(10)


def test_pause_and_resume(owner_client):
    discount = code("SPRING")
    response = owner_client.post(
        f"/dashboard/discounts/{discount.pk}/pause/", {"next": "/dashboard/discounts/?q=spr"}
    )
    assert response["Location"] == "/dashboard/discounts/?q=spr"
    discount.refresh_from_db()
    assert not discount.is_active
    owner_client.post(f"/dashboard/discounts/{discount.pk}/resume/")
    discount.refresh_from_db()
    assert discount.is_active
    assert [event.verb for event in AuditEvent.objects.order_by("id")][-2:] == [
        "discount.paused",
        "discount.resumed",
    ]


def test_pausing_needs_a_post(owner_client):
    discount = code("SPRING")
    assert owner_client.get(f"/dashboard/discounts/{discount.pk}/pause/").status_code == 405
    discount.refresh_from_db()
    assert discount.is_active


# --- Permissions -----------------------------------------------------------------------------


def test_staff_without_the_discounts_permission_get_403_everywhere(staff_client_with):
    discount = code("SPRING")
    client = staff_client_with("orders", "products", "customers", "reports", "settings")
    for url in [
        "/dashboard/discounts/",
        "/dashboard/discounts/new/",
        f"/dashboard/discounts/{discount.pk}/",
    ]:
        assert client.get(url).status_code == 403, url
    for url in [
        "/dashboard/discounts/new/",
        f"/dashboard/discounts/{discount.pk}/",
        f"/dashboard/discounts/{discount.pk}/pause/",
        f"/dashboard/discounts/{discount.pk}/resume/",
    ]:
        assert client.post(url, {**FORM, "code": "SPRING", "value": "99"}).status_code == 403, url
    discount.refresh_from_db()
    assert (discount.value, discount.is_active) == (Decimal(10), True)
    assert DiscountCode.objects.count() == 1


def test_staff_with_the_discounts_permission_may_use_the_area(staff_client_with):
    discount = code("SPRING")
    client = staff_client_with("discounts")
    assert client.get("/dashboard/discounts/").status_code == 200
    assert client.post(f"/dashboard/discounts/{discount.pk}/pause/").status_code == 302
