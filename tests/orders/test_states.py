"""Every (from, to) pair of every order status table, allowed and forbidden."""

from __future__ import annotations

import datetime as dt

import pytest

from freehold.core.audit import Actor
from freehold.core.clock import frozen_at
from freehold.core.models import AuditEvent
from freehold.orders.errors import IllegalTransition
from freehold.orders.models import Order
from freehold.orders.services import order_transition
from freehold.orders.states import (
    TRANSITIONS,
    FulfilmentStatus,
    OrderStatus,
    PaymentStatus,
)

CHOICES = {
    "status": OrderStatus,
    "payment_status": PaymentStatus,
    "fulfilment_status": FulfilmentStatus,
}

ALL_PAIRS = [
    (field, str(from_state), str(to_state))
    for field, choices in CHOICES.items()
    for from_state in choices
    for to_state in choices
]
ALLOWED = [pair for pair in ALL_PAIRS if pair[2] in TRANSITIONS[pair[0]][pair[1]]]
FORBIDDEN = [pair for pair in ALL_PAIRS if pair[2] not in TRANSITIONS[pair[0]][pair[1]]]

STAFF = Actor(kind=AuditEvent.ActorKind.STAFF, id="7", label="staff@example.com")
MOMENT = dt.datetime(2025, 3, 4, 12, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("field", list(CHOICES))
def test_every_state_has_a_row_and_every_target_is_a_state(field):
    # given the choices of a status field
    states = {str(state) for state in CHOICES[field]}

    # then its table names each state once, and only moves to known states
    assert set(TRANSITIONS[field]) == states
    for targets in TRANSITIONS[field].values():
        assert targets <= states


def test_the_tables_allow_and_forbid_something():
    # the parametrised tests below are not vacuous
    assert len(ALLOWED) >= 15
    assert len(FORBIDDEN) >= 50
    assert len(ALLOWED) + len(FORBIDDEN) == 3 * 3 + 7 * 7 + 4 * 4


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "from_state", "to_state"), ALLOWED)
def test_an_allowed_transition_changes_the_status_and_writes_one_audit_event(
    make_order, field, from_state, to_state
):
    # given an order in `from_state`
    order = make_order(**{field: from_state})

    # when it moves to `to_state`
    with frozen_at(MOMENT):
        returned = order_transition(
            order=order, field=field, to=to_state, actor=STAFF, data={"reason": "test"}
        )

    # then the row, the caller's instance and the audit trail all say so
    stored = Order.objects.get(pk=order.pk)
    assert getattr(stored, field) == to_state
    assert returned is order
    assert getattr(order, field) == to_state
    assert stored.updated_at == MOMENT
    (event,) = AuditEvent.objects.all()
    assert (event.object_type, event.object_id) == ("orders.order", str(order.pk))
    assert event.verb == f"order.{field}_changed"
    assert (event.from_state, event.to_state) == (from_state, to_state)
    assert (event.actor_kind, event.actor_id) == ("staff", "7")
    assert event.data == {"reason": "test"}


@pytest.mark.django_db
@pytest.mark.parametrize(("field", "from_state", "to_state"), FORBIDDEN)
def test_a_forbidden_transition_raises_and_changes_nothing(make_order, field, from_state, to_state):
    # given an order in `from_state`
    order = make_order(**{field: from_state})
    before = Order.objects.filter(pk=order.pk).values().get()

    # when it is asked to move to `to_state`
    with pytest.raises(IllegalTransition) as raised:
        order_transition(order=order, field=field, to=to_state, actor=STAFF)

    # then the error names the field and both states, and nothing changed
    error = raised.value
    assert error.code == "illegal_transition"
    assert error.field == field
    assert (error.from_state, error.to_state) == (from_state, to_state)
    assert field in error.message
    assert repr(from_state) in error.message
    assert repr(to_state) in error.message
    assert Order.objects.filter(pk=order.pk).values().get() == before
    assert getattr(order, field) == from_state
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db
def test_paying_stamps_paid_at_and_cancelling_stamps_cancelled_at(make_order):
    # given an open order awaiting payment
    order = make_order()
    assert order.paid_at is None and order.cancelled_at is None

    # when it is paid and later cancelled
    with frozen_at(MOMENT):
        order_transition(order=order, field="payment_status", to="paid", actor=STAFF)
    later = MOMENT + dt.timedelta(days=1)
    with frozen_at(later):
        order_transition(order=order, field="status", to="cancelled", actor=STAFF)

    # then each state carries the time it was reached
    stored = Order.objects.get(pk=order.pk)
    assert stored.paid_at == MOMENT
    assert stored.cancelled_at == later


@pytest.mark.django_db
def test_the_check_uses_the_stored_state_not_a_stale_instance(make_order):
    # given an order paid elsewhere while we held an old copy
    order = make_order()
    stale = Order.objects.get(pk=order.pk)
    order_transition(order=order, field="payment_status", to="paid", actor=STAFF)

    # when the stale copy tries a move only valid from awaiting_payment
    with pytest.raises(IllegalTransition) as raised:
        order_transition(order=stale, field="payment_status", to="voided", actor=STAFF)

    # then the stored state decided
    assert raised.value.from_state == "paid"
    assert Order.objects.get(pk=order.pk).payment_status == "paid"


@pytest.mark.django_db
def test_an_unknown_field_is_a_programming_error(make_order):
    order = make_order()
    with pytest.raises(ValueError, match="email"):
        order_transition(order=order, field="email", to="x", actor=STAFF)  # type: ignore[arg-type]
