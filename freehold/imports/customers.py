"""Importing customers: accounts matched by e-mail, created or brought up to date.

Each customer goes through the customers app's own services (`customer_create`,
`customer_update`, `address_create`), so an imported account is checked, audited and announced
(`customer.created` webhook) exactly like one made in the dashboard, and has no usable
password: its owner sets one with "forgot password". A customer is written whole or not at
all (one savepoint each): an invalid address rejects the customer, naming the column.

A dry run does the same work and rolls its savepoint back, so what it reports is what the
import would do, found by the same checks, and nothing stays written.

Re-importing a file never erases: an empty cell leaves the field as it is, tags are merged,
an address is added only when the customer has no equal one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from freehold.core import audit
from freehold.core.audit import Actor
from freehold.core.errors import ValidationFailed
from freehold.customers import addresses, services
from freehold.customers.addresses import AddressInvalid
from freehold.customers.models import Address, Consent, Customer
from freehold.imports.parsers.shopify import CURRENT_ADDRESS, NAME_COLUMNS, address_data
from freehold.imports.records import (
    CREATE,
    REJECTED,
    UNCHANGED,
    UPDATE,
    AddressRecord,
    CustomerRecord,
    ItemOutcome,
    Problem,
)
from freehold.markets.countries import country_codes

# The column a problem names when the record does not say where a value came from
# (Shopify's current customers export).
FIELD_COLUMNS = {
    "email": "Email",
    "first_name": "First Name",
    "last_name": "Last Name",
    "phone": "Phone",
    "accepts_marketing": "Accepts Email Marketing",
    "tags": "Tags",
    "note": "Note",
    "country_code": CURRENT_ADDRESS["country_code"],
}
ADDRESS_COLUMNS = {**CURRENT_ADDRESS, **NAME_COLUMNS}
VERB = "customer.imported"
SHOWN = 40  # characters of a changed note shown in the report


class Rejected(Exception):
    """The customer cannot be imported; its savepoint is rolled back."""

    def __init__(self, problems: list[Problem]):
        super().__init__(problems[0].message if problems else "rejected")
        self.problems = problems


class _DryRun(Exception):
    """Raised at the end of a dry run's savepoint to roll it back with its outcome."""

    def __init__(self, outcome: ItemOutcome):
        super().__init__(outcome.item)
        self.outcome = outcome


def customers_apply(
    records: Sequence[CustomerRecord], *, dry_run: bool, actor: Actor
) -> list[ItemOutcome]:
    """Create or update one customer per record; what was done (or would be), in order."""
    return [_apply(record, dry_run=dry_run, actor=actor) for record in records]


def _apply(record: CustomerRecord, *, dry_run: bool, actor: Actor) -> ItemOutcome:
    label = record.email.strip().lower() or f"row {record.row}"
    if record.problems:
        return ItemOutcome(
            item=label, action=REJECTED, rows=[record.row], problems=list(record.problems)
        )
    try:
        with transaction.atomic():
            outcome = _write(record, label=label, actor=actor)
            if dry_run:
                raise _DryRun(outcome)
    except _DryRun as rolled_back:
        outcome = rolled_back.outcome
        if outcome.action == CREATE:
            outcome.object_id = None  # rolled back: there is no such row
    except Rejected as rejected:
        return ItemOutcome(
            item=label, action=REJECTED, rows=[record.row], problems=rejected.problems
        )
    return outcome


def _write(record: CustomerRecord, *, label: str, actor: Actor) -> ItemOutcome:
    email = services.normalise_email(record.email)
    try:
        validate_email(email)
    except ValidationError:
        raise Rejected(
            [_problem(record, "email", f'"{record.email[:60]}" is not an e-mail address.')]
        ) from None
    cleaned = [(_clean_address(record, address), _columns(address)) for address in record.addresses]
    country = next((values["country_code"] for values, _where in cleaned), "")
    customer = Customer.objects.select_for_update().filter(email__iexact=email).first()
    if customer is None:
        customer = _call(
            record,
            services.customer_create,
            email=email,
            actor=actor,
            consent_source=Consent.Source.IMPORT,
            first_name=record.first_name,
            last_name=record.last_name,
            phone=record.phone,
            country_code=country,
            accepts_marketing=record.accepts_marketing,
            tags=record.tags,
            note=record.note,
        )
        action, changes = CREATE, []
    else:
        if customer.is_staff:
            raise Rejected(
                [
                    _problem(
                        record,
                        "email",
                        f"{email} is a staff account; staff accounts are not imported.",
                    )
                ]
            )
        changes = _update(record, customer, country=country, actor=actor)
        action = UPDATE if changes else UNCHANGED
    added = _add_addresses(record, customer, cleaned)
    changes.extend(added)
    if changes and action == UNCHANGED:
        action = UPDATE
    if action != UNCHANGED:
        audit.record(
            actor=actor,
            verb=VERB,
            obj=customer,
            to_state=action,
            data={"row": record.row, "changes": changes},
        )
    return ItemOutcome(
        item=label, action=action, rows=[record.row], changes=changes, object_id=customer.pk
    )


def _update(record: CustomerRecord, customer: Customer, *, country: str, actor: Actor) -> list[str]:
    """Write the fields the file says differently (empty cells change nothing)."""
    wanted: dict[str, Any] = {}
    if record.first_name:
        wanted["first_name"] = record.first_name
    if record.last_name:
        wanted["last_name"] = record.last_name
    if record.phone:
        try:
            wanted["phone"] = addresses.phone_to_e164(
                record.phone, customer.country_code or country
            )
        except AddressInvalid as invalid:
            raise Rejected([_problem(record, "phone", invalid.message)]) from None
    if country and not customer.country_code:
        wanted["country_code"] = country
    if record.note:
        wanted["note"] = record.note.strip()
    wanted["accepts_marketing"] = record.accepts_marketing
    try:
        tags = services.customer_tags_normalise([*customer.tags, *record.tags])
    except ValidationFailed as invalid:
        raise Rejected([_problem(record, "tags", invalid.message)]) from None
    wanted["tags"] = tags
    differing = {name: value for name, value in wanted.items() if getattr(customer, name) != value}
    if not differing:
        return []
    changes = [_describe(name, getattr(customer, name), value) for name, value in differing.items()]
    _call(
        record,
        services.customer_update,
        customer=customer,
        actor=actor,
        consent_source=Consent.Source.IMPORT,
        **differing,
    )
    return changes


def _describe(name: str, before: Any, after: Any) -> str:
    label = name.replace("_", " ")
    if name == "tags":
        return "tags: + " + ", ".join(tag for tag in after if tag not in before)
    if name == "accepts_marketing":
        return f"accepts marketing: {_yes_no(before)} → {_yes_no(after)}"
    if name == "note":
        return f"note: {_short(before) or '(none)'} → {_short(after)}"
    return f"{label}: {before or '(none)'} → {after}"


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def _short(text: str) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"


def _call(record: CustomerRecord, service: Any, **arguments: Any) -> Customer:
    """Run a customers service; a refused value becomes a problem naming its column."""
    try:
        customer: Customer = service(**arguments)
    except ValidationFailed as invalid:
        raise Rejected([_problem(record, invalid.field or "email", invalid.message)]) from None
    return customer


def _clean_address(record: CustomerRecord, address: AddressRecord) -> dict[str, str]:
    """The address as it would be stored, or Rejected naming each wrong column."""
    columns = _columns(address)
    data = address_data(address)
    if data["country_code"].upper() not in country_codes():
        raise Rejected(
            [
                Problem(
                    record.row,
                    columns.get("country_code", ""),
                    f'"{data["country_code"][:40]}" is not a country we know.'
                    if data["country_code"]
                    else "Empty; an address needs its country.",
                )
            ]
        )
    try:
        return addresses.address_normalize(data)
    except AddressInvalid as invalid:
        raise Rejected(
            [
                Problem(record.row, columns.get(name, ADDRESS_COLUMNS.get(name, name)), message)
                for name, message in invalid.errors.items()
            ]
        ) from None


def _columns(address: AddressRecord) -> Mapping[str, str]:
    """Where the address's fields came from: the parser says so (ShopifyAddressRecord)."""
    columns: Mapping[str, str] = getattr(address, "columns", None) or ADDRESS_COLUMNS
    return columns


def _add_addresses(
    record: CustomerRecord,
    customer: Customer,
    cleaned: list[tuple[dict[str, str], Mapping[str, str]]],
) -> list[str]:
    """Add the addresses the customer does not have yet; one change line each."""
    existing = [
        _key({name: getattr(address, name) for name in services.ADDRESS_FIELDS})
        for address in Address.objects.filter(customer=customer)
    ]
    changes = []
    for values, columns in cleaned:
        if _key(values) in existing:
            continue
        try:
            services.address_create(customer=customer, data=values)
        except AddressInvalid as invalid:
            raise Rejected(
                [
                    Problem(record.row, columns.get(name, name), message)
                    for name, message in invalid.errors.items()
                ]
            ) from None
        existing.append(_key(values))
        where = ", ".join(part for part in (values["line1"], values["city"]) if part)
        changes.append(f"address added: {where} {values['country_code']}")
    return changes


def _key(values: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(
        " ".join(str(values.get(name) or "").split()).casefold() for name in services.ADDRESS_FIELDS
    )


def _problem(record: CustomerRecord, field_name: str, message: str) -> Problem:
    return Problem(record.row, FIELD_COLUMNS.get(field_name, field_name), message)
