"""The one "About the seller" block on a vendor's product page (marketplace.seller): INFORM's
disclosure and the DSA trader identity merged, each item once; CRD Art. 6a (trader status,
who delivers and refunds) and the marketplace page with the ranking parameters."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import translation

from freehold.core.clock import frozen_at
from freehold.marketplace import dsa, inform, seller
from freehold.marketplace.models import MarketplaceSettings, VerificationRecord
from tests.factories import make_product
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product
from tests.marketplace.test_dsa_traceability import give
from tests.marketplace.test_inform_counters import NOW, sell
from tests.marketplace.test_inform_status import submit_all, verify_all

pytestmark = pytest.mark.django_db
Field = VerificationRecord.Field
STREET = "1 Main St"
LEGAL_NAME = "Ana Lopez Goods LLC"


def disclosed_trader(*, total: str = "50000", **fields):
    """A trader selling to EU consumers (DSA applies) that is also a high-volume seller with
    the disclosure revenue (INFORM applies), every item given and verified."""
    enable_marketplace(report_phone="+1 800 555 0199")
    vendor = make_vendor(name="Ana Goods", region="Texas", country_code="US", **fields)
    product = make_vendor_product(vendor, title="Ceramic bowl")
    sell(product, count=200, total=total, first_at=NOW - dt.timedelta(days=30))
    with frozen_at(NOW - dt.timedelta(days=29)):
        inform.vendor_recompute(vendor=vendor)
    verify_all(submit_all(vendor, at=NOW - dt.timedelta(days=28)))
    with frozen_at(NOW - dt.timedelta(days=28)):
        give(vendor, Field.TRADE_REGISTER)
        give(vendor, Field.SELF_CERTIFICATION)
    return vendor, product


def page(path: str) -> str:
    with frozen_at(NOW):
        response = Client().get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def block_of(html: str) -> str:
    return html.split('<section class="seller-block"')[1].split("</section>")[0]


def test_when_both_laws_apply_one_block_shows_each_item_once() -> None:
    _vendor, product = disclosed_trader()

    html = page(product.get_absolute_url())

    assert html.count('class="seller-block"') == 1
    for item in (
        LEGAL_NAME,
        STREET,
        'href="mailto:ana@example.com"',
        "+1 512 555 0100",
        "Trade register: Amtsgericht Berlin HRB, 123456",
        f"The trader certifies: {dsa.SELF_CERTIFICATION_TEXT}",
        "Ana Goods sells as a trader.",
        "Report suspicious activity",
        "or call +1 800 555 0199",
        "Verified seller",
    ):
        assert html.count(item) == 1, item
    assert "(trading as Ana Goods)" in html
    assert "Seller information" not in html and "Trader information" not in html


def test_a_us_only_seller_below_the_thresholds_gets_a_short_block() -> None:
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(name="Kestrel", country_code="DE")
    product = make_vendor_product(vendor)

    block = block_of(page(product.get_absolute_url()))

    assert f'<a href="/sellers/{vendor.handle}">Kestrel</a>' in block
    assert "Kestrel ships its items itself, from Germany." in block
    assert "returns and refunds go through" in block
    assert "sells as" not in block  # CRD Art. 6a is EU law
    for absent in ("seller-address", "seller-contact", "seller-report", "seller-register"):
        assert absent not in block, absent


def test_a_residential_disclosed_trader_shows_region_and_country_under_both_laws() -> None:
    vendor, product = disclosed_trader(residential_address=True)

    pages = {
        "product": page(product.get_absolute_url()),
        "seller": page(f"/sellers/{vendor.handle}"),
    }

    for name, html in pages.items():
        assert STREET not in html and "Austin" not in html, name
        block = block_of(html)
        assert '<p class="seller-address">Texas, US</p>' in block, name
        assert "inquiries are handled by phone, e-mail or message" in block, name
        assert "Trade register: Amtsgericht" in block, name  # the rest of Art. 30(7) in full


def test_a_personal_phone_is_not_shown_under_either_law() -> None:
    _vendor, product = disclosed_trader(personal_phone_only=True)

    html = page(product.get_absolute_url())

    assert "512 555 0100" not in html
    assert "Please contact this seller by e-mail or message." in html
    assert 'href="mailto:ana@example.com"' in html


def test_a_private_seller_is_told_apart_and_its_identity_follows_inform_only() -> None:
    enable_marketplace()
    vendor = make_vendor(name="Jo", is_business=False, country_code="FR")
    product = make_vendor_product(vendor)

    block = block_of(page(product.get_absolute_url()))

    assert "Jo sells as a private person, not as a trader." in block
    assert "EU consumer protection law does not apply" in block
    assert "seller-address" not in block and "Trade register" not in block


def test_the_block_is_the_same_fingerprint_in_every_language() -> None:
    vendor, _product = disclosed_trader(residential_address=True)

    with frozen_at(NOW):
        english = seller.fingerprint(seller.seller_block(vendor))
        with translation.override("de"):
            german = seller.fingerprint(seller.seller_block(vendor))

    assert english == german


def test_a_suspended_sellers_product_cannot_be_added_and_says_why_once() -> None:
    enable_marketplace()
    vendor = make_vendor(name="Late")
    product = make_vendor_product(vendor)
    sell(product, count=200, total="5000", first_at=NOW - dt.timedelta(days=20))
    with frozen_at(NOW):
        inform.vendor_recompute(vendor=vendor)

    with frozen_at(NOW + dt.timedelta(days=11)):
        html = Client().get(product.get_absolute_url()).content.decode()

    assert html.count("This seller's sales are suspended") == 1
    button = html.split('id="add-to-cart-button"')[1].split("</button>")[0]
    assert " disabled>" in button and "Unavailable" in button
    # product.js keeps it disabled whichever variant the shopper picks
    assert " data-blocked" in button


# --- The marketplace page (CRD Art. 6a: ranking parameters) ---------------------------------


def test_the_marketplace_page_explains_sellers_delivery_and_ranking() -> None:
    enable_marketplace()

    html = Client().get("/legal/marketplace").content.decode()

    assert "independent sellers: third parties" in html
    assert "Each seller ships its own products" in html
    assert "no seller can pay for a better one" in html
    assert "a match in the title counts more than a match elsewhere" in html
    for label in ("Best selling", "Price, low to high", "Newest first"):
        assert f"<li>{label}</li>" in html
    assert "Manual order" not in html


def test_the_footer_links_the_marketplace_page_only_with_marketplace_mode_on() -> None:
    own = make_product(title="House blend")
    off = Client().get(own.get_absolute_url()).content.decode()
    assert "/legal/marketplace" not in off
    assert Client().get("/legal/marketplace").status_code == 404

    enable_marketplace()
    on = Client().get(own.get_absolute_url()).content.decode()
    assert 'href="/legal/marketplace">How this marketplace works</a>' in on

    MarketplaceSettings.objects.filter(pk=1).update(enabled=False)
    MarketplaceSettings.objects.get(pk=1).save()  # a save through the model, as the service does
    assert "/legal/marketplace" not in Client().get("/").content.decode()
