"""Admin API: a product's translations, read with the product and written one language at a
time (scope products:write), errors naming the field."""

from __future__ import annotations

import pytest

from freehold.catalog.models import ProductTranslation
from freehold.core.models import AuditEvent
from tests.api.admin_client import call, token
from tests.factories import make_product, make_store_settings

pytestmark = pytest.mark.django_db


@pytest.fixture
def coat():
    make_store_settings(currency="EUR", language="en")
    return make_product(title="Wool Coat", currency="EUR")


def test_a_language_is_written_and_read_back_with_the_product(coat):
    writer = token("products:write")

    response = call(
        "patch",
        f"/api/v1/admin/products/{coat.pk}/translations/de",
        writer,
        {"title": "Wollmantel", "description_html": "<p>Wolle</p><script>x()</script>"},
    )

    assert response.status_code == 200
    assert response.json()["translations"] == {
        "de": {
            "title": "Wollmantel",
            "description_html": "<p>Wolle</p>",
            "seo_title": "",
            "seo_description": "",
        }
    }
    read = call("get", f"/api/v1/admin/products/{coat.pk}", token("products:read"))
    assert read.json()["translations"]["de"]["title"] == "Wollmantel"
    assert AuditEvent.objects.filter(
        verb="product.translated", actor_kind=AuditEvent.ActorKind.API_TOKEN
    ).exists()


def test_clearing_every_text_removes_the_language(coat):
    writer = token("products:write")
    call("patch", f"/api/v1/admin/products/{coat.pk}/translations/fr", writer, {"title": "X"})

    response = call(
        "patch", f"/api/v1/admin/products/{coat.pk}/translations/fr", writer, {"title": ""}
    )

    assert response.json()["translations"] == {}
    assert not ProductTranslation.objects.exists()


@pytest.mark.parametrize(
    ("language", "body", "status", "field"),
    [
        ("xx", {"title": "X"}, 400, "language"),
        ("en", {"title": "X"}, 400, "language"),
        ("de", {"title": "X" * 256}, 422, "title"),
    ],
)
def test_bad_input_names_the_field(coat, language, body, status, field):
    response = call(
        "patch",
        f"/api/v1/admin/products/{coat.pk}/translations/{language}",
        token("products:write"),
        body,
    )

    assert (response.status_code, response.json()["error"]["field"]) == (status, field)


def test_reading_scope_cannot_write(coat):
    response = call(
        "patch",
        f"/api/v1/admin/products/{coat.pk}/translations/de",
        token("products:read"),
        {"title": "X"},
    )

    assert response.status_code == 403
    assert not ProductTranslation.objects.exists()
