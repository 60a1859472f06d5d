"""The dashboard's orders area: finding orders, acting on one, bulk actions, papers, CSV."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from freehold.catalog.models import Variant
from freehold.core.models import AuditEvent
from freehold.orders.models import Fulfilment, Order, OrderNote, Payment
from freehold.orders.operations import fulfilment_create, order_refund
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus
from tests.factories import make_store_settings
from tests.orders.builders import STAFF_ACTOR, address, make_variant, place_order

pytestmark = pytest.mark.django_db


def body(response) -> str:
    return response.content.decode()


def csv_rows(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def numbers_listed(response) -> list[str]:
    """The order numbers of the list's rows, top to bottom (from their checkboxes)."""
    return re.findall(r'name="order" value="([^"]+)"', body(response))


def stock_of(variant: Variant) -> int:
    variant.refresh_from_db(fields=["stock_quantity"])
    return variant.stock_quantity


# --- The list -------------------------------------------------------------------------------


def test_the_list_shows_orders_newest_first_with_their_statuses(owner_client):
    mug = make_variant(title="Mug")
    older = place_order([(mug, 1)], email="old@example.com")
    newer = place_order([(mug, 3)], email="new@example.com", paid=True)

    response = owner_client.get("/dashboard/orders/")

    assert response.status_code == 200
    assert numbers_listed(response) == [newer.number, older.number]
    page = body(response)
    assert f'href="/dashboard/orders/{newer.number}/"' in page
    assert "Awaiting payment" in page and "Paid" in page and "Unfulfilled" in page
    assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=ben%40example.com", ["ben"]),
        ("q=BEN%40EXAMPLE.COM", ["ben"]),
        ("q=%23{ben}", ["ben"]),
        ("q={ana}", ["ana"]),
        ("q=Lima", ["ana"]),
        ("q=ana+lima", ["ana"]),
        ("q=carla+lima", []),
        ("payment_status=paid", ["ben", "carla"]),
        ("payment_status=awaiting_payment", ["ana"]),
        ("fulfilment_status=fulfilled", ["carla"]),
        ("status=cancelled", []),
        ("country=fr", ["carla"]),
        ("country=DE&payment_status=paid", ["ben"]),
    ],
)
def test_the_list_is_filtered(owner_client, query, expected):
    mug = make_variant(title="Mug")
    orders = {
        "ana": place_order([(mug, 1)], email="ana@example.com"),
        "ben": place_order(
            [(mug, 1)],
            email="ben@example.com",
            paid=True,
            shipping_address=address(first_name="Ben", last_name="Okafor"),
        ),
        "carla": place_order(
            [(mug, 1)],
            email="carla@example.com",
            paid=True,
            shipping_address=address(first_name="Carla", last_name="Ruiz", country_code="FR"),
        ),
    }
    fulfilment_create(
        order=orders["carla"],
        lines={orders["carla"].lines.get().pk: 1},
        actor=STAFF_ACTOR,
    )
    query = query.format(**{name: order.number for name, order in orders.items()})

    response = owner_client.get(f"/dashboard/orders/?{query}")

    assert response.status_code == 200
    by_number = {order.number: name for name, order in orders.items()}
    assert sorted(by_number[number] for number in numbers_listed(response)) == expected


def test_the_list_is_filtered_to_orders_with_an_open_return_request(owner_client):
    from freehold.returns.models import ReturnRequest

    mug = make_variant(title="Mug")
    waiting, done, plain = (place_order([(mug, 1)], paid=True) for _ in range(3))
    ReturnRequest.objects.create(order=waiting, reason=ReturnRequest.Reason.DAMAGED)
    ReturnRequest.objects.create(order=waiting, reason=ReturnRequest.Reason.DAMAGED)
    ReturnRequest.objects.create(
        order=done, reason=ReturnRequest.Reason.DAMAGED, status=ReturnRequest.Status.REFUNDED
    )

    response = owner_client.get("/dashboard/orders/?returns=open")

    assert numbers_listed(response) == [waiting.number]  # once, though it has two requests
    assert plain.number not in numbers_listed(owner_client.get("/dashboard/orders/?returns=open"))


def test_the_list_is_filtered_by_placing_date_in_the_store_time_zone(owner_client):
    mug = make_variant(title="Mug")
    early, late = place_order([(mug, 1)]), place_order([(mug, 1)])
    Order.objects.filter(pk=early.pk).update(placed_at="2026-03-01T23:30:00+00:00")
    Order.objects.filter(pk=late.pk).update(placed_at="2026-03-02T00:30:00+00:00")

    only_first = owner_client.get("/dashboard/orders/?placed_from=2026-03-01&placed_to=2026-03-01")
    from_second = owner_client.get("/dashboard/orders/?placed_from=2026-03-02")
    both = owner_client.get("/dashboard/orders/?placed_to=2026-03-02")

    assert numbers_listed(only_first) == [early.number]
    assert numbers_listed(from_second) == [late.number]
    assert numbers_listed(both) == [late.number, early.number]


def test_bad_filters_are_named_and_the_others_still_apply(owner_client):
    mug = make_variant(title="Mug")
    paid = place_order([(mug, 1)], paid=True)
    place_order([(mug, 1)])

    response = owner_client.get(
        "/dashboard/orders/?payment_status=paid&placed_from=2026-03-05&placed_to=2026-03-01"
        "&country=XX"
    )

    assert response.status_code == 400
    page = body(response)
    assert "Placed to: Must be on or after the start date." in page
    assert "Country: Enter a two-letter country code" in page
    assert numbers_listed(response) == [paid.number]


def test_the_list_pages_in_a_constant_number_of_queries(owner_client):
    mug = make_variant(title="Mug", stock=200)
    for index in range(31):
        place_order([(mug, 1 + index % 3)], email=f"buyer{index}@example.com", paid=True)
    owner_client.get("/dashboard/orders/")  # warm the session and store settings caches

    with CaptureQueriesContext(connection) as one_row:
        single = owner_client.get("/dashboard/orders/?q=buyer0%40example.com")
    with CaptureQueriesContext(connection) as many_rows:
        full = owner_client.get("/dashboard/orders/?payment_status=paid")

    assert len(numbers_listed(single)) == 1
    assert len(numbers_listed(full)) == 31
    assert len(many_rows.captured_queries) == len(one_row.captured_queries) <= 3
    units = re.findall(r'<td class="num">(\d+)</td>', body(full))
    assert units[:3] == ["1", "3", "2"]


def test_the_export_has_one_row_per_line_with_the_order_repeated(owner_client):
    mug = make_variant(title="Mug", price="12.50", sku="MUG-1")
    tote = make_variant(title="Tote", price="30.00", sku="=TOTE")
    order = place_order([(mug, 2), (tote, 1)], email="ana@example.com", paid=True)
    place_order([(mug, 1)], email="other@example.com")

    response = owner_client.get("/dashboard/orders/export.csv?payment_status=paid")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    # Shopify's orders export layout: the order's fields on its first line only
    assert [(row["Name"], row["Lineitem sku"], row["Lineitem quantity"]) for row in rows] == [
        (f"#{order.number}", "MUG-1", "2"),
        (f"#{order.number}", "'=TOTE", "1"),
    ]
    first, second = rows
    assert first["Email"] == "ana@example.com" and second["Email"] == ""
    assert (first["Financial Status"], first["Fulfillment Status"]) == ("paid", "unfulfilled")
    assert (first["Currency"], first["Subtotal"], first["Total"]) == ("EUR", "55.00", "55.00")
    assert (first["Shipping Name"], first["Shipping Country"]) == ("Ana Lima", "DE")
    assert first["Lineitem price"] == "12.50"
    assert first["Lineitem name"] == "Mug"


def test_the_export_holds_every_matching_order_not_just_one_page(owner_client):
    mug = make_variant(title="Mug", stock=100)
    for index in range(52):
        place_order([(mug, 1)], email=f"buyer{index}@example.com")

    listed = owner_client.get("/dashboard/orders/")
    exported = csv_rows(owner_client.get("/dashboard/orders/export.csv"))

    assert len(numbers_listed(listed)) == 50
    assert len(exported) == 52
    assert exported[0]["Email"] == "buyer51@example.com"


def test_the_export_link_carries_the_filters(owner_client):
    make_variant(title="Mug")
    response = owner_client.get("/dashboard/orders/?payment_status=paid&page=2")
    assert 'href="/dashboard/orders/export.csv?payment_status=paid"' in body(response)


# --- Bulk actions ---------------------------------------------------------------------------


def test_bulk_mark_paid_pays_bank_transfers_and_names_the_others(owner_client):
    mug = make_variant(title="Mug")
    transfer = place_order([(mug, 1)], gateway="manual")
    card = place_order([(mug, 1)], gateway="stripe")
    already = place_order([(mug, 1)], paid=True)

    response = owner_client.post(
        "/dashboard/orders/bulk",
        {"action": "mark_paid", "order": [transfer.number, card.number, already.number]},
        follow=True,
    )

    page = body(response)
    assert Order.objects.get(pk=transfer.pk).payment_status == PaymentStatus.PAID
    assert Order.objects.get(pk=card.pk).payment_status == PaymentStatus.AWAITING_PAYMENT
    assert f"#{transfer.number} marked paid." in page
    assert f"#{card.number}: Order #{card.number} is paid through stripe" in page
    assert f"#{already.number}: " in page
    assert Payment.objects.filter(order=transfer, kind="capture").count() == 1


def test_bulk_fulfil_ships_what_is_left_and_refuses_unpaid_orders(owner_client):
    mug = make_variant(title="Mug")
    paid = place_order([(mug, 3)], paid=True)
    unpaid = place_order([(mug, 1)])

    response = owner_client.post(
        "/dashboard/orders/bulk",
        {"action": "fulfil", "order": [paid.number, unpaid.number]},
        follow=True,
    )

    assert Order.objects.get(pk=paid.pk).fulfilment_status == FulfilmentStatus.FULFILLED
    parcel = Fulfilment.objects.get(order=paid)
    assert (parcel.carrier, parcel.tracking_number) == ("", "")
    assert Order.objects.get(pk=unpaid.pk).fulfilment_status == FulfilmentStatus.UNFULFILLED
    assert "record the payment before shipping" in body(response)


def test_bulk_printing_and_export_go_to_the_pages_for_the_selection(owner_client):
    mug = make_variant(title="Mug", sku="MUG-1")
    first, second = place_order([(mug, 1)]), place_order([(mug, 2)])
    place_order([(mug, 1)])

    slips = owner_client.post(
        "/dashboard/orders/bulk",
        {"action": "packing_slips", "order": [first.number, second.number]},
    )
    export = owner_client.post(
        "/dashboard/orders/bulk", {"action": "export", "order": [second.number]}
    )

    assert slips.status_code == 302
    printed = owner_client.get(slips["Location"])
    assert printed.status_code == 200
    assert re.findall(r'aria-label="Packing slip for order #(\d+)"', body(printed)) == [
        first.number,
        second.number,
    ]
    assert [row["Name"] for row in csv_rows(owner_client.get(export["Location"]))] == [
        f"#{second.number}"
    ]


def test_a_bulk_action_without_a_selection_says_so(owner_client):
    response = owner_client.post("/dashboard/orders/bulk", {"action": "fulfil"}, follow=True)
    assert "Select at least one order." in body(response)


# --- One order ------------------------------------------------------------------------------


def test_the_order_page_shows_lines_totals_customer_payments_and_timeline(owner_client):
    mug = make_variant(title="Mug", price="20.00", sku="MUG-1")
    order = place_order([(mug, 2)], paid=True)

    response = owner_client.get(f"/dashboard/orders/{order.number}/")

    assert response.status_code == 200
    page = body(response)
    assert "Order #" + order.number in page
    assert "MUG-1" in page and "€40.00" in page
    assert "Ana Lima" in page and "Hauptstraße 1" in page and "ana@example.com" in page
    assert "Payment · manual" in page
    assert "Payment: Awaiting payment → Paid." in page
    assert "Order placed." in page


def test_an_unknown_order_is_404(owner_client):
    assert owner_client.get("/dashboard/orders/999999/").status_code == 404


def test_marking_a_bank_transfer_paid_records_the_payment(owner_client):
    mug = make_variant(title="Mug")
    order = place_order([(mug, 1)])

    response = owner_client.post(
        f"/dashboard/orders/{order.number}/mark-paid", {"paid-reference": "SEPA 0042"}
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PAID
    assert Payment.objects.get(order=order).provider_reference == "SEPA 0042"
    event = AuditEvent.objects.get(verb="order.payment_status_changed", object_id=str(order.pk))
    assert event.actor_label == "owner@example.com"


def test_marking_a_card_order_paid_is_refused_with_the_reason(owner_client):
    mug = make_variant(title="Mug")
    order = place_order([(mug, 1)], gateway="stripe")

    response = owner_client.post(f"/dashboard/orders/{order.number}/mark-paid", {})

    assert response.status_code == 422
    assert "is paid through stripe" in body(response)
    assert Order.objects.get(pk=order.pk).payment_status == PaymentStatus.AWAITING_PAYMENT


def test_fulfilling_in_two_parcels_with_tracking(owner_client):
    mug = make_variant(title="Mug")
    tote = make_variant(title="Tote")
    order = place_order([(mug, 2), (tote, 1)], paid=True)
    mug_line, tote_line = order.lines.order_by("pk")

    first = owner_client.post(
        f"/dashboard/orders/{order.number}/fulfil",
        {
            f"fulfil-line_{mug_line.pk}": "1",
            f"fulfil-line_{tote_line.pk}": "0",
            "fulfil-carrier": "DHL",
            "fulfil-tracking_number": "JD014600",
        },
    )
    assert first.status_code == 302
    assert Order.objects.get(pk=order.pk).fulfilment_status == "partially_fulfilled"
    second = owner_client.post(
        f"/dashboard/orders/{order.number}/fulfil",
        {
            f"fulfil-line_{mug_line.pk}": "1",
            f"fulfil-line_{tote_line.pk}": "1",
            "fulfil-carrier": "Local courier",
            "fulfil-tracking_number": "LC-9",
            "fulfil-tracking_url": "https://courier.example/track/LC-9",
        },
    )

    assert second.status_code == 302
    parcels = list(Fulfilment.objects.filter(order=order).order_by("pk"))
    assert [(p.carrier, p.tracking_number) for p in parcels] == [
        ("DHL", "JD014600"),
        ("Local courier", "LC-9"),
    ]
    assert parcels[0].tracking_url.endswith("tracking-id=JD014600")
    assert Order.objects.get(pk=order.pk).fulfilment_status == FulfilmentStatus.FULFILLED
    page = body(owner_client.get(f"/dashboard/orders/{order.number}/"))
    assert f'href="{parcels[0].tracking_url}"' in page
    assert "Shipped 1 unit with DHL, tracking JD014600." in page


def test_fulfilling_more_than_is_left_names_the_line(owner_client):
    mug = make_variant(title="Mug")
    order = place_order([(mug, 2)], paid=True)
    line = order.lines.get()

    too_many = owner_client.post(
        f"/dashboard/orders/{order.number}/fulfil", {f"fulfil-line_{line.pk}": "3"}
    )
    nothing = owner_client.post(
        f"/dashboard/orders/{order.number}/fulfil", {f"fulfil-line_{line.pk}": "0"}
    )

    assert too_many.status_code == nothing.status_code == 422
    assert "Mug: Ensure this value is less than or equal to 2." in body(too_many)
    assert "Choose at least one unit to ship." in body(nothing)
    assert not Fulfilment.objects.exists()


def test_fulfilling_an_unpaid_order_shows_the_operations_message(owner_client):
    mug = make_variant(title="Mug")
    order = place_order([(mug, 1)])
    line = order.lines.get()

    response = owner_client.post(
        f"/dashboard/orders/{order.number}/fulfil", {f"fulfil-line_{line.pk}": "1"}
    )

    assert response.status_code == 422
    assert "record the payment before shipping" in body(response)


def test_a_shipped_parcel_is_marked_delivered(owner_client):
    mug = make_variant(title="Mug")
    order = place_order([(mug, 1)], paid=True)
    parcel = fulfilment_create(order=order, lines={order.lines.get().pk: 1}, actor=STAFF_ACTOR)

    response = owner_client.post(
        f"/dashboard/orders/{order.number}/parcels/{parcel.pk}/delivered", {}, follow=True
    )

    parcel.refresh_from_db()
    assert parcel.status == Fulfilment.Status.DELIVERED
    assert parcel.delivered_at is not None
    assert f"Parcel {parcel.pk} marked delivered." in body(response)


def test_cancelling_with_a_reason_restocks_when_asked(owner_client):
    mug = make_variant(title="Mug", stock=10)
    restocked = place_order([(mug, 2)])
    kept = place_order([(mug, 3)])
    assert stock_of(mug) == 5

    owner_client.post(
        f"/dashboard/orders/{restocked.number}/cancel",
        {"cancel-reason": "customer asked", "cancel-restock": "on"},
    )
    owner_client.post(f"/dashboard/orders/{kept.number}/cancel", {"cancel-reason": "fraud"})

    assert Order.objects.get(pk=restocked.pk).status == OrderStatus.CANCELLED
    assert Order.objects.get(pk=kept.pk).status == OrderStatus.CANCELLED
    assert stock_of(mug) == 7
    page = body(owner_client.get(f"/dashboard/orders/{restocked.number}/"))
    assert "Order: Open → Cancelled (customer asked)." in page


def test_cancelling_needs_a_reason_and_a_paid_order_must_be_refunded_first(owner_client):
    mug = make_variant(title="Mug")
    unpaid = place_order([(mug, 1)])
    paid = place_order([(mug, 1)], paid=True)

    no_reason = owner_client.post(f"/dashboard/orders/{unpaid.number}/cancel", {})
    refused = owner_client.post(f"/dashboard/orders/{paid.number}/cancel", {"cancel-reason": "x"})

    assert no_reason.status_code == refused.status_code == 422
    assert "Reason: This field is required." in body(no_reason)
    assert "refund it first, then cancel it" in body(refused)
    assert Order.objects.get(pk=paid.pk).status == OrderStatus.OPEN


def test_refunding_one_unit_of_a_line_with_restock(owner_client):
    mug = make_variant(title="Mug", price="20.00", stock=10)
    order = place_order([(mug, 2)], paid=True)
    line = order.lines.get()

    response = owner_client.post(
        f"/dashboard/orders/{order.number}/refund",
        {
            "mode": "lines",
            f"refund-line_{line.pk}": "1",
            "refund-reason": "chipped",
            "refund-restock": "on",
        },
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    refund = Payment.objects.get(order=order, kind=Payment.Kind.REFUND)
    assert refund.amount == Decimal("20.00")
    assert stock_of(mug) == 9
    page = body(owner_client.get(f"/dashboard/orders/{order.number}/"))
    assert "Refunded 20.00 EUR: chipped (restocked)." in page
    assert "−€20.00" in page


def test_refunding_an_amount_and_more_than_was_captured_is_refused_on_the_amount(owner_client):
    mug = make_variant(title="Mug", price="20.00")
    order = place_order([(mug, 2)], paid=True)

    partial = owner_client.post(
        f"/dashboard/orders/{order.number}/refund",
        {"mode": "amount", "refund-amount-amount": "15.00", "refund-amount-reason": "late"},
    )
    too_much = owner_client.post(
        f"/dashboard/orders/{order.number}/refund",
        {"mode": "amount", "refund-amount-amount": "25.01"},
    )
    cents = owner_client.post(
        f"/dashboard/orders/{order.number}/refund",
        {"mode": "amount", "refund-amount-amount": "1.005"},
    )

    assert partial.status_code == 302
    assert too_much.status_code == cents.status_code == 422
    assert "Amount: At most €25.00 can be refunded" in body(too_much)
    assert "Amount: EUR amounts have at most 2 decimal places." in body(cents)
    refunds = Payment.objects.filter(order=order, kind=Payment.Kind.REFUND)
    assert [refund.amount for refund in refunds] == [Decimal("15.00")]


def test_a_refund_form_sent_twice_refunds_once(owner_client):
    mug = make_variant(title="Mug", price="20.00")
    order = place_order([(mug, 2)], paid=True)
    line = order.lines.get()
    form = {
        "mode": "lines",
        f"refund-line_{line.pk}": "1",
        "refund-submission": "3f2b8c0e9a1d4e7f",
    }

    first = owner_client.post(f"/dashboard/orders/{order.number}/refund", form)
    again = owner_client.post(f"/dashboard/orders/{order.number}/refund", form)

    assert first.status_code == again.status_code == 302
    assert Payment.objects.filter(order=order, kind=Payment.Kind.REFUND).count() == 1
    assert order.lines.get().quantity_refunded == 1


def test_a_refused_refund_can_be_corrected_and_sent_again(owner_client):
    mug = make_variant(title="Mug", price="20.00")
    order = place_order([(mug, 2)], paid=True)
    form = {"mode": "amount", "refund-amount-submission": "a1b2c3d4e5f60718"}

    refused = owner_client.post(
        f"/dashboard/orders/{order.number}/refund", {**form, "refund-amount-amount": "99.00"}
    )
    corrected = owner_client.post(
        f"/dashboard/orders/{order.number}/refund", {**form, "refund-amount-amount": "9.00"}
    )

    assert (refused.status_code, corrected.status_code) == (422, 302)
    assert 'value="a1b2c3d4e5f60718"' in body(refused)
    refunds = Payment.objects.filter(order=order, kind=Payment.Kind.REFUND)
    assert [refund.amount for refund in refunds] == [Decimal("9.00")]


def test_refunding_more_units_than_are_left_is_refused_on_the_line(owner_client):
    mug = make_variant(title="Mug", price="20.00")
    order = place_order([(mug, 2)], paid=True)
    line = order.lines.get()
    order_refund(order=order, actor=STAFF_ACTOR, lines={line.pk: 1})

    response = owner_client.post(
        f"/dashboard/orders/{order.number}/refund",
        {"mode": "lines", f"refund-line_{line.pk}": "2"},
    )

    assert response.status_code == 422
    assert "Mug: Ensure this value is less than or equal to 1." in body(response)


def test_staff_notes_appear_in_the_timeline(owner_client, owner):
    mug = make_variant(title="Mug")
    order = place_order([(mug, 1)])

    response = owner_client.post(
        f"/dashboard/orders/{order.number}/notes", {"note-body": "Customer called: gift wrap."}
    )
    empty = owner_client.post(f"/dashboard/orders/{order.number}/notes", {"note-body": "  "})

    assert response.status_code == 302
    note = OrderNote.objects.get(order=order)
    assert (note.author, note.author_label, note.body) == (
        owner,
        "owner@example.com",
        "Customer called: gift wrap.",
    )
    assert AuditEvent.objects.filter(verb="order.note_added", object_id=str(order.pk)).exists()
    assert empty.status_code == 422
    assert "Note: This field is required." in body(empty)
    page = body(owner_client.get(f"/dashboard/orders/{order.number}/"))
    assert re.findall(r'<li class="timeline-(\w+)">', page) == ["note", "event"]
    assert "Customer called: gift wrap." in page


# --- Printable pages ------------------------------------------------------------------------


def test_the_invoice_shows_the_business_identity_and_the_lines(owner_client):
    make_store_settings(
        legal_name="Linen & Loom GmbH",
        address_line1="Torstraße 5",
        postal_code="10119",
        city="Berlin",
        country_code="DE",
        vat_id="DE123456789",
    )
    mug = make_variant(title="Mug", price="12.50")
    order = place_order([(mug, 2)], paid=True)

    response = owner_client.get(f"/dashboard/orders/{order.number}/invoice")

    page = body(response)
    assert response.status_code == 200
    assert '<body class="dash print">' in page
    assert "data-print" in page and 'class="print-bar no-print"' in page
    assert "Linen &amp; Loom GmbH" in page and "Torstraße 5" in page
    assert "VAT ID DE123456789" in page
    assert f'data-testid="invoice-number">{order.number}<' in page
    assert "€12.50" in page and "€25.00" in page


@pytest.mark.parametrize(
    ("included", "words"), [(True, "Prices include tax."), (False, "Tax is added")]
)
def test_the_invoice_says_whether_tax_is_included(owner_client, included, words):
    mug = make_variant(title="Mug")
    order = place_order([(mug, 1)])
    Order.objects.filter(pk=order.pk).update(tax_included=included)
    assert words in body(owner_client.get(f"/dashboard/orders/{order.number}/invoice"))


def test_the_packing_slip_lists_what_to_pack_without_prices(owner_client):
    mug = make_variant(title="Mug", price="12.50", sku="MUG-1")
    order = place_order([(mug, 2)])

    page = body(owner_client.get(f"/dashboard/orders/{order.number}/packing-slip"))

    assert '<body class="dash print">' in page
    assert "MUG-1" in page and "Hauptstraße 1" in page
    assert "€" not in page and "12.50" not in page


# --- Permissions ----------------------------------------------------------------------------


def test_every_orders_url_is_403_without_the_orders_permission(staff_client_with):
    mug = make_variant(title="Mug")
    order = place_order([(mug, 1)], paid=True)
    parcel = fulfilment_create(order=order, lines={order.lines.get().pk: 1}, actor=STAFF_ACTOR)
    base = f"/dashboard/orders/{order.number}"
    gets = [
        "/dashboard/orders/",
        "/dashboard/orders/export.csv",
        f"/dashboard/orders/packing-slips?number={order.number}",
        f"{base}/",
        f"{base}/packing-slip",
        f"{base}/invoice",
    ]
    posts = [
        "/dashboard/orders/bulk",
        f"{base}/mark-paid",
        f"{base}/fulfil",
        f"{base}/parcels/{parcel.pk}/delivered",
        f"{base}/cancel",
        f"{base}/refund",
        f"{base}/notes",
    ]
    outsider = staff_client_with("products", "customers")
    insider = staff_client_with("orders")

    for url in gets:
        assert outsider.get(url).status_code == 403, url
        assert insider.get(url).status_code == 200, url
    for url in posts:
        response = outsider.post(url, {"action": "fulfil", "order": [order.number]})
        assert response.status_code == 403, url
    assert not OrderNote.objects.exists()
    assert Payment.objects.filter(kind=Payment.Kind.REFUND).count() == 0
    anonymous = Client().get("/dashboard/orders/export.csv")
    assert anonymous.status_code == 302 and "/account/login" in anonymous["Location"]
