"""DSA pages: the trader block on listings (Art. 30(7), CRD Art. 6a), the vendor's trader
details page, the operator's traders list and actions, and who may use them."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from freehold.catalog.models import Product
from freehold.core.audit import Actor
from freehold.customers.models import Customer
from freehold.marketplace import dsa
from freehold.marketplace.models import VerificationRecord
from tests.factories import make_product
from tests.marketplace.factories import (
    enable_marketplace,
    make_vendor,
    make_vendor_product,
    vendor_client,
)
from tests.marketplace.test_dsa_traceability import complete_trader

pytestmark = pytest.mark.django_db

Field = VerificationRecord.Field
STAFF = Actor.system("test")
NON_TRADER = "EU consumer protection law does not apply to contracts with this seller."


def staff_client(*permissions: str) -> Client:
    member = Customer.objects.create_user(
        f"staff-{'-'.join(permissions) or 'none'}@example.com",
        "staff-pass-1",
        is_staff=True,
        staff_role=Customer.StaffRole.STAFF,
        staff_permissions=list(permissions),
    )
    client = Client()
    client.force_login(member)
    return client


def product_page(product: Product) -> str:
    response = Client().get(product.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


# --- The listing ---------------------------------------------------------------------------


def test_a_traders_product_page_shows_its_identity_register_and_self_certification() -> None:
    enable_marketplace()
    vendor = make_vendor(name="Kestrel")
    complete_trader(vendor)
    product = make_vendor_product(vendor)

    html = product_page(product)

    assert "Kestrel sells as a trader." in html
    assert "Kestrel Goods GmbH" in html
    assert "Torstraße 12<br>10119 Berlin<br>Germany" in html
    assert "+49 30 1234567" in html
    assert 'href="mailto:legal@kestrel.example"' in html
    assert "Trade register: Amtsgericht Berlin HRB, 123456" in html
    assert f"The trader certifies: {dsa.SELF_CERTIFICATION_TEXT}" in html
    assert NON_TRADER not in html
    # Secrets never reach the page
    assert "3000" not in html.split('class="seller-block"')[1].split("</section>")[0]


def test_a_private_sellers_product_page_says_consumer_law_does_not_apply() -> None:
    enable_marketplace()
    vendor = make_vendor(name="Jo's attic", is_business=False)
    product = make_vendor_product(vendor)

    html = product_page(product)

    assert "sells as a private person, not as a trader." in html
    assert NON_TRADER in html
    assert 'class="seller-address"' not in html and "Trade register" not in html


def test_a_residential_traders_street_and_a_personal_phone_are_not_shown() -> None:
    enable_marketplace()
    vendor = make_vendor(
        residential_address=True, personal_phone_only=True, region="Berlin", country_code="DE"
    )
    complete_trader(vendor)
    html = product_page(make_vendor_product(vendor))

    assert "Kestrel Goods GmbH" in html and "Trade register: Amtsgericht" in html
    assert "Torstraße" not in html
    assert "+49 30 1234567" not in html
    assert '<p class="seller-address">Berlin, DE</p>' in html
    assert "inquiries are handled by e-mail or message" in html


def test_an_exempt_platform_shows_the_trader_status_but_no_identity() -> None:
    enable_marketplace(dsa_small_enterprise_exempt=True)
    vendor = make_vendor(name="Kestrel")
    complete_trader(vendor)
    html = product_page(make_vendor_product(vendor))

    assert "Kestrel sells as a trader." in html
    assert 'class="seller-address"' not in html and "Trade register" not in html
    assert "Kestrel Goods GmbH" not in html


def test_with_the_marketplace_off_or_for_the_operators_products_nothing_changes() -> None:
    vendor = make_vendor(name="Kestrel")
    complete_trader(vendor)
    vendors_product = make_vendor_product(vendor)
    assert "seller-block" not in product_page(vendors_product)

    enable_marketplace()
    assert "seller-block" not in product_page(make_product())


def test_the_page_follows_a_change_of_the_trader_data(
    django_capture_on_commit_callbacks,
) -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor)
    product = make_vendor_product(vendor)
    assert "+49 30 1234567" in product_page(product)

    with django_capture_on_commit_callbacks(execute=True):
        dsa.trader_submit(vendor=vendor, data=dsa.TraderInput(phone="+49 30 7654321"), actor=STAFF)

    html = product_page(product)
    assert "+49 30 7654321" in html and "+49 30 1234567" not in html


# --- The vendor's page ---------------------------------------------------------------------


def test_the_vendor_fills_in_the_trader_form_and_may_then_publish() -> None:
    enable_marketplace()
    vendor = make_vendor()
    client = vendor_client(vendor)
    page = client.get(reverse("vendor-trader"))
    assert page.status_code == 200
    assert "You cannot publish products until you give: name, address" in page.content.decode()

    response = client.post(
        reverse("vendor-trader"),
        {
            "legal_name": "Kestrel Goods GmbH",
            "business_address": "Torstraße 12\n10119 Berlin",
            "phone": "+49 30 1234567",
            "email": "legal@kestrel.example",
            "identity_document": SimpleUploadedFile("id.pdf", b"%PDF-1.4 x"),
            "bank_account": "DE89 3704 0044 0532 0130 00",
            "registered": "no",
            "self_certified": "on",
        },
    )

    assert response.status_code == 302
    assert dsa.trader_missing(vendor) == []
    html = client.get(reverse("vendor-trader")).content.decode()
    assert "Your trader details are complete" in html
    assert "DE89370400440532013000" not in html and "3000" in html


def test_a_bad_iban_is_refused_next_to_its_field() -> None:
    enable_marketplace()
    client = vendor_client(make_vendor())
    response = client.post(
        reverse("vendor-trader"), {"bank_account": "DE00 1234 5678 9012 3456 78"}
    )
    assert response.status_code == 400
    assert "This IBAN is not valid" in response.content.decode()
    assert not VerificationRecord.objects.exists()


# --- The operator --------------------------------------------------------------------------


def test_the_traders_list_shows_what_is_missing_in_constant_queries(
    django_assert_max_num_queries,
) -> None:
    enable_marketplace()
    for number in range(30):
        vendor = make_vendor(name=f"Vendor {number:02}")
        complete_trader(vendor, without=(Field.PHONE,) if number % 2 else ())
    client = staff_client("settings")

    with django_assert_max_num_queries(12):
        response = client.get(reverse("dashboard:marketplace-traders"))

    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("Complete") == 15
    assert html.count(">1</span> phone") == 15


def test_request_correction_and_suspend_from_the_dashboard() -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor)
    product = make_vendor_product(vendor)
    client = staff_client("settings")

    response = client.post(
        reverse("dashboard:marketplace-trader-correction", args=[vendor.pk]),
        {"items": [Field.EMAIL], "reason": "Mail bounces."},
    )
    assert response.status_code == 302
    response = client.post(reverse("dashboard:marketplace-trader-suspend", args=[vendor.pk]))
    assert response.status_code == 302

    product.refresh_from_db()
    assert product.status == Product.Status.DRAFT
    vendor_page = vendor_client(vendor).get(reverse("vendor-trader")).content.decode()
    assert "Correction requested on" in vendor_page
    assert "Please correct: e-mail." in vendor_page and "Mail bounces." in vendor_page


def test_a_correction_without_a_reason_is_refused() -> None:
    enable_marketplace()
    vendor = make_vendor()
    response = staff_client("settings").post(
        reverse("dashboard:marketplace-trader-correction", args=[vendor.pk]),
        {"items": [Field.EMAIL], "reason": ""},
    )
    assert response.status_code == 400
    assert not dsa.correction_requests(vendor)


def test_staff_without_the_settings_area_get_403_everywhere() -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor)
    product = make_vendor_product(vendor)
    client = staff_client("orders", "products")

    for name, method in (
        ("dashboard:marketplace-traders", "get"),
        ("dashboard:marketplace-trader", "get"),
        ("dashboard:marketplace-trader-correction", "post"),
        ("dashboard:marketplace-trader-suspend", "post"),
    ):
        args = [] if name == "dashboard:marketplace-traders" else [vendor.pk]
        response = getattr(client, method)(
            reverse(name, args=args), {"items": [Field.EMAIL], "reason": "x"}
        )
        assert response.status_code == 403, name
    assert dsa.trader_missing(vendor) == []
    product.refresh_from_db()
    assert product.status == Product.Status.ACTIVE


def test_the_traders_page_shows_the_data_masked() -> None:
    enable_marketplace()
    vendor = make_vendor()
    complete_trader(vendor, without=(Field.PHONE,))
    response = staff_client("settings").get(
        reverse("dashboard:marketplace-trader", args=[vendor.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "•••• 3000" in html and "DE89370400440532013000" not in html
    assert "document on file" in html
    assert "Kestrel Goods GmbH" in html
    assert '<span class="badge bad">Incomplete</span>' in html


def test_the_traders_list_says_when_the_platform_is_exempt() -> None:
    enable_marketplace(dsa_small_enterprise_exempt=True)
    make_vendor()
    html = staff_client("settings").get(reverse("dashboard:marketplace-traders")).content.decode()
    assert "exempt as a micro or small enterprise" in html
