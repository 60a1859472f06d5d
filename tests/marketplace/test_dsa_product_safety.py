"""DSA Art. 31 (product-safety information on the vendor's product form, the check before going
live, the product page, random checks afterwards), Art. 32 (informing the recent buyers of an
illegal product) and the Art. 30(7) warning when a trader's address is withheld."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from freehold.catalog import services as catalog_services
from freehold.catalog.models import Product, Variant
from freehold.core import clock
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.marketplace import dsa, product_safety, rules
from freehold.marketplace.models import (
    IllegalProductNotice,
    IllegalProductRecipient,
    ProductCompliance,
)
from freehold.orders.models import Order
from tests.factories import make_product
from tests.marketplace.factories import (
    enable_marketplace,
    make_vendor,
    make_vendor_product,
    vendor_client,
)
from tests.marketplace.test_dsa_pages import staff_client
from tests.marketplace.test_dsa_traceability import complete_trader
from tests.orders.builders import place_order

pytestmark = pytest.mark.django_db

STAFF = Actor.system("test")
SAFETY = {
    "operator_name": "Kestrel Goods GmbH",
    "operator_address": "Torstraße 12\n10119 Berlin\nGermany",
    "operator_contact": "safety@kestrel.example",
    "identification": "Model KS-7, batch 2026-11",
    "trademark": "KESTREL",
    "warnings": "Not suitable for children under 3 years.",
    "labelling": "CE",
}


def new_product_data(**changes: str) -> dict[str, str]:
    data = {"title": "Wool scarf", "description": "", "price": "25.00", "stock": "3",
            "option_name": "", "option_values": "", "status": "active", **SAFETY}  # fmt: skip
    data.update(changes)
    return data


def edit_data(product: Product, **changes: str) -> dict[str, str]:
    """The edit form as the page fills it, with `changes`."""
    variant = Variant.objects.get(product=product)
    data = {"title": product.title, "description_html": "", "product_type": "", "tags": "",
            "status": product.status, f"price-{variant.pk}": "20.00",
            f"compare_at-{variant.pk}": "", f"sku-{variant.pk}": "", f"barcode-{variant.pk}": "",
            f"stock-{variant.pk}": str(variant.stock_quantity)}  # fmt: skip
    data.update({name: "" for name in product_safety.SAFETY_FIELDS})
    data.update(changes)
    return data


def trader(**fields: Any) -> Any:
    enable_marketplace()
    vendor = make_vendor(name="Kestrel", **fields)
    complete_trader(vendor)
    return vendor


def safe(product: Product, **fields: str) -> ProductCompliance:
    return ProductCompliance.objects.create(product=product, **{**SAFETY, **fields})


# --- The vendor's form and the check before going live -------------------------------------


def test_a_trader_cannot_publish_a_new_product_without_the_economic_operator() -> None:
    # Given a trader with complete Art. 30(1) data
    vendor = trader()
    client = vendor_client(vendor)

    # When it creates an active product without the economic operator's name
    response = client.post(reverse("vendor-product-new"), new_product_data(operator_name=""))

    # Then it is refused next to that field, and nothing is created
    assert response.status_code == 400
    html = response.content.decode()
    assert "Missing: Economic operator in the EU: name." in html
    assert not Product.objects.filter(title="Wool scarf").exists()


def test_a_trader_publishes_a_new_product_with_its_safety_information() -> None:
    vendor = trader()
    client = vendor_client(vendor)

    response = client.post(reverse("vendor-product-new"), new_product_data())

    assert response.status_code == 302
    product = Product.objects.get(title="Wool scarf")
    assert product.status == Product.Status.ACTIVE
    row = ProductCompliance.objects.get(product=product)
    assert {name: getattr(row, name) for name in SAFETY} == SAFETY


def test_the_edit_form_refuses_publishing_without_identification_then_accepts_it() -> None:
    # Given a trader's draft product with the operator but no identification
    vendor = trader()
    product = make_vendor_product(vendor, title="Mug", status=Product.Status.DRAFT)
    client = vendor_client(vendor)
    edit = reverse("vendor-product", args=[product.pk])
    page = client.get(edit).content.decode()
    assert "Product safety (EU)" in page
    given = {name: SAFETY[name] for name in ("operator_name", "operator_address",
                                              "operator_contact")}  # fmt: skip

    # When it publishes
    refused = client.post(edit, edit_data(product, status="active", **given))

    # Then the identification is named, the product stays a draft, the rest is kept for later
    assert refused.status_code == 400
    assert "Product identification (type, batch, serial or model)" in refused.content.decode()
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT

    # And with the identification it goes live
    accepted = client.post(
        edit, edit_data(product, status="active", **given, identification="Model 7")
    )
    assert accepted.status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert ProductCompliance.objects.get(product=product).identification == "Model 7"


def test_the_operator_cannot_publish_a_traders_product_without_safety_information() -> None:
    vendor = trader()
    product = make_vendor_product(vendor, status=Product.Status.DRAFT)

    with pytest.raises(ValidationError) as caught:
        catalog_services.product_update(product=product, status=Product.Status.ACTIVE)

    assert "Economic operator in the EU: name" in str(caught.value)
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT


@pytest.mark.parametrize(
    "settings_fields, vendor_fields",
    [({}, {"is_business": False}), ({"sells_to_eu_consumers": False}, {})],
    ids=["private-seller", "not-selling-to-eu"],
)
def test_without_the_dsa_a_product_goes_live_without_safety_information(
    settings_fields: dict[str, Any], vendor_fields: dict[str, Any]
) -> None:
    enable_marketplace(**settings_fields)
    vendor = make_vendor(**vendor_fields)
    product = make_vendor_product(vendor, status=Product.Status.DRAFT)
    client = vendor_client(vendor)
    assert (
        "Product safety (EU)"
        not in client.get(reverse("vendor-product", args=[product.pk])).content.decode()
    )

    catalog_services.product_update(product=product, status=Product.Status.ACTIVE)

    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


# --- The product page ----------------------------------------------------------------------


def test_the_product_page_shows_product_safety_in_the_seller_area() -> None:
    vendor = trader()
    product = make_vendor_product(vendor)
    safe(product)
    own = make_product(title="House blend")

    html = Client().get(product.get_absolute_url()).content.decode()
    own_html = Client().get(own.get_absolute_url()).content.decode()

    assert "Product safety" in html
    assert "Economic operator in the EU: Kestrel Goods GmbH<br>Torstraße 12" in html
    assert "safety@kestrel.example" in html
    assert "Product identification: Model KS-7, batch 2026-11" in html
    assert "Not suitable for children under 3 years." in html
    assert "Product safety" not in own_html


def test_saving_the_safety_information_re_renders_the_cached_product_page(
    django_capture_on_commit_callbacks: Any,
) -> None:
    vendor = trader()
    product = make_vendor_product(vendor)
    safe(product)
    assert "Model KS-7" in Client().get(product.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        saved = vendor_client(vendor).post(
            reverse("vendor-product", args=[product.pk]),
            edit_data(product, **{**SAFETY, "identification": "Model KS-8"}),
        )
    assert saved.status_code == 302

    html = Client().get(product.get_absolute_url()).content.decode()
    assert "Model KS-8" in html


# --- Random checks afterwards ---------------------------------------------------------------


def test_staff_draw_a_random_sample_of_live_vendor_listings() -> None:
    vendor = trader()
    live = [make_vendor_product(vendor, title=f"Live {n}") for n in range(4)]
    make_vendor_product(vendor, title="Draft one", status=Product.Status.DRAFT)
    make_product(title="House blend")
    client = staff_client("settings")

    three = client.get(reverse("dashboard:marketplace-listing-checks"), {"count": "3"})
    every = client.get(reverse("dashboard:marketplace-listing-checks"), {"count": "10"})

    assert three.status_code == 200
    assert three.content.decode().count('class="panel listing-check"') == 3
    html = every.content.decode()
    assert all(f'id="listing-{product.pk}"' in html for product in live)
    assert "Draft one" not in html
    assert "House blend" not in html
    traders_page = client.get(reverse("dashboard:marketplace-traders")).content.decode()
    assert "Check N random listings" in traders_page


def test_staff_mark_a_listing_checked() -> None:
    vendor = trader()
    product = make_vendor_product(vendor)
    client = staff_client("settings")

    response = client.post(reverse("dashboard:marketplace-listing-check-ok", args=[product.pk]))

    assert response.status_code == 302
    row = ProductCompliance.objects.get(product=product)
    assert row.checked_at is not None
    assert AuditEvent.objects.filter(verb=product_safety.CHECKED_VERB).count() == 1


def test_a_suspended_listing_goes_to_draft_with_a_reason_the_vendor_sees_until_cleared() -> None:
    # Given a trader's live product with its safety information
    vendor = trader()
    product = make_vendor_product(vendor)
    safe(product)
    client = staff_client("settings")

    # When staff suspend it after a check
    client.post(
        reverse("dashboard:marketplace-listing-check-suspend", args=[product.pk]),
        {"reason": "The CE marking is missing from the photos"},
    )

    # Then it is a draft, the suspension is audit-logged, and the vendor sees why
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT
    event = AuditEvent.objects.get(verb=product_safety.SUSPENDED_VERB)
    assert event.data["reason"] == "The CE marking is missing from the photos"
    member = vendor_client(vendor)
    edit = reverse("vendor-product", args=[product.pk])
    assert "The CE marking is missing from the photos" in member.get(edit).content.decode()

    # And the vendor cannot put it back live until staff clear it
    refused = member.post(edit, edit_data(product, status="active", **SAFETY))
    assert refused.status_code == 400
    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT
    checks = client.get(reverse("dashboard:marketplace-listing-checks")).content.decode()
    assert "Suspended listings" in checks
    client.post(reverse("dashboard:marketplace-listing-check-ok", args=[product.pk]))
    assert member.post(edit, edit_data(product, status="active", **SAFETY)).status_code == 302
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


def test_suspending_needs_a_reason() -> None:
    vendor = trader()
    product = make_vendor_product(vendor)

    staff_client("settings").post(
        reverse("dashboard:marketplace-listing-check-suspend", args=[product.pk]), {"reason": ""}
    )

    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


# --- Art. 32: informing the buyers of an illegal product -----------------------------------


def test_the_notice_period_is_a_date_effective_rule() -> None:
    assert rules.whole("dsa_illegal_notice_months") == 6


def buy(product: Product, email: str, *, at: dt.datetime) -> Order:
    variant = Variant.objects.get(product=product)
    with clock.frozen_at(at):
        return place_order([(variant, 1)], email=email)


def test_buyers_of_the_last_six_months_are_informed_once(
    django_capture_on_commit_callbacks: Any,
) -> None:
    # Given a trader's product bought 6 months and 1 day ago, and 5 months ago
    vendor = trader()
    product = make_vendor_product(vendor, title="Glow toy", stock=10, currency="EUR")
    now = timezone.make_aware(dt.datetime(2026, 11, 27, 12, 0))
    buy(product, "old@example.com", at=timezone.make_aware(dt.datetime(2026, 5, 26, 12, 0)))
    buy(product, "recent@example.com", at=timezone.make_aware(dt.datetime(2026, 6, 27, 12, 0)))
    client = staff_client("settings")
    url = reverse("dashboard:marketplace-illegal-product", args=[product.pk])
    form = {
        "reason": "It contains lead above the legal limit.",
        "trader": "Kestrel Goods GmbH\nTorstraße 12, 10119 Berlin",
        "redress": "Return it for a full refund from your order page.",
    }

    # When staff inform the buyers, today
    with clock.frozen_at(now):
        assert "Kestrel Goods GmbH" in client.get(url).content.decode()
        mail.outbox.clear()
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, form)

    # Then only the recent buyer gets one e-mail with the reason, trader and redress
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["recent@example.com"]]
    body = mail.outbox[0].body
    assert "Glow toy" in body
    assert "It contains lead above the legal limit." in body
    assert "Kestrel Goods GmbH" in body
    assert "Return it for a full refund" in body
    recipient = IllegalProductRecipient.objects.get()
    assert recipient.email == "recent@example.com"
    assert AuditEvent.objects.filter(verb=product_safety.ILLEGAL_VERB).count() == 1

    # And running it again e-mails nobody twice
    with clock.frozen_at(now), django_capture_on_commit_callbacks(execute=True):
        again = client.post(url, form)
    assert again.status_code == 302
    assert len(mail.outbox) == 1
    assert IllegalProductNotice.objects.count() == 1
    assert IllegalProductRecipient.objects.count() == 1


def test_a_buyer_exactly_six_months_ago_is_still_informed_and_a_cancelled_order_is_not() -> None:
    vendor = trader()
    product = make_vendor_product(vendor, title="Glow toy", stock=10, currency="EUR")
    now = timezone.make_aware(dt.datetime(2026, 11, 27, 12, 0))
    buy(product, "edge@example.com", at=timezone.make_aware(dt.datetime(2026, 5, 27, 12, 0)))
    cancelled = buy(product, "cancelled@example.com", at=now - dt.timedelta(days=3))
    Order.objects.filter(pk=cancelled.pk).update(status="cancelled")

    with clock.frozen_at(now):
        buyers = product_safety.recent_buyers(product)

    assert [order.email for order in buyers] == ["edge@example.com"]


def test_informing_needs_a_reason() -> None:
    vendor = trader()
    product = make_vendor_product(vendor)
    url = reverse("dashboard:marketplace-illegal-product", args=[product.pk])

    response = staff_client("settings").post(url, {"reason": "", "trader": "Kestrel"})

    assert response.status_code == 400
    assert IllegalProductNotice.objects.count() == 0


# --- Art. 30(7): the withheld address --------------------------------------------------------


def test_staff_and_vendor_are_warned_when_a_traders_address_is_withheld() -> None:
    withheld = trader(residential_address=True)
    plain = make_vendor(name="Open Shop")
    complete_trader(plain)
    client = staff_client("settings")

    traders_page = client.get(reverse("dashboard:marketplace-traders")).content.decode()
    detail = client.get(reverse("dashboard:marketplace-trader", args=[withheld.pk])).content
    plain_detail = client.get(reverse("dashboard:marketplace-trader", args=[plain.pk])).content
    vendor_page = vendor_client(withheld).get(reverse("vendor-trader")).content.decode()

    warning = "Address not published: give a business or returns address"
    assert traders_page.count(warning) == 1
    assert warning in detail.decode()
    assert warning not in plain_detail.decode()
    assert warning in vendor_page


def test_no_address_warning_when_the_dsa_does_not_apply() -> None:
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(personal_phone_only=True)

    assert dsa.address_withheld(vendor) is False
    enable_marketplace(sells_to_eu_consumers=True)
    assert dsa.address_withheld(vendor) is True


# --- Who may use the operator's pages -------------------------------------------------------


def test_staff_without_the_settings_area_get_403_on_every_page_and_action() -> None:
    vendor = trader()
    product = make_vendor_product(vendor)
    client = staff_client("orders")
    pages = [
        ("get", reverse("dashboard:marketplace-listing-checks"), {}),
        ("post", reverse("dashboard:marketplace-listing-check-ok", args=[product.pk]), {}),
        (
            "post",
            reverse("dashboard:marketplace-listing-check-suspend", args=[product.pk]),
            {"reason": "x"},
        ),
        ("get", reverse("dashboard:marketplace-illegal-product", args=[product.pk]), {}),
        (
            "post",
            reverse("dashboard:marketplace-illegal-product", args=[product.pk]),
            {"reason": "x", "trader": "y"},
        ),
    ]

    for method, url, data in pages:
        assert getattr(client, method)(url, data).status_code == 403, url
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE
    assert not ProductCompliance.objects.exists()


def test_the_dashboard_product_page_shows_the_safety_information_read_only() -> None:
    vendor = trader()
    product = make_vendor_product(vendor)
    safe(product)
    own = make_product(title="House blend")
    client = staff_client("products")

    html = client.get(reverse("dashboard:product-edit", args=[product.pk])).content.decode()
    own_html = client.get(reverse("dashboard:product-edit", args=[own.pk])).content.decode()

    assert "Product safety (given by Kestrel)" in html
    assert "Model KS-7, batch 2026-11" in html
    assert 'name="identification"' not in html
    assert "Product safety" not in own_html
