"""Reading carts: by token, their lines in one query, and their totals through the pipeline."""

from __future__ import annotations

from collections.abc import Sequence

from freehold.checkout import pricing
from freehold.checkout.models import Cart, CartLine


def cart_by_token(token: str) -> Cart | None:
    """An open cart by its public token; completed and unknown carts are both None."""
    if not token:
        return None
    return Cart.objects.filter(token=token, completed_at__isnull=True).first()


def cart_lines(cart: Cart) -> list[CartLine]:
    """The lines with variant, product and featured image: everything a cart page shows."""
    return list(
        CartLine.objects.filter(cart_id=cart.pk).select_related(
            "variant", "variant__product", "variant__product__featured_image"
        )
    )


def cart_pricing_input(
    cart: Cart, *, lines: Sequence[CartLine] | None = None
) -> pricing.PricingInput:
    """The pure pipeline's input: each line at its variant's current price.

    Discounts, shipping and tax stay None until their issues land.
    """
    if lines is None:
        lines = cart_lines(cart)
    return pricing.PricingInput(
        currency=cart.currency,
        lines=[
            pricing.PricingLine(
                key=str(line.pk),
                unit_price=line.variant.price_amount,
                quantity=line.quantity,
                taxable=line.variant.taxable,
            )
            for line in lines
        ],
    )


def cart_totals(cart: Cart, *, lines: Sequence[CartLine] | None = None) -> pricing.PricingResult:
    return pricing.calculate(cart_pricing_input(cart, lines=lines))
