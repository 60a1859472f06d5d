"""Settings in a browser: the owner invites a staff member who may only handle orders; the
invitation e-mail's link lets them choose a password and log in to exactly that."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from freehold.customers.models import Customer
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "kim's own long password"


def test_the_owner_invites_a_staff_member_who_sets_a_password_and_sees_only_orders(
    dashboard_page: Page, browser: Browser, live_server, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    page = dashboard_page

    # Given the owner on the staff accounts page
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Settings").click()
    page.get_by_role("link", name="Staff accounts").click()
    page.get_by_role("link", name="Invite a staff member").click()

    # When they invite Kim as staff with only the orders permission
    page.get_by_label("E-mail").fill("kim@example.com")
    page.get_by_label("First name").fill("Kim")
    page.get_by_label("Staff", exact=True).check()
    page.get_by_label("Orders", exact=True).check()
    page.get_by_role("button", name="Send invitation").click()

    # Then the staff list shows Kim as invited, and Kim has an e-mail with a link
    expect(page.get_by_text("Invitation sent to kim@example.com")).to_be_visible()
    row = page.get_by_role("row").filter(has_text="kim@example.com")
    expect(row).to_contain_text("Invited")
    expect(row).to_contain_text("Orders")
    (message,) = mail.outbox
    assert message.to == ["kim@example.com"]
    link = re.search(r"https?://\S+/account/password-reset/\S+", message.body)
    assert link is not None, message.body
    assert link.group(0).startswith(live_server.url)

    # When Kim opens the link in her own browser and chooses a password
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    kim = context.new_page()
    errors: list[str] = []

    def on_console(console: ConsoleMessage) -> None:
        # Expected: the browser reporting the 403 answer shown below, and its own favicon
        # request (as in the `page` fixture).
        url = console.location.get("url", "")
        if console.type == "error" and "403" not in console.text and "favicon" not in url:
            errors.append(f"{console.text} ({url})")

    kim.on("console", on_console)
    try:
        kim.goto(link.group(0))
        kim.get_by_label("New password").fill(NEW_PASSWORD)
        kim.get_by_role("button", name="Save the new password").click()
        kim.wait_for_url("**/account/password-reset/complete")

        # And logs in to the dashboard
        kim.goto("/dashboard/")
        kim.get_by_label("E-mail").fill("kim@example.com")
        kim.get_by_label("Password").fill(NEW_PASSWORD)
        kim.get_by_role("button", name="Log in").click()
        kim.wait_for_url("**/dashboard/")

        # Then the navigation offers Orders but not Settings, and Settings answers 403
        nav = kim.get_by_role("navigation", name="Dashboard")
        expect(nav.get_by_role("link", name="Orders")).to_be_visible()
        expect(nav.get_by_role("link", name="Settings")).to_have_count(0)
        nav.get_by_role("link", name="Orders").click()
        kim.wait_for_url("**/dashboard/orders/")
        response = kim.goto("/dashboard/settings/")
        assert response is not None and response.status == 403
        expect(kim.get_by_role("heading", level=1)).to_have_text("Not allowed")
        expect(kim.get_by_text("Settings")).to_be_visible()
    finally:
        context.close()
    assert not errors, errors
    assert Customer.objects.get(email="kim@example.com").has_usable_password()


def test_every_settings_page_renders_cleanly_and_a_menu_link_reaches_the_storefront(
    dashboard_page: Page,
):
    # Given the owner in the dashboard (the page fixture fails on any console error, such as a
    # Content-Security-Policy violation)
    page = dashboard_page
    page.goto("/dashboard/settings/")
    for name in [
        "Store details", "Brand theme", "Navigation", "Shipping", "Payments", "API tokens",
        "Webhooks", "Staff accounts",
    ]:  # fmt: skip
        page.get_by_role("link", name=name, exact=True).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(name)
        page.go_back()

    # When they add a link to the footer menu and then remove it after confirming
    page.goto("/dashboard/settings/navigation/")
    footer = page.get_by_role("region", name="Footer menu")
    footer.get_by_label("Title").fill("Our story")
    footer.get_by_label("Link").fill("/pages/about")
    footer.get_by_role("button", name="Add to footer menu").click()
    expect(page.get_by_text("Link added.")).to_be_visible()

    # Then the storefront's footer shows it
    page.goto("/")
    expect(page.get_by_role("contentinfo").get_by_role("link", name="Our story")).to_be_visible()

    # When the link is removed (the browser asks first)
    page.goto("/dashboard/settings/navigation/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("region", name="Footer menu").get_by_role("button", name="Remove").click()
    expect(page.get_by_text("“Our story” removed.")).to_be_visible()

    # And the theme's colour pickers show their values (settings.js)
    page.goto("/dashboard/settings/theme/")
    expect(page.locator("input[type=color] + code").first).to_have_text(re.compile("^#"))
