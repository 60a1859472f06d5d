"""Settings: who may use them, store details and theme reaching the storefront, navigation,
payments. (Staff accounts, shipping, API tokens and webhooks have their own files.)"""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.core.models import AuditEvent
from freehold.dashboard.store.services import menu_item_create
from freehold.storefront.models import Menu, MenuItem, Page, StoreSettings
from tests.factories import make_store_settings

pytestmark = pytest.mark.django_db

# Every settings page (GET) and form (POST) a staff member without "settings" must not reach.
GET_PAGES = [
    "/dashboard/settings/",
    "/dashboard/settings/details/",
    "/dashboard/settings/theme/",
    "/dashboard/settings/navigation/",
    "/dashboard/settings/navigation/1/",
    "/dashboard/settings/shipping/",
    "/dashboard/settings/shipping/zones/new/",
    "/dashboard/settings/shipping/zones/1/",
    "/dashboard/settings/shipping/zones/1/rates/new/",
    "/dashboard/settings/shipping/rates/1/",
    "/dashboard/settings/payments/",
    "/dashboard/settings/staff/",
    "/dashboard/settings/staff/invite/",
    "/dashboard/settings/staff/1/",
    "/dashboard/settings/api-tokens/",
    "/dashboard/settings/webhooks/",
    "/dashboard/settings/webhooks/1/",
]
POST_ONLY = [
    "/dashboard/settings/navigation/1/delete/",
    "/dashboard/settings/navigation/1/move/",
    "/dashboard/settings/shipping/zones/1/delete/",
    "/dashboard/settings/shipping/rates/1/delete/",
    "/dashboard/settings/staff/1/active/",
    "/dashboard/settings/staff/1/resend/",
    "/dashboard/settings/api-tokens/1/revoke/",
    "/dashboard/settings/webhooks/1/active/",
    "/dashboard/settings/webhooks/1/delete/",
    "/dashboard/settings/webhooks/deliveries/1/redeliver/",
]
STAFF_PAGES = [url for url in GET_PAGES + POST_ONLY if "/staff/" in url]


def test_staff_without_the_settings_permission_get_403_on_every_page_and_post(
    staff_client_with,
):
    client = staff_client_with("orders", "products", "customers", "discounts", "reports")
    for url in GET_PAGES:
        assert client.get(url).status_code == 403, url
    for url in GET_PAGES + POST_ONLY:
        assert client.post(url, {"name": "Hacked", "phone": "1"}).status_code == 403, url
    assert not AuditEvent.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in():
    for url in GET_PAGES:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/account/login?next=")


def test_staff_with_settings_but_not_a_manager_cannot_manage_staff_accounts(staff_client_with):
    client = staff_client_with("settings")
    assert client.get("/dashboard/settings/").status_code == 200
    assert "Staff accounts" not in client.get("/dashboard/settings/").content.decode()
    for url in STAFF_PAGES:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"email": "x@example.com", "role": "owner"}).status_code == 403


def test_the_index_links_every_section(owner_client):
    page = owner_client.get("/dashboard/settings/").content.decode()
    for url in [
        "/dashboard/settings/details/", "/dashboard/settings/theme/",
        "/dashboard/settings/navigation/", "/dashboard/settings/shipping/",
        "/dashboard/settings/payments/", "/dashboard/settings/staff/",
        "/dashboard/settings/api-tokens/", "/dashboard/settings/webhooks/",
    ]:  # fmt: skip
        assert f'href="{url}"' in page


def details_form(**changes: str) -> dict[str, str]:
    data = {
        "name": "Northwind", "tagline": "", "currency": "EUR", "language": "en",
        "legal_name": "Northwind GmbH", "legal_form": "GmbH", "representatives": "Ana Lima",
        "address_line1": "Hafenstraße 1", "address_line2": "", "postal_code": "20457",
        "city": "Hamburg", "region": "", "country_code": "de", "email": "hello@northwind.example",
        "phone": "+49 40 123456", "register_name": "Amtsgericht Hamburg",
        "register_number": "HRB 1", "vat_id": "DE123456789", "tax_label": "VAT",
        "tax_rate_percent": "19", "prices_include_tax": "on", "return_window_days": "30",
        "low_stock_threshold": "5",
    }  # fmt: skip
    data.update(changes)
    return data


def test_saving_store_details_shows_on_the_cached_imprint_page_and_is_audited(
    owner_client, django_assert_num_queries
):
    # Given the imprint page, cached (served without a query) with the old phone number
    make_store_settings(name="Northwind", phone="+49 40 000000")
    Client().get("/legal/imprint")
    with django_assert_num_queries(0):
        assert "+49 40 000000" in Client().get("/legal/imprint").content.decode()

    # When the owner saves a new phone number
    response = owner_client.post("/dashboard/settings/details/", details_form())

    # Then the storefront's imprint page shows it at once
    assert response.status_code == 302
    page = Client().get("/legal/imprint").content.decode()
    assert "+49 40 123456" in page
    assert "Northwind GmbH" in page
    store = StoreSettings.objects.get(pk=1)
    assert (store.country_code, store.low_stock_threshold) == ("DE", 5)

    # And so does the contact page
    Page.objects.create(handle="contact", title="Contact", template=Page.Template.CONTACT)
    contact = Client().get("/pages/contact").content.decode()
    assert "+49 40 123456" in contact and "hello@northwind.example" in contact
    event = AuditEvent.objects.get(verb="store.settings_updated")
    assert "phone" in event.data["fields"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("currency", "EUROS", "Currency"),
        ("country_code", "XX", "Country"),
        ("email", "not-an-address", "Contact e-mail"),
        ("tax_rate_percent", "150", "Tax rate"),
        ("language", "English!", "Language"),
        ("phone", "call me", "Phone"),
        ("name", "", "Store name"),
    ],
)
def test_bad_store_details_are_refused_naming_the_field(owner_client, field, value, message):
    make_store_settings(name="Before")
    response = owner_client.post("/dashboard/settings/details/", details_form(**{field: value}))
    assert response.status_code == 400
    assert f'<p class="error" id="id_{field}-error">{message}' in response.content.decode()
    assert StoreSettings.objects.get(pk=1).name == "Before"


def theme_form(**changes: str) -> dict[str, str]:
    data = {
        "color_primary": "#1f3a5f", "color_accent": "#b4442c", "color_background": "#ffffff",
        "color_text": "#1b1b1b", "font_heading": "didone", "font_body": "system",
        "announcement_enabled": "on", "announcement_text": "Free shipping this week",
        "announcement_url": "/collections/all", "hero_title": "Made to last",
        "hero_subtitle": "", "hero_cta_label": "Shop", "hero_cta_url": "/collections/all",
    }  # fmt: skip
    data.update(changes)
    return data


def png_upload(name: str = "logo.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 32), "#1f3a5f").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def test_saving_the_theme_changes_the_storefront_home_page_and_its_stylesheet(
    owner_client, settings, tmp_path, django_assert_num_queries
):
    # Given a home page cached (served without a query) before the change
    settings.MEDIA_ROOT = tmp_path
    make_store_settings(name="Northwind")
    Client().get("/")
    with django_assert_num_queries(0):
        before = Client().get("/").content.decode()
    assert "Free shipping this week" not in before

    # When the owner saves a theme with an announcement, a new accent colour and a logo
    response = owner_client.post(
        "/dashboard/settings/theme/",
        {
            **theme_form(color_accent="#0a7f3f"),
            "logo_upload": png_upload(),
            "hero_image_upload": png_upload("hero.png"),
        },
    )

    # Then the storefront shows the announcement and the new colour, and the logo is stored
    assert response.status_code == 302
    home = Client().get("/").content.decode()
    assert "Free shipping this week" in home
    assert "hero-with-image" in home
    store = StoreSettings.objects.get(pk=1)
    assert store.logo is not None and store.font_heading == "didone"
    assert "#0a7f3f" in Client().get("/theme.css").content.decode()

    # When the owner removes the hero image, then the home page has none
    owner_client.post("/dashboard/settings/theme/", {**theme_form(), "remove_hero_image": "on"})
    assert "hero-with-image" not in Client().get("/").content.decode()
    assert StoreSettings.objects.get(pk=1).logo_id == store.logo_id


@pytest.mark.parametrize(
    ("changes", "field", "words"),
    [
        ({"color_text": "#fafafa"}, "color_text", "Contrast with the background"),
        ({"color_accent": "red"}, "color_accent", "Accent colour"),
        ({"font_body": "comic"}, "font_body", "Font body"),
        ({"announcement_url": "javascript:alert(1)"}, "announcement_url", "Announcement link"),
        ({"hero_cta_url": "//evil.example"}, "hero_cta_url", "Hero button link"),
        ({"announcement_text": ""}, "announcement_text", "Announcement text"),
    ],
)
def test_bad_theme_values_are_refused_naming_the_field(owner_client, changes, field, words):
    make_store_settings(name="Northwind")
    response = owner_client.post("/dashboard/settings/theme/", theme_form(**changes))
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}-error"' in page
    assert words in page
    assert StoreSettings.objects.get(pk=1).font_heading != "didone"


def test_a_file_that_is_not_an_image_is_refused_as_the_logo(owner_client):
    make_store_settings(name="Northwind")
    upload = SimpleUploadedFile("logo.png", b"not an image", content_type="image/png")
    response = owner_client.post(
        "/dashboard/settings/theme/", {**theme_form(), "logo_upload": upload}
    )
    assert response.status_code == 400
    assert 'id="id_logo_upload-error"' in response.content.decode()


def test_navigation_links_are_added_edited_reordered_and_removed_and_the_store_shows_them(
    owner_client,
):
    # Given a cached home page
    make_store_settings(name="Northwind")
    Client().get("/")

    # When the owner adds two links to the main menu
    for title, url in [("Jackets", "/collections/jackets"), ("Journal", "/pages/journal")]:
        response = owner_client.post(
            "/dashboard/settings/navigation/",
            {"menu": "main", "main-title": title, "main-url": url},
        )
        assert response.status_code == 302

    # Then the storefront's header shows them, in order
    home = Client().get("/").content.decode()
    assert home.index("/collections/jackets") < home.index("/pages/journal")

    # When the second moves up, the first is renamed and the second removed
    jackets, journal = MenuItem.objects.order_by("position")
    owner_client.post(f"/dashboard/settings/navigation/{journal.pk}/move/", {"direction": "up"})
    assert list(MenuItem.objects.order_by("position").values_list("title", flat=True)) == [
        "Journal",
        "Jackets",
    ]
    owner_client.post(
        f"/dashboard/settings/navigation/{jackets.pk}/",
        {"title": "Coats", "url": "https://northwind.example/coats"},
    )
    owner_client.post(f"/dashboard/settings/navigation/{journal.pk}/delete/")

    # Then only the renamed link is left, and the storefront shows it
    assert list(MenuItem.objects.values_list("title", "url")) == [
        ("Coats", "https://northwind.example/coats")
    ]
    assert "https://northwind.example/coats" in Client().get("/").content.decode()
    assert Menu.objects.get(handle="main").items.count() == 1
    verbs = set(AuditEvent.objects.values_list("verb", flat=True))
    assert {"menu.item_added", "menu.item_moved", "menu.item_changed", "menu.item_removed"} <= verbs


@pytest.mark.parametrize("url", ["javascript:alert(1)", "collections/new", "//evil.example/"])
def test_bad_menu_links_are_refused_naming_the_field(owner_client, url):
    response = owner_client.post(
        "/dashboard/settings/navigation/",
        {"menu": "footer", "footer-title": "Bad", "footer-url": url},
    )
    assert response.status_code == 400
    assert 'id="id_footer-url-error">Link:' in response.content.decode()
    assert not MenuItem.objects.exists()


def test_the_payments_page_says_which_gateways_are_offered_without_showing_secrets(
    owner_client, settings
):
    settings.STRIPE_SECRET_KEY = "sk_test_do_not_show"
    page = owner_client.get("/dashboard/settings/payments/").content.decode()
    assert "Bank transfer or cash on delivery" in page
    assert "FREEHOLD_STRIPE_SECRET_KEY" in page
    assert "sk_test_do_not_show" not in page
    assert "quoting order #{number}" in page


@pytest.mark.parametrize("url", ["javascript:alert(1)", "//evil.example/"])
def test_the_menu_service_refuses_bad_links_whoever_calls_it(url):
    with pytest.raises(ValidationFailed) as refused:
        menu_item_create(menu_handle="main", title="Bad", url=url, actor=Actor.system("test"))
    assert refused.value.field == "url"
