"""Fixtures for account tests: a store, e-mail in memory, a customer and their logged-in client."""

from __future__ import annotations

import pytest
from django.test import Client

from freehold.customers.models import Customer
from tests.customers.builders import make_customer
from tests.factories import make_store_settings


@pytest.fixture(autouse=True)
def _store_and_mail(settings, db):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DEFAULT_FROM_EMAIL = "shop@fjell.example"
    settings.SITE_URL = ""
    make_store_settings(name="Fjell & Co", currency="EUR", email="hello@fjell.example")


@pytest.fixture
def customer() -> Customer:
    return make_customer()


@pytest.fixture
def logged_in(client: Client, customer: Customer) -> Client:
    client.force_login(customer)
    return client
