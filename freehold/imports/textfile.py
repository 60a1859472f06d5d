"""Reading the text of an uploaded file: encodings, byte-order marks, delimiters, rows.

Marketplace reports arrive in UTF-8 with a BOM, plain UTF-8, or windows-1252 (Amazon's older
Seller Central downloads, Excel on Windows). UTF-8 is tried first because a windows-1252 file
almost never decodes as valid UTF-8, while the reverse always "works" and garbles the text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Cells can hold long HTML descriptions; the csv module's default limit is 128 KiB.
FIELD_SIZE_LIMIT = 16 * 1024 * 1024


def decode(data: bytes) -> tuple[str, str]:
    """The text of `data` and the encoding it was in."""
    for bom, encoding in BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding), encoding + "-sig" * (encoding == "utf-8")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        # windows-1252 leaves five bytes undefined; latin-1 maps them rather than failing.
        try:
            return data.decode("cp1252"), "windows-1252"
        except UnicodeDecodeError:
            return data.decode("latin-1"), "latin-1"


def sniff_delimiter(text: str) -> str:
    """Tab for Amazon's reports, else comma (or semicolon, as European Excel saves CSV)."""
    first_line = text.split("\n", 1)[0]
    counts = {delimiter: first_line.count(delimiter) for delimiter in ("\t", ",", ";")}
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


@dataclass
class Table:
    """A delimited file: its header (as written, stripped) and its rows with their numbers."""

    header: list[str]
    encoding: str
    delimiter: str
    text: str

    def rows(self) -> Iterator[tuple[int, dict[str, str]]]:
        """(row number, {column: cell}) for each non-empty record; the header is row 1.

        A row shorter than the header has empty cells; cells beyond it are dropped.
        """
        csv.field_size_limit(FIELD_SIZE_LIMIT)
        reader = csv.reader(io.StringIO(self.text, newline=""), delimiter=self.delimiter)
        next(reader, None)
        width = len(self.header)
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            cells = cells[:width] + [""] * (width - len(cells))
            yield number, dict(zip(self.header, cells, strict=True))


def read_table(data: bytes, *, delimiter: str | None = None) -> Table:
    """Decode `data` and read its header; `delimiter` is sniffed from the header if not given."""
    text, encoding = decode(data)
    delimiter = delimiter or sniff_delimiter(text)
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [cell.strip() for cell in next(reader, [])]
    return Table(header=header, encoding=encoding, delimiter=delimiter, text=text)
