"""The audit trail in the admin: readable, never editable (a log that can be edited is no log)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from freehold.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at", "actor_label", "actor_kind", "verb", "object_type", "object_id",
        "from_state", "to_state",
    ]  # fmt: skip
    list_filter = ["actor_kind", "verb", "object_type"]
    search_fields = ["=object_id", "actor_label", "verb"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
