"""Discount codes: every reason a code is refused, and taking uses without exceeding limits."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from freehold.checkout import pricing
from freehold.core import clock
from freehold.customers.models import Customer
from freehold.marketing.errors import DiscountError
from freehold.marketing.models import DiscountCode, DiscountRedemption
from freehold.marketing.services import (
    discount_create,
    discount_pause,
    discount_redeem,
    discount_resume,
    discount_validate,
)

pytestmark = pytest.mark.django_db

JUNE = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def percent_off(code: str = "SUMMER10", **fields: object) -> DiscountCode:
    return discount_create(
        code=code, kind=DiscountCode.Kind.PERCENTAGE, value=Decimal(10), **fields
    )


def refusal(**arguments: object) -> DiscountError:
    arguments = {"code": "SUMMER10", "currency": "EUR", "subtotal": Decimal(100), **arguments}
    with pytest.raises(DiscountError) as error:
        discount_validate(**arguments)  # type: ignore[arg-type]
    assert error.value.field == "discount_code"
    return error.value


def redeem(
    code: str = "SUMMER10", *, order_number: str, email: str = "ada@example.com", **extra: object
) -> None:
    discount_redeem(
        code=code,
        order_number=order_number,
        email=email,
        amount=Decimal(10),
        currency="EUR",
        **extra,  # type: ignore[arg-type]
    )


def test_a_valid_code_becomes_the_pricing_discount():
    # given
    discount_create(
        code="tenoff",
        kind=DiscountCode.Kind.FIXED_AMOUNT,
        value=Decimal(10),
        currency="eur",
        minimum_subtotal_amount=Decimal(50),
    )
    # when
    result = discount_validate(code="TenOff", currency="EUR", subtotal=Decimal(50))
    # then
    assert result == pricing.Discount(
        code="TENOFF",
        kind=pricing.DiscountKind.FIXED_AMOUNT,
        value=Decimal(10),
        minimum_subtotal=Decimal(50),
    )
    assert DiscountCode.objects.get().code == "TENOFF"


def test_codes_are_unique_whatever_their_case():
    percent_off("SUMMER10")
    with pytest.raises(ValidationError) as error:
        percent_off("summer10")
    assert "code" in error.value.message_dict


def test_the_database_refuses_a_lower_case_code_written_around_the_model():
    discount = percent_off("SUMMER10")
    with pytest.raises(IntegrityError), transaction.atomic():
        DiscountCode.objects.filter(pk=discount.pk).update(code="summer10")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"code": "AB"}, "code"),
        ({"code": "SUMMER 10"}, "code"),
        ({"code": "X" * 65}, "code"),
        ({"kind": DiscountCode.Kind.FIXED_AMOUNT}, "currency"),
        ({"value": Decimal(101)}, "value"),
        ({"value": Decimal(-1)}, "value"),
        ({"starts_at": JUNE, "ends_at": JUNE}, "ends_at"),
        ({"usage_limit_total": 0}, "usage_limit_total"),
    ],
)
def test_create_refuses_a_code_that_cannot_work(fields, field):
    arguments = {"code": "SUMMER10", "kind": DiscountCode.Kind.PERCENTAGE, "value": Decimal(10)}
    with pytest.raises(ValidationError) as error:
        discount_create(**{**arguments, **fields})
    assert field in error.value.message_dict
    assert not DiscountCode.objects.exists()


def test_an_unknown_code_is_refused():
    assert refusal(code="NOPE").code == "unknown"


def test_a_paused_code_is_refused_until_it_is_resumed():
    # given
    discount = percent_off()
    # when
    discount_pause(discount=discount)
    # then
    assert refusal().code == "inactive"
    discount_resume(discount=discount)
    assert discount_validate(code="summer10", currency="EUR", subtotal=Decimal(1)).value == 10


def test_a_code_works_only_inside_its_window():
    # given: June only
    percent_off(starts_at=JUNE, ends_at=JUNE + dt.timedelta(days=30))
    # then
    with clock.frozen_at(JUNE - dt.timedelta(seconds=1)):
        assert refusal().code == "not_started"
    with clock.frozen_at(JUNE):
        assert discount_validate(code="SUMMER10", currency="EUR", subtotal=Decimal(5)).value == 10
    with clock.frozen_at(JUNE + dt.timedelta(days=30)):
        assert refusal().code == "expired"


def test_a_fixed_amount_works_only_in_its_currency():
    discount_create(
        code="TENOFF", kind=DiscountCode.Kind.FIXED_AMOUNT, value=Decimal(10), currency="EUR"
    )
    assert refusal(code="tenoff", currency="USD").code == "currency"


def test_a_minimum_subtotal_says_how_much_to_spend():
    # given
    percent_off(minimum_subtotal_amount=Decimal(50))
    # when
    error = refusal(subtotal=Decimal("49.99"))
    # then
    assert error.code == "minimum_not_met"
    assert "€50.00" in error.message


def test_a_code_used_up_is_refused():
    # given
    percent_off(usage_limit_total=1)
    redeem(order_number="1001")
    # then
    assert refusal(email="bob@example.com").code == "usage_limit_reached"


def test_a_once_per_customer_code_is_refused_to_the_same_email_in_any_case():
    # given
    percent_off(usage_limit_per_customer=1)
    redeem(order_number="1001", email="Ada@Example.com")
    # then
    assert refusal(email="ADA@example.COM").code == "already_used"
    assert (
        discount_validate(
            code="SUMMER10", currency="EUR", subtotal=Decimal(100), email="bob@example.com"
        ).code
        == "SUMMER10"
    )


def test_a_once_per_customer_code_is_refused_to_the_account_under_another_email():
    # given
    customer = Customer.objects.create_user("ada@example.com", "secret")
    percent_off(usage_limit_per_customer=1)
    redeem(order_number="1001", email="ada@work.example", customer=customer)
    # then
    assert refusal(email="ada+new@example.com", customer=customer).code == "already_used"


def test_redeem_takes_one_use_and_records_who_used_it():
    # given
    customer = Customer.objects.create_user("ada@example.com", "secret")
    percent_off(usage_limit_total=5)
    # when
    redeem("summer10", order_number="1001", email=" Ada@Example.com ", customer=customer)
    # then
    assert DiscountCode.objects.get().times_used == 1
    redemption = DiscountRedemption.objects.get()
    assert (redemption.order_number, redemption.email, redemption.customer) == (
        "1001",
        "ada@example.com",
        customer,
    )
    assert (redemption.amount, redemption.currency) == (Decimal(10), "EUR")


def test_redeem_over_the_total_limit_raises_and_takes_nothing():
    # given
    percent_off(usage_limit_total=1)
    redeem(order_number="1001")
    # when
    with pytest.raises(DiscountError) as error, transaction.atomic():
        redeem(order_number="1002", email="bob@example.com")
    # then
    assert error.value.code == "usage_limit_reached"
    assert DiscountCode.objects.get().times_used == 1
    assert DiscountRedemption.objects.count() == 1


def test_redeem_over_the_per_customer_limit_raises():
    percent_off(usage_limit_per_customer=2)
    redeem(order_number="1001", email="ada@example.com")
    redeem(order_number="1002", email="ada@example.com")
    with pytest.raises(DiscountError) as error:
        redeem(order_number="1003", email="ADA@example.com")
    assert error.value.code == "already_used"
    assert DiscountCode.objects.get().times_used == 2


@pytest.mark.django_db(transaction=True)
def test_redeem_refuses_to_run_outside_a_transaction():
    # given: autocommit, where a use could not be rolled back with a failed order
    percent_off()
    # when
    with pytest.raises(RuntimeError):
        redeem(order_number="1001")
    # then
    assert DiscountCode.objects.get().times_used == 0


@pytest.mark.django_db(transaction=True)
def test_racing_checkouts_take_exactly_the_uses_there_are():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    # given
    percent_off(usage_limit_total=10)
    outcomes: list[str] = []
    start = threading.Barrier(40)

    def checkout(number: int) -> None:
        try:
            start.wait()
            with transaction.atomic():
                redeem(order_number=str(1000 + number), email=f"shopper{number}@example.com")
            outcomes.append("redeemed")
        except DiscountError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=checkout, args=(number,)) for number in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # then
    assert outcomes.count("redeemed") == 10
    assert outcomes.count("usage_limit_reached") == 30
    assert DiscountCode.objects.get().times_used == 10
    assert DiscountRedemption.objects.count() == 10
