"""Vendor onboarding and the vendor's own catalogue: the writes of marketplace mode's VENDORS part.

Every function is one act of staff, a vendor or an applicant, atomic and audit-logged. Status
changes are checked here (not only by hiding buttons): an invitation is accepted once, only an
application is approved or rejected, a vendor that is not active cannot list products, and a
vendor only ever touches products linked to it (the operator's own products have no link).

Other parts of marketplace mode (DSA traceability, INFORM suspension) may refuse a listing:
they append a check to `LISTING_CHECKS` (a function of the vendor returning "" or the reason).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify

from freehold.catalog import services as catalog_services
from freehold.catalog.models import Product, Variant
from freehold.core import audit, clock, pagecache
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, ValidationFailed
from freehold.customers.models import Customer
from freehold.marketplace.models import MarketplaceSettings, Vendor, VendorMember, VendorProduct

# (vendor) -> "" when it may list products, else why not. Other streams append theirs.
LISTING_CHECKS: list[Callable[[Vendor], str]] = []

SETTINGS_FIELDS = (
    "enabled",
    "sells_to_eu_consumers",
    "dsa_small_enterprise_exempt",
    "report_phone",
    "default_commission_percent",
    "default_commission_fixed",
    "payout_interval_days",
)


class NotAllowed(FreeholdError):
    code = "forbidden"


def _invalidate_vendor_pages(vendor: Vendor) -> None:
    """Product pages say "Sold by <vendor>": they change with the vendor's name or link."""
    product_ids = list(vendor.products.values_list("product_id", flat=True))
    if product_ids:
        pagecache.invalidate(*[f"product:{pk}" for pk in product_ids])


# --- Settings -------------------------------------------------------------------------------


@transaction.atomic
def marketplace_settings_update(*, actor: Actor, changes: Mapping[str, Any]) -> MarketplaceSettings:
    """Save the operator's switches. Turning the mode on or off changes what every product
    page shows ("Sold by"), so the whole page cache goes."""
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown setting: {', '.join(sorted(unknown))}.")
    current = MarketplaceSettings.objects.select_for_update().get_or_create(pk=1)[0]
    before = {name: getattr(current, name) for name in SETTINGS_FIELDS}
    for name, value in changes.items():
        setattr(current, name, value)
    try:
        current.full_clean()
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(messages[0], field=field) from exc
    percent = current.default_commission_percent
    if not Decimal(0) <= percent <= Decimal(100):
        raise ValidationFailed(
            "A commission is between 0 and 100 percent.", field="default_commission_percent"
        )
    if current.default_commission_fixed < 0:
        raise ValidationFailed(
            "A fixed commission cannot be negative.", field="default_commission_fixed"
        )
    current.save()
    changed = {
        name: str(getattr(current, name))
        for name in SETTINGS_FIELDS
        if getattr(current, name) != before[name]
    }
    if changed:
        audit.record(
            actor=actor,
            verb="marketplace.settings_updated",
            obj=current,
            from_state="on" if before["enabled"] else "off",
            to_state="on" if current.enabled else "off",
            data={"changes": changed},
        )
    if "enabled" in changed:
        pagecache.invalidate(pagecache.GLOBAL_TAG)
    return current


# --- Vendors: invitation, application, status ----------------------------------------------


def _unique_vendor_handle(name: str) -> str:
    base = slugify(name)[:240] or "vendor"
    candidate, number = base, 1
    while Vendor.objects.filter(handle=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationFailed("Enter the vendor's name.", field="name")
    return name


def invitation_path(vendor: Vendor) -> str:
    return reverse("vendor-invitation", kwargs={"token": vendor.invitation_token})


def _send_invitation(vendor: Vendor, *, base_url: str, inviter: str) -> int:
    from freehold.storefront.selectors import store_settings

    store = store_settings()
    link = f"{base_url.rstrip('/')}{invitation_path(vendor)}"
    text = (
        f"Hello,\n\n{inviter} invited {vendor.name} to sell on {store.name}.\n\n"
        f"Accept the invitation with this link (log in, or create an account with any e-mail "
        f"address, first):\n\n{link}\n\n"
        f"If you did not expect this e-mail, you can ignore it.\n"
    )
    message = EmailMultiAlternatives(
        subject=f"Sell on {store.name}: your invitation",
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[vendor.email],
    )
    return message.send()


@transaction.atomic
def vendor_invite(*, actor: Actor, name: str, email: str, base_url: str) -> Vendor:
    """A vendor invited by staff, and the e-mail with its one-time acceptance link."""
    name = _clean_name(name)
    email = email.strip().lower()
    if not email:
        raise ValidationFailed("Enter the e-mail address to invite.", field="email")
    vendor = Vendor(
        name=name,
        handle=_unique_vendor_handle(name),
        status=Vendor.Status.INVITED,
        email=email,
        invited_at=clock.now(),
        invitation_token=secrets.token_urlsafe(32),
    )
    try:
        vendor.full_clean()
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(messages[0], field=field) from exc
    vendor.save()
    audit.record(
        actor=actor,
        verb="vendor.invited",
        obj=vendor,
        to_state=vendor.status,
        data={"email": email},
    )
    _send_invitation(vendor, base_url=base_url, inviter=actor.label or "The store")
    return vendor


@transaction.atomic
def vendor_invitation_resend(*, actor: Actor, vendor: Vendor, base_url: str) -> Vendor:
    """A fresh link (the old one stops working) for a vendor that has not accepted yet."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if vendor.status != Vendor.Status.INVITED:
        raise NotAllowed("Only a vendor that has not accepted its invitation can be re-invited.")
    vendor.invitation_token = secrets.token_urlsafe(32)
    vendor.invited_at = clock.now()
    vendor.save(update_fields=["invitation_token", "invited_at"])
    audit.record(actor=actor, verb="vendor.invitation_resent", obj=vendor)
    _send_invitation(vendor, base_url=base_url, inviter=actor.label or "The store")
    return vendor


def vendor_by_invitation(token: str) -> Vendor | None:
    if not token:
        return None
    return Vendor.objects.filter(invitation_token=token, status=Vendor.Status.INVITED).first()


@transaction.atomic
def vendor_invitation_accept(*, token: str, customer: Customer) -> Vendor:
    """The invitee's account joins the vendor, which becomes active; the link is spent."""
    vendor = (
        Vendor.objects.select_for_update()
        .filter(invitation_token=token, status=Vendor.Status.INVITED)
        .first()
        if token
        else None
    )
    if vendor is None:
        raise NotAllowed("This invitation link is not valid any more.")
    VendorMember.objects.get_or_create(vendor=vendor, customer=customer)
    vendor.status = Vendor.Status.ACTIVE
    vendor.invitation_token = ""
    vendor.save(update_fields=["status", "invitation_token"])
    audit.record(
        actor=Actor.for_user(customer),
        verb="vendor.invitation_accepted",
        obj=vendor,
        from_state=Vendor.Status.INVITED,
        to_state=Vendor.Status.ACTIVE,
        data={"customer": customer.pk},
    )
    return vendor


@dataclass
class Application:
    name: str
    email: str
    phone: str = ""
    country_code: str = ""
    is_business: bool = True


@transaction.atomic
def vendor_apply(*, customer: Customer, application: Application) -> Vendor:
    """A customer applies to sell: a vendor waiting for staff approval, with them as member."""
    open_memberships = VendorMember.objects.filter(customer=customer).exclude(
        vendor__status__in=[Vendor.Status.REJECTED, Vendor.Status.TERMINATED]
    )
    if open_memberships.exists():
        raise NotAllowed("This account already works for a vendor.")
    name = _clean_name(application.name)
    vendor = Vendor(
        name=name,
        handle=_unique_vendor_handle(name),
        status=Vendor.Status.APPLIED,
        email=application.email.strip().lower(),
        phone=application.phone.strip(),
        country_code=application.country_code.strip().upper(),
        is_business=application.is_business,
    )
    try:
        vendor.full_clean()
    except DjangoValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise ValidationFailed(messages[0], field=field) from exc
    vendor.save()
    VendorMember.objects.create(vendor=vendor, customer=customer)
    audit.record(
        actor=Actor.for_user(customer),
        verb="vendor.applied",
        obj=vendor,
        to_state=vendor.status,
        data={"email": vendor.email, "is_business": vendor.is_business},
    )
    return vendor


def _set_status(
    *, actor: Actor, vendor: Vendor, allowed_from: tuple[str, ...], to: str, verb: str, **data: Any
) -> Vendor:
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    if vendor.status not in allowed_from:
        raise NotAllowed(f"A vendor whose status is {vendor.get_status_display().lower()} cannot "
                         f"be {to}.")  # fmt: skip
    before = vendor.status
    vendor.status = to
    fields = ["status"]
    if to == Vendor.Status.TERMINATED:
        vendor.terminated_at = clock.now()
        vendor.invitation_token = ""
        fields += ["terminated_at", "invitation_token"]
    vendor.save(update_fields=fields)
    audit.record(actor=actor, verb=verb, obj=vendor, from_state=before, to_state=to, data=data)
    return vendor


@transaction.atomic
def vendor_approve(*, actor: Actor, vendor: Vendor) -> Vendor:
    return _set_status(
        actor=actor,
        vendor=vendor,
        allowed_from=(Vendor.Status.APPLIED,),
        to=Vendor.Status.ACTIVE,
        verb="vendor.approved",
    )


@transaction.atomic
def vendor_reject(*, actor: Actor, vendor: Vendor, reason: str) -> Vendor:
    reason = reason.strip()
    if not reason:
        raise ValidationFailed("Say why the application is rejected.", field="reason")
    return _set_status(
        actor=actor,
        vendor=vendor,
        allowed_from=(Vendor.Status.APPLIED,),
        to=Vendor.Status.REJECTED,
        verb="vendor.rejected",
        reason=reason,
    )


@transaction.atomic
def vendor_terminate(*, actor: Actor, vendor: Vendor, reason: str = "") -> Vendor:
    """End the relationship: its listings come off the store (archived, kept for orders)."""
    vendor = _set_status(
        actor=actor,
        vendor=vendor,
        allowed_from=(Vendor.Status.INVITED, Vendor.Status.APPLIED, Vendor.Status.ACTIVE),
        to=Vendor.Status.TERMINATED,
        verb="vendor.terminated",
        reason=reason.strip(),
    )
    listed = Product.objects.filter(vendor_link__vendor=vendor).exclude(
        status=Product.Status.ARCHIVED
    )
    for product in listed:
        catalog_services.product_update(
            product=product, actor=actor, status=Product.Status.ARCHIVED
        )
    return vendor


@transaction.atomic
def vendor_update(
    *,
    actor: Actor,
    vendor: Vendor,
    name: str,
    commission_percent: Decimal | None,
    commission_fixed_amount: Decimal | None,
) -> Vendor:
    """Staff edit a vendor's shown name and its commission (None: the store's default)."""
    vendor = Vendor.objects.select_for_update().get(pk=vendor.pk)
    name = _clean_name(name)
    if commission_percent is not None and not Decimal(0) <= commission_percent <= Decimal(100):
        raise ValidationFailed(
            "A commission is between 0 and 100 percent.", field="commission_percent"
        )
    if commission_fixed_amount is not None and commission_fixed_amount < 0:
        raise ValidationFailed(
            "A fixed commission cannot be negative.", field="commission_fixed_amount"
        )
    changes = {
        "name": name,
        "commission_percent": commission_percent,
        "commission_fixed_amount": commission_fixed_amount,
    }
    changed = {key: str(value) for key, value in changes.items() if getattr(vendor, key) != value}
    if not changed:
        return vendor
    for key, value in changes.items():
        setattr(vendor, key, value)
    vendor.save(update_fields=list(changes))
    audit.record(actor=actor, verb="vendor.updated", obj=vendor, data={"changes": changed})
    if "name" in changed:
        _invalidate_vendor_pages(vendor)
    return vendor


# --- The vendor's products ------------------------------------------------------------------


def listing_problem(vendor: Vendor) -> str:
    """Why `vendor` may not list products now ("" when it may)."""
    if vendor.status != Vendor.Status.ACTIVE:
        return "Your account is waiting for approval: you can add products once it is approved."
    for check in LISTING_CHECKS:
        problem = check(vendor)
        if problem:
            return problem
    return ""


def _require_active(vendor: Vendor) -> None:
    if vendor.status != Vendor.Status.ACTIVE:
        raise NotAllowed(listing_problem(vendor))


@dataclass
class VendorProductInput:
    title: str
    price: Decimal
    stock: int = 0
    description_html: str = ""
    status: str = Product.Status.DRAFT
    # One option and its values ("Size", ["S", "M"]): a variant per value, same price and stock.
    option_name: str = ""
    option_values: tuple[str, ...] = ()


def _catalog_error(exc: DjangoValidationError) -> ValidationFailed:
    field, messages = next(iter(exc.message_dict.items()))
    field = field.split(".")[-1]
    mapping = {
        "price_amount": "price",
        "stock_quantity": "stock",
        "description_html": "description",
    }
    return ValidationFailed(messages[0], field=mapping.get(field, field))


@transaction.atomic
def vendor_product_create(
    *, vendor: Vendor, actor: Actor, data: VendorProductInput, currency: str
) -> Product:
    """A product the vendor sells (catalog.product_create + the link that makes it theirs)."""
    _require_active(vendor)
    if data.status == Product.Status.ACTIVE:
        problem = listing_problem(vendor)
        if problem:
            raise NotAllowed(problem, field="status")
    title = data.title.strip()
    if not title:
        raise ValidationFailed("Enter the product's title.", field="title")
    if data.price < 0:
        raise ValidationFailed("A price cannot be negative.", field="price")
    if data.stock < 0:
        raise ValidationFailed("Stock cannot be negative.", field="stock")
    values = [value.strip() for value in data.option_values if value.strip()]
    if data.option_name.strip() and not values:
        raise ValidationFailed("List the option's values, separated by commas.", field="options")
    options = [(data.option_name.strip(), values)] if data.option_name.strip() else []
    combinations: list[list[str]] = [[value] for value in values] if options else [[]]
    try:
        product = catalog_services.product_create(
            data=catalog_services.ProductInput(
                title=title,
                description_html=data.description_html,
                status=data.status,
                brand=vendor.name,
                options=options,
                variants=[
                    catalog_services.VariantInput(
                        price=data.price, options=combination, stock_quantity=data.stock
                    )
                    for combination in combinations
                ],
            ),
            currency=currency,
            actor=actor,
        )
    except DjangoValidationError as exc:
        raise _catalog_error(exc) from exc
    VendorProduct.objects.create(product=product, vendor=vendor)
    audit.record(
        actor=actor,
        verb="vendor.product_created",
        obj=vendor,
        data={"product": product.pk, "title": product.title},
    )
    pagecache.invalidate(f"product:{product.pk}")
    return product


def vendor_product(vendor: Vendor, product_id: int) -> Product | None:
    """The vendor's product with this id, or None (someone else's products do not exist here)."""
    return (
        Product.objects.filter(pk=product_id, vendor_link__vendor=vendor)
        .prefetch_related("variants")
        .first()
    )


@transaction.atomic
def vendor_product_update(
    *,
    vendor: Vendor,
    actor: Actor,
    product: Product,
    title: str,
    status: str,
    prices: Mapping[int, Decimal],
    stock: Mapping[int, int],
) -> Product:
    """Change title, status, and each variant's price and stock (stock as a counted level:
    the difference is recorded as a correction in the stock history)."""
    _require_active(vendor)
    if not VendorProduct.objects.filter(product=product, vendor=vendor).exists():
        raise NotAllowed("Not your product.")
    if status == Product.Status.ACTIVE and product.status != Product.Status.ACTIVE:
        problem = listing_problem(vendor)
        if problem:
            raise NotAllowed(problem, field="status")
    if status not in (Product.Status.DRAFT, Product.Status.ACTIVE, Product.Status.ARCHIVED):
        raise ValidationFailed("Choose draft or active.", field="status")
    title = title.strip()
    if not title:
        raise ValidationFailed("Enter the product's title.", field="title")
    variants = {variant.pk: variant for variant in Variant.objects.filter(product=product)}
    for variant_id, price in prices.items():
        variant = variants.get(variant_id)
        if variant is None:
            raise NotAllowed("Not your product's variant.")
        if price < 0:
            raise ValidationFailed("A price cannot be negative.", field=f"price-{variant_id}")
        if price != variant.price_amount:
            catalog_services.variant_set_price(
                variant=variant, price=price, compare_at_price=variant.compare_at_price_amount
            )
    for variant_id, level in stock.items():
        variant = variants.get(variant_id)
        if variant is None:
            raise NotAllowed("Not your product's variant.")
        if level < 0:
            raise ValidationFailed("Stock cannot be negative.", field=f"stock-{variant_id}")
        variant.refresh_from_db(fields=["stock_quantity"])
        if level != variant.stock_quantity:
            catalog_services.stock_adjust(
                variant=variant,
                delta=level - variant.stock_quantity,
                reason="correction",
                actor=actor,
                note="Set by the vendor",
            )
    changes: dict[str, Any] = {}
    if title != product.title:
        changes["title"] = title
    if status != product.status:
        changes["status"] = status
    if changes:
        try:
            product = catalog_services.product_update(product=product, actor=actor, **changes)
        except DjangoValidationError as exc:
            raise _catalog_error(exc) from exc
    return product
