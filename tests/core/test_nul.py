"""NUL characters are refused before any view: PostgreSQL text cannot hold them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

pytestmark = pytest.mark.django_db


def test_a_search_with_a_nul_is_a_400_not_a_database_error():
    response = Client().get("/search", {"q": "mug\x00"})

    assert response.status_code == 400
    assert b"NUL" in response.content


def test_the_api_answers_in_its_error_shape_for_query_and_json_bodies():
    query = Client().get("/api/v1/search", {"q": "a\x00b"})
    body = Client().post(
        "/api/v1/carts/abc/lines",
        '{"variant_id": 1, "note": "x\\u0000"}',
        content_type="application/json",
    )

    assert (query.status_code, query.json()["error"]["code"]) == (400, "invalid")
    assert (body.status_code, body.json()["error"]["code"]) == (400, "invalid")


def test_form_fields_are_checked_but_uploaded_files_may_hold_any_bytes():
    field = Client().post("/account/login", {"email": "a\x00@example.com", "password": "x"})
    upload = Client().post(
        "/account/login",
        {"email": "a@example.com", "file": SimpleUploadedFile("x.bin", b"\x00\x01")},
    )

    assert field.status_code == 400
    assert upload.status_code != 400 or b"NUL" not in upload.content
