"""Small builders for tests, on top of the real services (so summaries and facets are right).

product = make_product(title="Linen Shirt", price="49", options={"Size": ["S", "M"]}, images=2)
collection = make_collection(title="Summer", products=[product])
make_store_settings(name="Acme", legal_name="Acme GmbH")
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image

from freehold.catalog import services
from freehold.catalog.models import Collection, MediaImage, Product, ProductImage
from freehold.storefront.models import FeaturedCollection, Menu, MenuItem, Page, StoreSettings

_counter = itertools.count(1)


def png_bytes(
    width: int = 40, height: int = 30, colour: tuple[int, int, int] = (180, 90, 60)
) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def make_product_image(
    product: Product,
    *,
    width: int = 40,
    height: int = 30,
    alt: str = "",
    position: int = 1,
    renditions: Mapping[str, Mapping[str, str]] | None = None,
) -> ProductImage:
    """A ProductImage with a real PNG file (renditions as given, or none generated)."""
    image = ProductImage(
        product=product, alt=alt, position=position, renditions=dict(renditions or {})
    )
    image.file.save(f"test-{next(_counter)}.png", ContentFile(png_bytes(width, height)), save=False)
    image.width, image.height = width, height
    image.save()
    return image


def make_media_image(*, width: int = 1600, height: int = 900, alt: str = "") -> MediaImage:
    image = MediaImage(alt=alt)
    image.file.save(
        f"media-{next(_counter)}.png", ContentFile(png_bytes(width, height)), save=False
    )
    image.width, image.height = width, height
    image.save()
    return image


def make_product(
    *,
    title: str | None = None,
    price: str | Decimal = "10.00",
    compare_at: str | Decimal | None = None,
    options: Mapping[str, Sequence[str]] | None = None,
    stock: int = 10,
    tags: Sequence[str] = (),
    images: int = 0,
    status: str = Product.Status.ACTIVE,
    variants: Sequence[services.VariantInput] | None = None,
    currency: str = "USD",
    **fields: Any,
) -> Product:
    """A product with one variant per combination of `options` (or the given `variants`)."""
    options = dict(options or {})
    if variants is None:
        combinations = list(itertools.product(*options.values())) if options else [()]
        variants = [
            services.VariantInput(
                price=Decimal(str(price)),
                compare_at_price=Decimal(str(compare_at)) if compare_at is not None else None,
                options=list(combination),
                stock_quantity=stock,
            )
            for combination in combinations
        ]
    product = services.product_create(
        data=services.ProductInput(
            title=title or f"Product {next(_counter)}",
            variants=list(variants),
            options=[(name, list(values)) for name, values in options.items()],
            tags=tags,
            status=status,
            **fields,
        ),
        currency=currency,
    )
    for position in range(1, images + 1):
        make_product_image(product, position=position, alt=f"{product.title} view {position}")
    if images:
        services.product_refresh_summary(product=product)
        product.refresh_from_db()
    return product


def make_collection(
    *,
    title: str | None = None,
    products: Sequence[Product] = (),
    kind: str = Collection.Kind.MANUAL,
    rules: list[dict[str, str]] | None = None,
    **fields: Any,
) -> Collection:
    return services.collection_create(
        title=title or f"Collection {next(_counter)}",
        kind=kind,
        rules=rules,
        products=products,
        **fields,
    )


def make_store_settings(**fields: Any) -> StoreSettings:
    settings, _ = StoreSettings.objects.get_or_create(pk=1)
    for name, value in fields.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def feature_collections(*collections: Collection) -> None:
    settings, _ = StoreSettings.objects.get_or_create(pk=1)
    for position, collection in enumerate(collections):
        FeaturedCollection.objects.create(
            settings=settings, collection=collection, position=position
        )


def make_menu(handle: str, items: Sequence[tuple[str, str]]) -> Menu:
    menu, _ = Menu.objects.get_or_create(handle=handle, defaults={"title": handle.title()})
    for position, (title, url) in enumerate(items):
        MenuItem.objects.create(menu=menu, title=title, url=url, position=position)
    return menu


def make_page(*, handle: str = "about", title: str = "About us", **fields: Any) -> Page:
    return Page.objects.create(handle=handle, title=title, **fields)
