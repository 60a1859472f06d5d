"""Paid orders count their units in `Product.sales_count`, the "Best selling" sort's key."""

from __future__ import annotations

import pytest

from freehold.catalog.models import Product
from freehold.orders.operations import order_refund
from tests.orders.builders import STAFF_ACTOR, make_variant, place_order

pytestmark = pytest.mark.django_db


def sales_count(variant) -> int:
    return Product.objects.get(pk=variant.product_id).sales_count


def test_an_order_counts_its_units_when_it_is_paid_not_before():
    mug, bowl = make_variant(title="Mug"), make_variant(title="Bowl")

    order = place_order([(mug, 3), (bowl, 1)])
    assert (sales_count(mug), sales_count(bowl)) == (0, 0)  # placed, not paid

    from freehold.payments.services import payment_mark_paid

    payment_mark_paid(order=order, actor=STAFF_ACTOR)

    assert (sales_count(mug), sales_count(bowl)) == (3, 1)


def test_a_refund_does_not_count_the_sale_again_or_take_it_back():
    mug = make_variant(title="Mug")
    order = place_order([(mug, 2)], paid=True)
    place_order([(mug, 1)], paid=True)

    order_refund(order=order, actor=STAFF_ACTOR, lines={order.lines.get().pk: 1})

    assert sales_count(mug) == 3


def test_the_best_selling_collection_follows_real_sales():
    from freehold.catalog.selectors import SortOrder, sort_products

    # "Bowl" sorts first by title; the sales must put the mug first
    mug, bowl = make_variant(title="Mug"), make_variant(title="Bowl")
    place_order([(mug, 5)], paid=True)
    place_order([(bowl, 1)], paid=True)

    products = Product.objects.filter(pk__in=[mug.product_id, bowl.product_id])
    ranked = sort_products(products, SortOrder.BEST_SELLING, collection=None)
    assert [product.title for product in ranked] == ["Mug", "Bowl"]
