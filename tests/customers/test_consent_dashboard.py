"""The dashboard's consent panel on a customer's page: the current answer per purpose and the
history, for staff with the customers area only."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client

from freehold.customers.consent_selectors import consent_overview
from freehold.customers.models import Consent, Customer
from tests.dashboard.conftest import make_staff

pytestmark = pytest.mark.django_db

EARLIER = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)


def staff_client(*permissions: str) -> Client:
    member = make_staff(
        f"staff-{'-'.join(permissions) or 'none'}@example.com",
        role=Customer.StaffRole.STAFF,
        permissions=permissions,
    )
    client = Client()
    client.force_login(member)
    return client


def consent(customer: Customer, purpose: str, granted: bool, source: str, at: dt.datetime):
    return Consent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=granted,
        source=source,
        wording_version="2026-11" if source != "gpc" else "",
        recorded_at=at,
    )


@pytest.fixture
def history(customer: Customer) -> Customer:
    consent(customer, "email", True, "register", EARLIER)
    consent(customer, "email", False, "unsubscribe", LATER)
    consent(customer, "sale_sharing", False, "gpc", LATER)
    return customer


def test_the_panel_shows_the_current_state_and_the_history(history: Customer):
    response = staff_client("customers").get(f"/dashboard/customers/{history.pk}/")

    page = response.content.decode()
    assert response.status_code == 200
    panel = re.search(
        r'<section class="panel" aria-labelledby="consent-heading">.*?</section>', page, re.S
    ).group(0)
    current, past = panel.split("<h3>History</h3>")
    rows = re.findall(r"<tr>\s*<td>([^<]*)</td>\s*<td>(.*?)</td>", current, re.S)
    states = {label: re.sub(r"<[^>]+>", "", state) for label, state in rows}
    assert states["Marketing e-mail"] == "Withdrawn"
    assert states["Sale or sharing of personal information (CCPA)"] == "Withdrawn"
    assert states["Analytics (first-party visitor id)"] == "Not asked"
    assert "Unsubscribe link" in current and "Global Privacy Control signal" in current
    assert past.count("<tr>") == 1 + 3  # the header and three records, newest first
    assert past.index("Unsubscribe link") < past.index("Registration")
    assert "2026-11" in past


def test_a_customer_without_records_shows_not_asked(customer: Customer):
    page = staff_client("customers").get(f"/dashboard/customers/{customer.pk}/").content.decode()

    assert "No consent recorded." in page
    assert page.count('<span class="badge">Not asked</span>') == len(Consent.Purpose.values)


def test_staff_without_the_customers_area_may_not_see_consents(history: Customer):
    response = staff_client("orders").get(f"/dashboard/customers/{history.pk}/")

    assert response.status_code == 403
    assert "Unsubscribe link" not in response.content.decode()


def test_the_overview_keeps_the_latest_per_purpose_beyond_the_history_shown(customer: Customer):
    consent(customer, "analytics", True, "banner", EARLIER)
    for day in range(5):
        consent(customer, "email", day % 2 == 0, "account", LATER + dt.timedelta(days=day))

    overview = consent_overview(customer, limit=3)

    assert len(overview.history) == 3 and overview.total == 6
    current = {item.purpose: item.granted for item in overview.current}
    assert current == {"analytics": True, "marketing": None, "email": True, "sale_sharing": None}
