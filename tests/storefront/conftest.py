"""Storefront fixtures: a store with its business identity and menus."""

from __future__ import annotations

import pytest

from tests.factories import make_menu, make_store_settings


@pytest.fixture
def store(db):
    settings = make_store_settings(
        name="Fjell & Co",
        tagline="Everyday goods, made slowly.",
        legal_name="Fjell & Co GmbH",
        legal_form="GmbH",
        representatives="Ingrid Fjell",
        address_line1="Torstraße 12",
        postal_code="10119",
        city="Berlin",
        country_code="DE",
        email="hello@fjell.example",
        phone="+49 30 1234567",
        register_name="Amtsgericht Charlottenburg",
        register_number="HRB 123456 B",
        vat_id="DE123456789",
        instagram_url="https://instagram.com/fjell",
    )
    make_menu("main", [("Shop all", "/collections/all"), ("About", "/pages/about")])
    make_menu("footer", [("Shipping", "/pages/shipping")])
    return settings
