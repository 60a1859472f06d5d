"""Reading carts: by token, their lines in one query, and their totals through the pipeline.

`checkout_quote` is the one computation of what a checkout costs (discount code, shipping,
totals): the checkout page shows it and `placement._place` charges it, so the two cannot
disagree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from freehold.catalog.models import Variant
from freehold.checkout import pricing
from freehold.checkout.errors import CartError
from freehold.checkout.models import Cart, CartLine
from freehold.customers.models import Customer
from freehold.marketing.errors import DiscountError
from freehold.marketing.services import discount_validate
from freehold.markets.countries import normalise_country_code
from freehold.markets.display import ShownPrice, variant_prices
from freehold.markets.models import ShippingZone
from freehold.markets.pricing import MarketPricing, pricing_or_default
from freehold.markets.resolution import MarketInfo, market_config
from freehold.markets.selectors import (
    ShippingAvailability,
    ShippingOption,
    shipping_availability,
    to_pricing_shipping,
)
from freehold.taxes.checkout import TaxSetup, pricing_tax


def cart_by_token(token: str) -> Cart | None:
    """An open cart by its public token; completed and unknown carts are both None."""
    if not token:
        return None
    return Cart.objects.filter(token=token, completed_at__isnull=True).first()


def customer_open_cart(*, customer: Customer, currency: str | None = None) -> Cart | None:
    """A customer's latest open cart (in `currency`, if given): carts follow the customer, not
    a cookie, and the storefront moves the cart to the market the customer shops in."""
    carts = Cart.objects.filter(customer=customer, completed_at__isnull=True)
    if currency is not None:
        carts = carts.filter(currency=currency.upper())
    return carts.order_by("-updated_at", "-id").first()


def cart_lines(cart: Cart) -> list[CartLine]:
    """The lines with variant, product and featured image: everything a cart page shows."""
    return list(
        CartLine.objects.filter(cart_id=cart.pk).select_related(
            "variant",
            "variant__image",
            "variant__product",
            "variant__product__featured_image",
            # Marketplace: whose product it is, read with the line (placement splits by it).
            "variant__product__vendor_link",
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


def cart_tax_setup(
    cart: Cart, *, country: str = "", region: str | None = None, market_pricing: MarketPricing
) -> TaxSetup:
    """The tax engine for the cart's destination: the given country, else the cart's address,
    else the market's main country, else the store's; the region from the cart's address in
    that country when not given. The market says DDP or DAP and whether prices include tax.
    """
    stored = cart.shipping_address or {}
    market = cart_market(cart)
    destination = normalise_country_code(
        country
        or str(stored.get("country_code", ""))
        or market.main_country
        or market_config().default_country
    )
    same_country = normalise_country_code(str(stored.get("country_code", ""))) == destination
    if region is None:
        region = str(stored.get("region", "")) if same_country else ""
    if market_pricing.passthrough:
        # A store without markets shows its catalog prices as they are: they contain the
        # store's own rate, if any.
        base_rate = market_pricing.base_rate if market_pricing.base_prices_include_tax else 0
        prices_include_tax = market_pricing.base_prices_include_tax

        def included_rate(tax_class: str) -> Decimal:
            return Decimal(0) if tax_class == "zero" else Decimal(base_rate)

    else:
        prices_include_tax = market_pricing.prices_include_tax
        included_rate = market_pricing.included_rate
    return pricing_tax(
        country=destination,
        region=region,
        postcode=str(stored.get("postal_code", "")) if same_country else "",
        duties_mode=market.duties_mode,
        prices_include_tax=prices_include_tax,
        included_rate=included_rate,
    )


def cart_pricing_input(
    cart: Cart,
    *,
    lines: Sequence[CartLine] | None = None,
    country: str = "",
    region: str | None = None,
) -> pricing.PricingInput:
    """The pure pipeline's input: each line at its variant's current price, with the tax of
    the destination (`cart_tax_setup`).

    Discount and shipping are added by `checkout_quote`, which knows the code and the address.
    """
    if lines is None:
        lines = cart_lines(cart)
    market_pricing = cart_market_pricing(cart, country=country)
    shown = cart_line_prices(cart, lines, market_pricing)
    tax_setup = cart_tax_setup(cart, country=country, region=region, market_pricing=market_pricing)
    return tax_setup.apply(
        pricing.PricingInput(
            # A store without markets sells in the cart's (and its catalog's) own currency.
            currency=cart.currency if market_pricing.passthrough else market_pricing.currency,
            lines=[
                pricing.PricingLine(
                    key=str(line.pk),
                    unit_price=shown[line.variant_id].price.amount,
                    quantity=line.quantity,
                    taxable=line.variant.taxable,
                    tax_class=line.variant.product.tax_class or "standard",
                    hs_code=line.variant.product.hs_code,
                    product_type=line.variant.product.product_type,
                )
                for line in lines
            ],
        )
    )


def cart_market(cart: Cart) -> MarketInfo:
    """The market the cart is priced in: its own, or the default one if that market is gone."""
    config = market_config()
    return config.by_code(cart.market_code) or config.default


def cart_market_pricing(cart: Cart, *, country: str = "") -> MarketPricing:
    """The cart market's prices for a destination: the address's country, else the one the
    shopper browsed in (kept on the cart), else the market's main country."""
    config = market_config()
    market = cart_market(cart)
    destination = normalise_country_code(
        country
        or str((cart.shipping_address or {}).get("country_code", ""))
        or market.main_country
        or config.default_country
    )
    return pricing_or_default(config, market=market, country=destination)


def cart_line_prices(
    cart: Cart, lines: Sequence[CartLine], market_pricing: MarketPricing
) -> dict[int, ShownPrice]:
    """Variant id → the price the cart's market shows for it (fixed ones in one query)."""
    market = cart_market(cart)
    market_pk = market.pk if market.uses_fixed_prices else None
    return variant_prices(market_pricing, [line.variant for line in lines], market_pk=market_pk)


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
    # Countries the store ships to (None: everywhere, or not known without a destination).
    shipped_countries: frozenset[str] | None = None

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
    region: str | None = None,
    postal_code: str | None = None,
) -> CheckoutQuote:
    """Price the cart as it would be sold to `email` at an address in `country_code`.

    `region` and `postal_code` place the address in its shipping zone (a zone may price
    Hawaii or the "BT" postcodes apart from the rest of their country); None takes them from
    the cart's stored address when it is in the same country (callers that only know the
    country quote the address the shopper typed).

    The discount code is validated for this shopper and subtotal; shipping is re-priced from
    the destination zone's current rates for the discounted subtotal and the weight. Strict
    (placing the order) raises `DiscountError` or `CartError` on the first problem; lenient
    (showing the checkout page) leaves the problem out of the totals and reports it.

    `choose_cheapest`: when the cart has no shipping method yet but the destination has
    options, price it with the cheapest (the checkout page preselects it, and stores the
    choice when `quote.shipping` differs from the cart's), in the same computation.
    """
    lines = list(cart_lines(cart) if lines is None else lines)
    priced_input = cart_pricing_input(cart, lines=lines, country=country_code, region=region)
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
                currency=priced_input.currency,
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
    availability: ShippingAvailability | None = None
    if country:
        # Priced from the zone's current rates: the client never names a price.
        before_shipping = pricing.calculate(priced_input)
        stored = cart.shipping_address or {}
        if normalise_country_code(str(stored.get("country_code", ""))) != country:
            stored = {}  # the region and postcode of another country mean nothing here
        availability = shipping_availability(
            country_code=country,
            region=str(stored.get("region", "")) if region is None else region,
            postal_code=str(stored.get("postal_code", "")) if postal_code is None else postal_code,
            currency=priced_input.currency,
            subtotal=before_shipping.subtotal - before_shipping.discount,
            weight_grams=sum(line.variant.weight_grams * line.quantity for line in lines),
        )
        options = availability.options
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
                availability.unavailable_message()
                if availability is not None
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
        shipped_countries=availability.shipped_countries if availability is not None else None,
    )
