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
from collections.abc import Callable, Mapping, Sequence
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
from freehold.catalog.html import sanitise_html
from freehold.catalog.models import Product, ProductImage, ProductOption, Variant
from freehold.core import audit, clock, pagecache
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, ValidationFailed
from freehold.customers.models import Customer
from freehold.dashboard.products.services import RowError, variants_save_grid
from freehold.marketplace.models import MarketplaceSettings, Vendor, VendorMember, VendorProduct

# Image files per upload (as the operator's editor allows).
MAX_IMAGE_UPLOADS = 20
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
    # DSA Art. 31 product-safety information (a product_safety.SafetyInput); None: none given.
    safety: Any = None


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
        from freehold.marketplace import product_safety

        safety = data.safety.cleaned() if data.safety is not None else {}
        product_safety.safety_check(vendor=vendor, values=safety)
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
    if data.safety is not None:
        from freehold.marketplace import product_safety

        product_safety.compliance_save(product=product, data=data.safety, actor=actor)
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


def _owned(vendor: Vendor, product: Product) -> Product:
    """The product, locked, when it is `vendor`'s and the vendor may edit; else NotAllowed.
    Checked inside every write, whatever the view already checked."""
    _require_active(vendor)
    locked = (
        Product.objects.select_for_update()
        .filter(pk=product.pk, vendor_link__vendor=vendor)
        .first()
    )
    if locked is None:
        raise NotAllowed("Not your product.")
    return locked


@dataclass
class VariantEdit:
    """What the vendor typed for one variant; None leaves that part as it is.

    `stock` is a counted level (the difference is recorded as a correction in the stock
    history); `options` are the variant's option values in the product's option order.
    """

    price: Decimal | None = None
    compare_at_price: Decimal | None = None
    sku: str | None = None
    barcode: str | None = None
    stock: int | None = None
    options: tuple[str, ...] | None = None
    clear_compare_at: bool = False


def _variant_changes(variant: Variant, edit: VariantEdit) -> dict[str, Any]:
    """Only what differs: an untouched row writes nothing (no price history entry)."""
    changes: dict[str, Any] = {}
    if edit.price is not None and edit.price != variant.price_amount:
        changes["price"] = edit.price
    compare_at = None if edit.clear_compare_at else edit.compare_at_price
    if (edit.clear_compare_at or edit.compare_at_price is not None) and (
        compare_at != variant.compare_at_price_amount
    ):
        changes["compare_at_price"] = compare_at
    if edit.sku is not None and edit.sku.strip() != variant.sku:
        changes["sku"] = edit.sku
    if edit.barcode is not None and edit.barcode.strip() != variant.barcode:
        changes["barcode"] = edit.barcode
    if edit.options is not None:
        current = [variant.option1, variant.option2, variant.option3][: len(edit.options)]
        if [value.strip() for value in edit.options] != current:
            changes["options"] = list(edit.options)
    return changes


def _tidy_option_values(product: Product, renamed: Mapping[tuple[int, str], str]) -> None:
    """After variants' values changed: a renamed value takes the old one's place in the
    option's order, and values no variant has any more are dropped (the product page would
    offer them). `renamed` maps (option position, old value) to the new value."""
    rows = list(product.variants.values_list("option1", "option2", "option3"))
    for option in ProductOption.objects.filter(product=product).order_by("position"):
        used = {row[option.position - 1] for row in rows}
        ordered: list[str] = []
        for value in option.values:
            replacement = renamed.get((option.position, value))
            for candidate in (value, replacement):
                if candidate and candidate in used and candidate not in ordered:
                    ordered.append(candidate)
        ordered += sorted(used - set(ordered) - {""})
        if ordered != option.values:
            option.values = ordered
            option.save(update_fields=["values"])
    catalog_services.product_refresh_summary(product=product)


@transaction.atomic
def vendor_product_update(
    *,
    vendor: Vendor,
    actor: Actor,
    product: Product,
    title: str,
    status: str,
    prices: Mapping[int, Decimal] | None = None,
    stock: Mapping[int, int] | None = None,
    description_html: str | None = None,
    product_type: str | None = None,
    tags: Sequence[str] | None = None,
    variants: Mapping[int, VariantEdit] | None = None,
    safety: Any = None,
) -> Product:
    """Save the vendor's edit page at once: the product's own fields (title, description,
    type, tags, status), its product-safety information (`safety`, a
    product_safety.SafetyInput: DSA Art. 31) and each variant's price, compare-at price, SKU,
    barcode, option values and stock. All through the catalog services, so prices keep their
    history, stock its movements, and the summary, search text and cached pages follow as for
    the operator. None leaves a part unchanged. All or nothing: the first refusal undoes the
    whole save.
    """
    product = _owned(vendor, product)
    if status == Product.Status.ACTIVE and product.status != Product.Status.ACTIVE:
        problem = listing_problem(vendor)
        if problem:
            raise NotAllowed(problem, field="status")
    going_live = status == Product.Status.ACTIVE and product.status != Product.Status.ACTIVE
    if safety is not None or going_live:
        from freehold.marketplace import product_safety

        if safety is not None:
            product_safety.compliance_save(product=product, data=safety, actor=actor)
        if going_live:
            product_safety.product_safety_check(product, vendor)
    if status not in (Product.Status.DRAFT, Product.Status.ACTIVE, Product.Status.ARCHIVED):
        raise ValidationFailed("Choose draft or active.", field="status")
    title = title.strip()
    if not title:
        raise ValidationFailed("Enter the product's title.", field="title")
    edits: dict[int, VariantEdit] = {pk: VariantEdit() for pk in (variants or {})}
    edits.update(variants or {})
    for variant_id, price in (prices or {}).items():
        edits.setdefault(variant_id, VariantEdit()).price = price
    for variant_id, level in (stock or {}).items():
        edits.setdefault(variant_id, VariantEdit()).stock = level
    current = {variant.pk: variant for variant in Variant.objects.filter(product=product)}
    if set(edits) - set(current):
        raise NotAllowed("Not your product's variant.")
    for variant_id, edit in edits.items():
        if edit.price is not None and edit.price < 0:
            raise ValidationFailed("A price cannot be negative.", field=f"price-{variant_id}")
        if edit.stock is not None and edit.stock < 0:
            raise ValidationFailed("Stock cannot be negative.", field=f"stock-{variant_id}")
    rows = [(current[pk], _variant_changes(current[pk], edit)) for pk, edit in edits.items()]
    renamed: dict[tuple[int, str], str] = {}
    for variant, changes in rows:
        old = [variant.option1, variant.option2, variant.option3]
        for position, value in enumerate(changes.get("options", ()), start=1):
            if value.strip() != old[position - 1]:
                renamed[(position, old[position - 1])] = value.strip()
    try:
        variants_save_grid(rows=rows, actor=actor)
    except RowError as exc:
        prefix = {"compare_at_price": "compare_at"}.get(exc.field, exc.field)
        name = f"{prefix}-{exc.variant.pk}" if prefix else ""
        raise ValidationFailed(exc.message, field=name) from exc
    if renamed:
        _tidy_option_values(product, renamed)
    for variant_id, edit in edits.items():
        if edit.stock is None:
            continue
        variant = Variant.objects.get(pk=variant_id)
        if edit.stock != variant.stock_quantity:
            catalog_services.stock_adjust(
                variant=variant,
                delta=edit.stock - variant.stock_quantity,
                reason="correction",
                actor=actor,
                note="Set by the vendor",
            )
    fields: dict[str, Any] = {}
    if title != product.title:
        fields["title"] = title
    if status != product.status:
        fields["status"] = status
    if description_html is not None and sanitise_html(description_html) != (
        product.description_html
    ):
        fields["description_html"] = description_html
    if product_type is not None and product_type.strip() != product.product_type:
        fields["product_type"] = product_type.strip()
    if tags is not None:
        wanted = sorted({tag.strip() for tag in tags if tag.strip()})
        if wanted != sorted(product.tags.values_list("name", flat=True)):
            fields["tags"] = wanted
    if fields:
        try:
            product = catalog_services.product_update(product=product, actor=actor, **fields)
        except DjangoValidationError as exc:
            raise _catalog_error(exc) from exc
    return product


@transaction.atomic
def vendor_product_set_options(
    *,
    vendor: Vendor,
    actor: Actor,
    product: Product,
    options: Sequence[tuple[str, Sequence[str]]],
    price: Decimal | None = None,
    remove_missing: bool = False,
) -> catalog_services.OptionsMatrixResult:
    """The product's options (up to three, each with its values): a variant for every
    combination, as the operator's editor does (`product_set_options_matrix`). Variants no
    longer listed go only when the vendor confirms (`remove_missing`)."""
    product = _owned(vendor, product)
    return catalog_services.product_set_options_matrix(
        product=product,
        options=options,
        price=price,
        remove_missing=remove_missing,
        actor=actor,
    )


@transaction.atomic
def vendor_variant_add(
    *,
    vendor: Vendor,
    actor: Actor,
    product: Product,
    data: catalog_services.VariantInput,
) -> Variant:
    """One more variant: a value for each option (a new value joins the option), its price,
    SKU, barcode and opening stock (recorded as received)."""
    product = _owned(vendor, product)
    return catalog_services.variant_create(product=product, data=data, actor=actor)


@transaction.atomic
def vendor_variant_remove(
    *, vendor: Vendor, actor: Actor, product: Product, variant_id: int
) -> str:
    """Remove one of the product's variants (never the last); returns its title."""
    product = _owned(vendor, product)
    variant = Variant.objects.filter(pk=variant_id, product=product).first()
    if variant is None:
        raise NotAllowed("Not your product's variant.")
    title = variant.title or "Default"
    catalog_services.variant_delete(variant=variant, actor=actor)
    return title


@transaction.atomic
def vendor_images_add(
    *, vendor: Vendor, actor: Actor, product: Product, uploads: Sequence[Any], alt: str = ""
) -> list[ProductImage]:
    """Add photos (all or none: a file that is not an image names itself, saves nothing)."""
    product = _owned(vendor, product)
    if not uploads:
        raise ValidationFailed("Choose at least one image file.", field="files")
    if len(uploads) > MAX_IMAGE_UPLOADS:
        raise ValidationFailed(f"At most {MAX_IMAGE_UPLOADS} files at once.", field="files")
    added = []
    for upload in uploads:
        try:
            added.append(
                catalog_services.image_add(product=product, upload=upload, alt=alt, actor=actor)
            )
        except DjangoValidationError as exc:
            name = getattr(upload, "name", "") or "file"
            raise ValidationFailed(f"{name}: {' '.join(exc.messages)}", field="files") from exc
    return added


def _owned_image(product: Product, image_id: int) -> ProductImage:
    image = ProductImage.objects.filter(pk=image_id, product=product).first()
    if image is None:
        raise NotAllowed("Not your product's image.")
    return image


@transaction.atomic
def vendor_image_change(
    *,
    vendor: Vendor,
    actor: Actor,
    product: Product,
    image_id: int,
    action: str,
    alt: str | None = None,
) -> None:
    """One image's buttons: "up", "down" (the first image is the featured one), "alt" (save
    the alternative text), "delete"."""
    product = _owned(vendor, product)
    image = _owned_image(product, image_id)
    if action in ("up", "down", "alt") and alt is not None and alt.strip() != image.alt:
        catalog_services.image_update(image=image, alt=alt, actor=actor)
    if action in ("up", "down"):
        order = list(
            ProductImage.objects.filter(product=product)
            .order_by("position", "id")
            .values_list("pk", flat=True)
        )
        index = order.index(image.pk)
        other = index - 1 if action == "up" else index + 1
        if 0 <= other < len(order):
            order[index], order[other] = order[other], order[index]
            catalog_services.images_reorder(product=product, ordered_ids=order, actor=actor)
    elif action == "delete":
        catalog_services.image_delete(image=image, actor=actor)
    elif action != "alt":
        raise ValidationFailed("Unknown image action.", field="action")
