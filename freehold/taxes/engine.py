"""The tax and duty engine: which tax and duties a consignment carries at checkout, and why.

Pure functions over plain dataclasses: no database, no clock. `selectors.rules_on(date)` loads
the rules valid on a day (rates, import regimes, duty rates, the merchant's registrations and
profile) into a `RuleSet`; `assess` applies them to one consignment (one parcel to one address)
in the order of the compliance rules, section 4:

1. EU destination, goods coming from outside the EU: IOSS for an intrinsic value up to the
   regime's threshold (EUR 150): the destination's VAT at checkout. Above it: no VAT at
   checkout, the DAP notice, or under DDP the estimated import VAT and duty.
2. EU destination, goods shipped from inside the EU: a merchant established in one member
   state shipping from there charges its own (origin) VAT while its cross-border EU sales stay
   under the EUR 10,000 threshold (VAT Directive Art. 59c); otherwise the destination's VAT from
   the first euro (declared through OSS).
3. EU duty: duty relief up to EUR 150 until 30 June 2026; from 1 July 2026 a flat EUR 3 per
   distinct tariff subheading (6 digits) in parcels up to EUR 150.
4. UK: VAT at checkout up to GBP 135 per consignment; above it import VAT and duty at the border.
5. US: sales tax only in states with a registration (declared nexus), at the merchant's rate;
   duty de minimis USD 0 from 29 August 2025 (every commercial parcel is dutiable).
6. Canada GST/HST, Australia GST, Japan consumption tax: charged with a registration (Australia
   only up to AUD 1,000 for imported goods, above which GST is collected at the border).
7. Anywhere else: no tax at checkout; the DAP notice, or estimated duties under DDP.

Every threshold, rate and date comes from the rules, so a change in the law is a data change.
Amounts in a consignment are in its (presentment) currency; thresholds are compared after
converting with the `convert` callable, which raises when it has no rate (then the engine
assumes the threshold is exceeded, the cautious side: it never charges VAT it may not owe).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from freehold.core.money import minor_unit_exponent

ZERO = Decimal(0)
HUNDRED = Decimal(100)

# Membership is treaty law, not a yearly rule: a change is a code review, not a data entry.
EU_MEMBER_STATES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
})  # fmt: skip
EU = "EU"

TAX_CLASSES = ("standard", "reduced", "super_reduced", "zero")


class Scheme:
    """Registration schemes: under which the merchant may charge a destination's tax."""

    IOSS = "ioss"  # EU import one-stop shop: VAT on imports up to EUR 150
    OSS = "oss"  # EU one-stop shop (union or non-union): destination VAT on distance sales
    EU_VAT = "eu_vat"  # a VAT number in one member state (establishment or local stock)
    UK_VAT = "uk_vat"
    US_SALES_TAX = "us_sales_tax"  # one per state ("US-NY"), with the merchant's rate
    CA_GST_HST = "ca_gst_hst"
    AU_GST = "au_gst"
    JP_CT = "jp_ct"

    ALL = (IOSS, OSS, EU_VAT, UK_VAT, US_SALES_TAX, CA_GST_HST, AU_GST, JP_CT)
    # The country a scheme covers (EU schemes: every member state).
    COUNTRY = {
        IOSS: EU,
        OSS: EU,
        EU_VAT: EU,
        UK_VAT: "GB",
        US_SALES_TAX: "US",
        CA_GST_HST: "CA",
        AU_GST: "AU",
        JP_CT: "JP",
    }


class RuleKind:
    """Kinds of import rule (`ImportRule.kind`)."""

    # The seller charges the destination's tax on imports up to `threshold` (IOSS, UK, AU).
    TAX_AT_CHECKOUT = "tax_at_checkout"
    # No duty on consignments up to `threshold` (0: every parcel is dutiable).
    DUTY_DE_MINIMIS = "duty_de_minimis"
    # A flat `amount` per distinct tariff subheading, on consignments up to `threshold`.
    FLAT_DUTY = "flat_duty"
    # No import tax at the border on consignments up to `threshold` (an estimate under DDP).
    IMPORT_TAX_DE_MINIMIS = "import_tax_de_minimis"
    # The EU's EUR 10,000 origin-VAT threshold for intra-EU distance sales (Art. 59c).
    DISTANCE_SALES_THRESHOLD = "distance_sales_threshold"

    ALL = (
        TAX_AT_CHECKOUT,
        DUTY_DE_MINIMIS,
        FLAT_DUTY,
        IMPORT_TAX_DE_MINIMIS,
        DISTANCE_SALES_THRESHOLD,
    )


class NoticeCode:
    DUTIES_ON_DELIVERY = "duties_on_delivery"
    NOT_CHARGED = "tax_not_charged"


NOTICE_TEXT = {
    NoticeCode.DUTIES_ON_DELIVERY: "Duties and import taxes may be due on delivery.",
    NoticeCode.NOT_CHARGED: "Tax is not charged at checkout for this destination.",
}


# --- Rules (what `selectors.rules_on` loads) ----------------------------------------------


@dataclass(frozen=True)
class Rate:
    country: str
    region: str  # "" for the whole country; "US-NY", "CA-ON"
    tax_class: str
    rate: Decimal
    label: str  # "VAT", "GST", "HST"
    source: str = ""


@dataclass(frozen=True)
class ImportRule:
    destination: str  # a country, or "EU"
    kind: str
    threshold: Decimal | None  # None: no limit
    currency: str
    amount: Decimal = ZERO  # per subheading for FLAT_DUTY
    label: str = ""
    scheme: str = ""  # TAX_AT_CHECKOUT: the registration it needs
    source: str = ""


@dataclass(frozen=True)
class DutyRate:
    destination: str  # a country, or "EU"
    hs_prefix: str  # digits only; "" matches any code
    product_type: str  # "" matches any type
    rate: Decimal  # a fraction of the customs value
    label: str = "Duty"
    source: str = ""


@dataclass(frozen=True)
class Registration:
    scheme: str
    country: str = ""  # the member state of an eu_vat number; "" otherwise
    region: str = ""  # us_sales_tax: "US-NY"
    number: str = ""
    rate: Decimal | None = None  # us_sales_tax: the merchant's combined rate
    tax_shipping: bool = True


@dataclass(frozen=True)
class Profile:
    """Where the merchant is established and ships from (ISO codes, "" when unknown)."""

    established_country: str = ""
    ships_from_country: str = ""
    # Destination VAT from the first euro even under the EUR 10,000 threshold (Art. 59c(3)).
    eu_destination_vat_always: bool = False

    @property
    def eu_origin_threshold_applies(self) -> bool:
        """Art. 59c: only a merchant established in ONE member state shipping from there."""
        return (
            self.established_country in EU_MEMBER_STATES
            and self.ships_from_country == self.established_country
            and not self.eu_destination_vat_always
        )


@dataclass(frozen=True)
class RuleSet:
    on: dt.date
    rates: Sequence[Rate] = ()
    import_rules: Sequence[ImportRule] = ()
    duty_rates: Sequence[DutyRate] = ()
    registrations: Sequence[Registration] = ()
    profile: Profile = field(default_factory=Profile)

    def rates_for(self, country: str, region: str = "") -> list[Rate]:
        return [r for r in self.rates if r.country == country and r.region == region]

    def import_rule(self, destination: str, kind: str) -> ImportRule | None:
        return next(
            (r for r in self.import_rules if r.destination == destination and r.kind == kind),
            None,
        )

    def registration(
        self, scheme: str, *, country: str = "", region: str = ""
    ) -> Registration | None:
        return next(
            (
                r
                for r in self.registrations
                if r.scheme == scheme
                and (not country or r.country in ("", country))
                and (not region or r.region == region)
            ),
            None,
        )


# --- A consignment and its assessment -----------------------------------------------------


@dataclass(frozen=True)
class Line:
    key: str
    amount: Decimal  # net of tax and of discounts, in the consignment's currency
    quantity: int = 1
    tax_class: str = "standard"
    hs_code: str = ""
    product_type: str = ""
    taxable: bool = True


@dataclass(frozen=True)
class Consignment:
    country: str
    currency: str
    lines: Sequence[Line]
    shipping: Decimal = ZERO  # net of tax
    region: str = ""  # "US-NY", "CA-ON" (a bare "NY" is read as a subdivision of `country`)
    postcode: str = ""
    duties_mode: str = "dap"  # "ddp" | "dap"


@dataclass(frozen=True)
class Charge:
    """The tax a line (or the shipping) carries: a rate, and the label naming it."""

    rate: Decimal
    label: str  # "VAT FR 20 %"
    country: str = ""
    region: str = ""
    kind: str = "tax"  # "tax" | "import_tax"


NO_CHARGE = Charge(rate=ZERO, label="")


@dataclass(frozen=True)
class Duty:
    label: str  # "EU flat duty 6206.10"
    amount: Decimal  # in the consignment's currency, rounded to its minor unit
    country: str = ""
    rate: Decimal | None = None  # None for a flat amount
    line_key: str = ""


@dataclass(frozen=True)
class Notice:
    code: str
    text: str


@dataclass(frozen=True)
class Assessment:
    lines: dict[str, Charge]
    shipping: Charge
    duties: tuple[Duty, ...] = ()
    notices: tuple[Notice, ...] = ()
    reasons: tuple[str, ...] = ()
    # False when no registration let the merchant charge this destination's tax: the caller
    # may then fall back to the store's single home rate (the setup before the engine).
    registered: bool = True
    outcome: str = ""  # a short code of the rule applied, for tests and logs

    def charge(self, key: str) -> Charge:
        return self.lines.get(key, NO_CHARGE)


Convert = Callable[[Decimal, str, str], Decimal]


# --- Helpers ------------------------------------------------------------------------------


def percent(rate: Decimal) -> str:
    """0.255 -> "25.5 %", 0.2 -> "20 %" (the way a receipt names a rate)."""
    text = f"{(rate * HUNDRED).normalize():f}"
    return f"{text} %"


def region_code(country: str, region: str) -> str:
    """ "US", "ny" -> "US-NY"; "US-NY" stays; "" stays."""
    region = region.strip().upper()
    if not region:
        return ""
    if "-" in region:
        return region
    return f"{country}-{region}"


def subheading(hs_code: str) -> str:
    """The 6-digit HS subheading of a code: "6206.10.00" -> "620610"."""
    return "".join(ch for ch in hs_code if ch.isdigit())[:6]


def _dotted(sub: str) -> str:
    return f"{sub[:4]}.{sub[4:]}" if len(sub) > 4 else sub


def _round(amount: Decimal, currency: str) -> Decimal:
    return amount.quantize(minor_unit_exponent(currency), rounding=ROUND_HALF_UP)


class _Work:
    """The assessment being built: charges, duties, notices and reasons."""

    def __init__(self, consignment: Consignment) -> None:
        self.consignment = consignment
        self.lines: dict[str, Charge] = {}
        self.shipping = NO_CHARGE
        self.duties: list[Duty] = []
        self.notices: list[Notice] = []
        self.reasons: list[str] = []
        self.registered = True
        self.outcome = ""

    def notice(self, code: str) -> None:
        if all(n.code != code for n in self.notices):
            self.notices.append(Notice(code=code, text=NOTICE_TEXT[code]))

    def result(self) -> Assessment:
        return Assessment(
            lines=self.lines,
            shipping=self.shipping,
            duties=tuple(self.duties),
            notices=tuple(self.notices),
            reasons=tuple(self.reasons),
            registered=self.registered,
            outcome=self.outcome,
        )


def _value_in(amount: Decimal, currency: str, target: str, convert: Convert) -> Decimal | None:
    if currency == target:
        return amount
    try:
        return convert(amount, currency, target)
    except Exception:  # any converter failure means "unknown value"
        return None


def _within(work: _Work, value: Decimal, rule: ImportRule, convert: Convert) -> bool:
    """Whether `value` (consignment currency) is within the rule's threshold (inclusive: "up
    to EUR 150")."""
    if rule.threshold is None:
        return True
    currency = work.consignment.currency
    converted = _value_in(value, currency, rule.currency, convert)
    if converted is None:
        work.reasons.append(
            f"{rule.label or rule.kind}: no exchange rate {currency} to {rule.currency}; "
            "treated as above the threshold"
        )
        return False
    return converted <= rule.threshold


def _goods_value(consignment: Consignment) -> Decimal:
    """Intrinsic value: the goods net of tax after discounts, without separate transport."""
    return sum((line.amount for line in consignment.lines), ZERO)


def _rate_for(rules: RuleSet, country: str, region: str, tax_class: str) -> tuple[Rate | None, str]:
    """The destination's rate for a tax class; falls back to standard, with a reason."""
    rates = rules.rates_for(country, region)
    by_class = {r.tax_class: r for r in rates}
    if tax_class in by_class:
        return by_class[tax_class], ""
    if tax_class == "zero":
        standard = by_class.get("standard")
        label = standard.label if standard else "Tax"
        return Rate(country, region, "zero", ZERO, label), ""
    standard = by_class.get("standard")
    if standard is None:
        return None, ""
    return standard, f"no {tax_class} rate for {region or country}: standard rate applied"


def _charge_destination(
    work: _Work,
    rules: RuleSet,
    *,
    country: str,
    region: str = "",
    kind: str = "tax",
    prefix: str = "",
    tax_shipping: bool = True,
    extra: Sequence[Rate] = (),
) -> bool:
    """Charge every line (and the shipping) at `country`'s rate for its tax class.

    `extra`: rates added on top (a Canadian province's HST replaces GST, so none today).
    Returns False when the destination has no rate at all (nothing charged).
    """
    consignment = work.consignment
    standard, _ = _rate_for(rules, country, region, "standard")
    if standard is None:
        work.reasons.append(f"no tax rate is recorded for {region or country}: none charged")
        return False
    for line in consignment.lines:
        if not line.taxable:
            work.lines[line.key] = NO_CHARGE
            continue
        rate, note = _rate_for(rules, country, region, line.tax_class or "standard")
        assert rate is not None  # standard exists
        if note:
            work.reasons.append(f"{line.key}: {note}")
        work.lines[line.key] = Charge(
            rate=rate.rate,
            label=f"{prefix}{rate.label} {region or country} {percent(rate.rate)}",
            country=country,
            region=region,
            kind=kind,
        )
    if tax_shipping and consignment.shipping > 0:
        # Transport follows the goods (the principal supply): the standard rate, the usual case.
        work.shipping = Charge(
            rate=standard.rate,
            label=f"{prefix}{standard.label} {region or country} {percent(standard.rate)}",
            country=country,
            region=region,
            kind=kind,
        )
    return True


def _no_tax_lines(work: _Work) -> None:
    for line in work.consignment.lines:
        work.lines[line.key] = NO_CHARGE
    work.shipping = NO_CHARGE


def _duty_rate_for(rules: RuleSet, destination: str, line: Line) -> DutyRate | None:
    """The most specific duty rate: longest HS prefix, then a product type over any."""
    code = "".join(ch for ch in line.hs_code if ch.isdigit())
    candidates = [
        d
        for d in rules.duty_rates
        if d.destination == destination
        and code.startswith(d.hs_prefix)
        and (not d.hs_prefix or code)
        and d.product_type in ("", line.product_type)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda d: (len(d.hs_prefix), bool(d.product_type)))


def _duties(
    work: _Work, rules: RuleSet, *, destination: str, convert: Convert, charge: bool
) -> bool:
    """Duty for the consignment under the destination's de-minimis and flat-duty rules.

    `charge`: DDP (put the amounts on the order); otherwise only say whether any may be due.
    Returns whether duty is (or may be) due.
    """
    consignment = work.consignment
    currency = consignment.currency
    goods = _goods_value(consignment)
    flat = rules.import_rule(destination, RuleKind.FLAT_DUTY)
    if flat is not None and _within(work, goods, flat, convert):
        subheadings: dict[str, None] = {}
        for line in consignment.lines:
            sub = subheading(line.hs_code)
            if len(sub) < 6:
                work.reasons.append(
                    f"{line.key}: no 6-digit HS code; counted as its own tariff subheading"
                )
                sub = f"line:{line.key}"
            subheadings.setdefault(sub, None)
        per = _value_in(flat.amount, flat.currency, currency, convert)
        if per is None:
            work.reasons.append(
                f"{flat.label}: no exchange rate {flat.currency} to {currency}; duty not estimated"
            )
            return True
        work.reasons.append(
            f"{flat.label}: {flat.amount} {flat.currency} for each of {len(subheadings)} tariff "
            f"subheading(s) in a parcel up to {flat.threshold} {flat.currency} ({flat.source})"
        )
        if charge:
            for sub in subheadings:
                named = _dotted(sub) if not sub.startswith("line:") else sub[5:]
                work.duties.append(
                    Duty(
                        label=f"{flat.label} {named}",
                        amount=_round(per, currency),
                        country=destination,
                    )
                )
        return True
    de_minimis = rules.import_rule(destination, RuleKind.DUTY_DE_MINIMIS)
    if de_minimis is not None and _within(work, goods, de_minimis, convert):
        work.reasons.append(
            f"{de_minimis.label}: no duty up to {de_minimis.threshold} {de_minimis.currency} "
            f"({de_minimis.source})"
        )
        return False
    if de_minimis is not None:
        work.reasons.append(
            f"{de_minimis.label}: dutiable above {de_minimis.threshold} {de_minimis.currency}"
        )
    if not charge:
        return True
    for line in consignment.lines:
        duty_rate = _duty_rate_for(rules, destination, line)
        if duty_rate is None:
            if line.amount > 0:
                work.reasons.append(
                    f"{line.key}: no duty rate recorded for HS {line.hs_code or '(none)'} "
                    f"into {destination}; no duty estimated"
                )
            continue
        amount = _round(line.amount * duty_rate.rate, currency)
        if amount <= 0:
            continue
        named = _dotted(subheading(line.hs_code)) or line.product_type or "goods"
        work.duties.append(
            Duty(
                label=f"{duty_rate.label} {destination} {named} {percent(duty_rate.rate)}",
                amount=amount,
                country=destination,
                rate=duty_rate.rate,
                line_key=line.key,
            )
        )
    return True


def _import(
    work: _Work,
    rules: RuleSet,
    *,
    destination: str,
    country: str,
    region: str,
    convert: Convert,
) -> None:
    """Goods crossing a border into `country` (part of customs territory `destination`)."""
    consignment = work.consignment
    ddp = consignment.duties_mode == "ddp"
    goods = _goods_value(consignment)
    at_checkout = rules.import_rule(destination, RuleKind.TAX_AT_CHECKOUT)
    registration = (
        rules.registration(at_checkout.scheme) if at_checkout and at_checkout.scheme else None
    )
    taxed = False
    if at_checkout is not None:
        within = _within(work, goods, at_checkout, convert)
        if within and registration is not None:
            taxed = _charge_destination(work, rules, country=country, region=region)
            if taxed:
                work.outcome = f"{destination.lower()}_tax_at_checkout"
                work.reasons.append(
                    f"{at_checkout.label}: goods of {goods} {consignment.currency} are within "
                    f"{at_checkout.threshold} {at_checkout.currency} per consignment; "
                    f"{country} tax charged at checkout ({at_checkout.source})"
                )
        elif within:
            work.registered = False
            work.reasons.append(
                f"{at_checkout.label}: no active {at_checkout.scheme} registration; "
                "import tax is collected at the border"
            )
        else:
            work.reasons.append(
                f"{at_checkout.label}: goods of {goods} {consignment.currency} exceed "
                f"{at_checkout.threshold} {at_checkout.currency} per consignment; "
                f"no {country} tax at checkout ({at_checkout.source})"
            )
    if not taxed:
        _no_tax_lines(work)
        if ddp:
            de_minimis = rules.import_rule(destination, RuleKind.IMPORT_TAX_DE_MINIMIS)
            if de_minimis is not None and _within(work, goods, de_minimis, convert):
                work.reasons.append(
                    f"{de_minimis.label}: no import tax up to {de_minimis.threshold} "
                    f"{de_minimis.currency}"
                )
            elif _charge_destination(
                work, rules, country=country, region=region, kind="import_tax", prefix="Import "
            ):
                work.outcome = work.outcome or f"{destination.lower()}_ddp_import_tax"
                work.reasons.append(f"DDP: estimated {country} import tax charged at checkout")
    duty_due = _duties(work, rules, destination=destination, convert=convert, charge=ddp)
    if not ddp and (duty_due or not taxed):
        work.notice(NoticeCode.DUTIES_ON_DELIVERY)
        work.reasons.append("DAP: duties and import taxes may be due on delivery")
    if not work.outcome:
        work.outcome = f"{destination.lower()}_{'ddp' if ddp else 'dap'}"


def _eu_inside(
    work: _Work,
    rules: RuleSet,
    *,
    country: str,
    ships_from: str,
    eu_distance_sales: Callable[[], Decimal | None],
) -> None:
    """Goods shipped from a member state to a member state: no customs, VAT only."""
    profile = rules.profile
    if country == ships_from:
        registration = rules.registration(Scheme.EU_VAT, country=country)
        if registration is None:
            _no_tax_lines(work)
            work.registered = False
            work.outcome = "eu_domestic_unregistered"
            work.reasons.append(f"no {country} VAT registration: no VAT charged")
            return
        _charge_destination(work, rules, country=country)
        work.outcome = "eu_domestic"
        work.reasons.append(f"domestic sale in {country}: {country} VAT")
        return
    threshold = rules.import_rule(EU, RuleKind.DISTANCE_SALES_THRESHOLD)
    if profile.eu_origin_threshold_applies and threshold is not None:
        sales = eu_distance_sales()
        within = sales is not None and (threshold.threshold is None or sales <= threshold.threshold)
        origin_registration = rules.registration(Scheme.EU_VAT, country=ships_from)
        if within and origin_registration is not None:
            _charge_destination(work, rules, country=ships_from)
            work.outcome = "eu_origin_vat"
            work.reasons.append(
                f"{threshold.label}: EU cross-border sales of {sales} {threshold.currency} "
                f"this and last year are within {threshold.threshold} {threshold.currency}; "
                f"{ships_from} (origin) VAT ({threshold.source})"
            )
            return
        if within:
            _no_tax_lines(work)
            work.registered = False
            work.outcome = "eu_origin_unregistered"
            work.reasons.append(f"no {ships_from} VAT registration: no VAT charged")
            return
        work.reasons.append(
            f"{threshold.label}: EU cross-border sales exceed {threshold.threshold} "
            f"{threshold.currency}; destination VAT"
        )
    elif profile.established_country not in EU_MEMBER_STATES:
        work.reasons.append(
            "merchant not established in the EU, shipping from EU stock: destination VAT "
            "from the first euro (Art. 59c does not apply)"
        )
    else:
        work.reasons.append(
            f"merchant established in {profile.established_country or '(unknown)'}, shipping "
            f"from {ships_from}: the EUR 10,000 origin threshold does not apply; destination VAT"
        )
    registration = rules.registration(Scheme.OSS) or rules.registration(
        Scheme.EU_VAT, country=country
    )
    if registration is None:
        _no_tax_lines(work)
        work.registered = False
        work.outcome = "eu_distance_unregistered"
        work.reasons.append(f"no OSS or {country} VAT registration: no VAT charged")
        return
    _charge_destination(work, rules, country=country)
    work.outcome = "eu_destination_vat"
    declared = "OSS" if registration.scheme == Scheme.OSS else f"{country} VAT return"
    work.reasons.append(f"{country} VAT, declared through {declared}")


def _registered_country(
    work: _Work, rules: RuleSet, *, country: str, region: str, scheme: str, convert: Convert
) -> None:
    """Canada, Australia, Japan: the country's tax with a registration, else the import rules."""
    profile = rules.profile
    registration = rules.registration(scheme)
    domestic = profile.ships_from_country == country
    if registration is None:
        if domestic:
            _no_tax_lines(work)
            work.registered = False
            work.outcome = f"{country.lower()}_unregistered"
            work.reasons.append(f"no {scheme} registration: no {country} tax charged")
            return
        work.registered = False
        _import(work, rules, destination=country, country=country, region=region, convert=convert)
        return
    if domestic:
        provincial = region if rules.rates_for(country, region) else ""
        _charge_destination(work, rules, country=country, region=provincial)
        work.outcome = f"{country.lower()}_domestic"
        work.reasons.append(f"{country} tax under registration {registration.number or scheme}")
        return
    if country == "CA":
        # A non-resident vendor registered for GST/HST charges it on goods it sells into Canada
        # (the simplified regime); goods imported by the shopper are taxed at the border too,
        # so the merchant's registration decides.
        provincial = region if rules.rates_for(country, region) else ""
        _charge_destination(work, rules, country=country, region=provincial)
        work.outcome = "ca_registered"
        work.reasons.append(f"CA GST/HST under registration {registration.number or scheme}")
        ddp = work.consignment.duties_mode == "ddp"
        if _duties(work, rules, destination=country, convert=convert, charge=ddp) and not ddp:
            work.notice(NoticeCode.DUTIES_ON_DELIVERY)
            work.reasons.append("DAP: duties may be due on delivery")
        return
    _import(work, rules, destination=country, country=country, region=region, convert=convert)


def _united_states(work: _Work, rules: RuleSet, *, region: str, convert: Convert) -> None:
    consignment = work.consignment
    registration = rules.registration(Scheme.US_SALES_TAX, region=region) if region else None
    if registration is None or registration.rate is None:
        _no_tax_lines(work)
        # Without any state registration the merchant has not set US sales tax up at all.
        work.registered = rules.registration(Scheme.US_SALES_TAX) is not None
        work.reasons.append(
            f"no sales tax registration (nexus) in {region or 'the destination state'}: "
            "no sales tax"
        )
        work.outcome = "us_no_nexus"
    else:
        for line in consignment.lines:
            work.lines[line.key] = (
                Charge(
                    rate=registration.rate,
                    label=f"Sales tax {region} {percent(registration.rate)}",
                    country="US",
                    region=region,
                )
                if line.taxable and line.tax_class != "zero"
                else NO_CHARGE
            )
        if registration.tax_shipping and consignment.shipping > 0:
            work.shipping = Charge(
                rate=registration.rate,
                label=f"Sales tax {region} {percent(registration.rate)}",
                country="US",
                region=region,
            )
        work.outcome = "us_nexus"
        work.reasons.append(
            f"sales tax {region} at the merchant's rate {percent(registration.rate)} "
            f"(registration {registration.number or 'declared'})"
        )
    if rules.profile.ships_from_country != "US":
        ddp = consignment.duties_mode == "ddp"
        duty_due = _duties(work, rules, destination="US", convert=convert, charge=ddp)
        if duty_due and not ddp:
            work.notice(NoticeCode.DUTIES_ON_DELIVERY)
            work.reasons.append("DAP: duties may be due on delivery")


def assess(
    consignment: Consignment,
    rules: RuleSet,
    *,
    convert: Convert,
    eu_distance_sales: Callable[[], Decimal | None] = lambda: None,
) -> Assessment:
    """The tax and duties of one consignment, in the order of the compliance rules.

    `eu_distance_sales`: the merchant's cross-border EU sales (EUR) in the current and the
    previous calendar year, asked only when the origin-VAT threshold could apply.
    """
    work = _Work(consignment)
    country = consignment.country.strip().upper()
    region = region_code(country, consignment.region)
    profile = rules.profile
    ships_from = profile.ships_from_country or profile.established_country
    if not country:
        _no_tax_lines(work)
        work.registered = False
        work.outcome = "no_destination"
        work.reasons.append("no destination yet: no tax")
        return work.result()
    if not ships_from:
        # Without the merchant's country, an import cannot be told from a domestic sale.
        _no_tax_lines(work)
        work.registered = False
        work.outcome = "origin_unknown"
        work.reasons.append(
            "the merchant's country is not set (store settings or tax profile): no tax"
        )
        return work.result()
    if country in EU_MEMBER_STATES:
        if ships_from in EU_MEMBER_STATES:
            _eu_inside(
                work, rules, country=country, ships_from=ships_from,
                eu_distance_sales=eu_distance_sales,
            )  # fmt: skip
        else:
            _import(work, rules, destination=EU, country=country, region="", convert=convert)
    elif country == "GB":
        if ships_from == "GB":
            if rules.registration(Scheme.UK_VAT) is None:
                _no_tax_lines(work)
                work.registered = False
                work.outcome = "gb_unregistered"
                work.reasons.append("no UK VAT registration: no VAT charged")
            else:
                _charge_destination(work, rules, country="GB")
                work.outcome = "gb_domestic"
                work.reasons.append("domestic sale in GB: UK VAT")
        else:
            _import(work, rules, destination="GB", country="GB", region="", convert=convert)
    elif country == "US":
        _united_states(work, rules, region=region, convert=convert)
    elif country in ("CA", "AU", "JP"):
        scheme = {"CA": Scheme.CA_GST_HST, "AU": Scheme.AU_GST, "JP": Scheme.JP_CT}[country]
        _registered_country(
            work, rules, country=country, region=region, scheme=scheme, convert=convert
        )
    elif ships_from == country:
        _no_tax_lines(work)
        work.registered = False
        work.outcome = "domestic_unknown"
        work.reasons.append(f"no tax rules recorded for {country}")
    else:
        _no_tax_lines(work)
        work.registered = False
        _import(work, rules, destination=country, country=country, region=region, convert=convert)
    return work.result()
