"""The shopper's account pages: log in and out, register, reset a password, profile, addresses,
order history, buying again, and the guest order lookup.

Every page here is personal or carries a CSRF token, so none is page-cached: responses are
`Cache-Control: private, no-store` and `X-Robots-Tag: noindex`. Plain HTML forms with
POST-redirect-GET; nothing needs JavaScript. Objects are always fetched through the owner
(`selectors.customer_*`), so another customer's order or address is a 404 like a missing one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from freehold.checkout import session as cart_session
from freehold.core.errors import ValidationFailed
from freehold.core.ratelimit import client_address
from freehold.customers import auth, forms, selectors, services
from freehold.customers.addresses import FIELDS as ADDRESS_KEYS
from freehold.customers.addresses import address_form, address_lines
from freehold.customers.models import Address, Customer
from freehold.storefront.jinja import active_language
from freehold.storefront.selectors import chrome

NO_STORE = "private, no-store"
ORDERS_PER_PAGE = 10
# Django's own trick (PasswordResetConfirmView): the token moves from the URL into the session,
# so it is not leaked through the Referer header or browser history of the form page.
RESET_URL_TOKEN = "set-password"
RESET_SESSION_KEY = "_password_reset_token"
# The header's cart count cookie (set by the cart pages, read by the header's script).
CART_COUNT_COOKIE = "cart_count"

View = TypeVar("View", bound=Callable[..., HttpResponse])


# --- Helpers --------------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    response["X-Robots-Tag"] = "noindex"
    return response


def account_page(view: View) -> View:
    """Never cached, never indexed, whatever the view returns (redirects and 404s included)."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return _private(view(request, *args, **kwargs))

    return wrapper  # type: ignore[return-value]


def customer_required(view: View) -> View:
    """Anonymous visitors go to the login page, and come back here afterwards."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not isinstance(request.user, Customer) or not request.user.is_authenticated:
            return _private(redirect_to_login(request.get_full_path(), reverse("account-login")))
        return view(request, *args, **kwargs)

    return account_page(wrapper)  # type: ignore[return-value]


def _customer(request: HttpRequest) -> Customer:
    user = request.user
    assert isinstance(user, Customer)
    return user


def _see_other(url: str) -> HttpResponseRedirect:
    """A redirect after a POST that the browser follows with a GET."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _safe_next(request: HttpRequest) -> str:
    """`next` from the form or query string, if it stays on this site; else ""."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _render(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    context.setdefault("title", gettext("Your account"))
    context["flash"] = [
        (message.level_tag, str(message)) for message in messages.get_messages(request)
    ]
    return _private(render(request, f"account/{template}", context, status=status))


def _language(request: HttpRequest) -> str:
    return active_language(request)


def _base_url(request: HttpRequest) -> str:
    """Where links in e-mails point: FREEHOLD_SITE_URL, else this request's own origin."""
    return settings.SITE_URL or f"{request.scheme}://{request.get_host()}"


def _sync_cart_count(request: HttpRequest, response: HttpResponse) -> None:
    """After login the merged cart is the customer's: the header's count follows it."""
    cart = cart_session.current_cart(request)
    count = sum(cart.lines.values_list("quantity", flat=True)) if cart is not None else 0
    if count:
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


# --- Logging in and out ---------------------------------------------------------------------


@account_page
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated and request.method != "POST":
        return HttpResponseRedirect(next_url or reverse("account"))
    form = forms.LoginForm(request.POST if request.method == "POST" else None)
    error = ""
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                customer = auth.login_authenticate(
                    request=request,
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password"],
                )
            except auth.LoginRefused as refused:
                error = refused.message
                status = 429 if refused.code == "throttled" else 200
            else:
                # Django's login rotates the session key; `user_logged_in` merges the guest cart.
                login(request, customer)
                response = _see_other(next_url or reverse("account"))
                _sync_cart_count(request, response)
                return response
        else:
            error = str(auth.INVALID_MESSAGE)
    return _render(
        request,
        "login.html",
        {"title": gettext("Log in"), "form": form, "error": error, "next": next_url},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    """POST only: a link or an image on another site must not log the shopper out."""
    logout(request)
    response = _see_other(_safe_next(request) or reverse("home"))
    # The session (and the cart it pointed to) is gone; so is the header's count.
    response.delete_cookie(CART_COUNT_COOKIE, samesite="Lax")
    return _private(response)


# --- Registering ----------------------------------------------------------------------------

REGISTER_THROTTLED = gettext_lazy(
    "Too many sign-ups from your network; please try again in an hour."
)


@account_page
@require_http_methods(["GET", "HEAD", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """A new account; `?order=<token>` (from the confirmation page) links that order to it."""
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        return HttpResponseRedirect(next_url or reverse("account"))
    token = (request.POST.get("order") or request.GET.get("order") or "").strip()[:64]
    order = selectors.order_for_token(token)
    data = request.POST if request.method == "POST" else None
    form = forms.RegisterForm(data, initial={"email": order.email} if order else {})
    status = 200
    if data is not None:
        address = client_address(request)
        if auth.REGISTRATIONS_PER_CLIENT.hit(address) > auth.REGISTRATIONS_PER_CLIENT.limit:
            form.is_valid()  # bound forms need cleaning before errors can be added
            form.add_error(None, REGISTER_THROTTLED)
            status = 429
            data = None
    if data is not None and form.is_valid():
        cleaned = form.cleaned_data
        try:
            customer = services.customer_register(
                email=cleaned["email"],
                password=cleaned["password"],
                first_name=cleaned["first_name"],
                last_name=cleaned["last_name"],
                accepts_marketing=cleaned["accepts_marketing"],
                order_token=order.token if order is not None else "",
            )
        except ValidationFailed as error:
            form.add_error(error.field, error.message)
        else:
            login(request, customer)
            if order is not None:
                messages.success(
                    request,
                    gettext("Welcome! Order #%(number)s is now in your account.")
                    % {"number": order.number},
                )
                response = _see_other(reverse("account-order", args=[order.number]))
            else:
                messages.success(request, gettext("Welcome! Your account is ready."))
                response = _see_other(next_url or reverse("account"))
            _sync_cart_count(request, response)
            return response
    return _render(
        request,
        "register.html",
        {"title": gettext("Create an account"), "form": form, "order": order, "next": next_url},
        status=status,
    )


# --- Password reset -------------------------------------------------------------------------


@account_page
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer is the same whether or not the address has an account."""
    form = forms.PasswordResetForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if auth.reset_request_allowed(request=request, email=email):
            services.password_reset_request(email=email, base_url=_base_url(request))
        return _see_other(reverse("account-password-reset-done"))
    return _render(
        request, "password_reset.html", {"title": gettext("Reset your password"), "form": form}
    )


@account_page
@require_safe
def password_reset_done(request: HttpRequest) -> HttpResponse:
    return _render(request, "password_reset_done.html", {"title": gettext("Check your inbox")})


def _customer_from_uid(uidb64: str) -> Customer | None:
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    return Customer.objects.filter(pk=pk, is_active=True).first()


@account_page
@require_http_methods(["GET", "HEAD", "POST"])
def password_reset_confirm(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    customer = _customer_from_uid(uidb64)
    if customer is not None and token != RESET_URL_TOKEN:
        if default_token_generator.check_token(customer, token):
            request.session[RESET_SESSION_KEY] = token
            return HttpResponseRedirect(
                reverse("account-password-reset-confirm", args=[uidb64, RESET_URL_TOKEN])
            )
        customer = None
    elif customer is not None and not default_token_generator.check_token(
        customer, request.session.get(RESET_SESSION_KEY)
    ):
        customer = None
    if customer is None:
        return _render(
            request,
            "password_reset_confirm.html",
            {"title": gettext("This link has expired"), "valid_link": False, "form": None},
        )
    data = request.POST if request.method == "POST" else None
    form = forms.SetPasswordForm(data, customer=customer)
    if data is not None and form.is_valid():
        services.customer_set_password(
            customer=customer, password=form.cleaned_data["new_password"]
        )
        request.session.pop(RESET_SESSION_KEY, None)
        auth.login_failures_forget(request=request, email=customer.email)
        return _see_other(reverse("account-password-reset-complete"))
    return _render(
        request,
        "password_reset_confirm.html",
        {
            "title": gettext("Choose a new password"),
            "valid_link": True,
            "form": form,
            "email": customer.email,
        },
    )


@account_page
@require_safe
def password_reset_complete(request: HttpRequest) -> HttpResponse:
    return _render(request, "password_reset_complete.html", {"title": gettext("Password changed")})


# --- Profile --------------------------------------------------------------------------------


def _profile_page(
    request: HttpRequest,
    *,
    profile_form: forms.ProfileForm | None = None,
    password_form: forms.PasswordChangeForm | None = None,
) -> HttpResponse:
    customer = _customer(request)
    profile_form = profile_form or forms.ProfileForm(
        customer=customer,
        initial={
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "accepts_marketing": customer.accepts_marketing,
        },
    )
    password_form = password_form or forms.PasswordChangeForm(customer=customer)
    recent = list(selectors.customer_orders(customer)[:3])
    return _render(
        request,
        "profile.html",
        {
            "title": gettext("Your account"),
            "section": "profile",
            "profile_form": profile_form,
            "password_form": password_form,
            "recent_orders": recent,
        },
    )


@customer_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    if request.method != "POST":
        return _profile_page(request)
    form = forms.ProfileForm(request.POST, customer=customer)
    if form.is_valid():
        cleaned = form.cleaned_data
        try:
            services.customer_update_profile(
                customer=customer,
                email=cleaned["email"],
                first_name=cleaned["first_name"],
                last_name=cleaned["last_name"],
                accepts_marketing=cleaned["accepts_marketing"],
            )
        except ValidationFailed as error:
            form.add_error(error.field, error.message)
        else:
            messages.success(request, gettext("Your details are saved."))
            return _see_other(reverse("account"))
    return _profile_page(request, profile_form=form)


@customer_required
@require_POST
def password_change(request: HttpRequest) -> HttpResponse:
    customer = _customer(request)
    form = forms.PasswordChangeForm(request.POST, customer=customer)
    if not form.is_valid():
        return _profile_page(request, password_form=form)
    services.customer_set_password(customer=customer, password=form.cleaned_data["new_password"])
    # Stay logged in here; other sessions of this account end (their hash no longer matches).
    update_session_auth_hash(request, customer)
    messages.success(request, gettext("Your password is changed."))
    return _see_other(reverse("account"))


# --- Addresses ------------------------------------------------------------------------------


def _address_or_404(request: HttpRequest, address_id: int) -> Address:
    address = selectors.customer_address(_customer(request), address_id)
    if address is None:
        raise Http404("No such address")
    return address


def _address_form_page(
    request: HttpRequest,
    *,
    address: Address | None,
    values: dict[str, str],
    errors: dict[str, str],
    make_default: bool,
) -> HttpResponse:
    return _render(
        request,
        "address_form.html",
        {
            "title": gettext("Edit address") if address is not None else gettext("Add an address"),
            "section": "addresses",
            "address": address,
            "values": values,
            "errors": errors,
            "make_default": make_default,
            "countries": selectors.country_choices(_language(request)),
            "address_form": address_form(
                values=values, errors=errors, language=_language(request), id_prefix="address-"
            ),
        },
    )


@customer_required
@require_safe
def addresses(request: HttpRequest) -> HttpResponse:
    saved = selectors.customer_addresses(_customer(request))
    return _render(
        request,
        "addresses.html",
        {
            "title": gettext("Your addresses"),
            "section": "addresses",
            "addresses": saved,
            "countries": dict(selectors.country_choices(_language(request))),
            # Each address as its country writes it (the Latin format for other languages).
            "address_lines": {
                address.pk: address_lines(
                    {name: getattr(address, name) for name in ADDRESS_KEYS},
                    _language(request),
                    include_phone=True,
                )
                for address in saved
            },
        },
    )


def _address_save(request: HttpRequest, address: Address | None) -> HttpResponse:
    values = services.address_clean(request.POST)
    make_default = request.POST.get("is_default") == "on"
    if request.POST.get("action") == "update":
        # Another country chosen (the Update button, or address.js pressing it): the form
        # again, with that country's fields, labels and subdivisions; nothing is saved.
        return _address_form_page(
            request, address=address, values=values, errors={}, make_default=make_default
        )
    try:
        if address is None:
            services.address_create(
                customer=_customer(request), data=values, make_default=make_default
            )
            messages.success(request, gettext("The address is saved."))
        else:
            services.address_update(address=address, data=values, make_default=make_default)
            messages.success(request, gettext("The address is updated."))
    except services.AddressInvalid as invalid:
        return _address_form_page(
            request,
            address=address,
            values=values,
            errors=invalid.errors,
            make_default=make_default,
        )
    return _see_other(reverse("account-addresses"))


@customer_required
@require_http_methods(["GET", "HEAD", "POST"])
def address_new(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return _address_save(request, None)
    customer = _customer(request)
    values = services.address_clean(
        {
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "country_code": customer.country_code or chrome(request).settings.country_code,
        }
    )
    return _address_form_page(request, address=None, values=values, errors={}, make_default=False)


@customer_required
@require_http_methods(["GET", "HEAD", "POST"])
def address_edit(request: HttpRequest, address_id: int) -> HttpResponse:
    address = _address_or_404(request, address_id)
    if request.method == "POST":
        return _address_save(request, address)
    values = services.address_clean(
        {name: getattr(address, name) for name in services.ADDRESS_FIELDS}
    )
    return _address_form_page(
        request, address=address, values=values, errors={}, make_default=address.is_default
    )


@customer_required
@require_POST
def address_delete(request: HttpRequest, address_id: int) -> HttpResponse:
    services.address_delete(address=_address_or_404(request, address_id))
    messages.success(request, gettext("The address is deleted."))
    return _see_other(reverse("account-addresses"))


@customer_required
@require_POST
def address_default(request: HttpRequest, address_id: int) -> HttpResponse:
    services.address_set_default(address=_address_or_404(request, address_id))
    messages.success(request, gettext("Your default shipping address is changed."))
    return _see_other(reverse("account-addresses"))


# --- Orders ---------------------------------------------------------------------------------


def _page_url(request: HttpRequest, page: int) -> str:
    return f"{request.path}?{urlencode({'page': page})}" if page > 1 else request.path


@customer_required
@require_safe
def orders(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.customer_orders(_customer(request)), ORDERS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    return _render(
        request,
        "orders.html",
        {
            "title": gettext("Your orders"),
            "section": "orders",
            "orders": list(page.object_list),
            "page": page.number,
            "page_count": paginator.num_pages,
            "previous_url": (
                _page_url(request, page.previous_page_number()) if page.has_previous() else ""
            ),
            "next_url": _page_url(request, page.next_page_number()) if page.has_next() else "",
        },
    )


@customer_required
@require_safe
def order(request: HttpRequest, number: str) -> HttpResponse:
    found = selectors.customer_order(_customer(request), number)
    if found is None:
        raise Http404("No such order")
    return _render(
        request,
        "order.html",
        {
            "title": gettext("Order #%(number)s") % {"number": found.number},
            "section": "orders",
            "view": selectors.order_view(found, language=_language(request)),
            "order": found,
        },
    )


@customer_required
@require_POST
def buy_again(request: HttpRequest, number: str) -> HttpResponse:
    """Put the order's still-sold items in the cart and show the cart, with what was left out."""
    found = selectors.customer_order(_customer(request), number)
    if found is None:
        raise Http404("No such order")
    cart = cart_session.current_cart(request, create=True)
    assert cart is not None
    result = services.order_buy_again(order=found, cart=cart)
    notices = list(request.session.get(cart_session.NOTICES_KEY, []) or [])
    if result.added:
        notices.append(
            ngettext(
                "%(count)s item from order #%(number)s added to your cart.",
                "%(count)s items from order #%(number)s added to your cart.",
                result.added,
            )
            % {"count": result.added, "number": found.number}
        )
    if result.problems:
        problems = "; ".join(result.problems)
        notices.append(gettext("Not added: %(problems)s") % {"problems": problems})
    request.session[cart_session.NOTICES_KEY] = notices
    return _see_other(reverse("cart"))


# --- Guest order lookup ---------------------------------------------------------------------

LOOKUP_FAILED = gettext_lazy("We could not find an order with this number and e-mail address.")
LOOKUP_THROTTLED = gettext_lazy("Too many attempts. Please try again in 15 minutes.")


@account_page
@require_http_methods(["GET", "HEAD", "POST"])
def order_lookup(request: HttpRequest) -> HttpResponse:
    """A guest finds their order-status page with the order number and e-mail address."""
    form = forms.OrderLookupForm(request.POST if request.method == "POST" else None)
    error = ""
    status = 200
    if request.method == "POST":
        address = client_address(request)
        if auth.LOOKUP_FAILURES_PER_CLIENT.is_limited(address):
            error, status = str(LOOKUP_THROTTLED), 429
        elif form.is_valid():
            found = selectors.order_for_lookup(
                number=form.cleaned_data["number"], email=form.cleaned_data["email"]
            )
            if found is not None:
                return _see_other(reverse("order-status", kwargs={"token": found.token}))
            auth.LOOKUP_FAILURES_PER_CLIENT.hit(address)
            error = str(LOOKUP_FAILED)
        else:
            auth.LOOKUP_FAILURES_PER_CLIENT.hit(address)
            error = str(LOOKUP_FAILED)
    return _render(
        request,
        "lookup.html",
        {"title": gettext("Find your order"), "form": form, "error": error},
        status=status,
    )
