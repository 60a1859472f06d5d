"""The dashboard's import screen: upload a file, preview every row's problems, confirm, report.

Uses Shopify's public apparel sample (tests/imports/data); its image URLs point at a CDN that is
unreachable here, so images are either left off or served by a local HTTP server.
"""

from __future__ import annotations

import html
import io
import re
import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from freehold.catalog.models import Product
from freehold.core.models import AuditEvent
from freehold.customers.models import Customer
from freehold.imports.models import ImageSource, ImportRun

pytestmark = pytest.mark.django_db

IMPORTS = "/dashboard/imports/"
APPAREL = Path(__file__).parent.parent / "imports" / "data" / "shopify-apparel.csv"
CDN = "https://burst.shopifycdn.com/photos/"


def apparel(*, broken_price: bool = False, image_base: str = "") -> bytes:
    """The sample file; row 8 (striped-silk-blouse) priced "abc" when `broken_price`."""
    text = APPAREL.read_text(encoding="utf-8")
    if broken_price:
        lines = text.splitlines(keepends=True)
        assert lines[7].startswith("striped-silk-blouse,")
        lines[7] = lines[7].replace(",50,,true,true,", ",abc,,true,true,", 1)
        assert ",abc," in lines[7]
        text = "".join(lines)
    if image_base:
        text = text.replace(CDN, image_base)
    return text.encode("utf-8")


def upload(
    client: Client,
    data: bytes,
    *,
    name: str = "products_export.csv",
    format: str = "",
    fetch_images: bool = False,
    follow: bool = True,
):
    fields = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "format": format}
    if fetch_images:
        fields["fetch_images"] = "on"
    return client.post(IMPORTS, fields, follow=follow)


def text(response) -> str:
    """The page's text with tags dropped and spaces collapsed, to read sentences in it."""
    return plain(response.content.decode())


def plain(markup: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", markup)))


def confirm(client: Client, run: ImportRun, capture) -> object:
    """Confirm the preview; the page the browser lands on after the run.

    The run is queued after the commit (the immediate task backend runs it then): outside a
    test's transaction that is at once, inside it when `capture` runs the callbacks.
    """
    with capture(execute=True):
        response = client.post(f"{IMPORTS}{run.pk}/confirm/")
    assert response.status_code == 302
    return client.get(response.headers["Location"])


def test_the_form_offers_the_formats_and_says_the_size_limit(owner_client, settings):
    settings.IMPORT_MAX_BYTES = 100 * 1024 * 1024

    page = owner_client.get(IMPORTS)

    assert page.status_code == 200
    body = page.content.decode()
    for label in (
        "Detect automatically",
        "Shopify products CSV",
        "Shopify customers CSV",
        "Amazon All Listings Report",
        "WooCommerce products CSV",
    ):
        assert label in body
    assert "at most 100 MB" in body
    assert re.search(r'<input type="checkbox" name="fetch_images"[^>]* checked>', body)
    assert "No imports yet." in body
    # and the products and customers lists link to it
    assert f'href="{IMPORTS}"' in owner_client.get("/dashboard/products/").content.decode()
    assert f'href="{IMPORTS}"' in owner_client.get("/dashboard/customers/").content.decode()


def test_the_preview_counts_and_shows_a_broken_rows_problem_writing_nothing(owner_client):
    response = upload(owner_client, apparel(broken_price=True))

    run = ImportRun.objects.get()
    assert response.redirect_chain == [(f"{IMPORTS}{run.pk}/", 302)]
    assert run.status == ImportRun.Status.PREVIEWED and run.format == "shopify-products"
    page = text(response)
    assert "19 products: 19 new, 0 to update, 0 unchanged; 1 rejected" in page
    # the problem names its row, its column and the product
    problems = re.search(
        r"<table class=\"list import-problems\">.*?</table>", response.content.decode(), re.S
    ).group(0)
    row = plain(problems)
    assert re.search(r' 8 Variant Price "abc" is not a price\. striped-silk-blouse ', row), row
    assert "Import 19 products" in page
    assert 'striped-silk-blouse Rejected 8 row 8, Variant Price: "abc" is not a price.' in page
    # and nothing was written to the catalog
    assert Product.objects.count() == 0


def test_confirming_imports_and_shows_the_report_with_links(
    owner_client, django_capture_on_commit_callbacks
):
    upload(owner_client, apparel(broken_price=True))
    run = ImportRun.objects.get()

    response = confirm(owner_client, run, django_capture_on_commit_callbacks)

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE
    page = text(response)
    assert "19 products: 19 created, 0 updated, 0 unchanged; 1 rejected" in page
    assert "Report" in page and "Import 19 products" not in page
    assert Product.objects.count() == 19
    shirt = Product.objects.get(handle="ocean-blue-shirt")
    assert shirt.variants.get().price_amount == Decimal("50.00")
    body = response.content.decode()
    assert f'href="/dashboard/products/{shirt.pk}/"' in body
    assert f'href="{shirt.get_absolute_url()}"' in body  # "View in store"
    # the images the file names wait (fetching was left off), with a button to fetch them
    assert "19 images pending" in page
    assert "Fetch pending images" in page
    # the problem stays in the report
    assert '"abc" is not a price.' in page
    assert AuditEvent.objects.filter(verb="import.completed", object_id=str(run.pk)).exists()


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_import_runs_at_once_and_says_so(owner_client):
    # (as in development: the immediate task backend, requests in autocommit)
    upload(owner_client, apparel(broken_price=True))
    run = ImportRun.objects.get()

    response = owner_client.post(f"{IMPORTS}{run.pk}/confirm/", follow=True)

    assert response.redirect_chain == [(f"{IMPORTS}{run.pk}/", 302)]
    page = text(response)
    assert "Imported: 19 products: 19 created, 0 updated, 0 unchanged; 1 rejected." in page
    assert Product.objects.count() == 19


def test_importing_the_same_file_again_updates_what_changed_and_duplicates_nothing(
    owner_client, django_capture_on_commit_callbacks
):
    upload(owner_client, apparel())
    confirm(owner_client, ImportRun.objects.get(), django_capture_on_commit_callbacks)
    assert Product.objects.count() == 20
    changed = apparel().replace(
        b"ocean-blue-shirt,Ocean Blue Shirt,", b"ocean-blue-shirt,Ocean Sea Shirt,"
    )

    response = upload(owner_client, changed, name="again.csv")

    page = text(response)
    assert "20 products: 0 new, 1 to update, 19 unchanged; 0 rejected" in page
    assert "title: Ocean Blue Shirt → Ocean Sea Shirt" in page
    assert "Import 1 product" in page
    run = ImportRun.objects.get(filename="again.csv")
    confirm(owner_client, run, django_capture_on_commit_callbacks)
    assert Product.objects.count() == 20
    assert Product.objects.get(handle="ocean-blue-shirt").title == "Ocean Sea Shirt"


def test_a_file_with_nothing_to_change_offers_no_import(
    owner_client, django_capture_on_commit_callbacks
):
    upload(owner_client, apparel())
    confirm(owner_client, ImportRun.objects.get(), django_capture_on_commit_callbacks)

    page = text(upload(owner_client, apparel(), name="same.csv"))

    assert "20 products: 0 new, 0 to update, 20 unchanged; 0 rejected" in page
    assert "Nothing to import" in page
    assert "Import 0" not in page


def test_cancel_forgets_the_preview_and_its_file(owner_client):
    upload(owner_client, apparel())
    run = ImportRun.objects.get()

    response = owner_client.post(f"{IMPORTS}{run.pk}/cancel/", follow=True)

    assert response.redirect_chain == [(IMPORTS, 302)]
    assert "The preview of products_export.csv was cancelled; nothing was imported." in text(
        response
    )
    assert not ImportRun.objects.exists()
    assert Product.objects.count() == 0


def test_a_run_that_started_can_be_neither_cancelled_nor_confirmed_again(
    owner_client, django_capture_on_commit_callbacks
):
    upload(owner_client, apparel())
    run = ImportRun.objects.get()
    confirm(owner_client, run, django_capture_on_commit_callbacks)

    cancelled = owner_client.post(f"{IMPORTS}{run.pk}/cancel/", follow=True)
    again = owner_client.post(f"{IMPORTS}{run.pk}/confirm/", follow=True)

    retried = owner_client.post(f"{IMPORTS}{run.pk}/retry/", follow=True)

    assert "Only a preview can be cancelled." in text(cancelled)
    assert "This import has already been started." in text(again)
    assert "Only a failed import can be run again." in text(retried)
    assert ImportRun.objects.filter(status=ImportRun.Status.DONE).count() == 1
    assert Product.objects.count() == 20


def test_a_file_that_is_not_an_import_is_refused_on_the_file_field(owner_client):
    picture = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(picture, format="PNG")

    response = upload(owner_client, picture.getvalue(), name="photo.png", follow=False)

    assert response.status_code == 400
    body = response.content.decode()
    assert re.search(
        r'<p class="error" id="id_file-error">File: This is not a file Freehold '
        r"can import",
        body,
    )
    assert 'aria-invalid="true"' in body
    assert not ImportRun.objects.exists()


def test_an_empty_file_is_refused_on_the_file_field(owner_client):
    response = upload(owner_client, b"  \n", follow=False)

    assert response.status_code == 400
    assert "File: The file is empty." in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_over_the_limit_is_refused_saying_the_limit(owner_client, settings):
    settings.IMPORT_MAX_BYTES = 2048

    response = upload(owner_client, apparel(), follow=False)

    assert response.status_code == 400
    body = text(response)
    assert "at most 2 KB" in body  # in the help
    assert "File: The file is 7.3 KB; at most 2 KB can be imported at once." in body
    assert not ImportRun.objects.exists()


def test_a_named_format_that_does_not_fit_the_file_says_why_on_its_header_row(owner_client):
    response = upload(owner_client, apparel(), format="amazon-listings")

    run = ImportRun.objects.get()
    assert run.format == "amazon-listings"
    page = text(response)
    assert "0 products: 0 new, 0 to update, 0 unchanged; 0 rejected" in page
    assert "1 – the header lacks the column(s) item-name, seller-sku, price" in page
    assert "Nothing to import" in page


def test_problems_are_all_listed_a_hundred_a_page(owner_client):
    header = APPAREL.read_text(encoding="utf-8").splitlines()[0]
    columns = header.split(",")
    rows = []
    for number in range(130):
        cells = dict.fromkeys(columns, "")
        cells.update(
            {
                "Handle": f"bad-{number}",
                "Title": f"Bad {number}",
                "Option1 Name": "Title",
                "Option1 Value": "Default Title",
                "Variant Price": "cheap",
                "Status": "active",
            }
        )
        rows.append(",".join(cells[column] for column in columns))
    data = "\n".join([header, *rows]).encode()

    response = upload(owner_client, data)

    run = ImportRun.objects.get()
    first = text(response)
    assert "Problems (130)" in first
    assert "Problems 1–100 of 130" in first
    assert "bad-99 " in first and "bad-100 " not in first.split("Problems 1–100")[0]
    second = text(owner_client.get(f"{IMPORTS}{run.pk}/?problems=2"))
    assert "Problems 101–130 of 130" in second
    assert '"cheap" is not a price.' in second and "bad-129" in second
    # and the items can be narrowed to the rejected ones
    rejected = text(owner_client.get(f"{IMPORTS}{run.pk}/?action=rejected"))
    assert "Products 1–100 of 130" in rejected


def test_the_list_shows_recent_runs_in_a_constant_number_of_queries(
    owner_client, owner, django_assert_max_num_queries
):
    for number in range(30):
        ImportRun.objects.create(
            format="shopify-products",
            filename=f"file-{number}.csv",
            data=b"x" * 1000,
            sha256="0" * 64,
            status=ImportRun.Status.DONE,
            created=number,
            rejected=1,
            created_by=owner,
        )

    with django_assert_max_num_queries(12):
        response = owner_client.get(IMPORTS)

    page = text(response)
    assert "file-29.csv" in page and "file-5.csv" in page  # 25 a page, newest first
    assert "file-4.csv" not in page
    assert "29 products: 29 created, 0 updated, 0 unchanged; 1 rejected" in page
    assert "owner@example.com" in page
    assert "Imports 1–25" in page


def test_a_running_import_shows_a_progress_bar_that_polls_until_done(owner_client):
    run = ImportRun.objects.create(
        format="shopify-products",
        filename="big.csv",
        data=b"x",
        sha256="0" * 64,
        status=ImportRun.Status.RUNNING,
        progress_done=250,
        progress_total=1000,
    )

    page = owner_client.get(f"{IMPORTS}{run.pk}/").content.decode()
    fragment = owner_client.get(f"{IMPORTS}{run.pk}/progress/")

    assert re.search(r'<progress id="import-progress-bar" max="1000" value="250">', page)
    assert f'hx-get="{IMPORTS}{run.pk}/progress/" hx-trigger="every 1s"' in page
    assert f'href="{IMPORTS}{run.pk}/">Refresh</a>' in page  # without JavaScript
    assert "Importing: 250 of 1000" in text(fragment)
    assert "HX-Refresh" not in fragment.headers
    assert "<html" not in fragment.content.decode()
    # once done, the poll tells htmx to reload the page, which shows the report
    ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.DONE)
    finished = owner_client.get(f"{IMPORTS}{run.pk}/progress/")
    assert finished.headers["HX-Refresh"] == "true"
    assert "hx-get" not in finished.content.decode()


def test_a_failed_import_shows_its_error_and_runs_again_to_finish(
    owner_client, django_capture_on_commit_callbacks
):
    # Given a previewed run that stopped halfway (as a killed worker leaves it)
    upload(owner_client, apparel())
    run = ImportRun.objects.get()
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportRun.Status.FAILED, error="OperationalError: server closed the connection"
    )

    page = text(owner_client.get(f"{IMPORTS}{run.pk}/"))
    assert "The import stopped" in page
    assert "OperationalError: server closed the connection" in page

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(f"{IMPORTS}{run.pk}/retry/")
    response = owner_client.get(f"{IMPORTS}{run.pk}/")

    run.refresh_from_db()
    assert run.status == ImportRun.Status.DONE and run.error == ""
    assert "20 products: 20 created, 0 updated, 0 unchanged; 0 rejected" in text(response)
    assert Product.objects.count() == 20


@pytest.fixture
def image_server() -> Iterator[Callable[[], str]]:
    """A local HTTP server answering every path with a small JPEG; gives its base URL."""
    picture = io.BytesIO()
    Image.new("RGB", (32, 24), "navy").save(picture, format="JPEG")
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
    yield lambda: f"http://127.0.0.1:{server.server_address[1]}/photos/"
    server.shutdown()
    server.server_close()


def test_pending_images_are_fetched_from_the_report(
    owner_client, image_server, django_capture_on_commit_callbacks
):
    # Given an import that left its 20 images pending
    upload(owner_client, apparel(image_base=image_server()))
    run = ImportRun.objects.get()
    confirm(owner_client, run, django_capture_on_commit_callbacks)
    assert ImageSource.objects.filter(status=ImageSource.Status.PENDING).count() == 20

    response = owner_client.post(f"{IMPORTS}{run.pk}/images/", follow=True)

    page = text(response)
    assert "20 image(s) fetched." in page
    assert "images pending" not in page and "Fetch pending images" not in page
    shirt = Product.objects.get(handle="ocean-blue-shirt")
    assert shirt.images.count() == 1


def test_fetching_images_during_the_import_when_asked(
    owner_client, image_server, django_capture_on_commit_callbacks
):
    upload(owner_client, apparel(image_base=image_server()), fetch_images=True)
    run = ImportRun.objects.get()
    assert run.fetch_images

    page = text(confirm(owner_client, run, django_capture_on_commit_callbacks))

    assert "images pending" not in page
    assert ImageSource.objects.filter(status=ImageSource.Status.FETCHED).count() == 20


def _product_run(owner) -> ImportRun:
    return ImportRun.objects.create(
        format="shopify-products", filename="p.csv", data=b"x", sha256="0" * 64, created_by=owner
    )


def test_staff_without_products_or_customers_get_403_everywhere(staff_client_with, owner):
    client = staff_client_with("orders")
    run = _product_run(owner)

    responses = [
        client.get(IMPORTS),
        upload(client, apparel(), follow=False),
        client.get(f"{IMPORTS}{run.pk}/"),
        client.get(f"{IMPORTS}{run.pk}/progress/"),
        *(
            client.post(f"{IMPORTS}{run.pk}/{action}/")
            for action in ("confirm", "cancel", "retry", "images")
        ),
    ]

    assert [response.status_code for response in responses] == [403] * 8
    assert ImportRun.objects.get().status == ImportRun.Status.PREVIEWED
    assert Product.objects.count() == 0


def test_customers_staff_see_only_customer_imports_and_may_not_import_products(
    staff_client_with, owner
):
    client = staff_client_with("customers")
    product_run = _product_run(owner)

    page = client.get(IMPORTS)
    refused = upload(client, apparel(), follow=False)

    assert page.status_code == 200
    body = page.content.decode()
    assert "Shopify customers CSV" in body and "Shopify products CSV" not in body
    assert "Fetch images" not in body
    assert "p.csv" not in body
    assert client.get(f"{IMPORTS}{product_run.pk}/").status_code == 403
    assert client.post(f"{IMPORTS}{product_run.pk}/confirm/").status_code == 403
    # a products file, detected, is refused (and not kept)
    assert refused.status_code == 400
    assert "This is a Shopify products CSV; importing it needs the Products permission." in (
        text(refused)
    )
    assert ImportRun.objects.count() == 1
    # and naming the products format is not offered to them
    named = upload(client, apparel(), format="shopify-products", follow=False)
    assert named.status_code == 400
    assert "Select a valid choice" in named.content.decode()


def test_products_staff_may_import_products(staff_client_with):
    client = staff_client_with("products")

    response = upload(client, apparel())

    assert response.status_code == 200
    assert "20 products: 20 new" in text(response)


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(IMPORTS)

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


def test_uploads_need_the_csrf_token(owner):
    client = Client(enforce_csrf_checks=True)
    client.force_login(owner)

    response = upload(client, apparel(), follow=False)

    assert response.status_code == 403
    assert not ImportRun.objects.exists()


def test_customers_staff_import_shopifys_customers_file(
    staff_client_with, django_capture_on_commit_callbacks
):
    client = staff_client_with("customers")
    data = (APPAREL.parent / "shopify-customers.csv").read_bytes()

    preview = upload(client, data, name="customers_export.csv")

    run = ImportRun.objects.get()
    assert run.format == "shopify-customers"
    page = text(preview)
    assert "3 customers: 3 new, 0 to update, 0 unchanged; 3 rejected" in page
    assert '5 Email "not-an-email" is not an e-mail address. not-an-email' in page
    assert "Import 3 customers" in page
    assert "Images" not in page
    assert not Customer.objects.filter(email="ann@example.com").exists()

    report = confirm(client, run, django_capture_on_commit_callbacks)

    assert "3 customers: 3 created, 0 updated, 0 unchanged; 3 rejected" in text(report)
    ann = Customer.objects.get(email="ann@example.com")
    assert f'href="/dashboard/customers/{ann.pk}/"' in report.content.decode()
    # the second row of ann@example.com was rejected, with its own reason
    assert "row 7, Email: Ann@Example.com is already on row 2." in text(report)
