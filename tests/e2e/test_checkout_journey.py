"""A guest buys in a real browser: find, choose, add, check out, pay on the test gateway's page.

With JavaScript (htmx on the cart and checkout pages) and without it.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from freehold.catalog.models import Product
from freehold.catalog.services import VariantInput
from freehold.customers.models import Customer
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from freehold.orders.states import PaymentStatus
from tests.factories import make_collection, make_product, make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _mail_in_memory(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []


def a_store_with_a_jacket() -> Product:
    make_store_settings(name="Northwind Supply Co.", currency="EUR", country_code="DE")
    jacket = make_product(
        title="Harbour Rain Jacket",
        currency="EUR",
        options={"Colour": ["Navy", "Olive"]},
        variants=[
            VariantInput(price="120.00", options=["Navy"], sku="HRJ-N", stock_quantity=0),
            VariantInput(price="95.00", options=["Olive"], sku="HRJ-O", stock_quantity=4),
        ],
    )
    make_collection(title="Outerwear", handle="outerwear", products=[jacket])
    europe = ShippingZone.objects.create(name="Europe", countries=["DE", "FR", "AT"])
    ShippingRate.objects.create(
        zone=europe,
        code="standard",
        name="Standard",
        price_amount=Decimal("4.90"),
        currency="EUR",
        min_delivery_days=2,
        max_delivery_days=4,
    )
    return jacket


def fill_address(page: Page) -> None:
    page.fill("#email", "ana.lima@example.com")
    page.fill("#first_name", "Ana")
    page.fill("#last_name", "Lima")
    page.fill("#line1", "Torstraße 12")
    page.fill("#postal_code", "10119")
    page.fill("#city", "Berlin")


def buy_the_olive_jacket_with_the_test_gateway(page: Page) -> None:
    # A guest searches from the header and opens the jacket
    page.goto("/")
    page.fill("#search-input", "harbour")
    page.press("#search-input", "Enter")
    page.get_by_role("link", name="Harbour Rain Jacket").first.click()
    page.wait_for_selector("#variant-picker[data-ready]", state="attached")

    # Navy is sold out: the button says so; Olive can be added
    page.locator("label", has_text="Navy").first.click()
    expect(page.locator("#add-to-cart-button")).to_be_disabled()
    expect(page.locator("#add-to-cart-button")).to_have_text("Sold out")
    page.locator("label", has_text="Olive").first.click()
    expect(page.locator("#add-to-cart-button")).to_be_enabled()
    page.fill("#add-quantity", "2")
    page.click("#add-to-cart-button")

    # The cart lists the line; the header counts it; raising the quantity updates in place
    expect(page).to_have_url(re.compile(r"/cart$"))
    expect(page.locator(".cart-line")).to_contain_text("Olive")
    expect(page.locator("#cart-subtotal")).to_have_text("€190.00")
    expect(page.locator("#cart-count")).to_have_text("2")
    page.fill(".cart-line .quantity-input", "9")
    page.press(".cart-line .quantity-input", "Tab")
    expect(page.locator(".cart-line .field-error")).to_contain_text("Only 4 left")
    page.fill(".cart-line .quantity-input", "1")
    page.press(".cart-line .quantity-input", "Tab")
    expect(page.locator("#cart-subtotal")).to_have_text("€95.00")
    expect(page.locator("#cart-count")).to_have_text("1")
    page.get_by_role("link", name="Checkout").click()

    # Checkout: the address, shipping to France refreshed in place, pay with the test gateway
    expect(page).to_have_url(re.compile(r"/checkout$"))
    fill_address(page)
    page.select_option("#country_code", "FR")
    expect(page.locator("#shipping-options")).to_contain_text("2–4 business days")
    expect(page.locator("#summary-total")).to_have_text("€99.90")
    page.locator("label[for=payment-test]").click()
    page.get_by_role("button", name="Order with obligation to pay").click()

    # The hosted test page
    expect(page).to_have_url(re.compile(r"/payments/test/"))
    expect(page.locator(".test-banner")).to_contain_text("no money moves")
    expect(page.locator("h1")).to_contain_text("€99.90")


def test_a_guest_finds_a_jacket_buys_it_and_pays(page: Page):
    a_store_with_a_jacket()

    buy_the_olive_jacket_with_the_test_gateway(page)
    page.get_by_role("button", name="Pay", exact=True).click()

    # Back on the store: the order is paid, and the e-mails went out
    expect(page).to_have_url(re.compile(r"/orders/"))
    expect(page.locator("#order-payment-status")).to_have_text("Paid")
    expect(page.locator("h1")).to_contain_text("paid")
    order = Order.objects.get()
    assert order.payment_status == PaymentStatus.PAID
    assert order.total_amount == Decimal("99.90")
    assert order.shipping_address["country_code"] == "FR"
    subjects = [message.subject for message in mail.outbox]
    assert all(message.to == ["ana.lima@example.com"] for message in mail.outbox)
    assert any(order.number in subject for subject in subjects)
    assert len(mail.outbox) == 2  # the confirmation, then the payment received
    # and the header's count is gone with the cart
    expect(page.locator("#cart-count")).to_be_hidden()


def test_the_merchant_sees_the_paid_order_and_ships_it(page: Page, browser: Browser, live_server):
    # Given a guest who bought and paid
    a_store_with_a_jacket()
    buy_the_olive_jacket_with_the_test_gateway(page)
    page.get_by_role("button", name="Pay", exact=True).click()
    expect(page.locator("#order-payment-status")).to_have_text("Paid")
    order = Order.objects.get()
    Customer.objects.create_superuser(email="staff@example.com", password="a-long-staff-pw-1")

    # When staff log in to the admin, find the paid order and fulfil it with a tracking number
    staff = browser.new_context(base_url=live_server.url).new_page()
    staff.goto("/admin/orders/order/")
    staff.fill("#id_username", "staff@example.com")
    staff.fill("#id_password", "a-long-staff-pw-1")
    staff.get_by_role("button", name="Log in").click()
    row = staff.locator("#result_list tbody tr").filter(has_text=order.number)
    expect(row).to_contain_text("Paid")
    row.locator("input.action-select").check()
    staff.select_option("select[name=action]", "fulfil_remaining")
    staff.get_by_role("button", name="Go").click()
    staff.fill("input[name=carrier]", "DHL")
    staff.fill(f"input[name=tracking_{order.pk}]", "JD014600000001")
    staff.get_by_role("button", name="Ship").click()
    expect(staff.locator(".messagelist")).to_contain_text("shipped 1 unit(s) with DHL")

    # Then the shopper's order page shows the parcel with its tracking link, and an e-mail went
    page.reload()
    expect(page.get_by_role("link", name=re.compile("JD014600000001"))).to_be_visible()
    assert any("shipped" in message.subject.lower() for message in mail.outbox)


def test_a_declined_card_leaves_the_order_unpaid_and_offers_to_try_again(page: Page):
    a_store_with_a_jacket()

    buy_the_olive_jacket_with_the_test_gateway(page)
    page.get_by_role("button", name="Decline").click()

    expect(page).to_have_url(re.compile(r"/orders/"))
    expect(page.locator("h1")).to_have_text("Your payment was declined")
    expect(page.get_by_role("button", name="Try again")).to_be_visible()
    assert not Order.objects.filter(payment_status=PaymentStatus.PAID).exists()
    assert Order.objects.get().payment_status == PaymentStatus.FAILED

    # Trying again, through the 3-D Secure step this time, pays the same order
    page.get_by_role("button", name="Try again").click()
    page.get_by_role("button", name="Pay with 3-D Secure challenge").click()
    page.get_by_role("button", name="Complete authentication").click()
    expect(page.locator("#order-payment-status")).to_have_text("Paid")
    assert Order.objects.get().payment_status == PaymentStatus.PAID


def test_buying_without_javascript(browser: Browser, live_server):
    jacket = a_store_with_a_jacket()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        # The shopper picks Olive with the picker's Choose button and adds it
        page.goto("/collections/outerwear")
        page.get_by_role("link", name="Harbour Rain Jacket").first.click()
        page.goto(f"/products/{jacket.handle}?option1=Navy")
        expect(page.locator("#add-to-cart-button")).to_be_disabled()
        page.locator("label", has_text="Olive").first.click()
        page.get_by_role("button", name="Choose").click()
        page.click("#add-to-cart-button")
        expect(page.locator(".cart-line")).to_contain_text("Olive")

        # A bad quantity is refused with a message, on the page
        page.fill(".cart-line .quantity-input", "7")
        page.get_by_role("button", name="Update").click()
        expect(page.locator(".notice-error")).to_contain_text("Only 4 left")
        page.get_by_role("link", name="Checkout").click()

        # Another country: the "Update shipping options" button keeps what was typed so far
        fill_address(page)
        page.fill("#city", "")
        page.select_option("#country_code", "AT")
        page.get_by_role("button", name="Update shipping options").click()
        expect(page.locator("#shipping-options")).to_contain_text("Standard")
        page.fill("#city", "Wien")
        page.fill("#postal_code", "1010")  # Austrian postal codes have four digits
        page.locator("label[for=payment-manual]").click()
        page.get_by_role("button", name="Order with obligation to pay").click()

        # Bank transfer: the order page says how to pay
        expect(page.locator("#payment-instructions")).to_contain_text("bank transfer")
        order = Order.objects.get()
        assert order.shipping_address["city"] == "Wien"
        assert order.payment_gateway == "manual"
    finally:
        context.close()
