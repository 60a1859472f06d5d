"""The shared dashboard helpers: query strings, pagination, CSV cells."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import RequestFactory

from freehold.customers.models import Customer
from freehold.dashboard.pages import csv_cell, csv_response, paginate, querystring


def test_querystring_changes_one_parameter_and_keeps_the_rest():
    request = RequestFactory().get("/dashboard/orders/?status=paid&page=3")
    assert querystring(request, page=4) == "?status=paid&page=4"
    assert querystring(request, page=None) == "?status=paid"
    assert querystring(request, status="", page="") == "?"


@pytest.mark.django_db
def test_paginate_reads_one_page_in_one_query(django_assert_num_queries):
    for n in range(7):
        Customer.objects.create_user(f"p{n}@example.com", "x")
    queryset = Customer.objects.order_by("email")
    request = RequestFactory().get("/?page=2")
    with django_assert_num_queries(1):
        page = paginate(request, queryset, per_page=3)
    assert [c.email for c in page.rows] == ["p3@example.com", "p4@example.com", "p5@example.com"]
    assert page.has_next and page.has_previous
    assert (page.first_index, page.last_index) == (4, 6)
    last = paginate(RequestFactory().get("/?page=3"), queryset, per_page=3, count=True)
    assert [c.email for c in last.rows] == ["p6@example.com"] and not last.has_next
    assert last.total == 7
    assert paginate(RequestFactory().get("/?page=abc"), queryset, per_page=3).number == 1


def test_csv_cells_cannot_become_formulas():
    assert csv_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert csv_cell("+49 30 1234") == "'+49 30 1234"
    assert csv_cell("@sum") == "'@sum"
    assert csv_cell(Decimal("-5.00")) == "-5.00"
    assert csv_cell(-5) == "-5"
    assert csv_cell(None) == ""
    assert csv_cell("Plain") == "Plain"


def test_csv_response_streams_a_bom_and_rows():
    response = csv_response("x.csv", ["a", "b"], [["=1", 2]])
    body = b"".join(response.streaming_content).decode()
    assert body == "\ufeffa,b\r\n'=1,2\r\n"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
