"""Who gets into which dashboard page: anonymous, shoppers, staff by permission, managers."""

from __future__ import annotations

import pytest
from django.test import Client

from freehold.customers.models import Customer
from freehold.dashboard import access
from tests.dashboard.conftest import make_staff

pytestmark = pytest.mark.django_db

AREA_URLS = {
    "orders": "/dashboard/orders/",
    "products": "/dashboard/products/",
    "customers": "/dashboard/customers/",
    "discounts": "/dashboard/discounts/",
    "settings": "/dashboard/settings/",
}


def test_anonymous_visitors_are_sent_to_log_in_and_come_back():
    response = Client().get("/dashboard/orders/?status=paid")
    assert response.status_code == 302
    assert response["Location"] == "/account/login?next=%2Fdashboard%2Forders%2F%3Fstatus%3Dpaid"


def test_logging_in_from_there_lands_on_the_page_asked_for(owner):
    from tests.dashboard.conftest import PASSWORD

    client = Client()
    response = client.post(
        "/account/login", {"email": owner.email, "password": PASSWORD, "next": "/dashboard/"}
    )
    assert response.status_code in (302, 303)
    assert response["Location"] == "/dashboard/"
    assert client.get("/dashboard/").status_code == 200


def test_a_shopper_account_gets_403_without_dashboard_data():
    shopper = Customer.objects.create_user("shopper@example.com", "x")
    client = Client()
    client.force_login(shopper)
    for url in ["/dashboard/", *AREA_URLS.values()]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "for the store's staff" in response.content.decode()


@pytest.mark.parametrize("area", sorted(AREA_URLS))
def test_staff_see_only_the_areas_they_were_given(area, staff_client_with):
    client = staff_client_with(area)
    for other, url in AREA_URLS.items():
        response = client.get(url)
        if other == area:
            assert response.status_code == 200, url
        else:
            assert response.status_code == 403, url
            assert "permission" in response.content.decode()
    assert client.get("/dashboard/").status_code == 200


def test_the_navigation_lists_only_permitted_areas(staff_client_with):
    body = staff_client_with("orders").get("/dashboard/").content.decode()
    assert 'href="/dashboard/orders/"' in body
    assert 'href="/dashboard/products/"' not in body
    assert 'href="/dashboard/settings/"' not in body


@pytest.mark.parametrize("role", [Customer.StaffRole.OWNER, Customer.StaffRole.ADMIN])
def test_owners_and_admins_see_everything(role):
    member = make_staff(f"{role}@example.com", role=role)
    client = Client()
    client.force_login(member)
    for url in AREA_URLS.values():
        assert client.get(url).status_code == 200, url
    assert access.is_manager(member)


def test_a_deactivated_staff_account_is_refused():
    member = make_staff("gone@example.com", role=Customer.StaffRole.ADMIN)
    assert access.can(member, "orders")
    member.is_active = False
    assert not access.can(member, "orders")
    assert not access.is_manager(member)


def test_superusers_count_as_owners():
    root = Customer.objects.create_superuser("root@example.com", "x")
    assert access.is_owner(root) and access.can(root, "settings")


def test_dashboard_pages_are_never_cached_and_carry_the_csp(owner_client):
    response = owner_client.get("/dashboard/orders/")
    assert response["Cache-Control"] == "private, no-store"
    assert "script-src 'self'" in response["Content-Security-Policy"]
    assert 'name="robots" content="noindex' in response.content.decode()


def test_an_unknown_area_is_a_programming_error():
    with pytest.raises(ValueError):
        access.staff_required("warehouse")
