"""Privacy rights in a real browser: a customer downloads their data and asks for deletion;
staff see the request in the queue with its due date and carry it out."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from freehold.customers.models import Customer, PrivacyRequest
from freehold.orders.models import Order
from tests.customers.builders import PASSWORD, make_customer, make_variant, place_order
from tests.dashboard.conftest import PASSWORD as STAFF_PASSWORD
from tests.dashboard.conftest import make_staff
from tests.factories import make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _log_in(page: Page, email: str, password: str) -> None:
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()


def test_a_customer_downloads_their_data_asks_for_deletion_and_staff_erase(page: Page):
    # Given Ana with an order still on its way (so deletion waits for staff)
    make_store_settings(name="Northwind Supply Co.", currency="EUR")
    customer = make_customer("ana@example.com", first_name="Ana", last_name="Lima")
    order = place_order((make_variant(title="Harbour Rain Jacket"), 1), customer=customer)

    # When she opens her privacy page and downloads her data
    page.goto("/account/privacy")
    _log_in(page, "ana@example.com", PASSWORD)
    expect(page).to_have_url(re.compile(r"/account/privacy$"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download my data").click()
    download = download_info.value

    # Then the file is her data, as JSON
    assert download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["profile"]["email"] == "ana@example.com"
    assert [item["number"] for item in data["orders"]] == [order.number]

    # When she asks to delete her account, with her password
    page.get_by_label("Your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()

    # Then the request is received (her order is still open)
    expect(page.locator(".notice-success")).to_contain_text("Your request is received")
    request = PrivacyRequest.objects.get()
    page.get_by_role("button", name="Log out").click()

    # When staff open the privacy request queue
    owner = make_staff("owner@example.com")
    page.goto("/dashboard/customers/privacy/")
    _log_in(page, owner.email, STAFF_PASSWORD)
    row = page.get_by_role("row").filter(has_text="ana@example.com")
    due = timezone.localtime(request.due_at).strftime("%d %b %Y")
    expect(row).to_contain_text(due)
    expect(row).to_contain_text("Erasure")

    # And erase from the request's page (confirming the dialog)
    row.get_by_role("link", name=f"#{request.pk}").click()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Erase and complete").click()

    # Then the request is done, and the order is kept without her personal data
    expect(page.locator(".flashes")).to_contain_text("Personal data erased")
    expect(page.locator(".page-head .badge")).to_have_text("Done")
    order.refresh_from_db()
    assert order.email == f"erased-{customer.pk}@invalid"
    assert "Lima" not in json.dumps(order.shipping_address)
    assert not Customer.objects.get(pk=customer.pk).is_active
    assert Order.objects.filter(number=order.number).exists()
    assert request.due_at - request.received_at >= dt.timedelta(days=28)
