"""Importing Shopify's customers: create, update, unchanged, dry run, rejected."""

from __future__ import annotations

from pathlib import Path

import pytest

from freehold.core import crypto
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.customers.models import Address, Customer
from freehold.imports.customers import customers_apply
from freehold.imports.parsers import shopify
from freehold.imports.records import AddressRecord, CustomerRecord
from freehold.webhooks.models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db

DATA = Path(__file__).parent / "data"
STAFF = Actor(AuditEvent.ActorKind.STAFF, "7", "sam@example.com")


def records(name: str) -> list[CustomerRecord]:
    return shopify.parse_customers((DATA / name).read_bytes()).customers


def actions(outcomes) -> list[tuple[str, str]]:
    return [(outcome.item, outcome.action) for outcome in outcomes]


def imported_verbs() -> list[str]:
    return list(
        AuditEvent.objects.filter(verb="customer.imported")
        .order_by("id")
        .values_list("to_state", flat=True)
    )


def ann_record(**changes) -> CustomerRecord:
    values = {
        "row": 2,
        "email": "ann@example.com",
        "first_name": "Ann",
        "last_name": "Lee",
        "accepts_marketing": True,
        "tags": ["VIP"],
    }
    return CustomerRecord(**{**values, **changes})


def test_import_creates_customers_and_rejects_bad_rows():
    WebhookSubscription.objects.create(
        url="https://example.com/hooks",
        events=["customer.created"],
        secret_encrypted=crypto.encrypt("s"),
    )

    outcomes = customers_apply(records("shopify-customers.csv"), dry_run=False, actor=STAFF)

    assert actions(outcomes) == [
        ("ann@example.com", "create"),
        ("bob@example.com", "create"),
        ("chloe@example.fr", "create"),
        ("not-an-email", "rejected"),
        ("eve@example.com", "rejected"),
        ("ann@example.com", "rejected"),
    ]
    assert [(p.row, p.column) for p in outcomes[4].problems] == [
        (6, "Default Address Province Code"),
        (6, "Default Address Zip"),
    ]
    assert set(Customer.objects.values_list("email", flat=True)) == {
        "ann@example.com",
        "bob@example.com",
        "chloe@example.fr",
    }
    ann = Customer.objects.get(email="ann@example.com")
    assert outcomes[0].object_id == ann.pk
    # No password: the customer sets one with "forgot password".
    assert not ann.has_usable_password()
    assert (ann.first_name, ann.last_name, ann.phone) == ("Ann", "Lee", "+12125550199")
    assert ann.accepts_marketing is True
    assert ann.accepts_marketing_updated_at is not None
    # The consent's record says where it came from: the other platform's file.
    consent = ann.consents.get(purpose="email")
    assert (consent.granted, consent.source) == (True, "import")
    assert ann.tags == ["vip", "wholesale"]
    assert ann.note == "Prefers e-mail"
    assert ann.country_code == "US"
    address = ann.addresses.get()
    assert (address.line1, address.line2, address.city, address.region) == (
        "350 Fifth Avenue",
        "Floor 21",
        "New York",
        "NY",
    )
    assert (address.postal_code, address.country_code, address.phone) == (
        "10118",
        "US",
        "+12125550123",
    )
    assert address.is_default
    assert not Customer.objects.get(email="bob@example.com").addresses.exists()
    assert imported_verbs() == ["create", "create", "create"]
    assert WebhookDelivery.objects.filter(event="customer.created").count() == 3


def test_dry_run_reports_the_same_and_writes_nothing():
    outcomes = customers_apply(records("shopify-customers.csv"), dry_run=True, actor=STAFF)

    assert [outcome.action for outcome in outcomes] == [
        "create",
        "create",
        "create",
        "rejected",
        "rejected",
        "rejected",
    ]
    assert outcomes[0].changes == ["address added: 350 Fifth Avenue, New York US"]
    assert outcomes[0].object_id is None
    assert not Customer.objects.exists()
    assert not Address.objects.exists()
    assert not AuditEvent.objects.exists()


def test_importing_the_same_file_again_changes_nothing():
    customers_apply(records("shopify-customers.csv"), dry_run=False, actor=STAFF)

    outcomes = customers_apply(records("shopify-customers.csv"), dry_run=False, actor=STAFF)

    assert [outcome.action for outcome in outcomes[:3]] == ["unchanged"] * 3
    assert [outcome.changes for outcome in outcomes[:3]] == [[], [], []]
    assert Customer.objects.count() == 3
    assert Address.objects.count() == 2
    assert imported_verbs() == ["create", "create", "create"]


def test_older_layout_imports_too():
    outcomes = customers_apply(records("shopify-customers-older.csv"), dry_run=False, actor=STAFF)

    assert actions(outcomes) == [
        ("dana@example.de", "create"),
        ("eli@example.ca", "create"),
        ("fay@example.com", "create"),
        ("gus@example.com", "create"),
        ("hal@example.com", "rejected"),
    ]
    fay = Customer.objects.get(email="fay@example.com").addresses.get()
    assert (fay.country_code, fay.region, fay.postal_code) == ("CA", "ON", "M5J 2J5")
    assert Customer.objects.get(email="dana@example.de").phone == "+493022630"


def test_existing_customer_matched_by_email_is_updated():
    customer = Customer.objects.create_user(
        "ann@example.com", "secret-pass", first_name="Annie", tags=["regular"]
    )

    (outcome,) = customers_apply(
        [ann_record(email="ANN@Example.com", note="Gift wrap")], dry_run=False, actor=STAFF
    )

    assert (outcome.item, outcome.action, outcome.object_id) == (
        "ann@example.com",
        "update",
        customer.pk,
    )
    assert outcome.changes == [
        "first name: Annie → Ann",
        "last name: (none) → Lee",
        "note: (none) → Gift wrap",
        "accepts marketing: no → yes",
        "tags: + vip",
    ]
    customer.refresh_from_db()
    assert (customer.first_name, customer.last_name, customer.note) == ("Ann", "Lee", "Gift wrap")
    assert customer.tags == ["regular", "vip"]
    assert customer.accepts_marketing_updated_at is not None
    # The password the customer chose stays.
    assert customer.check_password("secret-pass")
    assert Customer.objects.count() == 1
    assert imported_verbs() == ["update"]


def test_empty_cells_change_nothing_and_equal_addresses_are_not_added_twice():
    customer = Customer.objects.create_user(
        "ann@example.com",
        None,
        first_name="Ann",
        last_name="Lee",
        note="Keep",
        tags=["vip"],
        country_code="US",
    )
    customer.accepts_marketing = True
    customer.save()
    Address.objects.create(
        customer=customer,
        first_name="Ann",
        last_name="Lee",
        line1="350 Fifth Avenue",
        city="New York",
        region="NY",
        postal_code="10118",
        country_code="US",
        is_default=True,
    )
    same = AddressRecord(
        line1="350 fifth avenue",
        first_name="Ann",
        last_name="Lee",
        city="New York",
        region="New York",
        postal_code="10118",
        country_code="us",
    )

    (outcome,) = customers_apply(
        [ann_record(first_name="", note="", addresses=[same])], dry_run=False, actor=STAFF
    )

    assert (outcome.action, outcome.changes) == ("unchanged", [])
    customer.refresh_from_db()
    assert (customer.first_name, customer.note) == ("Ann", "Keep")
    assert customer.addresses.count() == 1
    assert imported_verbs() == []


def test_a_new_address_is_added_to_an_existing_customer():
    customer = Customer.objects.create_user("ann@example.com", None, first_name="Ann")
    address = AddressRecord(
        line1="Unter den Linden 77",
        first_name="Ann",
        last_name="Lee",
        city="Berlin",
        postal_code="10117",
        country_code="DE",
    )

    (outcome,) = customers_apply(
        [ann_record(tags=[], accepts_marketing=False, last_name="", addresses=[address])],
        dry_run=False,
        actor=STAFF,
    )

    assert (outcome.action, outcome.changes) == (
        "update",
        ["country code: (none) → DE", "address added: Unter den Linden 77, Berlin DE"],
    )
    assert customer.addresses.get().is_default


def test_dry_run_of_an_update_leaves_the_customer_as_it_was():
    customer = Customer.objects.create_user("ann@example.com", None, first_name="Annie")

    (outcome,) = customers_apply([ann_record()], dry_run=True, actor=STAFF)

    assert outcome.action == "update"
    assert outcome.object_id == customer.pk
    assert "first name: Annie → Ann" in outcome.changes
    customer.refresh_from_db()
    assert (customer.first_name, customer.tags, customer.accepts_marketing) == ("Annie", [], False)
    assert not AuditEvent.objects.exists()


def test_invalid_address_rejects_the_customer_whole_naming_the_column():
    bad = AddressRecord(
        line1="1 Main Street",
        first_name="Ann",
        last_name="Lee",
        city="Springfield",
        region="IL",
        postal_code="ABCDE",
        country_code="US",
    )

    (outcome,) = customers_apply([ann_record(addresses=[bad])], dry_run=False, actor=STAFF)

    assert outcome.action == "rejected"
    assert [(p.row, p.column) for p in outcome.problems] == [(2, "Default Address Zip")]
    assert "ABCDE" in outcome.problems[0].message
    assert not Customer.objects.exists()
    assert not AuditEvent.objects.exists()


def test_invalid_address_of_an_older_file_names_its_column():
    bad = shopify.ShopifyAddressRecord(
        line1="1 Main Street",
        first_name="Ann",
        last_name="Lee",
        city="Springfield",
        postal_code="ABCDE",
        country_code="US",
        columns={"postal_code": "Zip", "region": "Province"},
    )

    (outcome,) = customers_apply([ann_record(addresses=[bad])], dry_run=False, actor=STAFF)

    assert [(p.column) for p in outcome.problems] == ["Province", "Zip"]


def test_invalid_address_of_an_existing_customer_changes_nothing():
    customer = Customer.objects.create_user("ann@example.com", None, first_name="Annie")
    bad = AddressRecord(line1="1 Main Street", first_name="Ann", last_name="Lee", country_code="XX")

    (outcome,) = customers_apply([ann_record(addresses=[bad])], dry_run=False, actor=STAFF)

    assert [(p.column, p.message) for p in outcome.problems] == [
        ("Default Address Country Code", '"XX" is not a country we know.')
    ]
    customer.refresh_from_db()
    assert customer.first_name == "Annie"


def test_bad_phone_rejects_the_customer_naming_the_phone_column():
    (outcome,) = customers_apply([ann_record(phone="12")], dry_run=False, actor=STAFF)

    assert outcome.action == "rejected"
    assert [p.column for p in outcome.problems] == ["Phone"]
    assert not Customer.objects.exists()


def test_staff_accounts_are_not_changed_by_an_import():
    staff = Customer.objects.create_user(
        "ann@example.com", "secret-pass", first_name="Owner", is_staff=True, staff_role="owner"
    )

    (outcome,) = customers_apply([ann_record()], dry_run=False, actor=STAFF)

    assert outcome.action == "rejected"
    assert [p.column for p in outcome.problems] == ["Email"]
    staff.refresh_from_db()
    assert staff.first_name == "Owner"


def test_one_rejected_customer_does_not_stop_the_others():
    outcomes = customers_apply(
        [ann_record(phone="12"), ann_record(row=3, email="bob@example.com")],
        dry_run=False,
        actor=STAFF,
    )

    assert [outcome.action for outcome in outcomes] == ["rejected", "create"]
    assert list(Customer.objects.values_list("email", flat=True)) == ["bob@example.com"]
