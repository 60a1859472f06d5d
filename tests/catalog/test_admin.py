"""The admin back door keeps what the services guarantee (summary, price history, sanitising)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from freehold.catalog.models import PriceChange, Product, Redirect, Variant
from freehold.catalog.services import ProductInput, VariantInput, product_create
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.storefront.models import StoreSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client):
    staff = Customer.objects.create_superuser("owner@example.com", "a long staff password")
    client.force_login(staff)
    return client


def form_data(response):
    """What the browser would post back for an admin change page, unchanged."""
    data = {}

    def add(form):
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, list | tuple):
                data[key] = [str(item) for item in value]
            elif value is not None:
                data[key] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def test_a_price_changed_in_the_admin_updates_the_summary_and_the_price_history(staff_client):
    # given a product at 49 and 59
    product = product_create(
        data=ProductInput(
            title="Pocket Tee",
            options=[("Size", ["S", "M"])],
            variants=[
                VariantInput(price=Decimal(49), options=["S"], sku="PT-S", stock_quantity=3),
                VariantInput(price=Decimal(59), options=["M"], sku="PT-M", stock_quantity=3),
            ],
        ),
        currency="EUR",
    )
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = form_data(staff_client.get(url))
    small = next(key for key, value in data.items() if value == "PT-S").removesuffix("-sku")

    # when the staff member reduces the S to 39 (was 49) and adds a script to the description
    data[f"{small}-price_amount"] = "39.00"
    data[f"{small}-compare_at_price_amount"] = "49.00"
    data["description_html"] = "<p>Soft.</p><script>alert(1)</script>"
    response = staff_client.post(url, data)

    # then the product summary and the price history follow
    assert response.status_code == 302, response.context and response.context["errors"]
    product.refresh_from_db()
    assert product.price_min_amount == Decimal(39)
    assert product.compare_at_amount == Decimal(49)
    assert "<script>" not in product.description_html
    reduced = Variant.objects.get(sku="PT-S")
    latest = PriceChange.objects.filter(variant=reduced).order_by("-changed_at", "-id").first()
    assert (latest.price_amount, latest.compare_at_price_amount) == (Decimal(39), Decimal(49))
    unchanged = Variant.objects.get(sku="PT-M")
    assert PriceChange.objects.filter(variant=unchanged).count() == 1


def test_a_handle_changed_in_the_admin_leaves_a_redirect(staff_client):
    product = product_create(
        data=ProductInput(title="Beanie", variants=[VariantInput(price=Decimal(35), sku="BN")]),
        currency="EUR",
    )
    url = reverse("admin:catalog_product_change", args=[product.pk])
    data = form_data(staff_client.get(url))
    data["handle"] = "merino-beanie"

    staff_client.post(url, data)

    assert Product.objects.get(pk=product.pk).handle == "merino-beanie"
    assert Redirect.objects.get(old_path="/products/beanie").new_path == "/products/merino-beanie"


def test_there_is_only_ever_one_store_settings_row(staff_client):
    StoreSettings.objects.create(pk=1, name="Northwind")

    response = staff_client.get(reverse("admin:storefront_storesettings_changelist"))

    assert response.status_code == 302
    assert response.headers["Location"] == reverse(
        "admin:storefront_storesettings_change", args=[1]
    )
    assert staff_client.get(reverse("admin:storefront_storesettings_add")).status_code == 403


def test_staff_create_customers_by_e_mail_without_a_username(staff_client):
    response = staff_client.post(
        reverse("admin:customers_customer_add"),
        {
            "email": "Ada.Lovelace@Example.com",
            "usable_password": "true",
            "password1": "analytical engine 1843",
            "password2": "analytical engine 1843",
        },
    )

    assert response.status_code == 302
    customer = Customer.objects.get(email="ada.lovelace@example.com")
    assert customer.check_password("analytical engine 1843")


def test_the_audit_trail_can_be_read_but_not_changed(staff_client):
    event = AuditEvent.objects.create(
        actor_kind="system", verb="publish", object_type="catalog.product", object_id="1"
    )

    listing = staff_client.get(reverse("admin:core_auditevent_changelist"))
    change = staff_client.post(reverse("admin:core_auditevent_change", args=[event.pk]), {})

    assert listing.status_code == 200
    assert change.status_code == 403
    assert staff_client.get(reverse("admin:core_auditevent_add")).status_code == 403


@pytest.mark.parametrize(
    "name",
    [
        "catalog_product", "catalog_collection", "catalog_mediaimage", "catalog_redirect",
        "catalog_tag", "storefront_menu", "storefront_page", "customers_customer",
        "customers_address",
    ],
)  # fmt: skip
def test_admin_lists_and_add_forms_render(staff_client, name):
    assert staff_client.get(reverse(f"admin:{name}_changelist")).status_code == 200
    assert staff_client.get(reverse(f"admin:{name}_add")).status_code == 200
