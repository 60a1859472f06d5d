"""The seller page (/sellers/<handle>) and cached pages that follow the seller: writes through
the `vendor:<id>` tag, time-only changes through the daily job (marketplace.seller)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client, override_settings

from freehold.catalog import services as catalog_services
from freehold.catalog.models import Product
from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.marketplace import inform, seller
from freehold.marketplace.models import MarketplaceSettings, Vendor
from tests.factories import make_product
from tests.marketplace.factories import enable_marketplace, make_vendor, make_vendor_product
from tests.marketplace.test_inform_counters import NOW, sell
from tests.marketplace.test_inform_status import high_volume_vendor, submit_all, verify_all

pytestmark = pytest.mark.django_db
SUSPENDED = "This seller's sales are suspended"
LEGAL_NAME = "Ana Lopez Goods LLC"


@pytest.fixture(autouse=True)
def page_cache_on(settings) -> None:
    settings.PAGE_CACHE_ENABLED = True


def get(client: Client, path: str, *, at: dt.datetime = NOW):
    with frozen_at(at):
        response = client.get(path)
    assert response.status_code == 200, path
    return response


# --- The page ----------------------------------------------------------------------------------


def test_the_seller_page_shows_the_block_and_only_the_sellers_live_products() -> None:
    enable_marketplace()
    vendor = make_vendor(name="Kestrel")
    mug = make_vendor_product(vendor, title="Kestrel mug")
    make_vendor_product(vendor, title="Kestrel draft", status=Product.Status.DRAFT)
    make_vendor_product(make_vendor(name="Other"), title="Other bowl")
    make_product(title="House blend")

    html = Client().get(f"/sellers/{vendor.handle}").content.decode()

    assert "<h1>Kestrel</h1>" in html
    assert html.count('class="seller-block"') == 1
    assert f'href="{mug.get_absolute_url()}"' in html and ">Kestrel mug</h3>" in html
    for absent in ("Kestrel draft", "Other bowl", "House blend"):
        assert absent not in html, absent
    assert '<meta name="robots" content="noindex' in html


def test_sold_by_on_the_product_page_links_the_seller_page() -> None:
    enable_marketplace()
    vendor = make_vendor(name="Kestrel")
    product = make_vendor_product(vendor)

    html = Client().get(product.get_absolute_url()).content.decode()

    assert f'<a href="/sellers/{vendor.handle}">Sold by Kestrel</a>' in html


@pytest.mark.parametrize(
    "status", [Vendor.Status.APPLIED, Vendor.Status.INVITED, Vendor.Status.TERMINATED]
)
def test_a_vendor_that_is_not_active_has_no_page(status: str) -> None:
    enable_marketplace()
    vendor = make_vendor(status=status)
    assert Client().get(f"/sellers/{vendor.handle}").status_code == 404


def test_with_the_marketplace_off_there_is_no_seller_page() -> None:
    vendor = make_vendor()
    make_vendor_product(vendor)
    assert Client().get(f"/sellers/{vendor.handle}").status_code == 404
    assert Client().get("/sellers/nobody").status_code == 404


def test_the_seller_page_is_cached_and_renewed_when_the_seller_changes() -> None:
    enable_marketplace()
    vendor = make_vendor(name="Kestrel")
    make_vendor_product(vendor, title="Kestrel mug")
    client = Client()
    path = f"/sellers/{vendor.handle}"
    assert client.get(path)["X-Page-Cache"] == "miss"
    assert client.get(path)["X-Page-Cache"] == "hit"

    vendor.name = "Kestrel & Co"  # e.g. the operator renames it
    vendor.save()
    renewed = client.get(path)
    assert renewed["X-Page-Cache"] == "miss" and "<h1>Kestrel &amp; Co</h1>" in renewed.text

    new = make_vendor_product(vendor, title="Kestrel jug")
    assert ">Kestrel jug</h3>" in client.get(path).text
    catalog_services.product_update(product=new, actor=Actor.system("test"), title="Kestrel jar")
    assert ">Kestrel jar</h3>" in client.get(path).text


def test_the_seller_page_paginates() -> None:
    enable_marketplace()
    vendor = make_vendor()
    for number in range(3):
        make_vendor_product(vendor, title=f"Item {number}")

    with override_settings(CATALOG_PAGE_SIZE=2):
        first = Client().get(f"/sellers/{vendor.handle}").text
        second = Client().get(f"/sellers/{vendor.handle}?page=2").text

    assert first.count('<article class="card">') == 2
    assert f'href="/sellers/{vendor.handle}?page=2"' in first
    assert second.count('<article class="card">') == 1


# --- Time alone changes what shoppers see --------------------------------------------------


def test_day_11_suspension_reaches_cached_pages_after_the_daily_job() -> None:
    # Given a high-volume vendor asked for its information at NOW (due NOW + 10 days)
    vendor, product = high_volume_vendor()
    client = Client()
    paths = (product.get_absolute_url(), f"/sellers/{vendor.handle}")
    day_10 = NOW + dt.timedelta(days=10)
    day_11 = NOW + dt.timedelta(days=10, hours=2)
    for path in paths:
        cached = get(client, path, at=day_10)
        assert SUSPENDED not in cached.text, path
    assert ">Add to cart</button>" in get(client, paths[0], at=day_10).text

    # When only time passes, the cached pages are served as they were
    for path in paths:
        stale = get(client, path, at=day_11)
        assert stale["X-Page-Cache"] == "hit" and SUSPENDED not in stale.text, path

    # Then the daily job on day 11 renews them: the same URLs show the suspension
    with frozen_at(day_11):
        inform.inform_recompute()
    for path in paths:
        assert SUSPENDED in get(client, path, at=day_11).text, path
    product_page = get(client, paths[0], at=day_11).text
    assert " disabled>Unavailable</button>" in product_page


def test_the_daily_job_renews_nothing_when_nothing_shown_changed() -> None:
    vendor, product = high_volume_vendor()
    client = Client()
    with frozen_at(NOW + dt.timedelta(days=1)):
        inform.inform_recompute()
    get(client, product.get_absolute_url(), at=NOW + dt.timedelta(days=2))

    with frozen_at(NOW + dt.timedelta(days=2)):
        inform.inform_recompute()

    again = get(client, product.get_absolute_url(), at=NOW + dt.timedelta(days=2))
    assert again["X-Page-Cache"] == "hit"
    with frozen_at(NOW + dt.timedelta(days=3)):
        assert not seller.shown_state_refresh(vendor=Vendor.objects.get(pk=vendor.pk))


def test_the_identity_leaves_cached_pages_when_sales_leave_the_trailing_window() -> None:
    # Given a US-only marketplace and a verified seller with USD 20,000 sold 30 days ago
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(name="Ana Goods", region="Texas", country_code="US")
    product = make_vendor_product(vendor)
    sell(product, count=200, total="20000", first_at=NOW - dt.timedelta(days=30))
    with frozen_at(NOW - dt.timedelta(days=29)):
        inform.vendor_recompute(vendor=vendor)
    verify_all(submit_all(vendor, at=NOW - dt.timedelta(days=28)))
    with frozen_at(NOW + dt.timedelta(days=300)):
        inform.certify(vendor=vendor, changed=False, actor=Actor.system("vendor"))
    client = Client()
    shown_until = NOW + dt.timedelta(days=334)  # the sales are 364 days old
    gone_after = NOW + dt.timedelta(days=336)  # 366 days old: out of the 12 months
    assert LEGAL_NAME in get(client, product.get_absolute_url(), at=shown_until).text
    stale = get(client, product.get_absolute_url(), at=gone_after)
    assert stale["X-Page-Cache"] == "hit" and LEGAL_NAME in stale.text

    # When the daily job runs
    with frozen_at(gone_after):
        inform.inform_recompute()

    # Then the identity is gone (still high-volume over 24 months: the report link stays)
    html = get(client, product.get_absolute_url(), at=gone_after).text
    assert LEGAL_NAME not in html
    assert "Report suspicious activity" in html


def test_a_payment_that_crosses_the_disclosure_threshold_renews_the_cached_page() -> None:
    enable_marketplace(sells_to_eu_consumers=False)
    vendor = make_vendor(name="Ana Goods")
    product = make_vendor_product(vendor)
    sell(product, count=200, total="19999", first_at=NOW - dt.timedelta(days=30))
    with frozen_at(NOW - dt.timedelta(days=29)):
        inform.vendor_recompute(vendor=vendor)
    verify_all(submit_all(vendor, at=NOW - dt.timedelta(days=28)))
    client = Client()
    assert LEGAL_NAME not in get(client, product.get_absolute_url()).text

    # A new paid order: the payment's recompute (not a signal) notices the threshold
    lines = sell(product, count=1, total="1", first_at=NOW - dt.timedelta(hours=1))
    with frozen_at(NOW):
        inform.order_paid_or_refunded(lines[0].order_id)

    assert LEGAL_NAME in get(client, product.get_absolute_url()).text


def test_a_settings_switch_renews_every_cached_seller_block() -> None:
    enable_marketplace()
    vendor = make_vendor(name="Kestrel")
    product = make_vendor_product(vendor)
    client = Client()
    assert "Kestrel sells as a trader." in client.get(product.get_absolute_url()).text

    settings_row = MarketplaceSettings.objects.get(pk=1)
    settings_row.sells_to_eu_consumers = False
    settings_row.save()

    assert "sells as a trader" not in client.get(product.get_absolute_url()).text
