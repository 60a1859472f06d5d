"""Deriving the INFORM verification status of many vendors: batched against one by one.

Run by `bench/run` (or alone: `BENCH_ONLY=marketplace bash bench/run [--vendors 1000]`), which
starts PostgreSQL. Each database is fresh (SQLite: a new file; PostgreSQL:
freehold_bench_marketplace, dropped and created), migrated, then filled with `bulk_create`:
`--vendors` vendors in the six states in turn (not high-volume, information requested,
submitted, verified, rejected, suspended), each high-volume vendor with a superseded older
record per field (so "every record ever" is twice the latest ones), half of them with the DSA
trader fields, and a yearly notice on every ninth.

Measured in one process with production settings, through Django's test client (routing,
middleware, rendering included), `--repeat` times after a warm-up (median and fastest), and
the statements each request runs:
  queue     /dashboard/marketplace/verification/ (every vendor's status, the review queue);
  api       GET /api/v1/admin/vendors?limit=100 (the first page of the admin API's list).
Each with the batched derivation (`inform.verifications`: the latest records, the notices and
the rules read once) and, in the same run, the baseline it replaced: the one-vendor function
`inform.verification` called in a loop (two to four statements a vendor). Results:
bench/.out/marketplace.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Run as a script: its directory, bench/, is on the path.
from http_bench import BIN, OUT, ROOT, app_environment, recreate_database, run_django, say

API_PAGE = 100

# --- in the measured process --------------------------------------------------------------


def seed(vendor_count: int) -> dict[str, int]:
    """`vendor_count` vendors in the six states in turn, written in bulk."""
    import datetime as dt

    from freehold.core import clock
    from freehold.marketplace import dsa, inform
    from freehold.marketplace.models import (
        CertificationNotice,
        MarketplaceSettings,
        Vendor,
        VerificationRecord,
    )

    MarketplaceSettings.objects.update_or_create(pk=1, defaults={"enabled": True})
    now = clock.now()
    states = ("not_hv", "requested", "submitted", "verified", "rejected", "suspended")
    vendors = Vendor.objects.bulk_create(
        Vendor(
            name=f"Bench Vendor {n:05d}",
            handle=f"bench-vendor-{n:05d}",
            status=Vendor.Status.ACTIVE,
            is_business=True,
            email=f"vendor{n}@example.com",
        )
        for n in range(vendor_count)
    )
    if not all(vendor.pk for vendor in vendors):  # backends without RETURNING
        vendors = list(Vendor.objects.filter(handle__startswith="bench-vendor-").order_by("pk"))
    records: list[VerificationRecord] = []
    notices: list[CertificationNotice] = []
    fields = list(dict.fromkeys((*inform.REQUIRED_FIELDS, *dsa.TRADER_FIELDS)))
    changed: list[Vendor] = []
    for n, vendor in enumerate(vendors):
        state = states[n % len(states)]
        if state == "not_hv":
            continue
        requested = now - dt.timedelta(days=15 if state == "suspended" else 2)
        vendor.high_volume_since = vendor.info_requested_at = requested
        changed.append(vendor)
        if state == "suspended":
            continue
        names = fields if n % 2 else list(inform.REQUIRED_FIELDS)
        if state == "requested":
            names = names[:3]
        for index, name in enumerate(names):
            old = now - dt.timedelta(days=30)
            records.append(
                VerificationRecord(
                    vendor=vendor,
                    field=name,
                    value_masked="•••• 0000",
                    value_public="older",
                    status=VerificationRecord.Status.VERIFIED,
                    submitted_at=old,
                    decided_at=old,
                )
            )
            status = {
                "verified": VerificationRecord.Status.VERIFIED,
                "rejected": VerificationRecord.Status.REJECTED
                if index == 0
                else VerificationRecord.Status.VERIFIED,
            }.get(state, VerificationRecord.Status.SUBMITTED)
            records.append(
                VerificationRecord(
                    vendor=vendor,
                    field=name,
                    value_masked=f"•••• {n % 10000:04d}",
                    value_public=f"value {n}",
                    status=status,
                    submitted_at=now - dt.timedelta(days=1, minutes=index),
                    decided_at=None if status == "submitted" else now - dt.timedelta(hours=1),
                    reason="Unreadable." if status == "rejected" else "",
                )
            )
        if n % 9 == 0:
            notices.append(
                CertificationNotice(
                    vendor=vendor,
                    kind="certify",
                    sent_at=now - dt.timedelta(days=1),
                    due_at=now + dt.timedelta(days=9),
                )
            )
    Vendor.objects.bulk_update(changed, ["high_volume_since", "info_requested_at"], 500)
    VerificationRecord.objects.bulk_create(records, 2000)
    CertificationNotice.objects.bulk_create(notices, 2000)
    return {"vendors": len(vendors), "records": len(records), "notices": len(notices)}


class Statements(list[str]):
    """A `connection.execute_wrapper` that keeps the SQL it sees (production settings keep no
    query log)."""

    def __call__(self, execute: Any, sql: str, *rest: Any) -> Any:
        self.append(sql)
        return execute(sql, *rest)


def measure(vendor_count: int, repeat: int) -> dict[str, Any]:
    import django

    django.setup()
    from django.db import connection
    from django.test import Client

    from freehold.api.services import api_token_create
    from freehold.core.audit import Actor
    from freehold.customers.models import Customer
    from freehold.marketplace import inform

    started = time.perf_counter()
    sizes = seed(vendor_count)
    seed_seconds = time.perf_counter() - started
    owner = Customer.objects.create_user(
        "bench-owner@example.com",
        "bench-pass-1",
        is_staff=True,
        staff_role=Customer.StaffRole.OWNER,
    )
    staff = Client()
    staff.force_login(owner)
    _token, secret = api_token_create(
        name="Bench", scopes=["vendors:read"], actor=Actor.system("bench")
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    requests: dict[str, Callable[[], Any]] = {
        "queue": lambda: staff.get("/dashboard/marketplace/verification/"),
        "api": lambda: api.get(f"/api/v1/admin/vendors?limit={API_PAGE}"),
    }
    batched = inform.verifications

    def one_by_one(vendors: Any, *, on: Any = None, latest: Any = None) -> dict[int, Any]:
        """The baseline: the one-vendor function in a loop (its own statements each).
        `inform.verification(vendor)` is `verifications([vendor])[vendor.pk]`, called here on
        the unpatched function."""
        return {vendor.pk: batched([vendor], on=on)[vendor.pk] for vendor in vendors}

    results: dict[str, Any] = {**sizes, "seed_s": round(seed_seconds, 2)}
    for name, request in requests.items():
        for mode, derive in (("batched", batched), ("baseline", one_by_one)):
            inform.verifications = derive  # type: ignore[assignment]
            try:
                response = request()  # warm-up
                assert response.status_code == 200, (name, response.status_code)
                executed = Statements()
                with connection.execute_wrapper(executed):
                    request()
                times = []
                for _ in range(repeat):
                    began = time.perf_counter()
                    request()
                    times.append(time.perf_counter() - began)
            finally:
                inform.verifications = batched  # type: ignore[assignment]
            results[f"{name}_{mode}"] = {
                "median_ms": round(statistics.median(times) * 1000, 1),
                "fastest_ms": round(min(times) * 1000, 1),
                "statements": len(executed),
            }
    return results


# --- the driver ----------------------------------------------------------------------------


def environment(database_url: str | None, data_dir: Path) -> dict[str, str]:
    env = app_environment(database_url or "")
    if not database_url:
        env.pop("DATABASE_URL", None)
    env.update(
        FREEHOLD_DATA_DIR=str(data_dir),
        FREEHOLD_ALLOWED_HOSTS="testserver,127.0.0.1,localhost",
        PYTHONPATH=str(ROOT),
    )
    return env


def run(name: str, database_url: str | None, vendors: int, repeat: int) -> dict[str, Any]:
    data_dir = OUT / f"marketplace-data-{name}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if database_url:
        recreate_database(database_url)
    env = environment(database_url, data_dir)
    subprocess.run([str(BIN / "freehold"), "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    # production settings serve hashed static names: the dashboard pages need the manifest
    static = dict(env, FREEHOLD_DATA_DIR=str(OUT / "marketplace-static"))
    if not (OUT / "marketplace-static" / "static" / "staticfiles.json").exists():
        run_django(static, "collectstatic", "--noinput", "-v", "0")
    shutil.copytree(OUT / "marketplace-static" / "static", data_dir / "static")
    say(f"{name}: {vendors:,} vendors, measuring")
    result = subprocess.run(
        [sys.executable, __file__, "--measure", "--vendors", str(vendors), "--repeat", str(repeat)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return {"database": name, **json.loads(result.stdout.strip().splitlines()[-1])}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vendors", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="sqlite, postgresql or both"
    )
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.measure:
        print(json.dumps(measure(arguments.vendors, arguments.repeat)))
        return 0
    results = []
    wanted = arguments.databases.split(",")
    if "sqlite" in wanted:
        results.append(run("sqlite", None, arguments.vendors, arguments.repeat))
    postgres = os.environ.get("DATABASE_URL", "")
    if "postgresql" in wanted and postgres.startswith("postgres"):
        base, _, _ = postgres.rpartition("/")
        url = f"{base}/freehold_bench_marketplace"
        results.append(run("postgresql", url, arguments.vendors, arguments.repeat))
    print()
    print(
        f"Verification status of {arguments.vendors:,} vendors: batched against the "
        "one-vendor function in a loop (baseline); median of "
        f"{arguments.repeat}, statements per request"
    )
    print(f"{'database':<11} {'page':<34} {'batched':>18} {'baseline':>20} {'speed-up':>9}")
    pages = {"queue": "verification queue (all vendors)", "api": f"admin API list ({API_PAGE})"}
    for r in results:
        for key, label in pages.items():
            new, old = r[f"{key}_batched"], r[f"{key}_baseline"]
            print(
                f"{r['database']:<11} {label:<34} "
                f"{new['median_ms']:>8.1f} ms {new['statements']:>4} st "
                f"{old['median_ms']:>9.1f} ms {old['statements']:>5} st "
                f"{old['median_ms'] / new['median_ms']:>8.1f}x"
            )
    for r in results:
        print(
            f"{r['database']}: {r['vendors']:,} vendors, {r['records']:,} records, "
            f"{r['notices']} notices written in {r['seed_s']} s"
        )
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "marketplace.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
