"""The withdrawal acknowledgement e-mail (CRD Art. 11a): its content, date and time of receipt.

Rendered like the order e-mails (theme templates `emails/withdrawal_received.html` and `.txt`
extending `emails/base.*`, the same brand context), so a merchant's theme overrides apply.
Written in the order's language, like the order e-mails.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.utils.translation import gettext_lazy, override

from freehold.core import clock
from freehold.notifications import emails
from freehold.orders.models import Order
from freehold.returns.models import Withdrawal
from freehold.storefront import selectors
from freehold.storefront.jinja import babel_locale
from freehold.storefront.models import StoreSettings

KIND = "withdrawal_received"
_SUBJECT = gettext_lazy("We received your withdrawal from order #%(number)s")


def received_at_text(moment: dt.datetime, language: str) -> str:
    """A moment in long form with its time zone named, e.g. "March 4, 2025, 1:00:00 PM CET"."""
    zone = ZoneInfo(settings.TIME_ZONE)
    return format_datetime(moment, "long", tzinfo=zone, locale=babel_locale(language))


def date_text(moment: dt.datetime, language: str) -> str:
    """The day of a moment in the store's time zone, long form: "March 24, 2025"."""
    local = moment.astimezone(ZoneInfo(settings.TIME_ZONE))
    return format_date(local, "long", locale=babel_locale(language))


def render(withdrawal: Withdrawal) -> tuple[str, str, str]:
    """The subject, plain-text body and HTML body of the acknowledgement."""
    order = withdrawal.order
    store = selectors.store_settings()
    with override(emails.language_of(order, store)):
        return _render(withdrawal, order=order, store=store)


def _render(withdrawal: Withdrawal, *, order: Order, store: StoreSettings) -> tuple[str, str, str]:
    subject = " ".join(f"{_SUBJECT % {'number': order.number}} – {store.name}".split())
    context = emails._context(
        kind=KIND,
        subject=subject,
        store=store,
        order=order,
        fulfilment=None,
        refund_amount=None,
    )
    language = emails.language_of(order, store)
    context.update(
        withdrawal=withdrawal,
        received_at=received_at_text(withdrawal.submitted_at, language),
        refund_due_by=date_text(withdrawal.refund_due_by, language),
    )
    html = get_template(f"emails/{KIND}.html", using=emails.ENGINE).render(context)
    text_environment = emails._text_environment(emails._jinja_environment())
    text = text_environment.get_template(f"emails/{KIND}.txt").render(context)
    return subject, text.strip() + "\n", html


def send(*, withdrawal_id: int) -> int:
    """Send the acknowledgement to the address given in the form; record when it went out."""
    withdrawal = Withdrawal.objects.select_related("order").get(pk=withdrawal_id)
    subject, text, html = render(withdrawal)
    store = selectors.store_settings()
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[withdrawal.email],
        reply_to=[store.email] if store.email else None,
    )
    message.attach_alternative(html, "text/html")
    sent = message.send()
    if sent:
        Withdrawal.objects.filter(pk=withdrawal.pk).update(acknowledgement_sent_at=clock.now())
    return sent
