"""Return requests and withdrawals in the admin: read, decide, refund; never edited by hand.

Staff act through actions that call the services (one transaction and one audit event per
request); only the internal staff note is editable on the page.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from freehold.core import clock
from freehold.core.audit import Actor
from freehold.orders.admin import ReadOnlyInline, money_text, run_per_object
from freehold.returns import services
from freehold.returns.models import ReturnRequest, ReturnRequestLine, Withdrawal


def _order_link(order_id: int, number: str) -> str:
    url = reverse("admin:orders_order_change", args=[order_id])
    return format_html('<a href="{}">#{}</a>', url, number)


class ReturnRequestLineInline(ReadOnlyInline):
    model = ReturnRequestLine
    fields = readonly_fields = ("item", "quantity", "refund_value")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ReturnRequestLine]:
        return super().get_queryset(request).select_related("order_line")

    @admin.display(description="Item")
    def item(self, line: ReturnRequestLine) -> str:
        return str(line.order_line)

    @admin.display(description="Refund value")
    def refund_value(self, line: ReturnRequestLine) -> str:
        order_line = line.order_line
        return money_text(
            order_line.total_amount / order_line.quantity * line.quantity, order_line.currency
        )


@admin.register(ReturnRequest)
class ReturnRequestAdmin(admin.ModelAdmin):
    list_display = ["id", "order_number", "customer", "status", "reason", "created_at"]
    list_filter = ["status", "reason", "created_at"]
    search_fields = ["=order__number", "customer__email", "order__email"]
    list_select_related = ["order", "customer"]
    show_full_result_count = False
    inlines = [ReturnRequestLineInline]
    actions = ["approve", "reject", "mark_received", "refund"]
    fields = [
        "order_number", "customer", "status", "reason", "note", "staff_note", "created_at",
        "decided_at", "received_at", "refunded_at", "refund_payment",
    ]  # fmt: skip
    readonly_fields = [
        "order_number", "customer", "status", "reason", "note", "created_at", "decided_at",
        "received_at", "refunded_at", "refund_payment",
    ]  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Order", ordering="order__number")
    def order_number(self, request_: ReturnRequest) -> str:
        return _order_link(request_.order_id, request_.order.number)

    @admin.action(description="Approve", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        def operation(item: ReturnRequest, actor: Actor) -> str:
            services.return_request_approve(return_request=item, actor=actor)
            return "approved."

        run_per_object(self, request, queryset.select_related("order").order_by("pk"), operation)

    @admin.action(description="Reject", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        def operation(item: ReturnRequest, actor: Actor) -> str:
            services.return_request_reject(return_request=item, actor=actor)
            return "rejected."

        run_per_object(self, request, queryset.select_related("order").order_by("pk"), operation)

    @admin.action(description="Mark received (goods are back)", permissions=["change"])
    def mark_received(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        def operation(item: ReturnRequest, actor: Actor) -> str:
            services.return_request_receive(return_request=item, actor=actor)
            return "received."

        run_per_object(self, request, queryset.select_related("order").order_by("pk"), operation)

    @admin.action(description="Refund the returned lines and restock", permissions=["change"])
    def refund(self, request: HttpRequest, queryset: QuerySet[ReturnRequest]) -> None:
        def operation(item: ReturnRequest, actor: Actor) -> str:
            payment = services.return_request_refund(return_request=item, actor=actor)
            return f"refunded {money_text(payment.amount, payment.currency)}."

        run_per_object(self, request, queryset.select_related("order").order_by("pk"), operation)


@admin.register(Withdrawal)
class WithdrawalAdmin(admin.ModelAdmin):
    list_display = [
        "id", "order_number", "name", "email", "submitted_at", "refund_due_by", "status",
        "acknowledgement_sent_at",
    ]  # fmt: skip
    list_filter = ["status", "submitted_at"]
    search_fields = ["=order__number", "email", "name"]
    list_select_related = ["order"]
    show_full_result_count = False
    actions = ["refund_in_full"]
    fields = readonly_fields = (
        "order_number", "name", "email", "status", "submitted_at", "acknowledgement_sent_at",
        "refund_due_by", "refund_overdue", "refunded_at", "refund_payment",
    )  # fmt: skip

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Order", ordering="order__number")
    def order_number(self, withdrawal: Withdrawal) -> str:
        return _order_link(withdrawal.order_id, withdrawal.order.number)

    @admin.display(description="Refund overdue", boolean=True)
    def refund_overdue(self, withdrawal: Withdrawal) -> bool:
        return (
            withdrawal.status != Withdrawal.Status.REFUNDED
            and clock.now() > withdrawal.refund_due_by
        )

    @admin.action(description="Refund in full", permissions=["change"])
    def refund_in_full(self, request: HttpRequest, queryset: QuerySet[Withdrawal]) -> None:
        def operation(withdrawal: Withdrawal, actor: Actor) -> str:
            payment = services.withdrawal_refund(withdrawal=withdrawal, actor=actor)
            return f"refunded {money_text(payment.amount, payment.currency)}."

        run_per_object(self, request, queryset.select_related("order").order_by("pk"), operation)
