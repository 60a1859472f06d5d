"""Builders for order tests: a bare order straight in the table, numbered by the real service."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from freehold.orders.models import Order
from freehold.orders.services import order_number_next


@pytest.fixture
def make_order() -> Callable[..., Order]:
    def build(**fields: Any) -> Order:
        values: dict[str, Any] = {
            "number": order_number_next(),
            "email": "shopper@example.com",
            "currency": "EUR",
            "subtotal_amount": Decimal("40.00"),
            "total_amount": Decimal("40.00"),
        }
        values.update(fields)
        return Order.objects.create(**values)

    return build
