"""Orders in the admin: what the merchant runs the shop with until the dashboard exists.

Nothing about an order is edited here: totals, lines, payments and statuses are history, and
statuses move only through the operations (`orders.operations`, `payments.services`), which
lock the order, check the state tables, restock, e-mail and audit. So every field is read-only
and every change is an admin action calling one operation per order, reporting each order's
success or the operation's own error message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from freehold.core.audit import Actor
from freehold.core.errors import FreeholdError
from freehold.core.models import AuditEvent
from freehold.core.money import Money
from freehold.orders.models import Fulfilment, Order, OrderLine, Payment
from freehold.orders.operations import (
    fulfilment_create,
    fulfilment_mark_delivered,
    lines_to_ship,
    order_cancel,
)
from freehold.payments.services import payment_mark_paid
from freehold.returns.models import ReturnRequest, Withdrawal
from freehold.returns.services import order_refund_in_full

AUDIT_TRAIL_LIMIT = 200


def money_text(amount: Any, currency: str) -> str:
    """An amount with its currency, formatted without a query or a locale lookup per row."""
    if amount is None:
        return "–"
    try:
        return str(Money(amount, currency).quantize().amount) + f" {currency}"
    except ValueError:
        return f"{amount} {currency}"


def tracking_link(fulfilment: Fulfilment) -> str:
    """The tracking number, linked to the carrier's page when that URL is http(s)."""
    number = fulfilment.tracking_number or "–"
    url = fulfilment.tracking_url
    if url and url.startswith(("https://", "http://")):
        return format_html(
            '<a href="{}" target="_blank" rel="noopener noreferrer">{}</a>', url, number
        )
    return number


def run_per_object(
    modeladmin: admin.ModelAdmin,
    request: HttpRequest,
    objects: Iterable[Any],
    operation: Callable[[Any, Actor], str],
) -> None:
    """Call `operation` for each selected object and report each outcome.

    Each call is its own transaction (the operations are atomic), so one refused order does not
    undo the others; its `FreeholdError` message is shown as it is.
    """
    actor = Actor.for_user(request.user)
    for obj in objects:
        try:
            done = operation(obj, actor)
        except FreeholdError as error:
            modeladmin.message_user(request, f"{obj}: {error.message}", messages.ERROR)
        else:
            modeladmin.message_user(request, f"{obj}: {done}", messages.SUCCESS)


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = readonly_fields = (
        "product_title", "variant_title", "sku", "quantity", "unit_price", "discount", "tax",
        "total", "quantity_fulfilled", "quantity_refunded",
    )  # fmt: skip

    @admin.display(description="Unit price")
    def unit_price(self, line: OrderLine) -> str:
        return money_text(line.unit_price_amount, line.currency)

    @admin.display(description="Discount")
    def discount(self, line: OrderLine) -> str:
        return money_text(line.discount_amount, line.currency)

    @admin.display(description="Tax")
    def tax(self, line: OrderLine) -> str:
        return money_text(line.tax_amount, line.currency)

    @admin.display(description="Total")
    def total(self, line: OrderLine) -> str:
        return money_text(line.total_amount, line.currency)


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = readonly_fields = (
        "created_at", "gateway", "kind", "status", "amount_with_currency", "fee",
        "provider_reference", "error_message",
    )  # fmt: skip

    @admin.display(description="Amount")
    def amount_with_currency(self, payment: Payment) -> str:
        return money_text(payment.amount, payment.currency)

    @admin.display(description="Fee")
    def fee(self, payment: Payment) -> str:
        return money_text(payment.fee_amount, payment.currency)


class FulfilmentInline(ReadOnlyInline):
    model = Fulfilment
    fields = readonly_fields = (
        "created_at", "status", "carrier", "tracking", "shipped_at", "delivered_at", "items",
    )  # fmt: skip

    def get_queryset(self, request: HttpRequest) -> QuerySet[Fulfilment]:
        return super().get_queryset(request).prefetch_related("lines__order_line")

    @admin.display(description="Tracking")
    def tracking(self, fulfilment: Fulfilment) -> str:
        return tracking_link(fulfilment)

    @admin.display(description="Items")
    def items(self, fulfilment: Fulfilment) -> str:
        return ", ".join(
            f"{line.quantity} × {line.order_line.product_title}" for line in fulfilment.lines.all()
        )


class FulfilForm(forms.Form):
    carrier = forms.CharField(
        max_length=128,
        required=False,
        help_text="DHL, UPS, FedEx, USPS, Royal Mail or DPD get a tracking link automatically.",
    )


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = [
        "number", "placed_at", "email", "total", "status", "payment_status",
        "fulfilment_status",
    ]  # fmt: skip
    list_display_links = ["number"]
    list_filter = ["status", "payment_status", "fulfilment_status", "placed_at"]
    search_fields = [
        "=number", "email", "shipping_address__name", "shipping_address__first_name",
        "shipping_address__last_name",
    ]  # fmt: skip
    # Every column is on the order row: no join is needed, and no query runs per row.
    list_select_related = False
    show_full_result_count = False
    list_per_page = 50
    ordering = ["-placed_at", "-id"]
    inlines = [OrderLineInline, PaymentInline, FulfilmentInline]
    actions = [
        "mark_paid",
        "cancel_and_restock",
        "fulfil_remaining",
        "mark_delivered",
        "refund_in_full",
    ]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "number", "placed_at", "customer_link", "email", "status", "payment_status",
                    "fulfilment_status", "payment_gateway", "paid_at", "cancelled_at",
                ]
            },
        ),
        (
            "Money",
            {
                "fields": [
                    "subtotal", "discount", "shipping", "tax", "duty", "total", "tax_included",
                    "base_total", "fx_rate",
                ]
            },
        ),
        ("Addresses", {"fields": ["shipping_address", "billing_address"]}),
        ("Returns and withdrawals", {"fields": ["after_sales"]}),
        (
            "Attribution",
            {
                "classes": ["collapse"],
                "fields": [
                    "market_code", "language", "landing_page", "referrer", "utm_source",
                    "utm_medium", "utm_campaign", "utm_content", "utm_term",
                ],
            },
        ),
        ("Audit trail", {"fields": ["audit_trail"]}),
    ]  # fmt: skip

    # --- Read-only everything ---------------------------------------------------------------

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [str(name) for _, options in self.fieldsets or [] for name in options["fields"]]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """Change permission runs the actions; an order's own page is view-only (no Save)."""
        return obj is None and super().has_change_permission(request)

    # --- Columns and fields -----------------------------------------------------------------

    @admin.display(description="Total", ordering="total_amount")
    def total(self, order: Order) -> str:
        return money_text(order.total_amount, order.currency)

    @admin.display(description="Subtotal")
    def subtotal(self, order: Order) -> str:
        return money_text(order.subtotal_amount, order.currency)

    @admin.display(description="Discount")
    def discount(self, order: Order) -> str:
        return money_text(order.discount_amount, order.currency)

    @admin.display(description="Shipping")
    def shipping(self, order: Order) -> str:
        return money_text(order.shipping_amount, order.currency)

    @admin.display(description="Tax")
    def tax(self, order: Order) -> str:
        return money_text(order.tax_amount, order.currency)

    @admin.display(description="Duties")
    def duty(self, order: Order) -> str:
        return money_text(order.duty_amount, order.currency)

    @admin.display(description="Total in base currency")
    def base_total(self, order: Order) -> str:
        return money_text(order.base_total_amount, order.base_currency or order.currency)

    @admin.display(description="Customer")
    def customer_link(self, order: Order) -> str:
        if order.customer_id is None:
            return "Guest"
        url = reverse("admin:customers_customer_change", args=[order.customer_id])
        return format_html('<a href="{}">{}</a>', url, order.customer or order.customer_id)

    @admin.display(description="Requests")
    def after_sales(self, order: Order) -> SafeString | str:
        rows: list[tuple[str, str, str]] = []
        for request in ReturnRequest.objects.filter(order=order).order_by("created_at", "pk"):
            url = reverse("admin:returns_returnrequest_change", args=[request.pk])
            rows.append((url, f"Return {request.pk}", request.get_status_display()))
        for withdrawal in Withdrawal.objects.filter(order=order).order_by("submitted_at", "pk"):
            url = reverse("admin:returns_withdrawal_change", args=[withdrawal.pk])
            label = f"Withdrawal {withdrawal.pk} (refund due {withdrawal.refund_due_by:%Y-%m-%d})"
            rows.append((url, label, withdrawal.get_status_display()))
        if not rows:
            return "None"
        return format_html_join(
            "", '<div><a href="{}">{}</a>: {}</div>', ((u, label, s) for u, label, s in rows)
        )

    @admin.display(description="Events")
    def audit_trail(self, order: Order) -> SafeString | str:
        """Every audit event about the order and the records hanging off it, oldest first."""
        related = Q(object_type="orders.order", object_id=str(order.pk))
        for model, ids in (
            (Payment, order.payments.values_list("pk", flat=True)),
            (Fulfilment, order.fulfilments.values_list("pk", flat=True)),
            (ReturnRequest, order.return_requests.values_list("pk", flat=True)),
            (Withdrawal, order.withdrawals.values_list("pk", flat=True)),
        ):
            keys = [str(pk) for pk in ids]
            if keys:
                related |= Q(object_type=model._meta.label_lower, object_id__in=keys)
        events = AuditEvent.objects.filter(related).order_by("created_at", "pk")[:AUDIT_TRAIL_LIMIT]
        if not events:
            return "No events yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    f"{event.created_at:%Y-%m-%d %H:%M:%S}",
                    event.actor_label or event.actor_kind,
                    event.verb,
                    f"{event.from_state} → {event.to_state}" if event.to_state else "",
                    ", ".join(f"{k}: {v}" for k, v in event.data.items() if v not in ("", None)),
                )
                for event in events
            ),
        )
        return format_html(
            "<table><thead><tr><th>When</th><th>Who</th><th>What</th><th>Status</th>"
            "<th>Details</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    # --- Actions ----------------------------------------------------------------------------

    @admin.action(description="Mark as paid (manual payment)", permissions=["change"])
    def mark_paid(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        def operation(order: Order, actor: Actor) -> str:
            payment = payment_mark_paid(order=order, actor=actor)
            return f"marked paid ({money_text(payment.amount, payment.currency)})."

        run_per_object(self, request, queryset.order_by("pk"), operation)

    @admin.action(description="Cancel and restock", permissions=["change"])
    def cancel_and_restock(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        def operation(order: Order, actor: Actor) -> str:
            order_cancel(order=order, actor=actor, reason="cancelled by staff", restock=True)
            return "cancelled; its units are back in stock."

        run_per_object(self, request, queryset.order_by("pk"), operation)

    @admin.action(description="Mark shipped parcels delivered (today)", permissions=["change"])
    def mark_delivered(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        def operation(order: Order, actor: Actor) -> str:
            parcels = list(order.fulfilments.filter(status=Fulfilment.Status.SHIPPED))
            if not parcels:
                raise FreeholdError("no shipped parcel is waiting for delivery.")
            for parcel in parcels:
                fulfilment_mark_delivered(fulfilment=parcel, actor=actor)
            return f"{len(parcels)} parcel(s) marked delivered."

        run_per_object(self, request, queryset.order_by("pk"), operation)

    @admin.action(description="Refund in full", permissions=["change"])
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        def operation(order: Order, actor: Actor) -> str:
            payment = order_refund_in_full(order=order, actor=actor, reason="refunded by staff")
            return f"refunded {money_text(payment.amount, payment.currency)}."

        run_per_object(self, request, queryset.order_by("pk"), operation)

    @admin.action(description="Fulfil all remaining lines", permissions=["change"])
    def fulfil_remaining(
        self, request: HttpRequest, queryset: QuerySet[Order]
    ) -> HttpResponse | None:
        """Ask for the carrier and each parcel's tracking number, then ship what is left.

        The first request shows the form; its submit comes back to this action with `apply`.
        """
        orders = list(queryset.order_by("pk"))
        form = FulfilForm(request.POST if "apply" in request.POST else None)
        if "apply" in request.POST and form.is_valid():
            carrier = form.cleaned_data["carrier"].strip()

            def operation(order: Order, actor: Actor) -> str:
                lines = lines_to_ship(order)
                if not lines:
                    raise FreeholdError(f"Order #{order.number} has nothing left to ship.")
                tracking_number = request.POST.get(f"tracking_{order.pk}", "").strip()[:255]
                fulfilment = fulfilment_create(
                    order=order,
                    lines=lines,
                    actor=actor,
                    carrier=carrier,
                    tracking_number=tracking_number,
                )
                shipped = sum(lines.values())
                via = f" with {carrier}" if carrier else ""
                tracking = f", tracking {tracking_number}" if tracking_number else ""
                return f"shipped {shipped} unit(s){via}{tracking} (fulfilment {fulfilment.pk})."

            run_per_object(self, request, orders, operation)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Fulfil all remaining lines",
            "opts": self.model._meta,
            "orders": orders,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/orders/order/fulfil.html", context, using="django")
