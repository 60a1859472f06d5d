import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from freehold.catalog.models import PriceChange, Product, ProductFacet, Redirect, Variant
from freehold.catalog.search import search_product_ids, terms
from freehold.catalog.services import (
    ProductInput,
    VariantInput,
    collection_validate_rules,
    product_create,
    product_update,
    stock_adjust,
    stock_decrement,
    variant_set_price,
)
from freehold.catalog.validators import validate_gtin
from freehold.core import clock

pytestmark = pytest.mark.django_db


def shirt(**overrides):
    data = ProductInput(
        title="Linen Shirt",
        description_html="<p>Light <b>linen</b>.</p><script>alert(1)</script>",
        product_type="Shirts",
        brand="Northwind",
        tags=["summer", "linen"],
        options=[("Size", ["S", "M"]), ("Colour", ["Sand"])],
        variants=[
            VariantInput(
                price=Decimal("49.00"), options=["S", "Sand"], sku="LS-S", stock_quantity=2
            ),
            VariantInput(
                price=Decimal("45.00"),
                compare_at_price=Decimal("60.00"),
                options=["M", "Sand"],
                sku="LS-M",
                stock_quantity=0,
            ),
        ],
    )
    for name, value in overrides.items():
        setattr(data, name, value)
    return product_create(data=data, currency="EUR")


def test_product_create_keeps_a_summary_of_its_variants():
    product = shirt()
    assert product.price_min_amount == Decimal("45.00")
    assert product.price_max_amount == Decimal("49.00")
    assert product.compare_at_amount == Decimal("60.00")
    assert product.is_on_sale
    assert product.is_in_stock  # the S still has two
    assert product.handle == "linen-shirt"
    assert set(ProductFacet.objects.filter(product=product).values_list("name", "value")) == {
        ("Size", "S"),
        ("Size", "M"),
        ("Colour", "Sand"),
    }
    assert Variant.objects.get(sku="LS-M").title == "M / Sand"


def test_description_is_sanitised():
    product = shirt()
    assert "<script>" not in product.description_html
    assert "<b>linen</b>" in product.description_html


def test_titles_that_collide_get_distinct_handles():
    first = shirt()
    second = shirt(variants=[VariantInput(price=Decimal(1), sku="OTHER")])
    assert first.handle != second.handle


def test_a_product_needs_a_variant_and_at_most_three_options():
    with pytest.raises(ValidationError, match="at least one variant"):
        shirt(variants=[])
    with pytest.raises(ValidationError, match="at most three"):
        shirt(options=[("A", ["1"]), ("B", ["1"]), ("C", ["1"]), ("D", ["1"])])


def test_a_wrong_barcode_names_the_variant():
    with pytest.raises(ValidationError) as error:
        shirt(variants=[VariantInput(price=Decimal(1), barcode="4006381333932")])
    assert "variants[1].barcode" in error.value.message_dict


@pytest.mark.parametrize(
    "code", ["4006381333931", "036000291452", "96385074", "10614141000415", ""]
)
def test_valid_gtins_pass(code):
    validate_gtin(code)


@pytest.mark.parametrize("code", ["4006381333932", "12345", "abcdefghijklm", "40063813339310"])
def test_invalid_gtins_fail(code):
    with pytest.raises(ValidationError):
        validate_gtin(code)


def test_renaming_a_handle_leaves_a_one_hop_redirect():
    product = shirt()
    product_update(product=product, handle="linen-shirt-classic")
    product_update(product=product, handle="linen-shirt-original")
    redirects = dict(Redirect.objects.values_list("old_path", "new_path"))
    assert redirects == {
        "/products/linen-shirt": "/products/linen-shirt-original",
        "/products/linen-shirt-classic": "/products/linen-shirt-original",
    }


def test_renaming_back_removes_the_redirect_that_would_loop():
    product = shirt()
    product_update(product=product, handle="other")
    product_update(product=product, handle="linen-shirt")
    assert not Redirect.objects.filter(old_path="/products/linen-shirt").exists()


def test_price_changes_are_recorded_and_move_the_summary():
    product = shirt()
    variant = Variant.objects.get(sku="LS-S")
    variant_set_price(variant=variant, price=Decimal("39.00"))
    assert list(
        PriceChange.objects.filter(variant=variant)
        .order_by("changed_at", "id")
        .values_list("price_amount", flat=True)
    ) == [Decimal("49.00"), Decimal("39.00")]
    product.refresh_from_db()
    assert product.price_min_amount == Decimal("39.00")
    with pytest.raises(ValidationError):
        variant_set_price(variant=variant, price=Decimal("-1"))


def test_stock_decrement_never_oversells():
    product = shirt()
    variant = Variant.objects.get(sku="LS-S")
    assert stock_decrement(variant_id=variant.pk, quantity=3) is False
    assert stock_decrement(variant_id=variant.pk, quantity=2) is True
    assert stock_decrement(variant_id=variant.pk, quantity=1) is False
    variant.refresh_from_db()
    product.refresh_from_db()
    assert variant.stock_quantity == 0
    assert product.is_in_stock is False


def test_continue_selling_variants_may_go_below_zero():
    shirt()
    variant = Variant.objects.get(sku="LS-M")
    variant.inventory_policy = Variant.InventoryPolicy.CONTINUE
    variant.save()
    assert stock_decrement(variant_id=variant.pk, quantity=2) is True
    variant.refresh_from_db()
    assert variant.stock_quantity == -2


def test_stock_adjust_restocks_and_updates_availability():
    product = shirt()
    Variant.objects.filter(product=product).update(stock_quantity=0)
    variant = Variant.objects.get(sku="LS-M")
    assert stock_adjust(variant=variant, delta=5) == 5
    product.refresh_from_db()
    assert product.is_in_stock


@pytest.mark.django_db(transaction=True)
def test_racing_buyers_cannot_oversell_the_last_units():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent writers need PostgreSQL")
    shirt()
    variant = Variant.objects.get(sku="LS-S")  # two in stock
    results: list[bool] = []

    def buy():
        try:
            results.append(stock_decrement(variant_id=variant.pk, quantity=1))
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    variant.refresh_from_db()
    assert results.count(True) == 2
    assert variant.stock_quantity == 0


def test_collection_rules_are_validated_with_the_rule_named():
    assert collection_validate_rules(
        [{"field": "price", "relation": "less_than", "value": 50}]
    ) == [{"field": "price", "relation": "less_than", "value": "50"}]
    with pytest.raises(ValidationError) as error:
        collection_validate_rules(
            [
                {"field": "tag", "relation": "equals", "value": "x"},
                {"field": "colour", "relation": "equals", "value": "x"},
            ]
        )
    assert "rules[2].field" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        collection_validate_rules([{"field": "price", "relation": "less_than", "value": "cheap"}])
    assert "rules[1].value" in error.value.message_dict


def test_search_matches_every_word_as_a_prefix():
    product = shirt()
    other = shirt(
        title="Wool Beanie",
        tags=["winter"],
        product_type="Hats",
        description_html="",
        variants=[VariantInput(price=Decimal(20), sku="WB")],
    )
    assert search_product_ids("lin shi") == [product.pk]
    assert search_product_ids("SUMMER") == [product.pk]
    assert search_product_ids("ls-m") == [product.pk]  # by SKU
    assert search_product_ids("beanie") == [other.pk]
    assert search_product_ids("linen beanie") == []


def test_search_ignores_inactive_products_and_hostile_queries():
    product = shirt()
    product_update(product=product, status=Product.Status.DRAFT)
    assert search_product_ids("linen") == []
    assert search_product_ids("x" * 5000) == []
    assert search_product_ids('" OR 1=1 -- ) ( * : & | !') == []
    assert search_product_ids("") == []


def test_search_follows_renames():
    product = shirt()
    assert search_product_ids("hemp") == []
    product_update(product=product, title="Hemp Overshirt")
    assert search_product_ids("hemp over") == [product.pk]


def test_query_terms_are_bounded():
    assert terms("a_b  C-d") == ["a", "b", "c", "d"]
    assert len(terms("word " * 100)) == 8
    assert all(len(t) <= 40 for t in terms("y" * 5000))


def test_published_at_is_set_when_a_draft_goes_live():
    product = shirt(status=Product.Status.DRAFT)
    assert product.published_at is None
    moment = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
    with clock.frozen_at(moment):
        product_update(product=product, status=Product.Status.ACTIVE)
    assert product.published_at == moment
