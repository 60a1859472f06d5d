"""The beacon: page views (and product views, searches) from the storefront's pages.

Pages come from the full-page cache, identical for everybody, so the server does not know who
looked at them; `collect.js` posts a small form with `navigator.sendBeacon` to `/_e` once per
page. Without JavaScript there is no page view (and no bot that does not run scripts counts
either). Server-side actions (add to cart, checkout, purchase, refund) are recorded where they
happen, not here.

The endpoint is exempt from CSRF (cached pages carry no token) and accepts only same-origin
posts (the `Origin` check of the add-to-cart endpoint), small bodies, at a limited rate per
client address; it always answers 204 with `no-store` when it accepted the post.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from freehold.catalog.models import Product
from freehold.core.ratelimit import RateLimit, client_address
from freehold.insights import events
from freehold.insights.models import Event
from freehold.storefront.checkout_views import is_same_origin

MAX_BODY_BYTES = 4096
BEACON_LIMIT = RateLimit(scope="insights.collect", limit=300, window_seconds=300)
KINDS = {"product": Event.Kind.PRODUCT_VIEW, "search": Event.Kind.SEARCH}


def _answer(status: int = 204) -> HttpResponse:
    response = HttpResponse(status=status)
    response["Cache-Control"] = "private, no-store"
    return response


@csrf_exempt
@require_POST
def collect(request: HttpRequest) -> HttpResponse:
    """One page view: `t` page type (product|search|page), `p` product id, `q` search query,
    `u` the page's path and query, `r` the page's referrer."""
    if not is_same_origin(request):
        return _answer(403)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = MAX_BODY_BYTES + 1
    if length > MAX_BODY_BYTES:
        return _answer(413)
    if BEACON_LIMIT.hit(client_address(request)) > BEACON_LIMIT.limit:
        return _answer(429)
    if events.is_bot(request):
        return _answer()
    data = request.POST
    url = data.get("u", "")[:2048]
    if not url.startswith("/"):
        url = "/"
    events.note_landing(request, url=url, referrer=data.get("r", "")[:2048])
    kind = KINDS.get(data.get("t", ""), Event.Kind.PAGE_VIEW)
    product_id: int | None = None
    raw_product = data.get("p", "")
    if kind == Event.Kind.PRODUCT_VIEW:
        if raw_product.isdigit() and len(raw_product) < 18:
            product_id = int(raw_product)
        # An id from the page, but the post is the client's: only a product that exists.
        if product_id is None or not Product.objects.filter(pk=product_id).exists():
            kind, product_id = Event.Kind.PAGE_VIEW, None
    events.record_event(
        kind=kind,
        request=request,
        product=product_id,
        search_query=data.get("q", "")[:255] if kind == Event.Kind.SEARCH else "",
        path=urlsplit(url).path,
    )
    return _answer()
