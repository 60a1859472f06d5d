"""Markets in the dashboard: listed with a sample price, created and edited with errors named
by field, made the default, deleted; fixed prices per variant saved all or nothing; a
product's prices in every market; an order's presentment and base amounts."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest

from freehold.catalog.models import Variant
from freehold.catalog.services import VariantInput
from freehold.core.models import AuditEvent
from freehold.markets import pricing
from freehold.markets.fx import RECORDED_DAILY_FILE
from freehold.markets.models import Market, MarketPrice
from freehold.markets.services import fx_rates_import
from freehold.orders.models import Order
from freehold.orders.services import order_number_next
from tests.api.admin_client import call, token
from tests.factories import make_product as make_any_product

pytestmark = pytest.mark.django_db

MARKETS = "/dashboard/settings/markets/"


@pytest.fixture(autouse=True)
def _fresh_rates() -> Iterator[None]:
    """Rates are kept per process for a few minutes: every test reads its own."""
    pricing.forget_rates()
    yield
    pricing.forget_rates()


@pytest.fixture
def rates() -> None:
    """The ECB's rates of 8 July 2022: 1 EUR = 1.0163 USD = 138.05 JPY = 0.84560 GBP."""
    fx_rates_import(data=RECORDED_DAILY_FILE.read_bytes())
    pricing.forget_rates()


def make_product(*, title: str, price: str = "10.00", sku: str = ""):
    """A product with one variant of this price and SKU (in the store's USD)."""
    return make_any_product(
        title=title, variants=[VariantInput(price=Decimal(price), sku=sku, stock_quantity=5)]
    )


def market_form(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "European Union", "code": "eu", "countries_text": "de, fr it",
        "currency": "eur", "languages": ["de", "en"], "default_language": "de",
        "pricing_mode": "converted", "price_adjustment_percent": "0", "rounding": "ending_99",
        "rounding_increment": "", "duties_mode": "dap", "is_active": "on", "position": "0",
    }  # fmt: skip
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def make_market(code: str, **fields: object) -> Market:
    values: dict[str, object] = {
        "name": code.upper(),
        "countries": [],
        "currency": "EUR",
        "languages": ["en"],
        "is_default": False,
    }
    values.update(fields)
    return Market.objects.create(code=code, **values)


def body(response) -> str:
    return response.content.decode()


def error_of(response, field: str) -> str:
    """The error shown next to a form field (the field's label, then the message)."""
    found = re.search(rf'<p class="error" id="id_{field}-error">(.*?)</p>', body(response))
    assert found is not None, f"no error next to {field}"
    return html.unescape(found.group(1))


def test_a_market_made_in_the_dashboard_is_listed_with_a_sample_price(owner_client, rates):
    # Given a store in USD selling a 10.00 USD mug
    make_product(title="Mug", price="10.00", sku="MUG-1")

    # When the owner creates an EU market in EUR with .99 endings
    response = owner_client.post(f"{MARKETS}new/", market_form())

    # Then it is saved, normalised, and the first market is the default
    assert response.status_code == 302, body(response)
    market = Market.objects.get()
    assert (market.code, market.countries, market.currency, market.languages) == (
        "eu",
        ["DE", "FR", "IT"],
        "EUR",
        ["de", "en"],
    )
    assert market.is_default
    # And the list shows it with its countries, languages and the mug at 10 / 1.0163 → 9.99
    page = body(owner_client.get(MARKETS))
    assert "European Union" in page
    assert "Germany, France, Italy" in page
    assert "Excluding tax" in page and "Up to .99" in page and "DAP" in page
    assert "€9.99" in page
    assert "Default" in page
    assert AuditEvent.objects.filter(verb="market.created").exists()


def test_a_market_without_an_exchange_rate_says_so(owner_client):
    make_product(title="Mug", price="10.00")
    make_market("jp", name="Japan", countries=["JP"], currency="JPY", languages=["ja"])

    page = body(owner_client.get(MARKETS))

    assert "No exchange rate for JPY — update rates" in page


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"countries_text": "DE, XX, QQ"}, "countries_text", "Not a country code: XX, QQ."),
        ({"countries_text": ""}, "countries_text", "at least one country"),
        ({"currency": "EURO"}, "currency", "at most 3 characters"),
        ({"currency": "ABC"}, "currency", "ABC is not an ISO 4217 currency code"),
        ({"languages": None}, "languages", "This field is required"),
        ({"languages": ["xx"]}, "languages", "Select a valid choice"),
        ({"default_language": "fr"}, "default_language", "Tick the default language"),
        ({"rounding": "increment"}, "rounding_increment", "Give the increment"),
        ({"price_adjustment_percent": "900"}, "price_adjustment_percent", "less than or equal"),
        ({"code": "e u"}, "code", "valid"),
    ],
)
def test_bad_markets_are_refused_naming_the_field(owner_client, changes, field, words):
    response = owner_client.post(f"{MARKETS}new/", market_form(**changes))

    assert response.status_code == 400
    assert words in error_of(response, field)
    assert not Market.objects.exists()


def test_the_services_refusals_are_shown_next_to_their_field(owner_client):
    make_market("uk", name="United Kingdom", countries=["GB"], currency="GBP", is_default=True)

    taken_country = owner_client.post(f"{MARKETS}new/", market_form(countries_text="FR, GB"))
    taken_code = owner_client.post(f"{MARKETS}new/", market_form(code="UK"))

    assert taken_country.status_code == 400
    assert error_of(taken_country, "countries_text") == (
        "Countries: Already in another market: GB (United Kingdom)."
    )
    assert taken_code.status_code == 400
    assert error_of(taken_code, "code") == "Code: Market with this Code already exists."
    assert Market.objects.count() == 1


def test_a_market_is_edited_made_default_and_deleted_but_never_the_default(owner_client):
    first = make_market("us", name="United States", countries=["US"], currency="USD")
    first.is_default = True
    first.save()
    second = make_market("eu", name="EU", countries=["DE"])

    # When the owner edits the EU market to JPY-like increments and DDP
    response = owner_client.post(
        f"{MARKETS}{second.pk}/",
        market_form(
            name="Europe",
            countries_text="DE AT",
            rounding="increment",
            rounding_increment="5",
            duties_mode="ddp",
            languages=["de", "fr"],
            default_language="fr",
            pricing_mode="fixed",
            prices_include_tax="on",
        ),
    )
    assert response.status_code == 302, body(response)
    second.refresh_from_db()
    assert (second.name, second.countries, second.languages, second.duties_mode) == (
        "Europe",
        ["DE", "AT"],
        ["fr", "de"],
        "ddp",
    )
    assert second.prices_include_tax and second.rounding_increment == Decimal("5")

    # Then the default cannot be deleted (no delete button, and a POST is refused)
    page = body(owner_client.get(MARKETS))
    assert f"{MARKETS}{first.pk}/delete/" not in page
    assert f"{MARKETS}{second.pk}/delete/" in page
    refused = owner_client.post(f"{MARKETS}{first.pk}/delete/", follow=True)
    assert "Make another market the default before deleting this one." in body(refused)
    assert Market.objects.filter(pk=first.pk).exists()

    # When the EU market is made the default, the US one can go
    made = owner_client.post(f"{MARKETS}{second.pk}/default/", follow=True)
    assert "“Europe” is now the default market." in body(made), body(made)
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default
    owner_client.post(f"{MARKETS}{first.pk}/delete/")
    assert list(Market.objects.values_list("code", flat=True)) == ["eu"]
    verbs = list(AuditEvent.objects.values_list("verb", flat=True))
    assert {"market.changed", "market.deleted"} <= set(verbs)


def test_an_existing_market_form_shows_its_values(owner_client):
    market = make_market("eu", name="EU", countries=["DE", "FR"], languages=["fr", "en"])

    page = body(owner_client.get(f"{MARKETS}{market.pk}/"))

    assert "DE, FR</textarea>" in page
    assert re.search(r'<input[^>]*value="fr"[^>]*checked', page)
    assert re.search(r'<input[^>]*value="en"[^>]*checked', page)
    assert not re.search(r'<input[^>]*value="de"[^>]*checked', page)
    assert '<option value="fr" selected>' in page


def test_the_list_reads_many_markets_in_a_constant_number_of_queries(
    owner_client, rates, django_assert_max_num_queries
):
    make_product(title="Mug", price="10.00")
    for number in range(30):
        make_market(
            f"m{number}",
            countries=[["DE", "FR", "JP", "GB", "CH", "NO"][number % 6]] if number < 6 else [],
            currency=["EUR", "JPY", "GBP", "CHF", "NOK"][number % 5],
            pricing_mode="fixed" if number % 2 else "converted",
            is_active=number < 6,
            is_default=number == 0,
        )
    owner_client.get(MARKETS)  # warm the session, store settings and rates

    with django_assert_max_num_queries(10):
        response = owner_client.get(MARKETS)

    assert body(response).count("Make default") == 5


def test_the_form_previews_catalog_prices_under_the_typed_settings(owner_client, rates):
    make_product(title="Mug", price="10.00")
    make_product(title="Cap", price="20.00")

    whole_yen = body(
        owner_client.get(
            f"{MARKETS}preview/",
            {"currency": "jpy", "rounding": "increment", "rounding_increment": "100"},
        )
    )
    euros = body(owner_client.get(f"{MARKETS}new/"))  # the form's own preview: no currency yet
    no_rate = body(owner_client.get(f"{MARKETS}preview/", {"currency": "ARS"}))
    no_increment = body(
        owner_client.get(f"{MARKETS}preview/", {"currency": "JPY", "rounding": "increment"})
    )

    # 10 USD / 1.0163 x 138.05 = 1358.36 -> 1400; 20 USD -> 2716.72 -> 2800
    assert "¥1,400" in whole_yen and "¥2,800" in whole_yen
    assert "Type a currency code to see prices." in euros
    assert "No exchange rate for ARS — update rates" in no_rate
    assert "Give the increment to round up to." in no_increment
    assert not Market.objects.exists()


# --- Fixed prices -------------------------------------------------------------------------------


@pytest.fixture
def fixed_market(rates) -> Market:
    return make_market(
        "uk",
        name="United Kingdom",
        countries=["GB"],
        currency="GBP",
        pricing_mode="fixed",
        rounding="whole",
        is_default=True,
    )


def price_form(*rows: tuple[Variant, str, str]) -> dict[str, str]:
    data = {}
    for variant, price, compare in rows:
        data[f"v{variant.pk}-price"] = price
        data[f"v{variant.pk}-compare"] = compare
    return data


def test_fixed_prices_are_listed_with_the_converted_price_and_saved(owner_client, fixed_market):
    # Given a mug (10 USD) and a cap (20 USD), and the UK market pricing by whole pounds
    mug = make_product(title="Mug", price="10.00", sku="MUG-1").variants.get()
    cap = make_product(title="Cap", price="20.00", sku="CAP-1").variants.get()
    url = f"{MARKETS}{fixed_market.pk}/prices/"

    # The page shows the converted price as the placeholder: 10 / 1.0163 x 0.8456 = 8.32 → 9
    page = body(owner_client.get(url))
    assert 'placeholder="9.00"' in page and "£9.00" in page
    assert "MUG-1" in page and "CAP-1" in page

    # When the owner fixes the mug at 8.50 (was 12) and leaves the cap converted
    response = owner_client.post(url, price_form((mug, "8,50", "12"), (cap, "", "")))

    # Then only the mug gets a fixed price, audited
    assert response.status_code == 302, body(response)
    price = MarketPrice.objects.get()
    assert (price.variant_id, price.price_amount, price.compare_at_price_amount) == (
        mug.pk,
        Decimal("8.50"),
        Decimal("12"),
    )
    assert AuditEvent.objects.filter(verb="market.price_set").count() == 1
    page = body(owner_client.get(url))
    assert 'value="8.50"' in page and 'value="12.00"' in page

    # When the price is emptied the mug is converted again
    owner_client.post(url, price_form((mug, "", ""), (cap, "", "")))
    assert not MarketPrice.objects.exists()


@pytest.mark.parametrize(
    ("cap_row", "message"),
    [
        (("abc", ""), "Row 2 (SKU MUG-1): price must be a number"),
        (("-1", ""), "Row 2 (SKU MUG-1): price cannot be negative"),
        (("5", "x"), "Row 2 (SKU MUG-1): compare-at price must be a number"),
        (("", "9"), "Row 2 (SKU MUG-1): give a price with the compare-at price"),
        (("9", "8"), "Row 2 (SKU MUG-1): The compare-at price must be higher than the price."),
        (("9.999", ""), "Row 2 (SKU MUG-1): price has more decimals than GBP allows (2)"),
    ],
)
def test_a_bad_row_saves_nothing_and_is_named(owner_client, fixed_market, cap_row, message):
    cap = make_product(title="Cap", price="20.00", sku="CAP-1").variants.get()
    mug = make_product(title="Mug", price="10.00", sku="MUG-1").variants.get()

    response = owner_client.post(
        f"{MARKETS}{fixed_market.pk}/prices/", price_form((cap, "15", ""), (mug, *cap_row))
    )

    assert response.status_code == 400
    assert message in body(response)
    assert "Nothing was saved." in body(response)
    assert not MarketPrice.objects.exists()
    assert not AuditEvent.objects.filter(verb="market.price_set").exists()


def test_fixed_prices_are_searched_and_paged_in_a_constant_number_of_queries(
    owner_client, fixed_market, django_assert_max_num_queries
):
    for number in range(60):
        variant = make_product(title=f"Shirt {number:02}", sku=f"SH-{number:02}").variants.get()
        if number % 3 == 0:
            MarketPrice.objects.create(
                market=fixed_market, variant=variant, currency="GBP", price_amount=Decimal(9)
            )
    make_product(title="Mug", sku="MUG-1")
    url = f"{MARKETS}{fixed_market.pk}/prices/"
    owner_client.get(url)

    with django_assert_max_num_queries(10):
        first = body(owner_client.get(url))
    with django_assert_max_num_queries(10):
        second = body(owner_client.get(f"{url}?page=2"))
    found = body(owner_client.get(f"{url}?q=mug"))

    # Mug comes first, then the shirts, 50 to a page
    assert "MUG-1" in first and "Shirt 48" in first and "Shirt 49" not in first
    assert "Shirt 49" in second and "Shirt 59" in second and 'rel="prev"' in second
    assert "MUG-1" in found and "Shirt" not in found


def test_the_product_page_shows_its_prices_in_every_market(owner_client, fixed_market):
    mug = make_product(title="Mug", price="10.00", sku="MUG-1")
    variant = mug.variants.get()
    make_market("eu", name="EU", countries=["DE"], currency="EUR", rounding="ending_99")
    make_market("jp", name="Japan", countries=["JP"], currency="JPY")
    MarketPrice.objects.create(
        market=fixed_market, variant=variant, currency="GBP", price_amount=Decimal("7.50")
    )

    page = body(owner_client.get(f"/dashboard/products/{mug.pk}/"))

    assert "Prices in markets" in page
    assert "£7.50" in page and "fixed" in page  # the UK's fixed price
    assert "€9.99" in page  # 10 USD → 9.84 EUR → .99
    assert "¥1,358" in page  # 10 / 1.0163 x 138.05 = 1358.36 → the yen's whole unit
    assert f"{MARKETS}{fixed_market.pk}/prices/?product={mug.pk}" in page


# --- Orders ---------------------------------------------------------------------------------------


def test_an_order_shows_its_presentment_and_base_amounts_with_the_rate(owner_client):
    order = Order.objects.create(
        number=order_number_next(),
        email="shopper@example.com",
        currency="EUR",
        subtotal_amount=Decimal("98.39"),
        total_amount=Decimal("98.39"),
        base_currency="USD",
        base_total_amount=Decimal("100.00"),
        fx_rate=Decimal("0.9839614287"),
        market_code="eu",
        language="de",
    )

    page = body(owner_client.get(f"/dashboard/orders/{order.number}/"))
    reader = token("orders:read")
    payload = call("get", f"/api/v1/admin/orders/{order.number}", reader).json()

    assert "€98.39" in page and "$100.00" in page
    assert "1 USD = 0.9839614287 EUR" in page
    assert "eu" in page and "<code>de</code>" in page
    assert payload["total"] == {"amount": "98.39", "currency": "EUR"}
    assert payload["base_total"] == {"amount": "100.00", "currency": "USD"}
    assert (payload["base_currency"], payload["fx_rate"], payload["market"]) == (
        "USD",
        "0.9839614287",
        "eu",
    )
    assert payload["language"] == "de"


# --- Permissions ----------------------------------------------------------------------------------


def test_staff_without_the_settings_permission_get_403_on_every_page_and_post(
    staff_client_with, fixed_market
):
    client = staff_client_with("orders", "products", "customers", "discounts", "reports")
    pk = fixed_market.pk
    pages = [MARKETS, f"{MARKETS}new/", f"{MARKETS}{pk}/", f"{MARKETS}{pk}/prices/",
             f"{MARKETS}rates/", f"{MARKETS}preview/"]  # fmt: skip
    posts = [*pages, f"{MARKETS}{pk}/delete/", f"{MARKETS}{pk}/default/",
             f"{MARKETS}rates/update/", f"{MARKETS}rates/upload/"]  # fmt: skip
    for url in pages:
        assert client.get(url).status_code == 403, url
    for url in posts:
        assert client.post(url, market_form()).status_code == 403, url
    assert Market.objects.count() == 1
    assert not AuditEvent.objects.exists()


def test_staff_with_the_settings_permission_manage_markets(staff_client_with):
    client = staff_client_with("settings")

    assert client.get(MARKETS).status_code == 200
    assert "/dashboard/settings/markets/" in body(client.get("/dashboard/settings/"))
    assert client.post(f"{MARKETS}new/", market_form()).status_code == 302
