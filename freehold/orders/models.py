"""Orders, their lines, payments, provider events and fulfilments.

An order is a snapshot: lines copy titles, SKU, prices, discounts and taxes at the time of sale,
so later catalog edits (or deleting a variant) never change what was sold. Statuses change only
through `services.order_transition`, along the tables in `states.py`.
"""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Min, Q, Subquery
from django.utils.translation import gettext_lazy

from freehold.catalog.models import MONEY_DIGITS, MONEY_PLACES
from freehold.core import clock
from freehold.orders.states import FulfilmentStatus, OrderStatus, PaymentStatus

FX_RATE_DIGITS = 20
FX_RATE_PLACES = 10


def _money() -> models.DecimalField:
    """A money amount column, zero by default; the currency is the row's `currency` column."""
    return models.DecimalField(
        max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, default=Decimal(0)
    )


def _optional_money(help_text: str = "") -> models.DecimalField:
    return models.DecimalField(
        max_digits=MONEY_DIGITS,
        decimal_places=MONEY_PLACES,
        null=True,
        blank=True,
        help_text=help_text,
    )


def new_order_token() -> str:
    """An unguessable public handle for the order-status page (never the sequential number)."""
    return secrets.token_urlsafe(24)


class OrderNumberSequence(models.Model):
    """One row holding the last order number handed out (see `services.order_number_next`).

    A counter row rather than the primary key: numbers stay short and human ("1001") and can
    start where a store migrating from elsewhere left off, while the pk stays private.
    """

    last_value = models.PositiveBigIntegerField(default=1000)

    def __str__(self) -> str:
        return str(self.last_value)


class Order(models.Model):
    number = models.CharField(max_length=32, unique=True)
    token = models.CharField(max_length=64, unique=True, default=new_order_token, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="orders",
    )
    email = models.EmailField(max_length=254)

    status = models.CharField(max_length=32, choices=OrderStatus.choices, default=OrderStatus.OPEN)
    payment_status = models.CharField(
        max_length=32, choices=PaymentStatus.choices, default=PaymentStatus.AWAITING_PAYMENT
    )
    fulfilment_status = models.CharField(
        max_length=32, choices=FulfilmentStatus.choices, default=FulfilmentStatus.UNFULFILLED
    )

    # The gateway the shopper chose at checkout ("manual", "test", "stripe"): which page and
    # instructions the order-status page shows while the order awaits payment.
    payment_gateway = models.CharField(max_length=64, blank=True)

    shipping_address = models.JSONField(default=dict, blank=True)
    billing_address = models.JSONField(default=dict, blank=True)

    market_code = models.CharField(max_length=32, blank=True)
    language = models.CharField(max_length=16, blank=True)

    # Presentment currency: what the shopper saw and paid.
    currency = models.CharField(max_length=3)
    subtotal_amount = _money()
    discount_amount = _money()
    shipping_amount = _money()
    tax_amount = _money()
    duty_amount = _money()
    total_amount = _money()
    tax_included = models.BooleanField(default=False)

    # Base currency: what the store reports in, with the rate used at the time of sale.
    base_currency = models.CharField(max_length=3, blank=True)
    base_total_amount = _money()
    fx_rate = models.DecimalField(
        max_digits=FX_RATE_DIGITS, decimal_places=FX_RATE_PLACES, default=Decimal(1)
    )

    # Attribution captured at checkout (marketing reports).
    landing_page = models.CharField(max_length=2048, blank=True)
    referrer = models.CharField(max_length=2048, blank=True)
    utm_source = models.CharField(max_length=255, blank=True)
    utm_medium = models.CharField(max_length=255, blank=True)
    utm_campaign = models.CharField(max_length=255, blank=True)
    utm_content = models.CharField(max_length=255, blank=True)
    utm_term = models.CharField(max_length=255, blank=True)
    gclid = models.CharField(max_length=255, blank=True)
    fbclid = models.CharField(max_length=255, blank=True)
    ttclid = models.CharField(max_length=255, blank=True)
    visitor_id = models.CharField(max_length=64, blank=True)
    # The visitor's first touch and the last (non-direct) one before buying, as channels
    # (insights.attribution.classify_channel); the utm_* fields above are the last touch's.
    first_touch_channel = models.CharField(max_length=32, blank=True)
    first_touch_source = models.CharField(max_length=255, blank=True)
    first_touch_medium = models.CharField(max_length=255, blank=True)
    first_touch_campaign = models.CharField(max_length=255, blank=True)
    last_touch_channel = models.CharField(max_length=32, blank=True)

    # Why each amount is what it is (which discount, which tax rule), from the pricing pipeline.
    pricing_reasons = models.JSONField(default=list, blank=True)

    idempotency_key = models.CharField(max_length=255, blank=True)
    # The cart this order was placed from: a second completion of one cart returns this order.
    cart_token = models.CharField(max_length=64, blank=True, db_index=True)

    placed_at = models.DateTimeField(null=True, blank=True)
    # When this order's e-mail address or customer account first placed an order, if that was
    # before this order; empty for a first order. Written by the INSERT itself (`save`), so the
    # dashboard's returning-customer rate compares one column instead of searching the history
    # of every order of the period (4 s on a million orders).
    customer_first_order_at = models.DateTimeField(null=True, blank=True, editable=False)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["-placed_at", "-id"], name="orders_order_placed_idx"),
            models.Index(fields=["status", "-placed_at"], name="orders_order_status_idx"),
            models.Index(fields=["email"], name="orders_order_email_idx"),
            # The dashboard's to-do counts: the few open orders waiting for staff, not the
            # million open ones already shipped.
            models.Index(
                fields=["payment_status", "fulfilment_status"],
                name="orders_order_todo_idx",
                condition=Q(status=OrderStatus.OPEN)
                & (
                    Q(payment_status=PaymentStatus.AWAITING_PAYMENT)
                    | Q(
                        payment_status=PaymentStatus.PAID,
                        fulfilment_status=FulfilmentStatus.UNFULFILLED,
                    )
                ),
            ),
        ]
        # PostgreSQL also has `orders_order_report_idx` (placed_at, covering the home page's
        # figures), made by migration 0006 only there: SQLite has no INCLUDE columns.

    def __str__(self) -> str:
        return f"#{self.number}"

    def save(self, *args: object, **kwargs: object) -> None:
        """A new placed order asks, inside its own INSERT, when its e-mail or account first
        ordered: no extra statement on the checkout's path, and every way of creating an order
        (checkout, the admin, tests) fills the column the same way."""
        computed = False
        if (
            self._state.adding
            and self.placed_at is not None
            and self.customer_first_order_at is None
        ):
            self.customer_first_order_at = first_order_before(
                email=self.email, customer_id=self.customer_id, placed_at=self.placed_at
            )
            computed = True
        super().save(*args, **kwargs)  # type: ignore[arg-type]
        if computed:
            # The value is in the row, not here: read it back only if somebody asks.
            del self.__dict__["customer_first_order_at"]


def first_order_before(*, email: str, customer_id: int | None, placed_at: dt.datetime) -> Subquery:
    """The earliest order of `email` or of the customer account placed before `placed_at`
    (None when there is none), as a subquery the order's INSERT runs."""
    same_buyer = Q(email=email)
    if customer_id is not None:
        same_buyer |= Q(customer_id=customer_id)
    earlier = (
        Order.objects.filter(same_buyer, placed_at__lt=placed_at)
        .order_by()
        .annotate(everything=models.Value(1))
        .values("everything")
        .annotate(earliest=Min("placed_at"))
        .values("earliest")
    )
    return Subquery(earlier, output_field=models.DateTimeField())


class OrderLine(models.Model):
    """What was sold, copied at the time of sale; the variant link is only a convenience."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(
        "catalog.Variant",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_lines",
    )
    product_title = models.CharField(max_length=255)
    variant_title = models.CharField(max_length=255, blank=True)
    sku = models.CharField(max_length=255, blank=True)
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    currency = models.CharField(max_length=3)
    unit_price_amount = _money()
    discount_amount = _money()
    tax_amount = _money()
    total_amount = _money()
    tax_rate = models.DecimalField(
        max_digits=9, decimal_places=6, default=Decimal(0), help_text="A fraction: 0.19 is 19%."
    )
    unit_cost_amount = _optional_money("Unit cost at the time of sale, for profit reports.")
    quantity_fulfilled = models.PositiveIntegerField(default=0)
    quantity_refunded = models.PositiveIntegerField(default=0)
    requires_shipping = models.BooleanField(default=True)
    hs_code = models.CharField(max_length=16, blank=True)
    country_of_origin = models.CharField(max_length=2, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        title = self.product_title
        if self.variant_title:
            title = f"{title} ({self.variant_title})"
        return f"{self.quantity} x {title}"

    @property
    def quantity_to_ship(self) -> int:
        """Units neither shipped nor refunded.

        We do not record which units a refund covered, so a refund by line counts against the
        units not yet shipped first: staff do not refund a unit and then send it anyway. A
        refund of shipped units (a return) therefore never makes more to ship.
        """
        return max(self.quantity - self.quantity_fulfilled - self.quantity_refunded, 0)

    @property
    def title(self) -> str:
        if self.variant_title:
            return f"{self.product_title} ({self.variant_title})"
        return self.product_title


class Payment(models.Model):
    """One call to a payment provider and its outcome (a transaction, not a balance)."""

    class Kind(models.TextChoices):
        AUTHORISE = "authorise", "Authorise"
        CAPTURE = "capture", "Capture"
        VOID = "void", "Void"
        REFUND = "refund", "Refund"

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="payments")
    gateway = models.CharField(max_length=64)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    currency = models.CharField(max_length=3)
    amount = models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES)
    fee_amount = _optional_money("The provider's fee where known, for profit reports.")
    provider_reference = models.CharField(max_length=255, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    error_message = models.TextField(blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["gateway", "provider_reference"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount} {self.currency} ({self.status})"


class ProviderEvent(models.Model):
    """An incoming webhook, recorded by event id so a replay is processed only once."""

    provider = models.CharField(max_length=64)
    event_id = models.CharField(max_length=255)
    type = models.CharField(max_length=128)
    payload = models.JSONField(default=dict, blank=True)
    received_at = models.DateTimeField(default=clock.now)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="orders_providerevent_provider_event"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.event_id} {self.type}"


class Fulfilment(models.Model):
    """A parcel (or a digital delivery) sending some of an order's lines."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Pending")
        SHIPPED = "shipped", gettext_lazy("Shipped")
        DELIVERED = "delivered", gettext_lazy("Delivered")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="fulfilments")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    carrier = models.CharField(max_length=128, blank=True)
    tracking_number = models.CharField(max_length=255, blank=True)
    tracking_url = models.URLField(max_length=2048, blank=True)
    shipping_cost_amount = _optional_money("What the carrier charged, for profit reports.")
    shipping_cost_currency = models.CharField(max_length=3, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"Fulfilment {self.pk} of order {self.order_id} ({self.status})"


class FulfilmentLine(models.Model):
    fulfilment = models.ForeignKey(Fulfilment, on_delete=models.CASCADE, related_name="lines")
    order_line = models.ForeignKey(
        OrderLine, on_delete=models.CASCADE, related_name="fulfilment_lines"
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"


class OrderNote(models.Model):
    """A staff member's note on an order ("customer called: leave at the door").

    Internal only: never shown to the shopper. The author's e-mail is copied so the note still
    says who wrote it after the staff account is deleted.
    """

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="order_notes",
    )
    author_label = models.CharField(max_length=255, blank=True)
    body = models.TextField(max_length=5000)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="orders_note_order_idx")]

    def __str__(self) -> str:
        return f"Note {self.pk} on order {self.order_id}"


class OrderTaxLine(models.Model):
    """One tax or duty charged on an order, as the tax engine named it at the time of sale.

    A row per taxed order line and one for the shipping ("VAT FR 20 %"), and one per duty
    ("EU flat duty 6206.10"): the invoice lists them, and a later change of rates never
    changes what this order charged.
    """

    class Kind(models.TextChoices):
        TAX = "tax", "Tax"
        DUTY = "duty", "Duty"

    class Target(models.TextChoices):
        LINE = "line", "An order line"
        SHIPPING = "shipping", "Shipping"
        ORDER = "order", "The whole order"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="tax_lines")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.TAX)
    label = models.CharField(max_length=128)
    country = models.CharField(max_length=2, blank=True)
    region = models.CharField(max_length=8, blank=True)
    rate = models.DecimalField(
        max_digits=9, decimal_places=6, null=True, blank=True, help_text="Empty: a flat amount."
    )
    amount = _money()
    currency = models.CharField(max_length=3)
    included = models.BooleanField(default=False, help_text="Contained in the prices.")
    target = models.CharField(max_length=8, choices=Target.choices, default=Target.LINE)
    order_line = models.ForeignKey(
        OrderLine, null=True, blank=True, on_delete=models.CASCADE, related_name="tax_lines"
    )

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.label}: {self.amount} {self.currency}"
