"""The password-reset e-mail: a branded HTML part and a plain-text part, like the order e-mails.

Rendered from the theme templates `emails/password_reset.html` and `.txt` (extending
`emails/base.*` with `order` None), with the brand context the order e-mails use, so a
merchant's theme overrides apply to it too. Written in the customer's language (else the
store's), like the order e-mails.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy, ngettext, override

from freehold.customers.models import Customer
from freehold.notifications import emails
from freehold.storefront import selectors
from freehold.storefront.models import StoreSettings

KIND = "password_reset"
_SUBJECT = gettext_lazy("Reset your password")


def reset_path(customer: Customer) -> str:
    """The path of a fresh reset link: valid until used, until the password or e-mail changes,
    after a login, or after PASSWORD_RESET_TIMEOUT."""
    return reverse(
        "account-password-reset-confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(customer.pk)),
            "token": default_token_generator.make_token(customer),
        },
    )


def _validity(seconds: int) -> str:
    hours = max(seconds // 3600, 1)
    if hours % 24 == 0:
        days = hours // 24
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}


def render(customer: Customer, *, base_url: str) -> tuple[str, str, str]:
    """The subject, plain-text body and HTML body of a reset e-mail with a new link."""
    store = selectors.store_settings()
    language = customer.language or store.language or settings.LANGUAGE_CODE
    with override(language):
        return _render(customer, store=store, language=language, base_url=base_url)


def _render(
    customer: Customer, *, store: StoreSettings, language: str, base_url: str
) -> tuple[str, str, str]:
    subject = " ".join(f"{_SUBJECT} – {store.name}".split())
    context = {
        "kind": KIND,
        "subject": subject,
        "store": store,
        "colours": emails._colours(store),
        "logo_url": emails._logo_url(store),
        "store_address": emails._store_address(store, language),
        # No order: the shared frame leaves out its order number, summary and status link.
        "order": None,
        "status_url": "",
        "lines": [],
        "totals": [],
        "shipping_address": [],
        "customer": customer,
        "reset_url": f"{base_url.rstrip('/')}{reset_path(customer)}",
        "valid_for": _validity(settings.PASSWORD_RESET_TIMEOUT),
    }
    html = get_template(f"emails/{KIND}.html", using=emails.ENGINE).render(context)
    text_environment = emails._text_environment(emails._jinja_environment())
    text = text_environment.get_template(f"emails/{KIND}.txt").render(context)
    return subject, text.strip() + "\n", html


def send_password_reset(*, customer_id: int, base_url: str) -> int:
    """Send a reset link to an active customer; 0 if the account is gone or deactivated since."""
    customer = Customer.objects.filter(pk=customer_id, is_active=True).first()
    if customer is None:
        return 0
    subject, text, html = render(customer, base_url=base_url)
    store = selectors.store_settings()
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[customer.email],
        reply_to=[store.email] if store.email else None,
    )
    message.attach_alternative(html, "text/html")
    return message.send()
