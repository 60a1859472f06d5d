"""Disclosure of high-volume sellers' identity, partial disclosure and the report link
(compliance-rules.md 1.9, 1.10, 1.12)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from freehold.core.clock import frozen_at
from freehold.marketplace import inform
from freehold.marketplace.models import SuspiciousActivityReport
from freehold.notifications import emails
from tests.marketplace.factories import (
    enable_marketplace,
    make_customer,
    make_vendor,
    make_vendor_product,
)
from tests.marketplace.test_inform_counters import NOW, sell
from tests.marketplace.test_inform_status import submit_all, verify_all

pytestmark = pytest.mark.django_db
STREET = "1 Main St"


def seller(total: str, **fields):
    """A high-volume vendor (200 sales for `total` USD last month) with verified information,
    and one of those orders, bought by a customer account."""
    # A US-only marketplace: the DSA trader block (EU) is not part of these rules.
    enable_marketplace(report_phone="+1 800 555 0199", sells_to_eu_consumers=False)
    vendor = make_vendor(name="Ana's Goods", region="Texas", country_code="US", **fields)
    product = make_vendor_product(vendor, title="Ceramic bowl")
    lines = sell(product, count=200, total=total, first_at=NOW - dt.timedelta(days=30))
    with frozen_at(NOW - dt.timedelta(days=29)):
        inform.vendor_recompute(vendor=vendor)
    verify_all(submit_all(vendor, at=NOW - dt.timedelta(days=28)))
    customer = make_customer()
    order = lines[0].order
    order.customer = customer
    order.email = customer.email
    order.save(update_fields=["customer", "email"])
    return vendor, product, order, customer


def shopper_views(product, order, customer) -> dict[str, str]:
    """Everything a shopper sees: the product page, the seller page, the confirmation e-mail
    (HTML and text) and the account's order page."""
    client = Client()
    with frozen_at(NOW):
        product_page = client.get(product.get_absolute_url())
        seller_page = client.get(f"/sellers/{product.vendor_link.vendor.handle}")
        _subject, text, html = emails.render("order_confirmation", order=order)
        client.force_login(customer)
        order_page = client.get(f"/account/orders/{order.number}")
    assert product_page.status_code == seller_page.status_code == order_page.status_code == 200
    return {
        "product": product_page.content.decode(),
        "seller": seller_page.content.decode(),
        "email_html": html,
        "email_text": text,
        "order": order_page.content.decode(),
    }


def test_at_19999_usd_there_is_no_identity_block_but_the_report_link():
    _vendor, product, order, customer = seller("19999")
    views = shopper_views(product, order, customer)
    for name, page in views.items():
        assert "Ana Lopez Goods LLC" not in page, name
        assert STREET not in page, name
    assert "Report suspicious activity" in views["product"]
    assert "+1 800 555 0199" in views["product"]


def test_at_20000_usd_the_identity_shows_on_the_product_page_the_email_and_the_order_history():
    _vendor, product, order, customer = seller("20000")
    views = shopper_views(product, order, customer)
    for name in ("product", "seller", "email_html", "email_text", "order"):
        assert "Ana Lopez Goods LLC" in views[name], name
        assert STREET in views[name], name
        assert "ana@example.com" in views[name], name
    assert "+1 512 555 0100" in views["product"]
    assert "Report suspicious activity" in views["product"]


def test_a_residential_sellers_street_never_reaches_a_shopper():
    _vendor, product, order, customer = seller("50000", residential_address=True)
    views = shopper_views(product, order, customer)
    for name, page in views.items():
        assert STREET not in page, name
        assert "Austin" not in page, name
    for name in ("product", "seller", "email_html", "order"):
        assert "Texas, US" in views[name], name
        assert "inquiries are handled by phone, e-mail or message" in views[name], name


def test_a_personal_phone_is_not_shown_and_shoppers_are_told_to_use_email():
    _vendor, product, order, customer = seller("50000", personal_phone_only=True)
    views = shopper_views(product, order, customer)
    for name, page in views.items():
        assert "512 555 0100" not in page, name
    assert "Please contact this seller by e-mail or message." in views["product"]


def test_the_operators_own_products_and_a_store_without_marketplace_show_nothing():
    from freehold.marketplace.models import MarketplaceSettings
    from tests.factories import make_product

    _vendor, product, _order, _customer = seller("50000")
    own = make_product(title="House blend")
    with frozen_at(NOW):
        assert "Seller information" not in Client().get(own.get_absolute_url()).content.decode()
    MarketplaceSettings.objects.filter(pk=1).update(enabled=False)
    with frozen_at(NOW):
        page = Client().get(product.get_absolute_url() + "?v=off").content.decode()
    assert "Seller information" not in page and "Report suspicious" not in page


def test_a_report_is_stored_for_staff_review():
    vendor, _product, _order, _customer = seller("6000")
    client = Client()
    page = client.get(f"/sellers/{vendor.handle}/report")
    assert "+1 800 555 0199" in page.content.decode()
    response = client.post(
        f"/sellers/{vendor.handle}/report",
        {"email": "worried@example.com", "message": "Counterfeit bowls"},
    )
    assert response.status_code == 302
    report = SuspiciousActivityReport.objects.get(vendor=vendor)
    assert (report.email, report.message) == ("worried@example.com", "Counterfeit bowls")
    assert "your report was received" in client.get(response["Location"]).content.decode()
