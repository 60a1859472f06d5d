"""Requests per second and latency of the storefront's pages against nginx's ceiling.

Run by `bench/run` (which starts PostgreSQL and passes DATABASE_URL). For the home page, the
largest collection and a product of a 10,000-product catalog on PostgreSQL:

  1. the app (`freehold serve --workers 2`) with the full-page cache OFF: every request renders;
  2. the same with the page cache ON in Redis: every request is a cache hit;
  3. nginx serving the same HTML as a file: the ceiling on this machine, in this sitting.

wrk loads each from 127.0.0.1 (64 connections, 2 threads) after a short warm-up. Ratios to
nginx are what the budgets in the performance design are written in, because absolute numbers
drift between machines and runs. Also prints the product page's weight: HTML + CSS + JS, each
compressed with gzip -9.

Every process started here is stopped on exit. Results: bench/.out/results.json.
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from email.message import Message
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / ".out"
BIN = Path(sys.executable).parent
CATALOG_SIZE = 10_000
PAGES = ("home", "collection", "product")
# Budgets from the performance design: % of nginx's requests/s on the same page.
BUDGETS = {("product", "uncached"): 2.0, ("product", "cached"): 15.0}
PAGE_CACHE_HIT_BUDGET = 15.0
PAGE_WEIGHT_BUDGET_KB = 60.0


def say(message: str) -> None:
    print(message, flush=True)


# --- processes ----------------------------------------------------------------------------


class Processes:
    """Every process this benchmark starts, each in its own session so that it and its
    children (granian's workers, nginx's workers) stop together."""

    def __init__(self) -> None:
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        log = open(OUT / f"{name}.log", "wb")  # noqa: SIM115 - lives as long as the process
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **kwargs,
        )
        self.running.append((name, process))
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=5)
        else:
            # The leader is gone; make sure no child of its group is left behind.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)
        self.running = [(n, p) for n, p in self.running if p is not process]

    def stop_all(self) -> None:
        for _, process in reversed(list(self.running)):
            self.stop(process)


def ensure_port_free(port: int, name: str) -> None:
    """Refuse to start on a port where something already listens: we would measure it."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} (for {name}) is in use: pass another port (--help)")


def wait_for_http(url: str, process: subprocess.Popen[bytes], name: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{name} exited (code {process.returncode}): see {OUT}/{name}.log")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status < 500:
                    return
        except urllib.error.HTTPError as error:
            if error.code < 500:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"{name} did not answer {url} within {timeout:.0f} s: see {OUT}/{name}.log")


def fetch(url: str) -> tuple[int, Message, bytes]:
    """GET a URL; the headers keep their case-insensitive lookup (granian sends lowercase)."""
    request = urllib.request.Request(url, headers={"User-Agent": "freehold-bench"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


# --- the app ------------------------------------------------------------------------------


def app_environment(database_url: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FREEHOLD_") and key not in {"REDIS_URL", "SECRET_KEY"}
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="freehold.settings",
        DATABASE_URL=database_url,
        FREEHOLD_ENV="production",
        FREEHOLD_ALLOWED_HOSTS="127.0.0.1,localhost",
        SECRET_KEY=secrets.token_urlsafe(48),
        # Plain HTTP on loopback: no redirect to https.
        FREEHOLD_SSL_REDIRECT="0",
        FREEHOLD_DATA_DIR=str(OUT / "data"),
        FREEHOLD_LOG_LEVEL="ERROR",
    )
    return environment


def run_django(environment: dict[str, str], *arguments: str) -> None:
    subprocess.run([str(BIN / "django-admin"), *arguments], env=environment, cwd=ROOT, check=True)


def catalog_helper(environment: dict[str, str], *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "catalog.py"), *arguments],
        env=environment,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return result.stdout


def recreate_database(database_url: str) -> None:
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}" OWNER "{parts.username}"')


def prepare_catalog(environment: dict[str, str], database_url: str) -> dict[str, Any]:
    """Seed the bench database once; reuse it while it holds the full catalog."""
    run_django(environment, "migrate", "--noinput", "-v", "0")
    state = json.loads(catalog_helper(environment, "status"))
    if state["products"] >= CATALOG_SIZE:
        say(f"catalog: reusing the seeded catalog of {state['products']} products (no re-seed)")
        return {**state, "seeded_now": False}
    if state["products"]:
        say(f"catalog: {state['products']} products, fewer than {CATALOG_SIZE}: re-creating it")
        recreate_database(database_url)
        run_django(environment, "migrate", "--noinput", "-v", "0")
    started = time.monotonic()
    say(f"catalog: freehold seed --products {CATALOG_SIZE} (once; later runs reuse it)")
    subprocess.run(
        [
            str(BIN / "freehold"),
            "seed",
            "--products",
            str(CATALOG_SIZE),
            "--customers",
            "200",
            "--quiet",
        ],
        env=environment,
        cwd=ROOT,
        check=True,
    )
    say(f"catalog: ready in {time.monotonic() - started:.0f} s")
    state = json.loads(catalog_helper(environment, "status"))
    return {**state, "seeded_now": True}


def server_command(port: int) -> tuple[list[str], str]:
    """The production server as a merchant runs it: 2 workers (BENCH_THREADS threads each)."""
    threads = os.environ.get("BENCH_THREADS", "1")
    command = [str(BIN / "freehold"), "serve", "--workers", "2", "--threads", threads]
    label = "freehold serve --workers 2" + (f" --threads {threads}" if threads != "1" else "")
    return [*command, "--host", "127.0.0.1", "--port", str(port)], label


# --- wrk ----------------------------------------------------------------------------------


@dataclass
class Load:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int


_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def _duration_ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text)
    if not match:
        raise ValueError(f"unknown wrk duration {text!r}")
    return float(match[1]) * _UNITS_MS[match[2]]


def parse_wrk(output: str) -> Load:
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.MULTILINE)
    total = re.search(r"^\s*(\d+) requests in", output, re.MULTILINE)
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", output, re.MULTILINE))
    if not rate or not total or set(percentiles) != {"50", "99"}:
        raise ValueError(f"cannot read wrk's output:\n{output}")
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    if non_2xx:
        errors += int(non_2xx[1])
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Load(
        requests_per_second=float(rate[1]),
        p50_ms=_duration_ms(percentiles["50"]),
        p99_ms=_duration_ms(percentiles["99"]),
        requests=int(total[1]),
        errors=errors,
    )


def wrk(url: str, *, seconds: int, connections: int, threads: int) -> Load:
    result = subprocess.run(
        [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=seconds + 60,
    )
    return parse_wrk(result.stdout)


# --- nginx and redis ----------------------------------------------------------------------


NGINX_CONF = """\
worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    types {{ text/html html; }}
    default_type text/html;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/pages;
        location / {{ }}
    }}
}}
"""


@contextlib.contextmanager
def nginx(processes: Processes, pages: dict[str, bytes], port: int) -> Iterator[str]:
    prefix = Path(tempfile.mkdtemp(prefix="freehold-bench-nginx-"))
    try:
        # nginx's workers drop root: they must be able to read the copies.
        prefix.chmod(0o755)
        (prefix / "pages").mkdir(mode=0o755)
        (prefix / "tmp").mkdir(mode=0o755)
        for name, body in pages.items():
            (prefix / "pages" / f"{name}.html").write_bytes(body)
            (prefix / "pages" / f"{name}.html").chmod(0o644)
        config = prefix / "nginx.conf"
        config.write_text(NGINX_CONF.format(prefix=prefix, port=port))
        ensure_port_free(port, "nginx")
        process = processes.start("nginx", ["nginx", "-c", str(config), "-p", str(prefix)])
        base = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base}/home.html", process, "nginx", timeout=20)
        try:
            yield base
        finally:
            processes.stop(process)
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


@contextlib.contextmanager
def redis(processes: Processes, port: int) -> Iterator[str]:
    ensure_port_free(port, "redis")
    process = processes.start(
        "redis",
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
        ],
    )
    deadline = time.monotonic() + 20
    while True:
        ping = subprocess.run(
            ["redis-cli", "-p", str(port), "ping"], capture_output=True, text=True, check=False
        )
        if ping.stdout.strip() == "PONG":
            break
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"redis did not start on port {port}: see {OUT}/redis.log")
        time.sleep(0.2)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        processes.stop(process)


# --- page weight --------------------------------------------------------------------------


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.styles: list[str] = []
        self.scripts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        rel = attributes.get("rel", "").lower().split()
        if tag == "link" and "stylesheet" in rel and attributes.get("href"):
            self.styles.append(attributes["href"])
        elif tag == "link" and "modulepreload" in rel and attributes.get("href"):
            self.scripts.append(attributes["href"])
        elif tag == "script" and attributes.get("src"):
            self.scripts.append(attributes["src"])


def gzip9_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=9, mtime=0))


def page_weight(base: str, path: str, html: bytes) -> dict[str, Any]:
    parser = _Assets()
    parser.feed(html.decode("utf-8", errors="replace"))
    items = [{"kind": "html", "url": path, "bytes": len(html), "gzip": gzip9_size(html)}]
    for kind, urls in (("css", parser.styles), ("js", parser.scripts)):
        for url in dict.fromkeys(urls):
            absolute = urljoin(base + path, url)
            if urlsplit(absolute).netloc != urlsplit(base).netloc:
                items.append({"kind": kind, "url": url, "bytes": 0, "gzip": 0, "foreign": True})
                continue
            status, _, body = fetch(absolute)
            items.append(
                {
                    "kind": kind,
                    "url": url,
                    "status": status,
                    "bytes": len(body),
                    "gzip": gzip9_size(body),
                }
            )
    total_kb = sum(item["gzip"] for item in items) / 1024
    return {
        "items": items,
        "total_gzip_kb": round(total_kb, 1),
        "budget_kb": PAGE_WEIGHT_BUDGET_KB,
        "within_budget": total_kb <= PAGE_WEIGHT_BUDGET_KB
        and not any(item.get("foreign") for item in items),
    }


# --- the run ------------------------------------------------------------------------------


@dataclass
class Row:
    page: str
    mode: str
    path: str
    load: Load
    nginx_rps: float = 0.0
    notes: list[str] = field(default_factory=list)

    @property
    def ratio(self) -> float:
        return 100 * self.load.requests_per_second / self.nginx_rps if self.nginx_rps else 0.0

    @property
    def budget(self) -> float | None:
        if self.mode == "cached":
            return PAGE_CACHE_HIT_BUDGET
        return BUDGETS.get((self.page, self.mode))


def measure_app(
    processes: Processes,
    environment: dict[str, str],
    mode: str,
    pages: dict[str, str],
    arguments: argparse.Namespace,
    server: tuple[list[str], str],
) -> tuple[list[Row], dict[str, bytes], dict[str, Any] | None]:
    command, label = server
    say(f"\n== app, page cache {'ON (Redis)' if mode == 'cached' else 'OFF'}: {label}")
    ensure_port_free(arguments.port, "the app")
    process = processes.start(f"app-{mode}", command, env=environment, cwd=ROOT)
    base = f"http://127.0.0.1:{arguments.port}"
    rows: list[Row] = []
    bodies: dict[str, bytes] = {}
    weight = None
    try:
        wait_for_http(base + "/", process, f"app-{mode}", timeout=90)
        for page, path in pages.items():
            status, headers, body = fetch(base + path)
            if status != 200:
                raise SystemExit(f"{base}{path} answered {status}: see {OUT}/app-{mode}.log")
            notes = []
            if mode == "cached":
                status, headers, body = fetch(base + path)
                cache_state = headers.get("X-Page-Cache", "absent")
                if cache_state != "hit":
                    notes.append(f"X-Page-Cache: {cache_state} (expected hit)")
            elif "X-Page-Cache" in headers:
                notes.append(f"X-Page-Cache: {headers['X-Page-Cache']} with the cache off")
            bodies[page] = body
            if page == "product" and mode == "uncached":
                weight = page_weight(base, path, body)
            wrk(
                base + path,
                seconds=arguments.warmup,
                connections=arguments.connections,
                threads=arguments.threads,
            )
            load = wrk(
                base + path,
                seconds=arguments.duration,
                connections=arguments.connections,
                threads=arguments.threads,
            )
            if load.errors:
                notes.append(f"{load.errors} errors")
            say(
                f"   {page:<11} {path:<45} {load.requests_per_second:>9.1f} req/s  "
                f"p50 {load.p50_ms:7.2f} ms  p99 {load.p99_ms:7.2f} ms  {'; '.join(notes)}"
            )
            rows.append(Row(page=page, mode=mode, path=path, load=load, notes=notes))
    finally:
        processes.stop(process)
    return rows, bodies, weight


def print_table(rows: list[Row]) -> None:
    header = (
        f"{'page':<11} {'mode':<9} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'nginx req/s':>12} {'% nginx':>8} {'budget':>8}  verdict"
    )
    say("\n" + header)
    say("-" * len(header))
    for row in rows:
        budget = row.budget
        budget_text = f">= {budget:g} %" if budget is not None else "-"
        verdict = "-" if budget is None else ("ok" if row.ratio >= budget else "BELOW BUDGET")
        if row.load.errors:
            verdict += f" ({row.load.errors} errors)"
        say(
            f"{row.page:<11} {row.mode:<9} {row.load.requests_per_second:>9.1f} "
            f"{row.load.p50_ms:>8.2f} {row.load.p99_ms:>8.2f} {row.nginx_rps:>12.1f} "
            f"{row.ratio:>7.2f}% {budget_text:>8}  {verdict}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description="Freehold HTTP benchmark (see bench/run).")
    parser.add_argument("--duration", type=int, default=10, help="seconds per measured run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per page")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--port", type=int, default=8765, help="the app's port")
    parser.add_argument("--nginx-port", type=int, default=8766)
    parser.add_argument("--redis-port", type=int, default=6390)
    arguments = parser.parse_args()

    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith("postgres"):
        raise SystemExit("DATABASE_URL must point at PostgreSQL (bench/run sets it)")
    OUT.mkdir(parents=True, exist_ok=True)
    for tool in ("wrk", "nginx", "redis-server", "redis-cli"):
        if shutil.which(tool) is None:
            raise SystemExit(f"{tool} is not installed (bench/run installs it)")

    processes = Processes()

    def on_signal(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    started = time.monotonic()
    try:
        environment = app_environment(database_url)
        catalog = prepare_catalog(environment, database_url)
        run_django(environment, "collectstatic", "--noinput", "-v", "0")
        pages = json.loads(catalog_helper(environment, "pages"))
        say(f"pages: {pages}")
        server = server_command(arguments.port)

        uncached_environment = {**environment, "FREEHOLD_PAGE_CACHE": "0"}
        rows, bodies, weight = measure_app(
            processes, uncached_environment, "uncached", pages, arguments, server
        )
        with redis(processes, arguments.redis_port) as redis_url:
            cached_environment = {**environment, "FREEHOLD_PAGE_CACHE": "1", "REDIS_URL": redis_url}
            cached_rows, _, _ = measure_app(
                processes, cached_environment, "cached", pages, arguments, server
            )
        rows += cached_rows

        say("\n== nginx serving the same HTML as files (the ceiling)")
        nginx_loads: dict[str, Load] = {}
        with nginx(processes, bodies, arguments.nginx_port) as base:
            for page in pages:
                url = f"{base}/{page}.html"
                wrk(
                    url,
                    seconds=arguments.warmup,
                    connections=arguments.connections,
                    threads=arguments.threads,
                )
                nginx_loads[page] = wrk(
                    url,
                    seconds=arguments.duration,
                    connections=arguments.connections,
                    threads=arguments.threads,
                )
                say(f"   {page:<11} {nginx_loads[page].requests_per_second:>10.1f} req/s")
        for row in rows:
            row.nginx_rps = nginx_loads[row.page].requests_per_second
    finally:
        processes.stop_all()

    print_table(rows)
    if weight is not None:
        say(
            f"\npage weight, product page (gzip -9): {weight['total_gzip_kb']:.1f} KB "
            f"(budget {PAGE_WEIGHT_BUDGET_KB:g} KB: "
            f"{'ok' if weight['within_budget'] else 'OVER BUDGET'})"
        )
        for item in weight["items"]:
            foreign = "  FOREIGN HOST" if item.get("foreign") else ""
            say(
                f"   {item['kind']:<5} {item['gzip'] / 1024:6.1f} KB "
                f"({item['bytes'] / 1024:6.1f} KB raw)  {item['url']}{foreign}"
            )
    results = {
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "seconds": round(time.monotonic() - started),
        "settings": {
            "connections": arguments.connections,
            "threads": arguments.threads,
            "duration_s": arguments.duration,
            "warmup_s": arguments.warmup,
            "server": server[1],
            "cpus": os.cpu_count(),
        },
        "catalog": catalog,
        "pages": pages,
        "rows": [
            {
                "page": row.page,
                "mode": row.mode,
                "path": row.path,
                **asdict(row.load),
                "nginx_rps": row.nginx_rps,
                "percent_of_nginx": round(row.ratio, 2),
                "budget_percent": row.budget,
                "notes": row.notes,
            }
            for row in rows
        ],
        "page_weight": weight,
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    say(f"\nresults: bench/.out/results.json ({results['seconds']} s in all)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
