"""The dashboard's segments, RFM and cohorts pages, and the customer page's profile: what
staff see and do, the live segment count, 403 without the customers area, and list pages
in a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from freehold.core import clock
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.insights import scores
from freehold.insights.models import CustomerScore, Event, Segment
from tests.factories import make_store_settings
from tests.insights.audience_factories import NOW, buyer, order_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store():
    make_store_settings(name="Fjell & Co", currency="EUR")


@pytest.fixture(autouse=True)
def _frozen():
    with clock.frozen_at(NOW):
        yield


def rule_data(*rules: tuple[str, str, str], name: str = "", match: str = "all") -> dict[str, str]:
    data = {"name": name, "match": match}
    for index, (field, relation, value) in enumerate(rules):
        data[f"rules-{index}-field"] = field
        data[f"rules-{index}-relation"] = relation
        data[f"rules-{index}-value"] = value
    return data


def test_the_live_preview_counts_the_customers_the_rules_pick(owner_client: Client):
    buyer("de@example.com", country_code="DE")
    buyer("de2@example.com", country_code="DE")
    buyer("fr@example.com", country_code="FR")

    response = owner_client.get(
        "/dashboard/customers/segments/preview/", rule_data(("country", "equals", "DE"))
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-count="2"' in html
    assert "de@example.com" in html and "fr@example.com" not in html


def test_the_preview_names_a_bad_rule_row(owner_client: Client):
    response = owner_client.get(
        "/dashboard/customers/segments/preview/",
        rule_data(("country", "equals", "DE"), ("orders_count", "equals", "many")),
    )

    html = response.content.decode()
    assert 'data-count=""' in html
    assert "Rule 2: Paid orders" in html


def test_saving_a_segment_then_editing_and_deleting_it(owner_client: Client):
    buyer("de@example.com", country_code="DE")

    response = owner_client.post(
        "/dashboard/customers/segments/new/",
        rule_data(("country", "equals", "de"), name="Germany"),
    )
    assert response.status_code == 302
    segment = Segment.objects.get()
    assert segment.rules == [{"field": "country", "relation": "equals", "value": "de"}]
    listing = owner_client.get("/dashboard/customers/segments/").content.decode()
    assert "Germany" in listing and "Country is de" in listing

    edit_page = owner_client.get(f"/dashboard/customers/segments/{segment.pk}/")
    assert 'data-count="1"' in edit_page.content.decode()
    response = owner_client.post(
        f"/dashboard/customers/segments/{segment.pk}/",
        rule_data(("country", "equals", "FR"), name="France", match="any"),
    )
    assert response.status_code == 302
    segment.refresh_from_db()
    assert (segment.name, segment.match_all) == ("France", False)

    response = owner_client.post(f"/dashboard/customers/segments/{segment.pk}/delete/")
    assert response.status_code == 302
    assert not Segment.objects.exists()
    assert list(AuditEvent.objects.order_by("id").values_list("verb", flat=True)) == [
        "segment.created",
        "segment.updated",
        "segment.deleted",
    ]


def test_a_bad_rule_is_refused_next_to_its_row(owner_client: Client):
    response = owner_client.post(
        "/dashboard/customers/segments/new/",
        rule_data(("country", "equals", "DE"), ("last_order", "before", "soon"), name="X"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="rule-1-error"' in html
    assert "Rule 2: Last order" in html
    assert not Segment.objects.exists()


def test_a_segment_without_a_name_is_refused(owner_client: Client):
    response = owner_client.post(
        "/dashboard/customers/segments/new/", rule_data(("country", "equals", "DE"))
    )

    assert response.status_code == 400
    assert "Name: A segment needs a name." in response.content.decode()


def test_add_a_rule_without_javascript_shows_another_row(owner_client: Client):
    data = rule_data(("country", "equals", "DE"), name="X")
    data["add_rule"] = "1"

    response = owner_client.post("/dashboard/customers/segments/new/", data)

    assert response.status_code == 200
    assert 'name="rules-1-field"' in response.content.decode()
    assert not Segment.objects.exists()


def test_rfm_page_recompute_and_class_list(owner_client: Client):
    for index, days in enumerate((1, 3, 100, 250, 400)):
        order_for(buyer(f"c{index}@example.com"), "50.00", days_ago=days)

    empty = owner_client.get("/dashboard/customers/rfm/")
    assert "Not computed yet" in empty.content.decode()
    response = owner_client.post("/dashboard/customers/rfm/recompute/")
    assert response.status_code == 302
    assert CustomerScore.objects.count() == 5
    assert AuditEvent.objects.filter(verb="insights.rfm_recomputed").count() == 1

    page = owner_client.get("/dashboard/customers/rfm/").content.decode()
    assert "rfm-grid" in page and "Champions" in page
    best = CustomerScore.objects.get(customer__email="c0@example.com")
    listing = owner_client.get(f"/dashboard/customers/rfm/{best.rfm_class}/").content.decode()
    assert "c0@example.com" in listing
    assert owner_client.get("/dashboard/customers/rfm/nonsense/").status_code == 404


def test_cohorts_page_with_a_period(owner_client: Client):
    customer = buyer("a@example.com")
    order_for(customer, "10.00", days_ago=40)
    order_for(customer, "10.00", days_ago=5)

    response = owner_client.get("/dashboard/customers/cohorts/?months=12")
    revenue = owner_client.get("/dashboard/customers/cohorts/?months=24&show=revenue")

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count('<th scope="row">') == 12
    assert "100.0 %" in html
    assert revenue.status_code == 200
    assert revenue.content.decode().count('<th scope="row">') == 24


def test_customer_page_shows_the_profile_and_the_timeline(owner_client: Client):
    customer = buyer("ada@example.com", tags=["vip"])
    order = order_for(customer, "120.00", days_ago=2, market="eu", language="de")
    Event.objects.create(
        kind=Event.Kind.SEARCH,
        occurred_at=NOW - dt.timedelta(days=3),
        session_id="s",
        customer=customer,
        search_query="wool socks",
    )
    scores.rfm_recompute()

    html = owner_client.get(f"/dashboard/customers/{customer.pk}/").content.decode()

    assert "Customer value" in html
    assert "Preferred market" in html and ">eu<" in html
    assert f"Placed order #{order.number}" in html
    assert "wool socks" in html
    partial = owner_client.get(
        f"/dashboard/customers/{customer.pk}/timeline/",
        {"before": (NOW - dt.timedelta(days=2, hours=1)).isoformat()},
    ).content.decode()
    assert "wool socks" in partial and "Placed order" not in partial


def test_list_pages_run_a_constant_number_of_queries(
    owner_client: Client, django_assert_max_num_queries
):
    for index in range(30):
        customer = buyer(f"c{index}@example.com", country_code="DE")
        order_for(customer, "20.00", days_ago=index + 1)
        Segment.objects.create(
            name=f"Segment {index}",
            handle=f"segment-{index}",
            rules=[{"field": "country", "relation": "equals", "value": "DE"}],
        )
    scores.rfm_recompute()
    segment = Segment.objects.first()
    assert segment is not None
    code = CustomerScore.objects.values_list("rfm_class", flat=True).first()

    for url in (
        "/dashboard/customers/segments/",
        f"/dashboard/customers/segments/{segment.pk}/customers/",
        f"/dashboard/customers/rfm/{code}/",
        "/dashboard/customers/rfm/",
        "/dashboard/customers/cohorts/",
        f"/dashboard/customers/segments/{segment.pk}/",
    ):
        with django_assert_max_num_queries(14):
            response = owner_client.get(url)
        assert response.status_code == 200, url


def test_staff_without_the_customers_area_get_403_everywhere(staff_client_with):
    client = staff_client_with("orders")
    customer = buyer("someone@example.com")
    segment = Segment.objects.create(name="S", handle="s", rules=[])

    pages = [
        "/dashboard/customers/segments/",
        "/dashboard/customers/segments/new/",
        "/dashboard/customers/segments/preview/",
        f"/dashboard/customers/segments/{segment.pk}/",
        f"/dashboard/customers/segments/{segment.pk}/customers/",
        "/dashboard/customers/rfm/",
        "/dashboard/customers/rfm/champions/",
        "/dashboard/customers/cohorts/",
        f"/dashboard/customers/{customer.pk}/timeline/",
    ]
    posts = [
        "/dashboard/customers/segments/new/",
        f"/dashboard/customers/segments/{segment.pk}/",
        f"/dashboard/customers/segments/{segment.pk}/delete/",
        "/dashboard/customers/rfm/recompute/",
    ]

    for url in pages:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, rule_data(("country", "equals", "DE"), name="X")).status_code == 403
    assert Segment.objects.count() == 1
    assert not CustomerScore.objects.exists()
    assert Customer.objects.filter(email="someone@example.com").exists()


def test_staff_with_the_customers_area_may_use_them(staff_client_with):
    client = staff_client_with("customers")

    assert client.get("/dashboard/customers/segments/").status_code == 200
    assert client.get("/dashboard/customers/rfm/").status_code == 200
    assert client.get("/dashboard/customers/cohorts/").status_code == 200
