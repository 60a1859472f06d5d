"""Placing an order from a cart: once, at server prices, never overselling."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection

from freehold.catalog.models import Variant
from freehold.catalog.services import stock_adjust, variant_set_price
from freehold.checkout.errors import CartError
from freehold.checkout.models import Cart
from freehold.checkout.placement import checkout_complete
from freehold.checkout.services import cart_add, cart_create
from freehold.core.models import AuditEvent
from freehold.marketing.errors import DiscountError
from freehold.marketing.models import DiscountCode
from freehold.marketing.services import discount_create
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.orders.models import Order
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def cart_with(*items):
    cart = cart_create(currency="EUR")
    for variant, quantity in items:
        cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    return cart


def variant_of(product):
    return Variant.objects.get(product=product)


def complete(cart, key=None, email="ana@example.com", **extra):
    return checkout_complete(
        cart_token=cart.token, email=email, idempotency_key=key or uuid.uuid4().hex, **extra
    )


def test_an_order_is_a_snapshot_of_the_cart_at_server_prices():
    # Given a cart with two products
    mug = variant_of(make_product(title="Mug", price="12.50", stock=5, currency="EUR"))
    tote = variant_of(make_product(title="Tote", price="30.00", stock=3, currency="EUR"))
    cart = cart_with((mug, 2), (tote, 1))

    # When it is checked out, with attribution from the landing page
    order = complete(cart, attribution={"utm_source": "instagram", "fbclid": "abc"})

    # Then the order copies lines and totals, stock went down and the cart is done
    assert order.number == "1001"
    assert order.total_amount == Decimal("55.00")
    assert order.payment_status == "awaiting_payment"
    assert (order.utm_source, order.fbclid) == ("instagram", "abc")
    lines = {line.product_title: line for line in order.lines.all()}
    assert lines["Mug"].quantity == 2
    assert lines["Mug"].unit_price_amount == Decimal("12.50")
    assert lines["Mug"].total_amount == Decimal("25.00")
    mug.refresh_from_db()
    tote.refresh_from_db()
    assert (mug.stock_quantity, tote.stock_quantity) == (3, 2)
    assert Cart.objects.get(pk=cart.pk).completed_at is not None
    assert AuditEvent.objects.filter(verb="order.placed", object_id=str(order.pk)).count() == 1

    # And a later price change leaves the placed order alone
    variant_set_price(variant=mug, price=Decimal("99.00"))
    assert order.lines.get(product_title="Mug").unit_price_amount == Decimal("12.50")


def test_a_replayed_request_returns_the_first_order():
    mug = variant_of(make_product(title="Mug", price="10.00", stock=5, currency="EUR"))
    cart = cart_with((mug, 1))

    first = complete(cart, key="click-1")
    again = complete(cart, key="click-1")
    other_key = complete(cart, key="click-2")

    assert first.pk == again.pk == other_key.pk
    assert Order.objects.count() == 1
    mug.refresh_from_db()
    assert mug.stock_quantity == 4


def test_sold_out_rolls_everything_back_and_a_later_retry_works():
    # Given a cart whose second product sells out before checkout
    mug = variant_of(make_product(title="Mug", price="10.00", stock=5, currency="EUR"))
    tote = variant_of(make_product(title="Tote", price="30.00", stock=1, currency="EUR"))
    cart = cart_with((mug, 2), (tote, 1))
    Variant.objects.filter(pk=tote.pk).update(stock_quantity=0)

    # When the shopper checks out
    with pytest.raises(CartError) as error:
        complete(cart, key="attempt")

    # Then they are told which product sold out, and nothing was taken or placed
    assert error.value.code == "sold_out"
    assert "Tote is sold out" in error.value.message
    mug.refresh_from_db()
    assert mug.stock_quantity == 5
    assert not Order.objects.exists()
    assert Cart.objects.get(pk=cart.pk).completed_at is None

    # And after a restock the same request goes through
    stock_adjust(variant=tote, delta=1)
    assert complete(cart, key="attempt").total_amount == Decimal("50.00")


def test_an_empty_cart_or_a_missing_email_is_refused():
    empty = cart_create(currency="EUR")
    with pytest.raises(CartError) as error:
        complete(empty)
    assert error.value.field == "cart"
    mug = variant_of(make_product(title="Mug", price="10.00", stock=5, currency="EUR"))
    with pytest.raises(CartError) as error:
        complete(cart_with((mug, 1)), email="not-an-address")
    assert error.value.field == "email"


@pytest.mark.django_db(transaction=True)
def test_two_hundred_buyers_race_for_fifty_units():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent buyers need PostgreSQL")
    # Given 50 units and 200 shoppers, each with one unit in their cart
    product = make_product(title="Limited Drop", price="49.00", stock=200, currency="EUR")
    variant = variant_of(product)
    carts = [cart_with((variant, 1)) for _ in range(200)]
    Variant.objects.filter(pk=variant.pk).update(stock_quantity=50)

    outcomes: list[str] = []
    start = threading.Barrier(len(carts))

    def buy(cart):
        try:
            start.wait()
            complete(cart)
            outcomes.append("order")
        except CartError as error:
            outcomes.append(error.code)
        except Exception as error:  # any other failure is a bug this test must show
            outcomes.append(f"error: {error!r}")
        finally:
            connection.close()

    # When they all check out at once
    threads = [threading.Thread(target=buy, args=(cart,)) for cart in carts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then exactly 50 orders exist, stock is 0, and everyone else was told "sold out"
    variant.refresh_from_db()
    assert outcomes.count("order") == 50, sorted(set(outcomes))
    assert outcomes.count("sold_out") == 150
    assert Order.objects.count() == 50
    assert variant.stock_quantity == 0
    assert len(set(Order.objects.values_list("number", flat=True))) == 50


def test_a_discount_code_is_applied_and_used_once():
    # Given a 10 % code that can be used once, in a cart
    discount_create(code="WELCOME10", kind="percentage", value=Decimal(10), usage_limit_total=1)
    mug = variant_of(make_product(title="Mug", price="20.00", stock=5, currency="EUR"))
    cart = cart_with((mug, 2))
    cart.discount_codes = ["welcome10"]
    cart.save()

    # When it is checked out
    order = complete(cart)

    # Then the order is 10 % off, and the code's one use is taken
    assert order.discount_amount == Decimal("4.00")
    assert order.total_amount == Decimal("36.00")
    assert DiscountCode.objects.get(code="WELCOME10").times_used == 1

    # And a second cart with the same code is refused, placing nothing and taking no stock
    second = cart_with((mug, 1))
    second.discount_codes = ["WELCOME10"]
    second.save()
    with pytest.raises(DiscountError) as error:
        complete(second)
    assert error.value.code == "usage_limit_reached"
    assert Order.objects.count() == 1
    mug.refresh_from_db()
    assert mug.stock_quantity == 3


def test_shipping_is_priced_by_the_server_for_the_address():
    # Given a European zone with standard shipping, free from 50 EUR
    zone = ShippingZone.objects.create(name="Europe", countries=["DE", "FR"])
    ShippingRate.objects.create(
        zone=zone,
        code="standard",
        name="Standard",
        price_amount=Decimal("4.90"),
        currency="EUR",
        free_over_amount=Decimal("50.00"),
    )
    mug = variant_of(make_product(title="Mug", price="20.00", stock=9, currency="EUR"))
    cart = cart_with((mug, 1))
    cart.shipping_method_code = f"{zone.pk}:standard"
    cart.save()

    # When a shopper in Germany checks out, and another cart crosses the free threshold
    order = complete(cart, shipping_address={"country_code": "de"})
    big = cart_with((mug, 3))
    big.shipping_method_code = f"{zone.pk}:standard"
    big.save()
    free = complete(big, shipping_address={"country_code": "FR"})

    # Then shipping is charged, or free, as the zone says
    assert (order.shipping_amount, order.total_amount) == (Decimal("4.90"), Decimal("24.90"))
    assert (free.shipping_amount, free.total_amount) == (Decimal("0.00"), Decimal("60.00"))

    # And an address outside every zone is told to choose another method, placing nothing
    far = cart_with((mug, 1))
    far.shipping_method_code = f"{zone.pk}:standard"
    far.save()
    with pytest.raises(CartError) as error:
        complete(far, shipping_address={"country_code": "JP"})
    assert error.value.field == "shipping_method"
    assert Order.objects.count() == 2


def test_the_shopper_gets_an_order_confirmation_after_commit(
    mailoutbox, django_capture_on_commit_callbacks
):
    mug = variant_of(make_product(title="Mug", price="10.00", stock=5, currency="EUR"))
    cart = cart_with((mug, 1))

    with django_capture_on_commit_callbacks(execute=True):
        order = complete(cart, email="ana@example.com")

    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ana@example.com"]
    assert order.number in mailoutbox[0].subject


@pytest.mark.parametrize(
    ("included", "tax", "total"),
    [(True, Decimal("9.58"), Decimal("60.00")), (False, Decimal("11.40"), Decimal("71.40"))],
)
def test_the_store_tax_is_included_or_added_and_recorded_per_line(included, tax, total):
    # Given a store charging 19 % VAT, included in prices (EU) or added at checkout (US style)
    from tests.factories import make_store_settings

    make_store_settings(
        currency="EUR", tax_label="VAT", tax_rate_percent=Decimal("19"), prices_include_tax=included
    )
    shirt = variant_of(make_product(title="Shirt", price="60.00", stock=2, currency="EUR"))

    # When a shirt is ordered
    order = complete(cart_with((shirt, 1)))

    # Then the order's tax is 19 % inside 60.00 (9.58) or on top of it (11.40)
    assert (order.tax_amount, order.tax_included, order.total_amount) == (tax, included, total)
    line = order.lines.get()
    assert (line.tax_amount, line.tax_rate) == (tax, Decimal("0.19"))
    assert "tax VAT: 19.00%" in " ".join(order.pricing_reasons)
