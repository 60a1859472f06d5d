"""What the Settings → Taxes screens read: the rules in force on a day and their history, the
merchant's registrations, and the US economic-nexus tracker as table rows.

Every list is one query whatever its length (the rule tables are small, a few hundred rows),
and the tracker is `taxes.selectors.us_nexus_status` (a handful of queries for any number of
orders). The home page's nexus warning is kept in the cache for a few minutes: a yearly
threshold tolerates the lag, and the sum over two years of US orders is not worth running on
every visit to the home page. Registering in a state through these screens forgets it at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Q, QuerySet

from freehold.markets.countries import country_codes
from freehold.markets.zones import region_name
from freehold.storefront.jinja import country_name
from freehold.taxes import engine
from freehold.taxes.models import DutyRate, ImportRule, NexusThreshold, TaxRate, TaxRegistration
from freehold.taxes.selectors import NexusStatus, today, us_nexus_status

HUNDRED = Decimal(100)
PROGRESS_STEP = 5
NEXUS_TODO_SECONDS = 600
NEXUS_TODO_KEY = "dashboard:taxes:nexus-todo:{day}"

SCHEME_LABELS = {
    engine.Scheme.IOSS: "EU IOSS (imports up to EUR 150)",
    engine.Scheme.OSS: "EU OSS (distance sales within the EU)",
    engine.Scheme.EU_VAT: "EU VAT number (one member state)",
    engine.Scheme.UK_VAT: "UK VAT",
    engine.Scheme.US_SALES_TAX: "US sales tax (one state)",
    engine.Scheme.CA_GST_HST: "Canada GST/HST",
    engine.Scheme.AU_GST: "Australia GST",
    engine.Scheme.JP_CT: "Japan consumption tax",
}
CLASS_LABELS = {
    "standard": "Standard",
    "reduced": "Reduced",
    "super_reduced": "Super reduced",
    "zero": "Zero",
}


def percent_text(rate: Decimal | None) -> str:
    """A stored fraction as the percentage people type: 0.08875 -> "8.875", 0.2 -> "20"."""
    if rate is None:
        return ""
    value = (Decimal(rate) * HUNDRED).normalize()
    return f"{value:f}"


def place_name(code: str) -> str:
    """ "FR" -> "France", "US-NY" -> "New York", "EU" -> "European Union"."""
    if not code:
        return ""
    if code == engine.EU:
        return "European Union"
    if "-" in code:
        return region_name(code)
    return country_name(code, "en")


def country_choices(*, blank: str = "") -> list[tuple[str, str]]:
    """Every ISO country as (code, "Name (CODE)"), by name; a first blank choice if asked."""
    choices = sorted(
        ((code, f"{country_name(code, 'en')} ({code})") for code in country_codes()),
        key=lambda choice: choice[1],
    )
    return [("", blank), *choices] if blank else choices


def period_state(valid_from: dt.date, valid_to: dt.date | None, on: dt.date) -> str:
    """ "past", "current" or "future" on a day."""
    if valid_from > on:
        return "future"
    if valid_to is not None and valid_to < on:
        return "past"
    return "current"


def _in_force(queryset: QuerySet[Any], on: dt.date) -> QuerySet[Any]:
    return queryset.filter(Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gte=on)))


# --- Registrations ----------------------------------------------------------------------


@dataclass(frozen=True)
class RegistrationRow:
    registration: TaxRegistration
    scheme_label: str
    where: str
    rate_percent: str
    state: str  # "current" | "future" | "past" | "inactive"


def registration_rows(on: dt.date | None = None) -> list[RegistrationRow]:
    on = on or today()
    rows = []
    for registration in TaxRegistration.objects.order_by("scheme", "country", "region", "pk"):
        where = (
            registration.region
            or registration.country
            or engine.Scheme.COUNTRY.get(registration.scheme, "")
        )
        state = (
            period_state(registration.valid_from, registration.valid_to, on)
            if registration.is_active
            else "inactive"
        )
        rows.append(
            RegistrationRow(
                registration=registration,
                scheme_label=SCHEME_LABELS.get(registration.scheme, registration.scheme),
                where=f"{place_name(where)} ({where})" if where else "",
                rate_percent=percent_text(registration.rate),
                state=state,
            )
        )
    return rows


# --- Tax rates --------------------------------------------------------------------------


@dataclass
class RatesInForce:
    """One country (or region) with its rate per tax class on the day."""

    country: str
    region: str
    name: str
    label: str = ""
    by_class: dict[str, TaxRate] = field(default_factory=dict)

    @property
    def since(self) -> dt.date | None:
        return max((rate.valid_from for rate in self.by_class.values()), default=None)


def rates_in_force(on: dt.date, *, country: str = "") -> list[RatesInForce]:
    """The rates valid on `on`, one row per country/region with a column per tax class."""
    queryset = _in_force(TaxRate.objects.all(), on)
    if country:
        queryset = queryset.filter(country=country)
    grouped: dict[tuple[str, str], RatesInForce] = {}
    for rate in queryset.order_by("country", "region", "tax_class"):
        key = (rate.country, rate.region)
        if key not in grouped:
            grouped[key] = RatesInForce(
                country=rate.country,
                region=rate.region,
                name=place_name(rate.region or rate.country),
                label=rate.label,
            )
        grouped[key].by_class[rate.tax_class] = rate
    return sorted(grouped.values(), key=lambda row: (row.name, row.region))


def rate_countries() -> list[tuple[str, str]]:
    """The countries with a rate on record, for the filter: (code, name)."""
    codes = TaxRate.objects.order_by().values_list("country", flat=True).distinct()
    return sorted(((code, place_name(code)) for code in codes), key=lambda choice: choice[1])


def rate_history(country: str, on: dt.date) -> list[tuple[TaxRate, str]]:
    """Every rate row of a country, past, current and future, with its state on `on`."""
    rows = TaxRate.objects.filter(country=country).order_by("region", "tax_class", "valid_from")
    return [(row, period_state(row.valid_from, row.valid_to, on)) for row in rows]


# --- Duties and import rules ------------------------------------------------------------


def duty_rows(on: dt.date) -> list[tuple[DutyRate, str]]:
    rows = DutyRate.objects.order_by("destination", "hs_prefix", "product_type", "valid_from")
    return [(row, period_state(row.valid_from, row.valid_to, on)) for row in rows]


def import_rule_rows(on: dt.date) -> list[tuple[ImportRule, str]]:
    rows = ImportRule.objects.order_by("destination", "kind", "valid_from")
    return [(row, period_state(row.valid_from, row.valid_to, on)) for row in rows]


# --- The US nexus tracker ---------------------------------------------------------------


def _dollars(amount: Decimal) -> str:
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"


def threshold_text(status: NexusStatus) -> str:
    """ "$100,000 or 200 transactions", "$500,000", "$500,000 and 100 transactions"."""
    sales = _dollars(status.sales_threshold)
    if status.transactions_threshold is None:
        return sales
    word = "and" if status.combination == NexusThreshold.Combination.BOTH else "or"
    return f"{sales} {word} {status.transactions_threshold:,} transactions"


@dataclass(frozen=True)
class NexusRow:
    status: NexusStatus
    name: str
    threshold: str
    progress_step: int  # 0, 5, ... 100: the bar's width class
    period: str


def nexus_rows(on: dt.date | None = None) -> list[NexusRow]:
    """The tracker: the states needing attention first (crossed, then warning), then those
    registered, then the rest, each by name."""
    statuses = us_nexus_status(on)
    _remember_todo(on or today(), statuses)
    order = {"crossed": 0, "warning": 1, "ok": 2}
    rows = [
        NexusRow(
            status=status,
            name=place_name(status.region),
            threshold=threshold_text(status),
            progress_step=min(100, int(status.percent) // PROGRESS_STEP * PROGRESS_STEP),
            period=(
                "previous 12 months"
                if status.measurement == NexusThreshold.Measurement.TWELVE_MONTHS
                else "current or previous year"
            ),
        )
        for status in statuses
    ]
    rows.sort(
        key=lambda row: (
            not row.status.needs_attention,
            not row.status.registered,
            order[row.status.state],
            row.name,
        )
    )
    return rows


@dataclass(frozen=True)
class NexusTodo:
    """States where the merchant is not registered: near the threshold, and past it."""

    approaching: int = 0
    crossed: int = 0

    def __bool__(self) -> bool:
        return bool(self.approaching or self.crossed)


def _count(statuses: list[NexusStatus]) -> NexusTodo:
    counts: dict[str, int] = defaultdict(int)
    for status in statuses:
        if status.needs_attention:
            counts[status.state] += 1
    return NexusTodo(approaching=counts["warning"], crossed=counts["crossed"])


def _remember_todo(on: dt.date, statuses: list[NexusStatus]) -> NexusTodo:
    todo = _count(statuses)
    cache.set(NEXUS_TODO_KEY.format(day=on.isoformat()), todo, NEXUS_TODO_SECONDS)
    return todo


def nexus_todo(on: dt.date | None = None) -> NexusTodo:
    """The home page's warning: no query while the day's count is cached (ten minutes)."""
    on = on or today()
    cached = cache.get(NEXUS_TODO_KEY.format(day=on.isoformat()))
    if isinstance(cached, NexusTodo):
        return cached
    return _remember_todo(on, us_nexus_status(on))


def forget_nexus_todo(on: dt.date | None = None) -> None:
    """After a registration changes: the home page counts again at its next visit."""
    cache.delete(NEXUS_TODO_KEY.format(day=(on or today()).isoformat()))
