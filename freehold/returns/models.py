"""After-sales: return requests (the store's own policy) and EU withdrawals (the law's).

They are kept apart on purpose. A return request is something the store grants: customers
ask for some shipped units back within the store's `return_window_days`, staff approve or
reject, receive the parcel, then refund those lines. A withdrawal is a declaration the
consumer makes (CRD Art. 9-16, 11a): it needs no approval and no reason, only name, order
and e-mail; the store acknowledges it and owes the refund within 14 days.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy

from freehold.core import clock
from freehold.orders.models import Order, OrderLine, Payment


class ReturnRequest(models.Model):
    class Status(models.TextChoices):
        REQUESTED = "requested", gettext_lazy("Requested")
        APPROVED = "approved", gettext_lazy("Approved")
        REJECTED = "rejected", gettext_lazy("Rejected")
        RECEIVED = "received", gettext_lazy("Received")
        REFUNDED = "refunded", gettext_lazy("Refunded")
        CANCELLED = "cancelled", gettext_lazy("Cancelled")

    class Reason(models.TextChoices):
        CHANGED_MIND = "changed_mind", gettext_lazy("I changed my mind")
        WRONG_SIZE = "wrong_size", gettext_lazy("Wrong size or fit")
        NOT_AS_DESCRIBED = "not_as_described", gettext_lazy("Not as described")
        DAMAGED = "damaged", gettext_lazy("Arrived damaged or faulty")
        WRONG_ITEM = "wrong_item", gettext_lazy("Wrong item sent")
        OTHER = "other", gettext_lazy("Other")

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="return_requests")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="return_requests",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    reason = models.CharField(max_length=32, choices=Reason.choices)
    note = models.TextField(blank=True, help_text="What the customer wrote.")
    staff_note = models.TextField(blank=True, help_text="Internal; the customer never sees it.")
    refund_payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="returns_request_status_idx")
        ]

    def __str__(self) -> str:
        return f"Return {self.pk} of order {self.order_id} ({self.status})"


class ReturnRequestLine(models.Model):
    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="lines"
    )
    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="return_lines")
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.quantity} of line {self.order_line_id}"


class Withdrawal(models.Model):
    """A consumer's declaration of withdrawal from the contract, as received."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received"
        REFUNDED = "refunded", "Refunded"

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="withdrawals")
    name = models.CharField(max_length=255)
    email = models.EmailField(max_length=254)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.RECEIVED)
    submitted_at = models.DateTimeField(default=clock.now)
    acknowledgement_sent_at = models.DateTimeField(null=True, blank=True)
    refund_due_by = models.DateTimeField()
    refund_payment = models.ForeignKey(
        Payment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    refunded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"Withdrawal {self.pk} from order {self.order_id}"
