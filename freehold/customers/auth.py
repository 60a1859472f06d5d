"""Logging in with a password, with guessing slowed down: the storefront and the admin share it.

Failures are counted per e-mail address *and* client address (5 in 15 minutes: a shopper with
typos is fine, a script trying passwords on one account is not) and per client address alone
(20 in 15 minutes: one client trying many accounts). Either limit refuses further attempts,
without checking the password, for 15 minutes. A success clears the e-mail counter. The
storefront login and the Django admin count together: they check the same passwords.

The refusal names no account: it is given for any typed address, whether an account exists.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext_lazy

from freehold.core.errors import FreeholdError
from freehold.core.ratelimit import RateLimit, client_address
from freehold.customers.models import Customer

WINDOW_SECONDS = 15 * 60
LOGIN_FAILURES_PER_ACCOUNT = RateLimit("login-account", limit=5, window_seconds=WINDOW_SECONDS)
LOGIN_FAILURES_PER_CLIENT = RateLimit("login-client", limit=20, window_seconds=WINDOW_SECONDS)
# Reset e-mails: enough for "it did not arrive, send it again", too few to flood an inbox.
RESET_REQUESTS_PER_ACCOUNT = RateLimit("reset-account", limit=3, window_seconds=60 * 60)
RESET_REQUESTS_PER_CLIENT = RateLimit("reset-client", limit=20, window_seconds=60 * 60)
# Guest order lookups: wrong number/e-mail pairs per client, so pairs cannot be probed.
LOOKUP_FAILURES_PER_CLIENT = RateLimit("order-lookup", limit=10, window_seconds=WINDOW_SECONDS)
# Registration answers "this e-mail has an account", so it is counted too: one address may try
# a few sign-ups an hour, not enumerate a mailing list.
REGISTRATIONS_PER_CLIENT = RateLimit("register-client", limit=10, window_seconds=60 * 60)

THROTTLED_MESSAGE = gettext_lazy(
    "Too many unsuccessful attempts. For your security, logging in is paused for 15 minutes. "
    "If you have forgotten your password, you can reset it."
)
INVALID_MESSAGE = gettext_lazy("The e-mail address or the password is not correct.")


class LoginRefused(FreeholdError):
    """Codes: "throttled" (too many failures), "invalid" (wrong e-mail or password)."""

    code = "login_refused"


def _account_key(email: str, address: str) -> str:
    return f"{email.strip().lower()}|{address}"


def login_authenticate(*, request: HttpRequest, email: str, password: str) -> Customer:
    """The active customer with this e-mail and password, or LoginRefused; counts failures."""
    address = client_address(request)
    account_key = _account_key(email, address)
    if LOGIN_FAILURES_PER_ACCOUNT.is_limited(account_key) or LOGIN_FAILURES_PER_CLIENT.is_limited(
        address
    ):
        raise LoginRefused(str(THROTTLED_MESSAGE), code="throttled")
    # The ModelBackend hashes the password even for an unknown e-mail, so timing tells nothing.
    user = authenticate(request, username=email.strip().lower(), password=password)
    if not isinstance(user, Customer):
        LOGIN_FAILURES_PER_ACCOUNT.hit(account_key)
        LOGIN_FAILURES_PER_CLIENT.hit(address)
        raise LoginRefused(str(INVALID_MESSAGE), code="invalid", field="password")
    LOGIN_FAILURES_PER_ACCOUNT.reset(account_key)
    return user


def login_failures_forget(*, request: HttpRequest, email: str) -> None:
    """After a password reset from this client: its earlier typos no longer count."""
    LOGIN_FAILURES_PER_ACCOUNT.reset(_account_key(email, client_address(request)))


def reset_request_allowed(*, request: HttpRequest, email: str) -> bool:
    """Count a reset request; False once this e-mail or client asked too often."""
    address = client_address(request)
    account_key = _account_key(email, address)
    if RESET_REQUESTS_PER_ACCOUNT.is_limited(account_key) or RESET_REQUESTS_PER_CLIENT.is_limited(
        address
    ):
        return False
    RESET_REQUESTS_PER_ACCOUNT.hit(account_key)
    RESET_REQUESTS_PER_CLIENT.hit(address)
    return True


class AdminLoginForm(AdminAuthenticationForm):
    """The admin's login form, counting failures with the storefront's limits.

    Installed as `admin.site.login_form` in `freehold/urls.py`; the admin's own checks (staff
    only, active only) still run after the password is known to be right.
    """

    def clean(self) -> dict[str, Any]:
        email = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if email is not None and password:
            assert self.request is not None
            try:
                self.user_cache = login_authenticate(
                    request=self.request, email=email, password=password
                )
            except LoginRefused as error:
                if error.code == "throttled":
                    raise forms.ValidationError(error.message, code="throttled") from None
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
