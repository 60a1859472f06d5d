"""The browser fixture works end to end: a real Chromium logs in to the admin."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from freehold.customers.models import Customer

pytestmark = pytest.mark.e2e


def test_staff_member_logs_in_to_the_admin_in_a_real_browser(page: Page) -> None:
    # Given a staff account
    Customer.objects.create_superuser(email="owner@example.com", password="a long passphrase")

    # When they sign in through the admin login form
    page.goto("/admin/login/")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Log in").click()

    # Then the admin's index greets them
    expect(page).to_have_url("/admin/")
    expect(page.get_by_role("heading", name="Site administration")).to_be_visible()


def test_wrong_password_is_refused_in_a_real_browser(page: Page) -> None:
    # Given a staff account
    Customer.objects.create_superuser(email="owner@example.com", password="a long passphrase")

    # When someone signs in with the wrong password
    page.goto("/admin/login/")
    page.get_by_label("Email").fill("owner@example.com")
    page.get_by_label("Password").fill("not the passphrase")
    page.get_by_role("button", name="Log in").click()

    # Then the form stays, with an error
    expect(page).to_have_url("/admin/login/")
    expect(page.get_by_text("Please enter the correct email and password")).to_be_visible()
