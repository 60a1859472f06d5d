"""The shopper's privacy choices: the banner's answers, the "Privacy choices" page, "Do Not
Sell or Share My Personal Information", the unsubscribe link, and the GPC middleware.

- `consent_answer` (POST /privacy/consent) takes the banner's and the choices page's form.
  The banner sits in cached pages, which carry no CSRF token, so the view is CSRF-exempt and
  instead refuses any request its browser does not vouch for as same-origin (as the market
  selector and add-to-cart do; docs/architecture.md). A forged answer would need a browser
  that lies about Origin, Sec-Fetch-Site and Referer alike. It sets `fh_consent` (read by
  `customers.consent`), records one `Consent` row per purpose, and answers a script with 204
  or a form with a redirect back.
- The other pages are never cached: they read the visitor's cookie and headers, and their
  forms carry a CSRF token as usual (the unsubscribe link excepted: see its view).
- `GlobalPrivacyControlMiddleware` records a logged-in customer's `Sec-GPC: 1` once per
  session (`consent_services.gpc_signal_record` checks the database only then).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from freehold.core.ratelimit import RateLimit, client_address
from freehold.customers import consent_services
from freehold.customers.consent import (
    CONSENT_COOKIE,
    COOKIE_MAX_AGE,
    ConsentState,
    consent_state,
    cookie_value,
    parse_cookie,
)
from freehold.customers.models import Customer
from freehold.insights.events import (
    ATTRIBUTION_COOKIE,
    SESSION_COOKIE,
    VISITOR_COOKIE,
    forget_visit_cookies,
)

logger = logging.getLogger(__name__)

NO_STORE = "private, no-store"
# An opt-out of sale or sharing must outlive the 12 months CCPA waits before asking again.
OPT_OUT_COOKIE_MAX_AGE = 60 * 60 * 24 * 395
CHOICES = {"accept", "reject", "custom"}
# A browser answers a handful of times a day; a script posting in a loop should not grow the
# table without bound. Over the limit the answer is still honoured (the cookie), not recorded.
ANSWERS_PER_CLIENT = RateLimit("consent-answers", limit=300, window_seconds=60 * 60)
# The Do Not Sell form looks customers up by e-mail address.
OPT_OUTS_PER_CLIENT = RateLimit("do-not-sell", limit=30, window_seconds=60 * 60)
GPC_SESSION_KEY = "consent_gpc_recorded"
# The analytics cookies the events collection sets only with consent.
VISIT_COOKIES = (VISITOR_COOKIE, SESSION_COOKIE, ATTRIBUTION_COOKIE)


# --- Helpers ------------------------------------------------------------------------------


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = NO_STORE
    response["X-Robots-Tag"] = "noindex"
    return response


def _see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _customer(request: HttpRequest) -> Customer | None:
    user = getattr(request, "user", None)
    if isinstance(user, Customer) and user.is_authenticated:
        return user
    return None


def _safe_next(request: HttpRequest, fallback: str) -> str:
    """The page to go back to: a path on this site (market prefix included), else `fallback`."""
    raw = request.POST.get("next", "") or ""
    if (
        raw.startswith("/")
        and not raw.startswith("//")
        and url_has_allowed_host_and_scheme(raw, allowed_hosts={request.get_host()})
    ):
        return raw
    return fallback


def _cookie_opted_out(request: HttpRequest) -> bool:
    """The opt-out kept in the browser's own cookie (not the GPC header of this request)."""
    return parse_cookie(request.COOKIES.get(CONSENT_COOKIE, "")).get("s") == "1"


def _set_consent_cookie(
    request: HttpRequest,
    response: HttpResponse,
    *,
    analytics: bool | None,
    marketing: bool | None,
    opted_out: bool,
) -> None:
    """Write `fh_consent`. Without a banner answer yet (the Do Not Sell form on a first
    visit), only the opt-out is written, so the banner still asks (without marketing).

    Readable by script on purpose (consent.js decides from it whether to show the banner);
    it holds only the answer.
    """
    if analytics is None or marketing is None:
        value = f"s={int(opted_out)}"
    else:
        value = cookie_value(
            analytics=analytics, marketing=marketing, sale_sharing_opt_out=opted_out
        )
    response.set_cookie(
        CONSENT_COOKIE,
        value,
        max_age=OPT_OUT_COOKIE_MAX_AGE if opted_out else COOKIE_MAX_AGE,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=False,
    )


def _visitor_id(request: HttpRequest) -> str:
    return consent_services.clean_visitor_id(
        request.COOKIES.get(consent_services.VISITOR_COOKIE, "")
    )


def _is_script(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "fetch"


# --- The banner's answer ------------------------------------------------------------------


@csrf_exempt
@require_POST
def consent_answer(request: HttpRequest) -> HttpResponse:
    """Accept all, reject all, or the ticked purposes ("custom").

    A visitor who opted out of sale or sharing (Do Not Sell, in the cookie or their account,
    or GPC now) keeps marketing off: the banner does not ask them back within 12 months,
    whatever "Accept all" says. Rejecting analytics also drops the analytics cookies (visitor
    id, session, attribution).
    """
    from freehold.storefront.checkout_views import is_same_origin

    if not is_same_origin(request):
        logger.info("consent refused: not same-origin (origin %r)", request.headers.get("Origin"))
        refused = gettext("Privacy choices can only be saved from this store's pages.")
        return _private(HttpResponse(refused, status=403))
    choice = request.POST.get("choice", "")
    if choice not in CHOICES:
        unknown = gettext("Choose Accept all, Reject all or your own choice.")
        return _private(HttpResponse(unknown, status=400))
    customer = _customer(request)
    state = consent_state(request)
    opted_out = _cookie_opted_out(request) or consent_services.sale_sharing_opt_out_active(customer)
    if choice == "accept":
        analytics = marketing = True
    elif choice == "reject":
        analytics = marketing = False
    else:
        analytics = request.POST.get("analytics") == "on"
        marketing = request.POST.get("marketing") == "on"
    if opted_out or state.gpc:
        marketing = False
    visitor_id = _visitor_id(request)
    if ANSWERS_PER_CLIENT.hit(client_address(request)) <= ANSWERS_PER_CLIENT.limit:
        consent_services.banner_answer_record(
            analytics=analytics, marketing=marketing, customer=customer, visitor_id=visitor_id
        )
    if _is_script(request):
        response = HttpResponse(status=204)
    else:
        response = _see_other(_safe_next(request, reverse("home")))
    _set_consent_cookie(
        request, response, analytics=analytics, marketing=marketing, opted_out=opted_out
    )
    if not analytics and any(name in request.COOKIES for name in VISIT_COOKIES):
        forget_visit_cookies(response)
    return _private(response)


# --- The privacy choices page -------------------------------------------------------------


def _choices_context(request: HttpRequest, state: ConsentState) -> dict[str, object]:
    customer = _customer(request)
    opted_out = (
        _cookie_opted_out(request)
        or state.gpc
        or consent_services.sale_sharing_opt_out_active(customer)
    )
    return {
        "state": state,
        "gpc": state.gpc,
        "opted_out": opted_out,
        # The boxes show what applies now: the answer given, else the region's default.
        "analytics_checked": state.allows_analytics,
        "marketing_checked": state.allows_marketing and not opted_out,
        "customer": customer,
        # The page is the banner's form: no banner on top of it.
        "consent_form_on_page": True,
    }


@require_safe
def privacy_choices(request: HttpRequest) -> HttpResponse:
    """The banner's form on a page of its own: reachable from every footer, works without
    JavaScript, and is where a visitor changes their mind later."""
    state = consent_state(request)
    context = _choices_context(request, state)
    context["saved"] = request.GET.get("saved") == "1"
    return _private(render(request, "privacy/choices.html", context))


# --- Do Not Sell or Share My Personal Information -----------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def do_not_sell(request: HttpRequest) -> HttpResponse:
    """The CCPA/CPRA opt-out form: no login, no identity check, an e-mail address optional.

    The opt-out is kept in the browser (cookie) at once; with an e-mail address of a customer
    (or logged in) it is recorded on the account as well, so it follows them to other
    browsers. The answer never says whether the address has an account. A visitor who opted
    out here (not by GPC) may opt back in on the same page: their own initiative, not ours.
    """
    state = consent_state(request)
    customer = _customer(request)
    errors: dict[str, str] = {}
    email = ""
    if request.method == "POST":
        action = request.POST.get("action", "opt_out")
        email = (request.POST.get("email") or "").strip()[:254]
        if email and ("@" not in email or " " in email):
            errors["email"] = gettext("Enter a valid e-mail address, or leave it empty.")
        elif OPT_OUTS_PER_CLIENT.hit(client_address(request)) > OPT_OUTS_PER_CLIENT.limit:
            errors["form"] = gettext("Too many attempts. Please try again in an hour.")
        else:
            opted_out = action != "opt_in"
            subjects: list[Customer | None] = [customer]
            if opted_out and email:
                subjects.append(consent_services.customer_for_email(email))
            consent_services.sale_sharing_record(
                opted_out=opted_out, customers=subjects, visitor_id=_visitor_id(request)
            )
            done = reverse("privacy-do-not-sell-done")
            response = _see_other(done if opted_out else reverse("privacy-choices") + "?saved=1")
            current = state.analytics is not None and state.marketing is not None
            _set_consent_cookie(
                request,
                response,
                analytics=state.analytics if current else None,
                marketing=(bool(state.marketing) and not opted_out) if current else None,
                opted_out=opted_out,
            )
            return _private(response)
    context = _choices_context(request, state)
    context.update(
        {
            "errors": errors,
            "email": email,
            # GPC cannot be undone from here: it is the browser's setting.
            "can_opt_in": context["opted_out"] and not state.gpc,
        }
    )
    return _private(
        render(request, "privacy/do_not_sell.html", context, status=400 if errors else 200)
    )


@require_safe
def do_not_sell_done(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "privacy/do_not_sell_done.html", {}))


# --- Unsubscribing from marketing e-mail --------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """One click, no login: the signed token is the authority, and the withdrawal is made at
    once, on the GET a click sends (the e-mail's link) as on RFC 8058's one-click POST a
    mail client sends (`List-Unsubscribe-Post`), which is why it is CSRF-exempt: the token,
    not a cookie, says who asks, and all it can do is stop e-mail.
    """
    customer = consent_services.customer_for_unsubscribe_token(token)
    if customer is None:
        response = render(request, "privacy/unsubscribe.html", {"valid": False}, status=404)
    else:
        if request.method != "HEAD":
            consent_services.email_unsubscribe(customer=customer)
        response = render(request, "privacy/unsubscribe.html", {"valid": True})
    # The token is in the URL: no Referer carries it to another site.
    response["Referrer-Policy"] = "no-referrer"
    return _private(response)


# --- Global Privacy Control ---------------------------------------------------------------


class GlobalPrivacyControlMiddleware:
    """Record `Sec-GPC: 1` for a logged-in customer, once per session.

    Honouring the signal needs no record (`consent_state` reads the header on every request);
    the record is the proof the store saw it, on the customer's consent history. The session
    flag keeps the cost to a dictionary lookup after the first request; the database is asked
    once per session, and a row is written only when the customer's latest sale-or-sharing
    answer is not already an opt-out. Cached pages are answered before this runs: the first
    uncached request (account, cart, checkout, the consent endpoints) records it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.headers.get("Sec-GPC", "").strip() == "1":
            customer = _customer(request)
            session = getattr(request, "session", None)
            if (
                customer is not None
                and session is not None
                and session.get(GPC_SESSION_KEY) != customer.pk
            ):
                consent_services.gpc_signal_record(customer=customer)
                session[GPC_SESSION_KEY] = customer.pk
        return self.get_response(request)
