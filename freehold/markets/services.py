"""Shipping zones and rates, written by the dashboard: validated by the models, audit-logged.

The checkout re-reads zones and rates for every quote (markets.selectors), so an edit applies
to the next checkout page and to carts already holding a shipping choice: the stored option
code is re-validated at the sale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from freehold.core import audit
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.markets import fx
from freehold.markets.models import FxRate, ShippingRate, ShippingZone


def _full_clean(instance: ShippingZone | ShippingRate) -> None:
    try:
        instance.full_clean()
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            field, messages = next(iter(error.message_dict.items()))
            raise ValidationFailed(
                " ".join(messages), field=None if field == "__all__" else field
            ) from None
        raise ValidationFailed(" ".join(error.messages)) from None


def _save(instance: ShippingZone | ShippingRate, *, unique_field: str, message: str) -> None:
    try:
        with transaction.atomic():
            instance.save()
    except IntegrityError:
        # Two editors at once past full_clean: the constraint decides, the field is named.
        raise ValidationFailed(message, field=unique_field) from None


@transaction.atomic
def shipping_zone_save(*, zone: ShippingZone, actor: Actor) -> ShippingZone:
    """Create or update a zone (countries normalised and checked against the other zones)."""
    created = zone.pk is None
    _full_clean(zone)
    _save(
        zone,
        unique_field="is_rest_of_world",
        message="Another zone is already the rest of the world.",
    )
    audit.record(
        actor=actor,
        verb="shipping.zone_created" if created else "shipping.zone_changed",
        obj=zone,
        data={"name": zone.name, "countries": zone.countries, "rest": zone.is_rest_of_world},
    )
    return zone


@transaction.atomic
def shipping_zone_delete(*, zone: ShippingZone, actor: Actor) -> None:
    """Remove a zone and its rates; carts that chose one of them must choose again."""
    audit.record(
        actor=actor,
        verb="shipping.zone_deleted",
        obj=zone,
        data={"name": zone.name, "countries": zone.countries},
    )
    zone.delete()


@transaction.atomic
def shipping_rate_save(*, rate: ShippingRate, actor: Actor) -> ShippingRate:
    created = rate.pk is None
    rate.currency = (rate.currency or "").upper()
    taken = ShippingRate.objects.filter(zone_id=rate.zone_id, code=rate.code).exclude(pk=rate.pk)
    if taken.exists():
        raise ValidationFailed("Another rate of this zone has this code.", field="code")
    _full_clean(rate)
    _save(rate, unique_field="code", message="Another rate of this zone has this code.")
    audit.record(
        actor=actor,
        verb="shipping.rate_created" if created else "shipping.rate_changed",
        obj=rate,
        data={
            "zone": rate.zone_id,
            "code": rate.code,
            "price": str(rate.price_amount),
            "currency": rate.currency,
            "free_over": None if rate.free_over_amount is None else str(rate.free_over_amount),
        },
    )
    return rate


@transaction.atomic
def shipping_rate_delete(*, rate: ShippingRate, actor: Actor) -> None:
    audit.record(
        actor=actor,
        verb="shipping.rate_deleted",
        obj=rate,
        data={"zone": rate.zone_id, "code": rate.code},
    )
    rate.delete()


@dataclass(frozen=True)
class FxImportResult:
    days: int
    created: int
    unchanged: int
    first_day: dt.date | None
    last_day: dt.date | None


@transaction.atomic
def fx_rates_import(*, data: bytes, source: str = "ecb") -> FxImportResult:
    """Keep every rate of an ECB eurofxref document: new days are added, days already kept are
    left as they are (the ECB does not revise published reference rates), and a malformed file
    adds nothing."""
    rates = fx.parse_eurofxref(data)
    known = set(
        FxRate.objects.filter(base=fx.ECB_BASE, date__in={rate.date for rate in rates}).values_list(
            "date", "quote"
        )
    )
    new: dict[tuple[dt.date, str], FxRate] = {}
    for rate in rates:
        key = (rate.date, rate.quote)
        if key not in known and key not in new:
            new[key] = FxRate(
                date=rate.date, base=rate.base, quote=rate.quote, rate=rate.rate, source=source
            )
    FxRate.objects.bulk_create(new.values(), batch_size=1000)
    days = sorted({rate.date for rate in rates})
    return FxImportResult(
        days=len(days),
        created=len(new),
        unchanged=len(rates) - len(new),
        first_day=days[0] if days else None,
        last_day=days[-1] if days else None,
    )
