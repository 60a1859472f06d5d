"""API tokens in the admin: create (the secret is shown once), see scopes and last use, revoke."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from freehold.api.models import SCOPES, ApiToken
from freehold.api.services import api_token_create, api_token_revoke
from freehold.core.audit import Actor


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=SCOPES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiToken
        fields = ["name", "scopes"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    form = ApiTokenForm
    list_display = ["name", "key", "scopes", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        token, secret = api_token_create(
            name=form.cleaned_data["name"],
            scopes=list(form.cleaned_data["scopes"]),
            actor=Actor.for_user(request.user),
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        self.message_user(
            request,
            f"Copy the token now; it is not shown again: {secret}",
            messages.WARNING,
        )

    @admin.action(description="Revoke", permissions=["delete"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        for token in queryset:
            api_token_revoke(token=token, actor=Actor.for_user(request.user))
        self.message_user(request, f"Revoked {queryset.count()} token(s).")
