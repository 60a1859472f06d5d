"""Writing tax rules: validated, audited, and announced to every process's rules cache.

Each save refuses bad input with a `TaxRuleInvalid` naming the field, so a dashboard screen is
a form and one call. Two rows of the same rule may not be valid on the same day (the engine
would have to guess): a new rate for a date closes the one in force the day before instead.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q

from freehold.core import audit, clock
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.markets.countries import is_country_code, normalise_country_code
from freehold.taxes import engine
from freehold.taxes.models import (
    DutyRate,
    ImportRule,
    NexusThreshold,
    TaxProfile,
    TaxRate,
    TaxRegistration,
    new_rules_version,
)

DEFAULTS_FILE = Path(__file__).parent / "data" / "defaults.json"
MAX_RATE = Decimal("0.99")


class TaxRuleInvalid(ValidationFailed):
    pass


def rules_changed() -> None:
    """Move the rules' version (every process reloads) and forget this process's copy.

    Part of the writing transaction: a rolled-back write rolls the version back with it.
    """
    from freehold.taxes.selectors import clear_cache, compile_rules

    snapshot = compile_rules()
    updated = TaxProfile.objects.filter(pk=1).update(
        rules_version=new_rules_version(), rules_snapshot=snapshot, updated_at=clock.now()
    )
    if not updated:
        TaxProfile.objects.get_or_create(pk=1, defaults={"rules_snapshot": snapshot})
    clear_cache()


# --- Validation helpers -------------------------------------------------------------------


def _country(value: str, *, field: str, allow_eu: bool = False, blank: bool = False) -> str:
    code = normalise_country_code(value or "")
    if not code and blank:
        return ""
    if allow_eu and code == engine.EU:
        return code
    if not is_country_code(code):
        raise TaxRuleInvalid(f"{field}: {value!r} is not an ISO country code.", field=field)
    return code


def _region(value: str, *, country: str, field: str = "region") -> str:
    code = engine.region_code(country, value or "")
    if not code:
        return ""
    prefix, _, subdivision = code.partition("-")
    if prefix != country or not subdivision.isalnum() or len(subdivision) > 3:
        raise TaxRuleInvalid(
            f"{field}: {value!r} is not a subdivision of {country} such as {country}-XX.",
            field=field,
        )
    return code


def _rate(value: object, *, field: str = "rate") -> Decimal:
    try:
        rate = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise TaxRuleInvalid(f"{field}: {value!r} is not a number.", field=field) from None
    if not rate.is_finite() or not Decimal(0) <= rate <= MAX_RATE:
        raise TaxRuleInvalid(
            f"{field}: give a fraction between 0 and {MAX_RATE} (0.19 for 19 %).", field=field
        )
    return rate


def _amount(value: object, *, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise TaxRuleInvalid(f"{field}: {value!r} is not an amount.", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise TaxRuleInvalid(f"{field}: an amount cannot be negative.", field=field)
    return amount


def _period(valid_from: dt.date | None, valid_to: dt.date | None) -> None:
    if valid_from is None:
        raise TaxRuleInvalid("valid_from: give the first day the rule applies.", field="valid_from")
    if valid_to is not None and valid_to < valid_from:
        raise TaxRuleInvalid("valid_to: the last day comes after the first.", field="valid_to")


def _overlapping(queryset: Any, valid_from: dt.date, valid_to: dt.date | None) -> Any:
    overlap = Q(valid_to__isnull=True) | Q(valid_to__gte=valid_from)
    if valid_to is not None:
        overlap &= Q(valid_from__lte=valid_to)
    return queryset.filter(overlap)


def _close_or_refuse(
    queryset: Any, *, valid_from: dt.date, valid_to: dt.date | None, what: str
) -> None:
    """A row open-ended and starting earlier is closed the day before; any other overlap is
    refused (two rates on one day)."""
    for row in _overlapping(queryset, valid_from, valid_to).select_for_update():
        if row.valid_from < valid_from and row.valid_to is None:
            row.valid_to = valid_from - dt.timedelta(days=1)
            row.updated_at = clock.now()
            row.save(update_fields=["valid_to", "updated_at"])
        else:
            raise TaxRuleInvalid(
                f"valid_from: {what} already has a row valid from {row.valid_from}"
                f"{' to ' + str(row.valid_to) if row.valid_to else ''}.",
                field="valid_from",
            )


# --- Saves --------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaxRateInput:
    country: str
    rate: Decimal | str
    label: str
    valid_from: dt.date
    region: str = ""
    tax_class: str = "standard"
    valid_to: dt.date | None = None
    source: str = ""


@transaction.atomic
def tax_rate_save(
    *, data: TaxRateInput, rate_id: int | None = None, actor: Actor | None = None
) -> TaxRate:
    """Create (or edit) a rate; a new rate from a date closes the open one before it."""
    country = _country(data.country, field="country")
    region = _region(data.region, country=country)
    if data.tax_class not in engine.TAX_CLASSES:
        raise TaxRuleInvalid(
            f"tax_class: choose one of {', '.join(engine.TAX_CLASSES)}.", field="tax_class"
        )
    rate = _rate(data.rate)
    label = (data.label or "").strip()
    if not label:
        raise TaxRuleInvalid('label: name the tax ("VAT", "GST").', field="label")
    _period(data.valid_from, data.valid_to)
    same = TaxRate.objects.filter(country=country, region=region, tax_class=data.tax_class)
    if rate_id is not None:
        same = same.exclude(pk=rate_id)
    _close_or_refuse(
        same,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        what=f"{region or country} {data.tax_class}",
    )
    row = TaxRate.objects.get(pk=rate_id) if rate_id is not None else TaxRate()
    row.country, row.region, row.tax_class = country, region, data.tax_class
    row.rate, row.label, row.source = rate, label[:32], data.source
    row.valid_from, row.valid_to = data.valid_from, data.valid_to
    row.updated_at = clock.now()
    row.save()
    audit.record(
        actor=actor or Actor.system("taxes"),
        verb="tax_rate.saved",
        obj=row,
        data={"rate": str(rate), "valid_from": str(data.valid_from)},
    )
    return row


@dataclass(frozen=True)
class TaxRegistrationInput:
    scheme: str
    valid_from: dt.date
    number: str = ""
    country: str = ""
    region: str = ""
    rate: Decimal | str | None = None
    tax_shipping: bool = True
    is_active: bool = True
    valid_to: dt.date | None = None
    source: str = ""


@transaction.atomic
def tax_registration_save(
    *,
    data: TaxRegistrationInput,
    registration_id: int | None = None,
    actor: Actor | None = None,
) -> TaxRegistration:
    """Record a registration (IOSS, OSS, a VAT number, nexus in a US state with its rate)."""
    if data.scheme not in engine.Scheme.ALL:
        raise TaxRuleInvalid(
            f"scheme: choose one of {', '.join(engine.Scheme.ALL)}.", field="scheme"
        )
    country = _country(data.country, field="country", blank=True)
    region = ""
    rate = None
    if data.scheme == engine.Scheme.EU_VAT:
        if country not in engine.EU_MEMBER_STATES:
            raise TaxRuleInvalid(
                "country: an EU VAT number belongs to a member state.", field="country"
            )
    elif data.scheme == engine.Scheme.US_SALES_TAX:
        region = _region(data.region, country="US")
        if not region:
            raise TaxRuleInvalid('region: name the state, such as "US-NY".', field="region")
        if data.rate is None or data.rate == "":
            raise TaxRuleInvalid("rate: give the combined rate charged in the state.", field="rate")
        rate = _rate(data.rate)
        country = "US"
    else:
        country = ""
    number = (data.number or "").strip()
    if (
        data.scheme == engine.Scheme.IOSS
        and number
        and not (number.upper().startswith("IM") and len(number) == 12 and number[2:].isdigit())
    ):
        raise TaxRuleInvalid("number: an IOSS number is IM followed by 10 digits.", field="number")
    _period(data.valid_from, data.valid_to)
    row = (
        TaxRegistration.objects.get(pk=registration_id)
        if registration_id is not None
        else TaxRegistration()
    )
    row.scheme, row.country, row.region, row.number = data.scheme, country, region, number.upper()
    row.rate, row.tax_shipping, row.is_active = rate, data.tax_shipping, data.is_active
    row.valid_from, row.valid_to, row.source = data.valid_from, data.valid_to, data.source
    row.updated_at = clock.now()
    row.save()
    audit.record(
        actor=actor or Actor.system("taxes"),
        verb="tax_registration.saved",
        obj=row,
        data={"scheme": row.scheme, "region": region, "active": row.is_active},
    )
    return row


@transaction.atomic
def tax_profile_update(
    *,
    established_country: str,
    ships_from_country: str = "",
    eu_destination_vat_always: bool = False,
    actor: Actor | None = None,
) -> TaxProfile:
    """Where the merchant is established and ships from (decides the EU 10k threshold)."""
    established = _country(established_country, field="established_country", blank=True)
    ships_from = _country(ships_from_country, field="ships_from_country", blank=True)
    profile, _ = TaxProfile.objects.select_for_update().get_or_create(pk=1)
    profile.established_country = established
    profile.ships_from_country = ships_from
    profile.eu_destination_vat_always = eu_destination_vat_always
    profile.updated_at = clock.now()
    profile.save()
    audit.record(
        actor=actor or Actor.system("taxes"),
        verb="tax_profile.updated",
        obj=profile,
        data={"established_country": established, "ships_from_country": ships_from},
    )
    return profile


@dataclass(frozen=True)
class DutyRateInput:
    destination: str
    rate: Decimal | str
    valid_from: dt.date
    hs_prefix: str = ""
    product_type: str = ""
    label: str = "Duty"
    valid_to: dt.date | None = None
    source: str = ""


@transaction.atomic
def duty_rate_save(
    *, data: DutyRateInput, duty_rate_id: int | None = None, actor: Actor | None = None
) -> DutyRate:
    """Create (or edit) an estimated duty rate; a new rate from a date closes the open one.

    The HS prefix is kept as digits ("6206.10" -> "620610"): the engine matches a product's
    code by its digits, so dots typed from a tariff book must not make a second rule.
    """
    destination = _country(data.destination, field="destination", allow_eu=True)
    typed_prefix = (data.hs_prefix or "").strip()
    hs_prefix = "".join(ch for ch in typed_prefix if ch.isdigit())
    if typed_prefix.replace(".", "").replace(" ", "") != hs_prefix or len(hs_prefix) > 10:
        raise TaxRuleInvalid(
            "hs_prefix: up to 10 digits of the HS code, such as 6206 or 6206.10.",
            field="hs_prefix",
        )
    product_type = (data.product_type or "").strip()[:255]
    rate = _rate(data.rate)
    label = (data.label or "").strip() or "Duty"
    _period(data.valid_from, data.valid_to)
    same = DutyRate.objects.filter(
        destination=destination, hs_prefix=hs_prefix, product_type=product_type
    )
    if duty_rate_id is not None:
        same = same.exclude(pk=duty_rate_id)
    _close_or_refuse(
        same,
        valid_from=data.valid_from,
        valid_to=data.valid_to,
        what=f"{destination} duty on {hs_prefix or 'any HS code'}"
        f"{' (' + product_type + ')' if product_type else ''}",
    )
    row = DutyRate.objects.get(pk=duty_rate_id) if duty_rate_id is not None else DutyRate()
    row.destination, row.hs_prefix, row.product_type = destination, hs_prefix, product_type
    row.rate, row.label, row.source = rate, label[:64], data.source
    row.valid_from, row.valid_to = data.valid_from, data.valid_to
    row.updated_at = clock.now()
    row.save()
    audit.record(
        actor=actor or Actor.system("taxes"),
        verb="duty_rate.saved",
        obj=row,
        data={"rate": str(rate), "hs_prefix": hs_prefix, "valid_from": str(data.valid_from)},
    )
    return row


# --- The default rules --------------------------------------------------------------------


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def defaults() -> dict[str, list[dict[str, Any]]]:
    data: dict[str, list[dict[str, Any]]] = json.loads(DEFAULTS_FILE.read_text("utf-8"))
    return data


def defaults_load(*, models: Any = None) -> int:
    """Insert the default rules a database lacks (by their identity and start date).

    Idempotent: a second run inserts nothing, and rows the merchant edited stay. `models`
    lets the data migration pass its historical models.
    """
    if models is None:
        models = {
            "TaxRate": TaxRate,
            "ImportRule": ImportRule,
            "DutyRate": DutyRate,
            "NexusThreshold": NexusThreshold,
        }
    keys = {
        "TaxRate": ("country", "region", "tax_class", "valid_from"),
        "ImportRule": ("destination", "kind", "valid_from"),
        "DutyRate": ("destination", "hs_prefix", "product_type", "valid_from"),
        "NexusThreshold": ("region", "valid_from"),
    }
    data = defaults()
    inserted = 0
    for model_name, rows in data.items():
        if model_name.startswith("_"):
            continue
        model = models[model_name]
        key_fields = keys[model_name]
        existing = {
            tuple(str(value) for value in row) for row in model.objects.values_list(*key_fields)
        }
        new = []
        for raw in rows:
            row = {name: value for name, value in raw.items() if not name.startswith("_")}
            row["valid_from"] = _date(row["valid_from"])
            row["valid_to"] = _date(row.get("valid_to"))
            for name in ("rate", "threshold_amount", "amount", "sales_amount"):
                if row.get(name) is not None:
                    row[name] = Decimal(str(row[name]))
            key = tuple(str(row.get(name, "")) for name in key_fields)
            if key in existing:
                continue
            existing.add(key)
            new.append(model(**row))
        model.objects.bulk_create(new)
        inserted += len(new)
    if inserted and models.get("TaxProfile") is None:
        rules_changed()
    return inserted


# --- Orders -------------------------------------------------------------------------------


def order_tax_lines_create(*, order: Any, order_lines: dict[str, Any], totals: Any) -> list[Any]:
    """The order's tax and duty lines from its pricing result, in one INSERT.

    `order_lines`: pricing line key -> the OrderLine it became. A row per taxed line and for
    the shipping's tax, and one per duty, each with the label the engine gave it.
    """
    from freehold.orders.models import OrderTaxLine

    currency = totals.currency
    rows = []
    for line in totals.lines:
        if line.tax <= 0:
            continue
        rows.append(
            OrderTaxLine(
                order=order,
                kind=OrderTaxLine.Kind.TAX,
                label=(line.tax_label or "Tax")[:128],
                country=line.tax_country,
                region=line.tax_region,
                rate=line.tax_rate,
                amount=line.tax,
                currency=currency,
                included=totals.tax_included and not line.adjustment,
                target=OrderTaxLine.Target.LINE,
                order_line=order_lines.get(line.key),
            )
        )
    if totals.shipping_tax > 0:
        rows.append(
            OrderTaxLine(
                order=order,
                kind=OrderTaxLine.Kind.TAX,
                label=(totals.shipping_tax_label or "Tax")[:128],
                rate=totals.shipping_tax_rate,
                amount=totals.shipping_tax,
                currency=currency,
                included=totals.tax_included,
                target=OrderTaxLine.Target.SHIPPING,
            )
        )
    for duty in totals.duty_lines:
        rows.append(
            OrderTaxLine(
                order=order,
                kind=OrderTaxLine.Kind.DUTY,
                label=duty.label[:128],
                country=duty.country if len(duty.country) == 2 else "",
                rate=duty.rate,
                amount=duty.amount,
                currency=currency,
                target=OrderTaxLine.Target.LINE if duty.line_key else OrderTaxLine.Target.ORDER,
                order_line=order_lines.get(duty.line_key) if duty.line_key else None,
            )
        )
    if rows:
        OrderTaxLine.objects.bulk_create(rows)
    return rows
