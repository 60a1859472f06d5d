"""WooCommerce's product CSV export: simple and variable products with their variations.

A variable product's row names its attributes ("Attribute 1 name" Color, "Attribute 1
value(s)" "Blue, Red"); each `variation` row points at it through Parent ("id:<ID>" or the
parent's SKU) and picks one value per attribute. Attributes the variations use become the
product's options; the parent's own price, stock and weight are only defaults.

WooCommerce writes lists as ", "-separated with commas inside a value escaped as "\\,", and
newlines inside descriptions as a literal backslash-n; both are undone here.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError

from freehold.catalog.html import html_to_text, truncate
from freehold.catalog.validators import validate_gtin
from freehold.core import clock
from freehold.imports import records, textfile
from freehold.imports.parsers.amazon import parse_price, price_problem
from freehold.imports.records import ImageRecord, ParseResult, Problem, ProductRecord, VariantRecord

REQUIRED = ("Type", "Name", "Regular price")
UNSUPPORTED_TYPES = ("grouped", "external")
GRAMS_PER_UNIT = {
    "kg": Decimal(1000),
    "g": Decimal(1),
    "lbs": Decimal("453.59237"),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}
MAX_OPTIONS = 3
SEO_DESCRIPTION_LENGTH = 320
TITLE_LENGTH = 255  # Product.title; WordPress titles have no limit
# Categories every product has until it is given one: not a product type worth keeping.
DEFAULT_CATEGORIES = {"uncategorized"}
BLOCK_TAG = re.compile(r"<(?:p|div|ul|ol|h[1-6]|table|blockquote|pre|figure)[\s>]", re.IGNORECASE)
# WordPress and page-builder shortcodes ([caption], [vc_row]…) mean nothing outside WordPress:
# the tags go, the text they wrap stays.
SHORTCODE = re.compile(
    r"\[/?(?:caption|gallery|embed|video|audio|playlist|vc_\w+|et_pb_\w+|fusion_\w+)\b[^\]]*\]"
)
ATTRIBUTE_NAME = re.compile(r"^attribute (\d+) name$")
WEIGHT = re.compile(r"^weight(?:\s*\((\w+)\))?$")


def _key(column: str) -> str:
    return " ".join(column.strip().lower().split())


def looks_like_products(header: list[str]) -> bool:
    names = {_key(column) for column in header}
    return {"type", "sku", "name"} <= names and bool(names & {"regular price", "parent"})


def split_values(text: str) -> list[str]:
    """WooCommerce's list cells: comma-separated, a comma inside a value written "\\,"."""
    values = (part.replace("\\,", ",").strip() for part in re.split(r"(?<!\\),", text))
    return [value for value in values if value]


def _unescape_newlines(text: str) -> str:
    r"""The exporter writes a newline as a literal `\n` (and a literal `\n` as `\\n`)."""
    return "\\n".join(part.replace("\\n", "\n") for part in text.split("\\\\n"))


def description_html(text: str) -> str:
    """WordPress adds paragraphs when it shows a post (wpautop); done here for plain text.

    A description that already has block elements is left as it is.
    """
    text = SHORTCODE.sub("", _unescape_newlines(text)).strip()
    if not text or BLOCK_TAG.search(text):
        return text
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "".join("<p>" + "<br>\n".join(p.split("\n")) + "</p>" for p in paragraphs if p)


@dataclass
class _Row:
    number: int
    cells: dict[str, str]  # normalised column → stripped cell
    header: dict[str, str]  # normalised column → as written in the file

    def get(self, key: str) -> str:
        return self.cells.get(key, "")

    def column(self, key: str) -> str:
        return self.header.get(key, key)


@dataclass
class _Variable:
    """A variable product being assembled: its record, attributes and variation rows."""

    record: ProductRecord
    row: _Row
    attributes: list[tuple[str, list[str], int]]  # (name, values, attribute number)
    variations: list[_Row] = field(default_factory=list)


class _Parser:
    def __init__(self, table: textfile.Table) -> None:
        self.header = {_key(column): column for column in table.header}
        self.weight_key, self.weight_unit = self._weight_column()
        self.attribute_numbers = sorted(
            int(match.group(1))
            for key in self.header
            if (match := ATTRIBUTE_NAME.match(key)) is not None
        )
        self.gtin_key = next((key for key in self.header if key.startswith("gtin")), "")
        self.rows = [
            _Row(number, {_key(c): v.strip() for c, v in cells.items()}, self.header)
            for number, cells in table.rows()
        ]
        self.today = clock.now().date()

    def _weight_column(self) -> tuple[str, Decimal]:
        for key in self.header:
            match = WEIGHT.match(key)
            if match:
                unit = (match.group(1) or "kg").lower()
                return key, GRAMS_PER_UNIT.get(unit, Decimal(0))
        return "", Decimal(0)

    # The whole file ------------------------------------------------------------------------

    def parse(self, result: ParseResult) -> None:
        result.rows = len(self.rows)
        duplicates = self._duplicates()
        products: list[ProductRecord] = []
        variables: dict[int, _Variable] = {}  # by id(record)
        by_id: dict[str, ProductRecord] = {}
        by_sku: dict[str, ProductRecord] = {}
        variations: list[_Row] = []
        row_of: dict[int, int] = {}  # id(record) → its first row, to name a parent
        for row in self.rows:
            types = self._types(row)
            if "variation" in types:
                variations.append(row)
                continue
            record = self._product(row, types)
            if self._kind(types) == "variable":
                variables[id(record)] = _Variable(record, row, self._attributes(row))
            products.append(record)
            row_of[id(record)] = row.number
            if row.get("id"):
                by_id.setdefault(row.get("id"), record)
            if row.get("sku"):
                by_sku.setdefault(row.get("sku"), record)
            self._report_duplicates(row, record, duplicates)
        for row in variations:
            parent_reference = row.get("parent")
            parent = (
                by_id.get(parent_reference[3:].strip())
                if parent_reference.lower().startswith("id:")
                else by_sku.get(parent_reference) or by_id.get(parent_reference)
            )
            variable = variables.get(id(parent)) if parent is not None else None
            if variable is None:
                orphan = ProductRecord(rows=[row.number], title=row.get("name"))
                orphan.problems.append(self._orphan_problem(row, parent, row_of))
                self._report_duplicates(row, orphan, duplicates)
                products.append(orphan)
                continue
            variable.variations.append(row)
            variable.record.rows.append(row.number)
            self._report_duplicates(row, variable.record, duplicates)
        for variable in variables.values():
            self._assemble(variable)
        for record in products:
            record.rows.sort()
        result.products = sorted(products, key=lambda record: record.first_row)

    def _orphan_problem(
        self, row: _Row, parent: ProductRecord | None, row_of: dict[int, int]
    ) -> Problem:
        reference = row.get("parent")
        column = row.column("parent")
        if not reference:
            return Problem(row.number, column, "the variation names no parent product")
        if parent is None:
            return Problem(row.number, column, f'the parent "{reference}" is not in the file')
        return Problem(
            row.number,
            column,
            f'the parent "{reference}" (row {row_of[id(parent)]}) is not a variable product',
        )

    def _duplicates(self) -> dict[tuple[int, str], str]:
        """(row, column) → why the row repeats an earlier row's SKU or ID."""
        first: dict[tuple[str, str], int] = {}
        found = {}
        for row in self.rows:
            for key in ("sku", "id"):
                value = row.get(key)
                if not value:
                    continue
                if (key, value) in first:
                    found[(row.number, key)] = (
                        f'{row.column(key)} "{value}" is already used on row {first[(key, value)]}'
                    )
                else:
                    first[(key, value)] = row.number
        return found

    def _report_duplicates(
        self, row: _Row, record: ProductRecord, duplicates: dict[tuple[int, str], str]
    ) -> None:
        for key in ("sku", "id"):
            message = duplicates.get((row.number, key))
            if message:
                record.problems.append(Problem(row.number, row.column(key), message))

    def _types(self, row: _Row) -> set[str]:
        return {part.lower() for part in split_values(row.get("type"))}

    # A product row ------------------------------------------------------------------------

    def _product(self, row: _Row, types: set[str]) -> ProductRecord:
        record = ProductRecord(rows=[row.number], title=truncate(row.get("name"), TITLE_LENGTH))
        problems = record.problems
        kind = self._kind(types)
        if kind not in ("simple", "variable"):
            written = row.get("type") or "(empty)"
            problems.append(
                Problem(row.number, row.column("type"), f"type {written} is not supported")
            )
            return record
        if not record.title:
            problems.append(Problem(row.number, row.column("name"), "the product has no name"))
        record.handle = row.get("slug")
        record.status = self._status(row, problems)
        record.description_html = description_html(row.get("description"))
        short = description_html(row.get("short description"))
        if not record.description_html:
            record.description_html = short
        record.seo_description = truncate(html_to_text(short), SEO_DESCRIPTION_LENGTH)
        self._seo(row, record)
        categories = [
            [part.strip() for part in path.split(">") if part.strip()]
            for path in split_values(row.get("categories"))
        ]
        leaves = [
            path[-1] for path in categories if path and path[-1].lower() not in DEFAULT_CATEGORIES
        ]
        record.product_type = leaves[0] if leaves else ""
        record.tags = _unique(split_values(row.get("tags")) + leaves)
        brands = split_values(row.get("brands"))
        record.brand = brands[0].split(">")[-1].strip() if brands else ""
        record.images = self._images(row, problems)
        if row.get("id"):
            record.identifiers[records.WOOCOMMERCE_ID] = row.get("id")
        if kind == "simple":
            record.variants.append(self._variant(row, types, problems, parent=None))
        return record

    def _kind(self, types: set[str]) -> str:
        for kind in ("simple", "variable", "variation", *UNSUPPORTED_TYPES):
            if kind in types:
                return kind
        return ""

    def _status(self, row: _Row, problems: list[Problem]) -> str:
        published = row.get("published")
        if published in ("", "1"):
            return "active"
        if published in ("0", "-1"):
            return "draft"
        problems.append(
            Problem(
                row.number,
                row.column("published"),
                f'{row.column("published")}: "{published}" is not 1, 0 or -1',
            )
        )
        return "draft"

    def _seo(self, row: _Row, record: ProductRecord) -> None:
        """Yoast's and Rank Math's SEO fields, unless they are templates ("%%title%%")."""
        for key in ("meta: _yoast_wpseo_title", "meta: rank_math_title"):
            if row.get(key) and "%" not in row.get(key):
                record.seo_title = truncate(row.get(key), TITLE_LENGTH)
        for key in ("meta: _yoast_wpseo_metadesc", "meta: rank_math_description"):
            if row.get(key) and "%" not in row.get(key):
                record.seo_description = truncate(row.get(key), SEO_DESCRIPTION_LENGTH)

    def _images(self, row: _Row, problems: list[Problem]) -> list[ImageRecord]:
        images: list[ImageRecord] = []
        for url in split_values(row.get("images")):
            if not re.match(r"^https?://\S+$", url, re.IGNORECASE):
                problems.append(
                    Problem(row.number, row.column("images"), f'"{url}" is not a web address')
                )
                continue
            if all(image.url != url for image in images):
                images.append(ImageRecord(url=url, position=len(images) + 1))
        return images

    def _attributes(self, row: _Row) -> list[tuple[str, list[str], int]]:
        attributes = []
        for number in self.attribute_numbers:
            name = row.get(f"attribute {number} name")
            values = split_values(row.get(f"attribute {number} value(s)"))
            if name and values:
                attributes.append((name, values, number))
        return attributes

    # Prices, stock, weight ----------------------------------------------------------------

    def _variant(
        self, row: _Row, types: set[str], problems: list[Problem], *, parent: _Row | None
    ) -> VariantRecord:
        variant = VariantRecord(row=row.number, price=Decimal(0), sku=row.get("sku"))
        regular = self._price(row, "regular price", problems)
        sale = self._price(row, "sale price", problems)
        if regular is None and sale is None and not row.get("regular price"):
            what = "variation" if parent is not None else "product"
            problems.append(
                Problem(row.number, row.column("regular price"), f"the {what} has no price")
            )
        if sale is not None and self._sale_running(row, problems):
            variant.price = sale
            if regular is not None and regular > sale:
                variant.compare_at_price = regular
        elif regular is not None:
            variant.price = regular
        elif sale is not None:
            variant.price = sale
        self._stock(row, variant, problems)
        weight = self._weight(row, problems)
        if weight is None and parent is not None:
            weight = self._weight(parent, [])
        variant.weight_grams = weight or 0
        tax_status = row.get("tax status").lower()
        if tax_status in ("", "parent") and parent is not None:
            tax_status = parent.get("tax status").lower()
        variant.taxable = tax_status != "none"
        variant.requires_shipping = "virtual" not in types
        variant.barcode = self._barcode(row, problems)
        return variant

    def _price(self, row: _Row, key: str, problems: list[Problem]) -> Decimal | None:
        text = row.get(key)
        if not text:
            return None
        price = parse_price(text)
        if price is None:
            problems.append(
                Problem(row.number, row.column(key), price_problem(row.column(key), text))
            )
        return price

    def _sale_running(self, row: _Row, problems: list[Problem]) -> bool:
        """A scheduled sale counts only while it runs: Freehold has no scheduled prices."""
        starts = self._date(row, "date sale price starts", problems)
        ends = self._date(row, "date sale price ends", problems)
        return (starts is None or starts <= self.today) and (ends is None or ends >= self.today)

    def _date(self, row: _Row, key: str, problems: list[Problem]) -> dt.date | None:
        text = row.get(key)
        if not text:
            return None
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            problems.append(
                Problem(row.number, row.column(key), f'{row.column(key)}: "{text}" is not a date')
            )
            return None

    def _stock(self, row: _Row, variant: VariantRecord, problems: list[Problem]) -> None:
        """Stock blank means WooCommerce does not count it: in stock is always in stock."""
        in_stock = row.get("in stock?").lower()
        backorders = row.get("backorders allowed?").lower()
        if backorders in ("1", "yes", "notify") or in_stock == "backorder":
            variant.inventory_policy = "continue"
        text = row.get("stock")
        if text.lower() == "parent":
            return  # the parent counts the stock of all its variations: nothing per variant
        if not text:
            if in_stock in ("0", "no", "false"):
                variant.stock_quantity = 0
            elif variant.inventory_policy == "deny":
                variant.track_inventory = False
            return
        if not re.fullmatch(r"-?\d+(?:\.0+)?", text):
            problems.append(
                Problem(
                    row.number,
                    row.column("stock"),
                    f'{row.column("stock")}: "{text}" is not a whole number',
                )
            )
            return
        variant.stock_quantity = int(Decimal(text))

    def _weight(self, row: _Row, problems: list[Problem]) -> int | None:
        if not self.weight_key:
            return None
        text = row.get(self.weight_key)
        if not text:
            return None
        column = row.column(self.weight_key)
        if not self.weight_unit:
            problems.append(
                Problem(row.number, column, f"{column}: the unit is not kg, g, lbs or oz")
            )
            return None
        value = parse_price(text)
        if value is None:
            problems.append(Problem(row.number, column, f'{column}: "{text}" is not a number'))
            return None
        return int((value * self.weight_unit).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def _barcode(self, row: _Row, problems: list[Problem]) -> str:
        value = row.get(self.gtin_key).replace(" ", "").replace("-", "") if self.gtin_key else ""
        if not value:
            return ""
        try:
            validate_gtin(value)
        except ValidationError as error:
            column = row.column(self.gtin_key)
            problems.append(Problem(row.number, column, f"{column}: {error.messages[0]}"))
            return ""
        return value

    # A variable product with its variations ------------------------------------------------

    def _assemble(self, variable: _Variable) -> None:
        record, problems = variable.record, variable.record.problems
        if not variable.variations:
            problems.append(
                Problem(
                    variable.row.number,
                    variable.row.column("type"),
                    "the variable product has no variations in the file",
                )
            )
            return
        attributes = {name.lower(): (name, values) for name, values, _ in variable.attributes}
        used: list[str] = []  # attribute names (lowercase) the variations choose, in parent order
        chosen: list[tuple[_Row, dict[str, str]]] = []
        faulty: set[int] = set()  # rows whose attributes were reported already
        for row in variable.variations:
            choice: dict[str, str] = {}
            problems_before = len(problems)
            for number in self.attribute_numbers:
                name = row.get(f"attribute {number} name")
                value = row.get(f"attribute {number} value(s)")
                if not name:
                    continue
                value_column = row.column(f"attribute {number} value(s)")
                if name.lower() not in attributes:
                    problems.append(
                        Problem(
                            row.number,
                            row.column(f"attribute {number} name"),
                            f'the parent (row {variable.row.number}) has no attribute "{name}"',
                        )
                    )
                    continue
                parent_name, values = attributes[name.lower()]
                if not value:
                    problems.append(
                        Problem(
                            row.number,
                            value_column,
                            f"the variation is for any {parent_name}: Freehold needs one value",
                        )
                    )
                    continue
                spelled = next((v for v in values if v.lower() == value.lower()), None)
                if spelled is None:
                    problems.append(
                        Problem(
                            row.number,
                            value_column,
                            f'"{value}" is not one of the {parent_name} values of the parent '
                            f"(row {variable.row.number}): {', '.join(values)}",
                        )
                    )
                    continue
                choice[name.lower()] = spelled
                if name.lower() not in used:
                    used.append(name.lower())
            if len(problems) > problems_before:
                faulty.add(row.number)
            chosen.append((row, choice))
        order = [name.lower() for name, _, _ in variable.attributes]
        used.sort(key=order.index)
        if len(used) > MAX_OPTIONS:
            problems.append(
                Problem(
                    variable.row.number,
                    "",
                    f"the variations use {len(used)} attributes; a product has at most "
                    f"{MAX_OPTIONS} options",
                )
            )
            return
        enabled = [
            (row, choice) for row, choice in chosen if row.get("published") not in ("0", "-1")
        ]
        if faulty:
            return
        if not enabled:
            problems.append(
                Problem(
                    variable.row.number,
                    variable.row.column("type"),
                    "all the variations are disabled (Published 0 or -1)",
                )
            )
            return
        enabled.sort(key=lambda pair: (_position(pair[0]), pair[0].number))
        seen: dict[tuple[str, ...], int] = {}
        for row, choice in enabled:
            missing = [attributes[name][0] for name in used if name not in choice]
            if missing:
                problems.append(
                    Problem(row.number, "", f"the variation has no value for {', '.join(missing)}")
                )
                continue
            options = tuple(choice[name] for name in used)
            if options in seen:
                problems.append(
                    Problem(
                        row.number,
                        "",
                        f"the variation {' / '.join(options)} is already on row {seen[options]}",
                    )
                )
                continue
            seen[options] = row.number
            variant = self._variant(row, self._types(row), problems, parent=variable.row)
            variant.options = list(options)
            if row.get("id"):
                variant.identifiers[records.WOOCOMMERCE_ID] = row.get("id")
            image_urls = [url for url in split_values(row.get("images")) if url]
            if image_urls:
                variant.image_url = image_urls[0]
                if all(image.url != image_urls[0] for image in record.images):
                    record.images.append(
                        ImageRecord(url=image_urls[0], position=len(record.images) + 1)
                    )
            record.variants.append(variant)
        record.options = [
            (
                attributes[name][0],
                [
                    value
                    for value in attributes[name][1]
                    if any(variant.options[index] == value for variant in record.variants)
                ],
            )
            for index, name in enumerate(used)
        ]


def _position(row: _Row) -> int:
    text = row.get("position")
    return int(text) if text.isdigit() else 0


def _unique(values: list[str]) -> list[str]:
    seen: set[str] = set()
    unique = []
    for value in values:
        if value.lower() not in seen:
            seen.add(value.lower())
            unique.append(value)
    return unique


def parse_products(data: bytes) -> ParseResult:
    table = textfile.read_table(data)
    result = ParseResult(
        format=records.WOOCOMMERCE_PRODUCTS,
        extra={"encoding": table.encoding, "delimiter": table.delimiter},
    )
    names = {_key(column) for column in table.header}
    missing = [column for column in REQUIRED if _key(column) not in names]
    if missing:
        result.problems.append(
            Problem(1, "", "the header lacks the column(s) " + ", ".join(missing))
        )
        return result
    _Parser(table).parse(result)
    return result
