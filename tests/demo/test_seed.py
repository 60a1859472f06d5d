"""The demo brand seed: generated data, and what a small seed writes.

A small store is seeded once for this module (drawing pictures is the slow part) and deleted
afterwards; each test reads it inside its own rolled-back transaction.
"""

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.contrib.auth.hashers import is_password_usable
from django.db.models import Count
from django.test import override_settings
from stdnum import ean
from stdnum.de import vat

from freehold.catalog.models import (
    Collection,
    PriceChange,
    Product,
    ProductFacet,
    ProductImage,
    Variant,
)
from freehold.catalog.search import search_product_ids
from freehold.catalog.services import collection_validate_rules, product_refresh_summary
from freehold.catalog.validators import validate_gtin
from freehold.core import clock
from freehold.core.models import AuditEvent, ScheduledJob
from freehold.customers.models import Address, Customer, PrivacyRequest
from freehold.demo import brand, pictures
from freehold.demo.generate import generate_customers, generate_products, gtin13
from freehold.demo.seed import seed, wipe
from freehold.insights.models import CustomerScore, Event, Segment
from freehold.marketplace import inform
from freehold.marketplace.models import MarketplaceSettings, Vendor
from freehold.orders.models import Order
from freehold.storefront.models import Menu, Page, StoreSettings

PRODUCTS, CUSTOMERS = 30, 40


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("seed-media")
    patch = pytest.MonkeyPatch()
    # Small pictures: the same drawing and renditions code, a fraction of the encoding time.
    patch.setattr(pictures, "PRODUCT_SIZE", (320, 400))
    with override_settings(MEDIA_ROOT=str(media)), django_db_blocker.unblock():
        result = seed(products=PRODUCTS, customers=CUSTOMERS, progress=False)
        yield result, media
        wipe()
        Customer.objects.all().delete()
        # Outside any test's transaction: what the seed recorded would be seen by later tests
        # on this worker (audit records of segments and privacy requests, the RFM job's run).
        AuditEvent.objects.all().delete()
        ScheduledJob.objects.all().delete()
        Segment.objects.all().delete()
    patch.undo()


def plain(products):
    return [
        (
            spec.title,
            spec.status,
            [(variant.sku, variant.barcode, variant.price) for variant in spec.variants],
        )
        for spec in products
    ]


def test_the_same_seed_generates_the_same_catalog_and_customers():
    first = plain(generate_products(count=40, seed=42))
    again = plain(generate_products(count=40, seed=42))
    other = plain(generate_products(count=40, seed=7))

    assert first == again
    assert first != other
    emails = [c.email for c in generate_customers(count=40, seed=42)]
    assert emails == [c.email for c in generate_customers(count=40, seed=42)]
    assert emails != [c.email for c in generate_customers(count=40, seed=7)]


def test_generated_barcodes_are_valid_gtin_13():
    assert gtin13(1, 1) == "2000000010014"
    products = list(generate_products(count=200, seed=3))
    barcodes = [variant.barcode for spec in products for variant in spec.variants]
    assert all(len(code) == 13 and ean.is_valid(code) for code in barcodes)
    assert len(set(barcodes)) == len(barcodes)


def test_generated_sale_prices_have_a_30_day_history():
    products = list(generate_products(count=300, seed=42))
    on_sale = [v for spec in products for v in spec.variants if v.compare_at_price]

    assert on_sale
    for variant in on_sale:
        assert variant.price < variant.compare_at_price
        latest = variant.price_history[-1]
        assert (latest.price, latest.compare_at_price) == (variant.price, variant.compare_at_price)
        assert [p.seconds_ago for p in variant.price_history] == sorted(
            (p.seconds_ago for p in variant.price_history), reverse=True
        )
    assert any(len(variant.price_history) >= 3 for variant in on_sale)


@pytest.mark.django_db
def test_products_are_mostly_active_with_variants_skus_and_valid_barcodes(seeded):
    result, _ = seeded

    assert Product.objects.count() == result.products == PRODUCTS
    assert Product.objects.filter(status=Product.Status.ACTIVE).count() > PRODUCTS * 0.7
    assert not Product.objects.annotate(n=Count("variants")).filter(n=0).exists()
    variants = list(Variant.objects.all())
    assert len({v.sku for v in variants}) == len(variants)
    for variant in variants:
        assert ean.is_valid(variant.barcode)
        validate_gtin(variant.barcode)
        assert variant.currency == "EUR"
        assert Decimal("0.35") * variant.price_amount <= variant.cost_amount
        assert variant.cost_amount <= Decimal("0.5") * (
            variant.compare_at_price_amount or variant.price_amount
        )
    assert {len(p.options.all()) for p in Product.objects.prefetch_related("options")} <= {1, 2, 3}


@pytest.mark.django_db
def test_every_product_has_a_featured_image_whose_files_exist(seeded):
    _, media = seeded

    for product in Product.objects.select_related("featured_image"):
        image = product.featured_image
        assert image is not None
        assert image.alt.startswith(product.title)
        assert (media / image.file.name).is_file()
        for entry in image.renditions.values():
            assert (media / entry["jpeg"]).is_file()
            assert (media / entry["webp"]).is_file()
    count_by_product = Counter(ProductImage.objects.values_list("product_id", flat=True))
    assert set(count_by_product.values()) <= {2, 3, 4}
    # the pictures are a shared pool, not one set of files per image row
    files = set(ProductImage.objects.values_list("file", flat=True))
    assert len(files) < ProductImage.objects.count()


@pytest.mark.django_db
def test_summary_fields_equal_what_product_refresh_summary_computes(seeded):
    fields = [
        "price_min_amount", "price_max_amount", "compare_at_amount", "is_in_stock", "currency",
        "featured_image_id", "search_text",
    ]  # fmt: skip

    for product in Product.objects.all():
        # given what the bulk seed wrote
        written = {name: getattr(product, name) for name in fields}
        facets = set(ProductFacet.objects.filter(product=product).values_list("name", "value"))

        # when the service recomputes it
        product_refresh_summary(product=product)
        product.refresh_from_db()

        # then nothing changes
        assert {name: getattr(product, name) for name in fields} == written, product.title
        assert (
            set(ProductFacet.objects.filter(product=product).values_list("name", "value")) == facets
        )
    assert Product.objects.exclude(compare_at_amount=None).exists() or PRODUCTS < 20


@pytest.mark.django_db
def test_sale_variants_end_their_price_history_with_the_current_price(seeded):
    for variant in Variant.objects.exclude(compare_at_price_amount=None):
        latest = PriceChange.objects.filter(variant=variant).order_by("-changed_at").first()
        assert latest is not None
        assert (latest.price_amount, latest.compare_at_price_amount) == (
            variant.price_amount,
            variant.compare_at_price_amount,
        )
        assert latest.changed_at <= clock.now()
    assert PriceChange.objects.count() >= Variant.objects.count()


@pytest.mark.django_db
def test_seeded_products_are_found_by_search(seeded):
    product = Product.objects.filter(status=Product.Status.ACTIVE).order_by("id").first()

    found = search_product_ids(product.title)

    assert product.pk in found


@pytest.mark.django_db
def test_collections_include_rule_based_ones_with_valid_rules(seeded):
    smart = list(Collection.objects.filter(kind=Collection.Kind.SMART))
    handles = {c.handle for c in Collection.objects.all()}

    assert {"sale", "under-50", "merino", "knitwear", "jackets"} <= {c.handle for c in smart}
    for collection in smart:
        assert collection.rules
        assert collection_validate_rules(collection.rules) == collection.rules
    assert {"new-arrivals", "staff-picks"} <= handles
    newest = Collection.objects.get(handle="new-arrivals").products.all()
    assert newest.exists()
    assert all(p.status == Product.Status.ACTIVE and p.is_in_stock for p in newest)


@pytest.mark.django_db
def test_store_settings_menus_and_pages_are_complete_and_valid(seeded):
    settings = StoreSettings.objects.get(pk=1)

    settings.full_clean()
    assert settings.name == brand.STORE_NAME
    assert vat.is_valid(settings.vat_id)
    assert settings.logo is not None and settings.logo.renditions
    assert settings.hero_image is not None and settings.hero_image.renditions
    featured = list(settings.featured_collections.all())
    assert 4 <= len(featured) <= 6
    footer = dict(Menu.objects.get(handle="footer").items.values_list("title", "url"))
    assert footer["Imprint"] == "/legal/imprint"
    main = list(Menu.objects.get(handle="main").items.values_list("title", flat=True))
    assert main[0] == "Shop all" and "About" in main
    pages = {page.handle: page for page in Page.objects.all()}
    assert {"about", "shipping", "returns", "contact"} <= set(pages)
    assert pages["contact"].template == Page.Template.CONTACT
    assert "30 days" in pages["returns"].body_html


@pytest.mark.django_db
def test_customers_come_from_many_countries_with_addresses(seeded):
    # Shoppers: staff and the demo vendors' own accounts are not customers of the store.
    customers = Customer.objects.filter(is_staff=False, vendor_memberships__isnull=True)

    assert customers.count() == CUSTOMERS
    assert customers.values("country_code").distinct().count() >= 10
    assert Address.objects.filter(customer__in=customers, is_default=True).count() == CUSTOMERS
    hashes = set(customers.values_list("password", flat=True))
    assert len(hashes) == 1 and is_password_usable(hashes.pop())
    for customer in customers:
        assert customer.email.endswith("@example.com") and customer.email.isascii()
    staff = Customer.objects.get(email=brand.STAFF_EMAIL)
    assert staff.is_staff and staff.is_superuser


@pytest.mark.django_db
def test_the_demo_has_visits_around_its_orders_and_a_privacy_queue(seeded):
    assert Event.objects.filter(kind="purchase").exists()
    assert Event.objects.filter(kind="product_view").count() > Order.objects.count()
    assert Order.objects.exclude(last_touch_channel="").exists()
    assert PrivacyRequest.objects.count() == 3
    assert CustomerScore.objects.exclude(rfm_class="").exists()
    assert Segment.objects.count() >= 4


def test_the_demo_runs_a_marketplace_with_a_vendor_in_each_verification_state(seeded):
    vendors = list(Vendor.objects.order_by("pk"))

    assert MarketplaceSettings.objects.get().enabled
    assert [inform.verification_status(vendor) for vendor in vendors] == [
        "not_high_volume",
        "info_requested",
        "submitted",
        "verified",
        "rejected",
        "suspended",
    ]
    assert all(vendor.products.exists() for vendor in vendors)


def test_wipe_keeps_staff_and_lets_the_store_be_seeded_again(seeded):
    wipe()

    assert not Event.objects.exists() and not PrivacyRequest.objects.exists()

    assert not Product.objects.exists()
    assert not StoreSettings.objects.exists()
    assert list(Customer.objects.values_list("email", flat=True)) == [brand.STAFF_EMAIL]

    again = seed(products=3, customers=2, seed=9, progress=False, images=False)

    assert (again.products, again.customers) == (3, 2)
    assert again.staff_password is None  # the existing staff account kept its password
    assert Product.objects.count() == 3


@pytest.mark.django_db
def test_the_demo_ships_everywhere_and_has_codes_to_try(seeded):
    from freehold.marketing.services import discount_validate
    from freehold.markets.selectors import shipping_options

    def names(country: str, subtotal: str) -> dict[str, Decimal]:
        options = shipping_options(
            country_code=country, currency="EUR", subtotal=Decimal(subtotal), weight_grams=500
        )
        return {option.name: option.amount for option in options}

    # Germany has free standard shipping from 75 EUR and express; the EU and the world pay more
    assert names("DE", "20") == {"Standard": Decimal("4.90"), "Express": Decimal("9.90")}
    assert names("DE", "80")["Standard"] == Decimal("0")
    assert names("FR", "20")["Standard"] == Decimal("9.90")
    assert names("JP", "20") == {"International": Decimal("19.90")}
    # and regions are priced apart: Alaska and Hawaii dearer than the mainland, in dollars
    for region, price in (("NY", "14.90"), ("Hawaii", "29.90")):
        (option,) = shipping_options(
            country_code="US", region=region, currency="USD", subtotal=Decimal(20), weight_grams=1
        )
        assert (option.amount, option.currency) == (Decimal(price), "USD")
    # and the codes the README names work
    assert discount_validate(code="welcome10", currency="EUR", subtotal=Decimal("30")).value == 10
    with pytest.raises(Exception, match="50"):
        discount_validate(code="FREESHIP", currency="EUR", subtotal=Decimal("30"))
    # and it starts with the ECB's recorded rates (currency features work offline)
    from freehold.markets.selectors import fx_rate

    usd = fx_rate(base="EUR", quote="USD", on=dt.date(2026, 1, 1))
    assert usd is not None and usd.rate == Decimal("1.0163")
