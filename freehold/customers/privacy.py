"""Privacy rights: a copy of a customer's data, erasure, and the clock of data-subject requests.

compliance-rules.md section 3. What this module decides, and why:

- **Deadlines.** GDPR: one calendar month from receipt (31 January → 28/29 February, the last
  day of a shorter month), extendable once by two further months, with a reason, if the
  requester is told before the first month ends (Art. 12(3)). CCPA/CPRA: confirm receipt
  within 10 business days, answer within 45 calendar days, extendable once by 45 days with
  notice and a reason; an opt-out of sale/sharing is complied with within 15 business days.
  Months are counted in the store's time zone. Business days skip Saturdays and Sundays only
  (no public holidays: the result is at worst a day early, never late).
- **Access / portability.** `customer_export` is a JSON document of everything the store holds
  on the customer (profile, addresses, orders with lines and addresses, consents, events,
  privacy requests, returns, withdrawals) plus the purposes, recipients, retention periods and
  sources Art. 15 asks for. Every download is audit-logged, by whoever made it.
- **Erasure.** `customer_erase` pseudonymises rather than deletes what tax and accounting law
  makes the store keep: orders stay with their lines, totals and tax lines, but lose e-mail
  (replaced by the account's pseudonym `erased-<id>@invalid`), names, street addresses
  (only the country is kept, for the VAT/OSS records), phone, and the attribution that can
  single a person out (click ids, visitor id, referrer and landing URLs, utm_content/term).
  The account is deactivated with no password; its addresses, carts and score are deleted;
  its events are detached (no customer, no visitor id, no search text). Consent records are
  kept as the proof Art. 7(1) asks for, but they hang off the pseudonymised account and lose
  their visitor id, so they no longer identify anyone.
- **Self-service deletion.** A customer without open orders is erased at once (a closed
  request records it); with an order still in progress (unpaid, unshipped, or a return open)
  the request goes to the staff queue, because erasing would take the shipping address the
  parcel still needs.
"""

from __future__ import annotations

import calendar
import datetime as dt
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from freehold.checkout.models import Cart
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from freehold.customers.models import Consent, Customer, PrivacyRequest
from freehold.insights.models import CustomerScore, Event
from freehold.marketing.models import DiscountRedemption
from freehold.orders.models import Order, OrderNote
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from freehold.returns.models import ReturnRequest, Withdrawal

logger = logging.getLogger(__name__)

EXPORT_FORMAT = "freehold.customer-export/1"
CCPA_RECEIPT_BUSINESS_DAYS = 10
CCPA_OPT_OUT_BUSINESS_DAYS = 15
CCPA_DAYS = 45
GDPR_MONTHS = 1
GDPR_EXTENSION_MONTHS = 2
# Order fields that can single a person out (a click id is a key into an ad platform's profile,
# a URL may carry a token or an e-mail address): erased with the customer. The campaign-level
# fields (utm_source/medium/campaign, first- and last-touch channel) name no one and are kept,
# so marketing reports do not change when a customer is erased.
ATTRIBUTION_FIELDS = (
    "landing_page",
    "referrer",
    "utm_content",
    "utm_term",
    "gclid",
    "fbclid",
    "ttclid",
    "visitor_id",
)
EXPORTED_ATTRIBUTION_FIELDS = (
    *ATTRIBUTION_FIELDS,
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "first_touch_channel",
    "first_touch_source",
    "first_touch_medium",
    "first_touch_campaign",
    "last_touch_channel",
)
ERASED_NOTE = "(erased with the customer's personal data)"


class PrivacyRequestInvalid(ValidationFailed):
    """A request or a step of its handling is refused; `field` names the input at fault."""


# --- Calendar -------------------------------------------------------------------------------


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """The same time `months` calendar months later, in the store's time zone; a day the
    shorter month lacks becomes its last day (31 January + 1 month = 28 or 29 February)."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    month_index = local.month - 1 + months
    year = local.year + month_index // 12
    month = month_index % 12 + 1
    day = min(local.day, calendar.monthrange(year, month)[1])
    naive = local.replace(tzinfo=None).replace(year=year, month=month, day=day)
    if timezone.is_aware(moment):
        return timezone.make_aware(naive, timezone.get_current_timezone())
    return naive


def add_business_days(moment: dt.datetime, days: int) -> dt.datetime:
    """`days` working days (Monday to Friday) later, at the same time of day."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    added = 0
    while added < days:
        local += dt.timedelta(days=1)
        if local.weekday() < 5:
            added += 1
    return local


def due_at_for(*, law: str, kind: str, received_at: dt.datetime) -> dt.datetime:
    """When the answer is due at the latest, before any extension."""
    if law == PrivacyRequest.Law.CCPA:
        if kind == PrivacyRequest.Kind.OPT_OUT:
            return add_business_days(received_at, CCPA_OPT_OUT_BUSINESS_DAYS)
        return received_at + dt.timedelta(days=CCPA_DAYS)
    return add_months(received_at, GDPR_MONTHS)


def extended_due_at_for(privacy_request: PrivacyRequest) -> dt.datetime:
    """The deadline after the one extension the law allows (GDPR +2 months, CCPA +45 days)."""
    if privacy_request.law == PrivacyRequest.Law.CCPA:
        return privacy_request.due_at + dt.timedelta(days=CCPA_DAYS)
    return add_months(privacy_request.due_at, GDPR_EXTENSION_MONTHS)


def receipt_confirmation_due(privacy_request: PrivacyRequest) -> dt.datetime | None:
    """CCPA requests to know, delete or correct: confirm receipt by this time; else None."""
    if privacy_request.law != PrivacyRequest.Law.CCPA:
        return None
    if privacy_request.kind == PrivacyRequest.Kind.OPT_OUT:
        return None
    return add_business_days(privacy_request.received_at, CCPA_RECEIPT_BUSINESS_DAYS)


def is_overdue(privacy_request: PrivacyRequest, *, now: dt.datetime | None = None) -> bool:
    return (
        privacy_request.status == PrivacyRequest.Status.OPEN
        and (now or clock.now()) > privacy_request.deadline
    )


def days_left(privacy_request: PrivacyRequest, *, now: dt.datetime | None = None) -> int:
    """Whole calendar days until the deadline (negative once overdue), in the store's dates."""
    today = timezone.localdate(now or clock.now())
    return (timezone.localdate(privacy_request.deadline) - today).days


def can_extend(privacy_request: PrivacyRequest, *, now: dt.datetime | None = None) -> bool:
    return (
        privacy_request.status == PrivacyRequest.Status.OPEN
        and privacy_request.extended_due_at is None
        and privacy_request.kind != PrivacyRequest.Kind.OPT_OUT
        and (now or clock.now()) < privacy_request.due_at
    )


# --- Request lifecycle ----------------------------------------------------------------------


@transaction.atomic
def privacy_request_create(
    *,
    law: str,
    kind: str,
    email: str,
    actor: Actor,
    details: str = "",
    customer: Customer | None = None,
    notify_store: bool = True,
) -> PrivacyRequest:
    """Record a request and start its clock; the store is told by e-mail (if it has one).

    A request from the public form names an e-mail address only: it is linked to the account
    with that address for staff's convenience, but staff still verify the requester's identity
    before giving out or erasing anything.
    """
    if law not in PrivacyRequest.Law.values:
        raise PrivacyRequestInvalid("Choose GDPR or CCPA.", field="law")
    if kind not in PrivacyRequest.Kind.values:
        raise PrivacyRequestInvalid("Choose what the request is for.", field="kind")
    email = email.strip().lower()
    if not email:
        raise PrivacyRequestInvalid("Enter the requester's e-mail address.", field="email")
    if customer is None:
        customer = Customer.objects.filter(email=email, is_staff=False).first()
    received_at = clock.now()
    privacy_request = PrivacyRequest.objects.create(
        law=law,
        kind=kind,
        email=email,
        details=details.strip()[:5000],
        customer=customer,
        received_at=received_at,
        due_at=due_at_for(law=law, kind=kind, received_at=received_at),
    )
    audit.record(
        actor=actor,
        verb="privacy_request.received",
        obj=privacy_request,
        data={"law": law, "kind": kind},
    )
    if notify_store:
        request_id = privacy_request.pk
        transaction.on_commit(lambda: _notify_store(request_id))
    return privacy_request


def _notify_store(request_id: int) -> None:
    """A short e-mail to the store's address: the request itself is in the dashboard queue.

    It names no personal data (an e-mail in a mailbox is another copy to erase later)."""
    from freehold.storefront.selectors import store_settings

    store = store_settings()
    if not store.email:
        return
    privacy_request = PrivacyRequest.objects.filter(pk=request_id).first()
    if privacy_request is None:
        return
    base = settings.SITE_URL.rstrip("/") if settings.SITE_URL else ""
    body = (
        f"A {privacy_request.get_law_display()} request "
        f"({privacy_request.get_kind_display()}) arrived and is due by "
        f"{timezone.localtime(privacy_request.due_at):%d %b %Y}.\n\n"
        f"{base}/dashboard/customers/privacy/{privacy_request.pk}/\n"
    )
    try:
        send_mail(
            f"Privacy request #{privacy_request.pk}",
            body,
            settings.DEFAULT_FROM_EMAIL,
            [store.email],
        )
    except Exception:  # the queue has it; a mail server being down must not lose the request
        logger.exception("could not e-mail the store about privacy request %s", request_id)


def _open(privacy_request: PrivacyRequest) -> PrivacyRequest:
    locked = PrivacyRequest.objects.select_for_update().get(pk=privacy_request.pk)
    if locked.status != PrivacyRequest.Status.OPEN:
        raise PrivacyRequestInvalid("This request is already closed.", field="status")
    return locked


@transaction.atomic
def privacy_request_extend(
    *,
    privacy_request: PrivacyRequest,
    reason: str,
    notified_on: dt.date | None,
    actor: Actor,
) -> PrivacyRequest:
    """Extend the deadline once, before it passes, with a reason the requester was told."""
    locked = _open(privacy_request)
    now = clock.now()
    reason = reason.strip()
    if locked.kind == PrivacyRequest.Kind.OPT_OUT:
        raise PrivacyRequestInvalid("An opt-out cannot be extended.", field="reason")
    if locked.extended_due_at is not None:
        raise PrivacyRequestInvalid("The deadline was already extended once.", field="reason")
    if now >= locked.due_at:
        raise PrivacyRequestInvalid(
            "The original deadline has passed: an extension had to be given before it.",
            field="reason",
        )
    if not reason:
        raise PrivacyRequestInvalid("Give the reason for the extension.", field="reason")
    if notified_on is None:
        raise PrivacyRequestInvalid(
            "Tell the requester about the extension and its reason first, then record the day.",
            field="notified_on",
        )
    received_on = timezone.localdate(locked.received_at)
    if not received_on <= notified_on <= timezone.localdate(now):
        raise PrivacyRequestInvalid(
            "The day the requester was told lies between receipt and today.",
            field="notified_on",
        )
    locked.extended_due_at = extended_due_at_for(locked)
    locked.extension_reason = reason[:5000]
    locked.extension_notified_on = notified_on
    locked.handled_by = _staff(actor)
    locked.save(
        update_fields=["extended_due_at", "extension_reason", "extension_notified_on", "handled_by"]
    )
    audit.record(
        actor=actor,
        verb="privacy_request.extended",
        obj=locked,
        data={"due_at": locked.extended_due_at.isoformat(), "notified_on": notified_on.isoformat()},
    )
    return locked


@transaction.atomic
def privacy_request_acknowledge(*, privacy_request: PrivacyRequest, actor: Actor) -> PrivacyRequest:
    """Record that the requester was sent the confirmation of receipt (CCPA: 10 business days)."""
    locked = _open(privacy_request)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = clock.now()
        locked.save(update_fields=["acknowledged_at"])
        audit.record(actor=actor, verb="privacy_request.acknowledged", obj=locked)
    return locked


@transaction.atomic
def privacy_request_refuse(
    *, privacy_request: PrivacyRequest, reason: str, actor: Actor
) -> PrivacyRequest:
    """Close the request unanswered; the reason (told to the requester, with their right to
    complain to a supervisory authority) is required."""
    locked = _open(privacy_request)
    reason = reason.strip()
    if not reason:
        raise PrivacyRequestInvalid("Give the reason for refusing.", field="reason")
    return _close(locked, status=PrivacyRequest.Status.REFUSED, outcome=reason, actor=actor)


@transaction.atomic
def privacy_request_complete(
    *, privacy_request: PrivacyRequest, outcome: str, actor: Actor
) -> PrivacyRequest:
    """Close the request as answered; `outcome` says what was done (sent the export, corrected
    the address…)."""
    locked = _open(privacy_request)
    outcome = outcome.strip()
    if not outcome:
        raise PrivacyRequestInvalid("Say what was done.", field="outcome")
    return _close(locked, status=PrivacyRequest.Status.DONE, outcome=outcome, actor=actor)


@transaction.atomic
def privacy_request_erase(*, privacy_request: PrivacyRequest, actor: Actor) -> PrivacyRequest:
    """Carry out an erasure request: the linked account (if any) and the guest orders placed
    with the request's e-mail address are pseudonymised, then the request is closed."""
    locked = _open(privacy_request)
    if locked.kind != PrivacyRequest.Kind.ERASURE:
        raise PrivacyRequestInvalid("This is not an erasure request.", field="kind")
    result = ErasureResult()
    if locked.customer is not None and not locked.customer.is_staff:
        result = customer_erase(customer=locked.customer, actor=actor)
    guest_orders = guest_orders_erase(
        email=locked.email, pseudonym=f"erased-request-{locked.pk}@invalid", actor=actor
    )
    outcome = (
        f"Erased: account {'yes' if result.customer_id else 'none'}, "
        f"{result.orders + guest_orders} orders pseudonymised, {result.events} events detached."
    )
    return _close(locked, status=PrivacyRequest.Status.DONE, outcome=outcome, actor=actor)


def _close(
    privacy_request: PrivacyRequest, *, status: str, outcome: str, actor: Actor
) -> PrivacyRequest:
    privacy_request.status = status
    privacy_request.outcome = outcome[:5000]
    privacy_request.closed_at = clock.now()
    privacy_request.handled_by = _staff(actor)
    privacy_request.save(update_fields=["status", "outcome", "closed_at", "handled_by"])
    audit.record(
        actor=actor,
        verb=f"privacy_request.{'refused' if status == 'refused' else 'completed'}",
        obj=privacy_request,
        from_state=PrivacyRequest.Status.OPEN,
        to_state=status,
    )
    return privacy_request


def _staff(actor: Actor) -> Customer | None:
    if actor.kind != AuditEvent.ActorKind.STAFF or not actor.id:
        return None
    return Customer.objects.filter(pk=int(actor.id)).first()


# --- Access and portability -----------------------------------------------------------------


def _address(address: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in (address or {}).items() if value not in ("", None)}


def _order_export(order: Order) -> dict[str, Any]:
    return {
        "number": order.number,
        "placed_at": order.placed_at,
        "status": order.status,
        "payment_status": order.payment_status,
        "fulfilment_status": order.fulfilment_status,
        "email": order.email,
        "currency": order.currency,
        "subtotal": order.subtotal_amount,
        "discount": order.discount_amount,
        "shipping": order.shipping_amount,
        "tax": order.tax_amount,
        "duty": order.duty_amount,
        "total": order.total_amount,
        "tax_included": order.tax_included,
        "shipping_address": _address(order.shipping_address),
        "billing_address": _address(order.billing_address),
        "market": order.market_code,
        "language": order.language,
        "payment_gateway": order.payment_gateway,
        "attribution": {
            name: getattr(order, name)
            for name in EXPORTED_ATTRIBUTION_FIELDS
            if hasattr(order, name)
        },
        "lines": [
            {
                "product": line.product_title,
                "variant": line.variant_title,
                "sku": line.sku,
                "quantity": line.quantity,
                "unit_price": line.unit_price_amount,
                "discount": line.discount_amount,
                "tax": line.tax_amount,
                "total": line.total_amount,
                "quantity_fulfilled": line.quantity_fulfilled,
                "quantity_refunded": line.quantity_refunded,
            }
            for line in order.lines.all()
        ],
        "tax_lines": [
            {
                "label": tax_line.label,
                "country": tax_line.country,
                "rate": tax_line.rate,
                "amount": tax_line.amount,
            }
            for tax_line in order.tax_lines.all()
        ],
        "shipments": [
            {
                "status": fulfilment.status,
                "carrier": fulfilment.carrier,
                "tracking_number": fulfilment.tracking_number,
                "shipped_at": fulfilment.shipped_at,
                "delivered_at": fulfilment.delivered_at,
            }
            for fulfilment in order.fulfilments.all()
        ],
    }


def _about(customer: Customer) -> dict[str, Any]:
    """Art. 15(1): why the data is processed, who receives it, how long it is kept, where it
    came from."""
    from freehold.customers import retention
    from freehold.storefront.selectors import store_settings

    store = store_settings()
    gateways = sorted(
        set(
            Order.objects.filter(customer=customer)
            .exclude(payment_gateway="")
            .values_list("payment_gateway", flat=True)
        )
    )
    carriers = sorted(
        set(
            Order.objects.filter(customer=customer)
            .exclude(fulfilments__carrier="")
            .exclude(fulfilments__carrier__isnull=True)
            .values_list("fulfilments__carrier", flat=True)
        )
    )
    periods = retention.rules()
    return {
        "controller": {
            "name": store.legal_name or store.name,
            "email": store.email,
        },
        "purposes": [
            "Taking, paying, shipping and returning orders (contract, GDPR Art. 6(1)(b)).",
            "Keeping invoices and order records as tax and accounting law requires "
            "(legal obligation, Art. 6(1)(c)).",
            "Your account: logging in, addresses, order history (contract).",
            "Statistics of visits and sales on this store's own website, where you agreed or "
            "where no consent is needed (consent Art. 6(1)(a) / legitimate interest).",
            "Marketing e-mail, only if you opted in (consent).",
        ],
        "recipients": [
            *(f"Payment provider: {gateway}" for gateway in gateways),
            *(f"Carrier: {carrier}" for carrier in carriers),
            "The store's hosting provider (processor).",
        ],
        "retention": {
            "orders_and_invoices": (
                f"{retention.ORDER_RETENTION_YEARS} years after the order (tax law); "
                "after an erasure without your name, e-mail or address"
            ),
            "account": "until you delete it",
            **{
                category: f"{days} days"
                for category, days in periods.items()
                if category != "import_files"
            },
        },
        "sources": [
            "You: registration, checkout, account pages, forms.",
            "This store's website: the pages you visited and what you did there.",
            "Staff: notes and tags added by the store.",
        ],
    }


def customer_export(customer: Customer) -> dict[str, Any]:
    """Everything the store holds on `customer`, as plain JSON-able data."""
    orders = (
        Order.objects.filter(customer=customer)
        .order_by("placed_at", "id")
        .prefetch_related("lines", "tax_lines", "fulfilments")
    )
    events = (
        Event.objects.filter(customer=customer)
        .select_related("product", "order")
        .order_by("occurred_at", "id")
    )
    returns = (
        ReturnRequest.objects.filter(Q(customer=customer) | Q(order__customer=customer))
        .select_related("order")
        .prefetch_related("lines__order_line")
        .order_by("created_at", "id")
        .distinct()
    )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": clock.now(),
        "profile": {
            "id": customer.pk,
            "email": customer.email,
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "phone": customer.phone,
            "country": customer.country_code,
            "language": customer.language,
            "accepts_marketing": customer.accepts_marketing,
            "accepts_marketing_updated_at": customer.accepts_marketing_updated_at,
            "tags": customer.tags,
            "note": customer.note,
            "registered_at": customer.date_joined,
            "last_login": customer.last_login,
        },
        "addresses": [
            {
                "default": address.is_default,
                **_address(
                    {
                        key: getattr(address, key)
                        for key in (
                            "first_name",
                            "last_name",
                            "company",
                            "line1",
                            "line2",
                            "city",
                            "city_area",
                            "region",
                            "postal_code",
                            "country_code",
                            "phone",
                        )
                    }
                ),
            }
            for address in customer.addresses.order_by("id")
        ],
        "orders": [_order_export(order) for order in orders],
        "consents": [
            {
                "purpose": consent.purpose,
                "granted": consent.granted,
                "source": consent.source,
                "wording_version": consent.wording_version,
                "recorded_at": consent.recorded_at,
            }
            for consent in Consent.objects.filter(customer=customer).order_by("recorded_at", "id")
        ],
        "events": [
            {
                "kind": event.kind,
                "occurred_at": event.occurred_at,
                "path": event.path,
                "product": event.product.title if event.product else None,
                "order": event.order.number if event.order else None,
                "search_query": event.search_query,
                "quantity": event.quantity,
                "value": event.value_amount,
                "currency": event.currency,
                "country": event.country,
                "channel": event.channel,
                "source": event.source,
                "medium": event.medium,
                "campaign": event.campaign,
                "referrer_host": event.referrer_host,
            }
            for event in events
        ],
        "privacy_requests": [
            {
                "law": item.law,
                "kind": item.kind,
                "status": item.status,
                "received_at": item.received_at,
                "due_at": item.deadline,
                "closed_at": item.closed_at,
                "outcome": item.outcome,
            }
            for item in PrivacyRequest.objects.filter(customer=customer).order_by("received_at")
        ],
        "return_requests": [
            {
                "order": item.order.number,
                "status": item.status,
                "reason": item.reason,
                "note": item.note,
                "created_at": item.created_at,
                "lines": [
                    {"product": line.order_line.product_title, "quantity": line.quantity}
                    for line in item.lines.all()
                ],
            }
            for item in returns
        ],
        "withdrawals": [
            {
                "order": item.order.number,
                "name": item.name,
                "email": item.email,
                "status": item.status,
                "submitted_at": item.submitted_at,
            }
            for item in Withdrawal.objects.filter(order__customer=customer).select_related("order")
        ],
        "about_this_data": _about(customer),
    }


def customer_export_json(*, customer: Customer, actor: Actor) -> bytes:
    """The export as a UTF-8 JSON file; the download is audit-logged (who got whose data)."""
    document = customer_export(customer)
    with transaction.atomic():
        audit.record(
            actor=actor,
            verb="customer.data_exported",
            obj=customer,
            data={"orders": len(document["orders"]), "events": len(document["events"])},
        )
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


def export_filename(customer: Customer) -> str:
    return f"my-data-{customer.pk}-{timezone.localdate(clock.now()):%Y-%m-%d}.json"


# --- Erasure --------------------------------------------------------------------------------


@dataclass
class ErasureResult:
    customer_id: int | None = None
    orders: int = 0
    events: int = 0
    carts: int = 0
    addresses: int = 0
    details: dict[str, int] = field(default_factory=dict)


def pseudonym(customer: Customer) -> str:
    return f"erased-{customer.pk}@invalid"


def is_erased(customer: Customer) -> bool:
    return customer.email == pseudonym(customer)


def _erase_order(order: Order, *, email: str) -> None:
    """What tax law keeps (number, dates, lines, totals, tax lines, country) and nothing else."""
    order.email = email
    country = (order.shipping_address or {}).get("country_code") or ""
    billing_country = (order.billing_address or {}).get("country_code") or country
    order.shipping_address = {"country_code": country} if country else {}
    order.billing_address = {"country_code": billing_country} if billing_country else {}
    for name in ATTRIBUTION_FIELDS:
        setattr(order, name, "")
    order.updated_at = clock.now()
    order.save(
        update_fields=[
            "email",
            "shipping_address",
            "billing_address",
            *ATTRIBUTION_FIELDS,
            "updated_at",
        ]
    )


def _erase_order_records(orders: list[Order], *, email: str) -> None:
    """The records hanging off erased orders: staff notes (they quote the customer), the
    customer's return notes, withdrawal declarations and discount redemptions."""
    order_ids = [order.pk for order in orders]
    OrderNote.objects.filter(order_id__in=order_ids).update(body=ERASED_NOTE)
    ReturnRequest.objects.filter(order_id__in=order_ids).update(note="")
    Withdrawal.objects.filter(order_id__in=order_ids).update(name="", email=email)
    DiscountRedemption.objects.filter(order_number__in=[order.number for order in orders]).update(
        email=email
    )


def open_orders(customer: Customer) -> list[Order]:
    """Orders still in progress: erasing them would take the address the parcel needs."""
    in_progress = Q(status=OrderStatus.OPEN) & (
        Q(payment_status__in=[PaymentStatus.AWAITING_PAYMENT, PaymentStatus.AUTHORIZED])
        | Q(
            fulfilment_status__in=[
                FulfilmentStatus.UNFULFILLED,
                FulfilmentStatus.PARTIALLY_FULFILLED,
            ],
            payment_status=PaymentStatus.PAID,
        )
    )
    open_returns = Q(
        return_requests__status__in=[
            ReturnRequest.Status.REQUESTED,
            ReturnRequest.Status.APPROVED,
            ReturnRequest.Status.RECEIVED,
        ]
    )
    return list(
        Order.objects.filter(customer=customer).filter(in_progress | open_returns).distinct()
    )


@transaction.atomic
def customer_erase(*, customer: Customer, actor: Actor) -> ErasureResult:
    """Remove or pseudonymise the customer's personal data; keep what tax law requires.

    See the module docstring for what is kept. Idempotent: erasing again finds nothing new.
    Staff accounts are refused (they are closed under Settings → Staff).
    """
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_staff:
        raise PrivacyRequestInvalid(
            "This is a staff account: remove it under Settings → Staff first.", field="customer"
        )
    email = pseudonym(customer)
    visitor_ids = {
        *Event.objects.filter(customer=customer)
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True),
        *Order.objects.filter(customer=customer)
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True),
        *Consent.objects.filter(customer=customer)
        .exclude(visitor_id="")
        .values_list("visitor_id", flat=True),
    }
    result = ErasureResult(customer_id=customer.pk)
    orders = list(Order.objects.filter(customer=customer).select_for_update())
    for order in orders:
        _erase_order(order, email=email)
    _erase_order_records(orders, email=email)
    result.orders = len(orders)
    events = Event.objects.filter(customer=customer)
    if visitor_ids:
        events = Event.objects.filter(Q(customer=customer) | Q(visitor_id__in=visitor_ids))
    result.events = events.update(customer=None, visitor_id="", search_query="")
    Consent.objects.filter(customer=customer).update(visitor_id="")
    result.carts = Cart.objects.filter(customer=customer).delete()[0]
    result.addresses = customer.addresses.all().delete()[0]
    CustomerScore.objects.filter(customer=customer).delete()
    ReturnRequest.objects.filter(customer=customer).update(note="")
    # The audit log keeps what happened, but not the e-mail address it happened to.
    AuditEvent.objects.filter(
        actor_kind=AuditEvent.ActorKind.CUSTOMER, actor_id=str(customer.pk)
    ).update(actor_label=email)
    AuditEvent.objects.filter(
        object_type=Customer._meta.label_lower,
        object_id=str(customer.pk),
        verb__in=["customer.email_changed", "customer.updated"],
    ).update(from_state="", to_state="", data={})
    customer.email = email
    customer.first_name = ""
    customer.last_name = ""
    customer.phone = ""
    customer.note = ""
    customer.tags = []
    customer.accepts_marketing = False
    customer.accepts_marketing_updated_at = clock.now()
    customer.is_active = False
    customer.set_unusable_password()
    customer.save()
    audit.record(
        actor=actor,
        verb="customer.erased",
        obj=customer,
        data={
            "orders": result.orders,
            "events": result.events,
            "carts": result.carts,
            "addresses": result.addresses,
        },
    )
    # The customer's privacy requests keep the e-mail they came from: they are the record
    # that the request was answered, deleted after their retention period (Settings → Privacy).
    return result


@transaction.atomic
def guest_orders_erase(*, email: str, pseudonym: str, actor: Actor) -> int:
    """Pseudonymise the orders placed without an account under `email` (staff verified that
    the requester owns the address); how many."""
    email = email.strip().lower()
    if not email:
        return 0
    orders = list(
        Order.objects.filter(customer__isnull=True, email__iexact=email).select_for_update()
    )
    for order in orders:
        _erase_order(order, email=pseudonym)
        audit.record(actor=actor, verb="order.personal_data_erased", obj=order)
    _erase_order_records(orders, email=pseudonym)
    Cart.objects.filter(customer__isnull=True, email__iexact=email).delete()
    return len(orders)


@dataclass
class DeletionOutcome:
    erased: bool
    privacy_request: PrivacyRequest


@transaction.atomic
def account_deletion_request(*, customer: Customer, password: str) -> DeletionOutcome:
    """A customer asks to delete their account from /account/privacy.

    The password proves it is them (a left-open session is not enough). Without open orders
    the account is erased at once; otherwise a request goes to the staff queue.
    """
    if not customer.check_password(password):
        raise PrivacyRequestInvalid("The password is not correct.", field="password")
    actor = Actor.for_user(customer)
    law = PrivacyRequest.Law.CCPA if customer.country_code == "US" else PrivacyRequest.Law.GDPR
    in_progress = open_orders(customer)
    privacy_request = privacy_request_create(
        law=law,
        kind=PrivacyRequest.Kind.ERASURE,
        email=customer.email,
        customer=customer,
        actor=actor,
        details="Asked from the account page.",
        notify_store=bool(in_progress),
    )
    if in_progress:
        return DeletionOutcome(erased=False, privacy_request=privacy_request)
    customer_erase(customer=customer, actor=actor)
    privacy_request = _close(
        privacy_request,
        status=PrivacyRequest.Status.DONE,
        outcome="Erased at once: no open orders.",
        actor=actor,
    )
    return DeletionOutcome(erased=True, privacy_request=privacy_request)


# --- Demo -----------------------------------------------------------------------------------


def seed_privacy() -> list[PrivacyRequest]:
    """A few requests for the demo's queue: one fresh CCPA request waiting for its receipt
    confirmation, one GDPR access request half-way through its month, one overdue erasure.

    Called by the demo seed after its customers exist; does nothing without customers or if
    the queue already has requests.
    """
    if PrivacyRequest.objects.exists():
        return []
    customers = list(Customer.objects.filter(is_staff=False, is_active=True).order_by("id")[:3])
    if not customers:
        return []
    now = clock.now()
    plan = [
        (PrivacyRequest.Law.CCPA, PrivacyRequest.Kind.ACCESS, 3),
        (PrivacyRequest.Law.GDPR, PrivacyRequest.Kind.ACCESS, 15),
        (PrivacyRequest.Law.GDPR, PrivacyRequest.Kind.ERASURE, 40),
    ]
    made = []
    for (law, kind, days_ago), customer in zip(plan, customers, strict=False):
        received_at = now - dt.timedelta(days=days_ago)
        made.append(
            PrivacyRequest.objects.create(
                law=law,
                kind=kind,
                email=customer.email,
                customer=customer,
                details="Sent by e-mail.",
                received_at=received_at,
                due_at=due_at_for(law=law, kind=kind, received_at=received_at),
            )
        )
    return made
