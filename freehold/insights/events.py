"""Recording first-party events: who (a visit, maybe a customer), what, where from.

`record_event` writes one `Event` row (one INSERT) and never raises into the shopper's request:
an analytics failure is logged and the page carries on.

A visit has two ids:
- with analytics consent (or where none is needed, `consent_state(request).allows_analytics`)
  a first-party visitor id cookie `fh_vid` (random, one year) and a session id cookie
  `fh_sid` (30 minutes, renewed by each event: a sliding session);
- without it, no cookie at all: the session id is a hash of a daily secret salt (derived from
  SECRET_KEY and the date), the client's address and its user agent, truncated. It changes
  every day, is the same for every request of that device that day, and is not reversible
  without the secret. No visitor id.

The visit's origin (its touch, see `attribution`) is kept in a signed cookie `fh_attr` (first
and last touch) for visitors whose consent allows analytics; for the others in the server's
cache under the day's session hash (no cookie), where the checkout finds it for the order.

Bots record nothing: known crawlers' and scripts' user agents, an empty user agent, and the
browser's speculative prefetches (`Sec-Purpose: prefetch`, `Purpose: prefetch`).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import connection, transaction
from django.http import HttpRequest, HttpResponseBase

from freehold.core import clock
from freehold.core.money import Money
from freehold.core.ratelimit import client_address
from freehold.customers.consent import consent_state
from freehold.insights import attribution
from freehold.insights.attribution import Journey, Touch
from freehold.insights.models import Event

logger = logging.getLogger(__name__)

VISITOR_COOKIE = "fh_vid"
SESSION_COOKIE = "fh_sid"
ATTRIBUTION_COOKIE = "fh_attr"
VISITOR_MAX_AGE = 365 * 24 * 3600
SESSION_MAX_AGE = 30 * 60
# How long a first touch is remembered: the usual attribution window.
ATTRIBUTION_MAX_AGE = 90 * 24 * 3600
_ATTRIBUTION_SALT = "freehold.insights.attribution"
_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,64}\Z")
# The anonymous session's touch, in the cache: a day at most (the hash changes daily anyway).
_TOUCH_KEY = "insights:touch:{session}"
_TOUCH_SECONDS = 24 * 3600
SESSION_HASH_LENGTH = 32

BOT_USER_AGENT = re.compile(
    r"\bbot\b|bot[/;)]|bots?\.htm|crawl|spider|slurp|"
    r"googlebot|bingbot|ahrefs|semrush|mj12|dotbot|petalbot|"
    r"yandex(bot|images)|baiduspider|duckduckbot|applebot|facebookexternalhit|facebookcatalog|"
    r"twitterbot|linkedinbot|pinterest(bot)?/|slackbot|discordbot|telegrambot|whatsapp|"
    r"embedly|preview|lighthouse|pagespeed|gtmetrix|pingdom|uptime|monitor|"
    r"curl/|wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|okhttp|"
    r"java/|libwww|scrapy|node-fetch|axios/|phantomjs|headless",
    re.IGNORECASE,
)


def is_bot(request: HttpRequest) -> bool:
    """A crawler, a script or a prefetch: nothing a person looked at.

    Headless browsers count as bots (they are mostly scrapers) unless the setting
    `INSIGHTS_COUNT_HEADLESS` is true, which the browser tests set.
    """
    purpose = (
        request.headers.get("Sec-Purpose", "")
        + request.headers.get("Purpose", "")
        + request.headers.get("X-Moz", "")
    ).lower()
    if "prefetch" in purpose or "prerender" in purpose:
        return True
    agent = request.headers.get("User-Agent", "").strip()
    if not agent:
        return True
    if getattr(settings, "INSIGHTS_COUNT_HEADLESS", False):
        agent = agent.replace("HeadlessChrome", "Chrome")
    return BOT_USER_AGENT.search(agent) is not None


def daily_session_hash(request: HttpRequest, *, day: Any = None) -> str:
    """The cookieless session id: the same for one device all day, different the next day."""
    day = day or clock.now().date()
    salt = hmac.new(
        settings.SECRET_KEY.encode(), f"insights-session-salt:{day.isoformat()}".encode(), "sha256"
    ).digest()
    agent = request.headers.get("User-Agent", "")[:512]
    digest = hashlib.sha256(salt + f"|{client_address(request)}|{agent}".encode()).hexdigest()
    return digest[:SESSION_HASH_LENGTH]


@dataclass
class Visit:
    session_id: str
    visitor_id: str
    consented: bool  # the visitor's consent allows analytics: cookies may be set and read
    new_session: bool
    allows_marketing: bool
    journey: Journey | None = None
    journey_changed: bool = False

    @property
    def touch(self) -> Touch | None:
        """The touch this session's events carry (the last one known)."""
        return self.journey.last if self.journey is not None else None


def _valid_id(value: str) -> str:
    return value if _ID_PATTERN.match(value or "") else ""


def _read_journey(request: HttpRequest) -> Journey | None:
    raw = request.COOKIES.get(ATTRIBUTION_COOKIE, "")
    if not raw:
        return None
    try:
        data = signing.loads(raw, salt=_ATTRIBUTION_SALT, max_age=ATTRIBUTION_MAX_AGE)
        return Journey(
            first=Touch.from_data(data.get("f") or {}), last=Touch.from_data(data.get("l") or {})
        )
    except (signing.BadSignature, AttributeError, TypeError, ValueError):
        return None


def visit_of(request: HttpRequest) -> Visit:
    """This request's visit (computed once per request; cookies are set by the middleware)."""
    found = getattr(request, "_insights_visit", None)
    if isinstance(found, Visit):
        return found
    state = consent_state(request)
    if state.allows_analytics:
        known_visitor = _valid_id(request.COOKIES.get(VISITOR_COOKIE, ""))
        session_id = _valid_id(request.COOKIES.get(SESSION_COOKIE, ""))
        # A new visitor (who may have just accepted the banner) carries on the day's anonymous
        # session rather than starting a second one; a returning one starts a fresh session.
        fresh = secrets.token_urlsafe(18) if known_visitor else daily_session_hash(request)
        visit = Visit(
            session_id=session_id or fresh,
            visitor_id=known_visitor or secrets.token_urlsafe(18),
            consented=True,
            new_session=not session_id,
            allows_marketing=state.allows_marketing,
            journey=_read_journey(request),
        )
    else:
        session_id = daily_session_hash(request)
        cached = cache.get(_TOUCH_KEY.format(session=session_id))
        journey = None
        if isinstance(cached, dict):
            journey = Journey(
                first=Touch.from_data(cached.get("f") or {}),
                last=Touch.from_data(cached.get("l") or {}),
            )
        visit = Visit(
            session_id=session_id,
            visitor_id="",
            consented=False,
            new_session=journey is None,
            allows_marketing=False,
            journey=journey,
        )
    request._insights_visit = visit  # type: ignore[attr-defined]
    return visit


def note_landing(request: HttpRequest, *, url: str, referrer: str) -> Visit:
    """Remember where the visit came from when `url` (path and query of the page shown) is a
    landing: campaign parameters, another site's referrer, or the session's first page."""
    visit = visit_of(request)
    touch = attribution.touch_from(url=url, referrer=referrer, own_host=request.get_host())
    if touch is None:
        if not visit.new_session or visit.journey_changed:
            return visit
        touch = attribution.direct_touch(url=url)
    if visit.journey is None:
        journey = Journey(first=touch, last=touch)
    else:
        journey = visit.journey.with_landing(touch)
    if journey != visit.journey:
        visit.journey = journey
        visit.journey_changed = True
        if not visit.consented:
            cache.set(
                _TOUCH_KEY.format(session=visit.session_id),
                {
                    "f": journey.first.without_click_ids().as_data(),
                    "l": journey.last.without_click_ids().as_data(),
                },
                _TOUCH_SECONDS,
            )
    return visit


def apply_cookies(request: HttpRequest, response: HttpResponseBase) -> None:
    """Set the visit's cookies on the response of a request that used its visit.

    Only with analytics consent; the session cookie is re-sent each time (sliding). Requests
    that recorded nothing set nothing, so the cached pages' responses stay cookie-free.
    """
    visit = getattr(request, "_insights_visit", None)
    if not isinstance(visit, Visit) or not visit.consented:
        return
    secure = bool(settings.SESSION_COOKIE_SECURE)
    if request.COOKIES.get(VISITOR_COOKIE) != visit.visitor_id:
        response.set_cookie(
            VISITOR_COOKIE,
            visit.visitor_id,
            max_age=VISITOR_MAX_AGE,
            samesite="Lax",
            secure=secure,
            httponly=True,
        )
    response.set_cookie(
        SESSION_COOKIE,
        visit.session_id,
        max_age=SESSION_MAX_AGE,
        samesite="Lax",
        secure=secure,
        httponly=True,
    )
    if visit.journey_changed and visit.journey is not None:
        journey = visit.journey
        if not visit.allows_marketing:
            journey = Journey(
                first=journey.first.without_click_ids(), last=journey.last.without_click_ids()
            )
        response.set_cookie(
            ATTRIBUTION_COOKIE,
            signing.dumps(
                {"f": journey.first.as_data(), "l": journey.last.as_data()},
                salt=_ATTRIBUTION_SALT,
                compress=True,
            ),
            max_age=ATTRIBUTION_MAX_AGE,
            samesite="Lax",
            secure=secure,
            httponly=True,
        )


def forget_visit_cookies(response: HttpResponseBase) -> None:
    """Delete the analytics cookies (the visitor withdrew consent)."""
    for name in (VISITOR_COOKIE, SESSION_COOKIE, ATTRIBUTION_COOKIE):
        response.delete_cookie(name, samesite="Lax")


# --- Recording ----------------------------------------------------------------------------


def _customer_of(request: HttpRequest | None) -> Any:
    user = getattr(request, "user", None) if request is not None else None
    return user if user is not None and user.is_authenticated else None


def record_event(
    *,
    kind: str,
    request: HttpRequest | None = None,
    customer: Any = None,
    product: Any = None,
    order: Any = None,
    search_query: str = "",
    quantity: int = 0,
    value: Money | Decimal | None = None,
    currency: str = "",
    occurred_at: Any = None,
    path: str = "",
    session_id: str = "",
    visitor_id: str = "",
    touch: Touch | None = None,
    market: str = "",
    country: str = "",
) -> Event | None:
    """Write one event; None (and a log line) when it is a bot's or the write failed.

    With a request, the visit's ids, its touch, the market and the logged-in customer come
    from it; without (a refund by staff, a purchase recorded at commit) from the arguments.
    `product` and `order` may be instances or primary keys.
    """
    try:
        if request is not None:
            if is_bot(request):
                return None
            visit = visit_of(request)
            session_id = session_id or visit.session_id
            visitor_id = visitor_id or visit.visitor_id
            touch = touch or visit.touch
            customer = customer or _customer_of(request)
            path = path or request.path
            market_info = getattr(request, "market", None)
            market = market or str(getattr(market_info, "code", "") or "")
            country = country or str(getattr(request, "market_country", "") or "")
        amount: Decimal | None = None
        if isinstance(value, Money):
            amount, currency = value.amount, value.currency
        elif value is not None:
            amount = Decimal(value)
        touch = touch or Touch()
        event = Event(
            kind=kind,
            occurred_at=occurred_at or clock.now(),
            session_id=session_id[:64],
            visitor_id=visitor_id[:64],
            customer_id=getattr(customer, "pk", customer),
            path=path[:512],
            product_id=getattr(product, "pk", product),
            order_id=getattr(order, "pk", order),
            search_query=search_query[:255],
            quantity=max(int(quantity or 0), 0),
            value_amount=amount,
            currency=currency[:3],
            market=market[:32],
            country=country[:2].upper(),
            channel=touch.channel,
            source=touch.reported_source[:255],
            medium=touch.medium[:255],
            campaign=touch.campaign[:255],
            referrer_host=touch.referrer_host[:255],
        )
        if connection.in_atomic_block:
            # A savepoint: a failed insert must not break the caller's transaction.
            with transaction.atomic():
                event.save(force_insert=True)
        else:
            event.save(force_insert=True)
        return event
    except Exception:
        logger.exception("Could not record a %s event", kind)
        return None


def _order_touch(order: Any) -> Touch:
    return Touch(
        channel=order.last_touch_channel or attribution.Channel.DIRECT,
        source=order.utm_source,
        medium=order.utm_medium,
        campaign=order.utm_campaign,
        referrer_host=attribution.host_of(order.referrer),
    )


def record_purchase_on_commit(*, order: Any, session_id: str = "") -> None:
    """The purchase event, written once the order's transaction commits (never for an order
    that rolled back)."""
    transaction.on_commit(lambda: _write_purchase(order, session_id))


def _write_purchase(order: Any, session_id: str) -> None:
    record_event(
        kind=Event.Kind.PURCHASE,
        customer=order.customer_id,
        order=order.pk,
        value=Money(order.total_amount, order.currency),
        occurred_at=order.placed_at,
        session_id=session_id,
        visitor_id=order.visitor_id,
        touch=_order_touch(order),
        market=order.market_code,
        country=str((order.shipping_address or {}).get("country_code", "")),
    )


def record_refund_on_commit(*, order: Any, amount: Money) -> None:
    """The refund event, when the refund's transaction commits."""
    transaction.on_commit(
        lambda: record_event(
            kind=Event.Kind.REFUND,
            customer=order.customer_id,
            order=order.pk,
            value=amount,
            touch=_order_touch(order),
            market=order.market_code,
            country=str((order.shipping_address or {}).get("country_code", "")),
        )
    )


def order_attribution(request: HttpRequest) -> dict[str, str]:
    """What placement writes on the order (its attribution fields) and the purchase event's
    session, from this request's visit."""
    visit = visit_of(request)
    journey = visit.journey
    if journey is None and not visit.consented and not is_bot(request):
        # The cache lost the anonymous session's touch (a restart): its events still have it.
        journey = _landing_from_events(visit.session_id)
    journey = journey or Journey(first=Touch(), last=Touch())
    fields = attribution.order_fields(
        journey,
        keep_click_ids=visit.allows_marketing,
        visitor_id=visit.visitor_id,
    )
    fields["session_id"] = visit.session_id
    return fields


def _landing_from_events(session_id: str) -> Journey | None:
    """The anonymous session's touch when the cache lost it: its first event's origin."""
    first = (
        Event.objects.filter(session_id=session_id)
        .order_by("occurred_at")
        .values("channel", "source", "medium", "campaign", "referrer_host")
        .first()
    )
    if first is None or not first["channel"]:
        return None
    source = first["source"] if first["source"] != first["referrer_host"] else ""
    touch = Touch(
        channel=first["channel"],
        source=source,
        medium=first["medium"],
        campaign=first["campaign"],
        referrer_host=first["referrer_host"],
    )
    return Journey(first=touch, last=touch)
