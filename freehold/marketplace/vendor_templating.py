"""Template globals of the VENDORS part of marketplace mode: "Sold by <vendor>" on product pages.

Product pages are cached and shared: the line depends only on the product and the store's
switch, the same for every visitor. The page cache is invalidated when the switch flips
(whole cache) and when a product's vendor or the vendor's name changes (vendor_services).
"""

from __future__ import annotations

from typing import Any

from freehold.marketplace.models import MarketplaceSettings, Vendor


def sold_by(product: Any) -> Vendor | None:
    """The vendor selling `product` when marketplace mode is on; None for the operator's own."""
    # The storefront's product query selects `vendor_link__vendor`: no query at all for the
    # operator's own products, so a store without vendors renders exactly as before.
    link = getattr(product, "vendor_link", None)
    if link is None:
        return None
    enabled = MarketplaceSettings.objects.filter(pk=1, enabled=True).exists()
    return link.vendor if enabled else None


TEMPLATE_GLOBALS = {"sold_by": sold_by}
