"""Changes to carts: every rule a shopper can run into before checkout lives here.

Each mutation locks the cart row first (`select_for_update`), so two requests from the same
shopper (a double click, two tabs) apply one after the other instead of both reading the old
quantity; then it refuses a completed cart and bumps `updated_at`.

Stock is checked when a line changes, against the variant as it is now. That is advice to the
shopper, not a reservation: the order service decrements stock with a conditional update at
checkout, which is where "sold out" is decided for good.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext

from freehold.catalog.models import Product, Variant
from freehold.checkout import selectors
from freehold.checkout.errors import CartError, CheckoutInvalid
from freehold.checkout.models import Cart, CartLine
from freehold.core import clock
from freehold.core.errors import NotFound
from freehold.customers import addresses
from freehold.customers.models import Customer
from freehold.marketing.errors import DiscountError
from freehold.marketing.models import normalise_code
from freehold.marketing.services import discount_validate
from freehold.markets.resolution import market_config
from freehold.markets.selectors import same_shipping_zone

MAXIMUM_QUANTITY = 999

# The keys of a shipping address snapshot (the same the demo orders and the e-mails use), with
# the longest value each may hold. What each country requires and accepts is
# `freehold.customers.addresses` (Google's address metadata, libphonenumber).
ADDRESS_FIELDS: dict[str, int] = {
    "first_name": 100,
    "last_name": 100,
    "company": 255,
    "line1": 255,
    "line2": 255,
    "city": 100,
    "city_area": 100,
    "postal_code": 20,
    "region": 100,
    "country_code": 2,
    "phone": 32,
}


def _lock_open(cart: Cart) -> Cart:
    """The cart's current row, locked; refuses a cart that has become an order."""
    locked = Cart.objects.select_for_update().get(pk=cart.pk)
    if locked.completed_at is not None:
        cart.completed_at = locked.completed_at
        raise CartError(
            gettext("This cart has already been checked out and can no longer be changed."),
            code="cart_completed",
        )
    return locked


def _lock_open_and_touch(cart: Cart) -> None:
    """Lock the cart's row and bump `updated_at` in one statement (the UPDATE takes the lock).

    For changes that need nothing from the locked row but the lock itself; a completed (or
    deleted) cart is refused as `_lock_open` refuses it.
    """
    moment = clock.now()
    if Cart.objects.filter(pk=cart.pk, completed_at__isnull=True).update(updated_at=moment):
        cart.updated_at = moment
        return
    _lock_open(cart)  # raises: completed, or gone
    raise CartError(gettext("This cart can no longer be changed."), code="cart_completed")


def _touch(cart: Cart) -> None:
    cart.updated_at = clock.now()
    Cart.objects.filter(pk=cart.pk).update(updated_at=cart.updated_at)


def _check_quantity(quantity: int) -> None:
    if quantity < 1:
        raise CartError(
            gettext("The quantity must be at least 1."), code="quantity", field="quantity"
        )
    if quantity > MAXIMUM_QUANTITY:
        raise CartError(
            gettext("The quantity can be at most %(maximum)s.") % {"maximum": MAXIMUM_QUANTITY},
            code="quantity",
            field="quantity",
        )


def _check_sellable(*, cart: Cart, variant: Variant) -> None:
    if variant.product.status != Product.Status.ACTIVE:
        raise CartError(
            gettext("This product is no longer available."), code="unavailable", field="variant_id"
        )
    # Catalog prices are in the store's base currency; each market converts them (or fixes
    # its own). A variant in another currency is a data error no conversion should hide.
    # A store without markets sells in one currency: the cart's must be the variant's.
    config = market_config()
    base_currency = config.base_currency if config.default.pk is not None else cart.currency
    if variant.currency != base_currency:
        raise CartError(
            gettext("This product is priced in %(product)s, but your cart is in %(cart)s.")
            % {"product": variant.currency, "cart": base_currency},
            code="currency",
            field="variant_id",
        )


def _available(variant: Variant) -> int | None:
    """How many can be sold, or None when stock does not limit this variant."""
    if not variant.track_inventory or variant.inventory_policy == Variant.InventoryPolicy.CONTINUE:
        return None
    return max(variant.stock_quantity, 0)


def stock_problem(*, variant: Variant, quantity: int) -> str:
    """ "Sold out" or "Only 2 left" when `quantity` exceeds what can be sold now, else ""."""
    available = _available(variant)
    if available is None or quantity <= available:
        return ""
    if available == 0:
        return gettext("Sold out")
    return gettext("Only %(count)s left") % {"count": available}


def _check_stock(*, variant: Variant, quantity: int) -> None:
    message = stock_problem(variant=variant, quantity=quantity)
    if message:
        raise CartError(message, code="insufficient_stock", field="quantity")


def _line_of(*, cart: Cart, line_id: int) -> CartLine:
    line = (
        CartLine.objects.select_related("variant__product")
        .filter(pk=line_id, cart_id=cart.pk)
        .first()
    )
    if line is None:
        raise NotFound(gettext("This item is not in your cart."), field="line_id")
    return line


@transaction.atomic
def cart_create(*, currency: str, customer: Customer | None = None, market_code: str = "") -> Cart:
    currency = currency.upper()
    if len(currency) != 3 or not currency.isalpha():
        raise CartError(f"{currency!r} is not a currency code.", code="currency", field="currency")
    return Cart.objects.create(currency=currency, customer=customer, market_code=market_code)


def cart_set_market(*, cart: Cart, market_code: str, currency: str) -> Cart:
    """Move an open cart to the market the shopper now shops in (they chose another country
    in the selector). Prices are read from the variants at every quote, so nothing else
    changes; a discount code in the old currency is re-validated at the next quote."""
    if cart.market_code == market_code and cart.currency == currency:
        return cart
    cart.market_code = market_code
    cart.currency = currency
    cart.updated_at = clock.now()
    Cart.objects.filter(pk=cart.pk, completed_at__isnull=True).update(
        market_code=market_code, currency=currency, updated_at=cart.updated_at
    )
    return cart


def _sellable_variant(variant_id: int) -> Variant:
    variant = Variant.objects.select_related("product").filter(pk=variant_id).first()
    if variant is None:
        raise CartError(
            gettext("This product is no longer available."), code="unavailable", field="variant_id"
        )
    return variant


@transaction.atomic
def cart_add(*, cart: Cart, variant_id: int, quantity: int = 1) -> CartLine:
    """Put `quantity` of a variant in the cart; a variant already there gets more."""
    _check_quantity(quantity)
    _lock_open_and_touch(cart)  # the currency, all the checks need, never changes
    variant = _sellable_variant(variant_id)
    _check_sellable(cart=cart, variant=variant)
    line = CartLine.objects.filter(cart_id=cart.pk, variant_id=variant.pk).first()
    total = quantity + (line.quantity if line else 0)
    _check_quantity(total)
    _check_stock(variant=variant, quantity=total)
    if line is None:
        line = CartLine.objects.create(cart=cart, variant=variant, quantity=total)
    else:
        line.variant = variant  # loaded with its product above: callers name it
        line.quantity = total
        line.save(update_fields=["quantity"])
    return line


@transaction.atomic
def cart_start(
    *,
    currency: str,
    variant_id: int,
    quantity: int = 1,
    customer: Customer | None = None,
    market_code: str = "",
) -> CartLine:
    """A new cart holding its first line (`line.cart`), in one transaction.

    The first add-to-cart of a visit: the same checks as `cart_add`, without locking a cart
    nobody else can know yet. Nothing is created when the variant cannot be added.
    """
    _check_quantity(quantity)
    currency = currency.upper()
    if len(currency) != 3 or not currency.isalpha():
        raise CartError(f"{currency!r} is not a currency code.", code="currency", field="currency")
    variant = _sellable_variant(variant_id)
    cart = Cart(currency=currency, customer=customer, market_code=market_code)
    _check_sellable(cart=cart, variant=variant)
    _check_stock(variant=variant, quantity=quantity)
    cart.save(force_insert=True)
    return CartLine.objects.create(cart=cart, variant=variant, quantity=quantity)


@transaction.atomic
def cart_set_quantity(*, cart: Cart, line_id: int, quantity: int) -> CartLine | None:
    """Set a line's quantity; 0 removes the line (and returns None)."""
    locked = _lock_open(cart)
    line = _line_of(cart=locked, line_id=line_id)
    if quantity == 0:
        line.delete()
        _touch(cart)
        return None
    _check_quantity(quantity)
    _check_sellable(cart=locked, variant=line.variant)
    _check_stock(variant=line.variant, quantity=quantity)
    line.quantity = quantity
    line.save(update_fields=["quantity"])
    _touch(cart)
    return line


@transaction.atomic
def cart_remove(*, cart: Cart, line_id: int) -> None:
    locked = _lock_open(cart)
    _line_of(cart=locked, line_id=line_id).delete()
    _touch(cart)


@transaction.atomic
def cart_merge(*, source: Cart, target: Cart) -> Cart:
    """Move a guest cart's lines into the customer's cart at login, then delete the guest cart.

    Quantities add up. Where the sum exceeds the stock (or the quantity limit) the line is
    capped to what can be sold, and a line that cannot be sold at all (sold out, product
    withdrawn, another currency) is dropped: a login must never fail because of the cart, so
    nothing is refused; `target.notices` says what changed, for the next page to show.
    """
    if source.pk == target.pk:
        return target
    first, second = sorted([source, target], key=lambda cart: cart.pk)
    _lock_open(first)
    _lock_open(second)
    existing = {line.variant_id: line for line in CartLine.objects.filter(cart_id=target.pk)}
    notices: list[str] = []
    moving = CartLine.objects.filter(cart_id=source.pk).select_related("variant__product")
    for line in moving:
        variant = line.variant
        title = str(variant)
        try:
            _check_sellable(cart=target, variant=variant)
        except CartError as error:
            notices.append(
                gettext("%(title)s: %(problem)s") % {"title": title, "problem": error.message}
            )
            continue
        current = existing.get(variant.pk)
        wanted = line.quantity + (current.quantity if current else 0)
        limit = MAXIMUM_QUANTITY
        available = _available(variant)
        if available is not None:
            limit = min(limit, available)
        quantity = min(wanted, limit)
        if current is not None and quantity <= current.quantity:
            if wanted > current.quantity:
                notices.append(
                    gettext("%(title)s: no more could be added, only %(count)s available.")
                    % {"title": title, "count": limit}
                )
            continue
        if quantity < 1:
            notices.append(
                gettext("%(title)s: sold out, removed from your cart.") % {"title": title}
            )
            continue
        if quantity < wanted:
            notices.append(
                gettext("%(title)s: only %(count)s available, quantity reduced.")
                % {"title": title, "count": quantity}
            )
        if current is None:
            CartLine.objects.create(cart=target, variant=variant, quantity=quantity)
        else:
            current.quantity = quantity
            current.save(update_fields=["quantity"])
    Cart.objects.filter(pk=source.pk).delete()
    _touch(target)
    target.notices = tuple(notices)
    return target


@transaction.atomic
def cart_for_customer(*, customer: Customer, currency: str, market_code: str = "") -> Cart:
    """The customer's open cart in `currency` (the latest), or a new one.

    Keyed on the customer rather than a cookie so the cart follows them across devices.
    Carts in another currency are left alone: their prices would not match this one's.
    """
    cart = selectors.customer_open_cart(customer=customer, currency=currency)
    if cart is not None:
        return cart
    return cart_create(currency=currency, customer=customer, market_code=market_code)


# --- Checkout details ------------------------------------------------------------------------


def address_normalise(data: Mapping[str, Any]) -> dict[str, str]:
    """The address as stored, cleaned for its country as far as it can be (a draft keeps what
    cannot be cleaned): known keys only, trimmed, cut to length, country upper case, the
    subdivision by its key, the phone in E.164 (`customers.addresses.address_validate`)."""
    address, _problems = addresses.address_validate(data)
    return {key: address[key][:length] for key, length in ADDRESS_FIELDS.items()}


def address_errors(address: Mapping[str, str]) -> dict[str, str]:
    """What is missing or wrong in a normalised address, by field, in the form's order; each
    message names the field and the country ('ZIP code "1234" is not valid for …')."""
    return addresses.address_validate(address)[1]


def email_error(email: str) -> str:
    if not email:
        return gettext("Enter the e-mail address for your receipt.")
    try:
        validate_email(email)
    except ValidationError:
        return gettext("Enter a valid e-mail address, such as name@example.com.")
    return ""


def cart_set_details(
    *,
    cart: Cart,
    email: str,
    shipping_address: Mapping[str, Any],
    validate: bool = True,
    shipping_method_code: str | None = None,
) -> Cart:
    """Keep the shopper's e-mail and shipping address on the cart.

    `validate=False` keeps a draft as typed (the shopper asked for shipping options before
    finishing the form); placing the order validates it in full. A new country clears the
    shipping method: its rates belong to the old destination's zone, unless
    `shipping_method_code` names the method chosen with the new address (the placing form
    carries both). Nothing is written when nothing changed.
    """
    email = email.strip()[:254]
    address = address_normalise(shipping_address)
    if validate:
        errors = {"email": email_error(email)} if email_error(email) else {}
        errors.update(address_errors(address))
        if errors:
            raise CheckoutInvalid(errors)
    if (
        cart.completed_at is None
        and cart.email == email
        and cart.shipping_address == address
        and (shipping_method_code is None or shipping_method_code == cart.shipping_method_code)
    ):
        return cart  # nothing changed: no write (the checkout page posts the whole form)
    if shipping_method_code is not None:
        # Address and method together: one UPDATE, which also takes the row lock. The method
        # is not checked against the address's options here: the quote reports it, and
        # placement refuses an order whose method the address cannot use.
        moment = clock.now()
        written = Cart.objects.filter(pk=cart.pk, completed_at__isnull=True).update(
            email=email,
            shipping_address=address,
            shipping_method_code=shipping_method_code,
            updated_at=moment,
        )
        if not written:
            _lock_open(cart)  # raises: completed, or gone
        cart.email, cart.shipping_address = email, address
        cart.shipping_method_code, cart.updated_at = shipping_method_code, moment
        return cart
    with transaction.atomic():
        locked = _lock_open(cart)
        previous_address = dict(locked.shipping_address or {})
        previous_country = str(previous_address.get("country_code", ""))
        locked.email = email
        locked.shipping_address = address
        if previous_country != address["country_code"] or (
            locked.shipping_method_code and not same_shipping_zone(previous_address, dict(address))
        ):
            # Another zone (a new country, or a region or postcode priced apart): the chosen
            # rate belongs to the old one.
            locked.shipping_method_code = ""
        locked.updated_at = clock.now()
        locked.save(
            update_fields=["email", "shipping_address", "shipping_method_code", "updated_at"]
        )
    _copy(locked, cart)
    return cart


@transaction.atomic
def cart_set_shipping_method(*, cart: Cart, code: str) -> Cart:
    """Choose one of the shipping options the cart's address has now; "" clears the choice."""
    locked = _lock_open(cart)
    code = code.strip()
    if code:
        quote = selectors.checkout_quote(
            locked,
            country_code=str((locked.shipping_address or {}).get("country_code", "")),
            email=locked.email,
            strict=False,
        )
        if not any(option.code == code for option in quote.shipping_options):
            raise CartError(
                gettext("This shipping method is not available for your address; choose another."),
                code="shipping_unavailable",
                field="shipping_method",
            )
    locked.shipping_method_code = code
    locked.updated_at = clock.now()
    locked.save(update_fields=["shipping_method_code", "updated_at"])
    _copy(locked, cart)
    return cart


@transaction.atomic
def cart_apply_discount(*, cart: Cart, code: str, email: str = "") -> Cart:
    """Put a discount code on the cart if it applies to it now (one code per cart).

    Refused codes raise `DiscountError` with the reason (expired, minimum not met, used up…).
    Placement validates the code again, and takes its use, at the moment of sale.
    """
    code = normalise_code(code)
    if not code:
        raise DiscountError(gettext("Enter a discount code."), code="empty")
    locked = _lock_open(cart)
    discount_validate(
        code=code,
        currency=locked.currency,
        subtotal=selectors.cart_totals(locked).subtotal,
        email=email.strip() or locked.email,
        customer=locked.customer,
    )
    locked.discount_codes = [code]
    locked.updated_at = clock.now()
    locked.save(update_fields=["discount_codes", "updated_at"])
    _copy(locked, cart)
    return cart


@transaction.atomic
def cart_remove_discount(*, cart: Cart) -> Cart:
    locked = _lock_open(cart)
    locked.discount_codes = []
    locked.updated_at = clock.now()
    locked.save(update_fields=["discount_codes", "updated_at"])
    _copy(locked, cart)
    return cart


def _copy(source: Cart, target: Cart) -> None:
    """The caller's cart object shows what was saved."""
    for name in (
        "email",
        "shipping_address",
        "shipping_method_code",
        "discount_codes",
        "updated_at",
    ):
        setattr(target, name, getattr(source, name))


def cart_preselect(
    *, cart: Cart, shipping_address: Mapping[str, Any] | None = None, shipping_method_code: str
) -> bool:
    """Remember what the checkout page preselected (store country, cheapest shipping).

    One conditional UPDATE, and only if the cart is still as the page read it (same
    `updated_at`, still open): a change made meanwhile in another tab wins, and the page's
    form carries the choice anyway. Returns whether it was written.
    """
    changes: dict[str, Any] = {"shipping_method_code": shipping_method_code}
    if shipping_address is not None:
        changes["shipping_address"] = address_normalise(shipping_address)
    moment = clock.now()
    written = Cart.objects.filter(
        pk=cart.pk, completed_at__isnull=True, updated_at=cart.updated_at
    ).update(updated_at=moment, **changes)
    if written:
        for name, value in {**changes, "updated_at": moment}.items():
            setattr(cart, name, value)
    return bool(written)
