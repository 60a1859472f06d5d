"""First-party events, customer scores and segments: the store's knowledge of its customers.

Events are recorded by the server where it acts (an add to cart, a purchase) and, for pages
served from the full-page cache, by the beacon those pages send. No third-party script sees
them. Scores (RFM) are recomputed nightly from orders; segments are saved rules evaluated live.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES, Product
from freehold.core import clock


class Event(models.Model):
    class Kind(models.TextChoices):
        PAGE_VIEW = "page_view", "Page view"
        PRODUCT_VIEW = "product_view", "Product view"
        SEARCH = "search", "Search"
        ADD_TO_CART = "add_to_cart", "Add to cart"
        BEGIN_CHECKOUT = "begin_checkout", "Begin checkout"
        PURCHASE = "purchase", "Purchase"
        REFUND = "refund", "Refund"

    kind = models.CharField(max_length=16, choices=Kind.choices)
    occurred_at = models.DateTimeField(default=clock.now)
    # A visit. With analytics consent (or where none is needed) the visitor's first-party id
    # and a session cookie; without, a hash of the day, address and browser that no cookie
    # carries and that changes every day.
    session_id = models.CharField(max_length=64)
    visitor_id = models.CharField(max_length=64, blank=True)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    path = models.CharField(max_length=512, blank=True)
    product = models.ForeignKey(
        Product, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    search_query = models.CharField(max_length=255, blank=True)
    quantity = models.PositiveIntegerField(default=0)
    value_amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, null=True, blank=True
    )
    currency = models.CharField(max_length=3, blank=True)
    market = models.CharField(max_length=32, blank=True)
    country = models.CharField(max_length=2, blank=True)
    # Where the visit came from (attribution): a channel and the raw parameters.
    channel = models.CharField(max_length=32, blank=True)
    source = models.CharField(max_length=255, blank=True)
    medium = models.CharField(max_length=255, blank=True)
    campaign = models.CharField(max_length=255, blank=True)
    referrer_host = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        indexes = [
            models.Index(fields=["kind", "occurred_at"]),
            models.Index(fields=["occurred_at"]),
            models.Index(fields=["session_id", "occurred_at"]),
            models.Index(fields=["customer", "occurred_at"]),
            models.Index(
                fields=["visitor_id", "occurred_at"],
                condition=~Q(visitor_id=""),
                name="event_visitor_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.occurred_at:%Y-%m-%d %H:%M}"


class CustomerScore(models.Model):
    """A customer's order history in numbers, and their RFM scores (1-5 quintiles) and class.

    Recomputed nightly (and on demand) by `insights.scores`; one row per customer who ordered.
    """

    customer = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="score"
    )
    orders_count = models.PositiveIntegerField(default=0)
    total_spent_amount = models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=0
    )
    currency = models.CharField(max_length=3, blank=True)
    first_order_at = models.DateTimeField(null=True, blank=True)
    last_order_at = models.DateTimeField(null=True, blank=True)
    recency = models.PositiveSmallIntegerField(default=0)
    frequency = models.PositiveSmallIntegerField(default=0)
    monetary = models.PositiveSmallIntegerField(default=0)
    rfm_class = models.CharField(max_length=32, blank=True, db_index=True)
    computed_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.rfm_class or '-'}"


class Segment(models.Model):
    """A saved group of customers by rules, evaluated live; discounts and campaigns use it."""

    name = models.CharField(max_length=255)
    handle = models.SlugField(max_length=255, unique=True)
    # [{"field": "country", "relation": "equals", "value": "DE"}, ...]
    rules = models.JSONField(default=list, blank=True)
    match_all = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
