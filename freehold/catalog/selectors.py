"""Reads of the catalog for the storefront: listings, filters, facets and the product page.

Every function here runs a fixed number of queries whatever the catalog size: listings read
the product summary columns (never variants), facet counts come from one GROUP BY, and the
product page loads its variants (with their 30-day price low), images and options in one
query each.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import Count, F, Max, Min, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext

from freehold.catalog import translations
from freehold.catalog.models import (
    Collection,
    CollectionProduct,
    PriceChange,
    Product,
    ProductFacet,
    ProductImage,
    ProductOption,
    ProductTranslation,
    Variant,
)
from freehold.core import clock
from freehold.core.money import Money

ALL_PRODUCTS_HANDLE = "all"
LOWEST_PRICE_WINDOW = dt.timedelta(days=30)
LOW_STOCK_THRESHOLD = 5
# Prices a shopper may type into a filter: anything else is ignored, never an error.
MAX_FILTER_PRICE = Decimal(10) ** 12
MAX_FILTER_VALUES = 20

SortOrder = Collection.SortOrder
_ORDERINGS: dict[str, tuple[str, ...]] = {
    SortOrder.BEST_SELLING: ("-sales_count", "title", "id"),
    SortOrder.TITLE_ASC: ("title", "id"),
    SortOrder.TITLE_DESC: ("-title", "-id"),
    SortOrder.PRICE_ASC: ("price_min_amount", "id"),
    SortOrder.PRICE_DESC: ("-price_min_amount", "-id"),
    SortOrder.CREATED_DESC: ("-created_at", "-id"),
    SortOrder.CREATED_ASC: ("created_at", "id"),
}
# A collection without a manual order (smart, or all products) falls back to this.
DEFAULT_LISTING_SORT = SortOrder.CREATED_DESC


# --- Smart collections ----------------------------------------------------------------------

_TEXT_FIELDS = {"type": "product_type", "brand": "brand", "title": "title"}
_NUMERIC_FIELDS = {"price": "price_min_amount", "compare_at": "compare_at_amount"}
_TEXT_LOOKUPS = {
    "equals": "iexact",
    "contains": "icontains",
    "starts_with": "istartswith",
    "ends_with": "iendswith",
    "greater_than": "gt",
    "less_than": "lt",
}
_NEGATED = {"not_equals": "equals", "not_contains": "contains"}
_MATCH_NOTHING = Q(pk__in=[])


def _rule_q(rule: Mapping[str, Any]) -> Q:
    """One rule as a Q over Product; a rule that cannot apply matches nothing."""
    field_name, relation, value = (
        rule.get("field"),
        rule.get("relation"),
        str(rule.get("value", "")),
    )
    if relation in _NEGATED:
        return ~_rule_q({"field": field_name, "relation": _NEGATED[relation], "value": value})
    if field_name == "tag":
        lookup = _TEXT_LOOKUPS.get(str(relation))
        if lookup is None:
            return _MATCH_NOTHING
        tagged = Product.tags.through.objects.filter(**{f"tag__name__{lookup}": value})
        return Q(pk__in=tagged.values("product_id"))
    if field_name in _TEXT_FIELDS:
        lookup = _TEXT_LOOKUPS.get(str(relation))
        if lookup is None:
            return _MATCH_NOTHING
        return Q(**{f"{_TEXT_FIELDS[field_name]}__{lookup}": value})
    if field_name in _NUMERIC_FIELDS:
        amount = parse_amount(value, allow_zero=True)
        column = _NUMERIC_FIELDS[field_name]
        numeric = {"equals": "exact", "greater_than": "gt", "less_than": "lt"}.get(str(relation))
        if amount is None or numeric is None:
            return _MATCH_NOTHING
        return Q(**{f"{column}__{numeric}": amount})
    if field_name == "in_stock" and relation == "equals":
        wanted = value.strip().lower() in {"1", "true", "yes", "on"}
        return Q(is_in_stock=wanted)
    return _MATCH_NOTHING


def smart_collection_q(rules: Sequence[Mapping[str, Any]], *, match_all: bool = True) -> Q:
    """The products a rule-based collection holds, as one Q (no rules: no products)."""
    if not rules:
        return _MATCH_NOTHING
    parts = [_rule_q(rule) for rule in rules]
    combined = parts[0]
    for part in parts[1:]:
        combined = (combined & part) if match_all else (combined | part)
    return combined


def active_products() -> QuerySet[Product]:
    return Product.objects.filter(status=Product.Status.ACTIVE)


# Listing cards never show the description or the search text: the two largest columns.
LISTING_DEFERRED = ("description_html", "search_text")


def for_listing(products: QuerySet[Product]) -> QuerySet[Product]:
    """What a product card needs: the product row (without its large texts), its image and its
    title in the page's language (shown once `translations.overlay_all` ran on the rows)."""
    return translations.translated_products(
        products.select_related("featured_image").defer(*LISTING_DEFERRED)
    )


def _shown(products: Iterable[Product]) -> list[Product]:
    """Listed products with their titles in the page's language."""
    shown = list(products)
    translations.overlay_all(shown, translations.LISTING_FIELDS)
    return shown


def collection_products(collection: Collection | None) -> QuerySet[Product]:
    """The active products of a collection (None: every active product), unordered."""
    products = active_products()
    if collection is None:
        return products
    if collection.kind == Collection.Kind.SMART:
        return products.filter(
            smart_collection_q(collection.rules, match_all=collection.match_all_rules)
        )
    return products.filter(collectionproduct__collection=collection)


def published_collection(handle: str) -> Collection | None:
    """A published collection, its texts in the page's language."""
    found = translations.translated_collections(
        Collection.objects.filter(handle=handle, is_published=True)
    ).first()
    return translations.overlay(found, translations.COLLECTION_FIELDS) if found else None


# --- Listing parameters -------------------------------------------------------------------


def parse_amount(raw: object, *, allow_zero: bool = True) -> Decimal | None:
    """A price typed by a shopper, or None when it is not a sensible amount."""
    try:
        amount = Decimal(str(raw).strip()[:32])
    except (InvalidOperation, ValueError):
        return None
    if not amount.is_finite() or amount < 0 or amount > MAX_FILTER_PRICE:
        return None
    if amount == 0 and not allow_zero:
        return None
    return amount.quantize(Decimal("0.01"))


def parse_page(raw: object) -> int:
    try:
        page = int(str(raw)[:9])
    except (TypeError, ValueError):
        return 1
    return max(page, 1)


@dataclass
class ListingQuery:
    """What a shopper asked a listing for: filters, sort and page, already made safe."""

    options: dict[str, list[str]] = field(default_factory=dict)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    in_stock: bool = False
    sort: str = ""
    page: int = 1

    FILTER_PREFIX = "filter."

    @classmethod
    def from_params(cls, params: Any, *, default_sort: str) -> ListingQuery:
        """Build from request.GET; unknown or malformed values are dropped, never an error."""
        options: dict[str, list[str]] = {}
        for key in list(params.keys())[:MAX_FILTER_VALUES]:
            if key.startswith(cls.FILTER_PREFIX) and len(key) <= 255:
                values = [v[:255] for v in params.getlist(key) if v][:MAX_FILTER_VALUES]
                if values:
                    options[key[len(cls.FILTER_PREFIX) :]] = values
        sort = params.get("sort", "")
        if sort not in SortOrder.values:
            sort = default_sort
        return cls(
            options=options,
            price_min=parse_amount(params.get("price_min", "")),
            price_max=parse_amount(params.get("price_max", "")),
            in_stock=params.get("in_stock", "") in {"1", "on", "true"},
            sort=sort,
            page=parse_page(params.get("page", "1")),
        )

    @property
    def is_filtered(self) -> bool:
        return bool(
            self.options
            or self.price_min is not None
            or self.price_max is not None
            or self.in_stock
        )

    def apply_ranges(self, products: QuerySet[Product]) -> QuerySet[Product]:
        """Price and stock filters (facet counts are taken after these)."""
        if self.price_min is not None:
            products = products.filter(price_min_amount__gte=self.price_min)
        if self.price_max is not None:
            products = products.filter(price_min_amount__lte=self.price_max)
        if self.in_stock:
            products = products.filter(is_in_stock=True)
        return products

    def apply_options(self, products: QuerySet[Product]) -> QuerySet[Product]:
        """Option filters: any chosen value of one option, and every option chosen."""
        for name, values in self.options.items():
            offering = ProductFacet.objects.filter(name=name, value__in=values)
            products = products.filter(pk__in=offering.values("product_id"))
        return products


def sort_products(
    products: QuerySet[Product], sort: str, *, collection: Collection | None
) -> QuerySet[Product]:
    if sort == SortOrder.MANUAL:
        if collection is not None and collection.kind == Collection.Kind.MANUAL:
            # Reuses the join collection_products() filtered on.
            return products.order_by("collectionproduct__position", "collectionproduct__id")
        sort = DEFAULT_LISTING_SORT
    return products.order_by(*_ORDERINGS.get(sort, _ORDERINGS[DEFAULT_LISTING_SORT]))


def sort_choices(collection: Collection | None) -> list[tuple[str, str]]:
    """Sort orders that make sense here (manual only where a merchant arranged one)."""
    manual_ok = collection is not None and collection.kind == Collection.Kind.MANUAL
    return [(v, str(label)) for v, label in SortOrder.choices if manual_ok or v != SortOrder.MANUAL]


def default_sort(collection: Collection | None) -> str:
    if collection is None:
        return DEFAULT_LISTING_SORT
    if collection.sort_order == SortOrder.MANUAL and collection.kind != Collection.Kind.MANUAL:
        return DEFAULT_LISTING_SORT
    return collection.sort_order


# --- Facets -------------------------------------------------------------------------------

_SIZE_ORDER = {
    size: rank
    for rank, size in enumerate(
        ["xxxs", "xxs", "xs", "s", "m", "l", "xl", "xxl", "2xl", "xxxl", "3xl", "4xl", "5xl"]
    )
}
_NUMBER = re.compile(r"^\d+(\.\d+)?")


def _value_sort_key(value: str) -> tuple[int, float, str]:
    """S, M, L, XL in size order; 38, 40, 42 numerically; everything else alphabetically."""
    lowered = value.strip().lower()
    if lowered in _SIZE_ORDER:
        return (0, float(_SIZE_ORDER[lowered]), lowered)
    number = _NUMBER.match(lowered)
    if number:
        return (1, float(number.group(0)), lowered)
    return (2, 0.0, lowered)


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass
class Facet:
    name: str
    values: list[FacetValue]

    @property
    def param(self) -> str:
        return ListingQuery.FILTER_PREFIX + self.name

    @property
    def has_selection(self) -> bool:
        return any(v.selected for v in self.values)


def facet_counts(products: QuerySet[Product], selected: Mapping[str, Sequence[str]]) -> list[Facet]:
    """Option values among `products` with how many products offer each: one GROUP BY."""
    rows = (
        ProductFacet.objects.filter(product__in=products.order_by().values("pk"))
        .values("name", "value")
        .annotate(count=Count("product_id"))
        .order_by()
    )
    grouped: dict[str, list[FacetValue]] = {}
    totals: dict[str, int] = {}
    for row in rows:
        name, value = row["name"], row["value"]
        grouped.setdefault(name, []).append(
            FacetValue(value=value, count=row["count"], selected=value in selected.get(name, ()))
        )
        totals[name] = totals.get(name, 0) + row["count"]
    names = sorted(grouped, key=lambda n: (-totals[n], n.lower()))
    return [
        Facet(name=n, values=sorted(grouped[n], key=lambda fv: _value_sort_key(fv.value)))
        for n in names
    ]


# --- A listing page -------------------------------------------------------------------------


@dataclass
class ListingPage:
    products: list[Product]
    total: int
    page: int
    page_count: int
    facets: list[Facet]
    price_low: Decimal | None
    price_high: Decimal | None

    @property
    def has_previous(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.page_count


def listing_page(
    *, collection: Collection | None, query: ListingQuery, page_size: int
) -> ListingPage:
    """One page of a collection with its facet counts: three queries, any catalog size."""
    base = query.apply_ranges(collection_products(collection))
    filtered = query.apply_options(base)
    summary = filtered.order_by().aggregate(
        total=Count("pk"), low=Min("price_min_amount"), high=Max("price_max_amount")
    )
    total = summary["total"] or 0
    page_count = max(1, -(-total // page_size))
    page = min(query.page, page_count)
    start = (page - 1) * page_size
    products = _shown(
        for_listing(sort_products(filtered, query.sort, collection=collection))[
            start : start + page_size
        ]
    )
    return ListingPage(
        products=products,
        total=total,
        page=page,
        page_count=page_count,
        facets=facet_counts(base, query.options),
        price_low=summary["low"],
        price_high=summary["high"],
    )


def products_in_order(ids: Sequence[int]) -> list[Product]:
    """Active products with these ids, in the given order (search results)."""
    by_id = {p.pk: p for p in _shown(for_listing(active_products().filter(pk__in=ids)))}
    return [by_id[i] for i in ids if i in by_id]


def latest_products(*, limit: int) -> list[Product]:
    return _shown(for_listing(active_products().order_by("-created_at", "-id"))[:limit])


def collections_with_products(
    collections: Sequence[Collection], *, per_collection: int
) -> dict[int, list[Product]]:
    """The first products of several collections (home page).

    Manual collections share one windowed query over their memberships; each rule-based
    collection costs one query. Neither grows with the catalog.
    """
    result: dict[int, list[Product]] = {c.pk: [] for c in collections}
    if per_collection <= 0:
        return result
    manual = [c for c in collections if c.kind == Collection.Kind.MANUAL]
    if manual:
        orderings: dict[int, tuple[str, ...]] = {}
        for c in manual:
            sort = default_sort(c)
            orderings[c.pk] = (
                ("position", "id")
                if sort == SortOrder.MANUAL
                else tuple(
                    f"-product__{o[1:]}" if o.startswith("-") else f"product__{o}"
                    for o in _ORDERINGS[sort]
                )
            )
        # One window per distinct ordering keeps it a single query in the usual case.
        for ordering in sorted(set(orderings.values())):
            ids = [pk for pk, o in orderings.items() if o == ordering]
            memberships = translations.with_translation(
                CollectionProduct.objects.filter(
                    collection_id__in=ids, product__status=Product.Status.ACTIVE
                )
                .annotate(
                    rank=Window(
                        RowNumber(), partition_by=[F("collection_id")], order_by=list(ordering)
                    )
                )
                .filter(rank__lte=per_collection)
                .select_related("product", "product__featured_image")
                .defer(*(f"product__{name}" for name in LISTING_DEFERRED))
                .order_by("collection_id", "rank"),
                model=ProductTranslation,
                owner="product",
                fields=translations.LISTING_FIELDS,
                language=translations.content_language(),
                outer="product_id",
            )
            for membership in memberships:
                result[membership.collection_id].append(
                    translations.overlay(
                        membership.product, translations.LISTING_FIELDS, source=membership
                    )
                )
    for c in collections:
        if c.kind == Collection.Kind.SMART:
            result[c.pk] = _shown(
                for_listing(sort_products(collection_products(c), default_sort(c), collection=c))[
                    :per_collection
                ]
            )
    return result


# --- The product page ---------------------------------------------------------------------


@dataclass
class ProductDetail:
    product: Product
    options: list[ProductOption]
    variants: list[Variant]
    images: list[ProductImage]

    def variant_by_id(self, raw: object) -> Variant | None:
        try:
            wanted = int(str(raw)[:18])
        except (TypeError, ValueError):
            return None
        return next((v for v in self.variants if v.pk == wanted), None)

    def resolve_variant(self, params: Mapping[str, str]) -> Variant | None:
        """The variant a shopper chose: ?variant=<id>, else ?option1=..&option2=.., else the
        first one in stock."""
        if not self.variants:
            return None
        chosen = self.variant_by_id(params.get("variant", ""))
        if chosen is not None:
            return chosen
        wanted = {
            position: params[f"option{position}"]
            for position in (1, 2, 3)
            if params.get(f"option{position}")
        }
        candidates = self.variants
        if wanted:
            candidates = [
                v
                for v in self.variants
                if all(getattr(v, f"option{p}") == value for p, value in wanted.items())
            ] or self.variants
        return next((v for v in candidates if v.is_available), candidates[0])

    def image_for(self, variant: Variant | None) -> ProductImage | None:
        if variant is not None and variant.image_id:
            found = next((i for i in self.images if i.pk == variant.image_id), None)
            if found is not None:
                return found
        return self.images[0] if self.images else None

    def unavailable_values(self, variant: Variant | None) -> dict[int, set[str]]:
        """Per option position, the values that give no available variant when combined with
        the other options of `variant` (marked in the picker)."""
        marked: dict[int, set[str]] = {}
        for option in self.options:
            others = {
                p: getattr(variant, f"option{p}")
                for p in (1, 2, 3)
                if variant is not None and p != option.position
            }
            for value in option.values:
                available = any(
                    v.is_available
                    and getattr(v, f"option{option.position}") == value
                    and all(getattr(v, f"option{p}") == other for p, other in others.items())
                    for v in self.variants
                )
                if not available:
                    marked.setdefault(option.position, set()).add(value)
        return marked


def _variants_with_price_low(product: Product) -> QuerySet[Variant]:
    """Variants annotated with what the EU 30-day rule needs from their price history.

    The rule: a price reduction shows the lowest price the item had in the 30 days before
    now, not counting the current price. So: the lowest price that started inside the window
    (before the current one) and the price already in force when the window opened.
    """
    now = clock.now()
    window_start = now - LOWEST_PRICE_WINDOW
    history = PriceChange.objects.filter(variant=OuterRef("pk"))
    return (
        Variant.objects.filter(product=product)
        .annotate(
            current_since=Subquery(
                history.filter(changed_at__lte=now)
                .order_by("-changed_at", "-pk")
                .values("changed_at")[:1]
            )
        )
        .annotate(
            recent_low_amount=Subquery(
                history.filter(
                    changed_at__gte=window_start, changed_at__lt=OuterRef("current_since")
                )
                .order_by("price_amount")
                .values("price_amount")[:1]
            ),
            opening_amount=Subquery(
                history.filter(changed_at__lt=window_start)
                .order_by("-changed_at", "-pk")
                .values("price_amount")[:1]
            ),
        )
        .order_by("position", "id")
    )


def lowest_recent_price(variant: Variant) -> Money:
    """The lowest price of the last 30 days before the current one (or the current price)."""
    window_start = clock.now() - LOWEST_PRICE_WINDOW
    candidates: list[Decimal] = []
    recent = getattr(variant, "recent_low_amount", None)
    if recent is not None:
        candidates.append(recent)
    current_since = getattr(variant, "current_since", None)
    opening = getattr(variant, "opening_amount", None)
    if opening is not None and current_since is not None and current_since > window_start:
        candidates.append(opening)
    if not candidates:
        return variant.price
    return Money(min(candidates), variant.currency)


def availability_text(variant: Variant | None) -> str:
    if variant is None or not variant.is_available:
        return gettext("Sold out")
    if not variant.track_inventory:
        return gettext("In stock")
    if variant.stock_quantity <= 0:
        return gettext("Available to order")
    if variant.stock_quantity <= LOW_STOCK_THRESHOLD:
        return gettext("Only %(count)s left") % {"count": variant.stock_quantity}
    return gettext("In stock")


def product_detail(handle: str) -> ProductDetail | None:
    """An active product with everything its page shows, in the page's language: four queries."""
    try:
        # The seller (marketplace mode) in the same query: the page's seller blocks read
        # `product.vendor_link`, which is None for the operator's own products.
        product = translations.translated_products(
            active_products().select_related("vendor_link__vendor"),
            fields=translations.PRODUCT_FIELDS,
        ).get(handle=handle)
    except Product.DoesNotExist:
        return None
    translations.overlay(product, translations.PRODUCT_FIELDS)
    # The price history only matters beside a reduction; the summary says whether any variant
    # is reduced, and most products are not, so most pages skip three correlated subqueries.
    variants = (
        _variants_with_price_low(product)
        if product.compare_at_amount is not None
        else Variant.objects.filter(product=product).order_by("position", "id")
    )
    return ProductDetail(
        product=product,
        options=[
            translations.overlay_option(option)
            for option in translations.translated_options(
                ProductOption.objects.filter(product=product).order_by("position")
            )
        ],
        variants=list(variants),
        images=list(ProductImage.objects.filter(product=product).order_by("position", "id")),
    )


def sitemap_products() -> QuerySet[Product]:
    return active_products().order_by("id").prefetch_related("images")


def product_ids(products: Iterable[Product]) -> list[int]:
    return [p.pk for p in products]
