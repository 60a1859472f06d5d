"""Importing a 50,000-row Shopify product CSV: the budget is one minute (performance.md).

Run by `bench/run` (or alone: `BENCH_ONLY=import bash bench/run [--rows 50000]`), which starts
PostgreSQL. The file is generated (bench/.out/shopify-<rows>.csv): products of four variants
(Size S-XL) and a second image on a row of its own, so five rows a product and 10,000 products
for 50,000 rows, each with an HTML description, three tags, SEO fields, a barcode and costs,
as Shopify's exports look.

Measured, on SQLite (a fresh file) and on PostgreSQL (a fresh database): the wall time of
`freehold import shopify FILE --no-images --quiet`, start-up included, as a merchant would
see it; then the same command again (every product matched, compared and found unchanged).
Images are left pending (`--no-images`): fetching them depends on the network, not on us.

Printed next to them, from the same run: the budget (60 s), and the baseline this importer
replaced, the catalog's per-product service (`product_create`: one transaction and ~25
statements a product), timed on 300 of the same products and scaled to the file. Saleor, the
peer in performance.md, took 18 s for 170 products through its bulk mutations.
Results: bench/.out/import.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from http_bench import BIN, OUT, ROOT, recreate_database, say

BUDGET_SECONDS = 60.0
SIZES = ("S", "M", "L", "XL")
ROWS_PER_PRODUCT = len(SIZES) + 1
BASELINE_SAMPLE = 300
HEADER = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
    "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams",
    "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
    "Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "Image Src",
    "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
    "Google Shopping / Gender", "Google Shopping / Condition", "Variant Image",
    "Variant Weight Unit", "Cost per item", "Status",
]  # fmt: skip


def _gtin(number: int) -> str:
    """A valid EAN-13 for `number` (check digit computed)."""
    body = f"400{number:09d}"
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def generate(path: Path, rows: int) -> int:
    """Write a Shopify product CSV of `rows` rows; returns the number of products."""
    products = rows // ROWS_PER_PRODUCT
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        empty = dict.fromkeys(HEADER, "")
        for n in range(products):
            handle_name = f"merino-crew-{n:05d}"
            image = f"https://cdn.example.com/products/{handle_name}"
            for index, size in enumerate(SIZES):
                row = dict(empty)
                row.update(
                    {
                        "Handle": handle_name,
                        "Option1 Value": size,
                        "Variant SKU": f"MC-{n:05d}-{size}",
                        "Variant Grams": str(300 + 20 * index),
                        "Variant Inventory Tracker": "shopify",
                        "Variant Inventory Qty": str((n + index) % 40),
                        "Variant Inventory Policy": "deny",
                        "Variant Fulfillment Service": "manual",
                        "Variant Price": f"{49 + n % 50}.00",
                        "Variant Compare At Price": f"{69 + n % 50}.00" if n % 4 == 0 else "",
                        "Variant Requires Shipping": "true",
                        "Variant Taxable": "true",
                        "Variant Barcode": _gtin(n * 10 + index),
                        "Variant Weight Unit": "g",
                        "Cost per item": f"{18 + n % 20}.50",
                    }
                )
                if index == 0:
                    row.update(
                        {
                            "Title": f"Merino Crew {n:05d}",
                            "Body (HTML)": (
                                f"<p>A fine-knit crew neck in <strong>extra-fine merino</strong>"
                                f", style {n}.</p><ul><li>100 % merino wool</li>"
                                "<li>Machine washable at 30 °C</li><li>Made in Portugal</li></ul>"
                            ),
                            "Vendor": "Bench Knits",
                            "Type": "Sweaters",
                            "Tags": f"merino, knitwear, season-{n % 8}",
                            "Published": "true",
                            "Option1 Name": "Size",
                            "Image Src": f"{image}-front.jpg",
                            "Image Position": "1",
                            "Image Alt Text": f"Merino Crew {n:05d}, front",
                            "Gift Card": "false",
                            "SEO Title": f"Merino Crew {n:05d} | Bench Knits",
                            "SEO Description": "Extra-fine merino crew neck.",
                            "Google Shopping / Gender": "unisex",
                            "Google Shopping / Condition": "new",
                            "Status": "active",
                        }
                    )
                writer.writerow([row[column] for column in HEADER])
            extra = dict(empty)
            extra.update(
                {"Handle": handle_name, "Image Src": f"{image}-back.jpg", "Image Position": "2"}
            )
            writer.writerow([extra[column] for column in HEADER])
    return products


def environment(database_url: str | None, data_dir: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("FREEHOLD_") and key != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="freehold.settings",
        FREEHOLD_DATA_DIR=str(data_dir),
        FREEHOLD_LOG_LEVEL="ERROR",
        PYTHONPATH=str(ROOT),
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def timed_import(env: dict[str, str], path: Path) -> tuple[float, str]:
    started = time.perf_counter()
    result = subprocess.run(
        [str(BIN / "freehold"), "import", "shopify", str(path), "--no-images", "--quiet"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    seconds = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"import failed ({result.returncode}):\n{result.stdout}")
    return seconds, result.stdout.strip().splitlines()[0]


BASELINE_CODE = """
import sys, time
from decimal import Decimal
import django
django.setup()
from freehold.catalog.services import ProductInput, VariantInput, product_create
count = int(sys.argv[1])
sizes = ["S", "M", "L", "XL"]
started = time.perf_counter()
for n in range(count):
    product_create(
        data=ProductInput(
            title=f"Baseline Crew {n:05d}",
            description_html="<p>A fine-knit crew neck in <strong>extra-fine merino</strong>.</p>",
            brand="Bench Knits",
            product_type="Sweaters",
            tags=["merino", "knitwear", f"season-{n % 8}"],
            options=[("Size", sizes)],
            variants=[
                VariantInput(price=Decimal("49.00"), options=[s], sku=f"BL-{n:05d}-{s}",
                             stock_quantity=5, cost=Decimal("18.50"), weight_grams=300)
                for s in sizes
            ],
        ),
        currency="EUR",
    )
print(time.perf_counter() - started)
"""


def baseline_seconds(env: dict[str, str]) -> float:
    """Seconds for BASELINE_SAMPLE products through `product_create`, one by one."""
    result = subprocess.run(
        [sys.executable, "-c", BASELINE_CODE, str(BASELINE_SAMPLE)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return float(result.stdout.strip().splitlines()[-1])


def measure(name: str, database_url: str | None, path: Path, products: int) -> dict[str, Any]:
    data_dir = OUT / f"import-data-{name}"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    if database_url:
        recreate_database(database_url)
    env = environment(database_url, data_dir)
    subprocess.run([str(BIN / "freehold"), "migrate", "-v", "0"], env=env, cwd=ROOT, check=True)
    say(f"{name}: importing {path.name}")
    first, summary = timed_import(env, path)
    say(f"{name}: {summary}")
    say(f"{name}: importing it again (everything unchanged)")
    again, summary_again = timed_import(env, path)
    say(f"{name}: {summary_again}")
    sample = baseline_seconds(env)
    return {
        "database": name,
        "products": products,
        "first_import_s": round(first, 1),
        "reimport_s": round(again, 1),
        "products_per_s": round(products / first),
        "baseline_sample_products": BASELINE_SAMPLE,
        "baseline_sample_s": round(sample, 2),
        "baseline_projected_s": round(sample / BASELINE_SAMPLE * products, 1),
        "summary": summary,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument(
        "--databases", default="sqlite,postgresql", help="sqlite, postgresql or both"
    )
    arguments = parser.parse_args()
    path = OUT / f"shopify-{arguments.rows}.csv"
    products = generate(path, arguments.rows)
    rows = products * ROWS_PER_PRODUCT
    say(f"file: {path.name}, {rows:,} rows, {products:,} products, {path.stat().st_size:,} bytes")
    results = []
    wanted = arguments.databases.split(",")
    if "sqlite" in wanted:
        results.append(measure("sqlite", None, path, products))
    postgres = os.environ.get("DATABASE_URL", "")
    if "postgresql" in wanted and postgres.startswith("postgres"):
        base, _, _ = postgres.rpartition("/")
        results.append(measure("postgresql", f"{base}/freehold_bench_import", path, products))
    print()
    print(f"Importing {rows:,} Shopify rows ({products:,} products, images left pending)")
    print(
        f"{'database':<11} {'import':>9} {'products/s':>11} {'re-import':>10} "
        f"{'budget':>8} {'per-product services (baseline)':>34}"
    )
    for r in results:
        baseline = (
            f"{r['baseline_projected_s']:.0f} s ({r['baseline_sample_s']:.1f} s "
            f"for {r['baseline_sample_products']})"
        )
        print(
            f"{r['database']:<11} {r['first_import_s']:>7.1f} s {r['products_per_s']:>11,} "
            f"{r['reimport_s']:>8.1f} s {BUDGET_SECONDS:>6.0f} s {baseline:>34}"
        )
    print("Saleor (performance.md): 18 s for 170 products through its bulk mutations.")
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "import.json").write_text(json.dumps(results, indent=2))
    over = [r for r in results if r["first_import_s"] > BUDGET_SECONDS]
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
