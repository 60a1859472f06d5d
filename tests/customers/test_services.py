"""Account services: registering (and linking an order), profile, password, addresses, buy again."""

from __future__ import annotations

import pytest

from freehold.catalog.models import Product, Variant
from freehold.checkout.models import Cart
from freehold.checkout.services import cart_create
from freehold.core.errors import ValidationFailed
from freehold.customers import services
from freehold.customers.models import Address, Customer
from tests.customers.builders import ADDRESS, PASSWORD, make_customer, make_variant, place_order

pytestmark = pytest.mark.django_db


# --- Registering ----------------------------------------------------------------------------


def test_register_stores_a_lower_case_login_and_opt_in_consent_with_its_time():
    # When a shopper registers with a mixed-case address and ticks the newsletter box
    customer = services.customer_register(
        email="  Ana@Example.COM ",
        password=PASSWORD,
        first_name="Ana",
        accepts_marketing=True,
    )

    # Then the login is normalised, the password works and the consent is recorded
    assert customer.email == "ana@example.com"
    assert customer.check_password(PASSWORD)
    assert customer.accepts_marketing is True
    assert customer.accepts_marketing_updated_at is not None


def test_register_refuses_an_e_mail_that_has_an_account_in_any_case():
    # Given an account
    make_customer("ana@example.com")

    # When someone registers the same address in capitals
    with pytest.raises(ValidationFailed) as refused:
        services.customer_register(email="ANA@example.com", password=PASSWORD)

    # Then it is refused on the e-mail field
    assert refused.value.field == "email"
    assert Customer.objects.count() == 1


def test_register_with_an_order_token_links_that_order_and_no_other():
    # Given two guest orders with the same e-mail address
    variant = make_variant()
    first = place_order((variant, 1), email="ana@example.com")
    second = place_order((variant, 1), email="ana@example.com")

    # When Ana registers from the first order's confirmation page
    customer = services.customer_register(
        email="ana@example.com", password=PASSWORD, order_token=first.token
    )

    # Then only that order is hers
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.customer == customer
    assert second.customer is None


def test_an_order_that_belongs_to_a_customer_is_never_relinked():
    # Given an order of Bruno's
    bruno = make_customer("bruno@example.com")
    order = place_order((make_variant(), 1), customer=bruno, email="bruno@example.com")

    # When someone registers with its token
    services.customer_register(email="eve@example.com", password=PASSWORD, order_token=order.token)

    # Then it stays Bruno's
    order.refresh_from_db()
    assert order.customer == bruno


# --- Profile --------------------------------------------------------------------------------


def test_profile_update_time_stamps_only_a_changed_consent(customer: Customer):
    # Given a customer who did not opt in
    assert customer.accepts_marketing_updated_at is None

    # When the name changes but not the consent
    services.customer_update_profile(
        customer=customer,
        email=customer.email,
        first_name="Ana",
        last_name="Lima",
        accepts_marketing=False,
    )

    # Then no consent change is recorded
    customer.refresh_from_db()
    assert customer.full_name == "Ana Lima"
    assert customer.accepts_marketing_updated_at is None

    # When she opts in
    services.customer_update_profile(
        customer=customer,
        email=customer.email,
        first_name="Ana",
        last_name="Lima",
        accepts_marketing=True,
    )

    # Then it is
    customer.refresh_from_db()
    assert customer.accepts_marketing is True
    assert customer.accepts_marketing_updated_at is not None


def test_profile_update_refuses_another_customers_e_mail(customer: Customer):
    make_customer("bruno@example.com")

    with pytest.raises(ValidationFailed) as refused:
        services.customer_update_profile(
            customer=customer,
            email="Bruno@example.com",
            first_name="",
            last_name="",
            accepts_marketing=False,
        )

    assert refused.value.field == "email"
    customer.refresh_from_db()
    assert customer.email == "ana@example.com"


# --- Addresses ------------------------------------------------------------------------------


def test_the_first_address_is_the_default_and_a_later_one_can_take_over(customer: Customer):
    # Given two saved addresses
    home = services.address_create(customer=customer, data=ADDRESS)
    office = services.address_create(customer=customer, data={**ADDRESS, "line1": "Av. 1"})

    # Then the first is the default
    home.refresh_from_db()
    office.refresh_from_db()
    assert (home.is_default, office.is_default) == (True, False)

    # When the second is made the default
    services.address_set_default(address=office)

    # Then it is the only default
    assert list(
        Address.objects.filter(customer=customer, is_default=True).values_list("pk", flat=True)
    ) == [office.pk]


def test_deleting_the_default_address_passes_the_default_on(customer: Customer):
    home = services.address_create(customer=customer, data=ADDRESS)
    office = services.address_create(customer=customer, data={**ADDRESS, "line1": "Av. 1"})

    services.address_delete(address=home)

    office.refresh_from_db()
    assert office.is_default is True


def test_an_incomplete_address_is_refused_field_by_field(customer: Customer):
    with pytest.raises(services.AddressInvalid) as refused:
        services.address_create(
            customer=customer, data={**ADDRESS, "line1": " ", "country_code": "XX"}
        )

    assert set(refused.value.errors) == {"line1", "country_code"}
    assert not Address.objects.exists()


# --- Buying again ---------------------------------------------------------------------------


def test_buy_again_adds_what_is_still_sold_and_reports_the_rest(customer: Customer):
    # Given an order of three products, one since sold out and one since retired
    kept = make_variant(title="Stoneware Mug", stock=10)
    sold_out = make_variant(title="Canvas Tote", stock=5)
    retired = make_variant(title="Linen Apron", stock=5)
    order = place_order((kept, 2), (sold_out, 1), (retired, 1), customer=customer)
    Variant.objects.filter(pk=sold_out.pk).update(stock_quantity=0)
    Product.objects.filter(pk=retired.product_id).update(status=Product.Status.ARCHIVED)
    cart = cart_create(currency="EUR", customer=customer)

    # When the customer buys it again
    result = services.order_buy_again(order=order, cart=cart)

    # Then the mug is in the cart and the other two are explained
    assert result.added == 2
    assert list(cart.lines.values_list("variant_id", "quantity")) == [(kept.pk, 2)]
    assert result.problems == [
        "Canvas Tote: sold out",
        "Linen Apron: this product is no longer available.",
    ]


def test_buy_again_reports_a_variant_deleted_since(customer: Customer):
    variant = make_variant(title="Stoneware Mug")
    order = place_order((variant, 1), customer=customer)
    variant.delete()

    result = services.order_buy_again(order=order, cart=cart_create(currency="EUR"))

    assert result.added == 0
    assert result.problems == ["Stoneware Mug: this product is no longer available."]
    assert not Cart.objects.filter(lines__isnull=False).exists()
