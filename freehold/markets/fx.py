"""The ECB's euro foreign exchange reference rates, in its `eurofxref` XML format.

The same format carries one day (eurofxref-daily.xml) or many (eurofxref-hist-90d.xml,
eurofxref-hist.xml): `<Cube time="YYYY-MM-DD">` elements, each holding
`<Cube currency="USD" rate="1.0163"/>` rates, every one "1 EUR = rate currency".
"""

from __future__ import annotations

import datetime as dt
import urllib.request
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from freehold.core.errors import ValidationFailed

ECB_DAILY_URL = "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
ECB_BASE = "EUR"
_NAMESPACE = "{http://www.ecb.int/vocabulary/2002-08-01/eurofxref}"
# A day of the ECB's published rates, recorded: the demo store starts with it, the tests read it.
RECORDED_DAILY_FILE = Path(__file__).parent / "data" / "eurofxref-daily-2022-07-08.xml"
MAX_BYTES = 50 * 1024 * 1024  # the full history since 1999 is about 7 MB


@dataclass(frozen=True)
class ReferenceRate:
    date: dt.date
    quote: str
    rate: Decimal
    base: str = ECB_BASE


class FxFileInvalid(ValidationFailed):
    pass


def parse_eurofxref(data: bytes) -> list[ReferenceRate]:
    """Every rate in the document; a malformed one is refused naming its day and currency."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as error:
        raise FxFileInvalid(f"Not an XML document: {error}.", field="file") from None
    days = root.findall(f".//{_NAMESPACE}Cube[@time]")
    if not days:
        raise FxFileInvalid("No <Cube time=…> element: not an ECB eurofxref file.", field="file")
    rates: list[ReferenceRate] = []
    for day in days:
        raw_date = day.get("time", "")
        try:
            date = dt.date.fromisoformat(raw_date)
        except ValueError:
            raise FxFileInvalid(f"Cube time {raw_date!r} is not a date.", field="time") from None
        for cube in day.findall(f"{_NAMESPACE}Cube"):
            currency = (cube.get("currency") or "").strip().upper()
            raw_rate = cube.get("rate") or ""
            where = f"{raw_date}, {currency or '(no currency)'}"
            if len(currency) != 3 or not currency.isalpha():
                raise FxFileInvalid(f"{where}: not a currency code.", field="currency")
            try:
                rate = Decimal(raw_rate)
            except InvalidOperation:
                raise FxFileInvalid(
                    f"{where}: rate {raw_rate!r} is not a number.", field="rate"
                ) from None
            if not rate.is_finite() or rate <= 0:
                raise FxFileInvalid(f"{where}: rate {raw_rate!r} must be above zero.", field="rate")
            rates.append(ReferenceRate(date=date, quote=currency, rate=rate))
    return rates


def read_source(source: str, *, timeout: float = 30) -> bytes:
    """The bytes of a local file, or of an http(s) URL."""
    if source.startswith(("https://", "http://")):
        with urllib.request.urlopen(source, timeout=timeout) as response:
            return bytes(response.read(MAX_BYTES + 1))[: MAX_BYTES + 1]
    return Path(source).read_bytes()
