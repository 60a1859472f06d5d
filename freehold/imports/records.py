"""What a parser reads out of a file, before anything touches the database.

Every importer (Shopify, Amazon, WooCommerce) turns its file into the same records, so matching,
validation, dry runs, progress and the report are written once (`importer.py`). A parser is pure:
bytes in, records and problems out. Row numbers are the file's line numbers as a spreadsheet
shows them (the header is row 1), so "row 14, column Variant Price" points at a cell.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

SHOPIFY_PRODUCTS = "shopify-products"
SHOPIFY_CUSTOMERS = "shopify-customers"
AMAZON_LISTINGS = "amazon-listings"
WOOCOMMERCE_PRODUCTS = "woocommerce-products"
FORMATS = (SHOPIFY_PRODUCTS, SHOPIFY_CUSTOMERS, AMAZON_LISTINGS, WOOCOMMERCE_PRODUCTS)

# Identifier schemes kept next to the catalog (`ExternalId`): a re-import matches on them.
ASIN = "asin"
AMAZON_LISTING_ID = "amazon-listing-id"
WOOCOMMERCE_ID = "woocommerce-id"


@dataclass(frozen=True)
class Problem:
    """Why a row (or one of its cells) was rejected; `column` is the header's name, or ""."""

    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.message}"


@dataclass
class ImageRecord:
    url: str
    position: int
    alt: str = ""


@dataclass
class VariantRecord:
    row: int
    price: Decimal
    options: list[str] = field(default_factory=list)
    sku: str = ""
    barcode: str = ""
    compare_at_price: Decimal | None = None
    cost: Decimal | None = None
    weight_grams: int = 0
    # None: the file says nothing about stock; a re-import leaves the stock as it is.
    stock_quantity: int | None = None
    inventory_policy: str = "deny"
    track_inventory: bool = True
    requires_shipping: bool = True
    taxable: bool = True
    image_url: str = ""
    # {"asin": "B00…", "amazon-listing-id": "…", "woocommerce-id": "…"}
    identifiers: dict[str, str] = field(default_factory=dict)


@dataclass
class ProductRecord:
    """One product as the file describes it; rejected whole when `problems` is not empty."""

    rows: list[int]
    title: str = ""
    handle: str = ""
    description_html: str = ""
    product_type: str = ""
    brand: str = ""
    tags: list[str] = field(default_factory=list)
    status: str = "active"  # active | draft | archived
    options: list[tuple[str, list[str]]] = field(default_factory=list)
    variants: list[VariantRecord] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    seo_title: str = ""
    seo_description: str = ""
    hs_code: str = ""
    country_of_origin: str = ""
    # Google Shopping attributes: google_product_category, gender, age_group, mpn, condition,
    # custom_product, adwords_grouping, adwords_labels, custom_label_0 … custom_label_4.
    feed_attributes: dict[str, str] = field(default_factory=dict)
    identifiers: dict[str, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def first_row(self) -> int:
        return self.rows[0] if self.rows else 0

    @property
    def label(self) -> str:
        """How the report names the product: its handle, else its title, else its first SKU."""
        skus = [v.sku for v in self.variants if v.sku]
        return self.handle or self.title or (skus[0] if skus else f"row {self.first_row}")


@dataclass
class AddressRecord:
    line1: str
    first_name: str = ""
    last_name: str = ""
    company: str = ""
    line2: str = ""
    city: str = ""
    region: str = ""  # a subdivision code ("NY", "ON") or name
    postal_code: str = ""
    country_code: str = ""
    phone: str = ""


@dataclass
class CustomerRecord:
    row: int
    email: str
    first_name: str = ""
    last_name: str = ""
    phone: str = ""
    accepts_marketing: bool = False
    tags: list[str] = field(default_factory=list)
    note: str = ""
    tax_exempt: bool = False
    addresses: list[AddressRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ParseResult:
    """A parsed file: its records, and problems that belong to no record (a bad header)."""

    format: str
    rows: int = 0
    products: list[ProductRecord] = field(default_factory=list)
    customers: list[CustomerRecord] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


CREATE = "create"
UPDATE = "update"
UNCHANGED = "unchanged"
REJECTED = "rejected"


@dataclass
class ItemOutcome:
    """What an import did (or, in a dry run, would do) with one product or customer."""

    item: str  # the record's label: handle, e-mail…
    action: str  # create | update | unchanged | rejected
    rows: list[int] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)  # "price of M / Blue 10.00 → 12.00"
    problems: list[Problem] = field(default_factory=list)
    object_id: int | None = None
