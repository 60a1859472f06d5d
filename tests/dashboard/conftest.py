"""Dashboard fixtures: staff accounts by role, and test clients signed in as them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest
from django.test import Client

from freehold.customers.models import Customer
from tests.imports.image_server import image_server  # noqa: F401  (a local image host)

PASSWORD = "dashboard-pass-1"


def make_staff(
    email: str = "owner@example.com",
    *,
    role: str = Customer.StaffRole.OWNER,
    permissions: Sequence[str] = (),
) -> Customer:
    return Customer.objects.create_user(
        email,
        PASSWORD,
        first_name="Sam",
        last_name="Staff",
        is_staff=True,
        staff_role=role,
        staff_permissions=list(permissions),
    )


@pytest.fixture
def owner(db) -> Customer:
    return make_staff("owner@example.com")


@pytest.fixture
def owner_client(owner: Customer) -> Client:
    client = Client()
    client.force_login(owner)
    return client


@pytest.fixture
def staff_client_with(db) -> Callable[..., Client]:
    """`staff_client_with("orders", "products")`: a staff member with just those permissions."""

    def make(*permissions: str) -> Client:
        email = f"staff-{'-'.join(permissions) or 'none'}@example.com"
        member = make_staff(email, role=Customer.StaffRole.STAFF, permissions=permissions)
        client = Client()
        client.force_login(member)
        return client

    return make
