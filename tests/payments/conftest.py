"""Builders for payment tests: a bare order straight in the table, and the test gateway."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from freehold.orders.models import Order
from freehold.payments import gateways
from freehold.payments.testgateway import TestGateway

MOMENT = dt.datetime(2025, 3, 4, 12, 30, tzinfo=dt.UTC)

_numbers = itertools.count(5001)


@pytest.fixture
def make_order() -> Callable[..., Order]:
    def build(**fields: Any) -> Order:
        values: dict[str, Any] = {
            "number": str(next(_numbers)),
            "email": "shopper@example.com",
            "currency": "EUR",
            "subtotal_amount": Decimal("50.00"),
            "total_amount": Decimal("50.00"),
        }
        values.update(fields)
        return Order.objects.create(**values)

    return build


@pytest.fixture
def test_gateway() -> TestGateway:
    gateway = gateways.get("test")
    assert isinstance(gateway, TestGateway)
    return gateway
