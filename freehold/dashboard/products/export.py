"""Products as a CSV in Shopify's product-import layout, so a store can leave (or arrive) with a
file every commerce tool reads.

Shopify's layout: one row per variant; the first row of a product carries its own fields
(title, body, vendor, options' names…), later rows only the handle and the variant's fields;
images beyond the number of variants get rows of their own with just the handle and the image.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from freehold.catalog.models import Product, ProductImage, Variant
from freehold.core.money import Money

HEADER = (
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Type",
    "Tags",
    "Published",
    "Option1 Name",
    "Option1 Value",
    "Option2 Name",
    "Option2 Value",
    "Option3 Name",
    "Option3 Value",
    "Variant SKU",
    "Variant Grams",
    "Variant Inventory Tracker",
    "Variant Inventory Qty",
    "Variant Inventory Policy",
    "Variant Fulfillment Service",
    "Variant Price",
    "Variant Compare At Price",
    "Variant Requires Shipping",
    "Variant Taxable",
    "Variant Barcode",
    "Image Src",
    "Image Position",
    "Image Alt Text",
    "Gift Card",
    "SEO Title",
    "SEO Description",
    "Variant Image",
    "Variant Weight Unit",
    "Cost per item",
    "Status",
)


def _bool(value: bool) -> str:
    return "TRUE" if value else "FALSE"


def _amount(value: Any, currency: str) -> Any:
    return "" if value is None else Money(value, currency).quantize().amount


def product_rows(product: Product, *, absolute_url: Callable[[str], str]) -> Iterator[list[Any]]:
    """The CSV rows of one product (variants, images, options and tags prefetched)."""
    variants: list[Variant] = list(product.variants.all())
    images: list[ProductImage] = list(product.images.all())
    options = list(product.options.all())
    names = [option.name for option in options] or ["Title"]
    image_urls = {image.pk: absolute_url(image.file.url) for image in images if image.file}
    for index in range(max(len(variants), len(images), 1)):
        row: dict[str, Any] = dict.fromkeys(HEADER, "")
        row["Handle"] = product.handle
        if index == 0:
            row.update(
                {
                    "Title": product.title,
                    "Body (HTML)": product.description_html,
                    "Vendor": product.brand,
                    "Type": product.product_type,
                    "Tags": ", ".join(tag.name for tag in product.tags.all()),
                    "Published": _bool(product.status == Product.Status.ACTIVE),
                    "Gift Card": "FALSE",
                    "SEO Title": product.seo_title,
                    "SEO Description": product.seo_description,
                    "Status": product.status,
                }
            )
            for number, name in enumerate(names, start=1):
                row[f"Option{number} Name"] = name
        if index < len(variants):
            variant = variants[index]
            values = variant.option_values if options else ["Default Title"]
            for number, value in enumerate(values[:3], start=1):
                row[f"Option{number} Value"] = value
            row.update(
                {
                    "Variant SKU": variant.sku,
                    "Variant Grams": variant.weight_grams,
                    "Variant Inventory Tracker": "shopify" if variant.track_inventory else "",
                    "Variant Inventory Qty": variant.stock_quantity,
                    "Variant Inventory Policy": variant.inventory_policy,
                    "Variant Fulfillment Service": "manual",
                    "Variant Price": _amount(variant.price_amount, variant.currency),
                    "Variant Compare At Price": _amount(
                        variant.compare_at_price_amount, variant.currency
                    ),
                    "Variant Requires Shipping": _bool(variant.requires_shipping),
                    "Variant Taxable": _bool(variant.taxable),
                    "Variant Barcode": variant.barcode,
                    "Variant Image": image_urls.get(variant.image_id or 0, ""),
                    "Variant Weight Unit": "g",
                    "Cost per item": _amount(variant.cost_amount, variant.currency),
                }
            )
        if index < len(images):
            image = images[index]
            row.update(
                {
                    "Image Src": image_urls.get(image.pk, ""),
                    "Image Position": index + 1,
                    "Image Alt Text": image.alt,
                }
            )
        yield [row[column] for column in HEADER]


def rows(products: Iterable[Product], *, absolute_url: Callable[[str], str]) -> Iterator[list[Any]]:
    for product in products:
        yield from product_rows(product, absolute_url=absolute_url)
