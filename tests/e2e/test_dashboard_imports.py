"""The merchant moves in from Shopify in a browser: uploads the store's product export, reads
the preview (a broken row named by its row and column), confirms, reads the report and opens an
imported product, with its photo, in the storefront."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from freehold.catalog.models import Product
from freehold.imports.models import ImportRun

pytestmark = pytest.mark.e2e

APPAREL = Path(__file__).parent.parent / "imports" / "data" / "shopify-apparel.csv"
CDN = "https://burst.shopifycdn.com/photos/"


@pytest.fixture
def photo_server() -> Iterator[str]:
    """A local server playing Shopify's CDN: every path is a small JPEG. Its base URL."""
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), "teal").save(picture, format="JPEG")
    body = picture.getvalue()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/photos/"
    server.shutdown()
    server.server_close()


def export_file(photo_base: str) -> bytes:
    """Shopify's apparel sample, its photos on the local server, row 8's price broken."""
    lines = APPAREL.read_text(encoding="utf-8").replace(CDN, photo_base).splitlines(keepends=True)
    assert lines[7].startswith("striped-silk-blouse,")
    lines[7] = lines[7].replace(",50,,true,true,", ",abc,,true,true,", 1)
    return "".join(lines).encode("utf-8")


def test_import_a_shopify_export_and_see_a_product_in_the_store(dashboard_page, photo_server):
    page = dashboard_page

    # Given the products list, the merchant opens the import screen
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Products").click()
    page.wait_for_url("**/dashboard/products/")
    page.get_by_role("link", name="Import", exact=True).click()
    page.wait_for_url("**/dashboard/imports/")
    expect(page.get_by_label("Fetch images")).to_be_checked()

    # When they upload Shopify's product export (format detected)
    page.get_by_label("File", exact=True).set_input_files(
        {"name": "products_export.csv", "mimeType": "text/csv", "buffer": export_file(photo_server)}
    )
    page.get_by_role("button", name="Upload and preview").click()
    page.wait_for_url(re.compile(r".*/dashboard/imports/\d+/$"))

    # Then the preview counts the products and names the broken row, its column and product
    expect(page.locator(".import-summary")).to_have_text(
        "19 products: 19 new, 0 to update, 0 unchanged; 1 rejected"
    )
    problem = page.locator("table.import-problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td")).to_have_text(
        ["8", "Variant Price", '"abc" is not a price.', "striped-silk-blouse"]
    )
    assert Product.objects.count() == 0

    # When they confirm (the browser asks first)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Import 19 products").click()

    # Then the report says what was done, photos included
    expect(
        page.get_by_text("Imported: 19 products: 19 created, 0 updated, 0 unchanged; 1 rejected.")
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Report")).to_be_visible()
    expect(page.get_by_text("images pending")).to_have_count(0)
    assert ImportRun.objects.get().status == ImportRun.Status.DONE

    # And the shirt opens in the storefront, with its photo
    row = page.get_by_role("row").filter(has_text="ocean-blue-shirt")
    with page.context.expect_page() as opened:
        row.get_by_role("link", name="View in store").click()
    store = opened.value
    store.wait_for_load_state()
    expect(store.get_by_role("heading", name="Ocean Blue Shirt", level=1)).to_be_visible()
    expect(store.locator("main img").first).to_be_visible()
    assert Product.objects.get(handle="ocean-blue-shirt").images.count() == 1


def test_a_running_import_shows_its_progress_and_then_the_report(dashboard_page):
    page = dashboard_page
    # Given an import a worker is running (the database task backend, as in production)
    run = ImportRun.objects.create(
        format="shopify-products",
        filename="big.csv",
        data=b"Handle,Title\n",
        sha256="0" * 64,
        status=ImportRun.Status.RUNNING,
        progress_done=250,
        progress_total=1000,
        created=1000,
    )

    page.goto(f"/dashboard/imports/{run.pk}/")
    expect(page.get_by_text("Importing: 250 of 1000")).to_be_visible()
    expect(page.locator("progress#import-progress-bar")).to_have_attribute("value", "250")

    # When the worker gets on, the bar follows without a reload
    ImportRun.objects.filter(pk=run.pk).update(progress_done=750)
    expect(page.get_by_text("Importing: 750 of 1000")).to_be_visible()

    # And once it is done, the page shows the report
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.DONE, progress_done=1000)
    expect(page.get_by_role("heading", name="Report")).to_be_visible()
    expect(page.locator(".import-summary")).to_have_text(
        "1000 products: 1000 created, 0 updated, 0 unchanged; 0 rejected"
    )
    expect(page.locator("progress")).to_have_count(0)
