"""The dashboard's home on a long order history: how long its figures take to read.

Run by `bench/run` after the storefront and buying benchmarks (or alone:
`BENCH_ONLY=dashboard bash bench/run [--sizes demo,1m --repeat 5]`), which starts PostgreSQL.
Each data set is its own database, seeded once with `freehold seed` and reused while it holds
the orders it should (a million orders take several minutes to write):

  demo  freehold_bench_dashboard_demo: the demo store, 300 products, 500 customers, 2,000 orders
        over 18 months (`freehold seed`'s defaults);
  1m    freehold_bench_dashboard: 1,000 products, 200,000 customers, 1,000,000 orders.

The clock is frozen at the newest order, so a database seeded weeks ago still has a full "last
30 days". For each period (30 and 90 days by default), in one process with production settings
(`DEBUG` off), each of the home page's selectors is called `--repeat` times after one warm-up
call, and then the whole page (`GET /dashboard/?period=N` through Django's test client, signed
in as the owner: session, rendering, charts). Printed: the median and fastest time of each, the
page's SQL statements, and the budget.

There is no dashboard budget in the performance design. The nearest one is the storefront's
uncached product page: >= 2 % of nginx's requests/s on the same page. With nginx at about
55,000 req/s on these machines (README, "Measured") that is about 1,100 req/s on 2 workers, or
1.8 ms of server time per page; the figures are printed next to it, and next to one second, the
time a merchant's landing page should not exceed. Results: bench/.out/dashboard.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

# Run as a script: its directory, bench/, is on the path, and with it http_bench.
from http_bench import BIN, OUT, ROOT, app_environment, recreate_database, run_django, say

DATASETS: dict[str, dict[str, Any]] = {
    "demo": {
        "database": "freehold_bench_dashboard_demo",
        "orders": 2_000,
        "seed": ["--products", "300", "--customers", "500", "--orders", "2000"],
    },
    "1m": {
        "database": "freehold_bench_dashboard",
        "orders": 1_000_000,
        "seed": ["--products", "1000", "--customers", "200000", "--orders", "1000000"],
    },
}
# The nearest budget in the performance design (see the docstring): the uncached product page,
# >= 2 % of nginx's ~55,000 req/s on 2 workers.
NGINX_REQUESTS_PER_SECOND = 55_000
STOREFRONT_SHARE = 0.02
WORKERS = 2
STOREFRONT_BUDGET_MS = 1000 * WORKERS / (NGINX_REQUESTS_PER_SECOND * STOREFRONT_SHARE)
LANDING_PAGE_MS = 1000.0
OWNER_EMAIL = "admin@example.com"


# --- in the measured process --------------------------------------------------------------


def _timed(call: Callable[[], object], repeat: int) -> dict[str, float]:
    call()  # warm-up: connection, PostgreSQL's caches, Python's imports
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return {"median_ms": round(statistics.median(times), 1), "min_ms": round(min(times), 1)}


def measure(periods: list[str], repeat: int) -> dict[str, Any]:
    """Time the selectors and the page in this process (DATABASE_URL names the data set)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freehold.settings")
    import django

    django.setup()
    from django.db.models import Max
    from django.test import Client

    from freehold.core import clock
    from freehold.customers.models import Customer
    from freehold.orders.models import Order
    from freehold.storefront.selectors import store_settings

    orders = Order.objects.count()
    newest = Order.objects.aggregate(newest=Max("placed_at"))["newest"]
    if newest is None:
        return {"orders": 0}
    store = store_settings()
    owner = (
        Customer.objects.filter(email=OWNER_EMAIL).first()
        or Customer.objects.filter(is_superuser=True).first()
    )
    if owner is None:
        raise SystemExit("dashboard bench: the data set has no staff owner to sign in as")
    # Production settings: only the hosts FREEHOLD_ALLOWED_HOSTS names are served.
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(owner)
    result: dict[str, Any] = {"orders": orders, "newest_order": newest.isoformat(), "periods": {}}
    with clock.frozen_at(newest):
        for key in periods:
            result["periods"][key] = _measure_period(key, client, store, repeat)
    return result


def _measure_period(key: str, client: Any, store: Any, repeat: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from freehold.dashboard.home import selectors
    from freehold.orders.models import Order

    period = selectors.period_for(key)
    currency = store.currency
    in_period = Order.objects.filter(placed_at__gte=period.start, placed_at__lt=period.end)
    calls = {
        "sales_summary": lambda: selectors.sales_summary(period, currency=currency),
        "top_products": lambda: selectors.top_products(period, currency=currency),
        "sales_by_country": lambda: selectors.sales_by_country(period, currency=currency),
        "todo_counts": lambda: selectors.todo_counts(
            orders=True, products=True, low_stock_threshold=store.low_stock_threshold
        ),
    }

    def reporting(call: Any) -> Any:
        # As the view runs them: in one transaction tuned for reports (selectors.reporting).
        def run() -> None:
            with selectors.reporting():
                call()

        return run

    timings = {name: _timed(reporting(call), repeat) for name, call in calls.items()}

    def page() -> None:
        response = client.get(f"/dashboard/?period={key}")
        if response.status_code != 200:
            raise SystemExit(f"dashboard bench: the home page answered {response.status_code}")

    timings["page"] = _timed(page, repeat)
    with CaptureQueriesContext(connection) as queries:
        page()
    return {
        "orders_in_period": in_period.count(),
        "queries": len(queries.captured_queries),
        "timings": timings,
    }


# --- the driver ---------------------------------------------------------------------------


def database_url_for(name: str) -> str:
    """The URL of database `name` on the server bench/run started (created when missing)."""
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        result = subprocess.run(
            ["bash", str(ROOT / ".ci" / "postgres-up"), name],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        )
        return result.stdout.strip()
    parts = urlsplit(base)
    url = parts._replace(path=f"/{name}").geturl()
    import psycopg

    maintenance = parts._replace(path="/postgres").geturl()
    with psycopg.connect(maintenance, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}" OWNER "{parts.username}"')
    return url


def run_measure(environment: dict[str, str], periods: list[str], repeat: int) -> dict[str, Any]:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "dashboard_bench.py"),
            "measure",
            "--periods",
            ",".join(periods),
            "--repeat",
            str(repeat),
        ],
        env=environment,
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def prepare(name: str, environment: dict[str, str], url: str) -> None:
    """Seed the data set once; re-create it when it holds fewer orders than it should."""
    dataset = DATASETS[name]
    run_django(environment, "migrate", "--noinput", "-v", "0")
    # Production settings serve hashed static file names from the manifest.
    run_django(environment, "collectstatic", "--noinput", "-v", "0")
    count = int(
        subprocess.run(
            [
                sys.executable,
                "-c",
                "import django; django.setup(); "
                "from freehold.orders.models import Order; print(Order.objects.count())",
            ],
            env=environment,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout.strip()
    )
    if count >= dataset["orders"]:
        say(f"{name}: reusing {dataset['database']} ({count:,} orders, no re-seed)")
        vacuum(url)
        return
    if count:
        say(f"{name}: {count:,} orders, fewer than {dataset['orders']:,}: re-creating it")
        recreate_database(url)
        run_django(environment, "migrate", "--noinput", "-v", "0")
    say(f"{name}: freehold seed {' '.join(dataset['seed'])} (once; later runs reuse it)")
    started = time.monotonic()
    subprocess.run(
        [str(BIN / "freehold"), "seed", *dataset["seed"], "--no-images", "--quiet"],
        env=environment,
        cwd=ROOT,
        check=True,
    )
    say(f"{name}: seeded in {time.monotonic() - started:.0f} s")
    vacuum(url)


def vacuum(url: str) -> None:
    """VACUUM ANALYZE the order tables, as autovacuum would some time after a bulk write.

    The home page's figures are index-only scans, which read the table too for every page not
    yet marked all-visible: measured right after a seed or a migration that rewrote rows
    (0006 fills `customer_first_order_at`), they would time the moment before autovacuum came
    by, not the store. Quick when nothing changed.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE orders_order, orders_orderline, orders_payment")


def report(name: str, measured: dict[str, Any]) -> None:
    say(
        f"\n{name}: {measured['orders']:,} orders, clock frozen at the newest "
        f"({measured['newest_order'][:16]})"
    )
    say(
        f"{'period':>8} {'orders in it':>12} {'summary':>9} {'top':>8} {'country':>8} "
        f"{'to do':>8} {'page':>9} {'SQL':>4}   (median ms)"
    )
    for key, figures in measured["periods"].items():
        timings = figures["timings"]
        say(
            f"{key + ' days':>8} {figures['orders_in_period']:>12,} "
            f"{timings['sales_summary']['median_ms']:>9.1f} "
            f"{timings['top_products']['median_ms']:>8.1f} "
            f"{timings['sales_by_country']['median_ms']:>8.1f} "
            f"{timings['todo_counts']['median_ms']:>8.1f} "
            f"{timings['page']['median_ms']:>9.1f} {figures['queries']:>4}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "measure"])
    parser.add_argument("--sizes", default="demo,1m", help="data sets: demo, 1m")
    parser.add_argument("--periods", default="30,90")
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    periods = [key for key in arguments.periods.split(",") if key]
    if arguments.command == "measure":
        print(json.dumps(measure(periods, arguments.repeat)))
        return

    sizes = [size for size in arguments.sizes.split(",") if size]
    unknown = set(sizes) - set(DATASETS)
    if unknown:
        raise SystemExit(f"dashboard bench: unknown data sets {sorted(unknown)}")
    say(
        "dashboard: the home page's figures on PostgreSQL, in-process, production settings "
        f"({arguments.repeat} runs after a warm-up)"
    )
    results: dict[str, Any] = {}
    for name in sizes:
        url = database_url_for(DATASETS[name]["database"])
        environment = app_environment(url)
        prepare(name, environment, url)
        results[name] = run_measure(environment, periods, arguments.repeat)
        report(name, results[name])
    say(
        "\nbudget: none for the dashboard in the performance design. Nearest: the storefront's "
        f"uncached page, >= 2 % of nginx (~{STOREFRONT_BUDGET_MS:.1f} ms of server time a page "
        f"on {WORKERS} workers); a merchant's landing page should stay under "
        f"{LANDING_PAGE_MS:.0f} ms."
    )
    for name, measured in results.items():
        for key, figures in measured.get("periods", {}).items():
            page_ms = figures["timings"]["page"]["median_ms"]
            verdict = "within" if page_ms <= LANDING_PAGE_MS else "OVER"
            say(
                f"  {name}, {key} days: page {page_ms:.0f} ms = "
                f"{page_ms / STOREFRONT_BUDGET_MS:.0f}x the storefront page budget; "
                f"{verdict} {LANDING_PAGE_MS:.0f} ms"
            )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "dashboard.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
