"""Shipping zones and rates, written by the dashboard: validated by the models, audit-logged.

The checkout re-reads zones and rates for every quote (markets.selectors), so an edit applies
to the next checkout page and to carts already holding a shipping choice: the stored option
code is re-validated at the sale.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction

from freehold.core import audit
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.markets.models import ShippingRate, ShippingZone


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
