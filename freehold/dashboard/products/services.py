"""Dashboard-only orchestration over the catalog services: saving a grid of variants at once.

All or nothing: one transaction, and the first refused row rolls everything back, with an
error that names the row ("Row 3, Linen Shirt - M: ..."), so staff never wonder which half of
their edit was saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from freehold.catalog import services
from freehold.catalog.models import Variant
from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError


@dataclass
class RowError(Exception):
    """A refused row: its number (1-based, as shown), the variant, the field and why."""

    row: int
    variant: Variant
    field: str
    message: str

    def __str__(self) -> str:
        return f"Row {self.row}, {_label(self.variant)}: {self.message}"


@dataclass
class BulkRow:
    variant: Variant
    price: Decimal
    compare_at_price: Decimal | None = None
    stock_delta: int = 0


@dataclass
class SaveResult:
    variants_changed: int = 0
    stock_changes: int = 0
    changed_ids: list[int] = field(default_factory=list)


def _label(variant: Variant) -> str:
    product = variant.product
    return f"{product.title} – {variant.title}" if variant.title else product.title


def _message(error: FreeholdError | ValidationError) -> tuple[str, str]:
    if isinstance(error, FreeholdError):
        return error.field or "", error.message
    if hasattr(error, "error_dict"):
        name, messages = next(iter(error.message_dict.items()))
        return name, " ".join(messages)
    return "", " ".join(error.messages)


@transaction.atomic
def variants_save_grid(
    *, rows: Sequence[tuple[Variant, Mapping[str, Any]]], actor: Actor
) -> SaveResult:
    """Apply each row's changes with `variant_update`; the first refusal undoes them all."""
    result = SaveResult()
    for number, (variant, changes) in enumerate(rows, start=1):
        if not changes:
            continue
        try:
            services.variant_update(variant=variant, actor=actor, **changes)
        except (FreeholdError, ValidationError) as exc:
            name, message = _message(exc)
            raise RowError(number, variant, name, message) from exc
        result.variants_changed += 1
        result.changed_ids.append(variant.pk)
    return result


@transaction.atomic
def variants_bulk_edit(*, rows: Sequence[BulkRow], reason: str, actor: Actor) -> SaveResult:
    """Prices through `variant_update` (price history kept), stock through `stock_adjust`."""
    result = SaveResult()
    for number, row in enumerate(rows, start=1):
        variant = row.variant
        try:
            if (
                row.price != variant.price_amount
                or row.compare_at_price != variant.compare_at_price_amount
            ):
                services.variant_update(
                    variant=variant,
                    actor=actor,
                    price=row.price,
                    compare_at_price=row.compare_at_price,
                )
                result.variants_changed += 1
                result.changed_ids.append(variant.pk)
            if row.stock_delta:
                services.stock_adjust(
                    variant=variant, delta=row.stock_delta, reason=reason, actor=actor
                )
                result.stock_changes += 1
        except (FreeholdError, ValidationError) as exc:
            name, message = _message(exc)
            raise RowError(number, variant, name, message) from exc
    return result
