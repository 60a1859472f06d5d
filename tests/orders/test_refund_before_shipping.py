"""Units refunded before they ship are never shipped; notes on orders."""

from __future__ import annotations

import pytest

from freehold.core.errors import FreeholdError
from freehold.core.models import AuditEvent
from freehold.orders.errors import FulfilmentRefused
from freehold.orders.models import Order, OrderNote
from freehold.orders.operations import (
    fulfilment_create,
    lines_to_ship,
    order_note_add,
    order_refund,
)
from freehold.orders.states import FulfilmentStatus
from tests.orders.builders import STAFF_ACTOR, make_variant, place_order

pytestmark = pytest.mark.django_db


def test_units_refunded_before_shipping_cannot_be_shipped():
    # given a paid order for 3 mugs, one of which was refunded before anything shipped
    mug = make_variant(title="Mug")
    order = place_order([(mug, 3)], paid=True)
    line = order.lines.get()
    order_refund(order=order, actor=STAFF_ACTOR, lines={line.pk: 1})

    # when staff try to ship all 3, then only 2 are left and the line is named
    with pytest.raises(FulfilmentRefused, match="Only 2 of") as refused:
        fulfilment_create(order=order, lines={line.pk: 3}, actor=STAFF_ACTOR)
    assert refused.value.field == f"lines[{line.pk}]"

    # and shipping the 2 that are left completes the order
    assert lines_to_ship(order) == {line.pk: 2}
    fulfilment_create(order=order, lines={line.pk: 2}, actor=STAFF_ACTOR)
    assert Order.objects.get(pk=order.pk).fulfilment_status == FulfilmentStatus.FULFILLED
    assert lines_to_ship(order) == {}


def test_a_refund_of_shipped_units_does_not_make_more_to_ship():
    # given 2 mugs, both shipped, then one refunded (a return)
    mug = make_variant(title="Mug")
    order = place_order([(mug, 2)], paid=True)
    line = order.lines.get()
    fulfilment_create(order=order, lines={line.pk: 2}, actor=STAFF_ACTOR)
    order_refund(order=order, actor=STAFF_ACTOR, lines={line.pk: 1})

    # then nothing is left to ship and the order stays fulfilled
    assert lines_to_ship(order) == {}
    with pytest.raises(FulfilmentRefused, match="Only 0 of"):
        fulfilment_create(order=order, lines={line.pk: 1}, actor=STAFF_ACTOR)
    assert Order.objects.get(pk=order.pk).fulfilment_status == FulfilmentStatus.FULFILLED


def test_refunding_the_last_unshipped_units_completes_a_partial_fulfilment():
    # given a mug shipped and a tote still waiting
    mug, tote = make_variant(title="Mug"), make_variant(title="Tote")
    order = place_order([(mug, 1), (tote, 1)], paid=True)
    mug_line, tote_line = order.lines.order_by("pk")
    fulfilment_create(order=order, lines={mug_line.pk: 1}, actor=STAFF_ACTOR)
    assert Order.objects.get(pk=order.pk).fulfilment_status == "partially_fulfilled"

    # when the tote is refunded instead of sent
    order_refund(order=order, actor=STAFF_ACTOR, lines={tote_line.pk: 1})

    # then what was shipped is the whole order
    assert Order.objects.get(pk=order.pk).fulfilment_status == FulfilmentStatus.FULFILLED


def test_a_note_is_stored_with_its_author_and_audited():
    mug = make_variant(title="Mug")
    order = place_order([(mug, 1)])

    note = order_note_add(order=order, author=None, body="  Gift wrap, please. ", actor=STAFF_ACTOR)

    assert OrderNote.objects.get() == note
    assert (note.body, note.author_label) == ("Gift wrap, please.", "test")
    event = AuditEvent.objects.get(verb="order.note_added")
    assert event.data == {"note_id": note.pk}
    with pytest.raises(FreeholdError, match="Write the note first") as empty:
        order_note_add(order=order, author=None, body="   ", actor=STAFF_ACTOR)
    assert empty.value.field == "body"
