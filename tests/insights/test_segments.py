"""Segments: each rule picks the right customers, all/any combine them, bad rules name their
row, the whole segment is one query, and saving/deleting is audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from freehold.catalog.models import Collection
from freehold.core import clock
from freehold.core.audit import Actor
from freehold.core.models import AuditEvent
from freehold.customers.models import Consent
from freehold.insights import scores, segments
from freehold.insights.models import CustomerScore, Segment
from freehold.orders.states import PaymentStatus
from tests.factories import make_collection, make_product, make_store_settings
from tests.insights.audience_factories import NOW, buyer, order_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _store():
    make_store_settings(currency="EUR")


def matching(*rules: tuple[str, str, str], match_all: bool = True) -> set[str]:
    cleaned = segments.clean_rules(
        [{"field": field, "relation": relation, "value": value} for field, relation, value in rules]
    )
    with clock.frozen_at(NOW):
        customers = segments.customers_matching(cleaned, match_all=match_all)
        return set(customers.values_list("email", flat=True))


def test_country_and_language():
    buyer("de@example.com", country_code="DE", language="de")
    buyer("at@example.com", country_code="AT", language="de-AT")
    buyer("fr@example.com", country_code="FR", language="fr")

    assert matching(("country", "equals", "de")) == {"de@example.com"}
    assert matching(("country", "not_equals", "DE")) == {"at@example.com", "fr@example.com"}
    assert matching(("language", "equals", "de")) == {"de@example.com", "at@example.com"}


def test_orders_count_counts_paid_orders_only():
    three = buyer("three@example.com")
    for days in (1, 2, 3):
        order_for(three, "10.00", days_ago=days)
    one = buyer("one@example.com")
    order_for(one, "10.00", days_ago=1)
    order_for(one, "10.00", days_ago=1, payment_status=PaymentStatus.AWAITING_PAYMENT)
    buyer("none@example.com")

    assert matching(("orders_count", "greater_than", "1")) == {"three@example.com"}
    assert matching(("orders_count", "less_than", "3")) == {"one@example.com", "none@example.com"}
    assert matching(("orders_count", "equals", "1")) == {"one@example.com"}
    assert matching(("orders_count", "equals", "0")) == {"none@example.com"}


def test_total_spent_is_net_of_refunds_in_the_base_currency():
    big = buyer("big@example.com")
    order_for(big, "300.00", days_ago=5)
    refunded = buyer("refunded@example.com")
    order_for(refunded, "300.00", days_ago=5, refunded="250.00")
    converted = buyer("usd@example.com")
    order_for(converted, "500.00", currency="USD", base_total="120.00", days_ago=5)
    buyer("nothing@example.com")

    assert matching(("total_spent", "greater_than", "100")) == {
        "big@example.com",
        "usd@example.com",
    }
    assert matching(("total_spent", "less_than", "100")) == {
        "refunded@example.com",
        "nothing@example.com",
    }


def test_last_and_first_order_by_date_or_days_ago():
    recent = buyer("recent@example.com")
    order_for(recent, "10.00", days_ago=200)
    order_for(recent, "10.00", days_ago=5)
    lapsed = buyer("lapsed@example.com")
    order_for(lapsed, "10.00", days_ago=100)
    newcomer = buyer("new@example.com")
    order_for(newcomer, "10.00", days_ago=10)

    assert matching(("last_order", "before", "60 days ago")) == {"lapsed@example.com"}
    assert matching(("last_order", "after", "30")) == {"recent@example.com", "new@example.com"}
    assert matching(("first_order", "after", "30 days ago")) == {"new@example.com"}
    assert matching(("first_order", "before", "2026-01-01")) == {"recent@example.com"}


def test_rules_move_with_the_clock():
    customer = buyer("someone@example.com")
    order_for(customer, "10.00", at=NOW - dt.timedelta(days=20))
    rule = segments.clean_rules([{"field": "last_order", "relation": "after", "value": "30"}])

    with clock.frozen_at(NOW):
        assert segments.customers_matching(rule).count() == 1
    with clock.frozen_at(NOW + dt.timedelta(days=11)):
        assert segments.customers_matching(rule).count() == 0


def test_product_and_collection_bought():
    boots = make_product(title="Boots", handle="boots")
    scarf = make_product(title="Scarf", handle="scarf")
    winter = make_collection(title="Winter", handle="winter")
    winter.collectionproduct_set.create(product=boots, position=1)
    smart = Collection.objects.create(
        title="Scarves",
        handle="scarves",
        kind=Collection.Kind.SMART,
        rules=[{"field": "title", "relation": "contains", "value": "scarf"}],
    )
    assert smart.pk
    booted = buyer("boots@example.com")
    order_for(booted, "90.00", days_ago=3, products=(boots,))
    scarfed = buyer("scarf@example.com")
    order_for(scarfed, "20.00", days_ago=3, products=(scarf,))
    unpaid = buyer("unpaid@example.com")
    order_for(unpaid, "90.00", products=(boots,), payment_status=PaymentStatus.AWAITING_PAYMENT)

    assert matching(("product", "equals", "boots")) == {"boots@example.com"}
    assert matching(("product", "not_equals", "boots")) == {
        "scarf@example.com",
        "unpaid@example.com",
    }
    assert matching(("collection", "equals", "winter")) == {"boots@example.com"}
    assert matching(("collection", "equals", "scarves")) == {"scarf@example.com"}


def test_market_rfm_class_and_tag():
    eu = buyer("eu@example.com", tags=["vip"])
    order_for(eu, "10.00", days_ago=2, market="eu")
    us = buyer("us@example.com", tags=["wholesale"])
    order_for(us, "10.00", days_ago=2, market="us")
    CustomerScore.objects.create(customer=eu, rfm_class=scores.CHAMPIONS)
    CustomerScore.objects.create(customer=us, rfm_class=scores.AT_RISK)

    assert matching(("market", "equals", "EU")) == {"eu@example.com"}
    assert matching(("rfm_class", "equals", "champions")) == {"eu@example.com"}
    assert matching(("rfm_class", "not_equals", "champions")) == {"us@example.com"}
    assert matching(("tag", "equals", "VIP")) == {"eu@example.com"}
    assert matching(("tag", "not_equals", "vip")) == {"us@example.com"}


def test_email_consent_is_the_latest_record_else_the_flag():
    buyer("flag@example.com", accepts_marketing=True)
    withdrawn = buyer("withdrawn@example.com", accepts_marketing=True)
    granted = buyer("granted@example.com")
    buyer("never@example.com")
    Consent.objects.create(
        customer=withdrawn, purpose="email", granted=True, source="register", recorded_at=NOW
    )
    Consent.objects.create(
        customer=withdrawn,
        purpose="email",
        granted=False,
        source="unsubscribe",
        recorded_at=NOW + dt.timedelta(minutes=1),
    )
    Consent.objects.create(customer=granted, purpose="email", granted=True, source="account")

    assert matching(("email_consent", "equals", "yes")) == {
        "flag@example.com",
        "granted@example.com",
    }
    assert matching(("email_consent", "equals", "no")) == {
        "withdrawn@example.com",
        "never@example.com",
    }


def test_match_all_and_match_any():
    buyer("de-vip@example.com", country_code="DE", tags=["vip"])
    buyer("de@example.com", country_code="DE")
    buyer("fr-vip@example.com", country_code="FR", tags=["vip"])
    buyer("fr@example.com", country_code="FR")
    rules = (("country", "equals", "DE"), ("tag", "equals", "vip"))

    assert matching(*rules, match_all=True) == {"de-vip@example.com"}
    assert matching(*rules, match_all=False) == {
        "de-vip@example.com",
        "de@example.com",
        "fr-vip@example.com",
    }


def test_staff_are_never_in_a_segment():
    buyer("staff@example.com", is_staff=True, country_code="DE")
    buyer("shopper@example.com", country_code="DE")

    assert matching(("country", "equals", "DE")) == {"shopper@example.com"}


def test_a_segment_of_many_rules_is_one_query():
    make_product(title="Boots", handle="boots")
    buyer("someone@example.com", country_code="DE")
    rules = segments.clean_rules(
        [
            {"field": "country", "relation": "equals", "value": "DE"},
            {"field": "orders_count", "relation": "less_than", "value": "3"},
            {"field": "total_spent", "relation": "less_than", "value": "500"},
            {"field": "last_order", "relation": "before", "value": "10 days ago"},
            {"field": "product", "relation": "not_equals", "value": "boots"},
            {"field": "email_consent", "relation": "equals", "value": "no"},
        ]
    )
    customers = segments.customers_matching(rules, match_all=False)

    with CaptureQueriesContext(connection) as queries:
        count = customers.count()

    assert count == 1
    assert len(queries.captured_queries) == 1


def test_bad_rules_name_their_row():
    errors = segments.rule_errors(
        [
            {"field": "country", "relation": "equals", "value": "DE"},
            {"field": "shoe_size", "relation": "equals", "value": "42"},
            {"field": "orders_count", "relation": "before", "value": "3"},
            {"field": "last_order", "relation": "after", "value": "last spring"},
            {"field": "product", "relation": "equals", "value": "no-such-thing"},
            {"field": "total_spent", "relation": "greater_than", "value": "lots"},
        ]
    )

    assert set(errors) == {1, 2, 3, 4, 5}
    assert errors[1].startswith("Rule 2: ")
    assert "shoe_size" in errors[1]
    assert errors[2].startswith("Rule 3: Paid orders cannot be tested")
    assert "last spring" in errors[3]
    assert "no-such-thing" in errors[4]
    assert errors[5].startswith("Rule 6: Total spent")


def test_saving_checks_the_rules_and_records_who_did_it():
    owner = buyer("owner@example.com", is_staff=True, staff_role="owner")
    actor = Actor.for_user(owner)

    with pytest.raises(segments.SegmentInvalid) as refused:
        segments.segment_save(
            actor=actor,
            name="Broken",
            rules=[{"field": "country", "relation": "equals", "value": "Germany"}],
        )
    assert refused.value.field == "rules.0"
    assert not Segment.objects.exists()

    segment = segments.segment_save(
        actor=actor,
        name="  German  VIPs ",
        rules=[{"field": "country", "relation": "equals", "value": " DE "}],
        match_all=False,
    )
    assert (segment.name, segment.handle, segment.match_all) == (
        "German VIPs",
        "german-vips",
        False,
    )
    assert segment.rules == [{"field": "country", "relation": "equals", "value": "DE"}]
    again = segments.segment_save(actor=actor, name="German VIPs", rules=[])
    assert again.handle == "german-vips-2"

    segments.segment_delete(actor=actor, segment=again)

    verbs = list(AuditEvent.objects.order_by("id").values_list("verb", flat=True))
    assert verbs == ["segment.created", "segment.created", "segment.deleted"]


def test_segment_customers_for_discounts_and_campaigns():
    buyer("de@example.com", country_code="DE")
    buyer("fr@example.com", country_code="FR")
    segment = Segment.objects.create(
        name="Germany",
        handle="germany",
        rules=[{"field": "country", "relation": "equals", "value": "DE"}],
    )

    assert list(segments.segment_customers(segment).values_list("email", flat=True)) == [
        "de@example.com"
    ]


def test_the_demo_gets_scores_and_example_segments():
    order_for(buyer("someone@example.com", country_code="DE"), "10.00", days_ago=3)

    with clock.frozen_at(NOW):
        made = segments.seed_audience()
        again = segments.seed_audience()

    assert made == len(segments.DEMO_SEGMENTS)
    assert again == 0
    assert CustomerScore.objects.count() == 1
    for segment in Segment.objects.all():
        segments.segment_customers(segment).count()  # every example rule is valid
