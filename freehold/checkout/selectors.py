"""Reading carts: by token, their lines in one query, and their totals through the pipeline.

`checkout_quote` is the one computation of what a checkout costs (discount code, shipping,
totals): the checkout page shows it and `placement._place` charges it, so the two cannot
disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from freehold.catalog.models import Variant
from freehold.checkout import pricing
from freehold.checkout.errors import CartError
from freehold.checkout.models import Cart, CartLine
from freehold.customers.models import Customer
from freehold.marketing.errors import DiscountError
from freehold.marketing.services import discount_validate
from freehold.markets.countries import normalise_country_code
from freehold.markets.models import ShippingZone
from freehold.markets.selectors import ShippingOption, shipping_options, to_pricing_shipping


def cart_by_token(token: str) -> Cart | None:
    """An open cart by its public token; completed and unknown carts are both None."""
    if not token:
        return None
    return Cart.objects.filter(token=token, completed_at__isnull=True).first()


def customer_open_cart(*, customer: Customer, currency: str) -> Cart | None:
    """A customer's latest open cart in `currency` (carts follow the customer, not a cookie)."""
    return (
        Cart.objects.filter(customer=customer, currency=currency.upper(), completed_at__isnull=True)
        .order_by("-updated_at", "-id")
        .first()
    )


def cart_lines(cart: Cart) -> list[CartLine]:
    """The lines with variant, product and featured image: everything a cart page shows."""
    return list(
        CartLine.objects.filter(cart_id=cart.pk).select_related(
            "variant", "variant__image", "variant__product", "variant__product__featured_image"
        )
    )


def stock_short(line: CartLine) -> bool:
    """Whether the line wants more than its variant had when the line was read.

    Advice only (stock may change a moment later); `catalog.services.stock_decrement`'s
    conditional UPDATE is what decides a sale.
    """
    variant = line.variant
    return (
        variant.track_inventory
        and variant.inventory_policy == Variant.InventoryPolicy.DENY
        and variant.stock_quantity < line.quantity
    )


def store_tax() -> pricing.Tax | None:
    """The store's one tax rate from its settings, or None when it charges none.

    Read from the database every time (three columns: prices are charged from it, so never
    from a cache that could lag a change). Tax by destination (markets, IOSS, duties) replaces
    this in the cross-border issue.
    """
    from freehold.storefront.models import StoreSettings  # storefront imports checkout

    row = (
        StoreSettings.objects.filter(pk=1)
        .values_list("tax_label", "tax_rate_percent", "prices_include_tax")
        .first()
    )
    if row is None or not row[1]:
        return None  # a fresh install's settings (created on first page view) charge no tax
    label, rate_percent, prices_include_tax = row
    return pricing.Tax(
        label=label or "Tax", rate=rate_percent / 100, prices_include_tax=prices_include_tax
    )


def cart_pricing_input(
    cart: Cart, *, lines: Sequence[CartLine] | None = None
) -> pricing.PricingInput:
    """The pure pipeline's input: each line at its variant's current price, with the store's tax.

    Discount and shipping are added by `checkout_quote`, which knows the code and the address.
    """
    if lines is None:
        lines = cart_lines(cart)
    return pricing.PricingInput(
        currency=cart.currency,
        tax=store_tax(),
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


@dataclass(frozen=True)
class CheckoutQuote:
    """What the cart costs for a destination and a shopper, and the choices that led there.

    `problems` (field -> message) lists what a lenient quote had to leave out: a discount code
    that no longer applies, a shipping method the destination cannot use, a missing choice.
    A strict quote raises the first of them instead.
    """

    lines: list[CartLine]
    totals: pricing.PricingResult
    country_code: str
    discount: pricing.Discount | None = None
    shipping_options: list[ShippingOption] = field(default_factory=list)
    shipping: ShippingOption | None = None
    requires_shipping: bool = False
    problems: dict[str, str] = field(default_factory=dict)
    tax: pricing.Tax | None = None

    @property
    def priced_lines(self) -> list[tuple[CartLine, pricing.LineResult]]:
        by_key = {result.key: result for result in self.totals.lines}
        return [(line, by_key[str(line.pk)]) for line in self.lines]


def checkout_quote(
    cart: Cart,
    *,
    country_code: str,
    email: str,
    lines: Sequence[CartLine] | None = None,
    strict: bool = True,
    choose_cheapest: bool = False,
) -> CheckoutQuote:
    """Price the cart as it would be sold to `email` at an address in `country_code`.

    The discount code is validated for this shopper and subtotal; shipping is re-priced from
    the destination zone's current rates for the discounted subtotal and the weight. Strict
    (placing the order) raises `DiscountError` or `CartError` on the first problem; lenient
    (showing the checkout page) leaves the problem out of the totals and reports it.

    `choose_cheapest`: when the cart has no shipping method yet but the destination has
    options, price it with the cheapest (the checkout page preselects it, and stores the
    choice when `quote.shipping` differs from the cart's), in the same computation.
    """
    lines = list(cart_lines(cart) if lines is None else lines)
    priced_input = cart_pricing_input(cart, lines=lines)
    problems: dict[str, str] = {}

    def problem(error: CartError | DiscountError) -> None:
        if strict:
            raise error
        problems.setdefault(error.field or "cart", error.message)

    discount = None
    code = next(iter(cart.discount_codes or []), "")
    if code:
        # Re-validated every time: the code may have expired or run out since it was entered.
        subtotal = pricing.calculate(priced_input).subtotal
        try:
            discount = discount_validate(
                code=code,
                currency=cart.currency,
                subtotal=subtotal,
                email=email,
                customer=cart.customer,
            )
        except DiscountError as error:
            problem(error)
        else:
            priced_input = replace(priced_input, discount=discount)

    country = normalise_country_code(country_code)
    requires_shipping = any(line.variant.requires_shipping for line in lines)
    options: list[ShippingOption] = []
    if country:
        # Priced from the zone's current rates: the client never names a price.
        before_shipping = pricing.calculate(priced_input)
        options = shipping_options(
            country_code=country,
            currency=cart.currency,
            subtotal=before_shipping.subtotal - before_shipping.discount,
            weight_grams=sum(line.variant.weight_grams * line.quantity for line in lines),
        )
    chosen = None
    if choose_cheapest and not cart.shipping_method_code and requires_shipping and options:
        chosen = options[0]
        priced_input = replace(priced_input, shipping=to_pricing_shipping(chosen))
    elif cart.shipping_method_code:
        chosen = next((o for o in options if o.code == cart.shipping_method_code), None)
        if chosen is None:
            problem(
                CartError(
                    "This shipping method is not available for your address; choose another.",
                    code="shipping_unavailable",
                    field="shipping_method",
                )
            )
        else:
            priced_input = replace(priced_input, shipping=to_pricing_shipping(chosen))
    elif requires_shipping and options:
        problem(
            CartError(
                "Choose a shipping method.", code="shipping_required", field="shipping_method"
            )
        )
    if requires_shipping and not options and lines and ShippingZone.objects.exists():
        # The store ships somewhere, but not to this address (a store without zones has not
        # set shipping up yet, and sells without a shipping charge).
        problem(
            CartError(
                "We cannot ship this order to that country yet."
                if country
                else "Enter your shipping address.",
                code="shipping_unavailable",
                field="country_code",
            )
        )
    return CheckoutQuote(
        lines=lines,
        totals=pricing.calculate(priced_input),
        country_code=country,
        discount=discount,
        shipping_options=options,
        shipping=chosen,
        requires_shipping=requires_shipping,
        problems=problems,
        tax=priced_input.tax,
    )
