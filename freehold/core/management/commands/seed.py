"""`freehold seed`: fill the configured database with the demo brand."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from freehold.demo.seed import DEMO_ORDERS, catalog_exists, seed, wipe


class Command(BaseCommand):
    help = (
        "Create the Northwind demo brand: settings, products, collections, customers, "
        "orders, staff."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--products", type=int, default=300, help="Number of products.")
        parser.add_argument("--customers", type=int, default=500, help="Number of customers.")
        parser.add_argument(
            "--orders",
            type=int,
            default=DEMO_ORDERS,
            help="Number of orders over the last 18 months.",
        )
        parser.add_argument("--seed", type=int, default=42, help="Same seed, same store.")
        parser.add_argument(
            "--no-images", action="store_true", help="Skip drawing product, logo and hero images."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bars.")
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the catalog, brand settings and non-staff customers first.",
        )
        parser.add_argument(
            "--staff-password", default=None, help="Password for admin@example.com."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        for name in ("products", "customers", "orders"):
            if options[name] < 0:
                raise CommandError(f"--{name} cannot be negative.")
        if options["products"] < 1:
            raise CommandError("--products must be at least 1.")
        if catalog_exists():
            if not options["reset"]:
                raise CommandError(
                    "This database already has products or collections; nothing was changed. Run "
                    "`freehold seed --reset` to delete the catalog, brand settings and "
                    "non-staff customers and seed again."
                )
            wipe()
            self.stdout.write("Deleted the previous catalog and customers.")
        started = time.monotonic()
        result = seed(
            products=options["products"],
            customers=options["customers"],
            orders=options["orders"],
            seed=options["seed"],
            progress=not options["quiet"],
            images=not options["no_images"],
            staff_password=options["staff_password"],
        )
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {result.products:,} products ({result.variants:,} variants, "
                f"{result.product_images:,} images), {result.collections} collections and "
                f"{result.customers:,} customers and {result.orders:,} orders "
                f"({result.order_lines:,} lines) in {elapsed:.1f} s."
            )
        )
        password = result.staff_password or "(unchanged)"
        self.stdout.write(f"Staff login: {result.staff_email} / {password}")
