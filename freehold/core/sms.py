"""Text messages (SMS), with a backend chosen by a setting like Django's e-mail backends.

`FREEHOLD_SMS_BACKEND` (settings.SMS_BACKEND) is a short word or a dotted class path:

* `console`: the message is logged and printed (development's default: a demo needs no
  account anywhere, and the code to type is in the server's output).
* `twilio`: an HTTP POST to Twilio's Messages API with the account SID, auth token and sender
  number from the environment (production's default, so a store never believes it sent codes
  it only printed).
* `locmem`: kept in `sms.outbox` for tests, like `django.core.mail.outbox`.

A provider that refuses or cannot be reached raises `SmsNotSent`, whose message says what the
provider answered (for the log) while callers show the person a plain "try again".

Messages that belong to a database change (a confirmation code whose hash is being saved) go
out with `send_after_commit`: never for a change that was rolled back, and never while the
transaction still holds its locks waiting on a slow provider.
"""

from __future__ import annotations

import base64
import json
import logging
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Protocol

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)

TWILIO_API_BASE = "https://api.twilio.com"
# Bytes of a provider's answer kept for the error message (its JSON error is short).
MAX_ERROR_BODY = 2000


@dataclass(frozen=True)
class Message:
    to: str
    body: str


class SmsNotSent(Exception):
    """The message did not go out; the text says why (for logs, not for the recipient)."""


class Backend(Protocol):
    def send(self, message: Message) -> None: ...


# What the locmem backend sent, oldest first (tests read and clear it).
outbox: list[Message] = []


class LocmemBackend:
    """Keeps messages in `outbox`: tests assert on what would have been sent."""

    def send(self, message: Message) -> None:
        outbox.append(message)


class ConsoleBackend:
    """Prints each message (and logs it): development's stand-in for a real provider."""

    def send(self, message: Message) -> None:
        logger.info("SMS to %s: %s", message.to, message.body)
        sys.stdout.write(f"SMS to {message.to}\n{message.body}\n{'-' * 40}\n")
        sys.stdout.flush()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Credentials are sent to the configured API only, never to where a redirect points."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


class TwilioBackend:
    """Twilio's Messages API: POST /2010-04-01/Accounts/<sid>/Messages.json (To, From, Body)
    with HTTP basic authentication (account SID and auth token). Twilio answers 201 Created."""

    def __init__(
        self,
        *,
        account_sid: str | None = None,
        auth_token: str | None = None,
        from_number: str | None = None,
        api_base: str | None = None,
        timeout: float | None = None,
    ) -> None:
        self.account_sid = account_sid if account_sid is not None else settings.TWILIO_ACCOUNT_SID
        self.auth_token = auth_token if auth_token is not None else settings.TWILIO_AUTH_TOKEN
        self.from_number = from_number if from_number is not None else settings.TWILIO_FROM_NUMBER
        self.api_base = (api_base or settings.TWILIO_API_BASE or TWILIO_API_BASE).rstrip("/")
        self.timeout = timeout if timeout is not None else settings.SMS_TIMEOUT

    def url(self) -> str:
        sid = urllib.parse.quote(self.account_sid, safe="")
        return f"{self.api_base}/2010-04-01/Accounts/{sid}/Messages.json"

    def missing_settings(self) -> list[str]:
        """The environment variables Twilio needs that are not set."""
        return [
            name
            for name, value in (
                ("FREEHOLD_TWILIO_ACCOUNT_SID", self.account_sid),
                ("FREEHOLD_TWILIO_AUTH_TOKEN", self.auth_token),
                ("FREEHOLD_TWILIO_FROM_NUMBER", self.from_number),
            )
            if not value
        ]

    def send(self, message: Message) -> None:
        missing = self.missing_settings()
        if missing:
            raise SmsNotSent(f"Twilio is not configured: set {', '.join(missing)}.")
        credentials = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        request = urllib.request.Request(
            self.url(),
            data=urllib.parse.urlencode(
                {"To": message.to, "From": self.from_number, "Body": message.body}
            ).encode(),
            method="POST",
            headers={
                "Authorization": f"Basic {credentials}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
                "User-Agent": "Freehold-SMS/1",
            },
        )
        try:
            with _opener.open(request, timeout=self.timeout) as response:
                status = response.status
        except urllib.error.HTTPError as failure:
            raise SmsNotSent(_twilio_error(failure)) from failure
        except (urllib.error.URLError, OSError) as failure:
            reason = getattr(failure, "reason", failure)
            raise SmsNotSent(f"Twilio could not be reached: {reason}") from failure
        if not 200 <= status < 300:  # a 3xx not followed
            raise SmsNotSent(f"Twilio answered HTTP {status}.")


def _twilio_error(failure: urllib.error.HTTPError) -> str:
    """The provider's own explanation, e.g. "Twilio answered HTTP 400: The 'To' number +1555
    is not a valid phone number. (21211)"."""
    text = ""
    try:
        raw = failure.read(MAX_ERROR_BODY)
        data = json.loads(raw or b"{}")
        if isinstance(data, dict) and data.get("message"):
            text = str(data["message"])
            if data.get("code"):
                text += f" ({data['code']})"
    except (OSError, ValueError):
        text = ""
    return f"Twilio answered HTTP {failure.code}" + (f": {text}" if text else ".")


BACKENDS = {
    "console": "freehold.core.sms.ConsoleBackend",
    "twilio": "freehold.core.sms.TwilioBackend",
    "locmem": "freehold.core.sms.LocmemBackend",
}


def get_backend(name: str | None = None) -> Backend:
    """The configured backend (a short word from BACKENDS or a dotted class path)."""
    chosen = (name or settings.SMS_BACKEND or "console").strip()
    backend_class = import_string(BACKENDS.get(chosen.lower(), chosen))
    backend: Backend = backend_class()
    return backend


def configuration_problem() -> str:
    """Why phone codes cannot reach a real phone with the current settings, or "".

    Shown to the operator where text messages start to matter (turning marketplace mode on),
    rather than refusing to start: a store without vendors never texts anybody.
    """
    chosen = (settings.SMS_BACKEND or "console").strip().lower()
    if chosen == "twilio":
        missing = TwilioBackend().missing_settings()
        if missing:
            return f"Text messages go through Twilio, but {', '.join(missing)} is not set."
    elif chosen in ("console", "locmem") and not settings.DEBUG:
        return (
            f"FREEHOLD_SMS_BACKEND is {chosen!r}: phone codes are not sent to phones. "
            "Set it to 'twilio' (or your own backend)."
        )
    return ""


def send(*, to: str, body: str) -> None:
    """Send one message now; raises SmsNotSent when it did not go out."""
    get_backend().send(Message(to=to, body=body))


@dataclass
class Delivery:
    """A message waiting for its transaction to commit: `sent` and `error` tell what happened
    once it did (both unset while the transaction is still open)."""

    message: Message
    sent: bool = False
    error: str = ""

    @property
    def failed(self) -> bool:
        return bool(self.error)


def send_after_commit(*, to: str, body: str) -> Delivery:
    """Send once the current transaction commits (at once outside one). A failure is logged
    and kept on the returned Delivery, never raised into the commit."""
    delivery = Delivery(message=Message(to=to, body=body))

    def deliver() -> None:
        try:
            get_backend().send(delivery.message)
        except SmsNotSent as error:
            delivery.error = str(error)
            logger.warning("SMS to %s not sent: %s", to, error)
        else:
            delivery.sent = True

    transaction.on_commit(deliver)
    return delivery
