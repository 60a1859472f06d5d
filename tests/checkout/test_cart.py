from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.catalog.models import Product, Variant
from freehold.catalog.services import VariantInput
from freehold.checkout import selectors, services
from freehold.checkout.errors import CartError
from freehold.checkout.models import Cart, CartLine
from freehold.core import clock
from freehold.core.errors import NotFound
from freehold.customers.models import Customer
from tests.factories import make_product

pytestmark = pytest.mark.django_db


def variant_of(product: Product) -> Variant:
    return product.variants.get()


def make_customer(email: str = "ada@example.com") -> Customer:
    return Customer.objects.create_user(email, "secret-password")


def test_add_creates_a_line_and_adding_again_increases_it():
    # given
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product(stock=10))
    # when
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=2)
    line = services.cart_add(cart=cart, variant_id=variant.pk, quantity=3)
    # then
    assert line.quantity == 5
    assert list(cart.lines.values_list("variant_id", "quantity")) == [(variant.pk, 5)]


def test_a_new_cart_has_an_unguessable_token():
    cart = services.cart_create(currency="usd")
    assert cart.currency == "USD"
    assert len(cart.token) == 32
    assert cart.token != services.cart_create(currency="USD").token


def test_set_quantity_changes_the_line_and_zero_removes_it():
    # given
    cart = services.cart_create(currency="USD")
    line = services.cart_add(cart=cart, variant_id=variant_of(make_product()).pk)
    # when
    changed = services.cart_set_quantity(cart=cart, line_id=line.pk, quantity=4)
    # then
    assert changed is not None and changed.quantity == 4
    assert CartLine.objects.get(pk=line.pk).quantity == 4
    # when
    removed = services.cart_set_quantity(cart=cart, line_id=line.pk, quantity=0)
    # then
    assert removed is None
    assert not cart.lines.exists()


def test_remove_deletes_the_line():
    cart = services.cart_create(currency="USD")
    line = services.cart_add(cart=cart, variant_id=variant_of(make_product()).pk)
    services.cart_remove(cart=cart, line_id=line.pk)
    assert not cart.lines.exists()


def test_adding_more_than_the_stock_says_how_many_are_left():
    # given
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product(stock=2))
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=2)
    # when
    with pytest.raises(CartError) as raised:
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)
    # then
    assert raised.value.code == "insufficient_stock"
    assert raised.value.field == "quantity"
    assert raised.value.message == "Only 2 left"
    assert cart.lines.get().quantity == 2


def test_setting_more_than_the_stock_is_refused():
    cart = services.cart_create(currency="USD")
    line = services.cart_add(cart=cart, variant_id=variant_of(make_product(stock=2)).pk)
    with pytest.raises(CartError, match="Only 2 left"):
        services.cart_set_quantity(cart=cart, line_id=line.pk, quantity=3)
    assert CartLine.objects.get(pk=line.pk).quantity == 1


def test_a_sold_out_variant_is_refused():
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product(stock=0))
    with pytest.raises(CartError) as raised:
        services.cart_add(cart=cart, variant_id=variant.pk)
    assert (raised.value.code, raised.value.message) == ("insufficient_stock", "Sold out")
    assert not cart.lines.exists()


@pytest.mark.parametrize(
    "variant_input",
    [
        VariantInput(
            price=Decimal(5), stock_quantity=0, inventory_policy=Variant.InventoryPolicy.CONTINUE
        ),
        VariantInput(price=Decimal(5), stock_quantity=0, track_inventory=False),
    ],
    ids=["continue-policy", "untracked"],
)
def test_stock_does_not_limit_continue_policy_or_untracked_variants(variant_input):
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product(variants=[variant_input]))
    line = services.cart_add(cart=cart, variant_id=variant.pk, quantity=50)
    assert line.quantity == 50


@pytest.mark.parametrize("quantity", [0, -1, 1000])
def test_quantity_must_be_between_1_and_999(quantity):
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product(stock=2000))
    with pytest.raises(CartError) as raised:
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=quantity)
    assert (raised.value.code, raised.value.field) == ("quantity", "quantity")
    assert not cart.lines.exists()


def test_adding_up_to_more_than_999_is_refused():
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product(stock=2000))
    services.cart_add(cart=cart, variant_id=variant.pk, quantity=999)
    with pytest.raises(CartError, match="at most 999"):
        services.cart_add(cart=cart, variant_id=variant.pk, quantity=1)


@pytest.mark.parametrize("status", [Product.Status.DRAFT, Product.Status.ARCHIVED])
def test_a_product_that_is_not_active_is_refused(status):
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product(status=status))
    with pytest.raises(CartError) as raised:
        services.cart_add(cart=cart, variant_id=variant.pk)
    assert raised.value.code == "unavailable"


def test_an_unknown_variant_is_refused():
    cart = services.cart_create(currency="USD")
    with pytest.raises(CartError) as raised:
        services.cart_add(cart=cart, variant_id=987654)
    assert raised.value.code == "unavailable"


def test_a_variant_in_another_currency_is_refused():
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product(currency="EUR"))
    with pytest.raises(CartError) as raised:
        services.cart_add(cart=cart, variant_id=variant.pk)
    assert raised.value.code == "currency"


def test_a_line_of_another_cart_is_not_found():
    # given
    mine = services.cart_create(currency="USD")
    theirs = services.cart_create(currency="USD")
    their_line = services.cart_add(cart=theirs, variant_id=variant_of(make_product()).pk)
    # when / then
    with pytest.raises(NotFound):
        services.cart_set_quantity(cart=mine, line_id=their_line.pk, quantity=3)
    with pytest.raises(NotFound):
        services.cart_remove(cart=mine, line_id=their_line.pk)
    assert CartLine.objects.get(pk=their_line.pk).quantity == 1


def test_a_completed_cart_cannot_change():
    # given
    cart = services.cart_create(currency="USD")
    variant = variant_of(make_product())
    line = services.cart_add(cart=cart, variant_id=variant.pk)
    Cart.objects.filter(pk=cart.pk).update(completed_at=clock.now())
    # when / then: even through the stale instance, which still looks open
    for change in (
        lambda: services.cart_add(cart=cart, variant_id=variant.pk),
        lambda: services.cart_set_quantity(cart=cart, line_id=line.pk, quantity=2),
        lambda: services.cart_remove(cart=cart, line_id=line.pk),
    ):
        with pytest.raises(CartError) as raised:
            change()
        assert raised.value.code == "cart_completed"
    assert CartLine.objects.get(pk=line.pk).quantity == 1


def test_every_change_bumps_updated_at():
    # given
    start = dt.datetime(2025, 3, 1, 12, tzinfo=dt.UTC)
    with clock.frozen_at(start):
        cart = services.cart_create(currency="USD")
    # when
    later = start + dt.timedelta(hours=1)
    with clock.frozen_at(later):
        services.cart_add(cart=cart, variant_id=variant_of(make_product()).pk)
    # then
    assert Cart.objects.get(pk=cart.pk).updated_at == later
    assert cart.updated_at == later


def test_merge_moves_guest_lines_adds_quantities_and_caps_at_stock():
    # given
    customer = make_customer()
    plenty = variant_of(make_product(title="Mug", stock=10))
    scarce = variant_of(make_product(title="Vase", stock=3))
    only_guest = variant_of(make_product(title="Spoon", stock=5))
    target = services.cart_create(currency="USD", customer=customer)
    services.cart_add(cart=target, variant_id=plenty.pk, quantity=1)
    services.cart_add(cart=target, variant_id=scarce.pk, quantity=2)
    guest = services.cart_create(currency="USD")
    services.cart_add(cart=guest, variant_id=plenty.pk, quantity=4)
    services.cart_add(cart=guest, variant_id=scarce.pk, quantity=2)
    services.cart_add(cart=guest, variant_id=only_guest.pk, quantity=1)
    # when
    merged = services.cart_merge(source=guest, target=target)
    # then
    quantities = dict(merged.lines.values_list("variant_id", "quantity"))
    assert quantities == {plenty.pk: 5, scarce.pk: 3, only_guest.pk: 1}
    assert merged.notices == ("Vase: only 3 available, quantity reduced.",)
    assert not Cart.objects.filter(pk=guest.pk).exists()


def test_merge_drops_lines_that_can_no_longer_be_sold():
    # given
    customer = make_customer()
    product = make_product(title="Lamp", stock=1)
    guest = services.cart_create(currency="USD")
    services.cart_add(cart=guest, variant_id=variant_of(product).pk)
    Variant.objects.filter(product=product).update(stock_quantity=0)
    target = services.cart_create(currency="USD", customer=customer)
    # when
    merged = services.cart_merge(source=guest, target=target)
    # then
    assert not merged.lines.exists()
    assert merged.notices == ("Lamp: sold out, removed from your cart.",)


def test_cart_for_customer_returns_the_open_cart_until_it_is_completed():
    # given
    customer = make_customer()
    # when
    first = services.cart_for_customer(customer=customer, currency="USD")
    again = services.cart_for_customer(customer=customer, currency="USD")
    # then
    assert first.pk == again.pk
    assert first.customer_id == customer.pk
    # when
    Cart.objects.filter(pk=first.pk).update(completed_at=clock.now())
    after = services.cart_for_customer(customer=customer, currency="USD")
    # then
    assert after.pk != first.pk


def test_cart_by_token_finds_open_carts_only():
    cart = services.cart_create(currency="USD")
    found = selectors.cart_by_token(cart.token)
    assert found is not None and found.pk == cart.pk
    Cart.objects.filter(pk=cart.pk).update(completed_at=clock.now())
    assert selectors.cart_by_token(cart.token) is None
    assert selectors.cart_by_token("") is None
    assert selectors.cart_by_token(str(cart.pk)) is None


def test_totals_come_from_the_pricing_pipeline_at_current_prices():
    # given
    cart = services.cart_create(currency="USD")
    shirt = variant_of(make_product(price="19.99"))
    socks = variant_of(make_product(price="4.50"))
    services.cart_add(cart=cart, variant_id=shirt.pk, quantity=2)
    services.cart_add(cart=cart, variant_id=socks.pk, quantity=3)
    Variant.objects.filter(pk=socks.pk).update(price_amount=Decimal("5.00"))
    # when
    totals = selectors.cart_totals(cart)
    # then
    assert [line.subtotal for line in totals.lines] == [Decimal("39.98"), Decimal("15.00")]
    assert totals.subtotal == totals.total == Decimal("54.98")
    assert totals.currency == "USD"


def test_cart_lines_loads_variants_products_and_images_in_one_query(django_assert_num_queries):
    # given
    cart = services.cart_create(currency="USD")
    for _ in range(4):
        product = make_product(images=1)
        services.cart_add(cart=cart, variant_id=variant_of(product).pk)
    # when
    with django_assert_num_queries(1):
        lines = selectors.cart_lines(cart)
        paths = [line.variant.product.featured_image.file.name for line in lines]
        titles = [str(line.variant) for line in lines]
    # then
    assert len(lines) == 4 and all(paths) and all(titles)
