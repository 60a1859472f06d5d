"""A merchant builds a segment (the count follows the rules as they are typed), saves it and
finds it listed; then looks at the RFM classes and the cohort heat map."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from freehold.insights import scores
from tests.factories import make_store_settings
from tests.insights.audience_factories import buyer, order_for

pytestmark = pytest.mark.e2e


def test_build_a_segment_then_read_rfm_and_cohorts(dashboard_page: Page):
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="DE")
    for index in range(3):
        customer = buyer(f"de{index}@example.com", country_code="DE")
        order_for(customer, "40.00", days_ago=10 + index * 40)
        order_for(customer, "25.00", days_ago=2 + index)
    buyer("fr@example.com", country_code="FR")
    scores.rfm_recompute()
    page = dashboard_page

    # The merchant opens Segments from the navigation and starts a new one
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Segments").click()
    page.get_by_role("link", name="New segment").click()
    count = page.locator(".segment-count")
    expect(count).to_contain_text("4 customers match")

    # chooses "Country is DE": the count follows without a reload
    page.get_by_label("Rule 1: what to test").select_option("country")
    expect(page.get_by_label("Rule 1: how")).to_have_value("equals")
    page.get_by_label("Rule 1: value").fill("DE")
    expect(count).to_contain_text("3 customers match")

    # narrows it to customers with more than two paid orders (none), then one
    page.get_by_label("Rule 2: what to test").select_option("orders_count")
    page.get_by_label("Rule 2: how").select_option("greater_than")
    page.get_by_label("Rule 2: value").fill("2")
    expect(count).to_contain_text("0 customers match")
    page.get_by_label("Rule 2: value").fill("1")
    expect(count).to_contain_text("3 customers match")

    # a value that is no number is named by its row
    page.get_by_label("Rule 2: value").fill("lots")
    expect(page.locator(".segment-errors")).to_contain_text("Rule 2: Paid orders")
    page.get_by_label("Rule 2: value").fill("1")
    expect(count).to_contain_text("3 customers match")

    # saves it and finds it in the list
    page.get_by_label("Name").fill("German regulars")
    page.get_by_role("button", name="Save segment").click()
    expect(page.locator(".flash")).to_contain_text("Segment “German regulars” saved.")
    row = page.locator("table.segments-list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("German regulars")
    expect(row).to_contain_text("Country is DE")

    # the RFM page shows the grid and the classes, each leading to its customers
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="RFM").click()
    expect(page.locator("svg.rfm-grid")).to_be_visible()
    expect(page.locator("table.rfm-classes")).to_contain_text("Champions")
    page.get_by_role("button", name="Recompute now").click()
    expect(page.locator(".flash")).to_contain_text("RFM scores recomputed for 3 customers.")

    # and the cohort heat map, over 12 months
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Cohorts").click()
    page.get_by_role("link", name="Last 12 months").click()
    table = page.locator("table.cohort-table")
    expect(table.locator("tbody tr")).to_have_count(12)
    expect(table.locator("td.heat-10").first).to_be_visible()
    expect(page.locator(".cohort-figures")).to_contain_text("100.0 %")
