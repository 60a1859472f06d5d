"""An order is a snapshot: what was sold survives changes to the catalog."""

from __future__ import annotations

from decimal import Decimal

import pytest

from freehold.catalog.models import Variant
from freehold.orders.models import OrderLine
from tests.factories import make_product


@pytest.mark.django_db
def test_an_order_line_survives_deleting_its_variant(make_order):
    # given an order line for a variant
    product = make_product(title="Linen Shirt", price="49.00")
    variant = product.variants.get()
    order = make_order()
    line = OrderLine.objects.create(
        order=order,
        variant=variant,
        product_title="Linen Shirt",
        variant_title="M / Blue",
        sku="LS-M-BL",
        quantity=2,
        currency="EUR",
        unit_price_amount=Decimal("49.00"),
        total_amount=Decimal("98.00"),
        unit_cost_amount=Decimal("12.50"),
    )

    # when the variant (and its product) are deleted from the catalog
    product.delete()

    # then the line is still there with everything it copied
    assert not Variant.objects.filter(pk=variant.pk).exists()
    stored = OrderLine.objects.get(pk=line.pk)
    assert stored.variant is None
    assert stored.order == order
    assert (stored.product_title, stored.variant_title, stored.sku) == (
        "Linen Shirt",
        "M / Blue",
        "LS-M-BL",
    )
    assert (stored.quantity, stored.unit_price_amount, stored.total_amount) == (
        2,
        Decimal("49.00"),
        Decimal("98.00"),
    )
    assert stored.unit_cost_amount == Decimal("12.50")
