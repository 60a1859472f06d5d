"""Return requests: who may ask, for how many units, until when; staff decide and refund."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.orders.models import Payment
from freehold.orders.states import PaymentStatus
from freehold.returns import services
from freehold.returns.errors import ReturnRefused, ReturnTransitionRefused
from freehold.returns.models import ReturnRequest
from tests.factories import make_store_settings
from tests.returns.conftest import (
    DELIVERED,
    PASSWORD,
    SHIPPED,
    STAFF,
    make_customer,
    pay,
    place,
    ship,
    variant,
)

pytestmark = pytest.mark.django_db

REASON = ReturnRequest.Reason.WRONG_SIZE


def lines_of(order):
    mug_line, tote_line = order.lines.order_by("unit_price_amount")
    return mug_line, tote_line


def test_a_request_is_accepted_on_the_last_day_of_the_window(shipped_order):
    # given a store with the default 30-day window and an order delivered on 4 March
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    mug_line, _ = lines_of(order)

    # when Ana asks to return one mug exactly 30 days after delivery
    with frozen_at(DELIVERED + dt.timedelta(days=30)):
        created = services.return_request(
            order=order, customer=ana, lines={mug_line.pk: 1}, reason=REASON, note="Too small"
        )

    # then the request is recorded with its line and audited
    assert created.status == ReturnRequest.Status.REQUESTED
    assert [(line.order_line_id, line.quantity) for line in created.lines.all()] == [
        (mug_line.pk, 1)
    ]
    event = AuditEvent.objects.get(verb="return.requested", object_id=str(created.pk))
    assert event.actor_label == "ana@example.com"
    assert event.data["lines"] == {str(mug_line.pk): 1}


def test_a_request_one_second_after_the_window_is_refused(shipped_order):
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    mug_line, _ = lines_of(order)

    with (
        frozen_at(DELIVERED + dt.timedelta(days=30, seconds=1)),
        pytest.raises(ReturnRefused) as refused,
    ):
        services.return_request(order=order, customer=ana, lines={mug_line.pk: 1}, reason=REASON)

    assert refused.value.field == "order"
    assert "closed on 2025-04-03" in refused.value.message
    assert not ReturnRequest.objects.exists()


def test_the_window_follows_the_store_setting_and_counts_from_shipping_without_delivery(
    shipped_order,
):
    # given a 7-day window and a parcel with no delivery date (shipped on 2 March)
    make_store_settings(return_window_days=7)
    ana = make_customer()
    order = shipped_order(ana, delivered_at=None)
    mug_line, _ = lines_of(order)

    # then day 7 after shipping is accepted and the next second is not
    with frozen_at(SHIPPED + dt.timedelta(days=7)):
        services.return_request(order=order, customer=ana, lines={mug_line.pk: 1}, reason=REASON)
    with (
        frozen_at(SHIPPED + dt.timedelta(days=7, seconds=1)),
        pytest.raises(ReturnRefused, match="closed"),
    ):
        services.return_request(order=order, customer=ana, lines={mug_line.pk: 1}, reason=REASON)


def test_only_shipped_units_not_already_claimed_can_be_returned():
    # given an order of 3 mugs of which 2 shipped
    make_store_settings()
    ana = make_customer()
    mug = variant()
    order = pay(place((mug, 3), customer=ana))
    line = order.lines.get()
    ship(order, {line.pk: 2}, delivered_at=DELIVERED)

    with frozen_at(DELIVERED + dt.timedelta(days=1)):
        # when Ana asks for 3, more than shipped
        with pytest.raises(ReturnRefused) as refused:
            services.return_request(order=order, customer=ana, lines={line.pk: 3}, reason=REASON)
        # then the line is named
        assert refused.value.field == f"lines[{line.pk}]"
        assert "Only 2" in refused.value.message

        # and after asking for 2, nothing more can be asked for
        first = services.return_request(
            order=order, customer=ana, lines={line.pk: 2}, reason=REASON
        )
        with pytest.raises(ReturnRefused, match="Only 0"):
            services.return_request(order=order, customer=ana, lines={line.pk: 1}, reason=REASON)

        # until staff reject the first request, which frees its units
        services.return_request_reject(return_request=first, actor=STAFF, staff_note="Worn")
        again = services.return_request(
            order=order, customer=ana, lines={line.pk: 1}, reason=REASON
        )
    assert again.lines.get().quantity == 1


def test_lines_of_another_order_zero_quantities_and_unknown_reasons_are_refused(shipped_order):
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    other = shipped_order(ana)
    mug_line, _ = lines_of(order)
    foreign_line = other.lines.first()

    with frozen_at(DELIVERED):
        with pytest.raises(ReturnRefused) as foreign:
            services.return_request(
                order=order, customer=ana, lines={foreign_line.pk: 1}, reason=REASON
            )
        with pytest.raises(ReturnRefused) as zero:
            services.return_request(
                order=order, customer=ana, lines={mug_line.pk: 0}, reason=REASON
            )
        with pytest.raises(ReturnRefused) as reason:
            services.return_request(order=order, customer=ana, lines={mug_line.pk: 1}, reason="x")
        with pytest.raises(ReturnRefused) as nothing:
            services.return_request(order=order, customer=ana, lines={}, reason=REASON)

    assert foreign.value.field == f"lines[{foreign_line.pk}]"
    assert zero.value.field == f"lines[{mug_line.pk}]"
    assert reason.value.field == "reason"
    assert nothing.value.field == "lines"


def test_nothing_can_be_returned_before_it_ships():
    make_store_settings()
    ana = make_customer()
    order = pay(place((variant(), 1), customer=ana))

    with pytest.raises(ReturnRefused, match="has shipped yet"):
        services.return_request(
            order=order, customer=ana, lines={order.lines.get().pk: 1}, reason=REASON
        )


def test_only_the_customer_of_the_order_may_ask(shipped_order):
    make_store_settings()
    ana, bruno = make_customer(), make_customer("bruno@example.com")
    order = shipped_order(ana)

    with frozen_at(DELIVERED), pytest.raises(ReturnRefused) as refused:
        services.return_request(
            order=order, customer=bruno, lines={order.lines.first().pk: 1}, reason=REASON
        )

    assert refused.value.field == "order"


def test_staff_approve_receive_and_refund_the_returned_lines(shipped_order):
    # given Ana asked to return both mugs (20.00 each) of her order
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    mug_line, _ = lines_of(order)
    mug = mug_line.variant
    stock_before = mug.stock_quantity
    with frozen_at(DELIVERED):
        request = services.return_request(
            order=order, customer=ana, lines={mug_line.pk: 2}, reason=REASON
        )

    # when refunding before the goods are back, it is refused
    services.return_request_approve(return_request=request, actor=STAFF)
    with pytest.raises(ReturnTransitionRefused):
        services.return_request_refund(return_request=request, actor=STAFF)

    # and once received, the refund is those lines' total, and the mugs are back in stock
    services.return_request_receive(return_request=request, actor=STAFF)
    payment = services.return_request_refund(return_request=request, actor=STAFF)

    assert (payment.kind, payment.amount) == (Payment.Kind.REFUND, Decimal("40.00"))
    request.refresh_from_db()
    assert request.status == ReturnRequest.Status.REFUNDED
    assert request.refund_payment == payment
    assert request.decided_at is not None and request.received_at is not None
    order.refresh_from_db()
    assert order.payment_status == PaymentStatus.PARTIALLY_REFUNDED
    mug_line.refresh_from_db()
    assert mug_line.quantity_refunded == 2
    mug.refresh_from_db()
    assert mug.stock_quantity == stock_before + 2
    verbs = list(
        AuditEvent.objects.filter(object_type="returns.returnrequest", object_id=str(request.pk))
        .order_by("created_at", "pk")
        .values_list("verb", flat=True)
    )
    assert verbs == ["return.requested", "return.approved", "return.received", "return.refunded"]


def test_a_rejected_request_cannot_be_received(shipped_order):
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    with frozen_at(DELIVERED):
        request = services.return_request(
            order=order, customer=ana, lines={order.lines.first().pk: 1}, reason=REASON
        )
    services.return_request_reject(return_request=request, actor=STAFF)

    with pytest.raises(ReturnTransitionRefused, match="rejected"):
        services.return_request_receive(return_request=request, actor=STAFF)


# --- The shopper's page ---------------------------------------------------------------------


def return_url(order) -> str:
    return f"/account/orders/{order.number}/return"


def test_the_page_needs_a_login(client, shipped_order):
    make_store_settings()
    order = shipped_order(make_customer())

    response = client.get(return_url(order))

    assert response.status_code == 302
    assert response["Location"] == f"/account/login?next=/account/orders/{order.number}/return"


def test_another_customers_order_is_not_found(client, shipped_order):
    make_store_settings()
    order = shipped_order(make_customer())
    make_customer("bruno@example.com")
    client.login(email="bruno@example.com", password=PASSWORD)

    assert client.get(return_url(order)).status_code == 404
    assert client.post(return_url(order), {"reason": REASON}).status_code == 404
    assert not ReturnRequest.objects.exists()


def test_the_customer_requests_a_return_through_the_page(client, shipped_order):
    # given Ana is logged in, a week after delivery
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    mug_line, tote_line = lines_of(order)
    client.login(email="ana@example.com", password=PASSWORD)

    with frozen_at(DELIVERED + dt.timedelta(days=7)):
        # when she opens the page, each line offers its shipped units
        page = client.get(return_url(order))
        # and sends back one mug
        response = client.post(
            return_url(order),
            {
                f"lines[{mug_line.pk}]": "1",
                f"lines[{tote_line.pk}]": "0",
                "reason": REASON,
                "note": "A size up, please",
            },
        )

    html = page.content.decode()
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    assert f'name="lines[{mug_line.pk}]"' in html
    assert '<option value="2">2</option>' in html
    assert response.status_code == 302
    request = ReturnRequest.objects.get()
    assert response["Location"] == f"{return_url(order)}?requested={request.pk}"
    assert (request.customer, request.note) == (ana, "A size up, please")
    assert [(line.order_line_id, line.quantity) for line in request.lines.all()] == [
        (mug_line.pk, 1)
    ]


def test_a_refused_request_is_explained_next_to_the_line(client, shipped_order):
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    mug_line, _ = lines_of(order)
    client.login(email="ana@example.com", password=PASSWORD)

    with frozen_at(DELIVERED):
        response = client.post(return_url(order), {f"lines[{mug_line.pk}]": "5", "reason": REASON})

    assert response.status_code == 200
    assert "Only 2 of" in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not ReturnRequest.objects.exists()


def test_after_the_window_the_page_says_so_instead_of_showing_the_form(client, shipped_order):
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    client.login(email="ana@example.com", password=PASSWORD)

    with frozen_at(DELIVERED + dt.timedelta(days=31)):
        response = client.get(return_url(order))

    html = response.content.decode()
    assert "return window for this order closed on Apr 3, 2025" in html
    assert "<form" not in html.split("<main", 1)[1].split("</main>", 1)[0]


def test_staff_replace_the_internal_note_and_the_audit_keeps_the_previous_text(shipped_order):
    # given a request whose internal note staff wrote earlier
    make_store_settings()
    ana = make_customer()
    order = shipped_order(ana)
    mug_line, _ = lines_of(order)
    with frozen_at(DELIVERED + dt.timedelta(days=1)):
        created = services.return_request(
            order=order, customer=ana, lines={mug_line.pk: 1}, reason=REASON
        )
    services.return_request_approve(return_request=created, actor=STAFF, staff_note="Label sent")

    # when staff rewrite the note, and then save the same text again
    services.return_request_set_staff_note(
        return_request=created, actor=STAFF, staff_note="  Label sent; parcel expected Friday "
    )
    services.return_request_set_staff_note(
        return_request=created, actor=STAFF, staff_note="Label sent; parcel expected Friday"
    )

    # then the note is replaced (trimmed), the status untouched, and one event keeps both texts
    created.refresh_from_db()
    assert created.staff_note == "Label sent; parcel expected Friday"
    assert created.status == ReturnRequest.Status.APPROVED
    event = AuditEvent.objects.get(verb="return.noted", object_id=str(created.pk))
    assert event.data["previous"] == "Label sent"
    assert event.data["staff_note"] == "Label sent; parcel expected Friday"
    assert event.actor_label == STAFF.label
