"""Exchange rates in the dashboard: the rates in use for the markets' currencies, updated from
the ECB (here a local server playing it, through FREEHOLD_FX_URL) or from an uploaded file;
a bad file or an unreachable server changes nothing and says why."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from freehold.core.models import AuditEvent
from freehold.markets import pricing
from freehold.markets.fx import RECORDED_DAILY_FILE
from freehold.markets.models import FxRate, Market
from freehold.markets.services import fx_rates_import
from tests.markets.test_fx_rates import eurofxref

pytestmark = pytest.mark.django_db

RATES = "/dashboard/settings/markets/rates/"


@pytest.fixture(autouse=True)
def _fresh_rates() -> Iterator[None]:
    pricing.forget_rates()
    yield
    pricing.forget_rates()


@pytest.fixture
def ecb_server() -> Iterator[Callable[[bytes, int], str]]:
    """A local HTTP server answering what the test tells it: `serve(body, status)` → its URL."""
    answer: dict[str, object] = {"body": b"", "status": 200}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = answer["body"]
            assert isinstance(body, bytes)
            self.send_response(int(str(answer["status"])))
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def serve(body: bytes, status: int = 200) -> str:
        answer.update(body=body, status=status)
        return f"http://127.0.0.1:{server.server_address[1]}/eurofxref-daily.xml"

    yield serve
    server.shutdown()
    server.server_close()


def markets() -> None:
    for code, currency, default in (("us", "USD", True), ("eu", "EUR", False),
                                    ("jp", "JPY", False), ("ch", "CHF", False)):  # fmt: skip
        Market.objects.create(
            code=code, name=code.upper(), currency=currency, languages=["en"], is_default=default
        )


def body(response) -> str:
    return response.content.decode()


def test_the_page_shows_the_rates_for_the_markets_currencies_per_store_currency(owner_client):
    # Given a store in USD with markets in USD, EUR, JPY and CHF, and the ECB's day kept
    markets()
    fx_rates_import(data=RECORDED_DAILY_FILE.read_bytes())
    fx_rates_import(data=eurofxref({"2022-07-07": {"USD": "1.0180"}}))

    page = body(owner_client.get(RATES))

    # Then each market currency's rate is per 1 USD (EUR: 1 / 1.0163), with the ECB's day
    assert "2022-07-08" in page
    assert "0.983961" in page  # 1 / 1.0163
    assert "135.835875" in page  # 138.05 / 1.0163
    assert "138.05" in page  # per euro, as the ECB publishes it
    assert "2 days, 32 rates since 2022-07-07" in page
    assert "store currency" in page


def test_a_store_without_rates_is_told_so(owner_client):
    markets()

    page = body(owner_client.get(RATES))

    assert "No rates kept yet" in page
    assert "No exchange rate for JPY" in page


def test_update_from_the_ecb_reads_the_configured_url(owner_client, ecb_server, settings):
    settings.FX_RATES_URL = ecb_server(RECORDED_DAILY_FILE.read_bytes(), 200)
    markets()

    response = owner_client.post(f"{RATES}update/", follow=True)

    assert "ECB rates of 2022-07-08 from the ECB: 31 new, 0 already kept." in body(response)
    assert FxRate.objects.count() == 31
    event = AuditEvent.objects.get(verb="fx.rates_imported")
    assert event.data["created"] == 31 and event.data["source"] == settings.FX_RATES_URL
    # and the shop prices with it at once
    assert "0.983961" in body(response)

    again = owner_client.post(f"{RATES}update/", follow=True)
    assert "0 new, 31 already kept." in body(again)


@pytest.mark.parametrize(
    ("answer", "status", "words"),
    [
        (b"<html>maintenance</html>", 200, "No &lt;Cube time=…&gt; element"),
        (eurofxref({"2022-07-08": {"USD": "1.01", "JPY": "n/a"}}), 200, "rate &#39;n/a&#39; is"),
        (b"gone", 503, "HTTP Error 503"),
    ],
)
def test_a_bad_answer_from_the_ecb_changes_nothing(
    owner_client, ecb_server, settings, answer, status, words
):
    settings.FX_RATES_URL = ecb_server(answer, status)

    response = owner_client.post(f"{RATES}update/", follow=True)

    assert words in body(response)
    assert "Nothing changed." in body(response)
    assert not FxRate.objects.exists()
    assert not AuditEvent.objects.exists()


def test_an_unreachable_server_is_reported(owner_client, settings):
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.FX_RATES_URL = f"http://127.0.0.1:{port}/eurofxref-daily.xml"

    response = owner_client.post(f"{RATES}update/", follow=True)

    assert f"Could not read the rates from http://127.0.0.1:{port}/" in body(response)
    assert "Nothing changed." in body(response)
    assert not FxRate.objects.exists()


def test_an_uploaded_file_is_imported(owner_client):
    upload = SimpleUploadedFile("eurofxref-daily.xml", RECORDED_DAILY_FILE.read_bytes())

    response = owner_client.post(f"{RATES}upload/", {"file": upload}, follow=True)

    assert "ECB rates of 2022-07-08 from eurofxref-daily.xml: 31 new" in body(response)
    assert FxRate.objects.get(quote="JPY").rate == Decimal("138.05")
    assert AuditEvent.objects.get(verb="fx.rates_imported").data["source"] == (
        "upload:eurofxref-daily.xml"
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"<not xml", "Not an XML document"),
        (eurofxref({"2022-07-07": {"GBP": "0.85"}, "2022-07-08": {"USD": "-1"}}),
         "2022-07-08, USD: rate &#39;-1&#39; must be above zero"),
        (eurofxref({"2022-07-08": {}}), "The file holds no rates."),
    ],
)  # fmt: skip
def test_a_bad_upload_is_refused_whole_next_to_the_field(owner_client, content, words):
    upload = SimpleUploadedFile("rates.xml", content)

    response = owner_client.post(f"{RATES}upload/", {"file": upload})

    assert response.status_code == 400
    page = body(response)
    assert 'id="id_file-error"' in page
    assert words in page and "Nothing was imported." in page
    assert not FxRate.objects.exists()


def test_an_upload_without_a_file_names_the_field(owner_client):
    response = owner_client.post(f"{RATES}upload/", {})

    assert response.status_code == 400
    assert "This field is required." in body(response)
