"""Template globals of marketplace mode on the storefront: "Sold by <vendor>" and the seller
block on product pages, and whether the footer links the marketplace page.

Product pages are cached and shared: what these show depends only on the product, its vendor
and the store's switches, the same for every visitor. The page cache is invalidated when the
switch flips (whole cache), when a product's vendor or the vendor's name changes
(vendor_services) and when anything the seller block shows changes (marketplace.seller).
"""

from __future__ import annotations

from typing import Any

from jinja2 import pass_context

from freehold.marketplace.models import MarketplaceSettings, Vendor
from freehold.marketplace.product_safety import product_safety_public
from freehold.marketplace.seller import product_seller


def sold_by(product: Any) -> Vendor | None:
    """The vendor selling `product` when marketplace mode is on; None for the operator's own."""
    # The storefront's product query selects `vendor_link__vendor`: no query at all for the
    # operator's own products, so a store without vendors renders exactly as before.
    link = getattr(product, "vendor_link", None)
    if link is None:
        return None
    enabled = MarketplaceSettings.objects.filter(pk=1, enabled=True).exists()
    return link.vendor if enabled else None


@pass_context
def marketplace_on(context: Any) -> bool:
    """Marketplace mode is on (the footer of every page asks).

    Read from the store settings of the page's chrome, annotated in the same statement
    (storefront.selectors.store_settings) and cached with it under the `store` version, which
    any save of the marketplace settings moves (marketplace.seller): no query of its own.
    """
    from freehold.storefront.selectors import chrome

    return bool(getattr(chrome(context.get("request")).settings, "marketplace_on", False))


@pass_context
def account_vendor(context: Any) -> Vendor | None:
    """The vendor the logged-in customer works for, for the account pages' link to /vendor/.

    Account pages are never cached; with marketplace mode off this costs no query.
    """
    if not marketplace_on(context):
        return None
    from freehold.marketplace.vendor_access import vendor_of

    request = context.get("request")
    return vendor_of(getattr(request, "user", None))


TEMPLATE_GLOBALS = {
    "account_vendor": account_vendor,
    "sold_by": sold_by,
    "seller_block": product_seller,
    "product_safety": product_safety_public,
    "marketplace_on": marketplace_on,
}
