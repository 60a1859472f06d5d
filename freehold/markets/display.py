"""A variant's prices as one market shows them: fixed for the market, or converted.

The product page, the cart and the checkout all price a variant through `variant_prices`, so
what the shopper saw is what they are charged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from freehold.core.money import Money
from freehold.markets.pricing import MarketPricing

if TYPE_CHECKING:
    from freehold.catalog.models import Variant


@dataclass(frozen=True)
class ShownPrice:
    price: Money
    compare_at: Money | None

    @property
    def is_on_sale(self) -> bool:
        return self.compare_at is not None and self.compare_at.amount > self.price.amount


def fixed_prices(
    pricing: MarketPricing, variant_ids: Iterable[int], *, market_pk: int | None
) -> dict[int, tuple[Decimal, Decimal | None]]:
    """The market's fixed prices of these variants (one query; none for converted markets)."""
    if market_pk is None:
        return {}
    from freehold.markets.models import MarketPrice

    ids = list(variant_ids)
    if not ids:
        return {}
    rows = MarketPrice.objects.filter(
        market_id=market_pk, variant_id__in=ids, currency=pricing.currency
    ).values_list("variant_id", "price_amount", "compare_at_price_amount")
    return {variant_id: (amount, compare_at) for variant_id, amount, compare_at in rows}


def shown_price(
    pricing: MarketPricing,
    *,
    price_amount: Decimal,
    compare_at_amount: Decimal | None,
    tax_class: str,
    fixed: tuple[Decimal, Decimal | None] | None = None,
    currency: str = "",
) -> ShownPrice:
    if fixed is not None:
        amount, compare_at = fixed
        return ShownPrice(
            price=Money(amount, pricing.currency).quantize(),
            compare_at=Money(compare_at, pricing.currency).quantize()
            if compare_at is not None
            else None,
        )
    price = pricing.money(price_amount, tax_class, currency)
    assert price is not None
    return ShownPrice(price=price, compare_at=pricing.money(compare_at_amount, tax_class, currency))


def variant_prices(
    pricing: MarketPricing, variants: Iterable[Variant], *, market_pk: int | None
) -> dict[int, ShownPrice]:
    """Variant id → its shown price; the variants need `product` loaded (for the tax class)."""
    variants = list(variants)
    fixed = fixed_prices(pricing, (v.pk for v in variants), market_pk=market_pk)
    return {
        variant.pk: shown_price(
            pricing,
            price_amount=variant.price_amount,
            compare_at_amount=variant.compare_at_price_amount,
            tax_class=variant.product.tax_class or "standard",
            fixed=fixed.get(variant.pk),
            currency=variant.currency,
        )
        for variant in variants
    }
