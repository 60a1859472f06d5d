"""Shared marketplace fixtures: the switch, vendors in each status, their members, their products.

Plain functions (not pytest fixtures) so every stream's tests can call them with arguments:
`enable_marketplace()`, `make_vendor(status="active")`, `make_member(vendor)`,
`vendor_client(vendor)`, `make_vendor_product(vendor, title=...)`.
"""

from __future__ import annotations

import itertools
from decimal import Decimal
from typing import Any

from django.test import Client

from freehold.catalog.models import Product
from freehold.customers.models import Customer
from freehold.marketplace.models import MarketplaceSettings, Vendor, VendorMember, VendorProduct
from tests.factories import make_product

PASSWORD = "vendor-pass-1"
_counter = itertools.count(1)


def enable_marketplace(**fields: Any) -> MarketplaceSettings:
    """Marketplace mode on (plus any other MarketplaceSettings fields given)."""
    settings, _ = MarketplaceSettings.objects.get_or_create(pk=1)
    settings.enabled = True
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def make_vendor(
    *,
    name: str | None = None,
    status: str = Vendor.Status.ACTIVE,
    email: str | None = None,
    **fields: Any,
) -> Vendor:
    number = next(_counter)
    name = name or f"Vendor {number}"
    return Vendor.objects.create(
        name=name,
        handle=fields.pop("handle", f"vendor-{number}"),
        status=status,
        email=email or f"vendor{number}@example.com",
        **fields,
    )


def make_customer(email: str | None = None, **fields: Any) -> Customer:
    email = email or f"member{next(_counter)}@example.com"
    return Customer.objects.create_user(email, PASSWORD, **fields)


def make_member(vendor: Vendor, customer: Customer | None = None) -> Customer:
    """An account that works for `vendor` (a new one unless given)."""
    customer = customer or make_customer()
    VendorMember.objects.create(vendor=vendor, customer=customer)
    return customer


def vendor_client(vendor: Vendor, customer: Customer | None = None) -> Client:
    """A test client logged in as a (new) member of `vendor`."""
    member = make_member(vendor, customer)
    client = Client()
    client.force_login(member)
    return client


def make_vendor_product(
    vendor: Vendor, *, title: str | None = None, price: str | Decimal = "20.00", **fields: Any
) -> Product:
    """A product sold by `vendor` (tests.factories.make_product + the VendorProduct link)."""
    is_new = fields.pop("is_new", True)
    product = make_product(title=title or f"Vendor product {next(_counter)}", price=price, **fields)
    VendorProduct.objects.create(product=product, vendor=vendor, is_new=is_new)
    return product
