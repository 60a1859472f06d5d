"""Discount codes: every reason a code is refused, and taking uses without exceeding limits."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from freehold.checkout import pricing
from freehold.core import clock
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.marketing.errors import DiscountError, DiscountInvalid
from freehold.marketing.models import DiscountCode, DiscountRedemption
from freehold.marketing.services import (
    discount_create,
    discount_pause,
    discount_redeem,
    discount_resume,
    discount_update,
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
    with pytest.raises(DiscountInvalid) as error:
        percent_off("summer10")
    assert error.value.field == "code"
    assert "SUMMER10 already exists" in error.value.message


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
    with pytest.raises(DiscountInvalid) as error:
        discount_create(**{**arguments, **fields})
    assert field in error.value.errors
    assert error.value.field == field
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


# --- Editing ---------------------------------------------------------------------------------

STAFF = Actor("staff", "1", "owner@example.com")


def test_update_changes_settings_and_audits_which():
    # Given a code
    discount = percent_off("SPRING", usage_limit_total=10)

    # When staff raise the percentage and set an end date
    discount_update(discount=discount, actor=STAFF, value=Decimal(15), ends_at=JUNE, code="spring")

    # Then the row holds them, and the audit record names the changed fields only
    discount.refresh_from_db()
    assert (discount.code, discount.value, discount.ends_at) == ("SPRING", Decimal(15), JUNE)
    event = AuditEvent.objects.get(verb="discount.updated")
    assert event.data["fields"] == ["ends_at", "value"]
    assert event.actor_label == "owner@example.com"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"value": Decimal(101)}, "value"),
        ({"value": Decimal(0)}, "value"),
        ({"starts_at": JUNE, "ends_at": JUNE - dt.timedelta(days=1)}, "ends_at"),
        ({"code": "no spaces"}, "code"),
        ({"kind": DiscountCode.Kind.FIXED_AMOUNT}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"usage_limit_per_customer": 0}, "usage_limit_per_customer"),
    ],
)
def test_update_refuses_what_create_refuses_and_keeps_the_code(fields, field):
    discount = percent_off("SPRING")
    with pytest.raises(DiscountInvalid) as refused:
        discount_update(discount=discount, actor=STAFF, **fields)
    assert refused.value.field == field
    stored = DiscountCode.objects.get()
    assert (stored.value, stored.ends_at, stored.code) == (Decimal(10), None, "SPRING")
    assert not AuditEvent.objects.filter(verb="discount.updated").exists()


def test_renaming_onto_another_code_is_refused_in_any_case():
    percent_off("SPRING")
    summer = percent_off("SUMMER")
    with pytest.raises(DiscountInvalid) as refused:
        discount_update(discount=summer, actor=STAFF, code="spring")
    assert refused.value.field == "code"
    assert "SPRING already exists" in refused.value.message


def test_update_never_writes_back_a_stale_use_count():
    # Given a copy of a code read before an order took a use of it
    discount = percent_off("SPRING", usage_limit_total=5)
    with transaction.atomic():
        redeem("SPRING", order_number="1001")

    # When staff save a change through the stale copy
    discount_update(discount=discount, actor=STAFF, usage_limit_total=6)

    # Then the use taken meanwhile is kept (and the copy is brought up to date)
    stored = DiscountCode.objects.get()
    assert (stored.times_used, stored.usage_limit_total) == (1, 6)
    assert discount.times_used == 1


def test_update_refuses_fields_that_are_not_settings():
    discount = percent_off("SPRING")
    with pytest.raises(TypeError):
        discount_update(discount=discount, actor=STAFF, times_used=0)
