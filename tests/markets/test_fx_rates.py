"""ECB reference rates: read from a recorded eurofxref file or over HTTP, kept with history,
refused whole when malformed."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from freehold.markets.fx import RECORDED_DAILY_FILE, FxFileInvalid, parse_eurofxref
from freehold.markets.models import FxRate
from freehold.markets.selectors import fx_rate
from freehold.markets.services import fx_rates_import

RECORDED = RECORDED_DAILY_FILE

pytestmark = pytest.mark.django_db


def eurofxref(days: dict[str, dict[str, str]]) -> bytes:
    cubes = "".join(
        f"<Cube time='{day}'>"
        + "".join(f"<Cube currency='{c}' rate='{r}'/>" for c, r in rates.items())
        + "</Cube>"
        for day, rates in days.items()
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gesmes:Envelope xmlns:gesmes="http://www.gesmes.org/xml/2002-08-01" '
        'xmlns="http://www.ecb.int/vocabulary/2002-08-01/eurofxref">'
        f"<Cube>{cubes}</Cube></gesmes:Envelope>"
    ).encode()


def test_the_recorded_ecb_file_gives_every_rate_of_its_day():
    rates = parse_eurofxref(RECORDED.read_bytes())

    assert len(rates) == 31
    assert {rate.date for rate in rates} == {dt.date(2022, 7, 8)}
    by_currency = {rate.quote: rate.rate for rate in rates}
    assert by_currency["USD"] == Decimal("1.0163")
    assert by_currency["JPY"] == Decimal("138.05")
    assert all(rate.base == "EUR" for rate in rates)


def test_importing_keeps_history_and_a_second_import_adds_nothing(capsys):
    call_command("rates", "update", str(RECORDED))
    call_command("rates", "update", str(RECORDED))
    fx_rates_import(data=eurofxref({"2022-07-11": {"USD": "1.0098", "GBP": "0.84755"}}))

    out = capsys.readouterr().out
    assert "2022-07-08: 31 new, 0 already kept" in out
    assert "2022-07-08: 0 new, 31 already kept" in out
    assert FxRate.objects.count() == 33
    # a Saturday uses Friday's rate; the next Monday its own
    saturday = fx_rate(base="EUR", quote="usd", on=dt.date(2022, 7, 9))
    monday = fx_rate(base="EUR", quote="USD", on=dt.date(2022, 7, 11))
    assert saturday is not None and saturday.rate == Decimal("1.0163")
    assert monday is not None and monday.rate == Decimal("1.0098")
    assert fx_rate(base="EUR", quote="USD", on=dt.date(2022, 7, 7)) is None


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (b"<not xml", "file", "Not an XML document"),
        (b"<rates/>", "file", "not an ECB eurofxref file"),
        (eurofxref({"2022-13-01": {"USD": "1.0"}}), "time", "is not a date"),
        (eurofxref({"2022-07-08": {"US": "1.0"}}), "currency", "2022-07-08, US: not a currency"),
        (eurofxref({"2022-07-08": {"USD": "abc"}}), "rate", "'abc' is not a number"),
        (eurofxref({"2022-07-08": {"USD": "-1"}}), "rate", "must be above zero"),
    ],
)
def test_a_malformed_file_is_refused_naming_what_is_wrong(data, field, words):
    with pytest.raises(FxFileInvalid) as refused:
        fx_rates_import(data=data)
    assert refused.value.field == field
    assert words in refused.value.message


def test_one_bad_rate_refuses_the_whole_file():
    data = eurofxref({"2022-07-07": {"GBP": "0.85"}, "2022-07-08": {"USD": "n/a"}})

    with pytest.raises(FxFileInvalid):
        fx_rates_import(data=data)

    assert not FxRate.objects.exists()


@pytest.fixture
def ecb_server() -> Iterator[str]:
    body = RECORDED.read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/eurofxref-daily.xml"
    server.shutdown()


def test_rates_are_read_from_a_url(ecb_server, capsys):
    call_command("rates", "update", ecb_server)

    assert "31 new" in capsys.readouterr().out
    assert FxRate.objects.filter(date=dt.date(2022, 7, 8)).count() == 31


def test_the_command_names_an_unreadable_source():
    with pytest.raises(CommandError, match="cannot read"):
        call_command("rates", "update", "/nonexistent/eurofxref.xml")
