"""Admin API, discount codes: creating once, the rules named by field, editing, pausing."""

from __future__ import annotations

import pytest

from freehold.core.models import AuditEvent
from freehold.marketing.models import DiscountCode
from freehold.marketing.services import discount_create
from tests.api.admin_client import STAFF, call, token

pytestmark = pytest.mark.django_db

SUMMER = {
    "code": "summer-10",
    "kind": "percentage",
    "value": "10",
    "minimum_subtotal": "50",
    "starts_at": "2026-06-01T00:00:00+02:00",
    "usage_limit_total": 100,
}


def code(name: str = "WELCOME", **fields) -> DiscountCode:
    return discount_create(
        actor=STAFF, **{"code": name, "kind": "percentage", "value": 5, **fields}
    )


def test_a_code_is_created_once_per_key_in_upper_case_with_times_in_utc():
    writer = token("discounts:write")

    first = call("post", "/api/v1/admin/discounts", writer, SUMMER, HTTP_IDEMPOTENCY_KEY="d-1")
    again = call("post", "/api/v1/admin/discounts", writer, SUMMER, HTTP_IDEMPOTENCY_KEY="d-1")
    reused = call(
        "post",
        "/api/v1/admin/discounts",
        writer,
        {**SUMMER, "value": "20"},
        HTTP_IDEMPOTENCY_KEY="d-1",
    )

    assert (first.status_code, again.status_code, reused.status_code) == (201, 201, 409)
    body = first.json()
    assert again.json()["id"] == body["id"]
    assert (body["code"], body["kind"], body["value"], body["minimum_subtotal"]) == (
        "SUMMER-10",
        "percentage",
        "10.00",
        "50.00",
    )
    assert body["starts_at"].startswith("2026-05-31T22:00:00")
    assert (body["currency"], body["times_used"], body["is_active"]) == (None, 0, True)
    assert DiscountCode.objects.count() == 1
    assert AuditEvent.objects.get(verb="discount.created").actor_label == "Warehouse"


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"value": "150"}, 400, "value"),
        ({"kind": "fixed_amount", "value": "5"}, 400, "currency"),
        ({"ends_at": "2026-05-01T00:00:00Z"}, 400, "ends_at"),
        ({"code": "WELCOME"}, 400, "code"),
        ({"code": "no spaces here"}, 400, "code"),
        ({"minimum_subtotal": "-1"}, 422, "minimum_subtotal"),
        ({"kind": "buy_one_get_one"}, 422, "kind"),
        ({"usage_limit_total": 0}, 422, "usage_limit_total"),
    ],
)
def test_codes_that_cannot_work_are_refused_naming_the_field(change, status, field):
    code("WELCOME")

    response = call(
        "post",
        "/api/v1/admin/discounts",
        token("discounts:write"),
        {**SUMMER, **change},
        HTTP_IDEMPOTENCY_KEY="bad",
    )

    assert (response.status_code, response.json()["error"]["field"]) == (status, field)
    assert DiscountCode.objects.count() == 1


def test_codes_are_listed_filtered_and_read_one_by_one():
    welcome = code("WELCOME")
    code("SUMMER", is_active=False)
    code("FREESHIP", kind="free_shipping", value=0)
    reader = token("discounts:read")

    def codes(query: str) -> list[str]:
        response = call("get", f"/api/v1/admin/discounts{query}", reader)
        assert response.status_code == 200
        return [item["code"] for item in response.json()["items"]]

    assert codes("") == ["FREESHIP", "SUMMER", "WELCOME"]
    assert codes("?is_active=false") == ["SUMMER"]
    assert codes("?kind=free_shipping") == ["FREESHIP"]
    assert codes("?q=sum") == ["SUMMER"]
    one = call("get", f"/api/v1/admin/discounts/{welcome.pk}", reader)
    assert (one.status_code, one.json()["value"]) == (200, "5.00")
    assert call("get", "/api/v1/admin/discounts/999999", reader).status_code == 404


def test_a_code_is_edited_limits_cleared_and_paused_and_resumed():
    welcome = code("WELCOME", usage_limit_total=10)
    writer = token("discounts:write")
    path = f"/api/v1/admin/discounts/{welcome.pk}"

    edited = call("patch", path, writer, {"value": "15", "usage_limit_total": None})
    refused = call("patch", path, writer, {"value": "101"})
    paused = call("post", f"{path}/pause", writer)
    resumed = call("post", f"{path}/resume", writer)

    assert edited.status_code == 200
    assert (edited.json()["value"], edited.json()["usage_limit_total"]) == ("15.00", None)
    assert (refused.status_code, refused.json()["error"]["field"]) == (400, "value")
    assert (paused.json()["is_active"], resumed.json()["is_active"]) == (False, True)
    verbs = list(AuditEvent.objects.order_by("pk").values_list("verb", "actor_label"))
    assert verbs[-3:] == [
        ("discount.updated", "Warehouse"),
        ("discount.paused", "Warehouse"),
        ("discount.resumed", "Warehouse"),
    ]


def test_discounts_need_their_scopes():
    welcome = code("WELCOME")
    reader = token("discounts:read")
    other = token("products:read")
    path = f"/api/v1/admin/discounts/{welcome.pk}"

    assert call("get", "/api/v1/admin/discounts", other).status_code == 403
    assert call("get", path, other).status_code == 403
    created = call("post", "/api/v1/admin/discounts", reader, SUMMER, HTTP_IDEMPOTENCY_KEY="k")
    assert created.status_code == 403
    assert call("patch", path, reader, {"value": "50"}).status_code == 403
    assert call("post", f"{path}/pause", reader).status_code == 403
    assert call("post", f"{path}/resume", reader).status_code == 403
    assert DiscountCode.objects.get().value == 5
