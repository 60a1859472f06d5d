"""What an order looks like in a webhook: the staff API's fields, never the status-page token."""

from __future__ import annotations

from typing import Any

from freehold.core.money import Money
from freehold.orders.models import Order


def _money(amount: Any, currency: str) -> dict[str, str]:
    value = Money(amount, currency).quantize()
    return {"amount": str(value.amount), "currency": value.currency}


def order_payload(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "email": order.email,
        "status": order.status,
        "payment_status": order.payment_status,
        "fulfilment_status": order.fulfilment_status,
        "placed_at": order.placed_at.isoformat() if order.placed_at else None,
        "total": _money(order.total_amount, order.currency),
        "lines": [
            {
                "sku": line.sku,
                "product_title": line.product_title,
                "variant_title": line.variant_title,
                "quantity": line.quantity,
                "total": _money(line.total_amount, line.currency),
            }
            for line in order.lines.all()
        ],
    }
