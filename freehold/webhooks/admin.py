"""Subscriptions (the secret shown once) and the delivery log with re-delivery."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from freehold.core.audit import Actor
from freehold.webhooks.models import EVENTS, WebhookDelivery, WebhookSubscription
from freehold.webhooks.services import (
    delivery_redeliver,
    subscription_create,
    subscription_update,
)


class SubscriptionForm(forms.ModelForm):
    url = forms.URLField(max_length=2048, assume_scheme="https")
    events = forms.MultipleChoiceField(choices=EVENTS, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = WebhookSubscription
        fields = ["url", "events", "is_active"]


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(admin.ModelAdmin):
    form = SubscriptionForm
    list_display = ["url", "events", "is_active", "created_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            # Through the service, like the dashboard: validated the same way, audit-logged.
            subscription_update(
                subscription=WebhookSubscription.objects.get(pk=obj.pk),
                actor=Actor.for_user(request.user),
                url=form.cleaned_data["url"],
                events=list(form.cleaned_data["events"]),
                is_active=form.cleaned_data["is_active"],
            )
            obj.refresh_from_db()
            return
        subscription, secret = subscription_create(
            url=form.cleaned_data["url"],
            events=list(form.cleaned_data["events"]),
            actor=Actor.for_user(request.user),
        )
        obj.pk = subscription.pk
        obj.refresh_from_db()
        self.message_user(request, f"Signing secret (shown once): {secret}", messages.WARNING)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "event", "subscription", "status", "attempts", "last_status_code", "last_duration_ms",
        "created_at", "next_attempt_at",
    ]  # fmt: skip
    list_filter = ["status", "event"]
    list_select_related = ["subscription"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Deliver again", permissions=["change"])
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        actor = Actor.for_user(request.user)
        for delivery in queryset:
            delivery_redeliver(delivery=delivery, actor=actor)
        self.message_user(request, f"{queryset.count()} delivery(ies) will be sent again.")
