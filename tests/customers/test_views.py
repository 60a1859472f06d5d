"""The account pages through HTTP: log in and out, register, reset, profile, addresses, orders."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client

from freehold.catalog.models import Variant
from freehold.checkout.models import Cart
from freehold.checkout.services import cart_add, cart_create
from freehold.checkout.session import SESSION_KEY
from freehold.customers import services
from freehold.customers.models import Address, Customer
from freehold.orders.models import Fulfilment, Order
from tests.customers.builders import ADDRESS, PASSWORD, make_customer, make_variant, place_order

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a quite different passphrase"


def login(client: Client, email: str, password: str, **extra: str):
    return client.post("/account/login", {"email": email, "password": password}, **extra)


def is_logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


# --- Every account page is private ----------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/account/login", "/account/register", "/account/password-reset", "/orders/lookup"],
)
def test_account_pages_are_never_cached_nor_indexed_and_carry_a_csrf_token(
    client: Client, path: str
):
    response = client.get(path)

    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["X-Robots-Tag"] == "noindex"
    assert 'name="csrfmiddlewaretoken"' in response.text
    assert '<meta name="robots" content="noindex, nofollow">' in response.text


def test_the_account_page_sends_an_anonymous_visitor_to_the_login_and_back(client: Client):
    response = client.get("/account/orders")

    assert response.status_code == 302
    assert response["Location"] == "/account/login?next=/account/orders"
    assert response["Cache-Control"] == "private, no-store"


def test_forms_are_refused_without_a_csrf_token(customer: Customer):
    client = Client(enforce_csrf_checks=True)

    response = login(client, customer.email, PASSWORD)

    assert response.status_code == 403
    assert not is_logged_in(client)


# --- Registering ----------------------------------------------------------------------------


def test_register_creates_the_account_and_logs_the_shopper_in(client: Client):
    response = client.post(
        "/account/register",
        {"email": "Ana@Example.com", "password": PASSWORD, "first_name": "Ana"},
    )

    assert response.status_code == 303
    assert response["Location"] == "/account/"
    customer = Customer.objects.get()
    assert customer.email == "ana@example.com"
    assert customer.accepts_marketing is False
    assert client.session["_auth_user_id"] == str(customer.pk)
    page = client.get("/account/")
    assert "Hello, Ana" in page.text
    assert "Welcome! Your account is ready." in page.text


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short", "This password is too short"),
        ("password123", "This password is too common"),
        ("ana.lima@example.com", "too similar"),
    ],
)
def test_register_applies_djangos_password_validators(client: Client, password: str, message):
    response = client.post(
        "/account/register", {"email": "ana.lima@example.com", "password": password}
    )

    assert response.status_code == 200
    assert message in response.text
    assert not Customer.objects.exists()
    assert not is_logged_in(client)


def test_register_with_a_taken_e_mail_says_so_on_the_field(client: Client, customer: Customer):
    response = client.post("/account/register", {"email": customer.email, "password": PASSWORD})

    assert response.status_code == 200
    assert "already exists" in response.text
    assert Customer.objects.count() == 1


def test_register_from_the_confirmation_page_prefills_and_links_exactly_that_order(
    client: Client,
):
    # Given two guest orders by Ana
    variant = make_variant()
    confirmed = place_order((variant, 1), email="ana@example.com")
    earlier = place_order((variant, 1), email="ana@example.com")

    # When she opens the register link of the first one
    page = client.get(f"/account/register?order={confirmed.token}")

    # Then her e-mail is filled in and the order named
    assert 'value="ana@example.com"' in page.text
    assert f"order #{confirmed.number}" in page.text
    assert f'name="order" value="{confirmed.token}"' in page.text

    # When she registers
    response = client.post(
        "/account/register",
        {"email": "ana@example.com", "password": PASSWORD, "order": confirmed.token},
    )

    # Then that order is in her account, the earlier one is not, and she sees it
    customer = Customer.objects.get()
    assert response["Location"] == f"/account/orders/{confirmed.number}"
    assert Order.objects.get(pk=confirmed.pk).customer == customer
    assert Order.objects.get(pk=earlier.pk).customer is None
    history = client.get("/account/orders").text
    assert f"#{confirmed.number}" in history
    assert f"#{earlier.number}" not in history


def test_register_with_an_unknown_order_token_prefills_nothing(client: Client):
    page = client.get("/account/register?order=not-a-real-token-at-all-xyz")

    assert page.status_code == 200
    assert 'name="order"' not in page.text


# --- Logging in and out ---------------------------------------------------------------------


def test_login_with_the_right_password_logs_in_and_goes_to_the_account(
    client: Client, customer: Customer
):
    response = login(client, "ANA@example.com", PASSWORD)

    assert response.status_code == 303
    assert response["Location"] == "/account/"
    assert client.session["_auth_user_id"] == str(customer.pk)


def test_login_with_a_wrong_password_says_so_without_naming_the_field_at_fault(
    client: Client, customer: Customer
):
    response = login(client, customer.email, "wrong password")

    assert response.status_code == 200
    assert "The e-mail address or the password is not correct." in response.text
    assert not is_logged_in(client)
    unknown = login(client, "nobody@example.com", "wrong password")
    assert "The e-mail address or the password is not correct." in unknown.text


def test_login_follows_a_same_site_next_and_ignores_another_sites(
    client: Client, customer: Customer
):
    safe = client.post(
        "/account/login", {"email": customer.email, "password": PASSWORD, "next": "/cart"}
    )
    assert safe["Location"] == "/cart"

    client.logout()
    unsafe = client.post(
        "/account/login",
        {"email": customer.email, "password": PASSWORD, "next": "https://evil.example/x"},
    )
    assert unsafe["Location"] == "/account/"

    client.logout()
    page = client.get("/account/login?next=//evil.example/")
    assert "evil.example" not in page.text


def test_logout_is_post_only(logged_in: Client):
    assert logged_in.get("/account/logout").status_code == 405
    assert is_logged_in(logged_in)

    response = logged_in.post("/account/logout")

    assert response.status_code == 303
    assert response["Location"] == "/"
    assert not is_logged_in(logged_in)


def test_login_merges_the_guest_cart_into_the_customers_cart(client: Client, customer: Customer):
    # Given a customer's saved cart with a mug, and a guest session holding a tote
    mug = make_variant(title="Stoneware Mug")
    tote = make_variant(title="Canvas Tote")
    saved = cart_create(currency="EUR", customer=customer)
    cart_add(cart=saved, variant_id=mug.pk, quantity=1)
    guest = cart_create(currency="EUR")
    cart_add(cart=guest, variant_id=tote.pk, quantity=2)
    session = client.session
    session[SESSION_KEY] = guest.token
    session.save()

    # When the shopper logs in through the login page
    response = login(client, customer.email, PASSWORD)

    # Then the customer's cart holds both, and the header's count says so
    assert response.status_code == 303
    open_carts = Cart.objects.filter(customer=customer, completed_at__isnull=True)
    assert open_carts.count() == 1
    lines = dict(open_carts.get().lines.values_list("variant_id", "quantity"))
    assert lines == {mug.pk: 1, tote.pk: 2}
    assert response.cookies["cart_count"].value == "3"
    assert SESSION_KEY not in client.session


# --- Rate limiting --------------------------------------------------------------------------


def test_five_failures_lock_the_e_mail_even_for_the_right_password(
    client: Client, customer: Customer
):
    # Given five wrong passwords for one e-mail from one address
    for _ in range(5):
        assert login(client, customer.email, "wrong password").status_code == 200

    # When the right password comes next
    response = login(client, customer.email, PASSWORD)

    # Then it is refused with a clear message
    assert response.status_code == 429
    assert "logging in is paused for 15 minutes" in response.text
    assert not is_logged_in(client)

    # And another client address is not locked out of the account
    other = Client(REMOTE_ADDR="198.51.100.7")
    assert login(other, customer.email, PASSWORD).status_code == 303


def test_the_lock_ends_when_its_window_does(client: Client, customer: Customer):
    from django.core.cache import cache

    for _ in range(5):
        login(client, customer.email, "wrong password")
    assert login(client, customer.email, PASSWORD).status_code == 429

    cache.clear()  # fifteen minutes later, the counters have expired

    assert login(client, customer.email, PASSWORD).status_code == 303


def test_a_success_resets_the_e_mail_counter(client: Client, customer: Customer):
    # Given four failures, then a success
    for _ in range(4):
        login(client, customer.email, "wrong password")
    assert login(client, customer.email, PASSWORD).status_code == 303
    client.logout()

    # When four more failures follow
    for _ in range(4):
        login(client, customer.email, "wrong password")

    # Then the account is not locked: the count started again at the success
    assert login(client, customer.email, PASSWORD).status_code == 303


def test_twenty_failures_from_one_address_lock_it_for_every_account(client: Client):
    # Given one client trying many accounts, four times each (never five on one)
    ana = make_customer("ana@example.com")
    for number in range(5):
        for _ in range(4):
            login(client, f"victim{number}@example.com", "guess")

    # Then even a right password from that address is refused
    response = login(client, ana.email, PASSWORD)
    assert response.status_code == 429
    assert not is_logged_in(client)


def test_the_admin_login_counts_failures_with_the_same_limit(client: Client):
    # Given a staff account
    staff = Customer.objects.create_superuser(email="staff@example.com", password=PASSWORD)

    # When five wrong passwords are tried at the admin login
    for _ in range(5):
        response = client.post(
            "/admin/login/", {"username": staff.email, "password": "wrong", "next": "/admin/"}
        )
        assert response.status_code == 200
        assert "Please enter the correct" in response.text

    # Then the right one is refused too, with the lock's message
    response = client.post(
        "/admin/login/", {"username": staff.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200
    assert "logging in is paused for 15 minutes" in response.text
    assert not is_logged_in(client)

    # And the storefront login is locked for that e-mail as well (one counter)
    assert login(client, staff.email, PASSWORD).status_code == 429


def test_the_admin_login_still_works_and_still_refuses_shoppers(client: Client):
    Customer.objects.create_superuser(email="staff@example.com", password=PASSWORD)
    shopper = make_customer("shopper@example.com")

    refused = client.post(
        "/admin/login/", {"username": shopper.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert not is_logged_in(client)
    assert refused.status_code == 200

    allowed = client.post(
        "/admin/login/",
        {"username": "staff@example.com", "password": PASSWORD, "next": "/admin/"},
    )
    assert allowed.status_code == 302
    assert is_logged_in(client)


# --- Password reset -------------------------------------------------------------------------


@pytest.fixture
def request_reset(client: Client, django_capture_on_commit_callbacks):
    """POST the reset form; the e-mail task is queued on commit, which tests must run."""

    def post(email: str, on: Client | None = None):
        with django_capture_on_commit_callbacks(execute=True):
            return (on or client).post("/account/password-reset", {"email": email})

    return post


def reset_link(message) -> str:
    match = re.search(r"http://testserver(/account/password-reset/[^/\s]+/[^/\s]+)", message.body)
    assert match, message.body
    return match.group(1)


def test_the_reset_e_mail_is_branded_html_and_text_with_a_working_link(
    request_reset, customer: Customer
):
    customer.first_name = "Ana"
    customer.save()

    response = request_reset("ANA@example.com")

    assert response.status_code == 303
    assert response["Location"] == "/account/password-reset/sent"
    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "Reset your password – Fjell & Co"
    assert message.reply_to == ["hello@fjell.example"]
    html, mime = message.alternatives[0]
    assert mime == "text/html"
    link = reset_link(message)
    assert f'href="http://testserver{link}"' in html
    assert "Fjell &amp; Co" in html  # escaped in HTML
    assert "Fjell & Co" in message.body  # not escaped in text
    assert "Hello Ana," in message.body
    assert "Order #" not in message.body and "Order #" not in html
    assert "3 days" in message.body


def test_the_reset_answer_does_not_reveal_whether_an_account_exists(
    client: Client, request_reset, customer: Customer
):
    known = request_reset(customer.email)
    unknown = request_reset("nobody@example.com")

    assert known.status_code == unknown.status_code == 303
    assert known["Location"] == unknown["Location"]
    assert len(mail.outbox) == 1
    assert "If an account exists" in client.get(known["Location"]).text


def test_reset_e_mails_to_one_address_are_limited(request_reset, customer: Customer):
    for _ in range(5):
        response = request_reset(customer.email)
        assert response.status_code == 303

    assert len(mail.outbox) == 3


def test_the_full_reset_flow_sets_a_new_password_and_retires_the_link(
    client: Client, request_reset, customer: Customer
):
    # Given a reset e-mail
    request_reset(customer.email)
    link = reset_link(mail.outbox[0])

    # When the link is opened, the token leaves the address bar for the session
    opened = client.get(link)
    assert opened.status_code == 302
    form_url = opened["Location"]
    assert form_url.endswith("/set-password")
    form = client.get(form_url)
    assert "Choose a new password for ana@example.com" in form.text

    # And a weak password is refused
    weak = client.post(form_url, {"new_password": "123"})
    assert "too short" in weak.text

    # When a good one is saved
    done = client.post(form_url, {"new_password": NEW_PASSWORD})

    # Then the shopper can log in with it, not with the old one
    assert done["Location"] == "/account/password-reset/complete"
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert login(Client(), customer.email, NEW_PASSWORD).status_code == 303

    # And the link no longer works
    again = Client().get(link)
    assert again.status_code == 200
    assert "invalid" in again.text


def test_a_tampered_reset_link_is_refused(client: Client, request_reset, customer: Customer):
    request_reset(customer.email)
    link = reset_link(mail.outbox[0])

    response = client.get(link[:-3] + "abc")

    assert response.status_code == 200
    assert "invalid" in response.text
    assert client.get("/account/password-reset/MQ/set-password").status_code == 200
    assert not customer.check_password(NEW_PASSWORD)


# --- Profile --------------------------------------------------------------------------------


def test_profile_edit_saves_name_and_marketing_consent(logged_in: Client, customer: Customer):
    response = logged_in.post(
        "/account/",
        {
            "email": customer.email,
            "first_name": "Ana",
            "last_name": "Lima",
            "accepts_marketing": "on",
        },
    )

    assert response.status_code == 303
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name) == ("Ana", "Lima")
    assert customer.accepts_marketing is True
    assert "Your details are saved." in logged_in.get("/account/").text


def test_changing_the_e_mail_needs_the_current_password(logged_in: Client, customer: Customer):
    refused = logged_in.post("/account/", {"email": "new@example.com"})
    assert refused.status_code == 200
    assert "Enter your current password" in refused.text
    customer.refresh_from_db()
    assert customer.email == "ana@example.com"

    accepted = logged_in.post(
        "/account/", {"email": "new@example.com", "current_password": PASSWORD}
    )
    assert accepted.status_code == 303
    customer.refresh_from_db()
    assert customer.email == "new@example.com"


def test_changing_the_password_keeps_this_session(logged_in: Client, customer: Customer):
    wrong = logged_in.post(
        "/account/password", {"current_password": "nope", "new_password": NEW_PASSWORD}
    )
    assert "Your current password is not correct." in wrong.text

    response = logged_in.post(
        "/account/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD}
    )

    assert response.status_code == 303
    customer.refresh_from_db()
    assert customer.check_password(NEW_PASSWORD)
    assert logged_in.get("/account/").status_code == 200


# --- Addresses ------------------------------------------------------------------------------


def test_address_add_edit_default_and_delete(logged_in: Client, customer: Customer):
    # Add
    response = logged_in.post("/account/addresses/new", ADDRESS)
    assert response.status_code == 303
    home = Address.objects.get(customer=customer)
    assert home.is_default

    # Add a second one as the default
    logged_in.post("/account/addresses/new", {**ADDRESS, "line1": "Av. 1", "is_default": "on"})
    office = Address.objects.get(customer=customer, line1="Av. 1")
    home.refresh_from_db()
    assert office.is_default and not home.is_default

    # Edit
    logged_in.post(f"/account/addresses/{home.pk}", {**ADDRESS, "city": "Porto"})
    home.refresh_from_db()
    assert home.city == "Porto"

    # Make default
    logged_in.post(f"/account/addresses/{home.pk}/default")
    home.refresh_from_db()
    assert home.is_default

    # List
    page = logged_in.get("/account/addresses")
    assert "Porto" in page.text and "Portugal" in page.text

    # Delete
    logged_in.post(f"/account/addresses/{office.pk}/delete")
    assert list(Address.objects.filter(customer=customer)) == [home]


def test_an_incomplete_address_is_shown_again_with_its_errors(logged_in: Client):
    response = logged_in.post("/account/addresses/new", {**ADDRESS, "city": ""})

    assert response.status_code == 200
    assert "City is required for addresses in Portugal." in response.text
    assert 'value="Rua das Flores 7"' in response.text
    assert not Address.objects.exists()


def test_another_customers_address_is_not_found(logged_in: Client):
    # Given Bruno's address
    bruno = make_customer("bruno@example.com")
    theirs = services.address_create(customer=bruno, data=ADDRESS)

    # Then Ana can neither see, change, delete nor choose it
    assert logged_in.get(f"/account/addresses/{theirs.pk}").status_code == 404
    assert logged_in.post(f"/account/addresses/{theirs.pk}", ADDRESS).status_code == 404
    assert logged_in.post(f"/account/addresses/{theirs.pk}/delete").status_code == 404
    assert logged_in.post(f"/account/addresses/{theirs.pk}/default").status_code == 404
    theirs.refresh_from_db()
    assert theirs.is_default and theirs.customer == bruno


# --- Orders ---------------------------------------------------------------------------------


def test_order_history_lists_only_the_customers_own_orders(logged_in: Client, customer: Customer):
    # Given an order of Ana's, one of Bruno's and a guest order with Ana's e-mail
    variant = make_variant()
    mine = place_order((variant, 1), customer=customer)
    bruno = make_customer("bruno@example.com")
    theirs = place_order((variant, 1), customer=bruno, email=bruno.email)
    guest = place_order((variant, 1), email=customer.email)

    page = logged_in.get("/account/orders")

    assert f"#{mine.number}" in page.text
    assert f"#{theirs.number}" not in page.text
    assert f"#{guest.number}" not in page.text


def test_order_history_is_paginated(logged_in: Client, customer: Customer):
    variant = make_variant(stock=100)
    numbers = [place_order((variant, 1), customer=customer).number for _ in range(12)]

    first = logged_in.get("/account/orders")
    second = logged_in.get("/account/orders?page=2")

    assert "Page 1 of 2" in first.text
    assert f"#{numbers[-1]}" in first.text and f"#{numbers[0]}" not in first.text
    assert f"#{numbers[0]}" in second.text and f"#{numbers[-1]}" not in second.text


def test_another_customers_order_is_not_found(logged_in: Client):
    bruno = make_customer("bruno@example.com")
    theirs = place_order((make_variant(), 1), customer=bruno, email=bruno.email)
    guest = place_order((make_variant(), 1), email="ana@example.com")

    assert logged_in.get(f"/account/orders/{theirs.number}").status_code == 404
    assert logged_in.post(f"/account/orders/{theirs.number}/buy-again").status_code == 404
    assert logged_in.get(f"/account/orders/{guest.number}").status_code == 404


def test_order_detail_shows_lines_totals_status_and_tracking(logged_in: Client, customer: Customer):
    order = place_order((make_variant(title="Stoneware Mug", price="12.50"), 2), customer=customer)
    Fulfilment.objects.create(
        order=order,
        status=Fulfilment.Status.SHIPPED,
        carrier="DHL",
        tracking_number="JD0146000",
        tracking_url="https://track.example/JD0146000?lang=en&x=1",
    )

    page = logged_in.get(f"/account/orders/{order.number}")

    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    text = page.text
    assert "Stoneware Mug" in text
    assert "€25.00" in text
    assert "Awaiting payment" in text
    assert "DHL: JD0146000" in text
    assert 'href="https://track.example/JD0146000?lang=en&amp;x=1"' in text
    assert f'href="/orders/{order.token}"' in text
    assert "Lisboa" in text


def test_buy_again_fills_the_cart_and_reports_a_sold_out_line(
    logged_in: Client, customer: Customer
):
    # Given an order with a mug and a tote that has sold out since
    mug = make_variant(title="Stoneware Mug")
    tote = make_variant(title="Canvas Tote", stock=1)
    order = place_order((mug, 2), (tote, 1), customer=customer)
    Variant.objects.filter(pk=tote.pk).update(stock_quantity=0)

    # When the customer buys it again
    response = logged_in.post(f"/account/orders/{order.number}/buy-again")

    # Then the mug is in the cart and the cart page says the tote was left out
    assert response.status_code == 303
    assert response["Location"] == "/cart"
    cart = Cart.objects.get(customer=customer, completed_at__isnull=True)
    assert dict(cart.lines.values_list("variant_id", "quantity")) == {mug.pk: 2}
    page = logged_in.get("/cart")
    assert f"2 items from order #{order.number} added to your cart." in page.text
    assert "Canvas Tote: sold out" in page.text


def test_buy_again_is_post_only(logged_in: Client, customer: Customer):
    order = place_order((make_variant(), 1), customer=customer)

    assert logged_in.get(f"/account/orders/{order.number}/buy-again").status_code == 405


# --- Guest order lookup ---------------------------------------------------------------------


def test_a_guest_finds_the_order_with_number_and_e_mail(client: Client):
    order = place_order((make_variant(), 1), email="ana@example.com")

    response = client.post(
        "/orders/lookup", {"number": f"#{order.number}", "email": "ANA@example.com "}
    )

    assert response.status_code == 303
    assert response["Location"] == f"/orders/{order.token}"


@pytest.mark.parametrize("wrong", ["number", "email"])
def test_a_wrong_pair_gets_one_generic_error(client: Client, wrong: str):
    order = place_order((make_variant(), 1), email="ana@example.com")
    data = {"number": order.number, "email": "ana@example.com"}
    data[wrong] = "9999999" if wrong == "number" else "eve@example.com"

    response = client.post("/orders/lookup", data)

    assert response.status_code == 200
    assert "We could not find an order with this number and e-mail address." in response.text
    assert order.token not in response.text


def test_order_lookup_is_rate_limited(client: Client):
    order = place_order((make_variant(), 1), email="ana@example.com")
    for _ in range(10):
        client.post("/orders/lookup", {"number": "1", "email": "eve@example.com"})

    response = client.post("/orders/lookup", {"number": order.number, "email": "ana@example.com"})

    assert response.status_code == 429
    assert "Too many attempts" in response.text


# --- The cached storefront ------------------------------------------------------------------


def test_the_shared_footer_links_to_the_account_without_any_login_state(logged_in: Client):
    page = logged_in.get("/")

    assert 'href="/account/"' in page.text
    assert 'href="/orders/lookup"' in page.text
    assert "ana@example.com" not in page.text
    assert "Log out" not in page.text


def test_registration_is_rate_limited_per_address(client):
    from freehold.customers import auth
    from freehold.customers.models import Customer

    for number in range(auth.REGISTRATIONS_PER_CLIENT.limit):
        client.post(
            "/account/register",
            {"email": f"someone{number}@example.com", "password": "a-long-pass-phrase-9"},
        )
        client.post("/account/logout")

    refused = client.post(
        "/account/register", {"email": "late@example.com", "password": "a-long-pass-phrase-9"}
    )

    assert refused.status_code == 429
    assert "Too many sign-ups" in refused.content.decode()
    assert not Customer.objects.filter(email="late@example.com").exists()
