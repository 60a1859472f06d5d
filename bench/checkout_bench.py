"""Buying over HTTP: checkout throughput, and flash sales that must not oversell.

Run by `bench/run` after bench/http_bench.py (or alone: `BENCH_ONLY=checkout bash bench/run`),
which starts PostgreSQL and passes DATABASE_URL. The server is `freehold serve --workers 2` in
production settings, sessions and cache in Redis, on the 10,000-product catalog of
`freehold_bench`. The benchmark buys its own products (bench/checkout_prep.py creates them and
deletes the orders and carts of earlier runs first, and again at the end).

  1. Checkout throughput: B buyers (threads, each with its own keep-alive connection and
     cookies) repeat a shopper's flow for D seconds after a warm-up: POST /cart/add, GET
     /checkout (the form: CSRF token, idempotency key, preselected shipping rate), POST
     /checkout action=place with an e-mail, a German address and manual payment, expecting
     303 to /orders/<token>. Next to it: the budget (200 orders/s, performance design) and
     the ceiling of the order code itself, `checkout_complete` called in-process in 2
     processes (like the 2 workers) on prepared carts, same database.
  2. Flash sale: one variant with M units; N buyers, each prepared beforehand with its own
     session, cart (1 unit) and rendered checkout form, send the placing POST at the same
     moment. The database must then hold exactly M orders for it and stock 0; every other
     buyer must be told "sold out" (200, the form again); nothing else may answer.
  3. Discount race: the same with a code limited to U uses on a product without stock limit.

The load generator is Python on the same 2 CPUs as the server, PostgreSQL and Redis: its own
CPU time comes off the server's (printed with the figures). Exits 1 when an invariant breaks
(oversold units, more code uses than the limit, any server error or unexpected answer).
Results: bench/.out/checkout.json.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

# Run as a script: its directory, bench/, is on the path, and with it http_bench.
from http_bench import (
    OUT,
    ROOT,
    Processes,
    app_environment,
    ensure_port_free,
    prepare_catalog,
    redis,
    run_django,
    say,
    server_command,
    wait_for_http,
)

# From the performance design: "flash sale: N buyers racing for M units over HTTP | 0
# oversold, 0 server errors, >= 200 completed orders/s on PostgreSQL".
ORDERS_PER_SECOND_BUDGET = 200.0
ADDRESS = {
    "email": "",
    "first_name": "Erika",
    "last_name": "Mustermann",
    "line1": "Heidestraße 17",
    "line2": "",
    "postal_code": "51147",
    "city": "Köln",
    "region": "",
    "country_code": "DE",
    "phone": "+49 221 1234567",
}
ERROR_NOTICE = re.compile(
    r'<div class="notice notice-error" role="alert">\s*<p>(.*?)</p>', re.DOTALL
)
FIELD_ERROR = re.compile(r'<p class="field-error"[^>]*>(.*?)</p>', re.DOTALL)
TIMEOUT_SECONDS = 120.0


# --- an HTTP client with a cookie jar -----------------------------------------------------


class UnexpectedAnswer(Exception):
    def __init__(self, step: str, status: int, detail: str = "") -> None:
        super().__init__(f"{step}: {status} {detail}".strip())
        self.step = step
        self.status = status
        self.detail = detail


@dataclass
class Answer:
    status: int
    location: str
    body: str


class Shopper:
    """One browser: a keep-alive connection to the app and the cookies it was given."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.origin = f"http://127.0.0.1:{port}"
        self.cookies: dict[str, str] = {}
        self.connection: http.client.HTTPConnection | None = None

    def connect(self) -> None:
        self.close()
        self.connection = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=TIMEOUT_SECONDS
        )
        self.connection.connect()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        if self.connection is None:
            self.connect()
        assert self.connection is not None
        headers = {"User-Agent": "freehold-bench", "Accept": "text/html"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(form or {}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.origin
            headers["Referer"] = self.origin + path
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            self._keep(header)
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return Answer(
            status=response.status,
            location=response.getheader("Location", ""),
            body=content.decode("utf-8", errors="replace"),
        )

    def _keep(self, header: str) -> None:
        pair, _, attributes = header.partition(";")
        name, _, value = pair.strip().partition("=")
        expired = re.search(r"max-age=0\b|expires=[^;]*1970", attributes, re.IGNORECASE)
        if expired or value in {"", '""'}:
            self.cookies.pop(name, None)
        else:
            self.cookies[name] = value


class _Form(HTMLParser):
    """The checkout form's inputs: hidden and text values, and which radios are checked."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, str] = {}
        self.radios: dict[str, list[str]] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "input":
            return
        attributes = {name: value or "" for name, value in attrs}
        name = attributes.get("name", "")
        if not name:
            return
        if attributes.get("type") == "radio":
            self.radios.setdefault(name, []).append(attributes.get("value", ""))
            if "checked" in attributes:
                self.values[name] = attributes.get("value", "")
        else:
            self.values.setdefault(name, attributes.get("value", ""))


def error_text(body: str) -> str:
    """What the page tells the shopper went wrong (the notice, else the first field error)."""
    texts = [unescape(match).strip() for match in ERROR_NOTICE.findall(body)]
    fields = [unescape(match).strip() for match in FIELD_ERROR.findall(body)]
    generic = "Please check the marked fields."
    if texts and texts[0] != generic:
        return texts[0]
    return fields[0] if fields else (texts[0] if texts else "")


def place_form(shopper: Shopper, email: str) -> dict[str, str]:
    """GET /checkout and fill its form as a shopper would, ready to POST with action=place."""
    answer = shopper.request("GET", "/checkout")
    if answer.status != 200:
        raise UnexpectedAnswer("GET /checkout", answer.status, answer.location)
    parser = _Form()
    parser.feed(answer.body)
    values = parser.values
    missing = [
        name
        for name in ("csrfmiddlewaretoken", "idempotency_key", "shipping_method")
        if not values.get(name)
    ]
    if missing:
        raise UnexpectedAnswer("GET /checkout", answer.status, f"form without {missing}")
    if "manual" not in parser.radios.get("payment_method", []):
        raise UnexpectedAnswer("GET /checkout", answer.status, "no manual payment choice")
    return {
        "csrfmiddlewaretoken": values["csrfmiddlewaretoken"],
        "idempotency_key": values["idempotency_key"],
        **ADDRESS,
        "email": email,
        "shipping_method": values["shipping_method"],
        "payment_method": "manual",
        "action": "place",
    }


def add_to_cart(shopper: Shopper, variant_id: int) -> None:
    answer = shopper.request("POST", "/cart/add", {"variant_id": str(variant_id), "quantity": "1"})
    if answer.status != 303:
        raise UnexpectedAnswer("POST /cart/add", answer.status, error_text(answer.body))


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def milliseconds(values: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(1000 * percentile(values, 0.50), 1),
        "p99_ms": round(1000 * percentile(values, 0.99), 1),
    }


class ErrorLog:
    """Unexpected answers: counted by kind, the first few kept in bench/.out/checkout-errors.log."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.path = OUT / "checkout-errors.log"
        self.path.write_text("")

    def add(self, kind: str, detail: str) -> None:
        with self.lock:
            self.kinds[kind] += 1
            if sum(self.kinds.values()) <= 20:
                with self.path.open("a") as log:
                    log.write(f"{kind}: {detail[:2000]}\n")

    @property
    def total(self) -> int:
        return sum(self.kinds.values())


# --- 1. checkout throughput ---------------------------------------------------------------


@dataclass
class Flow:
    started: float
    ended: float
    adding: float
    page: float
    placing: float


def throughput(
    port: int, variants: list[int], *, buyers: int, seconds: float, warmup: float
) -> dict[str, Any]:
    errors = ErrorLog()
    flows: list[Flow] = []
    lock = threading.Lock()
    begin = time.perf_counter()
    measure_from = begin + warmup
    measure_until = measure_from + seconds

    def buyer(number: int) -> None:
        shopper = Shopper(port)
        round_number = 0
        while time.perf_counter() < measure_until:
            round_number += 1
            started = time.perf_counter()
            try:
                add_to_cart(shopper, variants[(number + round_number) % len(variants)])
                added = time.perf_counter()
                form = place_form(shopper, f"buyer-{number}-{round_number}@example.com")
                placing = time.perf_counter()
                answer = shopper.request("POST", "/checkout", form)
                ended = time.perf_counter()
                if answer.status != 303 or not answer.location.startswith("/orders/"):
                    raise UnexpectedAnswer(
                        "POST /checkout", answer.status, answer.location or error_text(answer.body)
                    )
            except UnexpectedAnswer as problem:
                errors.add(f"{problem.step} -> {problem.status}", problem.detail)
                continue
            except (OSError, http.client.HTTPException) as problem:
                errors.add(f"connection: {type(problem).__name__}", str(problem))
                shopper.close()
                continue
            with lock:
                flows.append(
                    Flow(
                        started=started,
                        ended=ended,
                        adding=added - started,
                        page=placing - added,
                        placing=ended - placing,
                    )
                )
        shopper.close()

    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(buyers)]
    cpu_before = os.times()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu_after = os.times()
    finished = time.perf_counter()
    measured = [flow for flow in flows if measure_from <= flow.ended <= measure_until]
    window = measure_until - measure_from
    client_cpu = (cpu_after.user - cpu_before.user) + (cpu_after.system - cpu_before.system)
    return {
        "buyers": buyers,
        "seconds": seconds,
        "warmup_s": warmup,
        "orders": len(measured),
        "orders_per_second": round(len(measured) / window, 1),
        "adding": milliseconds([flow.adding for flow in measured]),
        "checkout_page": milliseconds([flow.page for flow in measured]),
        "placing": milliseconds([flow.placing for flow in measured]),
        "flow": milliseconds([flow.ended - flow.started for flow in measured]),
        "errors": errors.total,
        "error_kinds": dict(errors.kinds),
        "orders_in_all": len(flows),
        "load_generator_cpu_percent": round(100 * client_cpu / (finished - begin), 1),
    }


# --- 2. and 3. races ----------------------------------------------------------------------


@dataclass
class Racer:
    shopper: Shopper
    form: dict[str, str]
    status: int = 0
    location: str = ""
    message: str = ""
    sent: float = 0.0
    answered: float = 0.0
    failure: str = ""


def prepare_racers(
    port: int, variant_id: int, count: int, *, discount_code: str = "", label: str
) -> list[Racer]:
    """Each racer: a session of its own, 1 unit in its cart, its checkout form rendered."""
    racers: list[Racer | None] = [None] * count
    problems: list[str] = []

    def prepare(number: int) -> None:
        shopper = Shopper(port)
        email = f"{label}-{number}@example.com"
        try:
            add_to_cart(shopper, variant_id)
            form = place_form(shopper, email)
            if discount_code:
                applying = {**form, "action": "apply_discount", "discount_code": discount_code}
                answer = shopper.request("POST", "/checkout", applying)
                if answer.status != 303:
                    raise UnexpectedAnswer(
                        "POST /checkout apply_discount", answer.status, error_text(answer.body)
                    )
                form = place_form(shopper, email)
        except (UnexpectedAnswer, OSError, http.client.HTTPException) as problem:
            problems.append(f"racer {number}: {problem}")
            return
        finally:
            shopper.close()
        racers[number] = Racer(shopper=shopper, form=form)

    workers = 8
    threads = [
        threading.Thread(target=lambda k=k: [prepare(n) for n in range(k, count, workers)])
        for k in range(workers)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if problems:
        raise SystemExit("preparing the race failed:\n  " + "\n  ".join(problems[:10]))
    return [racer for racer in racers if racer is not None]


def race(racers: list[Racer]) -> tuple[float, float]:
    """All racers POST their order at once; returns (release time, last answer time)."""
    barrier = threading.Barrier(len(racers) + 1)

    def run(racer: Racer) -> None:
        try:
            racer.shopper.connect()
        except OSError as problem:
            racer.failure = f"connect: {problem}"
        barrier.wait()
        if racer.failure:
            return
        racer.sent = time.perf_counter()
        try:
            answer = racer.shopper.request("POST", "/checkout", racer.form)
        except (OSError, http.client.HTTPException) as problem:
            racer.failure = f"connection: {type(problem).__name__} {problem}"
            racer.answered = time.perf_counter()
            return
        racer.answered = time.perf_counter()
        racer.status = answer.status
        racer.location = answer.location
        if answer.status == 200:
            racer.message = error_text(answer.body)
        racer.shopper.close()

    threads = [threading.Thread(target=run, args=(racer,)) for racer in racers]
    for thread in threads:
        thread.start()
    barrier.wait()
    released = time.perf_counter()
    for thread in threads:
        thread.join()
    return released, max((racer.answered for racer in racers), default=released)


def tally(
    racers: list[Racer], released: float, finished: float, lost_message: str
) -> dict[str, Any]:
    won = [r for r in racers if r.status == 303 and r.location.startswith("/orders/")]
    lost = [r for r in racers if r.status == 200 and lost_message in r.message]
    others = [r for r in racers if r not in won and r not in lost]
    last_win = max((r.answered for r in won), default=released)
    messages = Counter(r.message for r in racers if r.status == 200)
    return {
        "buyers": len(racers),
        "won_303": len(won),
        "lost_told": len(lost),
        "errors": len(others),
        "error_answers": dict(
            Counter(r.failure or f"{r.status} {r.location or r.message}"[:120] for r in others)
        ),
        "messages_200": dict(messages),
        "race_seconds": round(finished - released, 3),
        "orders_per_second": round(len(won) / (last_win - released), 1) if won else 0.0,
        "answers_per_second": round(len(racers) / (finished - released), 1),
        **milliseconds([r.answered - r.sent for r in racers if r.sent]),
    }


# --- the run ------------------------------------------------------------------------------


def prep(environment: dict[str, str], *arguments: str) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "checkout_prep.py"), *arguments],
        env=environment,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


@dataclass
class Verdicts:
    broken: list[str] = field(default_factory=list)

    def check(self, ok: bool, message: str) -> str:
        if not ok:
            self.broken.append(message)
        return "ok" if ok else "BROKEN"


def main() -> int:
    parser = argparse.ArgumentParser(description="Freehold buying benchmark (see bench/run).")
    parser.add_argument("--buyers", type=int, default=16, help="concurrent buyers, throughput")
    parser.add_argument("--duration", type=float, default=20, help="seconds measured")
    parser.add_argument("--warmup", type=float, default=3, help="seconds of warm-up")
    parser.add_argument("--ceiling-carts", type=int, default=300, help="orders per process")
    parser.add_argument("--flash-buyers", type=int, default=200, help="N buyers racing")
    parser.add_argument("--flash-units", type=int, default=50, help="M units for sale")
    parser.add_argument("--discount-uses", type=int, default=50, help="the code's use limit")
    parser.add_argument("--port", type=int, default=8775, help="the app's port")
    parser.add_argument("--redis-port", type=int, default=6392)
    arguments = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point at PostgreSQL (bench/run sets it)")
    OUT.mkdir(parents=True, exist_ok=True)

    processes = Processes()

    def on_signal(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    started = time.monotonic()
    results: dict[str, Any] = {}
    try:
        environment = app_environment(database_url)
        prepare_catalog(environment, database_url)
        run_django(environment, "collectstatic", "--noinput", "-v", "0")
        with redis(processes, arguments.redis_port) as redis_url:
            environment = {**environment, "REDIS_URL": redis_url}
            setup = prep(
                environment,
                "reset",
                "--flash-units",
                str(arguments.flash_units),
                "--discount-uses",
                str(arguments.discount_uses),
            )
            say(
                f"bench products: {len(setup['variants'])} variants for the throughput run, "
                f"flash sale variant {setup['flash_variant']} ({arguments.flash_units} units), "
                f"code {setup['discount_code']} ({arguments.discount_uses} uses); "
                f"left by earlier runs and deleted: {setup['deleted']}"
            )
            if setup["shipping_zone_added"]:
                say("   (the catalog shipped nowhere: added a shipping zone for Germany)")

            say("\n== order code ceiling: checkout_complete in-process, 2 processes, same DB")
            ceiling = prep(
                environment, "ceiling", "--processes", "2", "--carts", str(arguments.ceiling_carts)
            )
            say(
                f"   {ceiling['orders_per_second']:.1f} orders/s "
                f"({ceiling['orders']} orders in {ceiling['seconds']:.2f} s; "
                f"{ceiling['ms_per_order_per_process']:.1f} ms per order per process)"
            )
            prep(environment, "cleanup")

            command, label = server_command(arguments.port)
            ensure_port_free(arguments.port, "the app")
            app = processes.start("app-checkout", command, env=environment, cwd=ROOT)
            base = f"http://127.0.0.1:{arguments.port}"
            wait_for_http(base + "/cart", app, "app-checkout", timeout=90)

            say(
                f"\n== checkout throughput over HTTP: {label}, {arguments.buyers} buyers, "
                f"{arguments.duration:g} s after {arguments.warmup:g} s warm-up"
            )
            flow = throughput(
                arguments.port,
                setup["variants"],
                buyers=arguments.buyers,
                seconds=arguments.duration,
                warmup=arguments.warmup,
            )
            say(
                f"   {flow['orders_per_second']:.1f} orders/s ({flow['orders']} orders); "
                f"placing POST p50 {flow['placing']['p50_ms']:.0f} ms "
                f"p99 {flow['placing']['p99_ms']:.0f} ms; whole flow (add, checkout page, "
                f"place) p50 {flow['flow']['p50_ms']:.0f} ms p99 {flow['flow']['p99_ms']:.0f} ms; "
                f"errors {flow['errors']} {flow['error_kinds'] or ''}"
            )
            say(
                f"   steps, p50 / p99: POST /cart/add {flow['adding']['p50_ms']:.0f} / "
                f"{flow['adding']['p99_ms']:.0f} ms, GET /checkout "
                f"{flow['checkout_page']['p50_ms']:.0f} / "
                f"{flow['checkout_page']['p99_ms']:.0f} ms, "
                f"POST /checkout (place) {flow['placing']['p50_ms']:.0f} / "
                f"{flow['placing']['p99_ms']:.0f} ms"
            )

            say(
                f"\n== flash sale: {arguments.flash_buyers} buyers, "
                f"{arguments.flash_units} units, one POST each at the same moment"
            )
            racers = prepare_racers(
                arguments.port, setup["flash_variant"], arguments.flash_buyers, label="flash"
            )
            released, finished = race(racers)
            flash = tally(racers, released, finished, "is sold out")
            counts = prep(environment, "report")
            flash["database"] = counts["flash"]
            say(
                f"   {flash['won_303']} won (303), {flash['lost_told']} told sold out, "
                f"{flash['errors']} errors; database: {counts['flash']['orders']} orders, "
                f"stock {counts['flash']['stock']}; p50 {flash['p50_ms']:.0f} ms "
                f"p99 {flash['p99_ms']:.0f} ms; {flash['orders_per_second']:.1f} orders/s"
            )

            say(
                f"\n== discount race: {arguments.flash_buyers} buyers, code limited to "
                f"{arguments.discount_uses} uses, stock unlimited"
            )
            racers = prepare_racers(
                arguments.port,
                setup["discount_variant"],
                arguments.flash_buyers,
                discount_code=setup["discount_code"],
                label="discount",
            )
            released, finished = race(racers)
            discount = tally(racers, released, finished, "used up")
            counts = prep(environment, "report")
            discount["database"] = counts["discount"]
            say(
                f"   {discount['won_303']} won (303), {discount['lost_told']} told the code is "
                f"used up, {discount['errors']} errors; database: "
                f"{counts['discount']['orders']} orders, "
                f"{counts['discount']['orders_with_discount']} with the discount, code used "
                f"{counts['discount']['times_used']}x ({counts['discount']['redemptions']} "
                f"redemptions); p50 {discount['p50_ms']:.0f} ms p99 {discount['p99_ms']:.0f} ms"
            )
            processes.stop(app)
            results = {
                "setup": setup,
                "ceiling": ceiling,
                "throughput": flow,
                "flash_sale": flash,
                "discount_race": discount,
            }
            prep(environment, "cleanup")
    finally:
        processes.stop_all()

    return report(results, arguments, started)


def report(results: dict[str, Any], arguments: argparse.Namespace, started: float) -> int:
    verdicts = Verdicts()
    flow = results["throughput"]
    ceiling = results["ceiling"]
    flash = results["flash_sale"]
    discount = results["discount_race"]
    units = arguments.flash_units
    uses = arguments.discount_uses
    sold = flash["database"]["units"]
    oversold = max(0, sold - units) + max(0, -flash["database"]["stock"])
    expected_winners = min(units, arguments.flash_buyers)
    expected_uses = min(uses, arguments.flash_buyers)
    server_errors = flow["errors"] + flash["errors"] + discount["errors"]
    rate_verdict = "ok" if flow["orders_per_second"] >= ORDERS_PER_SECOND_BUDGET else "BELOW BUDGET"
    header = f"{'what':<44} {'measured':>14} {'expected':>14}  verdict"
    say("\n" + header)
    say("-" * len(header))
    rows = [
        (
            "checkout throughput, orders/s (HTTP)",
            f"{flow['orders_per_second']:.1f}",
            f">= {ORDERS_PER_SECOND_BUDGET:g}",
            rate_verdict,
        ),
        (
            "  order code ceiling, orders/s (in-process)",
            f"{ceiling['orders_per_second']:.1f}",
            "-",
            f"HTTP reaches {100 * flow['orders_per_second'] / ceiling['orders_per_second']:.0f} %",
        ),
        ("  server errors / unexpected answers", str(server_errors), "0", ""),
        ("flash sale: orders for the variant", str(flash["database"]["orders"]), "", ""),
        ("flash sale: oversold units", str(oversold), "0", ""),
        ("flash sale: stock left", str(flash["database"]["stock"]), "0", ""),
        ("flash sale: buyers told sold out", str(flash["lost_told"]), "", ""),
        ("flash sale: orders/s during the race", f"{flash['orders_per_second']:.1f}", "-", "-"),
        ("discount race: orders using the code", str(discount["database"]["redemptions"]), "", ""),
        ("discount race: code's use count", str(discount["database"]["times_used"]), "", ""),
    ]
    rows[2] = (*rows[2][:3], verdicts.check(server_errors == 0, f"{server_errors} server errors"))
    rows[3] = (
        *rows[3][:2],
        str(expected_winners),
        verdicts.check(
            flash["database"]["orders"] == expected_winners == flash["won_303"],
            f"flash sale placed {flash['database']['orders']} orders "
            f"({flash['won_303']} answered 303) for {units} units",
        ),
    )
    rows[4] = (*rows[4][:3], verdicts.check(oversold == 0, f"{oversold} units oversold"))
    rows[5] = (
        *rows[5][:2],
        str(max(0, units - arguments.flash_buyers)),
        verdicts.check(
            flash["database"]["stock"] == max(0, units - arguments.flash_buyers),
            f"stock ended at {flash['database']['stock']}",
        ),
    )
    rows[6] = (
        *rows[6][:2],
        str(arguments.flash_buyers - expected_winners),
        verdicts.check(
            flash["lost_told"] == arguments.flash_buyers - expected_winners,
            f"{flash['lost_told']} losers told sold out",
        ),
    )
    rows[8] = (
        *rows[8][:2],
        str(expected_uses),
        verdicts.check(
            discount["database"]["redemptions"] == expected_uses,
            f"{discount['database']['redemptions']} redemptions for {uses} uses",
        ),
    )
    rows[9] = (
        *rows[9][:2],
        str(expected_uses),
        verdicts.check(
            discount["database"]["times_used"] == expected_uses,
            f"code used {discount['database']['times_used']} times, limit {uses}",
        ),
    )
    for what, measured, expected, verdict in rows:
        say(f"{what:<44} {measured:>14} {expected:>14}  {verdict}")
    others = discount["database"]["orders"] - discount["database"]["orders_with_discount"]
    say(
        f"\ndiscount race, what the other {arguments.flash_buyers - discount['won_303']} "
        f"buyers got: {discount['messages_200'] or 'no 200 answers'}; orders placed without "
        f"the discount: {others}"
    )
    say(
        f"flash sale latency (the placing POST, all {arguments.flash_buyers} at once): "
        f"p50 {flash['p50_ms']:.0f} ms, p99 {flash['p99_ms']:.0f} ms; the race took "
        f"{flash['race_seconds']:.2f} s ({flash['answers_per_second']:.0f} answers/s)"
    )
    say(
        f"note: the load generator (Python, {arguments.buyers} threads) runs on the same "
        f"{os.cpu_count()} CPUs as the server, PostgreSQL and Redis; it used "
        f"{flow['load_generator_cpu_percent']:.0f} % of one CPU during the throughput run."
    )
    results["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    results["seconds"] = round(time.monotonic() - started)
    results["settings"] = {
        **vars(arguments),
        "server": "freehold serve --workers 2",
        "cpus": os.cpu_count(),
        "budget_orders_per_second": ORDERS_PER_SECOND_BUDGET,
    }
    results["invariants_broken"] = verdicts.broken
    (OUT / "checkout.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    say(f"\nresults: bench/.out/checkout.json ({results['seconds']} s in all)")
    if verdicts.broken:
        say("INVARIANTS BROKEN: " + "; ".join(verdicts.broken))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
