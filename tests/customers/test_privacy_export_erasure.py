"""Access (the JSON export) and erasure: what the customer gets, and what is left after."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from freehold.checkout.models import Cart
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.customers import privacy
from freehold.customers.models import Address, Consent, Customer, PrivacyRequest
from freehold.insights.models import CustomerScore, Event
from freehold.marketing.models import DiscountCode, DiscountRedemption
from freehold.orders.models import Order, OrderNote
from freehold.orders.states import FulfilmentStatus, PaymentStatus
from freehold.returns.models import ReturnRequest
from tests.customers.builders import ADDRESS, make_variant, place_order

STAFF = Actor.system("test")


def _history(customer: Customer) -> Order:
    """An account with an address, a finished order with a return, events, consents."""
    Customer.objects.filter(pk=customer.pk).update(
        first_name="Ana", last_name="Lima", phone="+351912345678", note="VIP", tags=["vip"]
    )
    customer.refresh_from_db()
    Address.objects.create(
        customer=customer,
        line1="Rua das Flores 7",
        city="Lisboa",
        country_code="PT",
        first_name="Ana",
    )
    order = place_order(
        (make_variant(title="Wool socks"), 2), customer=customer, email=customer.email
    )
    Order.objects.filter(pk=order.pk).update(
        payment_status=PaymentStatus.PAID,
        fulfilment_status=FulfilmentStatus.FULFILLED,
        gclid="click-123",
        visitor_id="visitor-1",
        referrer="https://mail.example/?to=ana@example.com",
        utm_source="newsletter",
    )
    OrderNote.objects.create(order=order, body="Ana called: leave at the door")
    ReturnRequest.objects.create(
        order=order,
        customer=customer,
        reason="other",
        note="Ana here, too small",
        status=ReturnRequest.Status.REFUNDED,
    )
    Event.objects.create(kind="page_view", session_id="s1", visitor_id="visitor-1", path="/")
    Event.objects.create(
        kind="search",
        session_id="s1",
        visitor_id="visitor-1",
        customer=customer,
        search_query="socks for ana",
    )
    Consent.objects.create(
        customer=customer,
        visitor_id="visitor-1",
        purpose="analytics",
        granted=True,
        source="banner",
        wording_version="2026-11",
    )
    Cart.objects.create(customer=customer, currency="EUR", email=customer.email)
    order.refresh_from_db()
    return order


def test_the_export_holds_profile_addresses_orders_consents_events_and_requests(customer):
    order = _history(customer)
    privacy.privacy_request_create(
        law="gdpr", kind="access", email=customer.email, actor=STAFF, notify_store=False
    )

    document = json.loads(privacy.customer_export_json(customer=customer, actor=STAFF))

    assert document["format"] == privacy.EXPORT_FORMAT
    assert document["profile"]["email"] == "ana@example.com"
    assert document["profile"]["last_name"] == "Lima"
    assert [a["line1"] for a in document["addresses"]] == ["Rua das Flores 7"]
    exported_order = document["orders"][0]
    assert exported_order["number"] == order.number
    assert exported_order["total"] == str(order.total_amount)
    assert exported_order["shipping_address"]["city"] == ADDRESS["city"]
    assert exported_order["lines"][0]["product"] == "Wool socks"
    assert exported_order["lines"][0]["quantity"] == 2
    assert exported_order["attribution"]["gclid"] == "click-123"
    assert [c["purpose"] for c in document["consents"]] == ["analytics"]
    # Only the customer's own events (the anonymous page view is not linked to them).
    assert [e["kind"] for e in document["events"]] == ["search"]
    assert [r["kind"] for r in document["privacy_requests"]] == ["access"]
    assert document["return_requests"][0]["note"] == "Ana here, too small"
    about = document["about_this_data"]
    assert about["purposes"] and about["sources"]
    assert "events" in about["retention"]


def test_an_export_is_audit_logged_with_who_made_it(customer):
    privacy.customer_export_json(customer=customer, actor=Actor.for_user(customer))

    record = AuditEvent.objects.get(verb="customer.data_exported")
    assert record.object_id == str(customer.pk)
    assert record.actor_id == str(customer.pk)


def test_the_export_of_one_customer_holds_nothing_of_another(customer):
    from tests.customers.builders import make_customer

    other = make_customer("bo@example.com")
    _history(other)

    document = privacy.customer_export(customer)

    assert document["orders"] == [] and document["events"] == [] and document["consents"] == []
    assert "bo@example.com" not in json.dumps(document, default=str)


def test_erasure_keeps_the_order_without_name_email_or_address(customer):
    order = _history(customer)
    total, number, lines = order.total_amount, order.number, order.lines.count()
    code = DiscountCode.objects.create(code="SAVE10", kind="percentage", value=10)
    DiscountRedemption.objects.create(
        discount=code, order_number=order.number, email=customer.email, amount=1, currency="EUR"
    )

    result = privacy.customer_erase(customer=customer, actor=STAFF)

    order.refresh_from_db()
    assert (order.number, order.total_amount, order.lines.count()) == (number, total, lines)
    assert order.email == f"erased-{customer.pk}@invalid"
    assert order.shipping_address == {"country_code": "PT"}
    assert order.billing_address in ({}, {"country_code": "PT"})
    assert (order.gclid, order.visitor_id, order.referrer) == ("", "", "")
    assert order.utm_source == "newsletter"  # names a campaign, not a person
    assert OrderNote.objects.get(order=order).body == privacy.ERASED_NOTE
    assert ReturnRequest.objects.get(order=order).note == ""
    assert DiscountRedemption.objects.get().email == f"erased-{customer.pk}@invalid"
    text = json.dumps(list(Order.objects.filter(pk=order.pk).values()), default=str)
    for personal in ("ana@example.com", "Ana", "Lima", "Rua das Flores", "Lisboa", "+351"):
        assert personal not in text
    assert result.orders == 1


def test_erasure_removes_the_account_data_and_detaches_events(customer):
    _history(customer)

    privacy.customer_erase(customer=customer, actor=STAFF)

    customer.refresh_from_db()
    assert customer.email == f"erased-{customer.pk}@invalid"
    assert (customer.first_name, customer.last_name, customer.phone, customer.note) == (
        "",
        "",
        "",
        "",
    )
    assert customer.tags == []
    assert not customer.is_active
    assert not customer.has_usable_password()
    assert not Address.objects.filter(customer=customer).exists()
    assert not Cart.objects.filter(customer=customer).exists()
    assert not CustomerScore.objects.filter(customer=customer).exists()
    # Events stay for the store's statistics, but nothing ties them to the person any more,
    # including the anonymous page view with the same visitor id.
    assert Event.objects.count() == 2
    assert not Event.objects.filter(customer=customer).exists()
    assert not Event.objects.exclude(visitor_id="").exists()
    assert not Event.objects.exclude(search_query="").exists()
    # Consent records stay as proof, hanging off the pseudonymised account.
    consent = Consent.objects.get()
    assert consent.customer_id == customer.pk and consent.visitor_id == ""
    assert AuditEvent.objects.filter(verb="customer.erased", object_id=str(customer.pk)).exists()


def test_erasure_scrubs_the_email_from_the_audit_log(customer):
    _history(customer)
    from freehold.core import audit

    audit.record(actor=Actor.for_user(customer), verb="customer.password_changed", obj=customer)

    privacy.customer_erase(customer=customer, actor=STAFF)

    assert not AuditEvent.objects.filter(actor_label="ana@example.com").exists()


def test_a_staff_account_cannot_be_erased_here():
    staff = Customer.objects.create_user("sam@example.com", "x", is_staff=True, staff_role="staff")

    with pytest.raises(privacy.PrivacyRequestInvalid):
        privacy.customer_erase(customer=staff, actor=STAFF)


def test_an_erasure_request_erases_the_account_and_the_guest_orders_of_its_email(customer):
    _history(customer)
    guest = place_order((make_variant(title="Mug"), 1), email="ana@example.com")
    request = privacy.privacy_request_create(
        law="gdpr", kind="erasure", email="ana@example.com", actor=STAFF, notify_store=False
    )

    closed = privacy.privacy_request_erase(privacy_request=request, actor=STAFF)

    guest.refresh_from_db()
    assert guest.email == f"erased-request-{request.pk}@invalid"
    assert guest.shipping_address == {"country_code": "PT"}
    assert closed.status == PrivacyRequest.Status.DONE
    assert "2 orders" in closed.outcome
    assert not Customer.objects.filter(email="ana@example.com").exists()


def test_the_erased_order_still_shows_in_the_dashboard(customer, client):
    order = _history(customer)
    privacy.customer_erase(customer=customer, actor=STAFF)
    owner = Customer.objects.create_user(
        "owner@example.com", "x", is_staff=True, staff_role="owner"
    )
    client.force_login(owner)

    detail = client.get(reverse("dashboard:order-detail", args=[order.number]))
    listing = client.get(reverse("dashboard:orders"))
    customer_page = client.get(reverse("dashboard:customer-detail", args=[customer.pk]))

    assert detail.status_code == 200
    assert order.number in detail.content.decode()
    assert "ana@example.com" not in detail.content.decode()
    assert listing.status_code == 200
    assert customer_page.status_code == 200


def test_a_rectification_by_staff_is_audit_logged(customer):
    from freehold.customers.services import customer_update

    staff = Customer.objects.create_user("sam@example.com", "x", is_staff=True, staff_role="owner")

    customer_update(customer=customer, actor=Actor.for_user(staff), last_name="Lima-Silva")

    record = AuditEvent.objects.get(verb="customer.updated", object_id=str(customer.pk))
    assert record.actor_label == "sam@example.com"
    assert record.data["fields"] == ["last_name"]
