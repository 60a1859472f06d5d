"""The shopper's marketplace pages: a seller's page and how the marketplace works.

Both are cached whole like product pages (core.pagecache): they show nothing per visitor. The
seller page carries `vendor:<id>` (everything in the seller block), its products' tags and
`listings` (a product of the vendor going live or away).
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext
from django.views.decorators.http import require_safe

from freehold.catalog import selectors as catalog
from freehold.catalog.cache import LISTINGS_TAG
from freehold.catalog.models import Collection
from freehold.core import pagecache
from freehold.core.pagecache import cache_page
from freehold.marketplace.models import Vendor
from freehold.marketplace.seller import seller_block, vendor_tag
from freehold.marketplace.vendor_access import marketplace_enabled
from freehold.storefront.views import _page_title, _seo


def _active_vendor(handle: str) -> Vendor:
    if not marketplace_enabled():
        raise Http404("The marketplace is off.")
    return get_object_or_404(Vendor, handle=handle, status=Vendor.Status.ACTIVE)


def _page_url(path: str, page: int) -> str:
    return path if page == 1 else f"{path}?page={page}"


@require_safe
@cache_page
def seller(request: HttpRequest, handle: str) -> HttpResponse:
    """/sellers/<handle>: the seller block and the seller's live products, newest first."""
    vendor = _active_vendor(handle)
    pagecache.tag(request, vendor_tag(vendor.pk), LISTINGS_TAG)
    products = catalog.active_products().filter(vendor_link__vendor=vendor)
    page_size = settings.CATALOG_PAGE_SIZE
    page_count = max(1, -(-products.count() // page_size))
    page = min(catalog.parse_page(request.GET.get("page", "1")), page_count)
    shown = catalog.products_in_order(
        list(
            products.order_by("-created_at", "-id").values_list("pk", flat=True)[
                (page - 1) * page_size : page * page_size
            ]
        )
    )
    pagecache.tag(request, *pagecache.tags_for("product", [p.pk for p in shown]))
    path = request.path
    seo = _seo(
        request,
        title=_page_title(request, vendor.name),
        description=gettext("Products sold by %(name)s") % {"name": vendor.name},
        noindex=True,
    )
    return render(
        request,
        "marketplace/seller.html",
        {
            "seo": seo,
            "vendor": vendor,
            "seller_info": seller_block(vendor),
            "products": shown,
            "page": page,
            "page_count": page_count,
            "previous_url": _page_url(path, page - 1) if page > 1 else None,
            "next_url": _page_url(path, page + 1) if page < page_count else None,
        },
    )


@require_safe
@cache_page
def marketplace_info(request: HttpRequest) -> HttpResponse:
    """/legal/marketplace: sellers are third parties, who ships and refunds, and the main
    parameters that rank products in search and collections (CRD Art. 6a)."""
    if not marketplace_enabled():
        raise Http404("The marketplace is off.")
    seo = _seo(
        request,
        title=_page_title(request, gettext("How this marketplace works")),
        path="/legal/marketplace",
    )
    sort_orders = [str(label) for value, label in Collection.SortOrder.choices if value != "manual"]
    return render(request, "marketplace/info.html", {"seo": seo, "sort_orders": sort_orders})
