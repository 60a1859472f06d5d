"""The vendor's home shows the same derived verification status as every other view."""

from __future__ import annotations

import pytest

from freehold.marketplace import inform
from tests.marketplace.factories import enable_marketplace, make_vendor, vendor_client

pytestmark = pytest.mark.django_db


def test_the_home_badge_is_the_derived_status_in_each_state():
    enable_marketplace()
    vendors = [make_vendor() for _ in range(6)]
    inform.seed_inform(vendors=vendors)

    shown = []
    for vendor in vendors:
        html = vendor_client(vendor).get("/vendor/").content.decode()
        label = inform.verification(vendor).label
        assert 'id="vendor-verification"' in html
        shown.append(label if label in html else f"missing {label}")

    assert shown == [
        "Not high-volume",
        "Information requested",
        "Submitted, awaiting review",
        "Verified",
        "Rejected: please correct",
        "Sales suspended",
    ]


def test_a_members_account_pages_link_to_the_seller_dashboard_and_nobody_elses_do():
    from django.test import Client

    from freehold.marketplace.models import MarketplaceSettings
    from tests.marketplace.factories import make_customer

    enable_marketplace()
    vendor = make_vendor(name="Alpine Wool")
    member = vendor_client(vendor)
    shopper = Client()
    shopper.force_login(make_customer())

    assert "Seller dashboard: Alpine Wool" in member.get("/account/").content.decode()
    assert 'href="/vendor/"' in member.get("/account/orders").content.decode()
    assert 'href="/vendor/"' not in shopper.get("/account/").content.decode()

    # marketplace mode off: no link (and no query for it)
    settings = MarketplaceSettings.objects.get(pk=1)
    settings.enabled = False
    settings.save()
    assert 'href="/vendor/"' not in member.get("/account/").content.decode()
