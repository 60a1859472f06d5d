"""Order numbers: short, human, unique and increasing, even under concurrent checkouts."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from freehold.orders.models import Order, OrderNumberSequence
from freehold.orders.services import (
    order_number_continue_after,
    order_number_last,
    order_number_next,
)


@pytest.mark.django_db
def test_the_first_order_number_is_1001_and_numbers_increase_by_one():
    # given no order numbers handed out yet
    assert not OrderNumberSequence.objects.exists()

    # when five numbers are taken
    numbers = [order_number_next() for _ in range(5)]

    # then they are distinct, increasing and human-sized
    assert numbers == ["1001", "1002", "1003", "1004", "1005"]


@pytest.mark.django_db
def test_the_number_is_not_the_primary_key_and_the_token_is_unguessable(make_order):
    # given two orders
    first, second = make_order(), make_order()

    # then numbers follow each other, tokens are long, random and distinct
    assert int(second.number) == int(first.number) + 1
    assert first.number != str(first.pk)
    assert len(first.token) >= 32
    assert first.token != second.token


@pytest.mark.django_db
def test_the_sequence_can_continue_where_another_shop_left_off():
    # given a store that migrated with its last order number 5400
    order_number_continue_after(last_value=5400)

    # when the next order is numbered
    number = order_number_next()

    # then numbering continues
    assert number == "5401"


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_concurrent_checkouts_get_distinct_numbers():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer anyway")
    # given ten checkouts finishing at the same moment
    threads_count = 10
    barrier = threading.Barrier(threads_count)
    numbers: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def take_number() -> None:
        try:
            barrier.wait(timeout=30)
            number = order_number_next()
            with lock:
                numbers.append(number)
        except BaseException as error:  # reported below, not swallowed
            with lock:
                errors.append(error)
        finally:
            connection.close()

    # when each takes an order number at once
    threads = [threading.Thread(target=take_number) for _ in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # then every one got its own number, and together they fill the range
    assert errors == []
    assert sorted(numbers, key=int) == [str(1001 + offset) for offset in range(threads_count)]
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_the_next_number_follows_the_highest_order_even_when_the_counter_lags(make_order):
    # given orders numbered up to 1002 and a counter row left behind at 1000 (PostgreSQL's
    # sequence does not write the row)
    make_order(), make_order()
    OrderNumberSequence.objects.update_or_create(pk=1, defaults={"last_value": 1000})

    # then the seed (which numbers orders in bulk) continues after the highest order
    assert order_number_last() == 1002
