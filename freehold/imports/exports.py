"""Products, customers and orders as CSV files in Shopify's layouts, so a store can leave.

A merchant who can take everything away in the format every commerce tool reads is never
locked in: Shopify, and the migration tools of the other platforms, import these files as they
are (and so does Freehold's own importer: the round trip is tested).

Every export is a generator of rows read in chunks (`.iterator(chunk_size=CHUNK_SIZE)`, the
related rows read once per chunk): however large the store, the file streams in bounded memory
with a constant number of queries per chunk. The dashboard streams the rows through
`csv_response`; `freehold export` writes them with `write_csv`. Both neutralise cells a
spreadsheet would run as a formula with the same `csv_cell` (a leading apostrophe: "'+4930…",
which Freehold's importer reads back for phones and barcodes).

Shopify's layouts, as its own exports write them:
- products: one row per variant; the first row carries the product's fields and the options'
  names, later rows only the handle and the variant's; images beyond the variants get rows of
  their own with just the handle and the image.
- customers: one row per customer with the default address.
- orders: one row per line item; the order's own fields on its first line only.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from freehold.catalog.models import Product, ProductImage, ProductOption, Variant
from freehold.core.money import Money
from freehold.customers.models import Address, Customer
from freehold.dashboard.pages import csv_cell
from freehold.imports.models import ImageSource
from freehold.orders.models import Fulfilment, Order, OrderLine, OrderNote, OrderTaxLine, Payment
from freehold.orders.states import FulfilmentStatus, PaymentStatus

PRODUCTS = "products"
CUSTOMERS = "customers"
ORDERS = "orders"
KINDS = (PRODUCTS, CUSTOMERS, ORDERS)

# Rows read (and related rows prefetched) per query: large enough that the per-chunk queries
# are few, small enough that a chunk of products with their variants stays small in memory.
CHUNK_SIZE = 200

OnItem = Callable[[], None]
AbsoluteUrl = Callable[[str], str]

# --- Products -------------------------------------------------------------------------------

# Product.feed_attributes keys and the Google Shopping columns Shopify writes them in.
FEED_COLUMNS = (
    ("google_product_category", "Google Shopping / Google Product Category"),
    ("gender", "Google Shopping / Gender"),
    ("age_group", "Google Shopping / Age Group"),
    ("mpn", "Google Shopping / MPN"),
    ("adwords_grouping", "Google Shopping / AdWords Grouping"),
    ("adwords_labels", "Google Shopping / AdWords Labels"),
    ("condition", "Google Shopping / Condition"),
    ("custom_product", "Google Shopping / Custom Product"),
    ("custom_label_0", "Google Shopping / Custom Label 0"),
    ("custom_label_1", "Google Shopping / Custom Label 1"),
    ("custom_label_2", "Google Shopping / Custom Label 2"),
    ("custom_label_3", "Google Shopping / Custom Label 3"),
    ("custom_label_4", "Google Shopping / Custom Label 4"),
)

PRODUCT_HEADER: tuple[str, ...] = (
    "Handle",
    "Title",
    "Body (HTML)",
    "Vendor",
    "Product Category",
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
    *(column for _, column in FEED_COLUMNS),
    "Variant Image",
    "Variant Weight Unit",
    "Variant Tax Code",
    "Cost per item",
    "Status",
)


def _true_false(value: bool) -> str:
    """Shopify's own exports write booleans in lower case."""
    return "true" if value else "false"


def _amount(value: Decimal | None, currency: str) -> Decimal | str:
    """A plain decimal with the currency's places ("49.00", "1200"), "" for no amount."""
    if value is None:
        return ""
    try:
        return Money(value, currency).quantize().amount
    except ValueError:  # a currency code Babel does not know: two places, as most have
        return value.quantize(Decimal("0.01"))


def products_for_export(products: QuerySet[Product]) -> Iterator[Product]:
    """`products` (filtered and ordered as the caller likes) with what a row needs prefetched,
    read CHUNK_SIZE at a time: one query for the products (a cursor read chunk by chunk) and
    five per chunk for their relations, whatever the products hold."""
    return products.prefetch_related(
        Prefetch("variants", queryset=Variant.objects.order_by("position", "id")),
        Prefetch("images", queryset=ProductImage.objects.order_by("position", "id")),
        Prefetch("options", queryset=ProductOption.objects.order_by("position")),
        "tags",
        Prefetch(
            "image_sources",
            queryset=ImageSource.objects.only(
                "product_id", "url", "position", "alt", "variant_ids", "image_id", "status"
            ).order_by("position", "id"),
            to_attr="export_image_sources",
        ),
    ).iterator(chunk_size=CHUNK_SIZE)


@dataclass
class _Image:
    """An image as the file lists it: a local one (by its absolute URL) or a pending source.
    `order`: (position, local before pending, id), so the file keeps the product's order."""

    url: str
    alt: str
    order: tuple[int, int, int]


def _images(product: Product, absolute_url: AbsoluteUrl) -> tuple[list[_Image], dict[int, str]]:
    """The product's images in order, and the URL of each local image by its pk.

    An imported image not fetched yet is listed by its source URL at its position, so an
    export taken before the images arrived loses none of them.
    """
    pending = _pending_sources(product)
    # While some imported images wait, those already fetched keep their place in the file
    # they came from (the positions of the sources); otherwise the product's own order rules,
    # as staff arranged it.
    source_positions = (
        {
            source.image_id: source.position
            for source in getattr(product, "export_image_sources", [])
            if source.image_id is not None
        }
        if pending
        else {}
    )
    local: dict[int, str] = {}
    images: list[_Image] = []
    for image in product.images.all():
        if not image.file:
            continue
        local[image.pk] = absolute_url(image.file.url)
        position = source_positions.get(image.pk, image.position)
        images.append(_Image(url=local[image.pk], alt=image.alt, order=(position, 0, image.pk)))
    for source in pending:
        images.append(
            _Image(
                url=source.url,
                alt=source.alt,
                order=(source.position, 1, source.pk),
            )
        )
    images.sort(key=lambda image: image.order)
    return images, local


def _pending_sources(product: Product) -> list[ImageSource]:
    """Imported images not fetched yet (prefetched by `products_for_export`)."""
    return [
        source
        for source in getattr(product, "export_image_sources", [])
        if source.status == ImageSource.Status.PENDING and source.image_id is None
    ]


def _pending_variant_image(product: Product, variant: Variant) -> str:
    """The source URL of a pending image shown by `variant` (known by its pk or SKU)."""
    keys = {str(variant.pk)} | ({variant.sku} if variant.sku else set())
    for source in _pending_sources(product):
        if keys & {str(value) for value in source.variant_ids or []}:
            return str(source.url)
    return ""


def product_rows_of(product: Product, *, absolute_url: AbsoluteUrl) -> list[list[Any]]:
    """The rows of one product (its relations prefetched by `products_for_export`)."""
    variants: list[Variant] = list(product.variants.all())
    options = list(product.options.all())[:3]
    images, local = _images(product, absolute_url)
    rows: list[list[Any]] = []
    for index in range(max(len(variants), len(images), 1)):
        row: dict[str, Any] = dict.fromkeys(PRODUCT_HEADER, "")
        row["Handle"] = product.handle
        if index == 0:
            row.update(
                {
                    "Title": product.title,
                    "Body (HTML)": product.description_html,
                    "Vendor": product.brand,
                    "Type": product.product_type,
                    "Tags": ", ".join(tag.name for tag in product.tags.all()),
                    "Published": _true_false(product.status == Product.Status.ACTIVE),
                    "Gift Card": "false",
                    "SEO Title": product.seo_title,
                    "SEO Description": product.seo_description,
                    "Status": product.status,
                }
            )
            attributes = product.feed_attributes or {}
            for key, column in FEED_COLUMNS:
                row[column] = str(attributes.get(key, "") or "")
            for number, option in enumerate(options, start=1):
                row[f"Option{number} Name"] = option.name
            if not options:
                row["Option1 Name"] = "Title"
        if index < len(variants):
            variant = variants[index]
            values = (
                [variant.option1, variant.option2, variant.option3][: len(options)]
                if options
                else ["Default Title"]
            )
            for number, value in enumerate(values, start=1):
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
                    "Variant Requires Shipping": _true_false(variant.requires_shipping),
                    "Variant Taxable": _true_false(variant.taxable),
                    "Variant Barcode": variant.barcode,
                    "Variant Image": (
                        local.get(variant.image_id, "")
                        if variant.image_id
                        else _pending_variant_image(product, variant)
                    ),
                    "Variant Weight Unit": "g",
                    "Cost per item": _amount(variant.cost_amount, variant.currency),
                }
            )
        if index < len(images):
            image = images[index]
            row.update(
                {
                    "Image Src": image.url,
                    "Image Position": index + 1,
                    "Image Alt Text": image.alt,
                }
            )
        rows.append([row[column] for column in PRODUCT_HEADER])
    return rows


def product_rows(
    products: QuerySet[Product],
    *,
    absolute_url: AbsoluteUrl,
    on_item: OnItem | None = None,
) -> Iterator[list[Any]]:
    """The rows of every product of `products`, streamed in chunks."""
    for product in products_for_export(products):
        yield from product_rows_of(product, absolute_url=absolute_url)
        if on_item is not None:
            on_item()


# --- Customers ------------------------------------------------------------------------------

CUSTOMER_HEADER: tuple[str, ...] = (
    "First Name",
    "Last Name",
    "Email",
    "Accepts Email Marketing",
    "Default Address Company",
    "Default Address Address1",
    "Default Address Address2",
    "Default Address City",
    "Default Address Province Code",
    "Default Address Country Code",
    "Default Address Zip",
    "Default Address Phone",
    "Phone",
    "Accepts SMS Marketing",
    "Total Spent",
    "Total Orders",
    "Note",
    "Tax Exempt",
    "Tags",
)


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def customer_rows(
    customers: QuerySet[Customer], *, currency: str, on_item: OnItem | None = None
) -> Iterator[list[Any]]:
    """One row per customer of `customers`, which must carry `order_count` and `total_spent`
    (`customers.selectors.customers_for_staff` annotates them, and leaves staff out).

    The default address is the one marked default, else the latest one: Shopify's layout has
    room for one address, and a customer who never chose one still has where they ship to.
    """
    rows = customers.prefetch_related(
        Prefetch(
            "addresses",
            queryset=Address.objects.order_by("-is_default", "-id"),
            to_attr="export_addresses",
        )
    ).iterator(chunk_size=CHUNK_SIZE)
    for customer in rows:
        addresses: list[Address] = getattr(customer, "export_addresses", [])
        address = addresses[0] if addresses else None
        spent: Decimal | None = getattr(customer, "total_spent", None)
        yield [
            customer.first_name,
            customer.last_name,
            customer.email,
            _yes_no(customer.accepts_marketing),
            address.company if address else "",
            address.line1 if address else "",
            address.line2 if address else "",
            address.city if address else "",
            address.region if address else "",
            address.country_code if address else "",
            address.postal_code if address else "",
            address.phone if address else "",
            customer.phone,
            _yes_no(False),  # Freehold sends no marketing SMS: nobody has agreed to any.
            _amount(spent or Decimal(0), currency),
            getattr(customer, "order_count", 0),
            customer.note,
            _yes_no(False),  # no tax exemptions are recorded for customers
            ", ".join(customer.tags or []),
        ]
        if on_item is not None:
            on_item()


# --- Orders ---------------------------------------------------------------------------------

TAX_COLUMNS = 5

ORDER_HEADER: tuple[str, ...] = (
    "Name",
    "Email",
    "Financial Status",
    "Paid at",
    "Fulfillment Status",
    "Fulfilled at",
    "Accepts Marketing",
    "Currency",
    "Subtotal",
    "Shipping",
    "Taxes",
    "Total",
    "Discount Code",
    "Discount Amount",
    "Shipping Method",
    "Created at",
    "Lineitem quantity",
    "Lineitem name",
    "Lineitem price",
    "Lineitem compare at price",
    "Lineitem sku",
    "Lineitem requires shipping",
    "Lineitem taxable",
    "Lineitem fulfillment status",
    "Billing Name",
    "Billing Street",
    "Billing Address1",
    "Billing Address2",
    "Billing Company",
    "Billing City",
    "Billing Zip",
    "Billing Province",
    "Billing Country",
    "Billing Phone",
    "Shipping Name",
    "Shipping Street",
    "Shipping Address1",
    "Shipping Address2",
    "Shipping Company",
    "Shipping City",
    "Shipping Zip",
    "Shipping Province",
    "Shipping Country",
    "Shipping Phone",
    "Notes",
    "Note Attributes",
    "Cancelled at",
    "Payment Method",
    "Payment Reference",
    "Refunded Amount",
    "Vendor",
    "Outstanding Balance",
    "Employee",
    "Location",
    "Device ID",
    "Id",
    "Tags",
    "Risk Level",
    "Source",
    "Lineitem discount",
    *itertools.chain.from_iterable(
        (f"Tax {number} Name", f"Tax {number} Value") for number in range(1, TAX_COLUMNS + 1)
    ),
    "Phone",
    "Receipt Number",
    "Duties",
    "Billing Province Name",
    "Shipping Province Name",
    "Payment ID",
    "Payment Terms Name",
    "Next Payment Due At",
    "Payment References",
)

# Freehold's payment statuses in Shopify's "financial status" vocabulary. A failed payment
# may be tried again (the order still waits for its money): Shopify calls that pending.
FINANCIAL_STATUS: dict[str, str] = {
    PaymentStatus.AWAITING_PAYMENT: "pending",
    PaymentStatus.AUTHORIZED: "authorized",
    PaymentStatus.PAID: "paid",
    PaymentStatus.PARTIALLY_REFUNDED: "partially_refunded",
    PaymentStatus.REFUNDED: "refunded",
    PaymentStatus.VOIDED: "voided",
    PaymentStatus.FAILED: "pending",
}

# A returned order was fulfilled: Shopify records returns apart from the fulfilment status.
FULFILLMENT_STATUS: dict[str, str] = {
    FulfilmentStatus.UNFULFILLED: "unfulfilled",
    FulfilmentStatus.PARTIALLY_FULFILLED: "partial",
    FulfilmentStatus.FULFILLED: "fulfilled",
    FulfilmentStatus.RETURNED: "fulfilled",
}


def shopify_time(value: dt.datetime | None) -> str:
    """A moment as Shopify's exports write it, in the store's time zone:
    "2026-03-01 13:00:00 +0100"."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%Y-%m-%d %H:%M:%S %z").strip()


@dataclass
class _OrderParts:
    """What one order's rows need besides the order: read for a whole chunk of orders at once."""

    lines: list[OrderLine] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    fulfilments: list[Fulfilment] = field(default_factory=list)
    tax_lines: list[OrderTaxLine] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    discount_codes: list[str] = field(default_factory=list)


def _parts_of(orders: Sequence[Order]) -> dict[int, _OrderParts]:
    """The lines, payments, parcels, taxes, notes and discount codes of a chunk of orders: six
    queries, grouped by hand (Django's prefetch costs a queryset clone per order and relation,
    which was most of the time of a large export), only the columns the rows read."""
    from freehold.marketing.models import DiscountRedemption

    ids = [order.pk for order in orders]
    parts = {pk: _OrderParts() for pk in ids}
    lines = (
        OrderLine.objects.filter(order_id__in=ids)
        .annotate(vendor=F("variant__product__brand"))
        .order_by("id")
    )
    for line in lines:
        parts[line.order_id].lines.append(line)
    payments = (
        Payment.objects.filter(order_id__in=ids)
        .only("order_id", "kind", "status", "amount", "provider_reference")
        .order_by("created_at", "id")
    )
    for payment in payments:
        parts[payment.order_id].payments.append(payment)
    parcels = (
        Fulfilment.objects.filter(order_id__in=ids)
        .only("order_id", "status", "shipped_at")
        .order_by("created_at", "id")
    )
    for parcel in parcels:
        parts[parcel.order_id].fulfilments.append(parcel)
    taxes = (
        OrderTaxLine.objects.filter(order_id__in=ids, kind=OrderTaxLine.Kind.TAX)
        .only("order_id", "label", "amount")
        .order_by("id")
    )
    for tax in taxes:
        parts[tax.order_id].tax_lines.append(tax)
    notes = (
        OrderNote.objects.filter(order_id__in=ids)
        .order_by("created_at", "id")
        .values_list("order_id", "body")
    )
    for order_id, body in notes:
        parts[order_id].notes.append(body)
    by_number = {order.number: order.pk for order in orders}
    redemptions = (
        DiscountRedemption.objects.filter(order_number__in=list(by_number))
        .order_by("id")
        .values_list("order_number", "discount__code")
    )
    for number, code in redemptions:
        parts[by_number[number]].discount_codes.append(code)
    return parts


def _shipping_method(order: Order) -> str:
    """The shipping rate's name, as the pricing pipeline recorded it ("shipping Standard: 4.90")."""
    for reason in order.pricing_reasons or []:
        text = str(reason)
        if text.startswith("shipping ") and ": " in text:
            return text[len("shipping ") :].rsplit(": ", 1)[0]
    return ""


ADDRESS_COLUMNS = (
    "Name", "Street", "Address1", "Address2", "Company", "City", "Zip", "Province", "Country",
    "Phone",
)  # fmt: skip


def _address_columns(address: dict[str, Any]) -> list[str]:
    """The values of ADDRESS_COLUMNS, from an order's address."""

    def value(key: str) -> str:
        return str(address.get(key, "") or "").strip()

    name = value("name") or " ".join(
        part for part in (value("first_name"), value("last_name")) if part
    )
    street = ", ".join(part for part in (value("line1"), value("line2")) if part)
    return [
        name,
        street,
        value("line1"),
        value("line2"),
        value("company"),
        value("city"),
        value("postal_code"),
        value("region"),
        value("country_code"),
        value("phone"),
    ]


def _province_name(address: dict[str, Any]) -> str:
    from freehold.customers.addresses import address_format

    region = str(address.get("region", "") or "")
    country = str(address.get("country_code", "") or "")
    if not region or not country:
        return region
    try:
        return address_format(country, "en").region_name(region)
    except Exception:  # an address from an old import with a country nobody describes
        return region


def _line_fulfillment(line: OrderLine) -> str:
    if line.quantity_fulfilled >= line.quantity:
        return "fulfilled"
    return "partial" if line.quantity_fulfilled else "pending"


def _line_name(line: OrderLine) -> str:
    """Shopify names a line "Product - Variant"."""
    if line.variant_title:
        return f"{line.product_title} - {line.variant_title}"
    return line.product_title


def _order_rows(order: Order, parts: _OrderParts) -> list[list[Any]]:
    currency = order.currency
    lines = parts.lines
    succeeded = [p for p in parts.payments if p.status == Payment.Status.SUCCEEDED]
    captured = sum((p.amount for p in succeeded if p.kind == Payment.Kind.CAPTURE), Decimal(0))
    refunded = sum((p.amount for p in succeeded if p.kind == Payment.Kind.REFUND), Decimal(0))
    references = [p.provider_reference for p in succeeded if p.provider_reference]
    shipped = [
        parcel.shipped_at
        for parcel in parts.fulfilments
        if parcel.shipped_at is not None and parcel.status != Fulfilment.Status.CANCELLED
    ]
    fulfilled_at = (
        max(shipped)
        if shipped
        and order.fulfilment_status in (FulfilmentStatus.FULFILLED, FulfilmentStatus.RETURNED)
        else None
    )
    # The order's discount is the items' (allocated to the lines) plus any on shipping: the
    # subtotal Shopify shows is after the items' discount, its shipping after shipping's.
    item_discount = sum((line.discount_amount for line in lines), Decimal(0))
    shipping_discount = max(order.discount_amount - item_discount, Decimal(0))
    taxes: dict[str, Decimal] = {}
    for tax in parts.tax_lines:
        taxes[tax.label] = taxes.get(tax.label, Decimal(0)) + tax.amount
    tax_columns: list[Any] = []
    for label, amount in list(taxes.items())[:TAX_COLUMNS]:
        tax_columns += [label, _amount(amount, currency)]
    tax_columns += [""] * (2 * TAX_COLUMNS - len(tax_columns))
    billing = order.billing_address or order.shipping_address or {}
    shipping = order.shipping_address or {}
    head: dict[str, Any] = {
        "Email": order.email,
        "Financial Status": FINANCIAL_STATUS.get(order.payment_status, order.payment_status),
        "Paid at": shopify_time(order.paid_at),
        "Fulfillment Status": FULFILLMENT_STATUS.get(
            order.fulfilment_status, order.fulfilment_status
        ),
        "Fulfilled at": shopify_time(fulfilled_at),
        "Accepts Marketing": _yes_no(bool(getattr(order, "customer_accepts_marketing", False))),
        "Currency": currency,
        "Subtotal": _amount(order.subtotal_amount - item_discount, currency),
        "Shipping": _amount(order.shipping_amount - shipping_discount, currency),
        "Taxes": _amount(order.tax_amount, currency),
        "Total": _amount(order.total_amount, currency),
        "Discount Code": ", ".join(parts.discount_codes),
        "Discount Amount": _amount(order.discount_amount, currency),
        "Shipping Method": _shipping_method(order),
        "Created at": shopify_time(order.placed_at or order.created_at),
        "Notes": "\n".join(parts.notes),
        "Cancelled at": shopify_time(order.cancelled_at),
        "Payment Method": order.payment_gateway,
        "Payment Reference": references[0] if references else "",
        "Refunded Amount": _amount(refunded, currency),
        "Outstanding Balance": _amount(
            Decimal(0)
            if order.payment_status != PaymentStatus.AWAITING_PAYMENT
            else max(order.total_amount - captured, Decimal(0)),
            currency,
        ),
        "Id": order.pk,
        "Source": "web",
        "Phone": str(shipping.get("phone", "") or billing.get("phone", "") or ""),
        "Duties": _amount(order.duty_amount, currency) if order.duty_amount else "",
        "Billing Province Name": _province_name(billing),
        "Shipping Province Name": _province_name(shipping),
        "Payment References": ", ".join(references),
    }
    for prefix, address in (("Billing", billing), ("Shipping", shipping)):
        for name, value in zip(ADDRESS_COLUMNS, _address_columns(address), strict=True):
            head[f"{prefix} {name}"] = value
    for index, tax_value in enumerate(tax_columns):
        number, kind = divmod(index, 2)
        head[f"Tax {number + 1} {'Value' if kind else 'Name'}"] = tax_value

    rows: list[list[Any]] = []
    for index, line in enumerate(lines or [None]):
        row: dict[str, Any] = dict.fromkeys(ORDER_HEADER, "")
        row["Name"] = f"#{order.number}"
        if index == 0:
            row.update(head)
        if line is not None:
            row.update(
                {
                    "Lineitem quantity": line.quantity,
                    "Lineitem name": _line_name(line),
                    "Lineitem price": _amount(line.unit_price_amount, currency),
                    "Lineitem sku": line.sku,
                    "Lineitem requires shipping": _true_false(line.requires_shipping),
                    "Lineitem taxable": _true_false(bool(line.tax_rate or line.tax_amount)),
                    "Lineitem fulfillment status": _line_fulfillment(line),
                    "Vendor": getattr(line, "vendor", None) or "",
                    "Lineitem discount": _amount(line.discount_amount, currency),
                }
            )
        rows.append([row[column] for column in ORDER_HEADER])
    return rows


def order_rows(orders: QuerySet[Order], *, on_item: OnItem | None = None) -> Iterator[list[Any]]:
    """The rows of every order of `orders`, one per line, streamed in chunks."""
    iterator = orders.annotate(
        customer_accepts_marketing=F("customer__accepts_marketing")
    ).iterator(chunk_size=CHUNK_SIZE)
    while chunk := list(itertools.islice(iterator, CHUNK_SIZE)):
        parts = _parts_of(chunk)
        for order in chunk:
            yield from _order_rows(order, parts[order.pk])
            if on_item is not None:
                on_item()


# --- Writing a file -------------------------------------------------------------------------


def write_csv(stream: IO[str], header: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write a CSV to a text stream, each cell neutralised as the dashboard's downloads are
    (a cell starting like a formula gets a leading quote); the number of rows written."""
    writer = csv.writer(stream)
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return count


def export_querysets(kind: str) -> tuple[QuerySet[Any], dict[str, Any]]:
    """Everything of a kind, as `freehold export` writes it, and the keywords its rows need."""
    if kind == PRODUCTS:
        return Product.objects.order_by("id"), {}
    if kind == CUSTOMERS:
        from freehold.customers.selectors import customers_for_staff
        from freehold.storefront.selectors import store_settings

        currency = store_settings().currency
        return customers_for_staff(currency=currency).order_by("id"), {"currency": currency}
    if kind == ORDERS:
        from freehold.orders.selectors import OrderFilters, order_list

        return order_list(OrderFilters()), {}
    raise ValueError(f"Unknown export {kind!r}: choose one of {', '.join(KINDS)}.")


def export_to(
    kind: str,
    stream: IO[str],
    *,
    absolute_url: AbsoluteUrl,
    on_item: OnItem | None = None,
) -> int:
    """Write every product, customer or order to `stream`; the number of rows written."""
    queryset, keywords = export_querysets(kind)
    if kind == PRODUCTS:
        return write_csv(
            stream,
            PRODUCT_HEADER,
            product_rows(queryset, absolute_url=absolute_url, on_item=on_item),
        )
    if kind == CUSTOMERS:
        return write_csv(
            stream,
            CUSTOMER_HEADER,
            customer_rows(queryset, currency=keywords["currency"], on_item=on_item),
        )
    return write_csv(stream, ORDER_HEADER, order_rows(queryset, on_item=on_item))


def absolute_url_on(site_url: str) -> AbsoluteUrl:
    """Make a media URL absolute on the store's address (one already absolute stays)."""
    base = site_url.rstrip("/") + "/"

    def absolute(url: str) -> str:
        return urljoin(base, url) if site_url else url

    return absolute


def _tick(bar: Any) -> None:
    bar.update()


def export_command(kind: str, target: str, *, site_url: str, errors: IO[str]) -> int:
    """`freehold export KIND [FILE]`: the file (or stdout for "-"), with a progress bar on
    stderr when writing a file; the exit status.

    A file is written beside its final name and renamed at the end, so an interrupted export
    never leaves a half file that looks whole. Image URLs must be absolute to be fetched by
    the store importing the file: without the store's address (FREEHOLD_SITE_URL or
    --site-url) a products export is refused rather than written with URLs that lead nowhere.
    """
    import sys

    from django.conf import settings
    from tqdm import tqdm

    if kind not in KINDS:
        print(f"freehold export: choose one of {', '.join(KINDS)}.", file=errors)
        return 2
    media_is_absolute = str(settings.MEDIA_URL).startswith(("http://", "https://"))
    if (
        kind == PRODUCTS
        and not site_url
        and not media_is_absolute
        and ProductImage.objects.exists()
    ):
        print(
            "freehold export: image URLs in the file must be absolute; set FREEHOLD_SITE_URL "
            "or pass --site-url https://your-store.example",
            file=errors,
        )
        return 2
    absolute_url = absolute_url_on(site_url)
    if target in ("", "-"):
        export_to(kind, sys.stdout, absolute_url=absolute_url)
        sys.stdout.flush()
        return 0
    path = Path(target)
    partial = path.with_name(path.name + ".part")
    queryset, _ = export_querysets(kind)
    with tqdm(total=queryset.count(), unit=kind[:-1], file=errors, desc=kind) as bar:
        try:
            # A byte-order mark, as the dashboard's downloads have: spreadsheets then read
            # the file as UTF-8, and importers (Shopify's, Freehold's) skip it.
            with partial.open("w", encoding="utf-8-sig", newline="") as stream:
                rows = export_to(
                    kind, stream, absolute_url=absolute_url, on_item=lambda: _tick(bar)
                )
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    partial.replace(path)
    print(f"freehold export: {rows} row(s) of {kind} written to {path}", file=errors)
    return 0
