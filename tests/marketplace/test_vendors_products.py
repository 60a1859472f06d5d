"""A vendor's own products: creating, editing, "Sold by" on the storefront, isolation."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from freehold.catalog.models import PriceChange, Product, StockMovement
from freehold.core.models import AuditEvent
from freehold.marketplace import vendor_services
from freehold.marketplace.models import MarketplaceSettings, Vendor, VendorProduct
from tests.dashboard.conftest import make_staff
from tests.factories import make_product
from tests.marketplace.factories import (
    enable_marketplace,
    make_vendor,
    make_vendor_product,
    vendor_client,
)

pytestmark = pytest.mark.django_db


def _create(client: Client, **fields: str):
    data = {"title": "Green Tea", "description": "Loose leaf.", "price": "12.50", "stock": "8",
            "status": "active", "option_name": "", "option_values": ""}  # fmt: skip
    data.update(fields)
    return client.post(reverse("vendor-product-new"), data)


def test_vendor_creates_a_product_that_says_sold_by_on_the_storefront():
    # given marketplace mode on and an active vendor
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(name="Acme Tea")
    client = vendor_client(vendor)

    # when the vendor creates an active product
    response = _create(client)

    # then it is theirs, audited, and its page says who sells it
    assert response.status_code == 302
    product = Product.objects.get(title="Green Tea")
    assert product.vendor_link.vendor == vendor
    assert product.price_min_amount == Decimal("12.50")
    assert product.variants.get().stock_quantity == 8
    assert AuditEvent.objects.filter(verb="vendor.product_created", object_id=str(vendor.pk))
    page = Client().get(product.get_absolute_url()).content.decode()
    assert "Sold by Acme Tea" in page


def test_operator_products_do_not_say_sold_by_and_nothing_shows_with_the_mode_off():
    # given a vendor product and an operator product, marketplace mode off
    MarketplaceSettings.objects.create(pk=1, enabled=False, sells_to_eu_consumers=False)
    vendor = make_vendor(name="Acme Tea")
    vendor_product = make_vendor_product(vendor)
    own = make_product(title="House Blend")

    # when shoppers open both
    off = Client().get(vendor_product.get_absolute_url()).content.decode()
    vendor_services.marketplace_settings_update(  # flips the cache like the settings page
        actor=vendor_services.Actor.system(), changes={"enabled": True}
    )
    on = Client().get(vendor_product.get_absolute_url()).content.decode()
    own_page = Client().get(own.get_absolute_url()).content.decode()

    # then only the vendor's product, only with the mode on, says "Sold by"
    assert "Sold by" not in off
    assert "Sold by Acme Tea" in on
    assert "Sold by" not in own_page


def test_turning_the_mode_on_refreshes_cached_product_pages():
    # given a cached product page of a vendor product with the mode off
    MarketplaceSettings.objects.create(pk=1, enabled=False, sells_to_eu_consumers=False)
    vendor = make_vendor(name="Acme Tea")
    product = make_vendor_product(vendor)
    assert "Sold by" not in Client().get(product.get_absolute_url()).content.decode()

    # when the owner turns the mode on through the settings page
    owner = Client()
    owner.force_login(make_staff("owner@example.com"))
    owner.post(
        reverse("dashboard:marketplace-settings"),
        {"enabled": "on", "sells_to_eu_consumers": "", "default_commission_percent": "10",
         "default_commission_fixed": "0", "payout_interval_days": "14"},
    )  # fmt: skip

    # then the page says who sells it
    assert "Sold by Acme Tea" in Client().get(product.get_absolute_url()).content.decode()


def test_renaming_a_vendor_refreshes_its_cached_product_pages():
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(name="Acme Tea")
    product = make_vendor_product(vendor)
    assert "Sold by Acme Tea" in Client().get(product.get_absolute_url()).content.decode()

    vendor_services.vendor_update(
        actor=vendor_services.Actor.system(),
        vendor=vendor,
        name="Acme Teas & Co",
        commission_percent=None,
        commission_fixed_amount=None,
    )

    page = Client().get(product.get_absolute_url()).content.decode()
    assert "Sold by Acme Teas &amp; Co" in page


def test_product_with_an_option_gets_a_variant_per_value():
    enable_marketplace(sells_to_eu_consumers=False)
    client = vendor_client(make_vendor())

    _create(client, title="Tea Tin", option_name="Size", option_values="Small, Large")

    product = Product.objects.get(title="Tea Tin")
    assert sorted(product.variants.values_list("option1", flat=True)) == ["Large", "Small"]


def test_bad_input_is_refused_next_to_the_field():
    enable_marketplace(sells_to_eu_consumers=False)
    client = vendor_client(make_vendor())

    response = _create(client, title="", price="-1")

    assert response.status_code == 400
    body = response.content.decode()
    assert "Title:" in body and "Price:" in body
    assert not Product.objects.exists()


def test_vendor_lists_and_edits_only_its_own_products():
    # given two vendors and an operator product
    enable_marketplace(sells_to_eu_consumers=False)
    mine = make_vendor(name="Mine")
    theirs = make_vendor(name="Theirs")
    my_product = make_vendor_product(mine, title="My Tea", stock=3)
    their_product = make_vendor_product(theirs, title="Their Tea")
    operator_product = make_product(title="House Blend")
    client = vendor_client(mine)

    # when the vendor lists products, then only its own are there
    listing = client.get(reverse("vendor-products")).content.decode()
    assert "My Tea" in listing
    assert "Their Tea" not in listing and "House Blend" not in listing

    # and someone else's product, or the operator's, does not exist for them
    for other in (their_product, operator_product):
        url = reverse("vendor-product", args=[other.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"title": "Hacked", "status": "draft"}).status_code == 404
        other.refresh_from_db()
        assert other.title != "Hacked"

    # when it edits its own price, stock and title
    variant = my_product.variants.get()
    response = client.post(
        reverse("vendor-product", args=[my_product.pk]),
        {"title": "My Green Tea", "status": "draft", f"price-{variant.pk}": "9.99",
         f"stock-{variant.pk}": "11"},
    )  # fmt: skip

    # then the changes are saved through the catalog (price history, stock history)
    assert response.status_code == 302
    my_product.refresh_from_db()
    variant.refresh_from_db()
    assert my_product.title == "My Green Tea"
    assert my_product.status == Product.Status.DRAFT
    assert variant.price_amount == Decimal("9.99")
    assert variant.stock_quantity == 11
    assert PriceChange.objects.filter(variant=variant, price_amount=Decimal("9.99")).exists()
    assert StockMovement.objects.filter(variant=variant, delta=8).exists()


def test_pending_vendor_cannot_create_products():
    # given a vendor whose application waits for approval
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(status=Vendor.Status.APPLIED)
    client = vendor_client(vendor)

    # when it tries to create a product (page and POST), and through the service
    page = client.get(reverse("vendor-product-new"))
    post = _create(client)
    with pytest.raises(vendor_services.NotAllowed):
        vendor_services.vendor_product_create(
            vendor=vendor,
            actor=vendor_services.Actor.system(),
            data=vendor_services.VendorProductInput(title="X", price=Decimal(1)),
            currency="USD",
        )

    # then nothing is created
    assert page.status_code == 302 and post.status_code == 302
    assert not VendorProduct.objects.exists()


def test_a_listing_check_keeps_new_products_in_draft(monkeypatch):
    # given another stream's check refusing listings (e.g. missing trader data)
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor()
    monkeypatch.setattr(vendor_services, "LISTING_CHECKS", [lambda v: "Trader data missing."])
    client = vendor_client(vendor)

    # when the vendor creates an active product, it is refused; a draft is fine
    refused = _create(client)
    draft = _create(client, title="Draft Tea", status="draft")

    assert refused.status_code == 400
    assert "Trader data missing." in refused.content.decode()
    assert draft.status_code == 302
    assert list(Product.objects.values_list("title", flat=True)) == ["Draft Tea"]


def test_dashboard_product_list_is_unchanged_for_the_operator():
    # given the operator's product and a vendor's product
    enable_marketplace(sells_to_eu_consumers=False)
    make_product(title="House Blend")
    make_vendor_product(make_vendor(), title="Vendor Tea")
    owner = Client()
    owner.force_login(make_staff("owner@example.com"))

    response = owner.get(reverse("dashboard:products"))

    assert response.status_code == 200
    assert "House Blend" in response.content.decode()
