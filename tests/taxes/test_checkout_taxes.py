"""The engine in the checkout: the page shows the tax lines, duties and the DAP notice before
payment, and placing the order stores the tax lines, the duties and the engine's reasons."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from freehold.catalog.models import Variant
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core import clock
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import OrderTaxLine
from tests.dashboard.conftest import owner, owner_client  # noqa: F401 - fixtures used below
from tests.factories import make_product, make_store_settings
from tests.taxes.conftest import merchant, register

D = Decimal
SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
pytestmark = pytest.mark.usefixtures("rules")
AFTER_FLAT_DUTY = timezone.make_aware(dt.datetime(2026, 7, 2, 12))
BEFORE_FLAT_DUTY = timezone.make_aware(dt.datetime(2026, 3, 2, 12))


def address(country: str, **changes: str) -> dict[str, str]:
    return {
        "first_name": "Ana",
        "last_name": "Lima",
        "line1": "1 Main Street",
        "line2": "",
        "city": "Town",
        "postal_code": {"FR": "75001", "DE": "10119", "US": "10001"}.get(country, "12345"),
        "region": "",
        "country_code": country,
        "phone": "",
        **changes,
    }


@pytest.fixture
def british_shop(db) -> dict[str, Any]:
    """A UK merchant selling in euros to the EU with an IOSS number, prices without tax."""
    make_store_settings(name="Fjell & Co", currency="EUR", country_code="GB")
    merchant("GB")
    register("ioss", number="IM3720000001")
    zone = ShippingZone.objects.create(name="Europe", countries=["DE", "FR", "GB"])
    ShippingRate.objects.create(
        zone=zone, code="standard", name="Standard", price_amount=D("5.00"), currency="EUR"
    )
    silk = make_product(
        title="Silk blouse", price="40.00", currency="EUR", hs_code="6206.10", stock=20
    )
    wool = make_product(
        title="Wool blouse", price="30.00", currency="EUR", hs_code="6206.20", stock=20
    )
    coat = make_product(title="Coat", price="200.00", currency="EUR", hs_code="6202.93", stock=5)
    return {
        "silk": silk.variants.get(),
        "wool": wool.variants.get(),
        "coat": coat.variants.get(),
        "shipping": f"{zone.pk}:standard",
    }


def place(
    items: list[tuple[Variant, int]], country: str, shipping_code: str, **address_changes: str
) -> Any:
    from freehold.checkout.services import cart_set_details

    cart = cart_create(currency="EUR")
    for variant, quantity in items:
        cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    cart_set_details(
        cart=cart,
        email="ana@example.com",
        shipping_address=address(country, **address_changes),
        shipping_method_code=shipping_code,
    )
    return checkout_complete(
        cart_token=cart.token,
        email="ana@example.com",
        idempotency_key=uuid.uuid4().hex,
        shipping_address=address(country, **address_changes),
    )


def test_an_ioss_order_to_france_stores_french_vat_per_line_and_on_shipping(british_shop):
    order = place(
        [(british_shop["silk"], 1), (british_shop["wool"], 2)], "FR", british_shop["shipping"]
    )

    # 100.00 of goods + 5.00 shipping, 20 % French VAT on both
    assert (order.subtotal_amount, order.tax_amount, order.total_amount) == (
        D("100.00"), D("21.00"), D("126.00"),
    )  # fmt: skip
    assert order.duty_amount == 0
    rows = list(order.tax_lines.order_by("id"))
    assert [(row.label, row.amount, row.target) for row in rows] == [
        ("VAT FR 20 %", D("8.00"), "line"),
        ("VAT FR 20 %", D("12.00"), "line"),
        ("VAT FR 20 %", D("1.00"), "shipping"),
    ]
    assert rows[0].order_line.product_title == "Silk blouse"
    assert {line.tax_rate for line in order.lines.all()} == {D("0.2")}
    assert any("EU IOSS" in reason for reason in order.pricing_reasons)


def test_a_parcel_above_eur_150_to_germany_carries_no_vat(british_shop):
    order = place([(british_shop["coat"], 1)], "DE", british_shop["shipping"])

    assert (order.tax_amount, order.total_amount) == (D(0), D("205.00"))
    assert not order.tax_lines.exists()
    assert any("exceed 150" in reason for reason in order.pricing_reasons)


def test_the_flat_eu_duty_is_charged_and_stored_under_ddp(british_shop, monkeypatch):
    from freehold.checkout import selectors as checkout_selectors

    market = checkout_selectors.cart_market(cart_create(currency="EUR"))
    monkeypatch.setattr(
        checkout_selectors,
        "cart_market",
        lambda cart: type(market)(**{**market.__dict__, "duties_mode": "ddp"}),
    )

    with clock.frozen_at(AFTER_FLAT_DUTY):
        order = place(
            [(british_shop["silk"], 1), (british_shop["wool"], 2)], "DE", british_shop["shipping"]
        )

    assert order.duty_amount == D("6.00")
    assert order.total_amount == D("100.00") + D("5.00") + D("19.95") + D("6.00")
    duties = order.tax_lines.filter(kind=OrderTaxLine.Kind.DUTY).order_by("id")
    assert [(row.label, row.amount, row.rate) for row in duties] == [
        ("EU flat duty 6206.10", D("3.00"), None),
        ("EU flat duty 6206.20", D("3.00"), None),
    ]


def test_the_checkout_page_names_the_vat_and_the_dap_notice_before_payment(british_shop):
    client = Client()
    client.post("/cart/add", {"variant_id": british_shop["silk"].pk}, **SAME_ORIGIN)
    client.post("/checkout", {**address("FR"), "action": "update"})
    with clock.frozen_at(BEFORE_FLAT_DUTY):
        france = client.get("/checkout").content.decode()
    with clock.frozen_at(AFTER_FLAT_DUTY):
        france_later = client.get("/checkout").content.decode()

    assert re.search(r"VAT FR 20 %</dt><dd id=\"summary-tax\">€9.00<", france)
    assert "may be due on delivery" not in france
    # from July 2026 the EUR 3 flat duty is due on delivery under DAP: the shopper is told
    assert re.search(r"VAT FR 20 %</dt><dd id=\"summary-tax\">€9.00<", france_later)
    assert "may be due on delivery" in france_later

    client.post("/cart/add", {"variant_id": british_shop["coat"].pk}, **SAME_ORIGIN)
    client.post("/checkout", {**address("DE"), "action": "update"})
    germany = client.get("/checkout").content.decode()

    assert 'id="summary-tax"' not in germany
    notice = r'id="notice-duties_on_delivery"[^>]*>Duties and import taxes may be due'
    assert re.search(notice, germany)
    assert re.search(r'id="summary-total">€245.00<', germany)


def test_the_store_single_rate_still_applies_at_home(db):
    # A German store that set one 19 % rate and nothing else: today's behaviour at home
    make_store_settings(
        currency="EUR", country_code="DE", tax_label="VAT", tax_rate_percent=D("19"),
        prices_include_tax=True,
    )  # fmt: skip
    mug = make_product(title="Mug", price="11.90", currency="EUR", stock=3).variants.get()
    zone = ShippingZone.objects.create(name="EU", countries=["DE", "FR", "US"])
    ShippingRate.objects.create(
        zone=zone, code="std", name="Standard", price_amount=D("0"), currency="EUR"
    )

    home = place([(mug, 1)], "DE", f"{zone.pk}:std")
    france = place([(mug, 1)], "FR", f"{zone.pk}:std")
    america = place([(mug, 1)], "US", f"{zone.pk}:std", region="NY")

    assert (home.tax_amount, home.total_amount) == (D("1.90"), D("11.90"))
    assert home.tax_lines.get().label == "VAT"
    # a distance sale within the EU, below EUR 10,000 a year: German VAT, by the rules
    assert (france.tax_amount, france.total_amount) == (D("1.90"), D("11.90"))
    assert france.tax_lines.get().label == "VAT DE 19 %"
    # an export carries no VAT: the 19 % inside the price is taken out
    assert (america.tax_amount, america.total_amount) == (D(0), D("10.00"))


def test_the_order_page_and_the_invoice_list_the_tax_lines(british_shop, owner_client):  # noqa: F811
    order = place([(british_shop["silk"], 2)], "FR", british_shop["shipping"])

    status_page = Client().get(f"/orders/{order.token}").content.decode()
    invoice = owner_client.get(f"/dashboard/orders/{order.number}/invoice").content.decode()
    detail = owner_client.get(f"/dashboard/orders/{order.number}/").content.decode()

    # 80.00 + 5.00 shipping at 20 %: one line under one label
    assert re.search(r'VAT FR 20 %</dt><dd id="order-tax">€17.00<', status_page)
    invoice_line = r'<dt class="tax-line">(Including )?VAT FR 20 %</dt><dd class="tax-line">€17.00<'
    assert re.search(invoice_line, invoice)
    assert "VAT FR 20 %" in detail
