"""Changes a shopper makes to their account: registering, profile, password, addresses, reorders.

Views validate the shape of the input (Django forms: password validators, e-mail syntax); the
rules that need the database (an e-mail taken, which order may be linked, one default address)
live here, each in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from freehold.checkout import services as cart_services
from freehold.checkout.errors import CartError
from freehold.checkout.models import Cart
from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.customers.models import Address, Customer
from freehold.customers.tasks import queue_password_reset_email
from freehold.orders.models import Order

EMAIL_TAKEN = "An account with this e-mail address already exists. Log in or reset your password."
# What an address row holds besides its owner and the default flag, with the longest value.
ADDRESS_FIELDS: dict[str, int] = {
    "first_name": 150,
    "last_name": 150,
    "company": 255,
    "line1": 255,
    "line2": 255,
    "postal_code": 32,
    "city": 255,
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
        raise ValidationFailed(EMAIL_TAKEN, code="email_taken", field="email")
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
    actor = Actor.for_user(customer)
    audit.record(actor=actor, verb="customer.registered", obj=customer)
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
        raise ValidationFailed(EMAIL_TAKEN, code="email_taken", field="email")
    changed = ["email", "first_name", "last_name"]
    previous_email = customer.email
    customer.email = email
    customer.first_name = first_name.strip()
    customer.last_name = last_name.strip()
    if accepts_marketing != customer.accepts_marketing:
        customer.accepts_marketing = accepts_marketing
        customer.accepts_marketing_updated_at = clock.now()
        changed += ["accepts_marketing", "accepts_marketing_updated_at"]
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
    """The address as stored: known keys only, whitespace collapsed, cut to length."""
    address = {
        key: " ".join(str(data.get(key) or "").split())[:length]
        for key, length in ADDRESS_FIELDS.items()
    }
    address["country_code"] = address["country_code"].upper()
    return address


def address_errors(address: Mapping[str, str]) -> dict[str, str]:
    """What is missing or wrong, by field: the checkout's rules, so a saved address is usable."""
    return cart_services.address_errors(cart_services.address_normalise(address))


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


class AddressInvalid(ValidationFailed):
    """Several address fields are wrong at once: `errors` maps field to message."""

    def __init__(self, errors: dict[str, str]):
        field_name, message = next(iter(errors.items()))
        super().__init__(message, field=field_name)
        self.errors = dict(errors)


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
            result.problems.append(f"{title}: this product is no longer available.")
            continue
        try:
            cart_services.cart_add(cart=cart, variant_id=line.variant_id, quantity=line.quantity)
        except CartError as error:
            result.problems.append(f"{title}: {_lowercase_first(error.message)}")
        else:
            result.added += line.quantity
    return result


def _lowercase_first(message: str) -> str:
    return message[:1].lower() + message[1:] if message else message
