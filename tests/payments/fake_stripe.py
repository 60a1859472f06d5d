"""A small local imitation of the few Stripe API endpoints the Stripe gateway calls.

A real HTTP server on 127.0.0.1 (threads, a free port), so the official `stripe` library does
its real work: form-encoding, headers, retries, error parsing. It records every request (path,
headers, the form body flattened to `{"line_items[0][price_data][unit_amount]": "1250"}`),
replays the first answer for a repeated `Idempotency-Key` as Stripe does, and can be told to
answer the next request with an error (`fail_next`).

Endpoints: POST /v1/checkout/sessions, POST /v1/refunds, POST /v1/payment_intents/<id>/capture
and /cancel (PaymentIntents the test added with `add_payment_intent`; others are 404).
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, str]

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), "")


@dataclass
class _Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


CARD_DECLINED = {
    "type": "card_error",
    "code": "card_declined",
    "decline_code": "insufficient_funds",
    "message": "Your card has insufficient funds.",
}
SERVER_ERROR = {"type": "api_error", "message": "Something went wrong on Stripe's end."}


class FakeStripe:
    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.payment_intents: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.refunds: dict[str, dict[str, Any]] = {}
        self._failures: list[_Answer] = []
        self._replies: dict[str, _Answer] = {}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> FakeStripe:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # -- what tests arrange and read ------------------------------------------------------------

    def add_payment_intent(
        self, intent_id: str, *, amount: int, currency: str, status: str = "succeeded"
    ) -> None:
        self.payment_intents[intent_id] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": amount,
            "amount_received": amount if status == "succeeded" else 0,
            "currency": currency.lower(),
            "status": status,
        }

    def fail_next(
        self, status: int, error: dict[str, Any], *, should_retry: bool | None = None
    ) -> None:
        """Answer the next request (whatever it is) with this error, once."""
        headers = {} if should_retry is None else {"Stripe-Should-Retry": str(should_retry).lower()}
        self._failures.append(_Answer(status, {"error": error}, headers))

    def posted(self, path: str) -> list[RecordedRequest]:
        return [request for request in self.requests if request.path == path]

    # -- the API ------------------------------------------------------------------------------

    def answer(self, request: RecordedRequest) -> _Answer:
        with self._lock:
            self.requests.append(request)
            key = request.header("Idempotency-Key")
            if key and key in self._replies:
                replay = self._replies[key]
                return _Answer(replay.status, replay.body, {"Idempotent-Replayed": "true"})
            if self._failures:
                return self._failures.pop(0)
            answer = self._route(request)
            if key:
                self._replies[key] = answer
            return answer

    def _route(self, request: RecordedRequest) -> _Answer:
        parts = request.path.strip("/").split("/")
        if request.method != "POST":
            return _missing(request.path)
        if parts == ["v1", "checkout", "sessions"]:
            return self._create_session(request.form)
        if parts == ["v1", "refunds"]:
            return self._create_refund(request.form)
        if len(parts) == 4 and parts[:2] == ["v1", "payment_intents"]:
            intent = self.payment_intents.get(parts[2])
            if intent is None:
                return _missing(request.path)
            if parts[3] == "capture":
                amount = int(request.form.get("amount_to_capture", intent["amount"]))
                intent.update(status="succeeded", amount_received=amount)
                return _Answer(200, dict(intent))
            if parts[3] == "cancel":
                intent.update(status="canceled")
                return _Answer(200, dict(intent))
        return _missing(request.path)

    def _create_session(self, form: dict[str, str]) -> _Answer:
        session_id = f"cs_test_{next(self._ids):06d}"
        prefix = "line_items[0][price_data]"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": form.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": int(form[f"{prefix}[unit_amount]"])
            * int(form.get("line_items[0][quantity]", "1")),
            "currency": form[f"{prefix}[currency]"],
            "client_reference_id": form.get("client_reference_id"),
            "metadata": {
                key[len("metadata[") : -1]: value
                for key, value in form.items()
                if key.startswith("metadata[")
            },
            "payment_intent": None,
            "success_url": form.get("success_url"),
            "cancel_url": form.get("cancel_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return _Answer(200, session)

    def _create_refund(self, form: dict[str, str]) -> _Answer:
        intent = self.payment_intents.get(form.get("payment_intent", ""))
        if intent is None:
            return _missing("/v1/refunds")
        refund_id = f"re_test_{next(self._ids):06d}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": int(form.get("amount", intent["amount"])),
            "currency": intent["currency"],
            "payment_intent": intent["id"],
            "status": "succeeded",
        }
        self.refunds[refund_id] = refund
        return _Answer(200, refund)


def _missing(path: str) -> _Answer:
    return _Answer(
        404,
        {
            "error": {
                "type": "invalid_request_error",
                "code": "resource_missing",
                "message": f"No such resource: {path}",
            }
        },
    )


def _handler_for(fake: FakeStripe) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = {key: values[0] for key, values in parse_qs(body).items()}
            request = RecordedRequest("POST", self.path, dict(self.headers.items()), form)
            self._send(fake.answer(request))

        def do_GET(self) -> None:
            request = RecordedRequest("GET", self.path, dict(self.headers.items()), {})
            self._send(fake.answer(request))

        def _send(self, answer: _Answer) -> None:
            payload = json.dumps(answer.body).encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Request-Id", f"req_test_{next(fake._ids):06d}")
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    return Handler
