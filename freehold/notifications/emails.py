"""Transactional e-mails about an order: rendered from theme templates, sent as HTML + text.

The templates live in the storefront theme (`emails/<kind>.html` and `.txt`, extending
`emails/base.*`), so a merchant overrides them through the theme folder like any storefront
template. The HTML part goes through the Jinja engine's autoescaping; the text part is rendered
by an overlay of the same environment without autoescaping (a text/plain part full of `&amp;`
would be wrong), sharing its loader, so the same theme overrides apply.

Each e-mail is written in the order's language (`Order.language`, else the store's): subject,
texts, labels, money, dates and country names, whatever language the request that caused it
(a staff member's dashboard click, a webhook) runs in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from django.template.loader import get_template
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from jinja2 import Environment

from freehold.core.money import Money
from freehold.customers import addresses
from freehold.orders.models import Fulfilment, Order
from freehold.storefront import selectors
from freehold.storefront.jinja import absolute_url_for, country_name, format_money, social_image
from freehold.storefront.models import HEX_COLOUR, StoreSettings

ENGINE = "jinja2"
ORDER_CONFIRMATION = "order_confirmation"
PAYMENT_RECEIVED = "payment_received"
ORDER_SHIPPED = "order_shipped"
ORDER_REFUNDED = "order_refunded"
KINDS = (ORDER_CONFIRMATION, PAYMENT_RECEIVED, ORDER_SHIPPED, ORDER_REFUNDED)

_SUBJECTS = {
    ORDER_CONFIRMATION: gettext_lazy("Order #%(number)s confirmed"),
    PAYMENT_RECEIVED: gettext_lazy("Payment received for order #%(number)s"),
    ORDER_SHIPPED: gettext_lazy("Order #%(number)s has shipped"),
    ORDER_REFUNDED: gettext_lazy("Refund for order #%(number)s"),
}
# The colours used when a stored one is not a #rrggbb value: it goes into a style attribute.
_DEFAULT_COLOURS = {
    "color_primary": "#1f3a5f",
    "color_accent": "#b4442c",
    "color_background": "#ffffff",
    "color_text": "#1b1b1b",
}


@dataclass(frozen=True)
class Total:
    label: str
    amount: Money
    is_grand_total: bool = False


def render(
    kind: str,
    *,
    order: Order,
    fulfilment: Fulfilment | None = None,
    refund_amount: Decimal | str | None = None,
) -> tuple[str, str, str]:
    """The subject, plain-text body and HTML body of one e-mail about `order`."""
    if kind not in KINDS:
        raise ValueError(f"Unknown order e-mail {kind!r}; expected one of {', '.join(KINDS)}.")
    if kind == ORDER_SHIPPED and fulfilment is None:
        raise ValueError("A shipping e-mail needs the fulfilment that was shipped.")
    if kind == ORDER_REFUNDED and refund_amount is None:
        raise ValueError("A refund e-mail needs the refunded amount.")
    store = selectors.store_settings()
    with translation.override(language_of(order, store)):
        subject = f"{_SUBJECTS[kind] % {'number': order.number}} – {store.name}"
        # A header must be one line; a store name is free text.
        subject = " ".join(subject.split())
        context = _context(
            kind=kind,
            subject=subject,
            store=store,
            order=order,
            fulfilment=fulfilment,
            refund_amount=refund_amount,
        )
        html = get_template(f"emails/{kind}.html", using=ENGINE).render(context)
        text = _text_environment(_jinja_environment()).get_template(f"emails/{kind}.txt")
        return subject, text.render(context).strip() + "\n", html


def language_of(order: Order, store: StoreSettings) -> str:
    """The language to write to this order's shopper in: the order's, else the store's."""
    return order.language or store.language or settings.LANGUAGE_CODE


def send(
    kind: str,
    *,
    order_id: int,
    fulfilment_id: int | None = None,
    refund_amount: Decimal | str | None = None,
) -> int:
    """Render and send one e-mail to the order's address; the number of messages sent (0 or 1).

    Takes ids rather than objects because it runs in a task, perhaps in another process, and
    must read the order as it is when the e-mail goes out.
    """
    order = Order.objects.get(pk=order_id)
    fulfilment = (
        Fulfilment.objects.get(pk=fulfilment_id, order=order) if fulfilment_id is not None else None
    )
    subject, text, html = render(
        kind, order=order, fulfilment=fulfilment, refund_amount=refund_amount
    )
    store = selectors.store_settings()
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[order.email],
        reply_to=[store.email] if store.email else None,
    )
    message.attach_alternative(html, "text/html")
    return message.send()


# --- Context --------------------------------------------------------------------------------


def _context(
    *,
    kind: str,
    subject: str,
    store: StoreSettings,
    order: Order,
    fulfilment: Fulfilment | None,
    refund_amount: Decimal | str | None,
) -> dict[str, Any]:
    language = language_of(order, store)
    return {
        "kind": kind,
        "subject": subject,
        "store": store,
        "colours": _colours(store),
        "logo_url": _logo_url(store),
        "order": order,
        "lines": list(order.lines.all()),
        "totals": _totals(order),
        "shipping_address": _address_lines(order.shipping_address, language),
        "store_address": _store_address(store, language),
        "status_url": f"{settings.SITE_URL}/orders/{order.token}" if settings.SITE_URL else "",
        # The EU withdrawal form, prefilled for this order. Without SITE_URL the e-mail names
        # the path, so the shopper still learns of the right and where to use it.
        "withdrawal_url": f"{settings.SITE_URL}/withdrawal?order={order.token}",
        "fulfilment": fulfilment,
        "refund": (
            Money(Decimal(str(refund_amount)), order.currency)
            if refund_amount is not None
            else None
        ),
        # Shadows the storefront's request-bound `money()`: an e-mail has no request, and is
        # written in the order's language.
        "money": _money_formatter(language),
    }


def _money_formatter(language: str) -> Callable[..., str]:
    def money(value: Money | Decimal | None, currency: str = "") -> str:
        return format_money(value, currency, language=language)

    return money


def _colours(store: StoreSettings) -> dict[str, str]:
    colours = {}
    for field, default in _DEFAULT_COLOURS.items():
        value = str(getattr(store, field, "") or "")
        colours[field.removeprefix("color_")] = value if HEX_COLOUR.match(value) else default
    return colours


def _logo_url(store: StoreSettings) -> str:
    """An absolute logo URL, or "" without SITE_URL: a relative image URL means nothing in mail."""
    if not settings.SITE_URL or store.logo is None:
        return ""
    picture = social_image(store.logo)
    return absolute_url_for(None, picture["url"]) if picture else ""


def _totals(order: Order) -> list[Total]:
    def money(amount: Decimal) -> Money:
        return Money(amount, order.currency)

    totals = [Total(gettext("Subtotal"), money(order.subtotal_amount))]
    if order.discount_amount:
        totals.append(Total(gettext("Discount"), money(-order.discount_amount)))
    totals.append(Total(gettext("Shipping"), money(order.shipping_amount)))
    if order.tax_amount:
        label = gettext("Including tax") if order.tax_included else gettext("Tax")
        totals.append(Total(label, money(order.tax_amount)))
    if order.duty_amount:
        totals.append(Total(gettext("Duties"), money(order.duty_amount)))
    totals.append(Total(gettext("Total"), money(order.total_amount), is_grand_total=True))
    return totals


def _address_lines(address: Any, language: str) -> list[str]:
    """A postal address as its country writes it (`customers.addresses.address_lines`),
    whatever subset of the Address fields the order holds."""
    return addresses.address_lines(address, language)


def _store_address(store: StoreSettings, language: str = "") -> list[str]:
    lines = [line for line in store.address_lines if line != store.country_code]
    if store.country_code:
        lines.append(country_name(store.country_code, language or store.language))
    return lines


# --- Environments ---------------------------------------------------------------------------


def _jinja_environment() -> Environment:
    engine = engines[ENGINE]
    assert isinstance(engine, Jinja2)
    return engine.env


@lru_cache(maxsize=4)
def _text_environment(environment: Environment) -> Environment:
    """The theme environment without autoescaping, for text/plain parts.

    A fresh template cache (cache_size) so no template compiled with autoescaping is shared.
    Keyed on the environment: a settings change (tests overriding TEMPLATES) makes a new one.
    """
    return environment.overlay(autoescape=False, cache_size=64)
