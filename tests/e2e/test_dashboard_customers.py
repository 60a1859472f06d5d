"""A merchant adds a customer taken on the phone, finds them again, tags them and exports."""

from __future__ import annotations

import csv
import io
import re

import pytest
from playwright.sync_api import Page, expect

from freehold.customers.models import Customer
from tests.factories import make_store_settings

pytestmark = pytest.mark.e2e


def test_add_find_tag_and_export_a_customer(dashboard_page: Page):
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="DE")
    Customer.objects.create_user("someone.else@example.com", "x", first_name="Other")
    page = dashboard_page

    # The merchant adds a customer from the customers list
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Customers").click()
    page.get_by_role("link", name="Add customer").click()
    page.get_by_label("E-mail", exact=True).fill("Bea.Silva@example.com")
    page.get_by_label("First name").fill("Bea")
    page.get_by_label("Last name").fill("Silva")
    page.get_by_label("Country", exact=True).select_option("PT")
    page.get_by_label("Agreed to receive marketing e-mails").check()
    page.get_by_role("button", name="Add customer").click()
    expect(page.locator(".flash")).to_contain_text("Customer bea.silva@example.com added.")
    expect(page.locator("h1")).to_have_text("Bea Silva")
    expect(page.locator(".customer-profile")).to_contain_text("Portugal")
    expect(page.locator(".customer-profile")).to_contain_text("Subscribed")

    # tags them and leaves a note from their page
    page.get_by_label("Tags", exact=True).fill("Phone order, VIP")
    page.get_by_label("Staff note").fill("Prefers a call before delivery.")
    page.get_by_role("button", name="Save tags and note").click()
    expect(page.locator(".flash")).to_contain_text("Tags and note saved.")
    expect(page.locator(".page-head .badge")).to_have_text(["phone order", "vip"])

    # finds them again by name, and by tag
    page.get_by_role("link", name="Customers").first.click()
    page.get_by_label("Search", exact=True).fill("silva")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("table.customers-list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("bea.silva@example.com")
    rows.get_by_role("link", name="vip").click()
    expect(page).to_have_url(re.compile(r"[?&]tag=vip"))
    expect(rows).to_have_count(1)

    # and downloads the filtered list as CSV
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export CSV (filtered)").click()
    path = download_info.value.path()
    with open(path, encoding="utf-8-sig") as exported:
        rows_read = list(csv.DictReader(io.StringIO(exported.read())))
    assert [row["Email"] for row in rows_read] == ["bea.silva@example.com"]
    assert rows_read[0]["Tags"] == "phone order, vip"
    assert rows_read[0]["Accepts Email Marketing"] == "yes"
