"""The cart and checkout pages through Django's test client, with and without htmx."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from freehold.catalog.models import Variant
from freehold.catalog.services import VariantInput, stock_adjust
from freehold.checkout.models import Cart, CartLine
from freehold.core.audit import Actor
from freehold.marketing.services import discount_create
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from freehold.orders.operations import fulfilment_create
from freehold.payments import gateways
from freehold.payments.services import payment_mark_paid, webhook_receive
from freehold.payments.testgateway import TestGateway
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db

SAME_ORIGIN = {"HTTP_ORIGIN": "http://testserver"}
HTMX = {"HTTP_HX_REQUEST": "true"}
ADDRESS = {
    "email": "ana@example.com",
    "first_name": "Ana",
    "last_name": "Lima",
    "line1": "Torstraße 12",
    "line2": "",
    "city": "Berlin",
    "postal_code": "10119",
    "region": "",
    "country_code": "DE",
    "phone": "",
}


@pytest.fixture
def shop(db) -> dict[str, Any]:
    make_store_settings(name="Fjell & Co", currency="EUR", country_code="DE")
    mug = make_product(title="Stoneware Mug", price="12.50", stock=5, currency="EUR")
    shirt = make_product(
        title="Linen Shirt",
        currency="EUR",
        options={"Size": ["S", "M"]},
        variants=[
            VariantInput(price="49.00", options=["S"], sku="LS-S", stock_quantity=2),
            VariantInput(price="49.00", options=["M"], sku="LS-M", stock_quantity=0),
        ],
    )
    europe = ShippingZone.objects.create(name="Europe", countries=["DE", "FR"])
    ShippingRate.objects.create(
        zone=europe,
        code="standard",
        name="Standard",
        price_amount=Decimal("4.90"),
        currency="EUR",
        min_delivery_days=2,
        max_delivery_days=4,
    )
    ShippingRate.objects.create(
        zone=europe, code="express", name="Express", price_amount=Decimal("12.00"), currency="EUR"
    )
    return {
        "mug": mug.variants.get(),
        "shirt_s": shirt.variants.get(sku="LS-S"),
        "shirt_m": shirt.variants.get(sku="LS-M"),
        "zone": europe,
    }


def add(client: Client, variant: Variant, quantity: Any = 1, **headers: Any):
    return client.post(
        "/cart/add",
        {"variant_id": variant.pk, "quantity": quantity},
        **{**SAME_ORIGIN, **headers},
    )


def the_cart(client: Client) -> Cart:
    return Cart.objects.get(token=client.session["cart_token"])


def checkout_form(client: Client) -> dict[str, str]:
    """The hidden idempotency key the checkout page rendered, with the rest of the form."""
    page = client.get("/checkout")
    assert page.status_code == 200
    key = re.search(r'name="idempotency_key" value="([^"]+)"', page.content.decode())
    assert key is not None
    return {**ADDRESS, "idempotency_key": key.group(1), "payment_method": "manual"}


# --- Cart -----------------------------------------------------------------------------------


def test_adding_without_javascript_redirects_to_the_cart_which_lists_the_line(shop):
    client = Client()

    # When a shopper adds two mugs from the product page
    response = add(client, shop["mug"], 2)

    # Then they land on the cart, which shows the line, its total and the subtotal
    assert response.status_code == 303 and response["Location"] == "/cart"
    assert response.cookies["cart_count"].value == "2"
    page = client.get("/cart")
    html = page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert "Stoneware Mug" in html and "€25.00" in html
    assert "Stoneware Mug was added to your cart." in html
    assert 'href="/checkout"' in html


def test_adding_with_htmx_returns_the_cart_fragment(shop):
    client = Client()
    response = add(client, shop["mug"], 1, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="cart"')
    assert "<html" not in html


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "The quantity must be at least 1."),
        ("-1", "The quantity must be at least 1."),
        (str(10**9), "The quantity can be at most 999."),
        ("abc", "Enter the quantity as a whole number."),
    ],
)
def test_bad_quantities_are_refused_with_a_message(shop, quantity, message):
    client = Client()
    add(client, shop["mug"], 1)

    # When the quantity is nonsense, as an add and as a change of the line
    added = add(client, shop["mug"], quantity, **HTMX)
    line = CartLine.objects.get()
    changed = client.post(f"/cart/lines/{line.pk}", {"quantity": quantity}, **HTMX)

    # Then both are refused with a message and the line keeps its quantity
    assert message in added.content.decode()
    if quantity != "0":
        assert message in changed.content.decode()
    else:
        assert "at least 1" in changed.content.decode()
    assert CartLine.objects.get().quantity == 1


def test_more_than_the_stock_says_how_many_are_left_on_the_cart_page(shop):
    client = Client()

    response = add(client, shop["shirt_s"], 3)

    assert response.status_code == 303
    html = client.get("/cart").content.decode()
    assert "Linen Shirt – S: Only 2 left" in html
    assert not CartLine.objects.exists()


def test_a_sold_out_variant_cannot_be_added(shop):
    client = Client()
    html = add(client, shop["shirt_m"], 1, **HTMX).content.decode()
    assert "Sold out" in html
    assert not CartLine.objects.exists()


def test_changing_and_removing_a_line_without_javascript(shop):
    client = Client()
    add(client, shop["mug"], 1)
    line = CartLine.objects.get()

    changed = client.post(f"/cart/lines/{line.pk}", {"quantity": "3"})
    assert changed.status_code == 303
    assert CartLine.objects.get().quantity == 3
    assert changed.cookies["cart_count"].value == "3"

    removed = client.post(f"/cart/lines/{line.pk}/remove")
    assert removed.status_code == 303
    assert not CartLine.objects.exists()
    assert "Your cart is empty." in client.get("/cart").content.decode()


def test_changing_a_line_with_htmx_returns_the_new_totals(shop):
    client = Client()
    add(client, shop["mug"], 1)
    line = CartLine.objects.get()

    response = client.post(f"/cart/lines/{line.pk}", {"quantity": "4"}, **HTMX)

    assert response.status_code == 200
    assert "€50.00" in response.content.decode()


def test_a_line_above_the_stock_shows_the_message_next_to_it(shop):
    client = Client()
    add(client, shop["shirt_s"], 1)
    line = CartLine.objects.get()
    response = client.post(f"/cart/lines/{line.pk}", {"quantity": "5"}, **HTMX)
    html = response.content.decode()
    assert f'id="line-error-{line.pk}"' in html and "Only 2 left" in html


def test_another_visitors_line_is_not_found(shop):
    ana, bob = Client(), Client()
    add(ana, shop["mug"], 1)
    add(bob, shop["mug"], 1)
    anas_line = CartLine.objects.get(cart=the_cart(ana))

    assert bob.post(f"/cart/lines/{anas_line.pk}", {"quantity": "2"}).status_code == 404
    assert bob.post(f"/cart/lines/{anas_line.pk}", {"quantity": "abc"}).status_code == 404
    assert bob.post(f"/cart/lines/{anas_line.pk}/remove").status_code == 404
    assert Client().post(f"/cart/lines/{anas_line.pk}/remove").status_code == 404
    assert CartLine.objects.get(pk=anas_line.pk).quantity == 1


@pytest.mark.parametrize(
    ("headers", "allowed"),
    [
        ({"HTTP_ORIGIN": "http://testserver"}, True),
        ({"HTTP_ORIGIN": "https://evil.example"}, False),
        ({"HTTP_ORIGIN": "null"}, False),
        ({"HTTP_SEC_FETCH_SITE": "same-origin"}, True),
        ({"HTTP_SEC_FETCH_SITE": "none"}, True),
        ({"HTTP_SEC_FETCH_SITE": "cross-site"}, False),
        ({"HTTP_SEC_FETCH_SITE": "same-site"}, False),
        ({"HTTP_REFERER": "http://testserver/products/mug"}, True),
        ({"HTTP_REFERER": "http://evil.example/products/mug"}, False),
        ({}, False),
        # Origin decides when present, whatever the other headers say
        ({"HTTP_ORIGIN": "https://evil.example", "HTTP_SEC_FETCH_SITE": "same-origin"}, False),
    ],
)
def test_add_to_cart_only_accepts_same_origin_requests(shop, headers, allowed):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/cart/add", {"variant_id": shop["mug"].pk, "quantity": "1"}, **headers)
    assert (response.status_code == 303) is allowed
    assert (response.status_code == 403) is not allowed
    assert CartLine.objects.exists() is allowed


def test_other_cart_posts_keep_djangos_csrf_check(shop):
    client = Client(enforce_csrf_checks=True)
    client.post("/cart/add", {"variant_id": shop["mug"].pk}, **SAME_ORIGIN)
    line = CartLine.objects.get()
    response = client.post(f"/cart/lines/{line.pk}", {"quantity": "2"}, **SAME_ORIGIN)
    assert response.status_code == 403
    assert client.post("/checkout", {"action": "place"}, **SAME_ORIGIN).status_code == 403


def test_the_product_page_posts_the_chosen_variant_and_disables_sold_out(shop):
    client = Client()
    product = shop["shirt_s"].product

    page = client.get(f"/products/{product.handle}?variant={shop['shirt_s'].pk}")
    html = page.content.decode()
    assert f'name="variant_id" value="{shop["shirt_s"].pk}"' in html
    assert "csrfmiddlewaretoken" not in html
    assert "Add to cart" in html

    sold_out = client.get(f"/products/{product.handle}?option1=M").content.decode()
    assert f'name="variant_id" value="{shop["shirt_m"].pk}"' in sold_out
    assert re.search(r'id="add-to-cart-button"[^>]*disabled[^>]*>Sold out<', sold_out)


# --- Checkout -------------------------------------------------------------------------------


def test_checkout_with_an_empty_cart_goes_back_to_the_cart(shop):
    response = Client().get("/checkout")
    assert response.status_code == 302 and response["Location"] == "/cart"


def test_the_checkout_page_shows_options_prices_and_the_legal_button(shop):
    client = Client()
    add(client, shop["mug"], 2)

    page = client.get("/checkout")
    html = page.content.decode()

    assert page["Cache-Control"] == "private, no-store"
    assert "Order with obligation to pay" in html
    assert "Standard" in html and "2–4 business days" in html and "€4.90" in html
    # the cheapest method is chosen, and the server's total includes it
    assert re.search(r'id="summary-total">€29.90<', html)
    assert 'value="manual"' in html and 'value="test"' in html
    assert "vendor/htmx.min.js" in html


def test_the_country_list_marks_the_carts_country_and_only_it(shop):
    # Given a cart whose address is in France (the store is in Germany)
    client = Client()
    add(client, shop["mug"])
    client.post("/checkout", {**ADDRESS, "country_code": "FR", "action": "update"})

    # When the checkout page is shown, twice (the options are built once per language)
    pages = [client.get("/checkout").content.decode() for _ in range(2)]

    # Then France is the one selected country, among every country in name order
    for html in pages:
        select = html[
            html.index('<select id="country_code"') : html.index(
                "</select>", html.index('<select id="country_code"')
            )
        ]
        assert re.findall(r"<option [^>]*selected>([^<]+)<", select) == ["France"]
        names = re.findall(r'<option value="[A-Z]{2}"[^>]*>([^<]+)<', select)
        assert len(names) > 240 and "Germany" in names
        assert names == sorted(names)


def test_the_summary_names_the_vat_inside_the_total(shop):
    # given a store whose prices include 19 % VAT
    make_store_settings(tax_label="VAT", tax_rate_percent=Decimal("19"), prices_include_tax=True)
    client = Client()
    add(client, shop["mug"], 2)

    html = client.get("/checkout").content.decode()

    # then 25.00 + 4.90 shipping = 29.90 holds 4.77 of VAT, and the total does not grow
    assert re.search(r"Including VAT</dt><dd id=\"summary-tax\">€4.77<", html)
    assert re.search(r'id="summary-total">€29.90<', html)


def test_missing_fields_are_shown_next_to_each_field(shop):
    client = Client()
    add(client, shop["mug"], 1)
    form = checkout_form(client)
    form.update(email="not-an-address", first_name="", line1="", postal_code="", phone="call me")

    page = client.post("/checkout", {**form, "action": "place"})
    html = page.content.decode()

    assert page.status_code == 200
    assert 'id="email-error">Enter a valid e-mail address' in html
    assert 'id="first_name-error">Enter your first name.' in html
    assert 'id="line1-error">Street and house number is required for addresses in Germany.' in html
    assert 'id="postal_code-error">Postal code is required for addresses in Germany.' in html
    assert 'id="phone-error">' in html
    assert 'id="city-error"' not in html
    assert not Order.objects.exists()


def test_a_country_change_with_htmx_refreshes_the_shipping_options(shop):
    client = Client()
    add(client, shop["mug"], 1)
    client.get("/checkout")

    japan = client.post("/checkout", {**ADDRESS, "country_code": "JP", "action": "update"}, **HTMX)
    france = client.post("/checkout", {**ADDRESS, "country_code": "FR", "action": "update"}, **HTMX)

    assert japan.content.decode().lstrip().startswith('<fieldset id="shipping-options"')
    assert "We don’t ship to Japan yet." in japan.content.decode()
    assert 'hx-swap-oob="true"' in france.content.decode()
    assert "Standard" in france.content.decode()
    assert the_cart(client).shipping_address["country_code"] == "FR"


def test_update_without_javascript_redirects_back_to_the_page(shop):
    client = Client()
    add(client, shop["mug"], 1)
    response = client.post("/checkout", {**ADDRESS, "action": "update"})
    assert response.status_code == 303 and response["Location"] == "/checkout"
    assert 'value="Torstraße 12"' in client.get("/checkout").content.decode()


def test_a_discount_code_is_applied_or_refused_with_the_reason(shop):
    client = Client()
    add(client, shop["mug"], 2)
    discount_create(code="WELCOME10", kind="percentage", value=Decimal(10))
    discount_create(
        code="BIGSPENDER",
        kind="fixed_amount",
        value=Decimal(5),
        currency="EUR",
        minimum_subtotal_amount=100,
    )

    refused = client.post(
        "/checkout", {**ADDRESS, "discount_code": "bigspender", "action": "apply_discount"}
    )
    assert 'id="discount_code-error"' in refused.content.decode()
    assert "Spend at least" in refused.content.decode()

    unknown = client.post(
        "/checkout", {**ADDRESS, "discount_code": "NOPE", "action": "apply_discount"}
    )
    assert "This discount code does not exist." in unknown.content.decode()

    applied = client.post(
        "/checkout", {**ADDRESS, "discount_code": "welcome10", "action": "apply_discount"}
    )
    assert applied.status_code == 303
    html = client.get("/checkout").content.decode()
    assert re.search(r'id="summary-discount">−€2.50<', html)
    # 25.00 - 2.50 + 4.90 shipping
    assert re.search(r'id="summary-total">€27.40<', html)

    client.post("/checkout", {**ADDRESS, "action": "remove_discount"})
    assert the_cart(client).discount_codes == []


def test_placing_an_order_with_the_manual_gateway_shows_the_instructions(shop):
    client = Client()
    add(client, shop["mug"], 2)
    form = checkout_form(client)

    response = client.post("/checkout", {**form, "action": "place"})

    order = Order.objects.get()
    assert response.status_code == 303
    assert response["Location"] == f"/orders/{order.token}"
    assert response.cookies["cart_count"].value == ""
    assert order.total_amount == Decimal("29.90")
    assert order.payment_gateway == "manual"
    assert order.shipping_address["line1"] == "Torstraße 12"
    assert "cart_token" not in client.session
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page["Cache-Control"] == "private, no-store"
    assert 'content="noindex' in html
    assert f"#{order.number}" in html and "by bank transfer" in html
    assert f'href="/account/register?order={order.token}"' in html


def test_posted_prices_and_totals_are_ignored(shop):
    client = Client()
    add(client, shop["mug"], 2)
    form = checkout_form(client)

    client.post(
        "/checkout",
        {**form, "action": "place", "total": "0.01", "price": "0.01", "shipping_amount": "0"},
    )

    assert Order.objects.get().total_amount == Decimal("29.90")


def test_a_double_submit_with_the_same_key_places_one_order(shop):
    client = Client()
    add(client, shop["mug"], 1)
    form = checkout_form(client)

    first = client.post("/checkout", {**form, "action": "place"})
    second = client.post("/checkout", {**form, "action": "place"})

    assert Order.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_product_sold_out_at_placement_places_nothing_and_says_so(shop):
    client = Client()
    add(client, shop["mug"], 2)
    form = checkout_form(client)
    # another shopper buys the last mugs while this one fills in the form
    stock_adjust(variant=shop["mug"], delta=-5)

    page = client.post("/checkout", {**form, "action": "place"})

    assert page.status_code == 200
    assert "Stoneware Mug is sold out." in page.content.decode()
    assert not Order.objects.exists()
    assert the_cart(client).completed_at is None


def test_an_unknown_payment_method_is_refused(shop):
    client = Client()
    add(client, shop["mug"], 1)
    form = {**checkout_form(client), "payment_method": "bitcoin"}
    page = client.post("/checkout", {**form, "action": "place"})
    assert "Choose how you want to pay." in page.content.decode()
    assert not Order.objects.exists()


def test_the_test_gateway_sends_the_shopper_to_its_hosted_page(shop):
    client = Client()
    add(client, shop["mug"], 1)
    form = {**checkout_form(client), "payment_method": "test"}

    response = client.post("/checkout", {**form, "action": "place"})

    assert response.status_code == 303
    assert response["Location"].startswith("/payments/test/")
    order = Order.objects.get()
    status = client.get(f"/orders/{order.token}").content.decode()
    assert "We are waiting for the payment confirmation" in status
    assert '<meta http-equiv="refresh" content="3">' in status


def test_an_unknown_order_token_is_not_found(shop):
    assert Client().get("/orders/" + "x" * 32).status_code == 404


# --- Order status ---------------------------------------------------------------------------


def placed_order(client: Client, shop, gateway: str = "test") -> Order:
    add(client, shop["mug"], 1)
    form = {**checkout_form(client), "payment_method": gateway}
    client.post("/checkout", {**form, "action": "place"})
    return Order.objects.get()


def test_a_declined_payment_can_be_tried_again_from_the_order_page(shop):
    client = Client()
    order = placed_order(client, shop)
    payment_services_fail(order)

    page = client.get(f"/orders/{order.token}").content.decode()
    assert "Your payment was declined — try again" in page
    assert "http-equiv" not in page

    again = client.post(f"/orders/{order.token}", {"payment_method": "test"})
    assert again.status_code == 303 and again["Location"].startswith("/payments/test/")


def payment_services_fail(order: Order) -> None:
    gateway = gateways.get("test")
    assert isinstance(gateway, TestGateway)
    body, headers = gateway.simulate(
        gateway.start(order, return_url="/", cancel_url="/").session, "decline"
    )
    webhook_receive(gateway_code="test", body=body, headers=headers)


def test_a_shipped_order_shows_its_tracking_link(shop):
    client = Client()
    order = placed_order(client, shop, gateway="manual")
    payment_mark_paid(order=order, actor=Actor.system("test"))
    order.refresh_from_db()
    fulfilment_create(
        order=order,
        lines={line.pk: line.quantity for line in order.lines.all()},
        actor=Actor.system("test"),
        carrier="DHL",
        tracking_number="JD0123",
        tracking_url="https://tracking.example/JD0123",
    )

    html = client.get(f"/orders/{order.token}").content.decode()

    assert "Your order is on its way" in html
    assert '<a href="https://tracking.example/JD0123"' in html and "JD0123" in html
    assert "by bank transfer" not in html


def test_a_paid_order_cannot_be_paid_again(shop):
    client = Client()
    order = placed_order(client, shop, gateway="manual")
    payment_mark_paid(order=order, actor=Actor.system("test"))

    response = client.post(f"/orders/{order.token}", {"payment_method": "test"})

    assert response.status_code == 303 and response["Location"] == f"/orders/{order.token}"
    assert "cannot be paid now" in client.get(response["Location"]).content.decode()


class HostedGateway:
    """A gateway whose payment page lives elsewhere, as Stripe Checkout does."""

    code = "hosted"
    name = "Hosted cards"
    redirect_origins = ("https://pay.example",)


def test_pages_that_start_a_payment_allow_the_hosted_pages_origin_as_form_action(shop):
    client = Client()
    add(client, shop["mug"], 1)
    gateways.register(HostedGateway())  # type: ignore[arg-type]
    try:
        page = client.get("/checkout")
    finally:
        gateways.unregister("hosted")

    assert "form-action 'self' https://pay.example;" in page["Content-Security-Policy"]
    assert "script-src 'self';" in page["Content-Security-Policy"]
    assert "pay.example" not in client.get("/cart")["Content-Security-Policy"]
