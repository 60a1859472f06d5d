"""Recording consent: every answer a visitor or customer gives becomes `Consent` rows.

`customers.consent` reads what a visitor agreed to for this request (the `fh_consent` cookie,
the Global Privacy Control header); this module writes the proof (GDPR Art. 7(1): who, what,
when, how, and the wording they saw) and keeps `Customer.accepts_marketing`, the flag the
e-mail code reads, in step with the latest e-mail consent.

Where answers come from (`Consent.Source`):
- the cookie banner and the "Privacy choices" page (analytics, marketing);
- the "Do Not Sell or Share" form and the `Sec-GPC: 1` header (sale_sharing, CCPA/CPRA);
- registration, the account page, staff and the unsubscribe link (email).

A Do Not Sell opt-out is not asked back for 12 months (CCPA regulations, 11 CCR 7026(k)):
`sale_sharing_opt_out_active` is what the banner's view checks before it lets "Accept all"
turn marketing back on for a customer.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterable, Sequence

from django.core import signing
from django.db import transaction
from django.db.models import F
from django.urls import reverse

from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.customers.consent import WORDING_VERSION
from freehold.customers.models import Consent, Customer

# The first-party visitor id cookie (set by the events collection, only with consent where
# consent is required); kept on consent rows so an anonymous answer names its browser.
VISITOR_COOKIE = "fh_vid"  # = freehold.insights.events.VISITOR_COOKIE
_VISITOR_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")
# Bumped when the marketing e-mail checkbox's text changes (registration, account page).
EMAIL_WORDING_VERSION = "2026-11"
# The wording of the Do Not Sell or Share page.
DO_NOT_SELL_WORDING_VERSION = "2026-11"
# CCPA: after an opt-out of sale or sharing, wait at least 12 months before asking again.
OPT_OUT_QUIET_PERIOD = dt.timedelta(days=365)
# The unsubscribe link's signature is bound to this purpose: a token signed for anything else
# (a password reset, an order link) is not an unsubscribe token.
UNSUBSCRIBE_SALT = "freehold.customers.unsubscribe"

Purpose = Consent.Purpose
Source = Consent.Source


def clean_visitor_id(raw: str | None) -> str:
    """The visitor id as stored: a cookie value is the visitor's to write, so only a short,
    plain token is kept."""
    value = (raw or "").strip()
    return value if _VISITOR_ID.match(value) else ""


def consent_record(
    *,
    purpose: str,
    granted: bool,
    source: str,
    customer: Customer | None = None,
    visitor_id: str = "",
    wording_version: str = "",
) -> Consent:
    """One consent row, as given or withdrawn now. The building block of the services below."""
    return Consent.objects.create(
        customer=customer,
        visitor_id=clean_visitor_id(visitor_id),
        purpose=purpose,
        granted=granted,
        source=source,
        wording_version=wording_version,
        recorded_at=clock.now(),
    )


def _customer_or_none(customer: Customer | None) -> Customer | None:
    """Rows are about shoppers: an anonymous user object is no customer."""
    if customer is None or not getattr(customer, "is_authenticated", False):
        return None
    return customer if isinstance(customer, Customer) else None


def latest_consent(customer: Customer, purpose: str) -> Consent | None:
    return (
        Consent.objects.filter(customer=customer, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .first()
    )


def sale_sharing_opt_out_active(customer: Customer | None) -> bool:
    """Whether this customer opted out of sale or sharing within the last 12 months (and has
    not opted back in since): the banner must not ask them about marketing again."""
    customer = _customer_or_none(customer)
    if customer is None:
        return False
    latest = latest_consent(customer, Purpose.SALE_SHARING)
    return (
        latest is not None
        and not latest.granted
        and latest.recorded_at >= clock.now() - OPT_OUT_QUIET_PERIOD
    )


# --- The banner and the privacy choices page ----------------------------------------------


@transaction.atomic
def banner_answer_record(
    *,
    analytics: bool,
    marketing: bool,
    customer: Customer | None = None,
    visitor_id: str = "",
) -> list[Consent]:
    """The banner's answer: one row per purpose it asked about, with its wording version."""
    customer = _customer_or_none(customer)
    return [
        consent_record(
            purpose=purpose,
            granted=granted,
            source=Source.BANNER,
            customer=customer,
            visitor_id=visitor_id,
            wording_version=WORDING_VERSION,
        )
        for purpose, granted in ((Purpose.ANALYTICS, analytics), (Purpose.MARKETING, marketing))
    ]


# --- Sale or sharing (CCPA/CPRA): the Do Not Sell form and Global Privacy Control ----------


@transaction.atomic
def sale_sharing_record(
    *,
    opted_out: bool,
    customers: Iterable[Customer | None] = (),
    visitor_id: str = "",
) -> list[Consent]:
    """The Do Not Sell or Share form's answer, for the browser and each customer it names.

    No identity check (the law asks for none for an opt-out): whoever types a customer's
    e-mail address can only make the store share *less* of that customer's data. Opting back
    in is only ever the visitor's own doing (the same page, logged in or in their browser),
    never by e-mail address.
    """
    rows: list[Consent] = []
    seen: set[int] = set()
    for candidate in customers:
        customer = _customer_or_none(candidate)
        if customer is None or customer.pk in seen:
            continue
        seen.add(customer.pk)
        rows.append(
            consent_record(
                purpose=Purpose.SALE_SHARING,
                granted=not opted_out,
                source=Source.DO_NOT_SELL,
                customer=customer,
                visitor_id=visitor_id,
                wording_version=DO_NOT_SELL_WORDING_VERSION,
            )
        )
        verb = "customer.sale_sharing_opted_out" if opted_out else "customer.sale_sharing_allowed"
        audit.record(actor=Actor.system("do-not-sell form"), verb=verb, obj=customer)
    if not rows:
        rows.append(
            consent_record(
                purpose=Purpose.SALE_SHARING,
                granted=not opted_out,
                source=Source.DO_NOT_SELL,
                visitor_id=visitor_id,
                wording_version=DO_NOT_SELL_WORDING_VERSION,
            )
        )
    return rows


def customer_for_email(email: str) -> Customer | None:
    """The customer with this login e-mail, if any (the caller must not tell the visitor)."""
    address = (email or "").strip().lower()
    if not address:
        return None
    return Customer.objects.filter(email=address).first()


@transaction.atomic
def gpc_signal_record(*, customer: Customer) -> Consent | None:
    """Record a Global Privacy Control opt-out for a logged-in customer, once.

    The header itself is honoured on every request (`consent_state`); the row is the proof
    that the store saw it. Nothing is written when the customer's latest sale-or-sharing
    answer already is an opt-out (from GPC or the form), so a browser that always sends the
    header adds one row, not one per visit.
    """
    locked = Customer.objects.select_for_update().filter(pk=customer.pk).first()
    if locked is None:
        return None
    latest = latest_consent(locked, Purpose.SALE_SHARING)
    if latest is not None and not latest.granted:
        return None
    return consent_record(
        purpose=Purpose.SALE_SHARING, granted=False, source=Source.GPC, customer=locked
    )


# --- Marketing e-mail ---------------------------------------------------------------------


def email_consent_record(
    *,
    customer: Customer,
    granted: bool,
    source: str,
    wording_version: str = EMAIL_WORDING_VERSION,
) -> Consent:
    """The record of a marketing e-mail choice. The caller (a service already writing the
    customer in a transaction) sets `accepts_marketing` itself."""
    return consent_record(
        purpose=Purpose.EMAIL,
        granted=granted,
        source=source,
        customer=customer,
        wording_version=wording_version,
    )


@transaction.atomic
def email_unsubscribe(*, customer: Customer) -> bool:
    """Withdraw marketing e-mail consent at once (GDPR Art. 21(3): an objection always stops
    direct marketing); True when something changed.

    A second click on the same link changes nothing and records nothing more.
    """
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    latest = latest_consent(locked, Purpose.EMAIL)
    already_withdrawn = not locked.accepts_marketing and (latest is None or not latest.granted)
    if already_withdrawn:
        return False
    now = clock.now()
    locked.accepts_marketing = False
    locked.accepts_marketing_updated_at = now
    locked.save(update_fields=["accepts_marketing", "accepts_marketing_updated_at"])
    # The link shows no wording to agree to: the withdrawal carries no version.
    email_consent_record(
        customer=locked, granted=False, source=Source.UNSUBSCRIBE, wording_version=""
    )
    audit.record(actor=Actor.for_user(locked), verb="customer.unsubscribed", obj=locked)
    customer.accepts_marketing = False
    customer.accepts_marketing_updated_at = now
    return True


def unsubscribe_token(customer: Customer) -> str:
    """A signed, URL-safe token naming the customer, for the unsubscribe link.

    It does not expire: a link in a years-old newsletter must still work. It can do one thing
    only, stop marketing e-mail, so a leaked token costs the customer newsletters at worst.
    """
    return signing.dumps(customer.pk, salt=UNSUBSCRIBE_SALT, compress=False)


def customer_for_unsubscribe_token(token: str) -> Customer | None:
    try:
        customer_id = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(customer_id, int):
        return None
    return Customer.objects.filter(pk=customer_id).first()


def unsubscribe_url(customer: Customer, *, base_url: str = "") -> str:
    """The one-click unsubscribe link for marketing e-mails (body link and the
    `List-Unsubscribe` header; the view also takes RFC 8058's one-click POST).

    `base_url` ("https://shop.example") makes it absolute, as e-mails need.
    """
    path = reverse("privacy-unsubscribe", args=[unsubscribe_token(customer)])
    return f"{base_url.rstrip('/')}{path}" if base_url else path


# --- Demo data ----------------------------------------------------------------------------


def seed_consent(*, customer_ids: Sequence[int], seed: int = 42, batch_size: int = 2000) -> int:
    """A plausible consent history for the demo's customers; the number of rows written.

    At sign-up about 45 % tick the newsletter box (one in eight of them unsubscribes later),
    most answer the banner, and a few browsers send GPC. `accepts_marketing` is set to match,
    so segments on consent and the dashboard's consent panel have something to show. Bulk
    writes in batches: the benchmark's 200,000 customers take seconds, not minutes.
    """
    rng = random.Random(seed)
    now = clock.now()
    written = 0
    for start in range(0, len(customer_ids), batch_size):
        ids = list(customer_ids[start : start + batch_size])
        joined = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "date_joined"))
        rows: list[Consent] = []
        subscribed: list[int] = []
        withdrawn: list[Customer] = []
        for customer_id in ids:
            at = joined.get(customer_id)
            if at is None:
                continue
            opted_in = rng.random() < 0.45
            rows.append(
                Consent(
                    customer_id=customer_id,
                    purpose=Purpose.EMAIL,
                    granted=opted_in,
                    source=Source.REGISTER,
                    wording_version=EMAIL_WORDING_VERSION,
                    recorded_at=at,
                )
            )
            if opted_in and rng.random() < 0.125:
                left_at = min(now, at + dt.timedelta(days=rng.randint(7, 400)))
                rows.append(
                    Consent(
                        customer_id=customer_id,
                        purpose=Purpose.EMAIL,
                        granted=False,
                        source=Source.UNSUBSCRIBE,
                        recorded_at=left_at,
                    )
                )
                withdrawn.append(
                    Customer(
                        pk=customer_id,
                        accepts_marketing=False,
                        accepts_marketing_updated_at=left_at,
                    )
                )
            elif opted_in:
                subscribed.append(customer_id)
            if rng.random() < 0.7:
                analytics = rng.random() < 0.7
                marketing = analytics and rng.random() < 0.6
                answered_at = at - dt.timedelta(minutes=rng.randint(1, 30))
                for purpose, granted in (
                    (Purpose.ANALYTICS, analytics),
                    (Purpose.MARKETING, marketing),
                ):
                    rows.append(
                        Consent(
                            customer_id=customer_id,
                            purpose=purpose,
                            granted=granted,
                            source=Source.BANNER,
                            wording_version=WORDING_VERSION,
                            recorded_at=answered_at,
                        )
                    )
            if rng.random() < 0.03:
                rows.append(
                    Consent(
                        customer_id=customer_id,
                        purpose=Purpose.SALE_SHARING,
                        granted=False,
                        source=Source.GPC,
                        recorded_at=at,
                    )
                )
        with transaction.atomic():
            Consent.objects.bulk_create(rows)
            Customer.objects.filter(pk__in=subscribed).update(
                accepts_marketing=True, accepts_marketing_updated_at=F("date_joined")
            )
            Customer.objects.bulk_update(
                withdrawn, ["accepts_marketing", "accepts_marketing_updated_at"]
            )
        written += len(rows)
    return written
