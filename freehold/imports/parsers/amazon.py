"""Amazon's "All Listings Report": one listing per line, tab-separated, no quoting.

Seller Central writes the report without quotes, so a title that starts with `"` is just a
title: reading it as CSV would swallow the rest of the file into one cell. Lines are therefore
split on tabs only; a cell wrapped in quotes the way Excel saves it (quotes doubled inside) is
unwrapped, since sellers often open the report in Excel and save it again (in windows-1252).

A listing becomes a product with one variant. The ASIN and the listing id are kept as
identifiers, so a re-import updates the same product even when its seller SKU changed.
"""

from __future__ import annotations

import csv
import html
import io
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from stdnum import isbn

from freehold.catalog.html import truncate
from freehold.catalog.validators import validate_gtin
from freehold.imports import records, textfile
from freehold.imports.records import ImageRecord, ParseResult, Problem, ProductRecord, VariantRecord

REQUIRED = ("item-name", "seller-sku", "price")
TITLE_LENGTH = 255
# Amazon's numeric product-id-type codes, and the words some reports write instead.
PRODUCT_ID_TYPES = {"1": "ASIN", "2": "ISBN", "3": "UPC", "4": "EAN"}
PRODUCT_ID_WORDS = {"ASIN": "ASIN", "ISBN": "ISBN", "UPC": "UPC", "EAN": "EAN", "GTIN": "EAN"}
# item-condition codes → Google Shopping's condition (new | used | refurbished). Collectibles
# are used items to Google.
CONDITION_CODES = {
    "11": "new",
    "1": "used",
    "2": "used",
    "3": "used",
    "4": "used",
    "5": "used",
    "6": "used",
    "7": "used",
    "8": "used",
    "10": "refurbished",
}
STATUSES = {"active": "active", "inactive": "draft", "incomplete": "draft"}
ASIN_PATTERN = re.compile(r"^[A-Z0-9]{10}$")
# Amazon lets sellers use a few tags in descriptions; such a description is kept as HTML.
HTML_TAG = re.compile(r"</?(?:br|p|b|i|em|strong|ul|ol|li)\s*/?>", re.IGNORECASE)
_PRICE_SPACES = re.compile(r"[\s\u00a0\u202f']")


def _normalise(column: str) -> str:
    return column.strip().lower().replace("_", "-").replace(" ", "-")


def looks_like_listings(header: list[str]) -> bool:
    """A listings report has seller-sku and, unlike other SKU files, Amazon's own columns."""
    names = {_normalise(column) for column in header}
    return "seller-sku" in names and bool(names & {"item-name", "listing-id", "asin1"})


def parse_price(text: str) -> Decimal | None:
    """A price written with a decimal point or, when unambiguous, a decimal comma.

    "12.99", "12,99", "1,299.00", "1.299,00" and "1 299,00" are read; "1,299" is not (a
    thousands separator or a decimal comma?) and neither is a negative amount: None.
    """
    compact = _PRICE_SPACES.sub("", text)
    if not compact or not re.fullmatch(r"[0-9.,]+", compact):
        return None
    commas, points = compact.count(","), compact.count(".")
    if commas and points:
        decimal_separator = "," if compact.rfind(",") > compact.rfind(".") else "."
        group_separator = "." if decimal_separator == "," else ","
        whole, _, fraction = compact.rpartition(decimal_separator)
        if group_separator in whole and not _grouped(whole, group_separator):
            return None
        compact = whole.replace(group_separator, "") + "." + fraction
    elif commas or points:
        separator = "," if commas else "."
        if commas + points > 1:
            if not _grouped(compact, separator):
                return None
            compact = compact.replace(separator, "")
        else:
            whole, _, fraction = compact.partition(separator)
            # "1,299" could be either; a point is the decimal point Amazon writes.
            if separator == "," and len(fraction) == 3:
                return None
            compact = whole + "." + fraction
    try:
        value = Decimal(compact)
    except InvalidOperation:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -4:  # type: ignore[operator]
        return None
    return value


def price_problem(column: str, text: str) -> str:
    """Why `text` is not a price, for the report."""
    if re.fullmatch(r"\d{1,3},\d{3}", text.strip()):
        return f'{column}: "{text}" is ambiguous (a thousands separator or a decimal comma?)'
    return f'{column}: "{text}" is not a price'


def _grouped(text: str, separator: str) -> bool:
    return bool(re.fullmatch(r"\d{1,3}(?:" + re.escape(separator) + r"\d{3})+", text))


def text_to_html(text: str) -> str:
    """Plain text as escaped paragraphs: blank lines part paragraphs, newlines become <br>."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text.replace("\r\n", "\n"))]
    return "".join(
        "<p>" + "<br>".join(html.escape(line.strip()) for line in p.split("\n")) + "</p>"
        for p in paragraphs
        if p
    )


def _description(text: str) -> str:
    text = text.strip()
    if not text:
        return ""
    return text if HTML_TAG.search(text) else text_to_html(text)


def _unquote(cell: str) -> str:
    """Excel wraps a cell holding quotes or tabs in quotes and doubles the inner ones."""
    if len(cell) >= 2 and cell[0] == cell[-1] == '"':
        inner = cell[1:-1]
        if '"' not in inner.replace('""', ""):
            return inner.replace('""', '"')
    return cell


def _rows(table: textfile.Table) -> list[tuple[int, dict[str, str]]]:
    """(line number, {normalised column: cell}) of each non-empty line after the header."""
    columns = [_normalise(column) for column in table.header]
    reader = csv.reader(io.StringIO(table.text, newline=""), delimiter="\t", quoting=csv.QUOTE_NONE)
    next(reader, None)
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        cells = cells[: len(columns)] + [""] * (len(columns) - len(cells))
        rows.append(
            (number, {c: _unquote(v.strip()).strip() for c, v in zip(columns, cells, strict=True)})
        )
    return rows


def parse_listings(data: bytes) -> ParseResult:
    table = textfile.read_table(data, delimiter="\t")
    result = ParseResult(
        format=records.AMAZON_LISTINGS,
        extra={"encoding": table.encoding, "delimiter": "\t"},
    )
    columns = {_normalise(column) for column in table.header}
    missing = [column for column in REQUIRED if column not in columns]
    if missing:
        result.problems.append(
            Problem(1, "", "the header lacks the column(s) " + ", ".join(missing))
        )
        return result
    rows = _rows(table)
    result.rows = len(rows)
    first_row_of_sku: dict[str, int] = {}
    first_row_of_listing: dict[str, int] = {}
    asins_taken: set[str] = set()
    for number, row in rows:
        product = _listing(number, row)
        sku = product.variants[0].sku if product.variants else row.get("seller-sku", "")
        if sku:
            if sku in first_row_of_sku:
                product.problems.append(
                    Problem(
                        number,
                        "seller-sku",
                        f'seller-sku "{sku}" is already used on row {first_row_of_sku[sku]}',
                    )
                )
            else:
                first_row_of_sku[sku] = number
        listing_id = product.identifiers.get(records.AMAZON_LISTING_ID, "")
        if listing_id:
            if listing_id in first_row_of_listing:
                product.problems.append(
                    Problem(
                        number,
                        "listing-id",
                        f'listing-id "{listing_id}" is already used on row '
                        f"{first_row_of_listing[listing_id]}",
                    )
                )
            else:
                first_row_of_listing[listing_id] = number
        _share_asin(product, asins_taken, result)
        result.products.append(product)
    return result


def _share_asin(product: ProductRecord, taken: set[str], result: ParseResult) -> None:
    """An ASIN names one product: sold as several listings (new and used, FBA and not), only
    the first keeps it as an identifier; the others are matched by listing id and SKU."""
    asin = product.identifiers.get(records.ASIN)
    if not asin or product.problems:
        return
    if asin in taken:
        del product.identifiers[records.ASIN]
        for variant in product.variants:
            variant.identifiers.pop(records.ASIN, None)
        result.extra.setdefault("shared_asins", {}).setdefault(asin, []).append(product.first_row)
    else:
        taken.add(asin)


def _listing(number: int, row: dict[str, str]) -> ProductRecord:
    """One line of the report as a product with one variant."""
    problems: list[Problem] = []
    title = row.get("item-name", "")
    if len(title) > TITLE_LENGTH:
        # Amazon allowed 500 characters; a product title here has 255 (and reads better short).
        title = truncate(title, TITLE_LENGTH)
    if not title:
        problems.append(Problem(number, "item-name", "the listing has no title (item-name)"))
    sku = row.get("seller-sku", "")
    if not sku:
        problems.append(Problem(number, "seller-sku", "the listing has no seller-sku"))
    price_text = row.get("price", "")
    price = parse_price(price_text)
    if not price_text:
        problems.append(Problem(number, "price", "the listing has no price"))
    elif price is None:
        problems.append(Problem(number, "price", price_problem("price", price_text)))
    stock = _quantity(number, row.get("quantity", ""), problems)
    if row.get("fulfillment-channel", "").upper().startswith("AMAZON"):
        # Fulfilled by Amazon: the stock is in Amazon's warehouses, not the seller's to ship.
        stock = None

    identifiers: dict[str, str] = {}
    asin = _asin(number, row, problems)
    if asin:
        identifiers[records.ASIN] = asin
    if row.get("listing-id"):
        identifiers[records.AMAZON_LISTING_ID] = row["listing-id"]
    barcode = _barcode(number, row, problems)

    feed_attributes = {}
    condition = _condition(number, row.get("item-condition", ""), problems)
    if condition:
        feed_attributes["condition"] = condition

    status_text = row.get("status", "")
    status = STATUSES.get(status_text.lower(), "") if status_text else "active"
    if not status:
        problems.append(
            Problem(
                number, "status", f'status: "{status_text}" is not Active, Inactive or Incomplete'
            )
        )

    images = []
    image_url = row.get("image-url", "")
    if image_url:
        if re.match(r"^https?://\S+$", image_url, re.IGNORECASE):
            images.append(ImageRecord(url=image_url, position=1))
        else:
            problems.append(
                Problem(number, "image-url", f'image-url: "{image_url}" is not a web address')
            )

    description = _description(row.get("item-description", ""))
    note = row.get("item-note", "")
    if note:
        description += text_to_html(note)

    variant = VariantRecord(
        row=number,
        price=price if price is not None else Decimal(0),
        sku=sku,
        barcode=barcode,
        stock_quantity=stock,
        identifiers=dict(identifiers),
    )
    return ProductRecord(
        rows=[number],
        title=title,
        description_html=description,
        product_type=row.get("zshop-category1", ""),
        status=status or "draft",
        variants=[variant],
        images=images,
        feed_attributes=feed_attributes,
        identifiers=identifiers,
        problems=problems,
    )


def _quantity(number: int, text: str, problems: list[Problem]) -> int | None:
    """Blank (FBA listings: Amazon holds the stock) says nothing about the stock."""
    if not text:
        return None
    if not re.fullmatch(r"\d+", text):
        problems.append(
            Problem(number, "quantity", f'quantity: "{text}" is not a whole number of items')
        )
        return None
    return int(text)


def _asin(number: int, row: dict[str, str], problems: list[Problem]) -> str:
    asin = row.get("asin1", "").upper()
    if not asin and _product_id_type(row.get("product-id-type", "")) == "ASIN":
        asin = row.get("product-id", "").upper()
    if asin and not ASIN_PATTERN.match(asin):
        column = "asin1" if row.get("asin1") else "product-id"
        problems.append(
            Problem(number, column, f'{column}: "{asin}" is not an ASIN (10 letters and digits)')
        )
        return ""
    return asin


def _product_id_type(text: str) -> str:
    text = text.strip().upper()
    return PRODUCT_ID_TYPES.get(text) or PRODUCT_ID_WORDS.get(text, "")


def _barcode(number: int, row: dict[str, str], problems: list[Problem]) -> str:
    """product-id as a GTIN: UPC, EAN, or ISBN (an ISBN-10 becomes its ISBN-13).

    Excel drops a UPC's leading zeros ("12345678905"), so short codes are padded back.
    """
    value = row.get("product-id", "").replace(" ", "").replace("-", "")
    kind = _product_id_type(row.get("product-id-type", ""))
    if not value or kind == "ASIN":
        return ""
    if not kind:
        # No (or an unknown) type: a valid GTIN is still a barcode; anything else is ignored.
        try:
            validate_gtin(value)
        except ValidationError:
            return ""
        return value
    if kind == "ISBN":
        if isbn.is_valid(value):
            return isbn.to_isbn13(value)
        problems.append(Problem(number, "product-id", f'product-id: "{value}" is not a valid ISBN'))
        return ""
    if value.isdigit():
        width = 12 if kind == "UPC" else 13
        if len(value) < width and len(value) not in (8, 12):
            value = value.zfill(width)
    try:
        validate_gtin(value)
    except ValidationError as error:
        problems.append(Problem(number, "product-id", f"product-id ({kind}): {error.messages[0]}"))
        return ""
    return value


def _condition(number: int, text: str, problems: list[Problem]) -> str:
    if not text:
        return ""
    if text in CONDITION_CODES:
        return CONDITION_CODES[text]
    words = re.sub(r"[^a-z]", "", text.lower())
    if words == "new":
        return "new"
    if words.startswith(("used", "collectible", "collectable")):
        return "used"
    if words.startswith(("refurbished", "renewed")):
        return "refurbished"
    problems.append(
        Problem(
            number,
            "item-condition",
            f'item-condition: "{text}" is not an Amazon condition '
            "(11 New, 1-4 Used, 5-8 Collectible, 10 Refurbished)",
        )
    )
    return ""
