"""The marketplace from end to end, in browsers, where a person would click.

The owner turns marketplace mode on (selling to EU consumers, so the DSA applies), invites one
vendor and approves another who applied at /sell. Each vendor gives its trader details and lists
a product. One vendor's earlier sales (seeded: 200 paid sales, EUR 5,000, about USD 5,400) make
it a high-volume seller under INFORM when the daily job runs: it is asked for its information,
gives its tax ID and confirms its e-mail and phone by code; staff check the tax ID and approve
the rest, and every page says "Verified" on the next request. A guest then buys from both
vendors and the operator in one checkout and pays once; each vendor sees only its own
sub-order, ships it, and after the payout run reads a statement of sale minus commission to the
cent; the owner marks the payouts paid.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from decimal import Decimal

import pytest
from django.core import mail
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from freehold.core import clock, sms
from freehold.marketplace import inform, money, rules
from freehold.marketplace.models import LedgerEntry, Payout, SubOrder, Vendor, VerificationRecord
from freehold.markets.models import FxRate, ShippingRate, ShippingZone
from freehold.markets.pricing import forget_rates
from freehold.orders.models import Order, OrderLine
from freehold.orders.services import order_number_next
from freehold.orders.states import PaymentStatus
from tests.e2e.conftest import DEFAULT_TIMEOUT_MS
from tests.factories import make_product, make_store_settings

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

VENDOR_PASSWORD = "a long vendor password"
TEA_PHONE = "+49 30 1234567"
PASSPORT = {"name": "passport.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}


@pytest.fixture(autouse=True)
def _store(transactional_db, settings, live_server) -> Iterator[None]:
    """A flushed database (the rules again), mail and text messages kept in memory, links to
    the live server."""
    rules.defaults_load()
    settings.SITE_URL = live_server.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "locmem"
    mail.outbox = []
    sms_outbox().clear()
    forget_rates()
    make_store_settings(name="Northwind Market", currency="EUR", country_code="DE")
    germany = ShippingZone.objects.create(name="Germany", countries=["DE"])
    ShippingRate.objects.create(
        zone=germany, code="standard", name="Standard", price_amount=Decimal("4.90"), currency="EUR"
    )
    yield
    forget_rates()  # the rate table is cached per process: later tests must not see ours


class People:
    """One browser context per person, each failing the test on a console error (like the
    `page` fixture does for the owner's)."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.pages: list[Page] = []
        self.errors: list[str] = []

    def open(self) -> Page:
        context = self.browser.new_context(base_url=self.base_url, locale="en-GB")
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        page = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            url = message.location.get("url", "")
            if message.type == "error" and not url.endswith("/favicon.ico"):
                self.errors.append(f"console: {message.text} ({url})")

        page.on("console", on_console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))
        self.pages.append(page)
        return page

    def close(self) -> None:
        for page in self.pages:
            page.context.close()


@pytest.fixture
def people(browser: Browser, live_server) -> Iterator[People]:
    opened = People(browser, live_server.url)
    try:
        yield opened
    finally:
        opened.close()
    assert not opened.errors, opened.errors


# --- Steps ---------------------------------------------------------------------------------------


def last_mail_to(address: str, subject: str) -> str:
    bodies = [m.body for m in mail.outbox if address in m.to and subject in m.subject]
    assert bodies, [(m.to, m.subject) for m in mail.outbox]
    return bodies[-1]


def sms_outbox() -> list:
    """The test backend's text messages (`core.sms` with SMS_BACKEND "locmem")."""
    return sms.outbox


def text_message_code(number: str) -> str:
    """The last code texted to `number` (sent in E.164, whatever the vendor typed)."""
    e164 = "+" + re.sub(r"\D", "", number)
    sent = [message.body for message in sms_outbox() if message.to == e164]
    assert sent, [(message.to, message.body) for message in sms_outbox()]
    return re.findall(r"\b\d{6}\b", sent[-1])[-1]


def register(page: Page, email: str) -> None:
    """From a page offering "Create an account": register, and come back where one was."""
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(VENDOR_PASSWORD)
    page.get_by_role("button", name="Create account").click()


def give_trader_details(
    vendor: Page, *, name: str, address: str, phone: str, email: str, iban: str, register: str
) -> None:
    """The DSA form (/vendor/trader): everything Art. 30(1) asks before listing."""
    vendor.get_by_role("navigation", name="Vendor").get_by_role(
        "link", name="Trader details"
    ).click()
    expect(vendor.locator(".flash-warning")).to_contain_text("You cannot publish products until")
    vendor.get_by_label("Full or business name (as registered)").fill(name)
    vendor.get_by_label("Geographic address").fill(address)
    vendor.get_by_label("Phone", exact=True).fill(phone)
    vendor.get_by_label("E-mail", exact=True).fill(email)
    vendor.get_by_label("Copy of an ID document").set_input_files(PASSPORT)
    vendor.get_by_label("Payment account").fill(iban)
    if register:
        vendor.get_by_label("Are you registered in a trade register?").select_option("yes")
        vendor.get_by_label("Register (e.g. Amtsgericht Berlin HRB)").fill(register)
        vendor.get_by_label("Registration number").fill("HRB 123456")
    else:
        vendor.get_by_label("Are you registered in a trade register?").select_option("no")
    vendor.get_by_label("We commit to offer only products").check()
    vendor.get_by_role("button", name="Save", exact=True).click()
    expect(vendor.get_by_text("Your trader details are complete: you may publish")).to_be_visible()


def list_product(vendor: Page, *, title: str, price: str, stock: str) -> None:
    vendor.get_by_role("navigation", name="Vendor").get_by_role("link", name="Products").click()
    vendor.get_by_role("link", name="Add a product").click()
    vendor.get_by_label("Title").fill(title)
    vendor.get_by_label("Price").fill(price)
    vendor.get_by_label("Stock").fill(stock)
    operator = vendor.get_by_label("Economic operator in the EU: name")
    if operator.count():  # DSA Art. 31: the product-safety information, to go live
        operator.fill("Linen Co GmbH")
        vendor.get_by_label("Economic operator: postal address").fill("Torstraße 12, Berlin")
        vendor.get_by_label("Economic operator: e-mail, phone or web address").fill(
            "safety@linen.example"
        )
        vendor.get_by_label("Product identification").fill("Model L-1")
    vendor.get_by_label("Status").select_option("active")
    vendor.get_by_role("button", name="Create product").click()
    expect(vendor.get_by_text(f"{title} created.")).to_be_visible()


def seed_earlier_sales(vendor: Vendor, *, count: int, total: str) -> None:
    """`count` paid one-line orders of the vendor's product over the last two months, adding up
    to `total` EUR, and the day's EUR/USD reference rate (INFORM counts in USD)."""
    now = clock.now()
    FxRate.objects.create(
        date=(now - dt.timedelta(days=90)).date(), base="EUR", quote="USD", rate=Decimal("1.0830")
    )
    forget_rates()
    variant = vendor.products.get().product.variants.get()
    cents = int(Decimal(total) * 100)
    each = cents // count
    orders = Order.objects.bulk_create(
        Order(
            number=order_number_next(),
            email=f"earlier{index}@example.com",
            currency="EUR",
            base_currency="EUR",
            payment_status=PaymentStatus.PAID,
            placed_at=now - dt.timedelta(days=60) + dt.timedelta(hours=6 * index),
            paid_at=now - dt.timedelta(days=60) + dt.timedelta(hours=6 * index),
        )
        for index in range(count)
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            variant=variant,
            product_title=variant.product.title,
            quantity=1,
            currency="EUR",
            unit_price_amount=Decimal(each) / 100,
            total_amount=Decimal(each + (cents - each * count if index == 0 else 0)) / 100,
        )
        for index, order in enumerate(orders)
    )


def add_to_cart(shopper: Page, *, search: str, title: str, quantity: int = 1) -> None:
    shopper.goto("/")
    shopper.fill("#search-input", search)
    shopper.press("#search-input", "Enter")
    shopper.get_by_role("link", name=title).first.click()
    expect(shopper.get_by_role("heading", level=1)).to_have_text(title)
    shopper.fill("#add-quantity", str(quantity))
    shopper.click("#add-to-cart-button")
    expect(shopper).to_have_url(re.compile(r"/cart$"))


def ledger_of(vendor: Vendor) -> list[tuple[str, Decimal]]:
    return [
        (entry.kind, entry.amount)
        for entry in LedgerEntry.objects.filter(vendor=vendor).order_by("created_at", "id")
    ]


# --- The journey ---------------------------------------------------------------------------------


def test_vendors_onboard_one_is_verified_and_a_shopper_buys_from_both_in_one_checkout(
    dashboard_page: Page, people: People
):
    owner = dashboard_page
    make_product(title="Harbour Mug", price="15.00", stock=10, currency="EUR")  # the operator's

    # Given the owner turns marketplace mode on; vendors sell to EU consumers (the DSA applies)
    owner.get_by_role("navigation", name="Dashboard").get_by_role(
        "link", name="Marketplace"
    ).click()
    owner.get_by_label("Marketplace mode").check()
    expect(owner.get_by_label("Vendors sell to consumers in the EU")).to_be_checked()
    owner.get_by_role("button", name="Save marketplace settings").click()
    expect(owner.locator("#marketplace-state")).to_have_text("On")

    # And invites Acme Tea, with a commission of 12.5 % instead of the default 10 %
    owner.get_by_role("link", name="Vendors").first.click()
    owner.get_by_label("Vendor name").fill("Acme Tea")
    owner.get_by_label("E-mail address to invite").fill("tea@example.com")
    owner.get_by_role("button", name="Send the invitation").click()
    expect(owner.get_by_text("Invitation sent to tea@example.com")).to_be_visible()
    owner.get_by_label("Commission (%)").fill("12.5")
    owner.get_by_role("button", name="Save", exact=True).click()
    expect(owner.get_by_text("Vendor saved.")).to_be_visible()
    link = re.search(r"https?://\S+/vendor/invitation/\S+", last_mail_to("tea@example.com", ""))
    assert link is not None

    # When Acme Tea registers from the e-mail's link and accepts
    tea = people.open()
    tea.goto(link.group(0))
    register(tea, "tea@example.com")
    tea.get_by_role("button", name="Accept the invitation").click()
    tea.wait_for_url("**/vendor/")
    expect(tea.get_by_role("heading", level=1)).to_have_text("Acme Tea")
    expect(tea.locator("#vendor-verification")).to_have_text("Not high-volume")
    expect(tea.locator("#vendor-status")).to_contain_text("cannot be published yet")

    # And Blue Bowl Ceramics applies at /sell with a new account
    bowl = people.open()
    bowl.goto("/sell")
    register(bowl, "bowls@example.com")
    bowl.get_by_label("Business or trading name").fill("Blue Bowl Ceramics")
    bowl.get_by_label("Country (two-letter code, e.g. DE)").fill("DE")
    bowl.get_by_role("button", name="Apply to sell").click()
    bowl.wait_for_url("**/vendor/")
    expect(bowl.locator("#vendor-pending")).to_contain_text("Pending approval")

    # And the owner approves the application
    owner.goto("/dashboard/marketplace/vendors/")
    owner.get_by_role("link", name="Blue Bowl Ceramics").click()
    owner.get_by_role("button", name="Approve the application").click()
    expect(owner.get_by_text("Application approved")).to_be_visible()
    expect(owner.locator("#vendor-status")).to_have_text("Active")

    # Then each vendor gives its trader details and lists a product
    give_trader_details(
        tea,
        name="Acme Tea GmbH",
        address="Teestraße 1\n10115 Berlin\nDE",
        phone=TEA_PHONE,
        email="office@acmetea.example.com",
        iban="DE89 3704 0044 0532 0130 00",
        register="Amtsgericht Berlin HRB",
    )
    list_product(tea, title="Green Tea", price="12.50", stock="20")
    bowl.reload()
    expect(bowl.locator("#vendor-status")).to_contain_text("Active")
    give_trader_details(
        bowl,
        name="Blue Bowl Ceramics",
        address="Töpferweg 2\n80331 München\nDE",
        phone="+49 89 7654321",
        email="studio@bluebowl.example.com",
        iban="DE02 1203 0000 0000 2020 51",
        register="",
    )
    list_product(bowl, title="Blue Bowl", price="24.00", stock="5")

    # Given Acme Tea's earlier sales: 200, EUR 5,000 (USD 5,415) in the last two months
    acme = Vendor.objects.get(name="Acme Tea")
    seed_earlier_sales(acme, count=200, total="5000.00")

    # When the daily INFORM job runs, Acme Tea is a high-volume seller asked for its information
    inform.inform_recompute()
    tea.get_by_role("navigation", name="Vendor").get_by_role("link", name="Home").click()
    expect(tea.locator("#vendor-verification")).to_have_text("Information requested")
    notice = last_mail_to("tea@example.com", "We need your seller information")
    assert "tax ID" in notice
    request_link = re.search(r"https?://\S+/vendor/verification\b", notice)
    assert request_link is not None, notice
    tea.goto(request_link.group(0))
    expect(tea.locator("#verification-status")).to_have_text("Information requested")
    expect(tea.locator("#field-tax_id")).to_contain_text("Missing")

    # And it gives its tax ID, and confirms its e-mail and phone with the codes sent to them
    tea.locator("#field-tax_id").get_by_label("New value").fill("DE136695976")
    tea.locator("#field-tax_id").get_by_role("button", name="Save").click()
    expect(tea.get_by_text("Saved. Staff will review it within 10 days.")).to_be_visible()
    expect(tea.locator("#field-tax_id")).to_contain_text("•••• 5976")
    email_code = re.search(
        r"\b(\d{6})\b", last_mail_to("office@acmetea.example.com", "Your confirmation code")
    )
    assert email_code is not None
    tea.locator("#field-email").get_by_label("6-digit code (sent)").fill(email_code[1])
    tea.locator("#field-email").get_by_role("button", name="Confirm").click()
    expect(tea.get_by_text("E-mail confirmed.")).to_be_visible()
    tea.locator("#field-phone").get_by_label("6-digit code (sent)").fill(
        text_message_code(TEA_PHONE)
    )
    tea.locator("#field-phone").get_by_role("button", name="Confirm").click()
    expect(tea.get_by_text("Phone confirmed.")).to_be_visible()
    expect(tea.locator("#verification-status")).to_have_text("Submitted, awaiting review")

    # And staff check the tax ID in full and approve what waits for review
    owner.goto("/dashboard/marketplace/")
    owner.get_by_role("link", name="Verification (INFORM)").click()
    expect(owner.locator(f"[data-vendor='{acme.pk}']")).to_have_text("Submitted, awaiting review")
    owner.get_by_role("link", name="Acme Tea").first.click()
    tax_row = owner.get_by_role("row", name=re.compile("Tax ID"))
    tax_row.get_by_role("button", name="Reveal").click()
    expect(owner.locator("#revealed-value")).to_have_text("DE136695976")
    approve = owner.get_by_role("button", name="Approve")
    waiting = approve.count()
    assert waiting == 5  # bank account, name, ID document, tax ID, address (codes confirmed)
    for left in range(waiting - 1, -1, -1):
        approve.first.click()
        expect(approve).to_have_count(left)
        expect(owner.locator(".flash").last).to_contain_text("verified.")

    # Then the page of the last approval says "Verified", and so does every other view at once
    expect(owner.locator("#verification-status")).to_have_text("Verified")
    owner.goto("/dashboard/marketplace/verification/")
    expect(owner.locator(f"[data-vendor='{acme.pk}']")).to_have_text("Verified")
    tea.reload()
    expect(tea.locator("#verification-status")).to_have_text("Verified")
    tea.get_by_role("navigation", name="Vendor").get_by_role("link", name="Home").click()
    expect(tea.locator("#vendor-verification")).to_have_text("Verified")
    acme.refresh_from_db()
    assert inform.verification_status(acme) == inform.VERIFIED

    # When a guest buys three teas, a bowl and the operator's mug, and pays once
    shopper = people.open()
    add_to_cart(shopper, search="green tea", title="Green Tea", quantity=3)
    add_to_cart(shopper, search="bowl", title="Blue Bowl")
    add_to_cart(shopper, search="mug", title="Harbour Mug")
    expect(shopper.locator("#cart-subtotal")).to_have_text("€76.50")
    shopper.get_by_role("link", name="Checkout").click()
    shopper.fill("#email", "ana.lima@example.com")
    shopper.fill("#first_name", "Ana")
    shopper.fill("#last_name", "Lima")
    shopper.fill("#line1", "Torstraße 12")
    shopper.fill("#postal_code", "10119")
    shopper.fill("#city", "Berlin")
    expect(shopper.locator("#summary-total")).to_have_text("€81.40")
    shopper.locator("label[for=payment-test]").click()
    shopper.get_by_role("button", name="Order with obligation to pay").click()
    expect(shopper).to_have_url(re.compile(r"/payments/test/"))
    shopper.get_by_role("button", name="Pay", exact=True).click()

    # Then the confirmation shows one paid order with every line, and no sub-order
    expect(shopper.locator("#order-payment-status")).to_have_text("Paid")
    order = Order.objects.get(email="ana.lima@example.com")
    expect(shopper.get_by_text(f"Order #{order.number}")).to_be_visible()
    lines = shopper.locator(".summary-line")
    expect(lines).to_have_count(3)
    for title in ("3 × Green Tea", "1 × Blue Bowl", "1 × Harbour Mug"):
        expect(lines.filter(has_text=title)).to_have_count(1)
    expect(shopper.locator("main")).not_to_contain_text(f"{order.number}-A")
    assert list(SubOrder.objects.filter(order=order).values_list("number", "vendor__name")) == [
        (f"{order.number}-A", "Acme Tea"),
        (f"{order.number}-B", "Blue Bowl Ceramics"),
    ]

    # When Acme Tea opens its orders: only its sub-order and its own line
    tea.get_by_role("navigation", name="Vendor").get_by_role("link", name="Orders").click()
    orders_table = tea.locator("table.vendor-orders")
    expect(orders_table).to_contain_text("3 × Green Tea")
    expect(orders_table).not_to_contain_text("Blue Bowl")
    expect(orders_table).not_to_contain_text("Harbour Mug")
    expect(tea.get_by_role("link", name=f"{order.number}-B")).to_have_count(0)
    tea.get_by_role("link", name=f"{order.number}-A").click()
    expect(tea.get_by_text("Subtotal €37.50 · commission €4.69")).to_be_visible()

    # And ships it
    tea.get_by_label("Carrier").fill("DHL")
    tea.get_by_label("Tracking number").fill("JJD000111")
    tea.get_by_role("button", name="Mark shipped").click()
    expect(tea.get_by_text("parcel marked shipped")).to_be_visible()
    expect(tea.get_by_text("Everything shipped.")).to_be_visible()

    # And Blue Bowl Ceramics sees its own sub-order only
    bowl.get_by_role("navigation", name="Vendor").get_by_role("link", name="Orders").click()
    expect(bowl.locator("table.vendor-orders")).to_contain_text("1 × Blue Bowl")
    expect(bowl.locator("table.vendor-orders")).not_to_contain_text("Green Tea")
    expect(bowl.get_by_role("link", name=f"{order.number}-B")).to_be_visible()

    # When the owner makes the payouts due (what the worker's daily job does)
    owner.goto("/dashboard/marketplace/payouts/")
    owner.once("dialog", lambda dialog: dialog.accept())
    owner.get_by_role("button", name="Make due payouts now").click()
    expect(owner.get_by_text("2 payout(s) made")).to_be_visible()

    # Then Acme Tea's statement: sale EUR 37.50 less 12.5 % commission (4.6875 -> 4.69)
    tea.get_by_role("navigation", name="Vendor").get_by_role("link", name="Payouts").click()
    tea.get_by_role("link", name="Statement").click()
    expect(tea.locator(".payout-amount")).to_have_text("€32.81")
    totals = tea.locator("table.statement tfoot")
    expect(totals.get_by_role("row", name="Sale")).to_contain_text("€37.50")
    expect(totals.get_by_role("row", name="Commission")).to_contain_text("4.69")
    expect(totals.get_by_role("row", name="Earned in the period")).to_contain_text("€32.81")

    # When the owner marks both payouts paid with their transfers' references
    for name, reference in (("Acme Tea", "SEPA-0042"), ("Blue Bowl Ceramics", "SEPA-0043")):
        row = owner.get_by_role("row").filter(has_text=name)
        expect(row).to_contain_text("Scheduled")
        row.get_by_label("Transfer reference").fill(reference)
        owner.once("dialog", lambda dialog: dialog.accept())
        row.get_by_role("button", name="Mark paid").click()
        expect(owner.get_by_text("marked paid")).to_be_visible()
        expect(owner.get_by_role("row").filter(has_text=name)).to_contain_text(reference)

    # Then the vendor's statement says paid, with the reference
    tea.reload()
    expect(tea.get_by_text("(reference SEPA-0042)")).to_be_visible()

    # And the ledger holds exactly the sale, the commission and the payout of each vendor
    blue = Vendor.objects.get(name="Blue Bowl Ceramics")
    K = LedgerEntry.Kind
    assert ledger_of(acme) == [
        (K.SALE, Decimal("37.50")),
        (K.COMMISSION, Decimal("-4.69")),
        (K.PAYOUT, Decimal("-32.81")),
    ]
    assert ledger_of(blue) == [
        (K.SALE, Decimal("24.00")),
        (K.COMMISSION, Decimal("-2.40")),
        (K.PAYOUT, Decimal("-21.60")),
    ]
    assert money.balances(vendor=acme) == {"EUR": Decimal("0.00")}
    assert money.balances(vendor=blue) == {"EUR": Decimal("0.00")}
    assert sorted(Payout.objects.values_list("vendor__name", "amount", "status", "reference")) == [
        ("Acme Tea", Decimal("32.81"), Payout.Status.PAID, "SEPA-0042"),
        ("Blue Bowl Ceramics", Decimal("21.60"), Payout.Status.PAID, "SEPA-0043"),
    ]
    # the operator's mug is no vendor's: no sub-order line, no ledger entry
    assert not LedgerEntry.objects.exclude(vendor__in=[acme, blue]).exists()
    assert VerificationRecord.objects.filter(vendor=acme, field="tax_id").get().status == "verified"
