"""Customers and staff in the admin: Django's user admin, with the e-mail as the login."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.http import HttpRequest

from freehold.customers.models import Address, Customer


class CustomerCreationForm(AdminUserCreationForm):
    class Meta(AdminUserCreationForm.Meta):
        model = Customer
        fields = ("email",)
        field_classes = {}  # no UsernameField: the e-mail is the login

    def clean_email(self) -> str:
        # The login is case-insensitive in practice: store it lower-cased, as the manager does.
        return self.cleaned_data["email"].strip().lower()


class CustomerChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = Customer
        fields = "__all__"
        field_classes = {}  # no UsernameField: the e-mail is the login

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


class AddressInline(admin.StackedInline):
    model = Address
    extra = 0
    fields = [
        ("first_name", "last_name", "company"),
        ("line1", "line2"),
        ("postal_code", "city", "city_area"),
        ("region", "country_code"),
        ("phone", "is_default"),
    ]


@admin.register(Customer)
class CustomerAdmin(UserAdmin):
    form = CustomerChangeForm
    add_form = CustomerCreationForm
    list_display = ["email", "first_name", "last_name", "country_code", "is_staff", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active", "accepts_marketing", "country_code"]
    search_fields = ["email", "first_name", "last_name"]
    ordering = ["-date_joined"]
    date_hierarchy = "date_joined"
    list_per_page = 50
    inlines = [AddressInline]
    readonly_fields = ["last_login", "date_joined", "accepts_marketing_updated_at"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            "Personal information",
            {"fields": ("first_name", "last_name", "phone", "country_code", "language")},
        ),
        ("Marketing", {"fields": ("accepts_marketing", "accepts_marketing_updated_at")}),
        ("Notes", {"fields": ("note", "tags")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[type[InlineModelAdmin]]:
        # The add page asks for the login only, as Django's user admin does.
        return [] if obj is None else list(self.inlines)

    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "usable_password", "password1", "password2"),
            },
        ),
    )


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = ["customer", "line1", "postal_code", "city", "country_code", "is_default"]
    list_filter = ["country_code", "is_default"]
    search_fields = ["customer__email", "line1", "city", "postal_code"]
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]
