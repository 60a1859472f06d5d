"""What orders, products, stock and customers look like in webhooks: the staff API's fields, never
the status-page token."""

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
        "base_currency": order.base_currency,
        "base_total": _money(order.base_total_amount, order.base_currency)
        if order.base_currency
        else None,
        "fx_rate": f"{order.fx_rate.normalize():f}",
        "market": order.market_code,
        "language": order.language,
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


def variant_payload(variant: Any) -> dict[str, Any]:
    return {
        "id": variant.pk,
        "sku": variant.sku,
        "title": variant.title,
        "price": _money(variant.price_amount, variant.currency),
        "stock_quantity": variant.stock_quantity,
        "track_inventory": variant.track_inventory,
    }


def product_payload(product: Any) -> dict[str, Any]:
    """`product.updated`: the product and its variants (the caller prefetches variants)."""
    return {
        "id": product.pk,
        "handle": product.handle,
        "title": product.title,
        "status": product.status,
        "updated_at": product.updated_at.isoformat() if product.updated_at else None,
        "variants": [variant_payload(v) for v in product.variants.all()],
    }


def inventory_payload(variant: Any, *, threshold: int) -> dict[str, Any]:
    """`inventory.low`: one variant whose stock fell to the store's threshold or below."""
    return {
        "product_id": variant.product_id,
        "variant": variant_payload(variant),
        "threshold": threshold,
    }


def customer_payload(customer: Any) -> dict[str, Any]:
    return {
        "id": customer.pk,
        "email": customer.email,
        "first_name": customer.first_name,
        "last_name": customer.last_name,
        "country_code": customer.country_code,
        "accepts_marketing": customer.accepts_marketing,
        "created_at": customer.date_joined.isoformat() if customer.date_joined else None,
    }
