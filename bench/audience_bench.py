"""Customers in groups on a long order history: RFM, cohorts and a segment, against "a few
seconds".

Run by `bench/run` (or alone: `BENCH_ONLY=audience bash bench/run [--sizes demo,1m]`), which
starts PostgreSQL. The data sets are the dashboard benchmark's (bench/dashboard_bench.py), the
same databases, seeded the same way when they are missing or short of orders:

  demo  freehold_bench_dashboard_demo: 500 customers, 2,000 orders over 18 months;
  1m    freehold_bench_dashboard: 200,000 customers, 1,000,000 orders.

A data set that already holds its orders is not re-seeded, and only the tables this benchmark
reads and writes are migrated (`core`, `insights`): a shared benchmark database is never moved
to another stream's unfinished migrations.

Measured in one process with production settings, the clock frozen at the newest order, each
`--repeat` times after a warm-up (median and fastest):
  rfm_recompute   the nightly job: one aggregate over every paid order, scoring, then the
                  `CustomerScore` rows written: all of them (an empty table: the first run),
                  and the next night's run (the clock a day later; only changed rows);
  cohorts         the 18-month cohort table, repeat rate and median time between orders, as
                  the Cohorts page reads them (`cohort_table` in its reporting transaction);
  segment         the COUNT(*) of a three-rule segment (country, more than two paid orders,
                  last order in the last 90 days), as the editor's live preview runs it.
Budget: the issue's "within a few seconds", taken as 5 s each. Results: bench/.out/audience.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

# Run as a script: its directory, bench/, is on the path.
from dashboard_bench import DATASETS, database_url_for, prepare, vacuum
from http_bench import OUT, ROOT, app_environment, run_django, say

BUDGET_SECONDS = 5.0
SEGMENT_RULES = [
    {"field": "country", "relation": "equals", "value": "DE"},
    {"field": "orders_count", "relation": "greater_than", "value": "2"},
    {"field": "last_order", "relation": "after", "value": "90 days ago"},
]


# --- in the measured process --------------------------------------------------------------


def _timed(call: Callable[[], object], repeat: int) -> dict[str, Any]:
    result = call()  # warm-up: connection, PostgreSQL's caches, Python's imports
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "result": result,
    }


def measure(repeat: int) -> dict[str, Any]:
    """Time the three reads in this process (DATABASE_URL names the data set)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freehold.settings")
    import django

    django.setup()
    from django.db.models import Max

    from freehold.core import clock
    from freehold.dashboard.home.selectors import reporting
    from freehold.insights import cohorts, scores, segments
    from freehold.orders.models import Order

    orders = Order.objects.count()
    newest = Order.objects.aggregate(newest=Max("placed_at"))["newest"]
    if newest is None:
        return {"orders": 0}
    rules = segments.clean_rules(SEGMENT_RULES)

    from freehold.insights.models import CustomerScore

    def full_recompute() -> dict[str, Any]:
        """The first run (or after `freehold jobs run insights.rfm` on a new import): every
        row written. The table is emptied before, untimed."""
        times = []
        result = None
        for _ in range(repeat):
            CustomerScore.objects.all().delete()
            started = time.perf_counter()
            result = scores.rfm_recompute()
            times.append(time.perf_counter() - started)
        return {
            "median_s": round(statistics.median(times), 3),
            "min_s": round(min(times), 3),
            "result": {"customers": result.customers, "written": result.written}
            if result
            else None,
        }

    def next_night() -> dict[str, Any]:
        """The nightly run a day after the last: recency moves, only changed rows written."""
        times = []
        result = None
        for night in range(1, repeat + 1):
            with clock.frozen_at(newest):
                scores.rfm_recompute()  # the night before, untimed
            with clock.frozen_at(newest + dt.timedelta(days=night)):
                started = time.perf_counter()
                result = scores.rfm_recompute()
                times.append(time.perf_counter() - started)
        return {
            "median_s": round(statistics.median(times), 3),
            "min_s": round(min(times), 3),
            "result": {"customers": result.customers, "written": result.written}
            if result
            else None,
        }

    def cohort_table() -> dict[str, Any]:
        with reporting():
            table = cohorts.cohort_table(months=18)
        return {
            "customers": table.customers,
            "repeat_rate": str(table.repeat_rate),
            "median_days": str(table.median_days_between_orders),
        }

    def segment_count() -> int:
        with reporting():
            return segments.customers_matching(rules, match_all=True).count()

    timings = {"rfm_recompute_next_night": next_night()}
    with clock.frozen_at(newest):
        timings |= {
            "rfm_recompute_all_rows": full_recompute(),
            "cohorts_18_months": _timed(cohort_table, repeat),
            "segment_3_rules": _timed(segment_count, repeat),
        }
    return {"orders": orders, "newest_order": newest.isoformat(), "timings": timings}


# --- the driver ---------------------------------------------------------------------------


def _order_count(environment: dict[str, str]) -> int:
    output = subprocess.run(
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
    return int(output)


def prepare_audience(name: str, environment: dict[str, str], url: str) -> None:
    """Reuse the dashboard benchmark's data set; seed it (as that benchmark does) if short."""
    dataset = DATASETS[name]
    run_django(environment, "migrate", "core", "--noinput", "-v", "0")
    run_django(environment, "migrate", "insights", "--noinput", "-v", "0")
    count = _order_count(environment)
    if count >= dataset["orders"]:
        say(f"{name}: reusing {dataset['database']} ({count:,} orders, no re-seed)")
        vacuum(url)
        return
    prepare(name, environment, url)


def run_measure(environment: dict[str, str], repeat: int) -> dict[str, Any]:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "audience_bench.py"),
            "measure",
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


def report(name: str, measured: dict[str, Any]) -> None:
    if not measured.get("orders"):
        say(f"\n{name}: no orders")
        return
    say(
        f"\n{name}: {measured['orders']:,} orders, clock frozen at the newest "
        f"({measured['newest_order'][:16]})"
    )
    for label, figures in measured["timings"].items():
        seconds = figures["median_s"]
        verdict = "within" if seconds <= BUDGET_SECONDS else "OVER"
        say(
            f"  {label:<26} {seconds:>7.2f} s median ({figures['min_s']:.2f} s fastest)   "
            f"budget {BUDGET_SECONDS:.0f} s: {verdict}   -> {figures['result']}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", nargs="?", default="run", choices=["run", "measure"])
    parser.add_argument("--sizes", default="demo,1m", help="data sets: demo, 1m")
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    if arguments.command == "measure":
        print(json.dumps(measure(arguments.repeat), default=str))
        return

    sizes = [size for size in arguments.sizes.split(",") if size]
    unknown = set(sizes) - set(DATASETS)
    if unknown:
        raise SystemExit(f"audience bench: unknown data sets {sorted(unknown)}")
    say(
        "audience: RFM, cohorts and a segment on PostgreSQL, in-process, production settings "
        f"({arguments.repeat} runs after a warm-up)"
    )
    results: dict[str, Any] = {}
    for name in sizes:
        url = database_url_for(DATASETS[name]["database"])
        environment = app_environment(url)
        prepare_audience(name, environment, url)
        results[name] = run_measure(environment, arguments.repeat)
        report(name, results[name])
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "audience.json").write_text(json.dumps(results, indent=2, default=str))


if __name__ == "__main__":
    main()
