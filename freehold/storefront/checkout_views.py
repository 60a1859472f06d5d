"""The shopper's buying path: cart, checkout and the order-status page.

None of these pages is cached (`Cache-Control: private, no-store`): each shows one visitor's cart
or order and carries a CSRF token, except the add-to-cart endpoint, which the cached product
page posts to without one (see `cart_add`). Everything works as plain HTML forms with
POST-redirect-GET; with JavaScript, htmx posts the same forms with `HX-Request: true` and the
views answer with the fragment to swap instead of a redirect.

The views only parse input and choose what to render: carts change through
`checkout.services`, totals come from `checkout.selectors.checkout_quote` (the computation
placement charges), and payments start through `payments.services.payment_start`.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import secrets
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseForbidden,
    HttpResponseRedirect,
)
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from markupsafe import Markup

from freehold.checkout import selectors as checkout_selectors
from freehold.checkout import services as cart_services
from freehold.checkout import session as cart_session
from freehold.checkout.errors import CartError, CheckoutInvalid
from freehold.checkout.models import Cart, CartLine
from freehold.checkout.placement import checkout_complete
from freehold.core import clock
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, NotFound
from freehold.core.idempotency import validate_key
from freehold.customers import addresses
from freehold.insights.events import order_attribution, record_event
from freehold.insights.models import Event
from freehold.markets.countries import country_codes
from freehold.markets.middleware import market_of
from freehold.orders.models import Order
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.payments import gateways
from freehold.payments import services as payment_services
from freehold.payments.manual import ManualGateway
from freehold.storefront import selectors
from freehold.storefront.jinja import absolute_url_for, active_language, country_name
from freehold.storefront.views import Seo

logger = logging.getLogger(__name__)

NO_STORE = "private, no-store"
# The number of items in the cart, readable by the header's script (not HttpOnly on purpose):
# cached pages cannot render a per-visitor count, so they show "Cart" and the script adds the
# number from this cookie. It holds nothing but that number.
CART_COUNT_COOKIE = "cart_count"
FLASH_KEY = "cart_flash"
PLACED_KEY = "checkout_placed"
PAYMENT_CHOICE_KEY = "checkout_payment"
PLACED_REMEMBERED = 5
WHOLE_NUMBER = re.compile(r"^[+-]?\d{1,12}$")
# While a hosted payment page has the shopper, the status page reloads itself until the
# provider's confirmation arrives; after this long it stops and offers to pay again instead.
WAITING_REFRESH_FOR = dt.timedelta(minutes=15)
CONTACT_FIELDS = ("email",)
ADDRESS_FIELDS = tuple(cart_services.ADDRESS_FIELDS)
CHECKOUT_ACTIONS = {"update", "apply_discount", "remove_discount", "place"}


# --- Helpers -----------------------------------------------------------------------------------


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _seo(request: HttpRequest, title: str) -> Seo:
    store = selectors.chrome(request).settings
    return Seo(
        title=f"{title} – {store.name}",
        description="",
        canonical=absolute_url_for(request, request.path),
        noindex=True,
    )


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    response["X-Robots-Tag"] = "noindex"
    return response


def _allow_payment_redirects(response: HttpResponse) -> HttpResponse:
    """Let this page's payment form be redirected to a hosted payment page.

    Browsers apply the page's CSP `form-action` to the redirects that follow a form
    submission, so "POST /checkout -> 303 to the provider" is blocked under `form-action
    'self'`. A gateway with a hosted page names its origins in `redirect_origins` (for example
    `("https://checkout.stripe.com",)`); only those are added, only on the pages that start a
    payment.
    """
    origins = sorted(
        {
            str(origin)
            for gateway in gateways.available()
            for origin in getattr(gateway, "redirect_origins", ())
            if str(origin).startswith("https://") and " " not in str(origin)
        }
    )
    if origins:
        policy = re.sub(
            r"form-action 'self'",
            "form-action 'self' " + " ".join(origins),
            settings.CONTENT_SECURITY_POLICY,
        )
        response["Content-Security-Policy"] = policy
    return response


def _see_other(url: str) -> HttpResponseRedirect:
    """A redirect after a POST that the browser follows with a GET."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _flash(request: HttpRequest, message: str, kind: str = "error") -> None:
    """A message for the next cart page (the shopper is redirected there after a POST)."""
    pending = list(request.session.get(FLASH_KEY, []))
    pending.append([kind, message])
    request.session[FLASH_KEY] = pending[-5:]


def _pop_flash(request: HttpRequest) -> list[tuple[str, str]]:
    if FLASH_KEY not in request.session:
        return []
    return [(str(kind), str(text)) for kind, text in request.session.pop(FLASH_KEY)]


def _set_cart_count(request: HttpRequest, response: HttpResponse, count: int) -> None:
    """Keep the header's count cookie in step; only sent when it changes."""
    if count > 0:
        if request.COOKIES.get(CART_COUNT_COOKIE) != str(count):
            response.set_cookie(
                CART_COUNT_COOKIE,
                str(count),
                max_age=settings.SESSION_COOKIE_AGE,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
                httponly=False,
            )
    elif CART_COUNT_COOKIE in request.COOKIES:
        response.delete_cookie(CART_COUNT_COOKIE, samesite="Lax")


def _parse_quantity(raw: str | None, *, default: int | None = None) -> int:
    text = (raw or "").strip()
    if not text and default is not None:
        return default
    if not WHOLE_NUMBER.match(text):
        raise CartError(
            gettext("Enter the quantity as a whole number."), code="quantity", field="quantity"
        )
    return int(text)


def _parse_id(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text.isdigit() or len(text) > 18:
        raise CartError(
            gettext("Choose a product variant to add."), code="unavailable", field="variant_id"
        )
    return int(text)


def _image_for(line: CartLine) -> Any:
    return line.variant.image or line.variant.product.featured_image


# --- Same-origin check for the add-to-cart endpoint --------------------------------------------


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_same_origin(request: HttpRequest) -> bool:
    """Whether the browser says this request comes from a page of this store.

    `Origin` when present (every browser sends it on a cross-origin POST, and on same-origin
    POSTs too, except old Safari); else `Sec-Fetch-Site`; else the Referer's origin. With none
    of the three there is no evidence, and the request is refused.
    """
    own = f"{request.scheme}://{request.get_host()}".lower()
    trusted = {own, *(origin.lower() for origin in settings.CSRF_TRUSTED_ORIGINS)}
    origin = request.headers.get("Origin")
    if origin:
        return origin.lower() in trusted
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site:
        return fetch_site in {"same-origin", "none"}
    referer = request.headers.get("Referer")
    if referer:
        return _origin_of(referer) in trusted
    return False


# --- Cart --------------------------------------------------------------------------------------


def _cart_context(
    request: HttpRequest,
    cart: Cart | None,
    *,
    line_errors: dict[int, str] | None = None,
    messages: list[tuple[str, str]] | None = None,
) -> dict[str, Any]:
    lines = checkout_selectors.cart_lines(cart) if cart is not None else []
    totals = checkout_selectors.cart_totals(cart, lines=lines) if cart is not None else None
    priced = {result.key: result for result in totals.lines} if totals is not None else {}
    line_errors = dict(line_errors or {})
    rows = []
    for line in lines:
        problem = cart_services.stock_problem(variant=line.variant, quantity=line.quantity)
        rows.append(
            {
                "line": line,
                "variant": line.variant,
                "product": line.variant.product,
                "image": _image_for(line),
                "total": priced[str(line.pk)].subtotal,
                "unit_price": priced[str(line.pk)].unit_price,
                "error": line_errors.get(line.pk, ""),
                "stock_problem": problem,
                "url": f"{line.variant.product.get_absolute_url()}?variant={line.variant_id}",
            }
        )
    return {
        "cart": cart,
        "rows": rows,
        "totals": totals,
        "currency": totals.currency if totals is not None else "",
        "count": sum(line.quantity for line in lines),
        "messages": messages or [],
        "can_check_out": bool(rows) and not any(row["stock_problem"] for row in rows),
    }


def _cart_response(
    request: HttpRequest,
    cart: Cart | None,
    *,
    line_errors: dict[int, str] | None = None,
    messages: list[tuple[str, str]] | None = None,
    fragment: bool = False,
) -> HttpResponse:
    context = _cart_context(request, cart, line_errors=line_errors, messages=messages)
    context["seo"] = _seo(request, gettext("Your cart"))
    template = "partials/cart_contents.html" if fragment else "cart.html"
    response = render(request, template, context)
    _set_cart_count(request, response, context["count"])
    return _private(response)


def _after_cart_change(
    request: HttpRequest,
    cart: Cart | None,
    *,
    error: FreeholdError | None = None,
    line_id: int | None = None,
    success: str = "",
    count: int | None = None,
) -> HttpResponse:
    """htmx gets the cart fragment with the error in place; a plain form a redirect (PRG).

    `count`: the cart's number of items when the caller knows it (a new cart), saving a query.
    """
    if _is_htmx(request):
        line_errors: dict[int, str] = {}
        messages: list[tuple[str, str]] = []
        if error is not None and line_id is not None:
            line_errors[line_id] = error.message
        elif error is not None:
            messages.append(("error", error.message))
        elif success:
            messages.append(("success", success))
        return _cart_response(
            request, cart, line_errors=line_errors, messages=messages, fragment=True
        )
    if error is not None:
        _flash(request, error.message)
    elif success:
        _flash(request, success, "success")
    response = _see_other(reverse("cart"))
    if cart is not None:
        if count is None:
            count = sum(cart.lines.values_list("quantity", flat=True))
        _set_cart_count(request, response, count)
    return _private(response)


@require_safe
def cart(request: HttpRequest) -> HttpResponse:
    current = cart_session.current_cart(request)
    messages = [("notice", text) for text in cart_session.pop_notices(request)]
    messages += _pop_flash(request)
    return _cart_response(request, current, messages=messages)


@csrf_exempt
@require_POST
def cart_add(request: HttpRequest) -> HttpResponse:
    """Add a variant to the visitor's cart, from the (cached, token-less) product page.

    Exempt from CSRF because the cached product page is shared by all visitors and cannot
    carry a per-visitor token. What protects it instead (docs/architecture.md, "Adding to the
    cart without a CSRF token"): the session cookie is SameSite=Lax, so a cross-site POST
    arrives without it and can only fill a new, empty cart of its own; and this view refuses
    any request its browser does not vouch for as same-origin.
    """
    if not is_same_origin(request):
        logger.info("cart-add refused: not same-origin (origin %r)", request.headers.get("Origin"))
        return HttpResponseForbidden(
            gettext("Adding to the cart only works from this store's pages.")
        )
    try:
        variant_id = _parse_id(request.POST.get("variant_id"))
        quantity = _parse_quantity(request.POST.get("quantity"), default=1)
    except CartError as error:
        return _after_cart_change(request, cart_session.current_cart(request), error=error)
    current = cart_session.current_cart(request)
    try:
        if current is None:
            # The visit's first add: the cart and its line in one transaction.
            line = cart_services.cart_start(
                currency=cart_session.store_currency(request),
                market_code=cart_session.market_code(request),
                variant_id=variant_id,
                quantity=quantity,
                customer=cart_session.customer_of(request),
            )
            current = line.cart
            if current.customer_id is None:
                cart_session.remember_cart(request, current)
            count: int | None = line.quantity
        else:
            line = cart_services.cart_add(cart=current, variant_id=variant_id, quantity=quantity)
            count = None
    except CartError as error:
        title = _variant_title(variant_id)
        if title and error.code == "insufficient_stock":
            error = CartError(f"{title}: {error.message}", code=error.code, field=error.field)
        return _after_cart_change(request, current, error=error)
    record_event(
        kind=Event.Kind.ADD_TO_CART,
        request=request,
        product=line.variant.product_id,
        quantity=quantity,
    )
    return _after_cart_change(
        request, current, success=f"{line.variant} was added to your cart.", count=count
    )


def _variant_title(variant_id: int) -> str:
    from freehold.catalog.models import Variant

    variant = Variant.objects.select_related("product").filter(pk=variant_id).first()
    return str(variant) if variant is not None else ""


def _cart_or_404(request: HttpRequest) -> Cart:
    current = cart_session.current_cart(request)
    if current is None:
        raise Http404("No cart")
    return current


@require_POST
def cart_line(request: HttpRequest, line_id: int) -> HttpResponse:
    """Change a line's quantity (to at least 1: removing has its own button)."""
    current = _cart_or_404(request)
    try:
        quantity = _parse_quantity(request.POST.get("quantity"))
        if quantity < 1:
            raise CartError(
                gettext("The quantity must be at least 1. Use Remove to take an item out."),
                code="quantity",
                field="quantity",
            )
        cart_services.cart_set_quantity(cart=current, line_id=line_id, quantity=quantity)
    except NotFound:
        raise Http404("This item is not in your cart.") from None
    except CartError as error:
        if not CartLine.objects.filter(pk=line_id, cart_id=current.pk).exists():
            raise Http404("This item is not in your cart.") from None
        return _after_cart_change(request, current, error=error, line_id=line_id)
    return _after_cart_change(request, current)


@require_POST
def cart_line_remove(request: HttpRequest, line_id: int) -> HttpResponse:
    current = _cart_or_404(request)
    try:
        cart_services.cart_remove(cart=current, line_id=line_id)
    except NotFound:
        raise Http404("This item is not in your cart.") from None
    except CartError as error:
        return _after_cart_change(request, current, error=error)
    return _after_cart_change(request, current)


# --- Checkout ----------------------------------------------------------------------------------


def _form_from_cart(request: HttpRequest, cart: Cart) -> dict[str, str]:
    address = dict(cart.shipping_address or {})
    form = {key: str(address.get(key, "")) for key in ADDRESS_FIELDS}
    email = cart.email
    user = getattr(request, "user", None)
    if not email and user is not None and user.is_authenticated:
        email = str(getattr(user, "email", ""))
    if not form["country_code"]:
        # The country the shopper browses in (the URL's market), else the store's own.
        form["country_code"] = (
            market_of(request).country or selectors.chrome(request).settings.country_code or ""
        )
    form.update(
        email=email,
        shipping_method=cart.shipping_method_code,
        payment_method=str(request.session.get(PAYMENT_CHOICE_KEY, "")),
        discount_code="",
        idempotency_key="",
    )
    return form


def _form_from_post(request: HttpRequest) -> dict[str, str]:
    names = (
        *CONTACT_FIELDS,
        *ADDRESS_FIELDS,
        "shipping_method",
        "payment_method",
        "discount_code",
        "idempotency_key",
    )
    return {name: str(request.POST.get(name, ""))[:300].strip() for name in names}


def _address_of(form: dict[str, str]) -> dict[str, str]:
    return {key: form.get(key, "") for key in ADDRESS_FIELDS}


def _choose_cheapest_shipping(cart: Cart) -> None:
    """Preselect the cheapest option for the cart's address when none is chosen yet."""
    if cart.shipping_method_code:
        return
    quote = checkout_selectors.checkout_quote(
        cart,
        country_code=str((cart.shipping_address or {}).get("country_code", "")),
        email=cart.email,
        strict=False,
    )
    if quote.requires_shipping and quote.shipping_options:
        cart_services.cart_set_shipping_method(cart=cart, code=quote.shipping_options[0].code)


def _payment_choices() -> list[gateways.Gateway]:
    return gateways.available()


@lru_cache(maxsize=32)
def _countries(language: str) -> tuple[tuple[str, str], ...]:
    """Every country as (code, name in the store's language), sorted by name.

    Built once per language and process: about 250 Babel lookups and a sort that gave the
    same answer on every checkout page.
    """
    return tuple(
        sorted(
            ((code, country_name(code, language)) for code in country_codes()),
            key=lambda pair: pair[1],
        )
    )


@lru_cache(maxsize=32)
def _country_options_html(language: str) -> str:
    """Every country's escaped `<option>`, none selected, one per line (as the template had)."""
    return ("\n" + " " * 12).join(
        str(Markup('<option value="{}">{}</option>').format(code, name))
        for code, name in _countries(language)
    )


def _country_options(language: str, selected: str) -> Markup:
    """The country `<option>`s of the checkout form with `selected` marked.

    Rendering them in the template cost about a millisecond a page (250 loop turns, 500
    escapes); the cached list with one replacement costs a few microseconds. Same output.
    """
    options = _country_options_html(language)
    if selected:
        tag = str(Markup('<option value="{}"').format(selected))
        options = options.replace(f"{tag}>", f"{tag} selected>", 1)
    return Markup(options)


def _render_checkout(
    request: HttpRequest,
    cart: Cart,
    form: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    fragment: bool = False,
    quote: checkout_selectors.CheckoutQuote | None = None,
) -> HttpResponse:
    errors = dict(errors or {})
    if quote is None:
        quote = checkout_selectors.checkout_quote(
            cart,
            country_code=form.get("country_code", ""),
            email=form.get("email", ""),
            strict=False,
        )
    for field_name, message in quote.problems.items():
        if field_name == "country_code" and not quote.country_code:
            continue  # nothing typed yet: not an error to show
        if field_name == "shipping_method" and not quote.shipping_options:
            continue
        errors.setdefault(field_name, message)
    payment_choices = _payment_choices()
    codes = [gateway.code for gateway in payment_choices]
    if form.get("payment_method") not in codes:
        form["payment_method"] = codes[0] if codes else ""
    if not form.get("idempotency_key"):
        form["idempotency_key"] = secrets.token_urlsafe(18)
    context = {
        "seo": _seo(request, gettext("Checkout")),
        "cart": cart,
        "form": form,
        "errors": errors,
        "quote": quote,
        "totals": quote.totals,
        "currency": quote.totals.currency,
        "rows": [
            {"line": line, "result": result, "image": _image_for(line)}
            for line, result in quote.priced_lines
        ],
        "discount_code": quote.discount.code if quote.discount else "",
        "stored_discount": next(iter(cart.discount_codes or []), ""),
        "payment_choices": payment_choices,
        "countries": _countries(active_language(request)),
        "country_options": _country_options(active_language(request), form.get("country_code", "")),
        "address_form": addresses.address_form(
            values=form,
            errors=errors,
            language=active_language(request),
            refresh_url=reverse("checkout"),
            phone_label=gettext("Phone, for the courier"),
        ),
        # An htmx answer to a new country brings that country's address fields along.
        "address_refresh": request.headers.get("HX-Trigger") == "country_code",
    }
    template = "partials/checkout_dynamic.html" if fragment else "checkout.html"
    return _allow_payment_redirects(_private(render(request, template, context)))


@require_http_methods(["GET", "HEAD", "POST"])
def checkout(request: HttpRequest) -> HttpResponse:
    current = cart_session.current_cart(request)
    if request.method == "POST":
        return _checkout_post(request, current)
    lines = checkout_selectors.cart_lines(current) if current is not None else []
    if current is None or not lines:
        _flash(request, gettext("Your cart is empty."), "notice")
        return _private(HttpResponseRedirect(reverse("cart")))
    form = _form_from_cart(request, current)
    # One quote for the whole page. A first visit gets the store's own country until the
    # shopper says otherwise, and the cheapest shipping option, so the options and the total
    # are there from the start; both are remembered in one UPDATE, only when they change.
    quote = checkout_selectors.checkout_quote(
        current,
        country_code=form["country_code"],
        email=form["email"],
        lines=lines,
        strict=False,
        choose_cheapest=True,
    )
    new_country = bool(form["country_code"]) and not (current.shipping_address or {}).get(
        "country_code"
    )
    chosen = quote.shipping.code if quote.shipping is not None else current.shipping_method_code
    if new_country or chosen != current.shipping_method_code:
        cart_services.cart_preselect(
            cart=current,
            shipping_address=_address_of(form) if new_country else None,
            shipping_method_code=chosen,
        )
    form["shipping_method"] = chosen
    if request.method == "GET" and cache.add(f"insights:checkout:{current.token}", 1, 30 * 86400):
        # Once per cart (the cache remembers which carts began), not per page load.
        record_event(
            kind=Event.Kind.BEGIN_CHECKOUT,
            request=request,
            quantity=sum(line.quantity for line in lines),
            value=quote.totals.total,
            currency=quote.totals.currency,
        )
    return _render_checkout(request, current, form, quote=quote)


def _checkout_post(request: HttpRequest, current: Cart | None) -> HttpResponse:
    form = _form_from_post(request)
    action = request.POST.get("action", "update")
    if action not in CHECKOUT_ACTIONS:
        action = "update"
    if current is None or not current.lines.exists():
        placed = dict(request.session.get(PLACED_KEY, {}))
        token = placed.get(form["idempotency_key"]) if action == "place" else None
        if token:
            # The same form submitted twice: the first submission placed the order.
            return _private(_see_other(reverse("order-status", args=[token])))
        _flash(request, gettext("Your cart is empty."), "notice")
        return _private(_see_other(reverse("cart")))

    if form["payment_method"] in {gateway.code for gateway in _payment_choices()} and (
        request.session.get(PAYMENT_CHOICE_KEY) != form["payment_method"]
    ):
        # Only when it changes: an unchanged session is not written back to its store.
        request.session[PAYMENT_CHOICE_KEY] = form["payment_method"]
    errors: dict[str, str] = {}
    placing_with_method = action == "place" and bool(form["shipping_method"])
    try:
        cart_services.cart_set_details(
            cart=current,
            email=form["email"],
            shipping_address=_address_of(form),
            validate=action == "place",
            # Placing: the address and the method the form shows, in one write (placement
            # checks the method against the address, strictly).
            shipping_method_code=form["shipping_method"] if placing_with_method else None,
        )
    except CheckoutInvalid as invalid:
        errors.update(invalid.errors)
        cart_services.cart_set_details(
            cart=current,
            email=form["email"],
            shipping_address=_address_of(form),
            validate=False,
        )
    except CartError as error:
        return _cart_problem(request, error)

    if (
        not placing_with_method
        and form["shipping_method"]
        and form["shipping_method"] != current.shipping_method_code
    ):
        try:
            cart_services.cart_set_shipping_method(cart=current, code=form["shipping_method"])
        except CartError as error:
            if action == "place":
                errors[error.field or "shipping_method"] = error.message
    _choose_cheapest_shipping(current)
    form["shipping_method"] = current.shipping_method_code

    if action == "apply_discount":
        try:
            cart_services.cart_apply_discount(
                cart=current, code=form["discount_code"], email=form["email"]
            )
        except FreeholdError as error:
            errors["discount_code"] = error.message
    elif action == "remove_discount":
        cart_services.cart_remove_discount(cart=current)

    if action == "place":
        return _place(request, current, form, errors)
    if _is_htmx(request):
        return _render_checkout(request, current, form, errors=errors, fragment=True)
    if errors:
        return _render_checkout(request, current, form, errors=errors)
    return _private(_see_other(reverse("checkout")))


def _cart_problem(request: HttpRequest, error: FreeholdError) -> HttpResponse:
    _flash(request, error.message)
    return _private(_see_other(reverse("cart")))


def _place(
    request: HttpRequest, current: Cart, form: dict[str, str], errors: dict[str, str]
) -> HttpResponse:
    gateway_code = form["payment_method"]
    if gateway_code not in {gateway.code for gateway in _payment_choices()}:
        errors["payment_method"] = gettext("Choose how you want to pay.")
    # No quote here: placement prices the cart strictly and refuses on the first problem, and
    # the page rendered after a refusal lists every problem (its quote is lenient).
    key = form["idempotency_key"]
    try:
        validate_key(key)
    except FreeholdError:
        errors.setdefault(
            "form", gettext("This form has expired; please check the details and order again.")
        )
        form["idempotency_key"] = ""
    if errors:
        return _render_checkout(request, current, form, errors=errors)
    try:
        order = checkout_complete(
            cart_token=current.token,
            email=current.email,
            idempotency_key=key,
            shipping_address=current.shipping_address,
            actor=Actor.for_user(getattr(request, "user", None)),
            payment_gateway=gateway_code,
            language=active_language(request),
            attribution=order_attribution(request),
        )
    except FreeholdError as error:
        # Sold out or withdrawn since the page was shown, a code used up in the meantime:
        # nothing was placed; the shopper sees why, on the same page.
        field_name = error.field or "form"
        if field_name.startswith("lines[") or field_name == "cart":
            field_name = "form"
        errors[field_name] = error.message
        form["idempotency_key"] = ""
        return _render_checkout(request, current, form, errors=errors)
    cart_session.forget_cart(request)
    placed = dict(request.session.get(PLACED_KEY, {}))
    placed[key] = order.token
    request.session[PLACED_KEY] = dict(list(placed.items())[-PLACED_REMEMBERED:])
    response = _start_payment(request, order, gateway_code)
    _set_cart_count(request, response, 0)
    return response


def _start_payment(request: HttpRequest, order: Order, gateway_code: str) -> HttpResponse:
    status_url = absolute_url_for(request, reverse("order-status", args=[order.token]))
    try:
        start = payment_services.payment_start(
            order=order, gateway_code=gateway_code, return_url=status_url, cancel_url=status_url
        )
    except FreeholdError as error:
        logger.warning("payment start failed for order %s: %s", order.number, error.message)
        request.session["order_flash"] = error.message
        return _private(_see_other(reverse("order-status", args=[order.token])))
    if start.needs_redirect:
        return _private(_see_other(start.redirect_url))
    return _private(_see_other(reverse("order-status", args=[order.token])))


# --- Order status ------------------------------------------------------------------------------


def address_lines(address: Any, language: str) -> list[str]:
    """The order's address as its country writes it, with the phone (the status page)."""
    return addresses.address_lines(address, language, include_phone=True)


def _order_state(order: Order) -> str:
    if order.status == OrderStatus.CANCELLED:
        return "cancelled"
    if order.payment_status in {PaymentStatus.REFUNDED, PaymentStatus.PARTIALLY_REFUNDED}:
        return "refunded"
    if order.fulfilment_status in {
        FulfilmentStatus.FULFILLED,
        FulfilmentStatus.PARTIALLY_FULFILLED,
    }:
        return "fulfilled"
    if order.payment_status in {PaymentStatus.PAID, PaymentStatus.AUTHORIZED}:
        return "paid"
    if order.payment_status == PaymentStatus.FAILED:
        return "failed"
    if order.payment_status == PaymentStatus.AWAITING_PAYMENT:
        return "awaiting_payment"
    return "closed"


def _instructions(order: Order) -> str:
    if not order.payment_gateway:
        return ""
    try:
        gateway = gateways.get(order.payment_gateway)
    except FreeholdError:
        return ""
    if isinstance(gateway, ManualGateway):
        return gateway.start(order, return_url="", cancel_url="").instructions
    return ""


@require_http_methods(["GET", "HEAD", "POST"])
def order_status(request: HttpRequest, token: str) -> HttpResponse:
    order = Order.objects.filter(token=token).first() if len(token) <= 64 else None
    if order is None:
        raise Http404("No such order")
    error = str(request.session.pop("order_flash", "")) if "order_flash" in request.session else ""
    if request.method == "POST":
        gateway_code = request.POST.get("payment_method", "") or order.payment_gateway
        if gateway_code not in {gateway.code for gateway in _payment_choices()}:
            request.session["order_flash"] = gettext("Choose how you want to pay.")
            return _private(_see_other(reverse("order-status", args=[order.token])))
        return _start_payment(request, order, gateway_code)

    state = _order_state(order)
    hosted = bool(order.payment_gateway) and not _instructions(order)
    placed_at = order.placed_at or order.created_at
    waiting = (
        state == "awaiting_payment" and hosted and clock.now() - placed_at < WAITING_REFRESH_FOR
    )
    user = getattr(request, "user", None)
    context = {
        "seo": _seo(request, gettext("Order #%(number)s") % {"number": order.number}),
        "order": order,
        "state": state,
        "lines": list(order.lines.all()),
        "fulfilments": [
            fulfilment
            for fulfilment in order.fulfilments.all()
            if fulfilment.tracking_number or fulfilment.tracking_url or fulfilment.shipped_at
        ],
        "address": address_lines(order.shipping_address, active_language(request)),
        "instructions": _instructions(order) if state == "awaiting_payment" else "",
        "waiting": waiting,
        "can_pay": state in {"awaiting_payment", "failed"},
        "payment_choices": _payment_choices(),
        "error": error,
        "offer_account": order.customer_id is None
        and not (user is not None and user.is_authenticated),
        "register_url": f"/account/register?order={order.token}",
    }
    return _allow_payment_redirects(_private(render(request, "order_status.html", context)))
