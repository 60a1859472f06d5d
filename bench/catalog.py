"""The benchmark's catalog: how big it is, and which pages to load.

    python bench/catalog.py status   -> {"products": 10000, "active_products": 9400}
    python bench/catalog.py pages    -> {"home": "/", "collection": ..., "product": ...}

Used by bench/http_bench.py and bench/lighthouse/run. Settings come from the environment
(DATABASE_URL, FREEHOLD_DATA_DIR), as for the server being measured.
"""

from __future__ import annotations

import argparse
import json
import os


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "freehold.settings")
    import django

    django.setup()


def status() -> dict[str, object]:
    from freehold.catalog.models import Product

    return {
        "products": Product.objects.count(),
        "active_products": Product.objects.filter(status=Product.Status.ACTIVE).count(),
    }


def pages() -> dict[str, str]:
    """The three pages to load: the home page, the collection that lists the most products (a
    rule-based one counts by its rules), and a product from the middle of the catalog."""
    from freehold.catalog.models import Collection, Product

    try:
        from freehold.catalog.selectors import collection_products

        def size(collection: Collection) -> int:
            return collection_products(collection).count()
    except ImportError:

        def size(collection: Collection) -> int:
            return collection.products.count()

    collections = list(Collection.objects.filter(is_published=True).order_by("pk"))
    collection = max(collections, key=size, default=None)
    active = Product.objects.filter(status=Product.Status.ACTIVE).order_by("pk")
    count = active.count()
    product = active[count // 2] if count else None
    if collection is None or product is None:
        raise SystemExit("the catalog has no collection or no active product")
    return {
        "home": "/",
        "collection": collection.get_absolute_url(),
        "product": product.get_absolute_url(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("status")
    commands.add_parser("pages")
    arguments = parser.parse_args()

    setup_django()
    if arguments.command == "status":
        print(json.dumps(status()))
    else:
        print(json.dumps(pages()))


if __name__ == "__main__":
    main()
