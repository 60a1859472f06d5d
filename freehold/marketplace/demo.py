"""The demo's marketplace: six partner brands, one in each INFORM state, selling some products.

Called by `freehold seed` after the catalog and orders exist. Marketplace mode is switched on,
a few of the demo's products are handed to the vendors (the rest stay the operator's), every
vendor gets the DSA trader data except the last (its listings show what is missing under
Marketplace → Traders), and `inform.seed_inform` puts them in the six verification states.
Vendor accounts have no usable password: staff see the vendors from the dashboard.
"""

from __future__ import annotations

from django.contrib.auth.hashers import make_password

from freehold.catalog.models import Product
from freehold.core import clock
from freehold.customers.models import Customer
from freehold.marketplace import dsa, inform, rules
from freehold.marketplace.models import (
    MarketplaceSettings,
    Vendor,
    VendorMember,
    VendorProduct,
    VerificationRecord,
)

# name, handle, country, region
DEMO_VENDORS: tuple[tuple[str, str, str, str], ...] = (
    ("Alpine Wool Co.", "alpine-wool", "AT", "Tirol"),
    ("Harbour Canvas", "harbour-canvas", "GB", "Cornwall"),
    ("Lakeside Leather", "lakeside-leather", "US", "MN"),
    ("Nordic Knit Studio", "nordic-knit", "DK", "Hovedstaden"),
    ("Prairie Denim", "prairie-denim", "US", "TX"),
    ("Coastline Goods", "coastline-goods", "US", "CA"),
)
PRODUCTS_PER_VENDOR = 2


def seed_marketplace() -> list[Vendor]:
    """Create the demo vendors (once: existing ones are left alone); returns them."""
    if Vendor.objects.filter(handle__in=[row[1] for row in DEMO_VENDORS]).exists():
        return list(Vendor.objects.filter(handle__in=[row[1] for row in DEMO_VENDORS]))
    rules.defaults_load()  # present since migration 0002, unless a test database was flushed
    settings = MarketplaceSettings.objects.get_or_create(pk=1)[0]
    settings.enabled = True
    settings.report_phone = settings.report_phone or "+49 30 5550 1000"
    settings.save()
    now = clock.now()
    vendors = []
    products = list(
        Product.objects.filter(status=Product.Status.ACTIVE)
        .order_by("-pk")
        .values_list("pk", flat=True)[: PRODUCTS_PER_VENDOR * len(DEMO_VENDORS)]
    )
    for index, (name, handle, country, region) in enumerate(DEMO_VENDORS):
        vendor = Vendor.objects.create(
            name=name,
            handle=handle,
            status=Vendor.Status.ACTIVE,
            email=f"hello@{handle}.example",
            phone="+1 512 555 0100" if country == "US" else "+43 512 555 010",
            country_code=country,
            region=region,
            residential_address=handle == "prairie-denim",
            created_at=now,
        )
        member, _ = Customer.objects.get_or_create(
            email=f"owner@{handle}.example",
            defaults={"first_name": name.split()[0], "password": make_password(None)},
        )
        VendorMember.objects.create(vendor=vendor, customer=member)
        mine = products[index * PRODUCTS_PER_VENDOR : (index + 1) * PRODUCTS_PER_VENDOR]
        VendorProduct.objects.bulk_create(
            VendorProduct(product_id=product_id, vendor=vendor) for product_id in mine
        )
        missing = (VerificationRecord.Field.SELF_CERTIFICATION,) if index == 5 else ()
        dsa.seed_trader(vendor=vendor, missing=missing)
        vendors.append(vendor)
    inform.seed_inform(vendors=vendors)
    return vendors
