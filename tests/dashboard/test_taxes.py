"""Settings → Taxes: the merchant's profile and registrations (errors next to the field named
by the service), the tax rates in force with a country's dated history and a dated change,
duty rates, every write audited, constant queries on the lists, and the permission."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.utils import timezone

from freehold.core import clock
from freehold.core.models import AuditEvent
from freehold.taxes import selectors, services
from freehold.taxes.models import DutyRate, TaxProfile, TaxRate, TaxRegistration

pytestmark = pytest.mark.django_db

TAXES = "/dashboard/settings/taxes/"
NEW_REGISTRATION = f"{TAXES}registrations/new/"
RATES = f"{TAXES}rates/"
DUTIES = f"{TAXES}duties/"
NEXUS = f"{TAXES}nexus/"
D = Decimal


@pytest.fixture(autouse=True)
def rules(db) -> None:
    """The default rules (a browser test may have flushed what migration 0002 loaded)."""
    services.defaults_load()
    services.rules_changed()


@pytest.fixture
def british_merchant() -> None:
    """Established and shipping from the UK: EU sales are imports (IOSS), US sales exports."""
    services.tax_profile_update(established_country="GB")


@pytest.fixture
def june_2026() -> Iterator[dt.date]:
    with clock.frozen_at(timezone.make_aware(dt.datetime(2026, 6, 1, 12))):
        yield dt.date(2026, 6, 1)


def text(response) -> str:
    return html.unescape(response.content.decode())


def registration_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "scheme": "us_sales_tax", "number": "", "country": "", "region": "NY",
        "rate_percent": "8.875", "tax_shipping": "on", "is_active": "on",
        "valid_from": "2026-01-01", "valid_to": "",
    }  # fmt: skip
    data.update(changes)
    return data


def rate_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "country": "FR", "region": "", "tax_class": "standard", "rate_percent": "21",
        "label": "VAT", "valid_from": "2027-01-01", "source": "Loi de finances 2027",
    }  # fmt: skip
    data.update(changes)
    return data


def verbs() -> list[str]:
    return list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True))


# --- Profile --------------------------------------------------------------------------------


def test_the_owner_says_where_the_business_is_established_and_ships_from(owner_client):
    page = text(owner_client.get(TAXES))
    assert "EUR 10,000" in page  # the one-line explanation of the threshold

    response = owner_client.post(
        TAXES, {"established_country": "DE", "ships_from_country": "DE"}, follow=True
    )

    assert "Tax profile saved." in text(response)
    profile = TaxProfile.objects.get(pk=1)
    assert (profile.established_country, profile.ships_from_country) == ("DE", "DE")
    assert not profile.eu_destination_vat_always
    assert "tax_profile.updated" in verbs()
    assert selectors.tax_context().rules.profile.established_country == "DE"


def test_an_unknown_country_is_refused_next_to_its_field(owner_client):
    response = owner_client.post(TAXES, {"established_country": "XX"})

    assert response.status_code == 400
    assert "Established in: Select a valid choice." in text(response)
    assert "tax_profile.updated" not in verbs()


# --- Registrations ----------------------------------------------------------------------------


def test_a_us_state_registration_is_typed_as_a_percentage_and_charged(
    owner_client, british_merchant
):
    assert selectors.display_rate(country="US", region="US-NY") == 0

    response = owner_client.post(NEW_REGISTRATION, registration_form(), follow=True)

    assert "Registration saved: US sales tax (one state) US-NY." in text(response)
    registration = TaxRegistration.objects.get()
    assert (registration.region, registration.rate) == ("US-NY", D("0.08875"))
    assert "tax_registration.saved" in verbs()
    row = text(response).split("US sales tax (one state)</a>")[1].split("</tr>")[0]
    assert "New York (US-NY)" in row and "8.875 %" in row and "Active" in row
    assert selectors.display_rate(country="US", region="US-NY") == D("0.08875")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"scheme": "ioss", "number": "IM12"}, "Number: number: an IOSS number is IM followed"),
        ({"region": ""}, 'State: region: name the state, such as "US-NY".'),
        ({"region": "CA-ON"}, "State: region: 'CA-ON' is not a subdivision of US"),
        ({"rate_percent": ""}, "Rate (%): rate: give the combined rate"),
        ({"rate_percent": "eight"}, "Rate (%): “eight” is not a number"),
        ({"rate_percent": "120"}, "Rate (%): Give a percentage between 0 and 99"),
        ({"scheme": "eu_vat", "number": "DE1", "country": ""}, "Member state: country: an EU"),
        ({"valid_to": "2025-01-01"}, "Valid to: valid_to: the last day comes after the first."),
        ({"valid_from": ""}, "Valid from: This field is required."),
    ],
)
def test_a_refused_registration_names_the_field(owner_client, changes, message):
    response = owner_client.post(NEW_REGISTRATION, registration_form(**changes))

    assert response.status_code == 400
    assert message in text(response)
    assert not TaxRegistration.objects.exists()


def test_a_registration_is_edited_deactivated_and_reactivated(owner_client, british_merchant):
    owner_client.post(NEW_REGISTRATION, registration_form())
    registration = TaxRegistration.objects.get()
    edit = f"{TAXES}registrations/{registration.pk}/"
    assert 'value="8.875"' in text(owner_client.get(edit))

    owner_client.post(edit, registration_form(rate_percent="8.5"))
    assert selectors.display_rate(country="US", region="US-NY") == D("0.085")

    response = owner_client.post(f"{edit}active/", follow=True)
    assert "US sales tax (one state) US-NY deactivated." in text(response)
    assert not TaxRegistration.objects.get().is_active
    assert selectors.display_rate(country="US", region="US-NY") == 0
    assert "Inactive" in text(response)

    owner_client.post(f"{edit}active/")
    assert TaxRegistration.objects.get().is_active
    assert selectors.display_rate(country="US", region="US-NY") == D("0.085")
    assert verbs().count("tax_registration.saved") == 4


def test_the_tracker_links_to_a_prefilled_registration(owner_client):
    page = text(owner_client.get(f"{NEW_REGISTRATION}?scheme=us_sales_tax&region=US-KY"))

    assert '<option value="us_sales_tax" selected>' in page
    assert 'value="US-KY"' in page


def test_the_registrations_list_runs_a_constant_number_of_queries(
    owner_client, django_assert_max_num_queries
):
    for number in range(30):
        TaxRegistration.objects.create(
            scheme="us_sales_tax", region=f"US-A{number}", rate=D("0.05"),
            valid_from=dt.date(2025, 1, 1),
        )  # fmt: skip
    owner_client.get(TAXES)

    # session, user, the profile, the registrations, the store's menu and settings
    with django_assert_max_num_queries(6):
        response = owner_client.get(TAXES)
    assert text(response).count('aria-label="Deactivate US sales tax') == 30


# --- Rates --------------------------------------------------------------------------------


def test_the_rates_in_force_today_per_country_and_class(owner_client, june_2026):
    page = text(owner_client.get(RATES))

    finland = page.split("Finland</a>")[1].split("</tr>")[0]
    assert "25.5 %" in finland and "13.5 %" in finland
    assert "24 %" not in finland  # ended on 31 August 2024
    assert "France</a>" in page and "Germany</a>" in page


def test_a_country_shows_its_past_current_and_future_rates(owner_client, june_2026):
    page = text(owner_client.get(f"{RATES}?country=FI"))

    history = page.split("History of Finland")[1]
    past = history.split("24 %")[1].split("</tr>")[0]
    assert "2024-08-31" in past and "Past" in past
    current = history.split("25.5 %")[1].split("</tr>")[0]
    assert "2024-09-01" in current and "In force" in current
    assert "Germany</a>" not in page.split("History of Finland")[0]


def test_a_dated_change_closes_the_rate_before_and_applies_from_its_day(
    owner_client, june_2026, british_merchant
):
    services.tax_registration_save(
        data=services.TaxRegistrationInput(scheme="ioss", valid_from=dt.date(2020, 1, 1))
    )

    response = owner_client.post(RATES, rate_form(), follow=True)

    page = text(response)
    assert "VAT FR standard: 21 % from 2027-01-01." in page
    assert response.redirect_chain[-1][0] == f"{RATES}?country=FR"
    before, after = TaxRate.objects.filter(country="FR", tax_class="standard").order_by(
        "valid_from"
    )
    assert (before.rate, before.valid_to) == (D("0.20"), dt.date(2026, 12, 31))
    assert (after.rate, after.valid_to, after.source) == (D("0.21"), None, "Loi de finances 2027")
    upcoming = page.split("History of France")[1].split("21 %")[1].split("</tr>")[0]
    assert "Upcoming" in upcoming
    assert "tax_rate.saved" in verbs()
    assert selectors.display_rate(country="FR", on=dt.date(2026, 12, 31)) == D("0.20")
    assert selectors.display_rate(country="FR", on=dt.date(2027, 1, 1)) == D("0.21")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"valid_from": "2021-07-01"}, "Valid from: valid_from: FR standard already has a row"),
        ({"rate_percent": "-1"}, "Rate (%): Give a percentage between 0 and 99"),
        ({"region": "US-NY"}, "Region: region: 'US-NY' is not a subdivision of FR"),
        ({"label": ""}, "Label: This field is required."),
        ({"country": ""}, "Country: This field is required."),
    ],
)
def test_a_refused_rate_names_the_field(owner_client, june_2026, changes, message):
    count = TaxRate.objects.count()

    response = owner_client.post(f"{RATES}?country=FR", rate_form(**changes))

    assert response.status_code == 400
    assert message in text(response)
    assert TaxRate.objects.count() == count


def test_the_rates_page_runs_a_constant_number_of_queries(
    owner_client, june_2026, django_assert_max_num_queries
):
    owner_client.get(f"{RATES}?country=FI")

    # session, user, the countries, the rates in force, the history, the store's menu and
    # settings
    with django_assert_max_num_queries(7):
        assert owner_client.get(f"{RATES}?country=FI").status_code == 200
    with django_assert_max_num_queries(6):
        assert owner_client.get(RATES).status_code == 200


# --- Duties -------------------------------------------------------------------------------


def test_a_duty_rate_is_added_and_the_import_rules_listed(owner_client, june_2026):
    response = owner_client.post(
        DUTIES,
        {"destination": "eu", "hs_prefix": "61.09", "product_type": "", "rate_percent": "12",
         "label": "EU duty", "valid_from": "2026-07-01", "source": ""},
        follow=True,
    )  # fmt: skip

    page = text(response)
    assert "EU duty EU 6109: 12 % from 2026-07-01." in page
    duty = DutyRate.objects.get(hs_prefix="6109")
    assert (duty.destination, duty.rate) == ("EU", D("0.12"))
    assert "duty_rate.saved" in verbs()
    assert "EU IOSS" in page and "€150.00" in page  # the import rules, read-only


def test_a_refused_duty_rate_names_the_field(owner_client, june_2026):
    response = owner_client.post(
        DUTIES,
        {"destination": "EU", "hs_prefix": "62O6", "rate_percent": "12", "label": "Duty",
         "valid_from": "2026-07-01"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "HS code prefix: hs_prefix: up to 10 digits" in text(response)


def test_duty_rate_save_closes_the_open_rate_and_refuses_a_second_on_one_day():
    first = services.duty_rate_save(
        data=services.DutyRateInput(
            destination="US", hs_prefix="6109", rate="0.16", valid_from=dt.date(2025, 1, 1)
        )
    )
    second = services.duty_rate_save(
        data=services.DutyRateInput(
            destination="us", hs_prefix="61.09", rate="0.32", valid_from=dt.date(2026, 4, 1)
        )
    )

    first.refresh_from_db()
    assert first.valid_to == dt.date(2026, 3, 31)
    assert (second.destination, second.hs_prefix, second.valid_to) == ("US", "6109", None)
    with pytest.raises(services.TaxRuleInvalid) as refused:
        services.duty_rate_save(
            data=services.DutyRateInput(
                destination="US", hs_prefix="6109", rate="0.2", valid_from=dt.date(2025, 6, 1)
            )
        )
    assert refused.value.field == "valid_from"
    with pytest.raises(services.TaxRuleInvalid) as refused:
        services.duty_rate_save(
            data=services.DutyRateInput(destination="XX", rate="0.1", valid_from=dt.date.today())
        )
    assert refused.value.field == "destination"


def test_a_new_duty_rate_is_what_a_ddp_checkout_estimates():
    services.duty_rate_save(
        data=services.DutyRateInput(
            destination="CH", hs_prefix="4202", rate="0.05", valid_from=dt.date(2025, 1, 1)
        )
    )

    rules = selectors.rules_on(dt.date(2026, 6, 1))

    assert any(
        (duty.destination, duty.hs_prefix, duty.rate) == ("CH", "4202", D("0.05"))
        for duty in rules.duty_rates
    )


# --- Permission ----------------------------------------------------------------------------


def test_staff_without_the_settings_permission_get_403_everywhere(staff_client_with):
    registration = TaxRegistration.objects.create(
        scheme="ioss", number="IM2760000001", valid_from=dt.date(2025, 1, 1)
    )
    client = staff_client_with("orders", "products", "customers", "discounts", "reports")
    edit = f"{TAXES}registrations/{registration.pk}/"

    for url in (TAXES, NEW_REGISTRATION, edit, RATES, f"{RATES}?country=FR", DUTIES, NEXUS):
        assert client.get(url).status_code == 403, url
    for url, data in (
        (TAXES, {"established_country": "DE"}),
        (NEW_REGISTRATION, registration_form()),
        (edit, registration_form()),
        (f"{edit}active/", {}),
        (RATES, rate_form()),
        (DUTIES, {"destination": "EU", "rate_percent": "1", "valid_from": "2026-01-01"}),
    ):
        assert client.post(url, data).status_code == 403, url
    assert TaxRegistration.objects.get().is_active
    assert TaxRegistration.objects.count() == 1
    assert not AuditEvent.objects.filter(verb__startswith="tax").exists()
    assert not DutyRate.objects.filter(rate=D("0.01")).exists()


def test_settings_lists_the_taxes_page(owner_client):
    page = text(owner_client.get("/dashboard/settings/"))

    assert f'href="{TAXES}"' in page
