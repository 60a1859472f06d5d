"""Reading the tax rules: the rows valid on a day as the engine's dataclasses, and the trackers.

The rules are small (a few hundred rows) and read on every checkout, so each process keeps
them in memory, keyed by `TaxProfile.rules_version`: one cheap query per checkout reads that
version (together with the store's single-rate setting and the merchant's profile), and every
write to a rule (`services`, or any `save()`/`delete()` through the signals) changes the version,
so every process reloads at its next read. A rolled-back write rolls the version back too.

`tax_context` is what the checkout uses: the rules of the day, the profile, and the store's
legacy single rate (`StoreSettings.tax_rate_percent`), which still applies in the store's own
country when the merchant has not registered there for the engine (the setup before markets).
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Case, F, Subquery, TextField, Value, When
from django.utils import timezone

from freehold.core import clock
from freehold.core.errors import FreeholdError
from freehold.taxes import engine
from freehold.taxes.models import (
    DutyRate,
    ImportRule,
    NexusThreshold,
    TaxProfile,
    TaxRate,
    TaxRegistration,
)

ZERO = Decimal(0)
HUNDRED = Decimal(100)
WARNING_SHARE = Decimal("0.8")
# Payment states of a sale that counts towards a threshold (a fully refunded one does not).
SOLD = ("paid", "partially_refunded")
_CACHE_SIZE = 8


def today() -> dt.date:
    return timezone.localdate(clock.now())


# --- The rules, cached per version --------------------------------------------------------


@dataclass(frozen=True)
class _Dated:
    valid_from: dt.date
    valid_to: dt.date | None
    value: Any
    active: bool = True

    def valid_on(self, on: dt.date) -> bool:
        return (
            self.active and self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)
        )


@dataclass
class _AllRules:
    """Every rule row of one version, with its dates; filtered by day in memory."""

    rates: list[_Dated] = field(default_factory=list)
    import_rules: list[_Dated] = field(default_factory=list)
    duty_rates: list[_Dated] = field(default_factory=list)
    registrations: list[_Dated] = field(default_factory=list)
    by_day: dict[dt.date, tuple[Sequence[Any], ...]] = field(default_factory=dict)

    def on(self, day: dt.date) -> tuple[Sequence[Any], ...]:
        if day not in self.by_day:
            self.by_day[day] = tuple(
                tuple(item.value for item in rows if item.valid_on(day))
                for rows in (self.rates, self.import_rules, self.duty_rates, self.registrations)
            )
        return self.by_day[day]


_cache: dict[str, _AllRules] = {}
_lock = threading.Lock()
_last_version = ""  # the version this process read last: the state query skips its snapshot


def clear_cache() -> None:
    """Forget every loaded version (the signals call it on a write in this process)."""
    global _last_version
    with _lock:
        _cache.clear()
        _last_version = ""
    _distance_sales.clear()


RATE_FIELDS = ("country", "region", "tax_class", "rate", "label", "source")
IMPORT_RULE_FIELDS = (
    "destination", "kind", "threshold_amount", "currency", "amount", "label", "scheme", "source",
)  # fmt: skip
DUTY_RATE_FIELDS = ("destination", "hs_prefix", "product_type", "rate", "label", "source")
REGISTRATION_FIELDS = ("scheme", "country", "region", "number", "rate", "tax_shipping", "is_active")
DATES = ("valid_from", "valid_to")


def compile_rules(models: dict[str, Any] | None = None) -> str:
    """Every rule row as one JSON document (four queries): what `TaxProfile.rules_snapshot`
    keeps. `models`: the data migration's historical models."""
    models = models or {
        "TaxRate": TaxRate,
        "ImportRule": ImportRule,
        "DutyRate": DutyRate,
        "TaxRegistration": TaxRegistration,
    }
    document = {}
    for key, model_name, fields in (
        ("rates", "TaxRate", RATE_FIELDS),
        ("import_rules", "ImportRule", IMPORT_RULE_FIELDS),
        ("duty_rates", "DutyRate", DUTY_RATE_FIELDS),
        ("registrations", "TaxRegistration", REGISTRATION_FIELDS),
    ):
        rows = models[model_name].objects.order_by("pk").values_list(*fields, *DATES)
        document[key] = [
            [value if isinstance(value, bool | None) else str(value) for value in row]
            for row in rows
        ]
    return json.dumps(document, separators=(",", ":"))


def _decimal(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _parse_rules(snapshot: str) -> _AllRules:
    document = json.loads(snapshot)
    loaded = _AllRules()

    def dated(row: list[Any], value: Any, active: bool = True) -> _Dated:
        valid_from, valid_to = row[-2], row[-1]
        return _Dated(
            dt.date.fromisoformat(valid_from),
            dt.date.fromisoformat(valid_to) if valid_to else None,
            value,
            active=active,
        )

    for row in document.get("rates", []):
        country, region, tax_class, rate, label, source = row[:6]
        loaded.rates.append(
            dated(row, engine.Rate(country, region, tax_class, Decimal(rate), label, source))
        )
    for row in document.get("import_rules", []):
        destination, kind, threshold, currency, amount, label, scheme, source = row[:8]
        loaded.import_rules.append(
            dated(
                row,
                engine.ImportRule(
                    destination=destination,
                    kind=kind,
                    threshold=_decimal(threshold),
                    currency=currency,
                    amount=Decimal(amount),
                    label=label,
                    scheme=scheme,
                    source=source,
                ),
            )
        )
    for row in document.get("duty_rates", []):
        destination, hs_prefix, product_type, rate, label, source = row[:6]
        loaded.duty_rates.append(
            dated(
                row,
                engine.DutyRate(
                    destination=destination,
                    hs_prefix="".join(ch for ch in hs_prefix if ch.isdigit()),
                    product_type=product_type,
                    rate=Decimal(rate),
                    label=label,
                    source=source,
                ),
            )
        )
    for row in document.get("registrations", []):
        scheme, country, region, number, rate, tax_shipping, is_active = row[:7]
        loaded.registrations.append(
            dated(
                row,
                engine.Registration(
                    scheme=scheme,
                    country=country,
                    region=region,
                    number=number,
                    rate=_decimal(rate),
                    tax_shipping=bool(tax_shipping),
                ),
                active=bool(is_active),
            )
        )
    return loaded


def _rules_of_version(version: str, snapshot: str) -> _AllRules:
    """The rules of `version`: cached, else from the snapshot the state query brought, else
    (never compiled) from the tables."""
    global _last_version
    with _lock:
        cached = _cache.get(version)
    if cached is not None:
        return cached
    loaded = _parse_rules(snapshot or compile_rules()) if version else _AllRules()
    with _lock:
        if len(_cache) >= _CACHE_SIZE:
            _cache.clear()
        _cache[version] = loaded
        _last_version = version
    return loaded


# --- The context of a checkout ------------------------------------------------------------


@dataclass(frozen=True)
class HomeTax:
    """The store's single rate (StoreSettings), for its own country (any, if it has none)."""

    label: str
    rate: Decimal
    prices_include_tax: bool
    country: str

    def applies_to(self, country: str) -> bool:
        return not self.country or not country or country == self.country


@dataclass(frozen=True)
class TaxContext:
    rules: engine.RuleSet
    home: HomeTax | None
    store_country: str
    # The merchant's own registrations only (`rules` may add the one the home rate implies).
    declared: engine.RuleSet | None = None


def _state() -> tuple[str, str, dict[str, Any], dict[str, Any]]:
    """One query: the rules' version (and their snapshot, only when this process's copy is
    not that version), the profile, and the store's tax setting."""
    from freehold.storefront.models import StoreSettings  # storefront imports checkout

    store_fields = ("tax_label", "tax_rate_percent", "prices_include_tax", "country_code")
    store = StoreSettings.objects.filter(pk=1)
    row = (
        TaxProfile.objects.filter(pk=1)
        .annotate(
            snapshot=Case(
                When(rules_version=_last_version, then=Value("")),
                default=F("rules_snapshot"),
                output_field=TextField(),
            ),
            **{f"store_{name}": Subquery(store.values(name)[:1]) for name in store_fields},
        )
        .values(
            "rules_version",
            "snapshot",
            "established_country",
            "ships_from_country",
            "eu_destination_vat_always",
            *(f"store_{name}" for name in store_fields),
        )
        .first()
    )
    if row is None:
        # No profile row (a database flushed by tests): no rule was written since, so none.
        store_row = store.values(*store_fields).first() or {}
        return "", "", {}, dict(store_row)
    profile = {
        "established_country": row["established_country"],
        "ships_from_country": row["ships_from_country"],
        "eu_destination_vat_always": row["eu_destination_vat_always"],
    }
    store_row = {name: row[f"store_{name}"] for name in store_fields}
    return row["rules_version"], row["snapshot"] or "", profile, store_row


def tax_context(on: dt.date | None = None) -> TaxContext:
    """The rules valid on `on` (today), the merchant's profile and the store's home rate."""
    on = on or today()
    version, snapshot, profile_row, store = _state()
    store_country = (store.get("country_code") or "").upper()
    established = (profile_row.get("established_country") or store_country).upper()
    profile = engine.Profile(
        established_country=established,
        ships_from_country=(profile_row.get("ships_from_country") or established).upper(),
        eu_destination_vat_always=bool(profile_row.get("eu_destination_vat_always")),
    )
    rates, import_rules, duty_rates, registrations = _rules_of_version(version, snapshot).on(on)
    rate_percent = store.get("tax_rate_percent")
    home = None
    if rate_percent:
        home = HomeTax(
            label=store.get("tax_label") or "Tax",
            rate=Decimal(rate_percent) / HUNDRED,
            prices_include_tax=bool(store.get("prices_include_tax")),
            country=store_country,
        )
    declared = engine.RuleSet(
        on=on,
        rates=rates,
        import_rules=import_rules,
        duty_rates=duty_rates,
        registrations=registrations,
        profile=profile,
    )
    rules = declared
    if (
        home is not None
        and home.country in engine.EU_MEMBER_STATES
        and declared.registration(engine.Scheme.EU_VAT, country=home.country) is None
    ):
        # A store charging VAT at home is VAT-registered there: its distance sales to other
        # member states carry its own VAT below the EUR 10,000 threshold, as they did before
        # the engine (at home, the store's own rate still applies: `uses_home_rate`).
        implied = engine.Registration(
            scheme=engine.Scheme.EU_VAT, country=home.country, number="(store tax setting)"
        )
        rules = replace(declared, registrations=(*declared.registrations, implied))
    return TaxContext(rules=rules, home=home, store_country=store_country, declared=declared)


def rules_on(on: dt.date | None = None) -> engine.RuleSet:
    return tax_context(on).rules


# --- Conversion for thresholds ------------------------------------------------------------


def converter(on: dt.date) -> engine.Convert:
    """`convert(amount, from, to)` at the ECB rates kept for `on` (raises when none is kept)."""
    from freehold.markets.pricing import rates_on

    def convert(amount: Decimal, from_currency: str, to_currency: str) -> Decimal:
        if from_currency == to_currency:
            return amount
        return amount * rates_on(on).rate(from_currency, to_currency)

    return convert


# --- Assessing a consignment --------------------------------------------------------------


_distance_sales: dict[tuple[str, int], tuple[float, Decimal | None]] = {}
DISTANCE_SALES_TTL_SECONDS = 600.0


def eu_distance_sales_cached(on: dt.date, *, ships_from: str) -> Decimal | None:
    """`eu_distance_sales`, kept ten minutes per process: a yearly threshold tolerates the lag,
    and the sum over two years of orders is not worth running on every checkout."""
    key = (ships_from, on.year)
    now = time.monotonic()
    cached = _distance_sales.get(key)
    if cached is not None and cached[0] > now:
        return cached[1]
    total = eu_distance_sales(on, ships_from=ships_from)
    _distance_sales[key] = (now + DISTANCE_SALES_TTL_SECONDS, total)
    return total


def eu_distance_sales(on: dt.date, *, ships_from: str) -> Decimal | None:
    """Paid B2C sales shipped to other member states this and last calendar year, in EUR.

    Orders record their total in the base currency; a base other than EUR is converted at the
    day's rate (an approximation of each order's own day, which is enough for a threshold).
    """
    from django.db.models import Sum

    from freehold.orders.models import Order

    start = dt.date(on.year - 1, 1, 1)
    rows = (
        Order.objects.filter(
            payment_status__in=SOLD,
            placed_at__date__gte=start,
            shipping_address__country_code__in=sorted(engine.EU_MEMBER_STATES - {ships_from}),
        )
        .values("base_currency", "currency")
        .annotate(total=Sum("base_total_amount"))
        .order_by()
    )
    convert = converter(on)
    total = ZERO
    for row in rows:
        currency = row["base_currency"] or row["currency"]
        try:
            total += convert(row["total"] or ZERO, currency, "EUR")
        except FreeholdError:  # no rate kept: the threshold cannot be judged
            return None
    return total


def assessor(
    context: TaxContext,
    *,
    country: str,
    region: str = "",
    postcode: str = "",
    duties_mode: str = "dap",
) -> Callable[[str, Sequence[engine.Line], Decimal], engine.Assessment]:
    """The callable the pricing pipeline calls with the discounted, net-of-tax lines."""
    rules = context.rules

    def assess(currency: str, lines: Sequence[engine.Line], shipping: Decimal) -> engine.Assessment:
        consignment = engine.Consignment(
            country=country,
            region=region,
            postcode=postcode,
            currency=currency,
            lines=lines,
            shipping=shipping,
            duties_mode=duties_mode,
        )
        return engine.assess(
            consignment,
            rules,
            convert=converter(rules.on),
            eu_distance_sales=lambda: eu_distance_sales_cached(
                rules.on, ships_from=rules.profile.ships_from_country
            ),
        )

    return assess


def uses_home_rate(context: TaxContext, *, country: str) -> bool:
    """Whether the store's single rate applies: set, for its own country, and the merchant
    has no registration the engine could charge this country's tax under."""
    if context.home is None or not context.home.applies_to(country):
        return False
    if not country:
        return True
    probe = engine.assess(
        engine.Consignment(
            country=country, currency="EUR", lines=[engine.Line(key="probe", amount=ZERO)]
        ),
        context.declared or context.rules,
        convert=lambda amount, _from, _to: amount,
    )
    return not probe.registered


def display_rate(
    *, country: str, region: str = "", tax_class: str = "standard", on: dt.date | None = None
) -> Decimal:
    """The rate a tax-inclusive price shown to a shopper in `country` contains.

    The rate the merchant charges at checkout on a low-value parcel to that destination (the
    IOSS, UK and Australian regimes, a domestic or OSS sale, a US state with nexus); 0 where it
    collects nothing at checkout. The store's single rate in its own country while the merchant
    has not registered there.
    """
    context = tax_context(on)
    country = country.strip().upper()
    if uses_home_rate(context, country=country):
        assert context.home is not None
        return ZERO if tax_class == "zero" else context.home.rate
    assessment = engine.assess(
        engine.Consignment(
            country=country,
            region=region,
            currency="EUR",
            lines=[engine.Line(key="probe", amount=ZERO, tax_class=tax_class or "standard")],
        ),
        context.rules,
        convert=lambda amount, _from, _to: amount,
        eu_distance_sales=lambda: ZERO,
    )
    return assessment.charge("probe").rate


# --- The US economic-nexus tracker --------------------------------------------------------


@dataclass(frozen=True)
class NexusStatus:
    region: str  # "US-NY"
    sales: Decimal  # USD, in the measured period that came closest to the threshold
    transactions: int
    previous_year_sales: Decimal
    previous_year_transactions: int
    current_year_sales: Decimal
    current_year_transactions: int
    sales_threshold: Decimal
    transactions_threshold: int | None
    combination: str  # "or" | "and"
    measurement: str
    percent: Decimal  # of the threshold, the nearer of sales and transactions (0-100+)
    state: str  # "ok" | "warning" | "crossed"
    registered: bool

    @property
    def needs_attention(self) -> bool:
        return self.state != "ok" and not self.registered


def _share(value: Decimal, limit: Decimal | int | None) -> Decimal | None:
    if limit is None or limit == 0:
        return None
    return Decimal(value) / Decimal(limit)


def _period_share(sales: Decimal, transactions: int, threshold: NexusThreshold) -> Decimal:
    """How far a period's sales and transactions are along the threshold (1 = crossed)."""
    shares = [
        s
        for s in (
            _share(sales, threshold.sales_amount),
            _share(Decimal(transactions), threshold.transactions),
        )
        if s is not None
    ]
    if not shares:
        return ZERO
    if threshold.combination == NexusThreshold.Combination.BOTH:
        return min(shares)
    return max(shares)


def us_nexus_status(on: dt.date | None = None) -> list[NexusStatus]:
    """Per state with a threshold: the merchant's US sales against it, warning from 80 %.

    Paid orders shipped to the state, net of tax and duties, in USD (other currencies at the
    day's ECB rate), in the current and the previous calendar year (or the previous twelve
    months, for the states measuring so). Two queries, whatever the number of orders.
    """
    from django.db.models import Case, Count, F, Sum, Value, When
    from django.db.models.fields.json import KT
    from django.db.models.functions import ExtractYear

    from freehold.orders.models import Order

    on = on or today()
    thresholds = [
        t
        for t in NexusThreshold.objects.filter(valid_from__lte=on).order_by("region")
        if t.valid_to is None or t.valid_to >= on
    ]
    if not thresholds:
        return []
    start = dt.date(on.year - 1, 1, 1)
    twelve_months_ago = on - dt.timedelta(days=365)
    rows = (
        Order.objects.filter(
            payment_status__in=SOLD,
            shipping_address__country_code="US",
            placed_at__date__gte=min(start, twelve_months_ago),
            placed_at__date__lte=on,
        )
        .annotate(
            year=ExtractYear("placed_at"),
            recent=Case(
                When(placed_at__date__gt=twelve_months_ago, then=Value(True)),
                default=Value(False),
            ),
            state=KT("shipping_address__region"),
            net=F("subtotal_amount") - F("discount_amount") + F("shipping_amount"),
        )
        .values("state", "currency", "year", "recent")
        .annotate(sales=Sum("net"), count=Count("id"))
        .order_by()
    )
    convert = converter(on)
    per_state: dict[str, dict[str, list[Decimal]]] = defaultdict(
        lambda: {"current": [ZERO, ZERO], "previous": [ZERO, ZERO], "twelve": [ZERO, ZERO]}
    )
    for row in rows:
        region = engine.region_code("US", str(row["state"] or ""))
        try:
            usd = convert(row["sales"] or ZERO, row["currency"], "USD")
        except FreeholdError:  # a currency without a kept rate cannot be counted
            continue
        buckets = []
        if row["year"] == on.year:
            buckets.append("current")
        elif row["year"] == on.year - 1:
            buckets.append("previous")
        if row["recent"]:
            buckets.append("twelve")
        for bucket in buckets:
            per_state[region][bucket][0] += usd
            per_state[region][bucket][1] += row["count"]
    registered = {
        r.region
        for r in TaxRegistration.objects.filter(
            scheme=engine.Scheme.US_SALES_TAX, is_active=True, valid_from__lte=on
        )
        if r.valid_to is None or r.valid_to >= on
    }
    statuses = []
    for threshold in thresholds:
        totals = per_state[threshold.region]
        if threshold.measurement == NexusThreshold.Measurement.TWELVE_MONTHS:
            periods = [totals["twelve"]]
        else:
            periods = [totals["current"], totals["previous"]]
        shares = [_period_share(p[0], int(p[1]), threshold) for p in periods]
        best = max(range(len(periods)), key=lambda i: shares[i])
        share = shares[best]
        state = "crossed" if share >= 1 else "warning" if share >= WARNING_SHARE else "ok"
        statuses.append(
            NexusStatus(
                region=threshold.region,
                sales=periods[best][0].quantize(Decimal("0.01")),
                transactions=int(periods[best][1]),
                previous_year_sales=totals["previous"][0].quantize(Decimal("0.01")),
                previous_year_transactions=int(totals["previous"][1]),
                current_year_sales=totals["current"][0].quantize(Decimal("0.01")),
                current_year_transactions=int(totals["current"][1]),
                sales_threshold=threshold.sales_amount,
                transactions_threshold=threshold.transactions,
                combination=threshold.combination,
                measurement=threshold.measurement,
                percent=(share * HUNDRED).quantize(Decimal("0.1")),
                state=state,
                registered=threshold.region in registered,
            )
        )
    return statuses
