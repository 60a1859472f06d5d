"""DSA Art. 31 and 32: a vendor's product-safety information, the operator's random checks of
live listings, and informing the buyers of a product found illegal.

Art. 31 ("compliance by design"): when Art. 30 applies to the vendor (`dsa.applies_to`), the
vendor's product form takes the economic operator in the EU (name, postal address, e-mail,
phone or web address, as GPSR Art. 19 asks), the product's identification, its trademark,
warnings and labelling. The best-effort check before going live: a trader's product is not
published without the operator and the identification (the error names the field). Afterwards
staff check a random sample of live listings and mark each checked, or suspend it (back to
draft with a reason the vendor sees; it stays off until staff clear it).

Art. 32: staff who find a product illegal inform the consumers who bought it through the store
in the last `dsa_illegal_notice_months` (a date-effective rule): one e-mail each, sent after the
transaction commits, recorded per buyer so that sending again informs only the new ones.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from django.conf import settings as django_settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy
from django_tasks import task

from freehold.catalog import services as catalog_services
from freehold.catalog.models import Product
from freehold.core import audit, clock, pagecache
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.customers.privacy import add_months
from freehold.marketplace import dsa, rules
from freehold.marketplace.models import (
    IllegalProductNotice,
    IllegalProductRecipient,
    ProductCompliance,
    Vendor,
    VendorProduct,
    VerificationRecord,
)
from freehold.orders.models import Order
from freehold.orders.states import OrderStatus

SAFETY_FIELDS: tuple[str, ...] = (
    "operator_name",
    "operator_address",
    "operator_contact",
    "identification",
    "trademark",
    "warnings",
    "labelling",
)
# The best-effort check before going live: the economic operator and the identification.
REQUIRED_FIELDS: tuple[str, ...] = (
    "operator_name",
    "operator_address",
    "operator_contact",
    "identification",
)
FIELD_LABELS: dict[str, Any] = {
    "operator_name": gettext_lazy("Economic operator in the EU: name"),
    "operator_address": gettext_lazy("Economic operator: postal address"),
    "operator_contact": gettext_lazy("Economic operator: e-mail, phone or web address"),
    "identification": gettext_lazy("Product identification (type, batch, serial or model)"),
    "trademark": gettext_lazy("Trademark or logo"),
    "warnings": gettext_lazy("Warnings and safety information"),
    "labelling": gettext_lazy("Labelling and marking (for example CE)"),
}
CHECKED_VERB = "product.dsa_listing_checked"
SUSPENDED_VERB = "product.dsa_listing_suspended"
CLEARED_VERB = "product.dsa_listing_cleared"
ILLEGAL_VERB = "product.dsa_illegal_buyers_informed"
SAMPLE_MAX = 100


class SafetyMissing(ValidationFailed):
    """A trader's product may not go live without its product-safety information."""

    code = "dsa_product_safety_missing"


@dataclass
class SafetyInput:
    operator_name: str = ""
    operator_address: str = ""
    operator_contact: str = ""
    identification: str = ""
    trademark: str = ""
    warnings: str = ""
    labelling: str = ""

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SafetyInput:
        return cls(**{name: str(data.get(name) or "") for name in SAFETY_FIELDS})

    def cleaned(self) -> dict[str, str]:
        values = {f.name: str(getattr(self, f.name)) for f in fields(self)}
        return {
            name: "\n".join(line.strip() for line in value.strip().splitlines() if line.strip())
            for name, value in values.items()
        }


# --- Reading ---------------------------------------------------------------------------------


def compliance_of(product: Product) -> ProductCompliance | None:
    return ProductCompliance.objects.filter(product_id=product.pk).first()


def initial_for(product: Product) -> dict[str, str]:
    row = compliance_of(product)
    return {name: getattr(row, name) for name in SAFETY_FIELDS} if row is not None else {}


def missing(values: Mapping[str, str]) -> list[str]:
    return [name for name in REQUIRED_FIELDS if not str(values.get(name) or "").strip()]


def _missing_error(names: Sequence[str]) -> SafetyMissing:
    listed = ", ".join(str(FIELD_LABELS[name]) for name in names)
    return SafetyMissing(
        gettext(
            "This product cannot be published without its product-safety information "
            "(EU Digital Services Act, Art. 31). Missing: %(fields)s."
        )
        % {"fields": listed},
        field=names[0],
    )


def _suspended_error(row: ProductCompliance) -> ValidationFailed:
    return ValidationFailed(
        gettext(
            "The marketplace suspended this listing: %(reason)s. It can go live again once "
            "the marketplace has reviewed it."
        )
        % {"reason": row.suspension_reason},
        field="status",
    )


def safety_check(*, vendor: Vendor, values: Mapping[str, str]) -> None:
    """Raise `SafetyMissing` (naming the first missing field) when `vendor` is a trader under
    the DSA and `values` lack the economic operator or the identification."""
    if not dsa.applies_to(vendor):
        return
    names = missing(values)
    if names:
        raise _missing_error(names)


def product_safety_check(product: Product, vendor: Vendor) -> None:
    """Before `product` goes live (dsa.product_publish_check): not while staff suspended it,
    and not without its product-safety information."""
    row = compliance_of(product)
    if row is not None and row.suspension_reason:
        raise _suspended_error(row)
    values = {name: getattr(row, name) for name in SAFETY_FIELDS} if row is not None else {}
    safety_check(vendor=vendor, values=values)


def product_safety_public(product: Any) -> ProductCompliance | None:
    """What the product page shows under "Product safety" (Jinja global `product_safety`):
    only for a vendor's product with something given."""
    if getattr(product, "vendor_link", None) is None:
        return None
    row = compliance_of(product)
    if row is None or not any(getattr(row, name) for name in SAFETY_FIELDS):
        return None
    return row


# --- The vendor saves --------------------------------------------------------------------------


def compliance_save(*, product: Product, data: SafetyInput, actor: Actor) -> ProductCompliance:
    """Store the product-safety information (within the caller's transaction); unchanged
    values write nothing."""
    values = data.cleaned()
    row = compliance_of(product) or ProductCompliance(product=product)
    changed = [name for name in SAFETY_FIELDS if getattr(row, name) != values[name]]
    if row.pk is None or changed:
        for name in SAFETY_FIELDS:
            setattr(row, name, values[name])
        row.updated_at = clock.now()
        row.save()
        audit.record(
            actor=actor,
            verb="product.safety_information_saved",
            obj=product,
            data={"fields": changed},
        )
        product_id = product.pk
        transaction.on_commit(lambda: pagecache.invalidate(f"product:{product_id}"))
    return row


# --- Random checks (Art. 31(3)) ----------------------------------------------------------------


def live_vendor_listings() -> Any:
    return Product.objects.filter(
        status=Product.Status.ACTIVE, vendor_link__isnull=False
    ).select_related("vendor_link__vendor", "compliance")


def random_sample(count: int) -> list[Product]:
    """A random sample of live vendor listings for staff to review."""
    count = max(1, min(count, SAMPLE_MAX))
    ids = list(live_vendor_listings().order_by("?").values_list("pk", flat=True)[:count])
    rows = {product.pk: product for product in live_vendor_listings().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


def suspended_listings() -> Any:
    return (
        Product.objects.filter(vendor_link__isnull=False)
        .exclude(compliance__suspension_reason="")
        .filter(compliance__isnull=False)
        .select_related("vendor_link__vendor", "compliance")
        .order_by("-compliance__suspended_at", "-pk")
    )


def _vendor_product(product_id: int) -> Product:
    product = (
        Product.objects.select_for_update().filter(pk=product_id, vendor_link__isnull=False).first()
    )
    if product is None:
        raise ValidationFailed("Not a vendor's product.", field="product")
    return product


@transaction.atomic
def listing_mark_checked(*, product_id: int, actor: Actor, user: Any = None) -> ProductCompliance:
    """Staff reviewed the listing and found nothing wrong; lifts a suspension (the vendor may
    publish again)."""
    product = _vendor_product(product_id)
    row, _ = ProductCompliance.objects.get_or_create(product=product)
    lifted = row.suspension_reason
    row.checked_at = clock.now()
    row.checked_by = user if getattr(user, "is_authenticated", False) else None
    row.suspension_reason = ""
    row.suspended_at = None
    row.save()
    audit.record(
        actor=actor,
        verb=CLEARED_VERB if lifted else CHECKED_VERB,
        obj=product,
        data={"lifted": lifted} if lifted else {},
    )
    return row


@transaction.atomic
def listing_suspend(
    *, product_id: int, reason: str, actor: Actor, user: Any = None
) -> ProductCompliance:
    """Take one listing off the store (to draft) with a reason the vendor sees."""
    if not reason.strip():
        raise ValidationFailed("Say why, for the vendor.", field="reason")
    product = _vendor_product(product_id)
    row, _ = ProductCompliance.objects.get_or_create(product=product)
    now = clock.now()
    row.checked_at = now
    row.checked_by = user if getattr(user, "is_authenticated", False) else None
    row.suspension_reason = reason.strip()
    row.suspended_at = now
    row.save()
    was = product.status
    if product.status == Product.Status.ACTIVE:
        catalog_services.product_update(product=product, actor=actor, status=Product.Status.DRAFT)
    audit.record(
        actor=actor,
        verb=SUSPENDED_VERB,
        obj=product,
        data={"reason": reason.strip(), "was": was},
    )
    return row


# --- Informing the buyers of an illegal product (Art. 32) --------------------------------------


def notice_cutoff(now: Any = None) -> Any:
    now = now or clock.now()
    return add_months(now, -rules.whole("dsa_illegal_notice_months", on=now.date()))


def recent_buyers(product: Product, *, now: Any = None) -> list[Order]:
    """One order per buyer address (the latest) of orders placed through the store with the
    product since the cutoff; cancelled orders are not purchases."""
    cutoff = notice_cutoff(now)
    orders = (
        Order.objects.filter(
            lines__variant__product=product,
            placed_at__isnull=False,
            placed_at__gte=cutoff,
        )
        .exclude(status=OrderStatus.CANCELLED)
        .distinct()
        .order_by("-placed_at", "-pk")
    )
    by_email: dict[str, Order] = {}
    for order in orders:
        by_email.setdefault(order.email.strip().lower(), order)
    return list(by_email.values())


def trader_identity(vendor: Vendor) -> str:
    """The trader's identity as the platform holds it (Art. 30(1) data, public parts)."""
    latest = dsa.latest_records(vendor)

    def public(name: str) -> str:
        record = latest.get(name)
        if record is None or record.status == VerificationRecord.Status.REJECTED:
            return ""
        return record.value_public.strip()

    Field = VerificationRecord.Field
    lines = [public(Field.LEGAL_NAME) or vendor.name]
    if not vendor.residential_address:
        lines += [public(Field.BUSINESS_ADDRESS)]
    lines += [public(Field.EMAIL) or vendor.email]
    register = public(Field.TRADE_REGISTER)
    if register and register != dsa.NOT_REGISTERED:
        lines.append(register)
    return "\n".join(line for line in lines if line)


@dataclass(frozen=True)
class NoticeResult:
    notice: IllegalProductNotice | None
    informed: int
    already: int


@transaction.atomic
def illegal_product_inform(
    *,
    product: Product,
    reason: str,
    trader: str,
    redress: str,
    actor: Actor,
    user: Any = None,
) -> NoticeResult:
    """Record the decision and e-mail every recent buyer not yet informed about `product`
    (after commit). Buyers already informed are skipped, so a second run sends nothing new."""
    if not reason.strip():
        raise ValidationFailed("Say what makes the product illegal.", field="reason")
    if not trader.strip():
        raise ValidationFailed("Give the trader's identity.", field="trader")
    link = VendorProduct.objects.select_related("vendor").filter(product=product).first()
    if link is None:
        raise ValidationFailed("Not a vendor's product.", field="product")
    buyers = recent_buyers(product)
    known = set(
        IllegalProductRecipient.objects.filter(product=product).values_list("email", flat=True)
    )
    new = [order for order in buyers if order.email.strip().lower() not in known]
    if not new:
        return NoticeResult(notice=None, informed=0, already=len(buyers))
    notice = IllegalProductNotice.objects.create(
        product=product,
        vendor=link.vendor,
        reason=reason.strip(),
        trader_identity=trader.strip(),
        redress=redress.strip(),
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    recipients: list[int] = []
    for order in new:
        try:
            with transaction.atomic():
                recipient = IllegalProductRecipient.objects.create(
                    notice=notice, product=product, order=order, email=order.email.strip().lower()
                )
        except IntegrityError:  # informed by a concurrent run
            continue
        recipients.append(recipient.pk)
    audit.record(
        actor=actor,
        verb=ILLEGAL_VERB,
        obj=product,
        data={"notice": notice.pk, "informed": len(recipients), "reason": notice.reason},
    )

    def enqueue() -> None:
        for recipient_id in recipients:
            send_illegal_product_email.enqueue(recipient_id)

    transaction.on_commit(enqueue)
    return NoticeResult(notice=notice, informed=len(recipients), already=len(buyers) - len(new))


def render_illegal_product_email(recipient: IllegalProductRecipient) -> tuple[str, str]:
    """The subject and text of the e-mail, in the order's language."""
    from freehold.storefront.selectors import store_settings

    store = store_settings()
    notice = recipient.notice
    order = recipient.order
    language = (order.language if order else "") or store.language or django_settings.LANGUAGE_CODE
    with translation.override(language):
        subject = gettext("Important information about a product you bought – %(store)s") % {
            "store": store.name
        }
        parts = [
            gettext(
                "You bought “%(product)s” from %(store)s (order #%(number)s). We have found "
                "that this product is illegal."
            )
            % {
                "product": notice.product.title,
                "store": store.name,
                "number": order.number if order else "",
            },
            gettext("Why: %(reason)s") % {"reason": notice.reason},
            gettext("The product was sold by this trader:") + "\n" + notice.trader_identity,
        ]
        if notice.redress:
            parts.append(gettext("What you can do: %(redress)s") % {"redress": notice.redress})
        parts.append(
            gettext("This notice is required by Article 32 of the EU Digital Services Act.")
        )
        parts.append(store.name)
    return " ".join(subject.split()), "\n\n".join(parts) + "\n"


@task()
def send_illegal_product_email(recipient_id: int) -> int:
    recipient = IllegalProductRecipient.objects.select_related("notice__product", "order").get(
        pk=recipient_id
    )
    from freehold.storefront.selectors import store_settings

    subject, body = render_illegal_product_email(recipient)
    store = store_settings()
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=django_settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
        reply_to=[store.email] if store.email else None,
    )
    return message.send()


def notices_of(product: Product) -> list[IllegalProductNotice]:
    return list(IllegalProductNotice.objects.filter(product=product).prefetch_related("recipients"))


def seed_product_safety(*, vendor: Vendor, product_ids: Sequence[int]) -> None:
    """Demo product-safety information for a demo vendor's products (marketplace.demo)."""
    ProductCompliance.objects.bulk_create(
        ProductCompliance(
            product_id=product_id,
            operator_name=f"{vendor.name} GmbH",
            operator_address="Torstraße 12\n10119 Berlin\nGermany",
            operator_contact=f"safety@{vendor.handle}.example",
            identification=f"Model {vendor.handle[:3].upper()}-{product_id}",
            trademark=vendor.name,
            warnings="Keep away from open flames.",
            labelling="CE",
        )
        for product_id in product_ids
    )
