"""What a shopper sees of a marketplace seller: one "About the seller" block, computed here.

The block sits on the seller's product pages and on its seller page (`/sellers/<handle>`). It
shows each item once, as required by whichever rules apply:

* **CRD Art. 6a** (selling to EU consumers): whether the seller is a trader (self-declared,
  `Vendor.is_business`) and, for a private seller, that EU consumer law does not apply; who
  ships and who handles returns (every seller).
* **DSA Art. 30(7)** (selling to EU consumers, the platform not exempt, the seller a trader):
  name, address, phone, e-mail, trade register entry and self-certification.
* **INFORM 1.9-1.10** (a high-volume seller with the disclosure revenue in the trailing
  window): name, physical address, a contact channel; **1.12** (every high-volume seller):
  the link and phone to report suspicious activity.

How partial disclosure meets the DSA. The address and phone both laws show are the same
records: the ones the trader gave under Art. 30(1) (`VerificationRecord` business_address and
phone), which INFORM verification reads too. INFORM lets a seller certify that this address is
its home or this phone its personal line (`Vendor.residential_address`,
`Vendor.personal_phone_only`); Freehold then never publishes the street or the number, under
either law: a certified privacy request is not overridden by a second law asking for the same
line, and a cached page is one page for US and EU shoppers alike. The block shows region and
country and the notice that inquiries go by e-mail or message instead. Art. 30(7) foresees no
such reduction: a trader selling to EU consumers meets it by giving a publishable address (a
business or returns address) and phone under Art. 30(1), which lifts the flag. Everything else
(register, self-certification, e-mail) is shown in full.

Cached pages: product and seller pages carry the tag `vendor:<id>`. Writes
invalidate it through the signals below; outcomes that change with time alone (day 11 without
information, sales leaving the window, the disclosure threshold) are caught by
`shown_state_refresh`, which `inform.vendor_recompute` calls after payments, refunds and in the
daily job: it compares a fingerprint of the block with `Vendor.shown_state` and invalidates the
tag when they differ.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, fields
from typing import Any

from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_noop
from jinja2 import pass_context

from freehold.core import pagecache
from freehold.marketplace import inform
from freehold.marketplace.models import (
    CertificationNotice,
    MarketplaceSettings,
    Vendor,
    VendorProduct,
    VerificationRecord,
)
from freehold.marketplace.rules import rule

Field = VerificationRecord.Field
NOT_REGISTERED = "not registered"  # dsa.NOT_REGISTERED (dsa imports catalog services)
# Stored untranslated (the template translates them) so the fingerprint is the same in every
# language.
NOTICE_RESIDENTIAL = gettext_noop(
    "This seller's inquiries are handled by phone, e-mail or message."
)
NOTICE_RESIDENTIAL_NO_PHONE = gettext_noop(
    "This seller's inquiries are handled by e-mail or message."
)
NOTICE_NO_PHONE = gettext_noop("Please contact this seller by e-mail or message.")


def vendor_tag(vendor_id: int) -> str:
    return f"vendor:{vendor_id}"


@dataclass(frozen=True)
class SellerBlock:
    """Everything the "About the seller" block shows (empty strings: not shown)."""

    vendor: Vendor
    trading_name: str
    handle: str
    trader_status: bool  # CRD Art. 6a: say whether the seller is a trader (EU selling)
    is_trader: bool
    identity: bool  # name, address and contacts (DSA Art. 30(7) or INFORM 1.9)
    name: str
    address_lines: tuple[str, ...]
    email: str
    phone: str
    notices: tuple[str, ...]  # msgids
    trade_register: str  # DSA only
    registered: bool
    self_certification: str  # DSA only
    verified: bool  # INFORM: every required field verified (high-volume sellers)
    report: bool  # INFORM 1.12: every high-volume seller
    report_phone: str
    suspended: bool  # INFORM: sales suspended, the products cannot be bought
    ships_from: str  # country code

    def public(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name != "vendor"}


def _settings() -> MarketplaceSettings | None:
    return MarketplaceSettings.objects.filter(pk=1).first()


def seller_block(
    vendor: Vendor,
    *,
    settings: MarketplaceSettings | None = None,
    on: dt.datetime | None = None,
) -> SellerBlock | None:
    """The block for `vendor`, or None when marketplace mode is off (see the module doc)."""
    settings = settings or _settings()
    if settings is None or not settings.enabled:
        return None
    eu = settings.sells_to_eu_consumers
    dsa = eu and vendor.is_business and not settings.dsa_small_enterprise_exempt
    counters = inform.vendor_counters(vendor, on=on)
    high_volume = counters.high_volume
    disclose = high_volume and counters.trailing_revenue_usd >= rule(
        "disclosure_min_revenue_usd", on=counters.on.date()
    )
    identity = dsa or disclose
    latest = inform.latest_records(vendor, on=on) if identity else {}

    def public(field: str) -> str:
        record = latest.get(field)
        if record is None or record.status == VerificationRecord.Status.REJECTED:
            return ""
        return record.value_public.strip()

    address: tuple[str, ...] = ()
    email = phone = register = certification = ""
    notices: list[str] = []
    if identity:
        if vendor.residential_address:
            region = ", ".join(part for part in (vendor.region, vendor.country_code) if part)
            address = (region,) if region else ()
            notices.append(
                NOTICE_RESIDENTIAL_NO_PHONE if vendor.personal_phone_only else NOTICE_RESIDENTIAL
            )
        else:
            lines = public(Field.BUSINESS_ADDRESS).splitlines()
            address = tuple(line.strip() for line in lines if line.strip())
        if vendor.personal_phone_only:
            if not vendor.residential_address:
                notices.append(NOTICE_NO_PHONE)
        else:
            phone = public(Field.PHONE) or vendor.phone
        email = public(Field.EMAIL) or vendor.email
        if dsa:
            register = public(Field.TRADE_REGISTER)
            certification = public(Field.SELF_CERTIFICATION)
    status = inform.verification_status(vendor, on=on) if high_volume else inform.NOT_HIGH_VOLUME
    return SellerBlock(
        vendor=vendor,
        trading_name=vendor.name,
        handle=vendor.handle,
        trader_status=eu,
        is_trader=vendor.is_business,
        identity=identity,
        name=(public(Field.LEGAL_NAME) or vendor.name) if identity else vendor.name,
        address_lines=address,
        email=email,
        phone=phone,
        notices=tuple(notices),
        trade_register=register,
        registered=bool(register) and register != NOT_REGISTERED,
        self_certification=certification,
        verified=status == inform.VERIFIED,
        report=high_volume,
        report_phone=settings.report_phone if high_volume else "",
        suspended=status == inform.SUSPENDED,
        ships_from=vendor.country_code,
    )


@pass_context
def product_seller(context: Any, product: Any) -> SellerBlock | None:
    """The block for a product page (Jinja global `seller_block`); None for the operator's
    own products. Tags the page `vendor:<id>` so a change of the vendor re-renders it."""
    # The storefront's product query selects `vendor_link__vendor`: no statement at all for
    # the operator's own products.
    link = getattr(product, "vendor_link", None)
    if link is None:
        return None
    request = context.get("request")
    if request is not None:
        pagecache.tag(request, vendor_tag(link.vendor_id))
    return seller_block(link.vendor)


# --- Keeping cached pages current --------------------------------------------------------------


def fingerprint(block: SellerBlock | None) -> str:
    data = block.public() if block is not None else None
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


def invalidate_vendor(vendor_id: int) -> None:
    pagecache.invalidate(vendor_tag(vendor_id))


def shown_state_refresh(*, vendor: Vendor, on: dt.datetime | None = None) -> bool:
    """Re-render the vendor's cached pages if what shoppers see of it changed; whether it did.

    Called by `inform.vendor_recompute` (payments, refunds, the daily job): time alone moves
    the suspension, the high-volume window and the disclosure threshold, with no write a
    signal could hear.
    """
    state = fingerprint(seller_block(vendor, on=on))
    if state == vendor.shown_state:
        return False
    Vendor.objects.filter(pk=vendor.pk).update(shown_state=state)
    vendor.shown_state = state
    invalidate_vendor(vendor.pk)
    return True


def _vendor_changed(sender: Any, instance: Vendor, **kwargs: Any) -> None:
    invalidate_vendor(instance.pk)


def _vendor_child_changed(sender: Any, instance: Any, **kwargs: Any) -> None:
    invalidate_vendor(instance.vendor_id)


def _vendor_product_changed(sender: Any, instance: VendorProduct, **kwargs: Any) -> None:
    pagecache.invalidate(vendor_tag(instance.vendor_id), f"product:{instance.product_id}")


def _settings_changed(sender: Any, **kwargs: Any) -> None:
    # The switches change the footer of every page and every vendor's block: rare, operator
    # actions, so the whole cache.
    pagecache.invalidate(pagecache.GLOBAL_TAG)


for _signal in (post_save, post_delete):
    _signal.connect(_vendor_changed, sender=Vendor, dispatch_uid=f"seller-vendor-{_signal}")
    for _child in (VerificationRecord, CertificationNotice):
        _signal.connect(
            _vendor_child_changed, sender=_child, dispatch_uid=f"seller-{_child}-{_signal}"
        )
    _signal.connect(
        _vendor_product_changed, sender=VendorProduct, dispatch_uid=f"seller-link-{_signal}"
    )
    _signal.connect(
        _settings_changed, sender=MarketplaceSettings, dispatch_uid=f"seller-settings-{_signal}"
    )
