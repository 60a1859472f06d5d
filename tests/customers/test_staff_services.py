"""Customers made and edited by staff (dashboard and admin API): validation by field, consent
stamps, tags, the audit trail and the `customer.created` webhook."""

from __future__ import annotations

import pytest
from django.db import transaction

from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.customers import services
from freehold.customers.models import Customer
from freehold.customers.services import CustomerInvalid
from freehold.webhooks.models import WebhookDelivery
from freehold.webhooks.services import subscription_create
from tests.customers.builders import PASSWORD, make_customer

pytestmark = pytest.mark.django_db

STAFF = Actor("staff", "1", "owner@example.com")


@pytest.fixture
def subscribed():
    subscription_create(
        url="https://hooks.example.com/in", events=["customer.created"], actor=STAFF
    )


def test_create_makes_an_account_nobody_can_log_in_to_yet():
    # When staff add a customer taken on the phone
    customer = services.customer_create(
        email="  Bea@Example.com",
        actor=STAFF,
        first_name=" Bea ",
        last_name="Silva",
        phone="+351 21 123 4567",
        country_code="pt",
        language="pt",
        tags=["VIP", " vip ", "Wholesale   buyer"],
        note="Prefers phone calls.",
    )

    # Then the values are stored normalised, without a usable password
    customer.refresh_from_db()
    assert customer.email == "bea@example.com"
    assert (customer.first_name, customer.country_code) == ("Bea", "PT")
    assert customer.tags == ["vip", "wholesale buyer"]
    assert not customer.has_usable_password()
    assert not customer.is_staff
    assert customer.accepts_marketing is False
    assert customer.accepts_marketing_updated_at is None
    # and the creation is in the audit log under the staff member's name
    event = AuditEvent.objects.get(verb="customer.created")
    assert (event.actor_label, event.object_id) == ("owner@example.com", str(customer.pk))


def test_create_with_marketing_consent_stamps_when_it_was_given():
    customer = services.customer_create(email="cy@example.com", actor=STAFF, accepts_marketing=True)
    assert customer.accepts_marketing is True
    assert customer.accepts_marketing_updated_at is not None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"country_code": "XX"}, "country_code"),
        ({"country_code": "Germany"}, "country_code"),
        ({"phone": "call me"}, "phone"),
        ({"language": "English!"}, "language"),
        ({"first_name": "x" * 151}, "first_name"),
        ({"tags": ["y" * 41]}, "tags"),
    ],
)
def test_create_refuses_bad_values_naming_the_field(fields, field):
    arguments = {"email": "dee@example.com", "actor": STAFF, **fields}
    with pytest.raises(CustomerInvalid) as refused:
        services.customer_create(**arguments)
    assert refused.value.field == field
    assert not Customer.objects.filter(email="dee@example.com").exists()


def test_create_refuses_an_e_mail_that_has_an_account_in_any_case():
    make_customer("ana@example.com")
    with pytest.raises(CustomerInvalid) as refused:
        services.customer_create(email="ANA@example.com", actor=STAFF)
    assert (refused.value.field, refused.value.code) == ("email", "email_taken")
    assert Customer.objects.count() == 1


def test_create_announces_the_customer_to_webhook_subscribers(subscribed):
    customer = services.customer_create(email="eve@example.com", actor=STAFF, first_name="Eve")
    delivery = WebhookDelivery.objects.get()
    assert delivery.event == "customer.created"
    assert delivery.payload["data"]["id"] == customer.pk
    assert delivery.payload["data"]["email"] == "eve@example.com"


def test_registering_in_the_store_announces_the_customer_too(subscribed):
    services.customer_register(email="fay@example.com", password=PASSWORD)
    delivery = WebhookDelivery.objects.get()
    assert (delivery.event, delivery.payload["data"]["email"]) == (
        "customer.created",
        "fay@example.com",
    )


def test_a_rolled_back_creation_announces_nothing(subscribed):
    # Given a creation whose surrounding transaction fails afterwards
    with pytest.raises(RuntimeError), transaction.atomic():
        services.customer_create(email="gus@example.com", actor=STAFF)
        raise RuntimeError("the caller's next step failed")

    # Then neither the customer nor the webhook delivery exist
    assert not Customer.objects.filter(email="gus@example.com").exists()
    assert not WebhookDelivery.objects.exists()


def test_update_writes_only_what_changed_and_audits_it():
    # Given a customer
    customer = make_customer("hal@example.com", first_name="Hal", country_code="DE")

    # When staff change the name and tags and give the country again unchanged
    services.customer_update(
        customer=customer, actor=STAFF, last_name="Jordan", tags="b, A ,a", country_code="de"
    )

    # Then those values are stored and the audit record lists what changed
    customer.refresh_from_db()
    assert (customer.last_name, customer.tags, customer.country_code) == (
        "Jordan",
        ["a", "b"],
        "DE",
    )
    event = AuditEvent.objects.get(verb="customer.updated")
    assert event.data["fields"] == ["last_name", "tags"]


def test_update_without_a_change_writes_nothing():
    customer = make_customer("ida@example.com", first_name="Ida")
    services.customer_update(customer=customer, actor=STAFF, first_name="Ida")
    assert not AuditEvent.objects.filter(verb="customer.updated").exists()


def test_changing_marketing_consent_stamps_when_it_changed():
    # Given a customer who once agreed to marketing e-mail
    customer = services.customer_create(email="jo@example.com", actor=STAFF, accepts_marketing=True)
    first_stamp = customer.accepts_marketing_updated_at

    # When staff record that they withdrew it
    services.customer_update(customer=customer, actor=STAFF, accepts_marketing=False)

    # Then the withdrawal has its own time
    customer.refresh_from_db()
    assert customer.accepts_marketing is False
    assert customer.accepts_marketing_updated_at is not None
    assert first_stamp is not None and customer.accepts_marketing_updated_at >= first_stamp
    event = AuditEvent.objects.get(verb="customer.updated")
    assert event.data["accepts_marketing"] is False


def test_update_refuses_another_customer_s_e_mail_but_accepts_its_own():
    make_customer("kim@example.com")
    lee = make_customer("lee@example.com")
    services.customer_update(customer=lee, actor=STAFF, email="LEE@example.com")
    with pytest.raises(CustomerInvalid) as refused:
        services.customer_update(customer=lee, actor=STAFF, email="Kim@example.com")
    assert refused.value.field == "email"
    lee.refresh_from_db()
    assert lee.email == "lee@example.com"


def test_update_refuses_an_invalid_country_and_keeps_the_old_one():
    customer = make_customer("max@example.com", country_code="FR")
    with pytest.raises(CustomerInvalid) as refused:
        services.customer_update(customer=customer, actor=STAFF, country_code="ZZ")
    assert refused.value.field == "country_code"
    customer.refresh_from_db()
    assert customer.country_code == "FR"


def test_update_refuses_fields_staff_may_not_set_this_way():
    customer = make_customer("ned@example.com")
    with pytest.raises(TypeError):
        services.customer_update(customer=customer, actor=STAFF, is_staff=True)
    customer.refresh_from_db()
    assert customer.is_staff is False


def test_tags_are_trimmed_lower_cased_unique_and_sorted():
    assert services.customer_tags_normalise(["  VIP", "vip", "Local   pickup", ""]) == [
        "local pickup",
        "vip",
    ]
    assert services.customer_tags_normalise("wholesale, VIP,,") == ["vip", "wholesale"]


def test_the_audit_record_names_the_staff_member_not_the_customer_edited():
    customer = make_customer("oz@example.com")
    services.customer_update(customer=customer, actor=STAFF, note="Called about a return.")
    event = AuditEvent.objects.get(verb="customer.updated")
    assert (event.actor_kind, event.actor_id, event.object_id) == ("staff", "1", str(customer.pk))


def test_update_refuses_staff_accounts_so_nobody_takes_one_over_by_its_e_mail():
    # Given an admin's account
    admin = make_customer("admin@example.com", is_staff=True, staff_role="admin")

    # When someone with the customers permission tries to change its login e-mail
    with pytest.raises(CustomerInvalid) as refused:
        services.customer_update(customer=admin, actor=STAFF, email="mine@example.com")

    # Then it is refused and the login stays
    assert refused.value.code == "staff_account"
    admin.refresh_from_db()
    assert admin.email == "admin@example.com"
