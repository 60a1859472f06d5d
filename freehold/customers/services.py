"""Changes to customer accounts: what a shopper does (registering, profile, password, addresses,
reorders) and what staff do (creating and editing customers from the dashboard or the API).

Views validate the shape of the input (Django forms: password validators, e-mail syntax); the
rules that need the database (an e-mail taken, which order may be linked, one default address)
live here, each in one transaction. The staff-facing `customer_create`/`customer_update` check
every field themselves as well, because the admin API calls them without a Django form.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import get_language, gettext, gettext_lazy

from freehold.checkout import services as cart_services
from freehold.checkout.errors import CartError
from freehold.checkout.models import Cart
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.customers import addresses, consent_services
from freehold.customers.addresses import AddressInvalid
from freehold.customers.models import Address, Customer
from freehold.customers.tasks import queue_password_reset_email
from freehold.markets.countries import country_codes
from freehold.orders.models import Order
from freehold.webhooks import payloads
from freehold.webhooks.services import webhook_emit

EMAIL_TAKEN = gettext_lazy(
    "An account with this e-mail address already exists. Log in or reset your password."
)
# What an address row holds besides its owner and the default flag, with the longest value.
ADDRESS_FIELDS: dict[str, int] = {
    "first_name": 150,
    "last_name": 150,
    "company": 255,
    "line1": 255,
    "line2": 255,
    "postal_code": 32,
    "city": 255,
    "city_area": 255,
    "region": 255,
    "country_code": 2,
    "phone": 32,
}


def normalise_email(email: str) -> str:
    """The stored form of a login: trimmed and lower-cased, as `CustomerManager` stores it."""
    return email.strip().lower()


def _email_taken(email: str, *, exclude_id: int | None = None) -> bool:
    taken = Customer.objects.filter(email=email)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    return taken.exists()


# --- Registering ----------------------------------------------------------------------------


@transaction.atomic
def customer_register(
    *,
    email: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    accepts_marketing: bool = False,
    order_token: str = "",
) -> Customer:
    """A new customer account; with `order_token`, the order it names becomes theirs.

    Only that one order is linked: holding its token (from the confirmation page or e-mail) is
    the proof of having placed it. Other guest orders with the same e-mail address are not:
    anyone can type an address, so owning it is not proven by registering with it.
    """
    email = normalise_email(email)
    if _email_taken(email):
        raise ValidationFailed(str(EMAIL_TAKEN), code="email_taken", field="email")
    now = clock.now()
    customer = Customer.objects.create_user(
        email=email,
        password=password,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        accepts_marketing=accepts_marketing,
        accepts_marketing_updated_at=now if accepts_marketing else None,
        date_joined=now,
    )
    # The answer to the sign-up form's newsletter box, ticked or not, with its wording.
    consent_services.email_consent_record(
        customer=customer, granted=accepts_marketing, source=consent_services.Source.REGISTER
    )
    actor = Actor.for_user(customer)
    audit.record(actor=actor, verb="customer.registered", obj=customer)
    webhook_emit("customer.created", payloads.customer_payload(customer))
    if order_token:
        order_link_to_customer(order_token=order_token, customer=customer)
    return customer


@transaction.atomic
def order_link_to_customer(*, order_token: str, customer: Customer) -> Order | None:
    """Attach the guest order with this token to `customer`; None when there is none to link.

    An order that already belongs to a customer stays theirs.
    """
    order = Order.objects.select_for_update().filter(token=order_token).first()
    if order is None or order.customer_id is not None:
        return None
    order.customer = customer
    order.updated_at = clock.now()
    order.save(update_fields=["customer", "updated_at"])
    audit.record(
        actor=Actor.for_user(customer),
        verb="order.linked_to_customer",
        obj=order,
        data={"customer_id": customer.pk},
    )
    return order


# --- Customers made and edited by staff ----------------------------------------------------

# What staff may set on a customer, with the longest value the column holds.
CUSTOMER_TEXT_FIELDS: dict[str, int] = {
    "first_name": 150,
    "last_name": 150,
    "phone": 32,
    "language": 16,
}
CUSTOMER_FIELDS = frozenset(
    {*CUSTOMER_TEXT_FIELDS, "email", "country_code", "accepts_marketing", "tags", "note"}
)
TAG_LENGTH = 40
TAGS_PER_CUSTOMER = 50
NOTE_LENGTH = 5000
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*\Z")


class CustomerInvalid(ValidationFailed):
    """A value staff gave for a customer is refused; `field` names it."""


def customer_tags_normalise(tags: Iterable[str] | str) -> list[str]:
    """Tags as stored: trimmed, inner spaces collapsed, lower case, each once, sorted.

    Lower case so "VIP" and "vip" are one tag for filters and exports; a comma separates tags
    in forms and in the CSV export, so a string is split on commas and no tag contains one.
    """
    if isinstance(tags, str):
        tags = tags.split(",")
    cleaned: set[str] = set()
    for tag in tags:
        for part in str(tag).split(","):
            name = " ".join(part.split()).lower()
            if not name:
                continue
            if len(name) > TAG_LENGTH:
                raise CustomerInvalid(
                    f"A tag is at most {TAG_LENGTH} characters: {name[:20]}…", field="tags"
                )
            cleaned.add(name)
    if len(cleaned) > TAGS_PER_CUSTOMER:
        raise CustomerInvalid(f"At most {TAGS_PER_CUSTOMER} tags.", field="tags")
    return sorted(cleaned)


def _customer_values(
    changes: Mapping[str, Any], *, exclude_id: int | None, default_country: str = ""
) -> dict[str, Any]:
    """The changes as stored, or `CustomerInvalid` naming the first field that is wrong."""
    unknown = set(changes) - CUSTOMER_FIELDS
    if unknown:
        raise TypeError(f"Unknown customer fields: {', '.join(sorted(unknown))}")
    values: dict[str, Any] = {}
    if "email" in changes:
        email = normalise_email(str(changes["email"] or ""))
        if not email:
            raise CustomerInvalid("Enter an e-mail address.", field="email")
        try:
            validate_email(email)
        except ValidationError:
            raise CustomerInvalid("Enter a valid e-mail address.", field="email") from None
        if len(email) > 254:
            raise CustomerInvalid("An e-mail address is at most 254 characters.", field="email")
        if _email_taken(email, exclude_id=exclude_id):
            raise CustomerInvalid(
                "A customer with this e-mail address already exists.",
                code="email_taken",
                field="email",
            )
        values["email"] = email
    for name, length in CUSTOMER_TEXT_FIELDS.items():
        if name in changes:
            value = " ".join(str(changes[name] or "").split())
            if len(value) > length:
                raise CustomerInvalid(f"At most {length} characters.", field=name)
            values[name] = value
    if values.get("phone"):
        # Stored in E.164; a national number is read for the customer's country.
        country = str(changes.get("country_code") or default_country or "").strip().upper()
        try:
            values["phone"] = addresses.phone_to_e164(values["phone"], country)
        except AddressInvalid as invalid:
            raise CustomerInvalid(invalid.message, field="phone") from None
    if values.get("language") and not _LANGUAGE.match(values["language"]):
        raise CustomerInvalid("Use a language code such as en or de-AT.", field="language")
    if "country_code" in changes:
        country = str(changes["country_code"] or "").strip().upper()
        if country and country not in country_codes():
            raise CustomerInvalid(
                f"{country[:8]} is not a country code; use two letters such as DE or US.",
                field="country_code",
            )
        values["country_code"] = country
    if "accepts_marketing" in changes:
        values["accepts_marketing"] = bool(changes["accepts_marketing"])
    if "tags" in changes:
        values["tags"] = customer_tags_normalise(changes["tags"] or ())
    if "note" in changes:
        note = str(changes["note"] or "").strip()
        if len(note) > NOTE_LENGTH:
            raise CustomerInvalid(f"A note is at most {NOTE_LENGTH} characters.", field="note")
        values["note"] = note
    return values


@transaction.atomic
def customer_create(
    *,
    email: str,
    actor: Actor,
    first_name: str = "",
    last_name: str = "",
    phone: str = "",
    country_code: str = "",
    language: str = "",
    accepts_marketing: bool = False,
    tags: Iterable[str] = (),
    note: str = "",
    consent_source: str = consent_services.Source.STAFF,
) -> Customer:
    """A customer account made by staff (a phone order, an import): no usable password.

    The customer can set a password later through "forgot password"; until then nobody can log
    in with the account. Marketing consent recorded here is staff's word for it, so its time is
    stamped like a shopper's own tick.
    """
    values = _customer_values(
        {
            "email": email,
            "first_name": first_name,
            "last_name": last_name,
            "phone": phone,
            "country_code": country_code,
            "language": language,
            "accepts_marketing": accepts_marketing,
            "tags": tags,
            "note": note,
        },
        exclude_id=None,
    )
    now = clock.now()
    customer = Customer.objects.create_user(
        password=None,
        accepts_marketing_updated_at=now if values["accepts_marketing"] else None,
        date_joined=now,
        **values,
    )
    if values["accepts_marketing"]:
        # Staff's word for it (a phone order): no wording the customer saw.
        consent_services.email_consent_record(
            customer=customer,
            granted=True,
            source=consent_source,
            wording_version="",
        )
    audit.record(
        actor=actor,
        verb="customer.created",
        obj=customer,
        data={"fields": sorted(name for name, value in values.items() if value)},
    )
    webhook_emit("customer.created", payloads.customer_payload(customer))
    return customer


@transaction.atomic
def customer_update(
    *,
    customer: Customer,
    actor: Actor,
    consent_source: str = consent_services.Source.STAFF,
    **changes: Any,
) -> Customer:
    """Change some of a customer's fields (those of `customer_create`), checked the same way.

    Only the fields given, and of those only the ones that differ, are written, so two staff
    members editing different fields do not undo each other. Changing `accepts_marketing` stamps
    `accepts_marketing_updated_at`, the record of when consent was given or withdrawn.
    Staff accounts are refused: they are managed with their roles, by owners and admins.
    """
    if customer.is_staff:
        # A login e-mail changed by anyone with the customers permission could be reset to
        # take the account over: staff accounts are changed under Settings, by managers.
        raise CustomerInvalid(
            "This is a staff account; staff accounts are edited under Settings.",
            code="staff_account",
            field="email",
        )
    values = _customer_values(
        changes, exclude_id=customer.pk, default_country=customer.country_code
    )
    changed = [name for name, value in values.items() if getattr(customer, name) != value]
    if not changed:
        return customer
    previous = {name: getattr(customer, name) for name in changed}
    for name in changed:
        setattr(customer, name, values[name])
    if "accepts_marketing" in changed:
        customer.accepts_marketing_updated_at = clock.now()
        changed.append("accepts_marketing_updated_at")
        consent_services.email_consent_record(
            customer=customer,
            granted=customer.accepts_marketing,
            source=consent_source,
            wording_version="",
        )
    customer.save(update_fields=changed)
    data: dict[str, Any] = {"fields": sorted(changed)}
    if "email" in previous:
        data["email"] = {"from": previous["email"], "to": customer.email}
    if "accepts_marketing" in previous:
        data["accepts_marketing"] = customer.accepts_marketing
    audit.record(actor=actor, verb="customer.updated", obj=customer, data=data)
    return customer


# --- Profile and password -------------------------------------------------------------------


@transaction.atomic
def customer_update_profile(
    *,
    customer: Customer,
    email: str,
    first_name: str,
    last_name: str,
    accepts_marketing: bool,
) -> Customer:
    """Save name, login e-mail and marketing consent; the consent's change is time-stamped."""
    email = normalise_email(email)
    if email != customer.email and _email_taken(email, exclude_id=customer.pk):
        raise ValidationFailed(str(EMAIL_TAKEN), code="email_taken", field="email")
    changed = ["email", "first_name", "last_name"]
    previous_email = customer.email
    customer.email = email
    customer.first_name = first_name.strip()
    customer.last_name = last_name.strip()
    if accepts_marketing != customer.accepts_marketing:
        customer.accepts_marketing = accepts_marketing
        customer.accepts_marketing_updated_at = clock.now()
        changed += ["accepts_marketing", "accepts_marketing_updated_at"]
        consent_services.email_consent_record(
            customer=customer, granted=accepts_marketing, source=consent_services.Source.ACCOUNT
        )
    customer.save(update_fields=changed)
    if previous_email != email:
        audit.record(
            actor=Actor.for_user(customer),
            verb="customer.email_changed",
            obj=customer,
            from_state=previous_email,
            to_state=email,
        )
    return customer


@transaction.atomic
def customer_set_password(*, customer: Customer, password: str) -> Customer:
    """Store a new password (already validated); every password-reset link sent before dies.

    The reset token is derived from the password hash, so changing the hash is what retires
    the old links.
    """
    customer.set_password(password)
    customer.save(update_fields=["password"])
    audit.record(actor=Actor.for_user(customer), verb="customer.password_changed", obj=customer)
    return customer


def password_reset_request(*, email: str, base_url: str) -> bool:
    """E-mail a reset link if an active account has this address; whether one was queued.

    The caller must not tell the visitor which it was: the answer would reveal who shops here.
    Accounts without a usable password (made in the admin without one) may set one this way.
    """
    customer = Customer.objects.filter(email=normalise_email(email), is_active=True).first()
    if customer is None:
        return False
    queue_password_reset_email(customer_id=customer.pk, base_url=base_url)
    return True


# --- Addresses ------------------------------------------------------------------------------


def address_clean(data: Mapping[str, Any]) -> dict[str, str]:
    """The address as stored: known keys only, whitespace collapsed, cut to length, and cleaned
    for its country as far as it can be (`customers.addresses.address_validate`)."""
    address, _problems = addresses.address_validate(data)
    return {key: address[key][:length] for key, length in ADDRESS_FIELDS.items()}


def address_errors(address: Mapping[str, str]) -> dict[str, str]:
    """What is missing or wrong, by field: the country's rules, the checkout's too, so a saved
    address is usable at checkout."""
    return addresses.address_validate(address)[1]


@transaction.atomic
def address_create(
    *, customer: Customer, data: Mapping[str, Any], make_default: bool = False
) -> Address:
    """Save a new address; the first one a customer saves is their default."""
    values = address_clean(data)
    errors = address_errors(values)
    if errors:
        raise AddressInvalid(errors)
    Customer.objects.select_for_update().filter(pk=customer.pk).first()
    is_first = not Address.objects.filter(customer=customer).exists()
    address = Address.objects.create(customer=customer, is_default=False, **values)
    if make_default or is_first:
        address_set_default(address=address)
    return address


@transaction.atomic
def address_update(
    *, address: Address, data: Mapping[str, Any], make_default: bool = False
) -> Address:
    values = address_clean(data)
    errors = address_errors(values)
    if errors:
        raise AddressInvalid(errors)
    for name, value in values.items():
        setattr(address, name, value)
    address.save(update_fields=list(values))
    if make_default and not address.is_default:
        address_set_default(address=address)
    return address


@transaction.atomic
def address_delete(*, address: Address) -> None:
    """Delete an address; if it was the default, the most recent remaining one takes over."""
    customer_id = address.customer_id
    was_default = address.is_default
    address.delete()
    if was_default:
        successor = Address.objects.filter(customer_id=customer_id).order_by("-id").first()
        if successor is not None:
            address_set_default(address=successor)


@transaction.atomic
def address_set_default(*, address: Address) -> Address:
    """Make this the customer's default shipping address, and no other."""
    # Locking the customer serialises two "make default" clicks on different addresses.
    Customer.objects.select_for_update().filter(pk=address.customer_id).first()
    Address.objects.filter(customer_id=address.customer_id, is_default=True).exclude(
        pk=address.pk
    ).update(is_default=False)
    Address.objects.filter(pk=address.pk).update(is_default=True)
    address.is_default = True
    return address


# --- Buying again ---------------------------------------------------------------------------


@dataclass
class BuyAgainResult:
    added: int = 0
    problems: list[str] = field(default_factory=list)


def order_buy_again(*, order: Order, cart: Cart) -> BuyAgainResult:
    """Put the order's lines, as far as they are still sold, into `cart` at today's prices.

    Each line is added on its own (one `cart_add` transaction each), so a sold-out or retired
    product costs only its own line; what could not be added is described for the shopper.
    """
    result = BuyAgainResult()
    for line in order.lines.all():
        title = str(line.product_title)
        if line.variant_title:
            title = f"{title} ({line.variant_title})"
        if line.variant_id is None:
            result.problems.append(
                gettext("%(title)s: this product is no longer available.") % {"title": title}
            )
            continue
        try:
            cart_services.cart_add(cart=cart, variant_id=line.variant_id, quantity=line.quantity)
        except CartError as error:
            result.problems.append(
                gettext("%(title)s: %(problem)s")
                % {"title": title, "problem": _lowercase_first(error.message)}
            )
        else:
            result.added += line.quantity
    return result


def _lowercase_first(message: str) -> str:
    """English reads "Mug: sold out"; other languages keep their capitals (German nouns)."""
    if not (get_language() or "en").startswith("en"):
        return message
    return message[:1].lower() + message[1:] if message else message
