"""The 500 page: shown when anything failed, so it must not need the database."""

from django.test import RequestFactory

from freehold.storefront import views


def test_server_error_page_needs_no_database():
    # This module has no database access: a query would fail the test.
    response = views.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()
