"""`wipe` (behind `freehold seed --reset`) leaves no row pointing at what it deleted."""

from __future__ import annotations

import pytest

from freehold.demo.seed import seed, wipe


@pytest.mark.django_db(transaction=True)
def test_wipe_also_removes_stock_history_returns_notes_and_the_recorded_rates():
    # committed for real, so PostgreSQL checks its deferred foreign keys
    from freehold.catalog.models import StockMovement
    from freehold.markets.models import FxRate
    from freehold.orders.models import Order, OrderNote
    from freehold.returns.models import ReturnRequest
    from tests.orders.builders import make_variant, place_order

    mug = make_variant(title="Mug", stock=5)
    order = place_order([(mug, 1)], paid=True)
    OrderNote.objects.create(order=order, body="Gift wrap")
    ReturnRequest.objects.create(order=order, reason=ReturnRequest.Reason.DAMAGED)
    seed(products=2, customers=1, seed=3, progress=False, images=False)
    assert StockMovement.objects.exists() and FxRate.objects.exists()

    wipe()

    assert not Order.objects.exists()
    assert not StockMovement.objects.exists()
    assert not FxRate.objects.filter(source="ecb-recorded").exists()
