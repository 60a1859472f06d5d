"""Exports in Shopify's layouts: products (variants, options, images, pending imported images,
Google Shopping attributes), customers and orders; the dashboard's downloads behind their
permissions, `freehold export`, and a constant number of queries whatever the store's size."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from freehold import cli
from freehold.catalog.models import Product, ProductImage, Variant
from freehold.catalog.services import VariantInput
from freehold.customers.models import Address, Customer
from freehold.imports import exports
from freehold.imports.models import ImageSource
from freehold.marketing.models import DiscountCode, DiscountRedemption
from freehold.orders.models import (
    Fulfilment,
    FulfilmentLine,
    Order,
    OrderLine,
    OrderNote,
    OrderTaxLine,
    Payment,
)
from freehold.orders.states import FulfilmentStatus, PaymentStatus
from tests.dashboard.conftest import make_staff
from tests.factories import make_product, make_product_image, make_store_settings

pytestmark = pytest.mark.django_db

SITE = "https://shop.example"
PLACED = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def absolute(url: str) -> str:
    return SITE + url


def filled(header: tuple[str, ...], row: list[Any]) -> dict[str, str]:
    """A row as {column: text} without its empty cells: the exact content, easy to read."""
    return {
        column: str(value) for column, value in zip(header, row, strict=True) if str(value) != ""
    }


def downloaded(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def client_for(*permissions: str, role: str = Customer.StaffRole.STAFF) -> Client:
    member = make_staff(f"{role}-{'-'.join(permissions) or 'none'}@example.com", role=role)
    member.staff_permissions = list(permissions)
    member.save()
    client = Client()
    client.force_login(member)
    return client


@pytest.fixture(autouse=True)
def _store():
    make_store_settings(name="Fjell & Co", currency="EUR")


# --- Products -------------------------------------------------------------------------------


def jacket() -> tuple[Product, ProductImage, ProductImage]:
    """Three options, two variants, two local images (one shown by a variant), one imported
    image not fetched yet (shown by the other variant), Google Shopping attributes."""
    product = make_product(
        title="Trail Jacket",
        handle="trail-jacket",
        description_html="<p>Warm and light.</p>",
        brand="Fjell",
        product_type="Jackets",
        tags=["winter", "outdoor"],
        seo_title="Trail Jacket | Fjell",
        seo_description="A warm jacket for the trail.",
        options={"Size": ["S", "M"], "Colour": ["Red"], "Material": ["Wool"]},
        currency="EUR",
        variants=[
            VariantInput(
                price=Decimal("120"),
                options=["S", "Red", "Wool"],
                sku="TJ-S",
                barcode="4006381333931",
                compare_at_price=Decimal("150"),
                cost=Decimal("60.5"),
                weight_grams=900,
                stock_quantity=4,
            ),
            VariantInput(
                price=Decimal("125.5"),
                options=["M", "Red", "Wool"],
                sku="TJ-M",
                weight_grams=950,
                stock_quantity=0,
                inventory_policy=Variant.InventoryPolicy.CONTINUE,
                track_inventory=False,
                taxable=False,
            ),
        ],
    )
    Product.objects.filter(pk=product.pk).update(
        feed_attributes={
            "google_product_category": "5598",
            "gender": "unisex",
            "age_group": "adult",
            "mpn": "TJ-2026",
            "condition": "new",
            "custom_label_0": "winter sale",
        }
    )
    front = make_product_image(product, alt="Front", position=1)
    back = make_product_image(product, alt="Back", position=2)
    small, medium = product.variants.order_by("position")
    Variant.objects.filter(pk=small.pk).update(image=back)
    # Fetched already: listed once, as the local image.
    ImageSource.objects.create(
        product=product,
        url="http://images.example/front.jpg",
        position=1,
        image=front,
        status=ImageSource.Status.FETCHED,
    )
    # Not fetched yet: listed by its source URL, so nothing is lost.
    ImageSource.objects.create(
        product=product,
        url="http://images.example/detail.jpg",
        position=3,
        alt="Detail",
        variant_ids=[medium.pk],
    )
    return Product.objects.get(pk=product.pk), front, back


def test_a_product_with_three_options_and_variant_images_in_shopify_s_layout():
    # Given a product with three options, variant images and an image still to fetch
    _product, front, back = jacket()

    # When it is exported
    rows = list(exports.product_rows(Product.objects.all(), absolute_url=absolute))

    # Then the columns are all those Shopify's import reads, in its order
    assert exports.PRODUCT_HEADER == (
        "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags",
        "Published", "Option1 Name", "Option1 Value", "Option2 Name", "Option2 Value",
        "Option3 Name", "Option3 Value", "Variant SKU", "Variant Grams",
        "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
        "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price",
        "Variant Requires Shipping", "Variant Taxable", "Variant Barcode", "Image Src",
        "Image Position", "Image Alt Text", "Gift Card", "SEO Title", "SEO Description",
        "Google Shopping / Google Product Category", "Google Shopping / Gender",
        "Google Shopping / Age Group", "Google Shopping / MPN",
        "Google Shopping / AdWords Grouping", "Google Shopping / AdWords Labels",
        "Google Shopping / Condition", "Google Shopping / Custom Product",
        "Google Shopping / Custom Label 0", "Google Shopping / Custom Label 1",
        "Google Shopping / Custom Label 2", "Google Shopping / Custom Label 3",
        "Google Shopping / Custom Label 4", "Variant Image", "Variant Weight Unit",
        "Variant Tax Code", "Cost per item", "Status",
    )  # fmt: skip
    # and one row per variant, the product's fields on the first, an image row after them
    front_url, back_url = SITE + front.file.url, SITE + back.file.url
    assert [filled(exports.PRODUCT_HEADER, row) for row in rows] == [
        {
            "Handle": "trail-jacket",
            "Title": "Trail Jacket",
            "Body (HTML)": "<p>Warm and light.</p>",
            "Vendor": "Fjell",
            "Type": "Jackets",
            "Tags": "outdoor, winter",
            "Published": "true",
            "Option1 Name": "Size",
            "Option1 Value": "S",
            "Option2 Name": "Colour",
            "Option2 Value": "Red",
            "Option3 Name": "Material",
            "Option3 Value": "Wool",
            "Variant SKU": "TJ-S",
            "Variant Grams": "900",
            "Variant Inventory Tracker": "shopify",
            "Variant Inventory Qty": "4",
            "Variant Inventory Policy": "deny",
            "Variant Fulfillment Service": "manual",
            "Variant Price": "120.00",
            "Variant Compare At Price": "150.00",
            "Variant Requires Shipping": "true",
            "Variant Taxable": "true",
            "Variant Barcode": "4006381333931",
            "Image Src": front_url,
            "Image Position": "1",
            "Image Alt Text": "Front",
            "Gift Card": "false",
            "SEO Title": "Trail Jacket | Fjell",
            "SEO Description": "A warm jacket for the trail.",
            "Google Shopping / Google Product Category": "5598",
            "Google Shopping / Gender": "unisex",
            "Google Shopping / Age Group": "adult",
            "Google Shopping / MPN": "TJ-2026",
            "Google Shopping / Condition": "new",
            "Google Shopping / Custom Label 0": "winter sale",
            "Variant Image": back_url,
            "Variant Weight Unit": "g",
            "Cost per item": "60.50",
            "Status": "active",
        },
        {
            "Handle": "trail-jacket",
            "Option1 Value": "M",
            "Option2 Value": "Red",
            "Option3 Value": "Wool",
            "Variant SKU": "TJ-M",
            "Variant Grams": "950",
            "Variant Inventory Qty": "0",
            "Variant Inventory Policy": "continue",
            "Variant Fulfillment Service": "manual",
            "Variant Price": "125.50",
            "Variant Requires Shipping": "true",
            "Variant Taxable": "false",
            "Image Src": back_url,
            "Image Position": "2",
            "Image Alt Text": "Back",
            "Variant Image": "http://images.example/detail.jpg",
            "Variant Weight Unit": "g",
        },
        {
            "Handle": "trail-jacket",
            "Image Src": "http://images.example/detail.jpg",
            "Image Position": "3",
            "Image Alt Text": "Detail",
        },
    ]


def test_a_product_without_options_is_shopify_s_default_title():
    # Given a draft product with one variant and no options
    make_product(title="Mug", handle="mug", price="12", status=Product.Status.DRAFT, stock=3)

    # When it is exported
    rows = list(exports.product_rows(Product.objects.all(), absolute_url=absolute))

    # Then its one row names Shopify's "Title" option with the value "Default Title"
    assert [filled(exports.PRODUCT_HEADER, row) for row in rows] == [
        {
            "Handle": "mug",
            "Title": "Mug",
            "Published": "false",
            "Option1 Name": "Title",
            "Option1 Value": "Default Title",
            "Variant Grams": "0",
            "Variant Inventory Tracker": "shopify",
            "Variant Inventory Qty": "3",
            "Variant Inventory Policy": "deny",
            "Variant Fulfillment Service": "manual",
            "Variant Price": "12.00",
            "Variant Requires Shipping": "true",
            "Variant Taxable": "true",
            "Gift Card": "false",
            "Variant Weight Unit": "g",
            "Status": "draft",
        }
    ]


def test_images_half_fetched_keep_the_order_of_the_file_they_came_from():
    # Given a product imported with three images of which only the second has arrived
    product = make_product(title="Cap", handle="cap")
    second = make_product_image(product, alt="Second", position=1)
    for position, name in ((1, "first"), (2, "second"), (3, "third")):
        ImageSource.objects.create(
            product=product,
            url=f"http://images.example/{name}.jpg",
            position=position,
            image=second if name == "second" else None,
            status=ImageSource.Status.FETCHED if name == "second" else ImageSource.Status.PENDING,
        )

    # When it is exported
    rows = list(exports.product_rows(Product.objects.all(), absolute_url=absolute))

    # Then the images are in the file's order: the fetched one between the two still waiting
    src = exports.PRODUCT_HEADER.index("Image Src")
    assert [row[src] for row in rows] == [
        "http://images.example/first.jpg",
        SITE + second.file.url,
        "http://images.example/third.jpg",
    ]


# --- Customers ------------------------------------------------------------------------------


def an_order(customer: Customer | None, *, number: str, total: str, **fields: Any) -> Order:
    fields.setdefault("payment_status", PaymentStatus.PAID)
    return Order.objects.create(
        number=number,
        customer=customer,
        email=customer.email if customer else "guest@example.com",
        currency=fields.pop("currency", "EUR"),
        subtotal_amount=Decimal(total),
        total_amount=Decimal(total),
        placed_at=PLACED,
        **fields,
    )


def test_customers_in_shopify_s_layout_without_staff():
    # Given a customer with a default address, an older address and two paid orders,
    ana = Customer.objects.create_user(
        "ana@example.com",
        "x",
        first_name="Ana",
        last_name="Lima",
        phone="+351211234567",
        accepts_marketing=True,
        tags=["vip", "wholesale"],
        note="Prefers e-mail.",
    )
    Address.objects.create(customer=ana, line1="Old street 1", country_code="PT")
    Address.objects.create(
        customer=ana,
        company="Lima Lda",
        line1="Rua das Flores 7",
        line2="2º",
        city="Lisboa",
        region="11",
        postal_code="1200-195",
        country_code="PT",
        phone="+351211234568",
        is_default=True,
    )
    an_order(ana, number="1001", total="50.00")
    an_order(ana, number="1002", total="30.00")
    # a customer without address or orders, and a staff account
    Customer.objects.create_user("bo@example.com", "x")
    make_staff("owner@example.com")

    # When the customers are exported
    queryset, _ = exports.export_querysets(exports.CUSTOMERS)
    rows = list(exports.customer_rows(queryset, currency="EUR"))

    # Then the columns are Shopify's, and staff are not customers
    assert exports.CUSTOMER_HEADER == (
        "First Name", "Last Name", "Email", "Accepts Email Marketing",
        "Default Address Company", "Default Address Address1", "Default Address Address2",
        "Default Address City", "Default Address Province Code",
        "Default Address Country Code", "Default Address Zip", "Default Address Phone",
        "Phone", "Accepts SMS Marketing", "Total Spent", "Total Orders", "Note",
        "Tax Exempt", "Tags",
    )  # fmt: skip
    assert [filled(exports.CUSTOMER_HEADER, row) for row in rows] == [
        {
            "First Name": "Ana",
            "Last Name": "Lima",
            "Email": "ana@example.com",
            "Accepts Email Marketing": "yes",
            "Default Address Company": "Lima Lda",
            "Default Address Address1": "Rua das Flores 7",
            "Default Address Address2": "2º",
            "Default Address City": "Lisboa",
            "Default Address Province Code": "11",
            "Default Address Country Code": "PT",
            "Default Address Zip": "1200-195",
            "Default Address Phone": "+351211234568",
            "Phone": "+351211234567",
            "Accepts SMS Marketing": "no",
            "Total Spent": "80.00",
            "Total Orders": "2",
            "Note": "Prefers e-mail.",
            "Tax Exempt": "no",
            "Tags": "vip, wholesale",
        },
        {
            "Email": "bo@example.com",
            "Accepts Email Marketing": "no",
            "Accepts SMS Marketing": "no",
            "Total Spent": "0.00",
            "Total Orders": "0",
            "Tax Exempt": "no",
        },
    ]


# --- Orders ---------------------------------------------------------------------------------


def two_line_order() -> Order:
    """A partly refunded, partly shipped order of two lines with a discount code, a tax and a
    staff note."""
    product, _, _ = jacket()
    small = product.variants.get(sku="TJ-S")
    buyer = Customer.objects.create_user("ana@example.com", "x", accepts_marketing=True)
    address = {
        "first_name": "Ana",
        "last_name": "Lima",
        "company": "Lima LLC",
        "line1": "350 Fifth Avenue",
        "line2": "Floor 21",
        "city": "New York",
        "region": "NY",
        "postal_code": "10118",
        "country_code": "US",
        "phone": "+12125550100",
    }
    order = an_order(
        buyer,
        number="1001",
        total="276.10",
        currency="USD",
        payment_status=PaymentStatus.PARTIALLY_REFUNDED,
        fulfilment_status=FulfilmentStatus.PARTIALLY_FULFILLED,
        payment_gateway="manual",
        shipping_address=address,
        paid_at=PLACED + dt.timedelta(hours=1),
        pricing_reasons=[
            "discount SUMMER10: 10% off the items",
            "shipping Standard: 4.90",
            "tax NY State Tax: 8.00% added",
        ],
    )
    Order.objects.filter(pk=order.pk).update(
        subtotal_amount=Decimal("252.00"),
        discount_amount=Decimal("26.40"),
        shipping_amount=Decimal("4.90"),
        tax_amount=Decimal("45.60"),
    )
    jacket_line = OrderLine.objects.create(
        order=order,
        variant=small,
        product_title="Trail Jacket",
        variant_title="S / Red / Wool",
        sku="TJ-S",
        quantity=2,
        currency="USD",
        unit_price_amount=Decimal("120"),
        discount_amount=Decimal("24"),
        tax_amount=Decimal("44.67"),
        tax_rate=Decimal("0.08"),
        quantity_fulfilled=2,
    )
    OrderLine.objects.create(
        order=order,
        product_title="Gift wrap",
        sku="=WRAP",
        quantity=1,
        currency="USD",
        unit_price_amount=Decimal("12"),
        discount_amount=Decimal("2.40"),
        requires_shipping=False,
    )
    for amount, target in (("44.67", "line"), ("0.93", "shipping")):
        OrderTaxLine.objects.create(
            order=order,
            label="NY State Tax",
            rate=Decimal("0.08"),
            amount=Decimal(amount),
            currency="USD",
            target=target,
        )
    Payment.objects.create(
        order=order,
        gateway="manual",
        kind=Payment.Kind.CAPTURE,
        status=Payment.Status.SUCCEEDED,
        currency="USD",
        amount=Decimal("276.10"),
        provider_reference="WIRE-42",
    )
    Payment.objects.create(
        order=order,
        gateway="manual",
        kind=Payment.Kind.REFUND,
        status=Payment.Status.SUCCEEDED,
        currency="USD",
        amount=Decimal("12.00"),
    )
    parcel = Fulfilment.objects.create(
        order=order, status=Fulfilment.Status.SHIPPED, shipped_at=PLACED + dt.timedelta(days=1)
    )
    FulfilmentLine.objects.create(fulfilment=parcel, order_line=jacket_line, quantity=2)
    OrderNote.objects.create(order=order, body="Leave at the door.")
    code = DiscountCode.objects.create(code="SUMMER10", kind=DiscountCode.Kind.PERCENTAGE, value=10)
    DiscountRedemption.objects.create(
        discount=code,
        order_number=order.number,
        email=order.email,
        amount=Decimal("26.40"),
        currency="USD",
    )
    return order


def test_an_order_of_two_lines_in_shopify_s_layout():
    # Given an order of two lines
    order = two_line_order()

    # When the orders are exported
    queryset, _ = exports.export_querysets(exports.ORDERS)
    rows = list(exports.order_rows(queryset))

    # Then the columns are Shopify's orders export's
    taxes = [f"Tax {n} {part}" for n in range(1, 6) for part in ("Name", "Value")]
    assert list(exports.ORDER_HEADER) == [
        "Name", "Email", "Financial Status", "Paid at", "Fulfillment Status", "Fulfilled at",
        "Accepts Marketing", "Currency", "Subtotal", "Shipping", "Taxes", "Total",
        "Discount Code", "Discount Amount", "Shipping Method", "Created at",
        "Lineitem quantity", "Lineitem name", "Lineitem price", "Lineitem compare at price",
        "Lineitem sku", "Lineitem requires shipping", "Lineitem taxable",
        "Lineitem fulfillment status", "Billing Name", "Billing Street", "Billing Address1",
        "Billing Address2", "Billing Company", "Billing City", "Billing Zip",
        "Billing Province", "Billing Country", "Billing Phone", "Shipping Name",
        "Shipping Street", "Shipping Address1", "Shipping Address2", "Shipping Company",
        "Shipping City", "Shipping Zip", "Shipping Province", "Shipping Country",
        "Shipping Phone", "Notes", "Note Attributes", "Cancelled at", "Payment Method",
        "Payment Reference", "Refunded Amount", "Vendor", "Outstanding Balance", "Employee",
        "Location", "Device ID", "Id", "Tags", "Risk Level", "Source", "Lineitem discount",
        *taxes, "Phone", "Receipt Number", "Duties", "Billing Province Name",
        "Shipping Province Name", "Payment ID", "Payment Terms Name", "Next Payment Due At",
        "Payment References",
    ]  # fmt: skip
    # and the order's fields are on its first line only, Shopify's statuses and amounts
    address = {
        "Name": "Ana Lima",
        "Street": "350 Fifth Avenue, Floor 21",
        "Address1": "350 Fifth Avenue",
        "Address2": "Floor 21",
        "Company": "Lima LLC",
        "City": "New York",
        "Zip": "10118",
        "Province": "NY",
        "Country": "US",
        "Phone": "+12125550100",
    }
    assert [filled(exports.ORDER_HEADER, row) for row in rows] == [
        {
            "Name": "#1001",
            "Email": "ana@example.com",
            "Financial Status": "partially_refunded",
            "Paid at": "2026-03-01 13:00:00 +0000",
            "Fulfillment Status": "partial",
            "Accepts Marketing": "yes",
            "Currency": "USD",
            "Subtotal": "225.60",  # after the items' discount, as Shopify's subtotal
            "Shipping": "4.90",
            "Taxes": "45.60",
            "Total": "276.10",
            "Discount Code": "SUMMER10",
            "Discount Amount": "26.40",
            "Shipping Method": "Standard",
            "Created at": "2026-03-01 12:00:00 +0000",
            "Lineitem quantity": "2",
            "Lineitem name": "Trail Jacket - S / Red / Wool",
            "Lineitem price": "120.00",
            "Lineitem sku": "TJ-S",
            "Lineitem requires shipping": "true",
            "Lineitem taxable": "true",
            "Lineitem fulfillment status": "fulfilled",
            **{f"Billing {key}": value for key, value in address.items()},
            **{f"Shipping {key}": value for key, value in address.items()},
            "Notes": "Leave at the door.",
            "Payment Method": "manual",
            "Payment Reference": "WIRE-42",
            "Refunded Amount": "12.00",
            "Vendor": "Fjell",
            "Outstanding Balance": "0.00",
            "Id": str(order.pk),
            "Source": "web",
            "Lineitem discount": "24.00",
            "Tax 1 Name": "NY State Tax",
            "Tax 1 Value": "45.60",
            "Phone": "+12125550100",
            "Billing Province Name": "New York",
            "Shipping Province Name": "New York",
            "Payment References": "WIRE-42",
        },
        {
            "Name": "#1001",
            "Lineitem quantity": "1",
            "Lineitem name": "Gift wrap",
            "Lineitem price": "12.00",
            "Lineitem sku": "=WRAP",
            "Lineitem requires shipping": "false",
            "Lineitem taxable": "false",
            "Lineitem fulfillment status": "pending",
            "Lineitem discount": "2.40",
        },
    ]


@pytest.mark.parametrize(
    ("payment_status", "fulfilment_status", "financial", "fulfillment"),
    [
        (PaymentStatus.AWAITING_PAYMENT, FulfilmentStatus.UNFULFILLED, "pending", "unfulfilled"),
        (PaymentStatus.AUTHORIZED, FulfilmentStatus.UNFULFILLED, "authorized", "unfulfilled"),
        (PaymentStatus.PAID, FulfilmentStatus.FULFILLED, "paid", "fulfilled"),
        (PaymentStatus.REFUNDED, FulfilmentStatus.RETURNED, "refunded", "fulfilled"),
        (PaymentStatus.VOIDED, FulfilmentStatus.UNFULFILLED, "voided", "unfulfilled"),
        (PaymentStatus.FAILED, FulfilmentStatus.UNFULFILLED, "pending", "unfulfilled"),
    ],
)
def test_statuses_are_shopify_s_words(payment_status, fulfilment_status, financial, fulfillment):
    an_order(
        None,
        number="1001",
        total="10.00",
        payment_status=payment_status,
        fulfilment_status=fulfilment_status,
    )

    (row,) = exports.order_rows(Order.objects.all())

    cells = dict(zip(exports.ORDER_HEADER, row, strict=True))
    assert (cells["Financial Status"], cells["Fulfillment Status"]) == (financial, fulfillment)
    unpaid = payment_status == PaymentStatus.AWAITING_PAYMENT
    assert str(cells["Outstanding Balance"]) == ("10.00" if unpaid else "0.00")


# --- Dashboard downloads --------------------------------------------------------------------


def test_the_dashboard_downloads_are_shopify_files_with_the_list_filters():
    # Given two products, two customers and two orders
    jacket()
    make_product(title="Mug", handle="mug")
    ana = Customer.objects.create_user("ana@example.com", "x", tags=["vip"])
    Customer.objects.create_user("bo@example.com", "x")
    an_order(ana, number="1001", total="20.00")
    an_order(None, number="1002", total="9.00", payment_status=PaymentStatus.AWAITING_PAYMENT)
    owner = client_for(role=Customer.StaffRole.OWNER)

    # When the owner downloads each list, filtered as the list pages are
    products = owner.get("/dashboard/products/export.csv", {"q": "trail"})
    customers = owner.get("/dashboard/customers/export.csv", {"tag": "vip"})
    orders = owner.get("/dashboard/orders/export.csv", {"payment_status": "paid"})

    # Then each is a CSV in Shopify's layout holding what the filter selects
    for response in (products, customers, orders):
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
    product_rows = downloaded(products)
    assert tuple(product_rows[0]) == exports.PRODUCT_HEADER
    assert {row[0] for row in product_rows[1:]} == {"trail-jacket"}
    assert product_rows[1][exports.PRODUCT_HEADER.index("Image Src")].startswith(
        "http://testserver/media/images/"
    )
    customer_rows = downloaded(customers)
    assert tuple(customer_rows[0]) == exports.CUSTOMER_HEADER
    assert [row[2] for row in customer_rows[1:]] == ["ana@example.com"]
    order_rows = downloaded(orders)
    assert tuple(order_rows[0]) == exports.ORDER_HEADER
    assert [row[0] for row in order_rows[1:]] == ["#1001"]


def test_a_download_neutralises_cells_a_spreadsheet_would_run():
    two_line_order()
    owner = client_for(role=Customer.StaffRole.OWNER)

    rows = downloaded(owner.get("/dashboard/orders/export.csv"))

    cells = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert cells[0]["Phone"] == "'+12125550100"
    assert cells[1]["Lineitem sku"] == "'=WRAP"


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/dashboard/products/export.csv", "products"),
        ("/dashboard/customers/export.csv", "customers"),
        ("/dashboard/orders/export.csv", "orders"),
    ],
)
def test_staff_without_the_area_get_403(path, area):
    others = [a for a in ("orders", "products", "customers", "discounts", "settings") if a != area]
    assert client_for(*others).get(path).status_code == 403
    assert client_for(area).get(path).status_code == 200


# --- Queries --------------------------------------------------------------------------------


def store_of(size: int) -> None:
    for number in range(size):
        product = make_product(
            title=f"Shirt {number}",
            options={"Size": ["S", "M"], "Colour": ["Blue"]},
            tags=["summer"],
            images=1,
        )
        ImageSource.objects.create(product=product, url=f"http://images.example/{number}.jpg")
        customer = Customer.objects.create_user(f"c{number}@example.com", "x")
        Address.objects.create(customer=customer, line1="Main St 1", country_code="DE")
        order = an_order(customer, number=str(2000 + number), total="20.00")
        for variant in product.variants.all():
            OrderLine.objects.create(
                order=order,
                variant=variant,
                product_title=product.title,
                variant_title=variant.title,
                quantity=1,
                currency="EUR",
            )


@pytest.mark.parametrize("size", [5, 30])
def test_downloads_take_a_constant_number_of_queries(size, django_assert_max_num_queries):
    # Given a store of `size` products, customers and orders
    store_of(size)
    owner = client_for(role=Customer.StaffRole.OWNER)

    # When each list is downloaded, the same number of queries reads 5 or 30 of them
    with django_assert_max_num_queries(10):
        products = downloaded(owner.get("/dashboard/products/export.csv"))
    with django_assert_max_num_queries(8):
        customers = downloaded(owner.get("/dashboard/customers/export.csv"))
    with django_assert_max_num_queries(12):
        orders = downloaded(owner.get("/dashboard/orders/export.csv"))

    assert len(products) == 1 + 2 * size  # two variants each (the image on the first row)
    assert len(customers) == 1 + size
    assert len(orders) == 1 + 2 * size


def test_every_chunk_takes_the_same_queries(monkeypatch, django_assert_num_queries):
    # Given 30 products read in chunks of 10
    store_of(30)
    monkeypatch.setattr(exports, "CHUNK_SIZE", 10)

    # When they are exported: one query reads the products (a cursor fetched chunk by chunk)
    # and five a chunk their variants, images, options, tags and images to fetch
    with django_assert_num_queries(1 + 3 * 5):
        rows = list(exports.product_rows(Product.objects.all(), absolute_url=absolute))

    assert len(rows) == 60


# --- freehold export ------------------------------------------------------------------------


def test_the_command_writes_a_file(tmp_path, capsys):
    # Given a product with an image and an order
    jacket()
    two_line_order_without_jacket = an_order(None, number="1002", total="9.00")
    target = tmp_path / "products.csv"

    # When `freehold export products FILE` and `freehold export orders -` run
    status = cli.main(["export", "products", str(target), "--site-url", SITE + "/"])
    products_err = capsys.readouterr().err
    orders_status = cli.main(["export", "orders", "-"])
    orders_out = capsys.readouterr().out

    # Then the file holds the products with absolute image URLs, and stdout the orders
    assert (status, orders_status) == (0, 0)
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert tuple(rows[0]) == exports.PRODUCT_HEADER
    assert len(rows) == 4
    assert rows[1][exports.PRODUCT_HEADER.index("Image Src")].startswith(SITE + "/media/images/")
    assert "3 row(s) of products written" in products_err
    assert not (tmp_path / "products.csv.part").exists()
    lines = list(csv.reader(io.StringIO(orders_out)))
    assert tuple(lines[0]) == exports.ORDER_HEADER
    assert lines[1][0] == f"#{two_line_order_without_jacket.number}"


def test_the_command_refuses_relative_image_urls(tmp_path, capsys, settings):
    settings.SITE_URL = ""
    make_product(title="Mug", images=1)

    status = cli.main(["export", "products", str(tmp_path / "out.csv")])

    assert status == 2
    assert "FREEHOLD_SITE_URL" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()
