"""Shopify's product and customer CSV files, read into import records.

Products: Shopify writes one row per variant and one per extra image, all carrying the
product's handle; the product's own fields (title, description, tags…) are on its first row
only. Files exported over the years differ: older ones say `Published` true/false, newer ones
add `Status` (active/draft/archived), "Cost per item", "Product Category", per-market price
columns and metafield columns. Columns this importer does not know are ignored, so a file from
any of those years reads.

Customers: the current export ("Default Address Address1", "Accepts Email Marketing"…) and the
older one ("Address1", "Accepts Marketing"…) are both read; addresses are checked against the
country's rules here already, so the preview names the cell that is wrong.

Both parsers are pure (no database): bytes in, records and problems out (`records.py`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import TypeVar

from babel import Locale
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from freehold.catalog.validators import validate_gtin
from freehold.customers import addresses
from freehold.imports.records import (
    SHOPIFY_CUSTOMERS,
    SHOPIFY_PRODUCTS,
    AddressRecord,
    CustomerRecord,
    ImageRecord,
    ParseResult,
    Problem,
    ProductRecord,
    VariantRecord,
)
from freehold.imports.textfile import read_table
from freehold.markets.countries import country_codes

# --- Columns --------------------------------------------------------------------------------

HANDLE = "Handle"
TITLE = "Title"
BODY = "Body (HTML)"
VENDOR = "Vendor"
TYPE = "Type"
TAGS = "Tags"
PUBLISHED = "Published"
STATUS = "Status"
SKU = "Variant SKU"
GRAMS = "Variant Grams"
TRACKER = "Variant Inventory Tracker"
QUANTITY = "Variant Inventory Qty"
POLICY = "Variant Inventory Policy"
PRICE = "Variant Price"
COMPARE_AT = "Variant Compare At Price"
REQUIRES_SHIPPING = "Variant Requires Shipping"
TAXABLE = "Variant Taxable"
BARCODE = "Variant Barcode"
IMAGE_SRC = "Image Src"
IMAGE_POSITION = "Image Position"
IMAGE_ALT = "Image Alt Text"
SEO_TITLE = "SEO Title"
SEO_DESCRIPTION = "SEO Description"
VARIANT_IMAGE = "Variant Image"
COST = "Cost per item"

PRODUCT_COLUMNS = (
    HANDLE,
    TITLE,
    BODY,
    VENDOR,
    TYPE,
    TAGS,
    PUBLISHED,
    STATUS,
    SKU,
    GRAMS,
    TRACKER,
    QUANTITY,
    POLICY,
    PRICE,
    COMPARE_AT,
    REQUIRES_SHIPPING,
    TAXABLE,
    BARCODE,
    IMAGE_SRC,
    IMAGE_POSITION,
    IMAGE_ALT,
    SEO_TITLE,
    SEO_DESCRIPTION,
    VARIANT_IMAGE,
    COST,
)

# Google Shopping columns as Shopify's exports name them, and the feed attribute each fills.
GOOGLE_SHOPPING = {
    "Google Shopping / Google Product Category": "google_product_category",
    "Google Shopping / Gender": "gender",
    "Google Shopping / Age Group": "age_group",
    "Google Shopping / MPN": "mpn",
    "Google Shopping / AdWords Grouping": "adwords_grouping",
    "Google Shopping / AdWords Labels": "adwords_labels",
    "Google Shopping / Condition": "condition",
    "Google Shopping / Custom Product": "custom_product",
    **{f"Google Shopping / Custom Label {n}": f"custom_label_{n}" for n in range(5)},
}
FEED_KEYS = frozenset(GOOGLE_SHOPPING.values())
# Newer exports write the same attributes as metafield columns:
# "Google: Gender (product.metafields.mm-google-shopping.gender)".
_GOOGLE_METAFIELD = re.compile(r"\(product\.metafields\.mm-google-shopping\.([a-z0-9_]+)\)\s*$")
_OPTION_NAME = re.compile(r"^Option(\d+) Name$", re.IGNORECASE)
# What a SlugField(allow_unicode=True) accepts, as Django's validate_unicode_slug says.
_HANDLE = re.compile(r"^[-\w]+\Z")

T = TypeVar("T")

MAX_OPTIONS = 3
# What the catalog's columns hold (freehold/catalog/models.py).
TEXT_LENGTHS = {TITLE: 255, VENDOR: 255, TYPE: 255, SEO_TITLE: 255, SEO_DESCRIPTION: 512}
HANDLE_LENGTH = 255
SKU_LENGTH = 255
OPTION_LENGTH = 255
URL_LENGTH = 2048
ALT_LENGTH = 512
MONEY_PLACES = 4
MONEY_LIMIT = Decimal(10) ** 16
MONEY_QUANTUM = Decimal(1).scaleb(-MONEY_PLACES)
STATUSES = ("active", "draft", "archived")
POLICIES = ("deny", "continue")
TRUE_WORDS = frozenset({"true", "yes", "y", "1"})
FALSE_WORDS = frozenset({"false", "no", "n", "0"})
# A decimal comma, as a spreadsheet in Europe saves "12,50": one or two digits after it, so it
# can never be a thousands separator.
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d{1,2}$")


# Reports a problem: (row, column, message) for products, (column, message) for a customer.
ReportProduct = Callable[["Row", str, str], None]
ReportCustomer = Callable[[str, str], None]


class CellError(Exception):
    """A cell's value is refused; the message says why (the column is named by the caller)."""


@cache
def _canonical(name: str) -> str:
    return " ".join(name.split()).casefold()


# A spreadsheet-safe export (Freehold's own, and others') writes a cell that starts like a
# formula with a leading apostrophe ("'+1 212…", "'-50% off"); reading takes it off again.
_FORMULA_STARTS = ("=", "+", "-", "@")


def _cell(text: str) -> str:
    text = text.strip()
    if text.startswith("'") and text[1:2] in _FORMULA_STARTS:
        return text[1:]
    return text


class Columns:
    """A file's header, looked up by Shopify's column names.

    Headers are matched ignoring case and repeated spaces. The names a parser reads from
    every row are resolved once per file (`preload`) and each row's cells read once; a
    50,000-row file asks some 40 names of every row.
    """

    def __init__(self, header: list[str]):
        self.header = header
        self._by_canonical: dict[str, str] = {}
        for name in header:
            self._by_canonical.setdefault(_canonical(name), name)
        self._resolved: dict[str, str | None] = {}
        self.preloaded: list[tuple[str, str | None]] = []
        # Newer exports' Google Shopping metafield columns, with the attribute each fills.
        self.google_metafields = [
            (name, match.group(1))
            for name in header
            if (match := _GOOGLE_METAFIELD.search(name)) and match.group(1) in FEED_KEYS
        ]

    def resolve(self, name: str) -> str | None:
        """The file's header for `name`, or None when the file lacks that column."""
        try:
            return self._resolved[name]
        except KeyError:
            header = self._resolved[name] = self._by_canonical.get(_canonical(name))
            return header

    def preload(self, names: Iterable[str]) -> None:
        self.preloaded = [(name, self.resolve(name)) for name in dict.fromkeys(names)]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.resolve(name) is not None


class Row:
    """One record of the file; a column the file lacks reads as an empty cell.

    `column(name)` is the header as the file spells it, for problems.
    """

    __slots__ = ("_cells", "_columns", "_values", "number")

    def __init__(self, number: int, cells: Mapping[str, str], columns: Columns):
        self.number = number
        self._cells = cells
        self._columns = columns
        self._values = {
            name: _cell(cells[header]) if header is not None else ""
            for name, header in columns.preloaded
        }

    def get(self, name: str) -> str:
        value = self._values.get(name)
        if value is not None:
            return value
        header = self._columns.resolve(name)
        return _cell(self._cells[header]) if header is not None else ""

    @property
    def columns(self) -> Columns:
        return self._columns

    def has(self, name: str) -> bool:
        return name in self._columns

    def column(self, name: str) -> str:
        return self._columns.resolve(name) or name


def _has(header: list[str], *names: str) -> bool:
    present = {_canonical(name) for name in header}
    return all(_canonical(name) in present for name in names)


# --- Cells ----------------------------------------------------------------------------------


def parse_price(text: str) -> Decimal:
    """A price as Decimal: "12.50", "12", "12,50" (a decimal comma); never a float."""
    value = text.strip().replace(" ", "")
    if _DECIMAL_COMMA.match(value):
        value = value.replace(",", ".")
    try:
        amount = Decimal(value)
    except InvalidOperation:
        raise CellError(f'"{text[:40]}" is not a price.') from None
    if not amount.is_finite():
        raise CellError(f'"{text[:40]}" is not a price.')
    if amount < 0:
        raise CellError(f"{text} is negative; a price is 0 or more.")
    if amount >= MONEY_LIMIT:
        raise CellError(f"{text[:40]} is too large for a price.")
    if amount != amount.quantize(MONEY_QUANTUM):
        raise CellError(f"{text} has more than {MONEY_PLACES} decimal places.")
    return amount


def parse_whole(text: str, *, what: str, negative: bool = False) -> int:
    """A whole number; "28.0" (a spreadsheet's way of writing 28) is accepted."""
    try:
        number = Decimal(text.strip().replace(",", "."))
    except InvalidOperation:
        raise CellError(f'"{text[:40]}" is not {what}.') from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(f'"{text[:40]}" is not {what}.')
    if number < 0 and not negative:
        raise CellError(f"{text} is negative.")
    if abs(number) > 2**31 - 1:
        raise CellError(f"{text[:40]} is too large.")
    return int(number)


def parse_bool(text: str, *, default: bool) -> bool:
    word = text.strip().casefold()
    if not word:
        return default
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f'"{text[:40]}" is neither true nor false.')


def split_tags(text: str) -> list[str]:
    """Comma-separated tags, trimmed, each once (ignoring case), in the file's order."""
    tags: dict[str, str] = {}
    for part in text.split(","):
        tag = " ".join(part.split())
        if tag:
            tags.setdefault(tag.casefold(), tag)
    return list(tags.values())


def _is_web_address(url: str) -> bool:
    return url.startswith(("http://", "https://")) and len(url) > len("https://") and " " not in url


def _unquote(text: str) -> str:
    """Drop the apostrophe spreadsheets put before numbers to keep them as text ('0123)."""
    return text[1:].strip() if text.startswith("'") else text


# --- Products -------------------------------------------------------------------------------


def looks_like_products(header: list[str]) -> bool:
    """Shopify's product CSV: a Handle, a Title and the variant columns."""
    return _has(header, HANDLE, TITLE) and (
        _has(header, PRICE) or _has(header, SKU) or _has(header, "Option1 Name")
    )


@dataclass
class _Product:
    """The rows of one handle while they are read."""

    handle: str
    rows: list[Row] = field(default_factory=list)


def parse_products(data: bytes) -> ParseResult:
    """Read a Shopify product CSV into one ProductRecord per handle."""
    table = read_table(data)
    result = ParseResult(format=SHOPIFY_PRODUCTS, extra={"encoding": table.encoding})
    if not any(table.header):
        result.problems.append(Problem(1, "", "The file is empty."))
        return result
    columns = Columns(table.header)
    if HANDLE not in columns:
        result.problems.append(
            Problem(1, HANDLE, "The header has no Handle column; is this a Shopify product CSV?")
        )
        return result
    option_numbers = sorted(
        int(match.group(1)) for name in table.header if (match := _OPTION_NAME.match(name))
    )
    columns.preload(
        [
            *PRODUCT_COLUMNS,
            *(f"Option{n} {part}" for n in option_numbers for part in ("Name", "Value")),
            *GOOGLE_SHOPPING,
            *(name for name, _key in columns.google_metafields),
        ]
    )
    groups: dict[str, _Product] = {}
    orphans: list[Row] = []
    for number, cells in table.rows():
        result.rows += 1
        row = Row(number, cells, columns)
        handle = row.get(HANDLE).lower()
        if not handle:
            orphans.append(row)
            continue
        groups.setdefault(handle, _Product(handle=handle)).rows.append(row)

    records: list[tuple[int, ProductRecord]] = []
    for group in groups.values():
        records.append((group.rows[0].number, _product(group, option_numbers)))
    for row in orphans:
        record = ProductRecord(rows=[row.number], title=row.get(TITLE))
        record.problems.append(
            Problem(row.number, row.column(HANDLE), "Empty; every row names its product's handle.")
        )
        records.append((row.number, record))
    records.sort(key=lambda pair: pair[0])
    result.products = [record for _first, record in records]
    _check_skus_unique(result.products)
    return result


def _product(group: _Product, option_numbers: list[int]) -> ProductRecord:
    rows = group.rows
    record = ProductRecord(rows=[row.number for row in rows], handle=group.handle)

    def problem(row: Row, column: str, message: str) -> None:
        record.problems.append(Problem(row.number, row.column(column) if column else "", message))

    first = rows[0]
    if not _HANDLE.match(group.handle) or len(group.handle) > HANDLE_LENGTH:
        problem(
            first,
            HANDLE,
            f'"{group.handle[:60]}" is not a handle: use letters, digits, "-" and "_" only '
            f"(at most {HANDLE_LENGTH} characters).",
        )

    head = next((row for row in rows if row.get(TITLE)), None)
    if head is None:
        problem(first, TITLE, f"No row of {group.handle} gives the product's title.")
        head = first
    else:
        record.title = head.get(TITLE)
        for row in rows:
            title = row.get(TITLE)
            if title and title != record.title:
                problem(
                    row,
                    TITLE,
                    f'{group.handle} is already "{record.title[:60]}" (row {head.number}); '
                    "a product's title goes on its first row only; is the handle used twice?",
                )
    _product_fields(record, head, problem)
    options = _options(record, head, option_numbers, problem)
    _variants_and_images(record, rows, head, options, option_numbers, problem)
    record.problems.sort(key=lambda p: p.row)
    return record


def _product_fields(record: ProductRecord, head: Row, problem: ReportProduct) -> None:
    record.description_html = head.get(BODY)
    record.brand = head.get(VENDOR)
    record.product_type = head.get(TYPE)
    record.tags = split_tags(head.get(TAGS))
    record.seo_title = head.get(SEO_TITLE)
    record.seo_description = head.get(SEO_DESCRIPTION)
    for column, length in TEXT_LENGTHS.items():
        if len(head.get(column)) > length:
            problem(head, column, f"Longer than {length} characters.")
    status = head.get(STATUS).casefold()
    if status:
        if status in STATUSES:
            record.status = status
        else:
            problem(
                head, STATUS, f'"{head.get(STATUS)[:40]}" is not a status: active, draft, archived.'
            )
    try:
        published = parse_bool(head.get(PUBLISHED), default=True)
    except CellError as error:
        problem(head, PUBLISHED, str(error))
        published = True
    if not status:
        record.status = "active" if published else "draft"
    elif status == "active" and not published:
        # Active but not on the Online Store: this store's storefront is that channel.
        record.status = "draft"
    for header, key in GOOGLE_SHOPPING.items():
        value = head.get(header)
        if value:
            record.feed_attributes[key] = value
    for name, key in head.columns.google_metafields:
        value = head.get(name)
        if value:
            record.feed_attributes.setdefault(key, value)


def _options(
    record: ProductRecord, head: Row, option_numbers: list[int], problem: ReportProduct
) -> list[str]:
    """The product's option names, from its first row; [] for Shopify's "Title: Default Title"."""
    names: list[str] = []
    for n in option_numbers:
        name = head.get(f"Option{n} Name")
        if name:
            if n > MAX_OPTIONS:
                problem(
                    head,
                    f"Option{n} Name",
                    f"A product has at most {MAX_OPTIONS} options; {name[:40]} is one more.",
                )
                continue
            if len(names) != n - 1:
                problem(head, f"Option{n} Name", f"Option{len(names) + 1} Name is empty.")
                continue
            if name.casefold() in (existing.casefold() for existing in names):
                problem(head, f"Option{n} Name", f"The option {name[:40]} is named twice.")
                continue
            if len(name) > OPTION_LENGTH:
                problem(head, f"Option{n} Name", f"Longer than {OPTION_LENGTH} characters.")
                continue
            names.append(name)
    if names == ["Title"] and head.get("Option1 Value") in ("Default Title", ""):
        return []
    record.options = [(name, []) for name in names]
    return names


def _variants_and_images(
    record: ProductRecord,
    rows: list[Row],
    head: Row,
    options: list[str],
    option_numbers: list[int],
    problem: ReportProduct,
) -> None:
    images: list[tuple[int | None, int, ImageRecord]] = []  # (given position, order, image)
    image_urls: set[str] = set()
    combinations: dict[tuple[str, ...], tuple[int, str]] = {}
    for row in rows:
        src = row.get(IMAGE_SRC)
        if src:
            position: int | None = None
            if row.get(IMAGE_POSITION):
                try:
                    position = parse_whole(row.get(IMAGE_POSITION), what="a position")
                except CellError as error:
                    problem(row, IMAGE_POSITION, str(error))
            if not _is_web_address(src) or len(src) > URL_LENGTH:
                problem(row, IMAGE_SRC, f'"{src[:60]}" is not a web address (http or https).')
            elif src not in image_urls:
                alt = row.get(IMAGE_ALT)[:ALT_LENGTH]
                image_urls.add(src)
                images.append((position, len(images), ImageRecord(url=src, position=0, alt=alt)))
        values = {n: row.get(f"Option{n} Value") for n in option_numbers}
        if not (any(values.values()) or row.get(PRICE) or row.get(SKU)):
            continue  # an image row (or an empty one)
        variant = _variant(row, problem)
        if variant is None:
            continue
        chosen: list[str] = []
        for n, value in values.items():
            if n <= len(options):
                if not value:
                    problem(
                        row,
                        f"Option{n} Value",
                        f"Empty; every variant of {record.handle} needs a {options[n - 1]}.",
                    )
                elif len(value) > OPTION_LENGTH:
                    problem(row, f"Option{n} Value", f"Longer than {OPTION_LENGTH} characters.")
                chosen.append(value)
            elif (
                value
                and not (n == 1 and not options and value == "Default Title")
                and not (n > MAX_OPTIONS and head.get(f"Option{n} Name"))
            ):
                problem(
                    row,
                    f"Option{n} Value",
                    f'"{value[:40]}" but {record.handle} has no option {n} '
                    f"(Option{n} Name is empty on its first row).",
                )
        key = tuple(value.casefold() for value in chosen)
        if key in combinations:
            first_row, described = combinations[key]
            problem(
                row,
                "Option1 Value" if options else PRICE,
                f"{record.handle} already has the variant {described} (row {first_row}).",
            )
        else:
            combinations[key] = (row.number, " / ".join(chosen) or "Default Title")
        variant.options = chosen
        for index, value in enumerate(chosen):
            known = record.options[index][1]
            if value and value not in known:
                known.append(value)
        record.variants.append(variant)
    if not record.variants and not record.problems:
        problem(rows[0], PRICE, f"{record.handle} has no variant: no row gives a Variant Price.")
    for variant in record.variants:
        if variant.image_url and variant.image_url not in image_urls:
            image_urls.add(variant.image_url)
            images.append((None, len(images), ImageRecord(url=variant.image_url, position=0)))
    images.sort(key=lambda item: (item[0] is None, item[0] or 0, item[1]))
    for position, (_given, _order, image) in enumerate(images, start=1):
        image.position = position
        record.images.append(image)


def _variant(row: Row, problem: ReportProduct) -> VariantRecord | None:
    """The variant a row describes; its cells' problems go to the product."""
    failed = False

    def cell(column: str, read: Callable[[str], T]) -> T | None:
        nonlocal failed
        try:
            return read(row.get(column))
        except CellError as error:
            problem(row, column, str(error))
            failed = True
            return None

    if not row.get(PRICE):
        problem(row, PRICE, "Empty; every variant needs a price.")
        failed = True
        price = None
    else:
        price = cell(PRICE, parse_price)
    compare_at = cell(COMPARE_AT, lambda text: parse_price(text) if text else None)
    cost = cell(COST, lambda text: parse_price(text) if text else None)
    grams = cell(GRAMS, lambda text: parse_whole(text, what="a weight in grams") if text else 0)
    quantity = cell(
        QUANTITY,
        lambda text: parse_whole(text, what="a quantity", negative=True) if text else None,
    )
    requires_shipping = cell(REQUIRES_SHIPPING, lambda text: parse_bool(text, default=True))
    taxable = cell(TAXABLE, lambda text: parse_bool(text, default=True))
    policy = row.get(POLICY).casefold() or "deny"
    if policy not in POLICIES:
        problem(row, POLICY, f'"{row.get(POLICY)[:40]}" is not deny or continue.')
        failed = True
    barcode = _unquote(row.get(BARCODE))
    if barcode:
        try:
            validate_gtin(barcode)
        except ValidationError as error:
            problem(row, BARCODE, " ".join(error.messages))
            failed = True
    sku = row.get(SKU)
    if len(sku) > SKU_LENGTH:
        problem(row, SKU, f"Longer than {SKU_LENGTH} characters.")
        failed = True
    image_url = row.get(VARIANT_IMAGE)
    if image_url and (not _is_web_address(image_url) or len(image_url) > URL_LENGTH):
        problem(row, VARIANT_IMAGE, f'"{image_url[:60]}" is not a web address (http or https).')
        failed = True
    if failed or price is None:
        return None
    return VariantRecord(
        row=row.number,
        price=price,
        sku=sku,
        barcode=barcode,
        compare_at_price=compare_at,
        cost=cost,
        weight_grams=grams or 0,
        stock_quantity=quantity,
        inventory_policy=policy,
        # Blank: Shopify does not count this variant's stock; "shopify" (or a fulfilment
        # service's name) does.
        track_inventory=bool(row.get(TRACKER)),
        requires_shipping=bool(requires_shipping),
        taxable=bool(taxable),
        image_url=image_url,
    )


def _check_skus_unique(products: list[ProductRecord]) -> None:
    """A SKU names one variant: its second use rejects the product it is in."""
    first_use: dict[str, tuple[int, str]] = {}
    for record in products:
        for variant in record.variants:
            if not variant.sku:
                continue
            if variant.sku in first_use:
                row, handle = first_use[variant.sku]
                record.problems.append(
                    Problem(
                        variant.row,
                        SKU,
                        f"{variant.sku} is already the SKU of a variant of {handle} (row {row}).",
                    )
                )
            else:
                first_use[variant.sku] = (variant.row, record.handle)
        record.problems.sort(key=lambda p: p.row)


# --- Customers ------------------------------------------------------------------------------


@dataclass
class ShopifyAddressRecord(AddressRecord):
    """An address with the columns it was read from, so a problem found later names them."""

    columns: dict[str, str] = field(default_factory=dict)


# Address fields and the columns of the current export, then of the older one.
CURRENT_ADDRESS = {
    "company": "Default Address Company",
    "line1": "Default Address Address1",
    "line2": "Default Address Address2",
    "city": "Default Address City",
    "region": "Default Address Province Code",
    "postal_code": "Default Address Zip",
    "country_code": "Default Address Country Code",
    "phone": "Default Address Phone",
}
OLDER_ADDRESS = {
    "company": "Company",
    "line1": "Address1",
    "line2": "Address2",
    "city": "City",
    "region": "Province Code",
    "postal_code": "Zip",
    "country_code": "Country Code",
    "phone": "Phone",
}
NAME_COLUMNS = {"first_name": "First Name", "last_name": "Last Name"}


def looks_like_customers(header: list[str]) -> bool:
    """Shopify's customers CSV: Email and names, and the marketing consent column."""
    return (
        _has(header, "Email", "First Name", "Last Name")
        and (_has(header, "Accepts Email Marketing") or _has(header, "Accepts Marketing"))
        and not _has(header, HANDLE)
    )


@cache
def _country_by_name() -> dict[str, str]:
    names: dict[str, str] = {}
    for code, name in Locale("en").territories.items():
        if isinstance(code, str) and code in country_codes():
            names[_canonical(str(name))] = code
    return names


def parse_customers(data: bytes) -> ParseResult:
    """Read Shopify's customers CSV (current or older layout) into CustomerRecords."""
    table = read_table(data)
    result = ParseResult(format=SHOPIFY_CUSTOMERS, extra={"encoding": table.encoding})
    if not any(table.header):
        result.problems.append(Problem(1, "", "The file is empty."))
        return result
    columns = Columns(table.header)
    if "Email" not in columns:
        result.problems.append(
            Problem(1, "Email", "The header has no Email column; is this a Shopify customers CSV?")
        )
        return result
    current = _has(table.header, "Default Address Address1")
    address_columns = CURRENT_ADDRESS if current else OLDER_ADDRESS
    seen: dict[str, int] = {}
    for number, cells in table.rows():
        result.rows += 1
        row = Row(number, cells, columns)
        record = _customer(row, address_columns, current)
        if record.email:
            key = record.email.lower()
            if key in seen:
                record.problems.append(
                    Problem(
                        number,
                        row.column("Email"),
                        f"{record.email} is already on row {seen[key]}.",
                    )
                )
            else:
                seen[key] = number
        result.customers.append(record)
    return result


def _customer(row: Row, address_columns: dict[str, str], current: bool) -> CustomerRecord:
    email = row.get("Email")
    record = CustomerRecord(
        row=row.number,
        email=email,
        first_name=row.get("First Name"),
        last_name=row.get("Last Name"),
        phone=_unquote(row.get("Phone")),
        tags=split_tags(row.get("Tags")),
        note=row.get("Note"),
    )

    def problem(column: str, message: str) -> None:
        record.problems.append(Problem(row.number, row.column(column), message))

    if not email:
        problem("Email", "Empty; a customer needs an e-mail address to log in.")
    else:
        try:
            validate_email(email)
        except ValidationError:
            problem("Email", f'"{email[:60]}" is not an e-mail address.')
    consent = "Accepts Email Marketing" if current else "Accepts Marketing"
    try:
        record.accepts_marketing = parse_bool(row.get(consent), default=False)
    except CellError as error:
        problem(consent, str(error))
    try:
        record.tax_exempt = parse_bool(row.get("Tax Exempt"), default=False)
    except CellError as error:
        problem("Tax Exempt", str(error))
    address = _address(row, record, address_columns)
    if record.phone:
        country = address.country_code if address is not None else ""
        try:
            record.phone = addresses.phone_to_e164(record.phone, country)
        except addresses.AddressInvalid as invalid:
            problem("Phone", invalid.message)
    if address is not None and address.country_code.upper() not in country_codes():
        # Checked here, not by the address rules: they would read "Atlantis" as "AT".
        column = address.columns["country_code"]
        if address.country_code:
            problem(column, f'"{address.country_code[:40]}" is not a country we know.')
        else:
            problem(column, "Empty; an address needs its country.")
        record.addresses.append(address)
    elif address is not None:
        cleaned, errors = addresses.address_validate(address_data(address))
        for name, message in errors.items():
            if name in NAME_COLUMNS:
                message = "Empty; an address needs the customer's first and last name."
            problem(address.columns.get(name, name), message)
        if not errors:
            address.region = cleaned["region"]
            address.postal_code = cleaned["postal_code"]
            address.phone = cleaned["phone"]
        record.addresses.append(address)
    return record


def _address(
    row: Row, record: CustomerRecord, address_columns: dict[str, str]
) -> ShopifyAddressRecord | None:
    """The row's address, or None when it has no street (a country alone is not an address)."""
    values = {name: _unquote(row.get(column)) for name, column in address_columns.items()}
    columns = {name: row.column(column) for name, column in address_columns.items()}
    columns.update({name: row.column(column) for name, column in NAME_COLUMNS.items()})
    if not values["line1"]:
        return None
    if not values["region"] and address_columns is OLDER_ADDRESS:
        values["region"] = row.get("Province")
        columns["region"] = row.column("Province")
    if not values["country_code"]:
        name = row.get("Country")
        if name:
            columns["country_code"] = row.column("Country")
            # A name the list does not know stays as written: validation names the cell.
            values["country_code"] = _country_by_name().get(_canonical(name), name)
    values.pop("line1")
    return ShopifyAddressRecord(
        line1=_unquote(row.get(address_columns["line1"])),
        first_name=record.first_name,
        last_name=record.last_name,
        columns=columns,
        **values,
    )


def address_data(address: AddressRecord) -> dict[str, str]:
    """An AddressRecord as the keys `customers.addresses` reads."""
    return {
        "first_name": address.first_name,
        "last_name": address.last_name,
        "company": address.company,
        "line1": address.line1,
        "line2": address.line2,
        "city": address.city,
        "region": address.region,
        "postal_code": address.postal_code,
        "country_code": address.country_code.strip().upper(),
        "phone": address.phone,
    }
