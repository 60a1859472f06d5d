"""Which cart a request is shopping with: the customer's, or the guest's kept in the session.

A guest's cart token lives in the session (never in a readable cookie of its own), so a
cached page never carries it and another visitor cannot guess it. A logged-in customer's cart
is keyed on the customer, so it follows them across devices; at login the guest cart is merged
into it (see `merge_guest_cart`, connected to Django's `user_logged_in` signal in apps.py).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from freehold.checkout import selectors, services
from freehold.checkout.models import Cart
from freehold.customers.models import Customer
from freehold.markets.middleware import market_of, pricing_of

SESSION_KEY = "cart_token"
NOTICES_KEY = "cart_notices"


def store_currency(request: HttpRequest) -> str:
    """The currency a new cart of this request is in: the shopper's market's."""
    return pricing_of(request).currency


def market_code(request: HttpRequest) -> str:
    return market_of(request).market.code


def _in_market(request: HttpRequest, cart: Cart) -> Cart:
    """The cart, moved to the market the shopper browses in if they switched."""
    return services.cart_set_market(
        cart=cart, market_code=market_code(request), currency=store_currency(request)
    )


def customer_of(request: HttpRequest) -> Customer | None:
    """The logged-in customer a new cart belongs to, or None for a guest."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and isinstance(user, Customer):
        return user
    return None


def current_cart(request: HttpRequest, *, create: bool = False) -> Cart | None:
    """The open cart of this visitor; a new one when `create` and there is none yet.

    Reading never creates a cart or a session: a visitor who only browses costs no rows.
    """
    customer = customer_of(request)
    if customer is not None:
        cart = selectors.customer_open_cart(customer=customer)
        if cart is None and create:
            cart = services.cart_create(
                currency=store_currency(request),
                customer=customer,
                market_code=market_code(request),
            )
        return _in_market(request, cart) if cart is not None else None
    session = getattr(request, "session", None)
    token = session.get(SESSION_KEY, "") if session is not None else ""
    cart = selectors.cart_by_token(token)
    if cart is None and create:
        cart = services.cart_create(
            currency=store_currency(request), market_code=market_code(request)
        )
        remember_cart(request, cart)
        return cart
    return _in_market(request, cart) if cart is not None else None


def remember_cart(request: HttpRequest, cart: Cart) -> None:
    """Keep a guest cart's token in the session (a customer's cart needs no token)."""
    request.session[SESSION_KEY] = cart.token


def forget_cart(request: HttpRequest) -> None:
    """After checkout: the next add starts a new cart."""
    request.session.pop(SESSION_KEY, None)


def pop_notices(request: HttpRequest) -> list[str]:
    """What a login merge changed in the cart, shown once on the next cart page."""
    return list(request.session.pop(NOTICES_KEY, []) or [])


def merge_guest_cart(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """`user_logged_in` receiver: move the guest cart's lines into the customer's cart.

    Django keeps the session's data across the login's key rotation, so the guest token is
    still there. A merge never makes a login fail: lines that cannot move are dropped and
    `cart_notices` says so.
    """
    if request is None or not isinstance(user, Customer):
        return
    session = getattr(request, "session", None)
    if session is None:
        return
    guest = selectors.cart_by_token(session.get(SESSION_KEY, ""))
    if guest is None:
        return
    if guest.customer_id is not None and guest.customer_id != user.pk:
        session.pop(SESSION_KEY, None)
        return
    target = services.cart_for_customer(
        customer=user, currency=guest.currency, market_code=guest.market_code
    )
    merged = services.cart_merge(source=guest, target=target)
    session.pop(SESSION_KEY, None)
    if merged.notices:
        session[NOTICES_KEY] = list(merged.notices)
