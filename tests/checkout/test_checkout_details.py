"""The cart services behind the checkout page, and the quote the page and placement share."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest

from freehold.catalog.models import Variant
from freehold.checkout import selectors, services
from freehold.checkout.errors import CartError, CheckoutInvalid
from freehold.checkout.models import Cart
from freehold.checkout.placement import checkout_complete
from freehold.marketing.errors import DiscountError
from freehold.marketing.models import DiscountCode
from freehold.marketing.services import discount_create
from freehold.markets.models import ShippingRate, ShippingZone
from tests.factories import make_product

pytestmark = pytest.mark.django_db

ADDRESS = {
    "first_name": " Ana ",
    "last_name": "Lima",
    "line1": "Torstraße   12",
    "city": "Berlin",
    "postal_code": "10119",
    "country_code": "de",
    "unexpected": "dropped",
}


def a_cart(price: str = "20.00", quantity: int = 1) -> Cart:
    variant = Variant.objects.get(product=make_product(price=price, stock=50, currency="EUR"))
    cart = services.cart_create(currency="EUR")
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    return cart


def europe() -> ShippingZone:
    zone = ShippingZone.objects.create(name="Europe", countries=["DE", "FR"])
    ShippingRate.objects.create(
        zone=zone,
        code="standard",
        name="Standard",
        price_amount=Decimal("4.90"),
        currency="EUR",
        free_over_amount=Decimal("50"),
    )
    ShippingRate.objects.create(
        zone=zone, code="express", name="Express", price_amount=Decimal("12"), currency="EUR"
    )
    return zone


def test_details_are_stored_trimmed_and_with_the_known_keys_only():
    cart = a_cart()

    services.cart_set_details(cart=cart, email=" ana@example.com ", shipping_address=ADDRESS)

    stored = Cart.objects.get(pk=cart.pk)
    assert stored.email == "ana@example.com"
    assert stored.shipping_address == {
        "first_name": "Ana",
        "last_name": "Lima",
        "company": "",
        "line1": "Torstraße 12",
        "line2": "",
        "city": "Berlin",
        "city_area": "",
        "postal_code": "10119",
        "region": "",
        "country_code": "DE",
        "phone": "",
    }


def test_every_wrong_field_is_reported_at_once():
    cart = a_cart()

    with pytest.raises(CheckoutInvalid) as raised:
        services.cart_set_details(
            cart=cart,
            email="ana@",
            shipping_address={**ADDRESS, "first_name": "", "country_code": "XX", "phone": "ring"},
        )

    assert set(raised.value.errors) == {"email", "first_name", "country_code", "phone"}
    assert Cart.objects.get(pk=cart.pk).email == ""


def test_a_country_without_postal_codes_needs_none():
    cart = a_cart()
    # (Hong Kong addresses name their area instead: Kowloon, Hong Kong Island, New Territories)
    address = {**ADDRESS, "postal_code": "", "country_code": "HK", "region": "Kowloon"}
    services.cart_set_details(cart=cart, email="ana@example.com", shipping_address=address)
    assert Cart.objects.get(pk=cart.pk).shipping_address["country_code"] == "HK"


def test_a_new_country_clears_the_shipping_method():
    zone = europe()
    cart = a_cart()
    services.cart_set_details(cart=cart, email="ana@example.com", shipping_address=ADDRESS)
    services.cart_set_shipping_method(cart=cart, code=f"{zone.pk}:express")

    services.cart_set_details(
        cart=cart, email="ana@example.com", shipping_address={**ADDRESS, "country_code": "FR"}
    )

    assert Cart.objects.get(pk=cart.pk).shipping_method_code == ""


def test_a_shipping_method_the_address_cannot_use_is_refused():
    zone = europe()
    cart = a_cart()
    services.cart_set_details(
        cart=cart,
        email="ana@example.com",
        shipping_address={
            **ADDRESS,
            "country_code": "JP",
            "region": "Tokyo",
            "postal_code": "100-0001",
        },
    )
    with pytest.raises(CartError) as raised:
        services.cart_set_shipping_method(cart=cart, code=f"{zone.pk}:standard")
    assert raised.value.field == "shipping_method"


def test_a_discount_code_is_checked_before_it_is_kept():
    cart = a_cart(price="20.00")
    discount_create(code="TEN", kind="percentage", value=Decimal(10))
    discount_create(code="LATER", kind="percentage", value=Decimal(10), is_active=False)

    with pytest.raises(DiscountError) as raised:
        services.cart_apply_discount(cart=cart, code="later")
    assert raised.value.field == "discount_code"
    with pytest.raises(DiscountError):
        services.cart_apply_discount(cart=cart, code="  ")

    services.cart_apply_discount(cart=cart, code=" ten ")
    assert Cart.objects.get(pk=cart.pk).discount_codes == ["TEN"]
    services.cart_remove_discount(cart=cart)
    assert Cart.objects.get(pk=cart.pk).discount_codes == []


def test_the_quote_applies_the_discount_before_the_free_shipping_threshold():
    # Given 60 EUR of goods, 20 % off, and shipping free from 50 EUR
    zone = europe()
    cart = a_cart(price="30.00", quantity=2)
    discount_create(code="TWENTY", kind="percentage", value=Decimal(20))
    services.cart_apply_discount(cart=cart, code="TWENTY")
    services.cart_set_details(cart=cart, email="ana@example.com", shipping_address=ADDRESS)
    services.cart_set_shipping_method(cart=cart, code=f"{zone.pk}:standard")

    # When the page quotes it
    quote = selectors.checkout_quote(cart, country_code="DE", email="ana@example.com")

    # Then the discounted 48 EUR is under the threshold: shipping is charged
    assert quote.totals.discount == Decimal("12.00")
    assert quote.shipping is not None and quote.shipping.amount == Decimal("4.90")
    assert quote.totals.total == Decimal("52.90")

    # And placing the order charges exactly what the page showed
    order = checkout_complete(
        cart_token=cart.token,
        email="ana@example.com",
        idempotency_key=uuid.uuid4().hex,
        shipping_address=Cart.objects.get(pk=cart.pk).shipping_address,
    )
    assert order.total_amount == quote.totals.total
    assert order.shipping_amount == quote.totals.shipping
    assert order.discount_amount == quote.totals.discount


def test_a_lenient_quote_reports_what_a_strict_one_refuses():
    zone = europe()
    cart = a_cart()
    discount_create(code="ONCE", kind="percentage", value=Decimal(10), usage_limit_total=1)
    services.cart_apply_discount(cart=cart, code="ONCE")
    DiscountCode.objects.filter(code="ONCE").update(times_used=1)
    cart.shipping_method_code = f"{zone.pk}:standard"
    cart.save()

    lenient = selectors.checkout_quote(cart, country_code="JP", email="a@example.com", strict=False)

    assert set(lenient.problems) == {"discount_code", "shipping_method", "country_code"}
    assert lenient.totals.discount == 0 and lenient.shipping is None
    with pytest.raises(DiscountError):
        selectors.checkout_quote(cart, country_code="JP", email="a@example.com")


def test_placement_refuses_an_order_without_a_shipping_method_where_there_are_some():
    europe()
    cart = a_cart()
    with pytest.raises(CartError) as raised:
        checkout_complete(
            cart_token=cart.token,
            email="ana@example.com",
            idempotency_key=uuid.uuid4().hex,
            shipping_address={"country_code": "DE"},
        )
    assert raised.value.code == "shipping_required"


def test_a_store_without_shipping_zones_sells_without_a_shipping_charge():
    cart = a_cart(price="20.00")
    quote = selectors.checkout_quote(cart, country_code="DE", email="ana@example.com")
    assert quote.problems == {} and quote.shipping_options == []
    assert quote.totals.total == Decimal("20.00")
