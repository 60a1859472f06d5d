"""The buying benchmark's database side: its products, its clean-up, its counts, its ceiling.

    python bench/checkout_prep.py reset --flash-units 50 --discount-uses 50
        -> {"variants": [...], "flash_variant": 12, "discount_variant": 13, ...}
    python bench/checkout_prep.py report   -> orders, units, stock and code uses of the races
    python bench/checkout_prep.py cleanup  -> deletes every order and cart of the bench products
    python bench/checkout_prep.py ceiling --processes 2 --carts 300
        -> {"orders": 600, "seconds": 2.9, "orders_per_second": 207.0}

Used by bench/checkout_bench.py, with the environment of the server being measured
(DATABASE_URL, REDIS_URL, FREEHOLD_*). The benchmark buys its own products (handles starting
with `bench-`), never the seeded catalog's, so that its orders are easy to find and delete and
the catalog benchmark's pages do not change stock between runs. Each run starts by deleting
what earlier runs left (orders, their lines, payments, queued e-mails, audit events,
idempotency keys, discount redemptions, carts) and resetting stock and the code's use count.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

HANDLE_PREFIX = "bench-"
THROUGHPUT_PRODUCTS = 8
THROUGHPUT_STOCK = 1_000_000_000
FLASH_HANDLE = "bench-flash-sale"
DISCOUNT_HANDLE = "bench-discount-race"
DISCOUNT_CODE = "BENCHRACE"
ADDRESS = {
    "first_name": "Erika",
    "last_name": "Mustermann",
    "line1": "Heidestraße 17",
    "line2": "",
    "city": "Köln",
    "postal_code": "51147",
    "region": "",
    "country_code": "DE",
    "phone": "+49 221 1234567",
}


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freehold.settings")
    import django

    django.setup()


def say(data: Any) -> None:
    print(json.dumps(data), flush=True)


# --- products -----------------------------------------------------------------------------


def _product(handle: str, title: str, *, stock: int, track_inventory: bool = True) -> int:
    """The variant id of a bench product, created on first use."""
    from freehold.catalog.models import Product, Variant
    from freehold.catalog.services import ProductInput, VariantInput, product_create
    from freehold.storefront.models import StoreSettings

    product = Product.objects.filter(handle=handle).first()
    if product is None:
        store = StoreSettings.objects.first()
        currency = store.currency if store is not None else "EUR"
        product = product_create(
            data=ProductInput(
                title=title,
                handle=handle,
                product_type="Benchmark",
                variants=[
                    VariantInput(
                        price=Decimal("24.00"),
                        sku=handle.upper(),
                        weight_grams=400,
                        stock_quantity=stock,
                        track_inventory=track_inventory,
                    )
                ],
            ),
            currency=currency,
        )
    variant = Variant.objects.filter(product=product).order_by("pk").first()
    if variant is None:
        raise SystemExit(f"bench product {handle} has no variant")
    return int(variant.pk)


def _bench_variant_ids() -> list[int]:
    from freehold.catalog.models import Variant

    return list(
        Variant.objects.filter(product__handle__startswith=HANDLE_PREFIX).values_list(
            "pk", flat=True
        )
    )


def _ensure_shipping_to_germany() -> bool:
    """Catalogs seeded before shipping zones existed ship nowhere: add a zone for Germany."""
    from freehold.markets.models import ShippingRate, ShippingZone
    from freehold.markets.selectors import zone_for_country
    from freehold.storefront.models import StoreSettings

    if zone_for_country("DE") is not None:
        return False
    store = StoreSettings.objects.first()
    zone = ShippingZone.objects.create(name="Germany (bench)", countries=["DE"])
    ShippingRate.objects.create(
        zone=zone,
        code="standard",
        name="Standard",
        carrier="DHL",
        price_amount=Decimal("4.90"),
        currency=store.currency if store is not None else "EUR",
        min_delivery_days=1,
        max_delivery_days=3,
    )
    return True


def _ensure_discount(uses: int) -> None:
    from freehold.marketing.models import DiscountCode
    from freehold.marketing.services import discount_create

    if not DiscountCode.objects.filter(code=DISCOUNT_CODE).exists():
        discount_create(code=DISCOUNT_CODE, kind=DiscountCode.Kind.PERCENTAGE, value=Decimal("10"))
    DiscountCode.objects.filter(code=DISCOUNT_CODE).update(
        usage_limit_total=uses,
        usage_limit_per_customer=None,
        times_used=0,
        is_active=True,
        starts_at=None,
        ends_at=None,
        minimum_subtotal_amount=None,
    )


# --- clean-up -----------------------------------------------------------------------------


def cleanup() -> dict[str, int]:
    """Delete every order and cart that holds a bench product, and what hangs off them."""
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from freehold.checkout.models import Cart
    from freehold.checkout.placement import SCOPE
    from freehold.core.idempotency import fingerprint_of
    from freehold.core.models import AuditEvent, IdempotencyKey
    from freehold.marketing.models import DiscountRedemption
    from freehold.orders.models import Order, OrderLine

    variants = _bench_variant_ids()
    with transaction.atomic():
        orders = Order.objects.filter(
            pk__in=OrderLine.objects.filter(variant_id__in=variants).values("order_id")
        )
        placed = list(orders.values_list("pk", "number", "idempotency_key", "cart_token"))
        order_ids = [pk for pk, _, _, _ in placed]
        carts = Cart.objects.filter(lines__variant_id__in=variants).distinct()
        cart_rows = list(carts.values_list("pk", "token", "email"))
        cart_rows += list(
            Cart.objects.filter(token__in=[token for *_, token in placed])
            .exclude(pk__in=[pk for pk, _, _ in cart_rows])
            .values_list("pk", "token", "email")
        )
        fingerprints = [
            fingerprint_of({"cart": token, "email": email.strip().lower()})
            for _, token, email in cart_rows
        ]
        deleted = {
            "idempotency_keys": IdempotencyKey.objects.filter(scope=SCOPE)
            .filter(fingerprint__in=fingerprints)
            .delete()[0],
            "queued_emails": DBTaskResult.objects.filter(
                task_path__endswith="send_order_email", args_kwargs__args__1__in=order_ids
            ).delete()[0],
            "audit_events": AuditEvent.objects.filter(
                object_type=Order._meta.label_lower, object_id__in=[str(pk) for pk in order_ids]
            ).delete()[0],
            "redemptions": DiscountRedemption.objects.filter(
                order_number__in=[number for _, number, _, _ in placed]
            ).delete()[0],
            "orders": len(order_ids),
            "carts": len(cart_rows),
        }
        Order.objects.filter(pk__in=order_ids).delete()
        Cart.objects.filter(pk__in=[pk for pk, _, _ in cart_rows]).delete()
    return deleted


def reset(*, flash_units: int, discount_uses: int) -> dict[str, Any]:
    from freehold.catalog.models import Variant
    from freehold.catalog.services import product_refresh_stock

    throughput = [
        _product(f"bench-checkout-{n}", f"Benchmark Tee {n}", stock=THROUGHPUT_STOCK)
        for n in range(1, THROUGHPUT_PRODUCTS + 1)
    ]
    flash = _product(FLASH_HANDLE, "Benchmark Flash Sale Sneaker", stock=flash_units)
    discount = _product(
        DISCOUNT_HANDLE, "Benchmark Discount Race Mug", stock=0, track_inventory=False
    )
    shipping_added = _ensure_shipping_to_germany()
    deleted = cleanup()
    Variant.objects.filter(pk__in=throughput).update(
        stock_quantity=THROUGHPUT_STOCK,
        track_inventory=True,
        inventory_policy=Variant.InventoryPolicy.DENY,
    )
    Variant.objects.filter(pk=flash).update(
        stock_quantity=flash_units,
        track_inventory=True,
        inventory_policy=Variant.InventoryPolicy.DENY,
    )
    for variant in Variant.objects.filter(pk__in=[*throughput, flash, discount]):
        product_refresh_stock(product_id=variant.product_id)
    _ensure_discount(discount_uses)
    return {
        "variants": throughput,
        "flash_variant": flash,
        "flash_units": flash_units,
        "discount_variant": discount,
        "discount_code": DISCOUNT_CODE,
        "discount_uses": discount_uses,
        "shipping_zone_added": shipping_added,
        "deleted": deleted,
    }


# --- counts -------------------------------------------------------------------------------


def report() -> dict[str, Any]:
    from django.db.models import Count, Sum

    from freehold.catalog.models import Product, Variant
    from freehold.marketing.models import DiscountCode, DiscountRedemption
    from freehold.orders.models import Order, OrderLine

    def sold(handle: str) -> dict[str, Any]:
        variant = Variant.objects.get(product__handle=handle)
        lines = OrderLine.objects.filter(variant=variant)
        totals = lines.aggregate(units=Sum("quantity"), orders=Count("order", distinct=True))
        orders = Order.objects.filter(pk__in=lines.values("order_id"))
        return {
            "variant": variant.pk,
            "orders": totals["orders"] or 0,
            "units": totals["units"] or 0,
            "stock": variant.stock_quantity,
            "orders_with_discount": orders.filter(discount_amount__gt=0).count(),
            "product_in_stock": Product.objects.get(handle=handle).is_in_stock,
        }

    code = DiscountCode.objects.get(code=DISCOUNT_CODE)
    return {
        "flash": sold(FLASH_HANDLE),
        "discount": {
            **sold(DISCOUNT_HANDLE),
            "times_used": code.times_used,
            "usage_limit": code.usage_limit_total,
            "redemptions": DiscountRedemption.objects.filter(discount=code).count(),
        },
    }


# --- the order code's own ceiling ---------------------------------------------------------


def _prepared_carts(count: int, worker: int) -> list[tuple[str, str]]:
    """Carts as the checkout page leaves them: a line, an e-mail, an address, a shipping rate."""
    from freehold.catalog.models import Variant
    from freehold.checkout import selectors, services
    from freehold.storefront.models import StoreSettings

    variants = list(
        Variant.objects.filter(product__handle__startswith="bench-checkout-")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not variants:
        raise SystemExit("no bench products: run `checkout_prep.py reset` first")
    store = StoreSettings.objects.first()
    currency = store.currency if store is not None else "EUR"
    carts = []
    for n in range(count):
        email = f"ceiling-{worker}-{n}@example.com"
        cart = services.cart_create(currency=currency)
        services.cart_add(cart=cart, variant_id=variants[(worker * count + n) % len(variants)])
        services.cart_set_details(cart=cart, email=email, shipping_address=ADDRESS)
        quote = selectors.checkout_quote(cart, country_code="DE", email=email, strict=False)
        if not quote.shipping_options:
            raise SystemExit("no shipping option for Germany")
        services.cart_set_shipping_method(cart=cart, code=quote.shipping_options[0].code)
        carts.append((cart.token, email))
    return carts


def ceiling_worker(*, carts: int, worker: int) -> None:
    """Prepare carts, say "ready", wait for "go" on stdin, then place them all, timed."""
    import secrets

    from freehold.checkout.placement import checkout_complete

    prepared = _prepared_carts(carts, worker)
    print("ready", flush=True)
    sys.stdin.readline()
    started = time.perf_counter()
    for token, email in prepared:
        checkout_complete(
            cart_token=token,
            email=email,
            idempotency_key=secrets.token_urlsafe(18),
            shipping_address=ADDRESS,
        )
    say({"orders": len(prepared), "seconds": time.perf_counter() - started})


def ceiling(*, processes: int, carts: int) -> dict[str, Any]:
    """`checkout_complete` in `processes` processes at once (like the server's workers)."""
    workers = [
        subprocess.Popen(
            [
                sys.executable,
                __file__,
                "ceiling-worker",
                "--carts",
                str(carts),
                "--worker",
                str(n),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in range(processes)
    ]
    try:
        for process in workers:
            assert process.stdout is not None
            line = process.stdout.readline().strip()
            if line != "ready":
                raise SystemExit(f"ceiling worker failed while preparing carts ({line!r})")
        for process in workers:
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in workers:
            output, _ = process.communicate(timeout=600)
            if process.returncode:
                raise SystemExit(f"ceiling worker exited with {process.returncode}")
            results.append(json.loads(output.strip().splitlines()[-1]))
    finally:
        for process in workers:
            if process.poll() is None:
                process.kill()
    orders = sum(result["orders"] for result in results)
    seconds = max(result["seconds"] for result in results)
    return {
        "processes": processes,
        "orders": orders,
        "seconds": round(seconds, 3),
        "orders_per_second": round(orders / seconds, 1),
        "ms_per_order_per_process": round(1000 * seconds * processes / orders, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    reset_parser = commands.add_parser("reset")
    reset_parser.add_argument("--flash-units", type=int, default=50)
    reset_parser.add_argument("--discount-uses", type=int, default=50)
    commands.add_parser("report")
    commands.add_parser("cleanup")
    ceiling_parser = commands.add_parser("ceiling")
    ceiling_parser.add_argument("--processes", type=int, default=2)
    ceiling_parser.add_argument("--carts", type=int, default=300, help="orders per process")
    worker_parser = commands.add_parser("ceiling-worker")
    worker_parser.add_argument("--carts", type=int, required=True)
    worker_parser.add_argument("--worker", type=int, required=True)
    arguments = parser.parse_args()

    setup_django()
    if arguments.command == "reset":
        say(reset(flash_units=arguments.flash_units, discount_uses=arguments.discount_uses))
    elif arguments.command == "report":
        say(report())
    elif arguments.command == "cleanup":
        say(cleanup())
    elif arguments.command == "ceiling":
        say(ceiling(processes=arguments.processes, carts=arguments.carts))
    else:
        ceiling_worker(carts=arguments.carts, worker=arguments.worker)


if __name__ == "__main__":
    main()
