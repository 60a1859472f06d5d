"""Shopper-facing pages: thin views over the selectors, rendered by the Jinja2 theme.

Pages that show products are cached whole (freehold.core.pagecache) and tag what they show,
so a price or stock change re-renders exactly the pages that display it. Nothing personal is
rendered here: no session, no CSRF token, no cart.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sitemaps.views import sitemap as django_sitemap
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    HttpResponseServerError,
    JsonResponse,
)
from django.shortcuts import render
from django.template import loader
from django.template.response import TemplateResponse
from django.utils.translation import gettext
from django.views.decorators.http import require_safe
from markupsafe import escape

from freehold.catalog import selectors as catalog
from freehold.catalog.cache import LISTINGS_TAG
from freehold.catalog.html import html_to_text, truncate
from freehold.catalog.models import Collection, Product, Variant
from freehold.catalog.search import search_product_ids
from freehold.core import pagecache
from freehold.core.pagecache import cache_page
from freehold.markets import links
from freehold.markets.display import ShownPrice, variant_prices
from freehold.markets.middleware import market_of, pricing_of
from freehold.markets.templating import market_money
from freehold.storefront import selectors
from freehold.storefront.jinja import (
    absolute_url_for,
    active_language,
    format_money,
    image_sources,
    social_image,
)
from freehold.storefront.models import FONT_STACKS, Page, StoreSettings, relative_luminance
from freehold.storefront.sitemaps import SITEMAPS

logger = logging.getLogger(__name__)

DESCRIPTION_LENGTH = 160
SEARCH_DISPLAY_LENGTH = 200
SUGGESTION_LIMIT = 6
HOME_LATEST_COUNT = 8
SCHEMA = "https://schema.org"
THEME_CSS_MAX_AGE = 365 * 24 * 3600
# Colours reach CSS only as #rrggbb: a bad value saved around validation cannot inject CSS.
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


# --- Shared page metadata -------------------------------------------------------------------


@dataclass
class Seo:
    """What <head> says about a page to search engines and social networks."""

    title: str
    description: str
    canonical: str
    og_type: str = "website"
    image: dict[str, Any] | None = None
    meta: list[tuple[str, str]] = field(default_factory=list)
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    noindex: bool = False
    # The page in the other markets and languages: (hreflang, absolute URL).
    alternates: list[tuple[str, str]] = field(default_factory=list)


def _store(request: HttpRequest) -> StoreSettings:
    return selectors.chrome(request).settings


def _page_title(request: HttpRequest, title: str) -> str:
    name = _store(request).name
    return f"{title} – {name}" if title and title != name else name


def _description(*candidates: str) -> str:
    for text in candidates:
        plain = html_to_text(text) if "<" in text else text.strip()
        if plain:
            return truncate(plain, DESCRIPTION_LENGTH)
    return ""


def _default_image(store: StoreSettings) -> Any:
    return store.social_image or store.hero_image or store.logo


def _seo(
    request: HttpRequest,
    *,
    title: str,
    description: str = "",
    path: str | None = None,
    image: Any = None,
    **extra: Any,
) -> Seo:
    store = _store(request)
    og_image = social_image(image) or social_image(_default_image(store))
    if og_image is not None:
        og_image = {**og_image, "url": absolute_url_for(request, og_image["url"])}
    bare_path = path if path is not None else request.path_info
    alternates = [
        (alternate.hreflang, absolute_url_for(request, alternate.path))
        for alternate in links.alternates(bare_path)
    ]
    return Seo(
        title=title,
        description=description or _description(store.seo_description, store.tagline),
        canonical=absolute_url_for(request, links.market_path(bare_path)),
        image=og_image,
        alternates=alternates,
        **extra,
    )


def _breadcrumbs(request: HttpRequest, crumbs: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "@context": SCHEMA,
        "@type": "BreadcrumbList",
        "itemListElement": [
            {
                "@type": "ListItem",
                "position": number,
                "name": name,
                "item": absolute_url_for(request, links.market_path(path)),
            }
            for number, (name, path) in enumerate(crumbs, start=1)
        ],
    }


def _tag_products(request: HttpRequest, products: list[Product]) -> None:
    pagecache.tag(request, *pagecache.tags_for("product", catalog.product_ids(products)))


def _query_string(params: Any, **changes: Any) -> str:
    """The current query with some parameters changed (None drops one), tracking removed."""
    pairs = [
        (key, value)
        for key in params
        if key not in changes and key not in pagecache.IGNORED_PARAMETERS
        for value in params.getlist(key)
    ]
    pairs += [(key, value) for key, value in changes.items() if value is not None]
    encoded = urlencode(pairs)
    return f"?{encoded}" if encoded else ""


# --- Home -----------------------------------------------------------------------------------


@require_safe
@cache_page
def home(request: HttpRequest) -> HttpResponse:
    store = _store(request)
    collections = selectors.featured_collections(store)
    products = catalog.collections_with_products(
        collections, per_collection=store.featured_products_per_collection
    )
    pagecache.tag(
        request, LISTINGS_TAG, *pagecache.tags_for("collection", [c.pk for c in collections])
    )
    for shown in products.values():
        _tag_products(request, shown)
    home_url = absolute_url_for(request, "/")
    logo = social_image(store.logo)
    organization: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Organization",
        "name": store.legal_name or store.name,
        "url": home_url,
        "sameAs": [link.url for link in selectors.chrome(request).social_links],
    }
    if logo:
        organization["logo"] = absolute_url_for(request, logo["url"])
    if store.email:
        organization["email"] = store.email
    website = {
        "@context": SCHEMA,
        "@type": "WebSite",
        "name": store.name,
        "url": home_url,
        "potentialAction": {
            "@type": "SearchAction",
            "target": f"{absolute_url_for(request, '/search')}?q={{search_term_string}}",
            "query-input": "required name=search_term_string",
        },
    }
    seo = _seo(
        request,
        title=store.seo_title
        or (f"{store.name} – {store.tagline}" if store.tagline else store.name),
        path="/",
        json_ld=[organization, website],
    )
    featured = [(c, products[c.pk]) for c in collections if products[c.pk]]
    latest: list[Product] = []
    if not featured:
        # A new store without featured collections still shows what it sells.
        latest = catalog.latest_products(limit=HOME_LATEST_COUNT)
        _tag_products(request, latest)
    return render(request, "index.html", {"seo": seo, "featured": featured, "latest": latest})


# --- Collections ----------------------------------------------------------------------------


@require_safe
@cache_page
def collection(request: HttpRequest, handle: str) -> HttpResponse:
    if handle == catalog.ALL_PRODUCTS_HANDLE:
        shown: Collection | None = None
        title, description_html = gettext("All products"), ""
    else:
        shown = catalog.published_collection(handle)
        if shown is None:
            raise Http404("No such collection")
        title, description_html = shown.title, shown.description_html
    query = catalog.ListingQuery.from_params(request.GET, default_sort=catalog.default_sort(shown))
    page = catalog.listing_page(collection=shown, query=query, page_size=settings.CATALOG_PAGE_SIZE)
    pagecache.tag(request, LISTINGS_TAG)
    if shown is not None:
        pagecache.tag(request, f"collection:{shown.pk}")
    _tag_products(request, page.products)

    path = f"/collections/{handle}"
    canonical_path = f"{path}?page={page.page}" if page.page > 1 else path
    seo_title = (shown.seo_title if shown else "") or title
    seo = _seo(
        request,
        title=_page_title(
            request,
            seo_title
            + (" – " + gettext("Page %(page)s") % {"page": page.page} if page.page > 1 else ""),
        ),
        description=_description(shown.seo_description if shown else "", description_html),
        path=canonical_path,
        image=shown.image if shown else None,
        json_ld=[_breadcrumbs(request, [(gettext("Home"), "/"), (title, path)])],
        noindex=query.is_filtered,
    )
    return render(
        request,
        "collection.html",
        {
            "seo": seo,
            "collection": shown,
            "handle": handle,
            "title": title,
            "description_html": description_html,
            "listing": page,
            "query": query,
            "sort_choices": catalog.sort_choices(shown),
            "previous_url": _query_string(request.GET, page=page.page - 1)
            if page.has_previous
            else "",
            "next_url": _query_string(request.GET, page=page.page + 1) if page.has_next else "",
            "clear_url": path,
            "default_sort": catalog.default_sort(shown),
        },
    )


# --- Product --------------------------------------------------------------------------------


def _shown_prices(request: HttpRequest, detail: catalog.ProductDetail) -> dict[int, ShownPrice]:
    """The variants' prices in the shopper's market (fixed ones in one query)."""
    cached: dict[int, ShownPrice] | None = getattr(detail, "_shown_prices", None)
    if cached is None:
        resolved = market_of(request)
        market_pk = resolved.market.pk if resolved.market.uses_fixed_prices else None
        for variant in detail.variants:
            variant.product = detail.product
        cached = variant_prices(pricing_of(request), detail.variants, market_pk=market_pk)
        detail._shown_prices = cached  # type: ignore[attr-defined]
    return cached


def _variant_data(
    request: HttpRequest, detail: catalog.ProductDetail, variant: Variant
) -> dict[str, Any]:
    language = active_language(request)
    shown = _shown_prices(request, detail)[variant.pk]
    lowest = (
        market_money(request, catalog.lowest_recent_price(variant), detail.product.tax_class)
        if shown.is_on_sale
        else None
    )
    return {
        "id": variant.pk,
        "options": [variant.option1, variant.option2, variant.option3][: len(detail.options)],
        "price": format_money(shown.price, language=language),
        "compare_at": (
            format_money(shown.compare_at, language=language) if shown.is_on_sale else None
        ),
        "lowest": format_money(lowest, language=language) if lowest is not None else None,
        "available": variant.is_available,
        "availability": catalog.availability_text(variant),
        "image": variant.image_id,
        "sku": variant.sku,
    }


def _product_json_ld(
    request: HttpRequest, detail: catalog.ProductDetail, description: str
) -> dict[str, Any]:
    product = detail.product
    url = absolute_url_for(request, product.get_absolute_url())
    offers = []
    for variant in detail.variants:
        offer: dict[str, Any] = {
            "@type": "Offer",
            "url": f"{url}?variant={variant.pk}",
            "price": str(_shown_prices(request, detail)[variant.pk].price.amount),
            "priceCurrency": pricing_of(request).currency,
            "availability": f"{SCHEMA}/{'InStock' if variant.is_available else 'OutOfStock'}",
            "itemCondition": f"{SCHEMA}/NewCondition",
        }
        if variant.title:
            offer["name"] = variant.title
        if variant.sku:
            offer["sku"] = variant.sku
        if variant.barcode:
            offer["gtin"] = variant.barcode
        offers.append(offer)
    data: dict[str, Any] = {
        "@context": SCHEMA,
        "@type": "Product",
        "name": product.title,
        "url": url,
        "image": [
            absolute_url_for(request, found["url"])
            for found in (social_image(img) for img in detail.images)
            if found
        ],
        "offers": offers,
    }
    if description:
        data["description"] = description
    if product.brand:
        data["brand"] = {"@type": "Brand", "name": product.brand}
    first_sku = next((v.sku for v in detail.variants if v.sku), "")
    if first_sku:
        data["sku"] = first_sku
    return data


@require_safe
@cache_page
def product(request: HttpRequest, handle: str) -> HttpResponse:
    detail = catalog.product_detail(handle)
    if detail is None:
        raise Http404("No such product")
    item = detail.product
    pagecache.tag(request, f"product:{item.pk}")
    variant = detail.resolve_variant(request.GET)
    main_image = detail.image_for(variant)
    description = _description(item.seo_description, item.description_html)
    seo = _seo(
        request,
        title=_page_title(request, item.seo_title or item.title),
        description=description,
        path=item.get_absolute_url(),
        image=main_image,
        og_type="product",
        json_ld=[
            _product_json_ld(request, detail, description),
            _breadcrumbs(
                request,
                [
                    (gettext("Home"), "/"),
                    (gettext("All products"), "/collections/all"),
                    (item.title, item.get_absolute_url()),
                ],
            ),
        ],
    )
    if variant is not None:
        seo.meta += [
            ("product:price:amount", str(_shown_prices(request, detail)[variant.pk].price.amount)),
            ("product:price:currency", pricing_of(request).currency),
            ("product:availability", "in stock" if variant.is_available else "out of stock"),
        ]
    images = {img.pk: image_sources(img, None) for img in detail.images}
    data = {
        "options": [option.name for option in detail.options],
        "variants": [_variant_data(request, detail, v) for v in detail.variants],
        "images": {str(pk): sources for pk, sources in images.items() if sources},
    }
    selected = _variant_data(request, detail, variant) if variant is not None else None
    return render(
        request,
        "product.html",
        {
            "seo": seo,
            "product": item,
            "detail": detail,
            "variant": variant,
            "selected": selected,
            "main_image": main_image,
            "unavailable": detail.unavailable_values(variant),
            "has_choices": len(detail.variants) > 1 and bool(detail.options),
            "product_data": data,
        },
    )


# --- Search ---------------------------------------------------------------------------------


@require_safe
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    ids = search_product_ids(query)
    page_size = settings.CATALOG_PAGE_SIZE
    page_count = max(1, -(-len(ids) // page_size))
    page = min(catalog.parse_page(request.GET.get("page", "1")), page_count)
    products = catalog.products_in_order(ids[(page - 1) * page_size : page * page_size])
    shown_query = query[:SEARCH_DISPLAY_LENGTH]
    seo = _seo(
        request,
        title=_page_title(
            request,
            gettext("Search: %(query)s") % {"query": shown_query}
            if shown_query
            else gettext("Search"),
        ),
        path="/search",
        noindex=True,
    )
    return render(
        request,
        "search.html",
        {
            "seo": seo,
            "query": shown_query,
            "search_query": shown_query,
            "products": products,
            "total": len(ids),
            "page": page,
            "page_count": page_count,
            "previous_url": _query_string(request.GET, page=page - 1) if page > 1 else "",
            "next_url": _query_string(request.GET, page=page + 1) if page < page_count else "",
        },
    )


def _thumbnail(product: Product) -> str | None:
    sources = image_sources(product.featured_image, None)
    if sources is None:
        return None
    first = sources["srcset"].split(",")[0].strip().split(" ")[0]
    return first or sources["src"]


@require_safe
def search_suggest(request: HttpRequest) -> JsonResponse:
    """Suggestions as the shopper types: up to six products, best first."""
    query = request.GET.get("q", "").strip()
    products = catalog.products_in_order(search_product_ids(query, limit=SUGGESTION_LIMIT))
    language = active_language(request)
    suggestions = [
        {
            "title": p.title,
            "url": p.get_absolute_url(),
            "price": (
                (gettext("From") + " " if p.price_max_amount > p.price_min_amount else "")
                + format_money(market_money(request, p.price_min, p.tax_class), language=language)
            ),
            "image": _thumbnail(p),
        }
        for p in products
    ]
    response = JsonResponse({"query": query[:SEARCH_DISPLAY_LENGTH], "products": suggestions})
    response["Cache-Control"] = "public, max-age=60"
    return response


# --- Content pages --------------------------------------------------------------------------


@require_safe
@cache_page
def page(request: HttpRequest, handle: str) -> HttpResponse:
    shown: Page | None = selectors.published_page(handle)
    if shown is None:
        raise Http404("No such page")
    seo = _seo(
        request,
        title=_page_title(request, shown.seo_title or shown.title),
        description=_description(shown.seo_description, shown.body_html),
        path=shown.get_absolute_url(),
    )
    return render(
        request,
        "contact.html" if shown.template == Page.Template.CONTACT else "page.html",
        {"seo": seo, "page": shown},
    )


@require_safe
@cache_page
def imprint(request: HttpRequest) -> HttpResponse:
    seo = _seo(request, title=_page_title(request, "Imprint"), path="/legal/imprint")
    return render(request, "imprint.html", {"seo": seo})


# --- Brand stylesheet, robots and sitemap ---------------------------------------------------


def _on_colour(background: str) -> str:
    """Black or white, whichever reads better on `background`."""
    try:
        return "#ffffff" if relative_luminance(background) < 0.4 else "#111111"
    except (ValueError, IndexError):
        return "#ffffff"


@require_safe
def theme_css(request: HttpRequest) -> HttpResponse:
    """The brand as CSS custom properties; /theme.css?v=<updated_at> is cached for a year."""
    store, defaults = _store(request), StoreSettings()
    colours = {
        name: value if HEX_COLOUR.match(value) else getattr(defaults, name)
        for name in ("color_primary", "color_accent", "color_background", "color_text")
        for value in [str(getattr(store, name) or "")]
    }
    properties = {
        "--color-primary": colours["color_primary"],
        "--color-on-primary": _on_colour(colours["color_primary"]),
        "--color-accent": colours["color_accent"],
        "--color-on-accent": _on_colour(colours["color_accent"]),
        "--color-background": colours["color_background"],
        "--color-text": colours["color_text"],
        "--font-heading": FONT_STACKS.get(store.font_heading, FONT_STACKS["system"]),
        "--font-body": FONT_STACKS.get(store.font_body, FONT_STACKS["system"]),
    }
    body = ":root{" + ";".join(f"{name}:{value}" for name, value in properties.items()) + "}\n"
    response = HttpResponse(body, content_type="text/css; charset=utf-8")
    if request.GET.get("v") == selectors.theme_version(store):
        response["Cache-Control"] = f"public, max-age={THEME_CSS_MAX_AGE}, immutable"
    else:
        response["Cache-Control"] = "public, max-age=60"
    return response


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Allow: /",
        "Disallow: /admin/",
        "Disallow: /search",
        "",
        f"Sitemap: {absolute_url_for(request, '/sitemap.xml')}",
        "",
    ]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
@cache_page
def sitemap_urls_xml(request: HttpRequest) -> HttpResponse:
    """The URLs of one market and language (the default's at /sitemap-urls.xml)."""
    pagecache.tag(request, LISTINGS_TAG)
    response = django_sitemap(request, sitemaps=SITEMAPS, template_name="seo/sitemap.xml")
    if isinstance(response, TemplateResponse):
        response.render()
    return response


def _sitemap_index(request: HttpRequest, alternates: list[links.Alternate]) -> HttpResponse:
    """One sitemap per market and language, so search engines find every translation."""
    urls = [
        absolute_url_for(request, f"{alt.path.removesuffix('/')}/sitemap-urls.xml")
        for alt in alternates
        if alt.hreflang != "x-default"
    ]
    body = "".join(f"<sitemap><loc>{escape(url)}</loc></sitemap>" for url in urls)
    return HttpResponse(
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{body}</sitemapindex>',
        content_type="application/xml",
    )


@require_safe
@cache_page
def sitemap_xml(request: HttpRequest) -> HttpResponse:
    """An index of the per-market sitemaps when the store sells in several markets or
    languages (and on a market's own prefix, that market's URLs); else the URLs themselves."""
    alternates = links.alternates("/")
    if len(alternates) > 1 and not getattr(request, "market_prefix", ""):
        return _sitemap_index(request, alternates)
    pagecache.tag(request, LISTINGS_TAG)
    response = django_sitemap(request, sitemaps=SITEMAPS, template_name="seo/sitemap.xml")
    if isinstance(response, TemplateResponse):
        response.render()
    return response


# --- Errors ---------------------------------------------------------------------------------


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The theme's 404, with header and footer so the shopper can carry on."""
    try:
        seo = _seo(request, title=_page_title(request, gettext("Page not found")), noindex=True)
        return render(request, "404.html", {"seo": seo}, status=404)
    except Exception:  # a broken theme or database must still give a 404
        logger.exception("The themed 404 page failed to render")
        return HttpResponseNotFound("<h1>Page not found</h1>")


def server_error(request: HttpRequest) -> HttpResponse:
    """A minimal 500 that needs no database: no store settings, no menus."""
    try:
        content = loader.get_template("500.html").render({})
    except Exception:
        logger.exception("The themed 500 page failed to render")
        content = "<h1>Something went wrong</h1><p>Please try again in a moment.</p>"
    return HttpResponseServerError(content)
