"""Which format a file is in, and the parser that reads it.

Detection reads only the header row: each format has columns no other one has (Shopify's
"Handle" and "Variant Price", Amazon's "seller-sku" and "asin1", WooCommerce's "Regular price").
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from freehold.imports import records
from freehold.imports.records import ParseResult
from freehold.imports.textfile import decode, read_table

# format -> (module, header test, parser)
PARSERS: dict[str, tuple[str, str, str]] = {
    records.SHOPIFY_PRODUCTS: ("shopify", "looks_like_products", "parse_products"),
    records.SHOPIFY_CUSTOMERS: ("shopify", "looks_like_customers", "parse_customers"),
    records.AMAZON_LISTINGS: ("amazon", "looks_like_listings", "parse_listings"),
    records.WOOCOMMERCE_PRODUCTS: ("woocommerce", "looks_like_products", "parse_products"),
}
LABELS = {
    records.SHOPIFY_PRODUCTS: "Shopify products CSV",
    records.SHOPIFY_CUSTOMERS: "Shopify customers CSV",
    records.AMAZON_LISTINGS: "Amazon All Listings Report",
    records.WOOCOMMERCE_PRODUCTS: "WooCommerce products CSV",
}
# What people type on the command line.
ALIASES = {
    "shopify": records.SHOPIFY_PRODUCTS,
    "shopify-products": records.SHOPIFY_PRODUCTS,
    "shopify-customers": records.SHOPIFY_CUSTOMERS,
    "amazon": records.AMAZON_LISTINGS,
    "amazon-listings": records.AMAZON_LISTINGS,
    "woocommerce": records.WOOCOMMERCE_PRODUCTS,
    "woocommerce-products": records.WOOCOMMERCE_PRODUCTS,
}


def _function(format: str, which: int) -> Callable[..., object]:
    module_name, *names = PARSERS[format]
    module = importlib.import_module(f"freehold.imports.parsers.{module_name}")
    return getattr(module, names[which - 1])  # type: ignore[no-any-return]


def detect_format(data: bytes) -> str | None:
    """The format whose header `data` has, or None."""
    header = read_table(data[:65536]).header
    for format in PARSERS:
        if _function(format, 1)(header):
            return format
    return None


def parse(data: bytes, *, format: str) -> ParseResult:
    result = _function(format, 2)(data)
    assert isinstance(result, ParseResult)
    result.extra.setdefault("encoding", decode(data)[1])
    return result
