"""Dashboard-only orchestration of the markets services: a page of fixed prices saved all or
nothing, and an ECB rates import recorded in the audit log.

The writes themselves are `markets.services.market_price_set` and `fx_rates_import`; these
functions only put several of them (or one and its audit record) in one transaction, so a bad
row or a bad file leaves everything as it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from freehold.core import audit
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError, ValidationFailed
from freehold.markets import fx
from freehold.markets.models import FxRate, Market
from freehold.markets.services import FxImportResult, fx_rates_import, market_price_set


@dataclass(frozen=True)
class PriceChange:
    label: str  # "Row 3 (SKU MUG-1)": how an error names the row
    variant_id: int
    price: Decimal | None  # None removes the fixed price
    compare_at: Decimal | None


class RowRefused(ValidationFailed):
    """One row of a batch was refused; nothing of the batch was saved."""

    def __init__(self, message: str, *, variant_id: int, field: str | None = None) -> None:
        super().__init__(message, field=field)
        self.variant_id = variant_id


@transaction.atomic
def market_prices_save(*, market: Market, changes: list[PriceChange], actor: Actor) -> int:
    """Set each changed row's fixed price; the first refusal undoes the rows before it."""
    for change in changes:
        try:
            market_price_set(
                market=market,
                variant_id=change.variant_id,
                price=change.price,
                compare_at=change.compare_at,
                actor=actor,
            )
        except FreeholdError as error:
            raise RowRefused(
                f"{change.label}: {error.message}", variant_id=change.variant_id, field=error.field
            ) from None
    return len(changes)


@transaction.atomic
def fx_rates_update(*, data: bytes, source: str, actor: Actor) -> FxImportResult:
    """Import an eurofxref document (a malformed one adds nothing) and audit who did it."""
    result = fx_rates_import(data=data, source="ecb")
    if result.days == 0 or result.last_day is None:
        raise fx.FxFileInvalid("The file holds no rates.", field="file")
    newest = FxRate.objects.filter(base=fx.ECB_BASE, date=result.last_day).order_by("quote").first()
    assert newest is not None  # the import just kept (or already had) that day's rates
    audit.record(
        actor=actor,
        verb="fx.rates_imported",
        obj=newest,
        data={
            "source": source,
            "days": result.days,
            "created": result.created,
            "unchanged": result.unchanged,
            "first_day": str(result.first_day),
            "last_day": str(result.last_day),
        },
    )
    return result
