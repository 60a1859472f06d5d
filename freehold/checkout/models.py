"""Carts: what a shopper means to buy, before it becomes an order.

A cart is found by its `token` (unguessable, safe to put in a cookie or a URL), never by its
sequential id. Addresses are JSON snapshots rather than foreign keys so a guest can check out
and so a later edit of an address book entry does not change a cart in progress. A completed
cart (`completed_at` set when it became an order) is read-only: services refuse to change it.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q

from freehold.core import clock


def new_cart_token() -> str:
    return secrets.token_urlsafe(24)


def empty_list() -> list[str]:
    return []


class Cart(models.Model):
    token = models.CharField(max_length=64, unique=True, default=new_cart_token, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="carts",
    )
    currency = models.CharField(max_length=3)
    market_code = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    shipping_address = models.JSONField(default=dict, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)
    shipping_method_code = models.CharField(max_length=64, blank=True)
    discount_codes = models.JSONField(default=empty_list, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    # Not stored: what `services.cart_merge` had to change (capped or dropped lines), for the
    # page that follows the login to show once.
    notices: tuple[str, ...] = ()

    class Meta:
        indexes = [
            models.Index(fields=["customer", "completed_at"], name="checkout_cart_customer_open"),
        ]

    def __str__(self) -> str:
        return f"Cart {self.token[:8]}…"

    @property
    def is_completed(self) -> bool:
        return self.completed_at is not None


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant", on_delete=models.CASCADE, related_name="cart_lines"
    )
    quantity = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "variant"], name="checkout_cartline_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="checkout_cartline_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × variant {self.variant_id}"
