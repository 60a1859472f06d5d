"""Text messages: the backends (console, locmem, Twilio against a local stand-in for its API),
sending after commit, and the vendor's phone code going out (or a plain "try again")."""

from __future__ import annotations

import base64
import json
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import transaction

from freehold.core import sms
from freehold.marketplace import rules, verification
from freehold.marketplace.models import VerificationRecord
from tests.marketplace.factories import enable_marketplace, make_vendor, vendor_client


@dataclass
class FakeTwilio:
    """A local HTTP server answering like Twilio's Messages API, recording each request."""

    url: str
    requests: list[dict] = field(default_factory=list)
    status: int = 201
    answer: dict = field(default_factory=lambda: {"sid": "SM123", "status": "queued"})


@pytest.fixture
def twilio() -> Iterator[FakeTwilio]:
    fake = FakeTwilio(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length).decode()
            fake.requests.append(
                {
                    "path": self.path,
                    "authorization": self.headers.get("Authorization", ""),
                    "content_type": self.headers.get("Content-Type", ""),
                    "form": dict(urllib.parse.parse_qsl(body)),
                }
            )
            payload = json.dumps(fake.answer).encode()
            self.send_response(fake.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def twilio_settings(settings, twilio: FakeTwilio) -> FakeTwilio:
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC0123456789abcdef"
    settings.TWILIO_AUTH_TOKEN = "secret-token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_API_BASE = twilio.url
    return twilio


@pytest.fixture
def outbox(settings) -> list[sms.Message]:
    settings.SMS_BACKEND = "locmem"
    sms.outbox.clear()
    return sms.outbox


def test_twilio_backend_posts_the_message_form_with_basic_auth(twilio_settings):
    # when a message is sent through the Twilio backend
    sms.send(to="+15125550100", body="Your code is 123456.")

    # then Twilio's Messages endpoint of the account got the form, authenticated
    (request,) = twilio_settings.requests
    assert request["path"] == "/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
    expected = base64.b64encode(b"AC0123456789abcdef:secret-token").decode()
    assert request["authorization"] == f"Basic {expected}"
    assert request["content_type"] == "application/x-www-form-urlencoded"
    assert request["form"] == {
        "To": "+15125550100",
        "From": "+15005550006",
        "Body": "Your code is 123456.",
    }


def test_twilio_refusing_the_number_is_an_error_naming_its_answer(twilio_settings):
    # given Twilio answering 400 with its JSON error
    twilio_settings.status = 400
    twilio_settings.answer = {
        "code": 21211,
        "message": "The 'To' number +1555 is not a valid phone number.",
        "status": 400,
    }

    # when a message is sent, then it is SmsNotSent saying what Twilio said
    with pytest.raises(sms.SmsNotSent) as refused:
        sms.send(to="+1555", body="Code 1")
    assert str(refused.value) == (
        "Twilio answered HTTP 400: The 'To' number +1555 is not a valid phone number. (21211)"
    )


def test_twilio_failing_is_an_error_too(twilio_settings):
    twilio_settings.status = 503
    twilio_settings.answer = {}

    with pytest.raises(sms.SmsNotSent, match=r"^Twilio answered HTTP 503\.$"):
        sms.send(to="+15125550100", body="Code 1")


def test_twilio_unreachable_is_an_error(settings):
    # given an API address where nothing listens (a port just closed)
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    port = server.server_address[1]
    server.server_close()
    backend = sms.TwilioBackend(
        account_sid="AC1",
        auth_token="t",
        from_number="+1",
        api_base=f"http://127.0.0.1:{port}",
        timeout=5,
    )

    with pytest.raises(sms.SmsNotSent, match="could not be reached"):
        backend.send(sms.Message(to="+15125550100", body="Code"))


def test_twilio_without_credentials_says_which_variables_to_set(settings):
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = ""
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_FROM_NUMBER = "+15005550006"

    with pytest.raises(sms.SmsNotSent) as refused:
        sms.send(to="+15125550100", body="Code")
    assert "FREEHOLD_TWILIO_ACCOUNT_SID, FREEHOLD_TWILIO_AUTH_TOKEN" in str(refused.value)


def test_console_backend_prints_the_message(settings, capsys):
    settings.SMS_BACKEND = "console"

    sms.send(to="+15125550100", body="Your code is 654321.")

    printed = capsys.readouterr().out
    assert "SMS to +15125550100" in printed and "Your code is 654321." in printed


def test_locmem_backend_keeps_an_outbox(outbox):
    sms.send(to="+15125550100", body="Hello")

    assert outbox == [sms.Message(to="+15125550100", body="Hello")]


def test_a_dotted_backend_path_is_accepted(settings, outbox):
    settings.SMS_BACKEND = "freehold.core.sms.LocmemBackend"

    sms.send(to="+1", body="Dotted")

    assert [message.body for message in outbox] == ["Dotted"]


@pytest.mark.django_db
def test_a_message_waits_for_the_commit_and_is_dropped_on_rollback(
    outbox, django_capture_on_commit_callbacks
):
    # when one message is queued in a transaction that rolls back, another in one that commits
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                sms.send_after_commit(to="+1", body="Rolled back")
                raise RuntimeError("abort")
        except RuntimeError:
            pass
        delivery = sms.send_after_commit(to="+2", body="Committed")
        # then nothing is sent before the commit
        assert outbox == [] and not delivery.sent

    # and only the committed one goes out
    assert [message.body for message in outbox] == ["Committed"]
    assert delivery.sent and not delivery.failed


@pytest.mark.django_db
def test_a_failure_after_commit_is_kept_on_the_delivery_not_raised(
    twilio_settings, django_capture_on_commit_callbacks
):
    twilio_settings.status = 500
    twilio_settings.answer = {}

    with django_capture_on_commit_callbacks(execute=True):
        delivery = sms.send_after_commit(to="+15125550100", body="Code")

    assert delivery.failed and "HTTP 500" in delivery.error and not delivery.sent


# --- The vendor's phone code (real commits: the view sees whether the text went out) -------


@pytest.fixture
def vendor_browser(transactional_db):
    rules.defaults_load()
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(name="Acme Tea")
    return vendor, vendor_client(vendor)


def test_the_phone_code_goes_to_twilio_and_confirms_the_phone(twilio_settings, vendor_browser):
    # given a vendor on its verification page
    vendor, browser = vendor_browser

    # when it saves its phone number
    response = browser.post("/vendor/verification/phone", {"value": "+1 512 555 0100"})

    # then Twilio was asked to text the code to that number, and the code confirms the phone
    assert response.status_code == 302
    (request,) = twilio_settings.requests
    assert request["form"]["To"] == "+15125550100"  # E.164, as typed on the page
    code = request["form"]["Body"].rsplit(" ", 1)[-1].rstrip(".")
    assert len(code) == 6 and code.isdigit()
    record = VerificationRecord.objects.get(vendor=vendor, field="phone")
    confirmed = browser.post(f"/vendor/verification/{record.pk}/confirm", {"code": code})
    assert confirmed.status_code == 302
    record.refresh_from_db()
    assert record.status == VerificationRecord.Status.VERIFIED


def test_twilio_refusing_shows_try_again_and_nothing_crashes(twilio_settings, vendor_browser):
    # given Twilio failing
    twilio_settings.status = 500
    twilio_settings.answer = {"message": "Internal error", "code": 20500}
    vendor, browser = vendor_browser

    # when the vendor saves its phone number
    response = browser.post("/vendor/verification/phone", {"value": "+1 512 555 0100"})

    # then the page says the code could not be sent (not a server error, not "sent")
    assert response.status_code == 400
    body = response.content.decode()
    assert "could not send the code" in body
    assert "We sent a 6-digit code" not in body
    assert "Internal error" not in body
    assert len(twilio_settings.requests) == 1
    # and the number is unconfirmed: saving it again sends a new code
    assert VerificationRecord.objects.get(vendor=vendor, field="phone").status == "submitted"
    assert verification.PHONE_CODE_NOT_SENT.startswith("We could not send the code")


def test_a_number_that_cannot_exist_is_refused_next_to_the_field_and_nothing_is_sent(
    twilio_settings, vendor_browser
):
    vendor, browser = vendor_browser

    response = browser.post("/vendor/verification/phone", {"value": "+1 555"})

    assert response.status_code == 400
    assert "is not a valid number" in response.content.decode()
    assert twilio_settings.requests == []
    assert not VerificationRecord.objects.filter(vendor=vendor, field="phone").exists()


@pytest.mark.django_db
def test_the_marketplace_settings_warn_when_codes_cannot_reach_a_phone(settings):
    from django.test import Client

    from tests.dashboard.conftest import make_staff

    owner = Client()
    owner.force_login(make_staff("owner@example.com"))
    page = "/dashboard/marketplace/"

    # Twilio chosen, its credentials missing: the operator is told which
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_ACCOUNT_SID = "AC123"
    settings.TWILIO_AUTH_TOKEN = ""
    settings.TWILIO_FROM_NUMBER = ""
    html = owner.get(page).content.decode()
    assert 'id="sms-problem"' in html
    assert "FREEHOLD_TWILIO_AUTH_TOKEN, FREEHOLD_TWILIO_FROM_NUMBER is not set" in html

    # the console backend outside development: codes never reach a phone
    settings.SMS_BACKEND = "console"
    settings.DEBUG = False
    assert "phone codes are not sent to phones" in owner.get(page).content.decode()

    # configured: no warning
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_AUTH_TOKEN = "secret"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    assert 'id="sms-problem"' not in owner.get(page).content.decode()
