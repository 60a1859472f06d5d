"""The shapes of the account forms: which fields, how long, which password rules.

They only validate; saving goes through `services` (the views call them with
`cleaned_data`). Templates render the fields by hand (the theme owns the markup), using
`form[name].value()` and `form.errors`.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext

from freehold.customers.models import Customer

EMAIL_MAX_LENGTH = 254
PASSWORD_MAX_LENGTH = 4096  # a hash of a megabyte "password" is a cheap denial of service


class LoginForm(forms.Form):
    email = forms.EmailField(max_length=EMAIL_MAX_LENGTH)
    password = forms.CharField(max_length=PASSWORD_MAX_LENGTH, strip=False)


class RegisterForm(forms.Form):
    email = forms.EmailField(max_length=EMAIL_MAX_LENGTH)
    password = forms.CharField(max_length=PASSWORD_MAX_LENGTH, strip=False)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    accepts_marketing = forms.BooleanField(required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            # The similarity rule compares the password with what the shopper typed.
            candidate = Customer(
                email=cleaned.get("email", ""),
                first_name=cleaned.get("first_name", ""),
                last_name=cleaned.get("last_name", ""),
            )
            try:
                password_validation.validate_password(password, candidate)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class ProfileForm(forms.Form):
    email = forms.EmailField(max_length=EMAIL_MAX_LENGTH)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    accepts_marketing = forms.BooleanField(required=False)
    # Asked only when the e-mail changes: it is the login, and whoever controls it can reset
    # the password, so a borrowed session must not be enough to take the account.
    current_password = forms.CharField(max_length=PASSWORD_MAX_LENGTH, strip=False, required=False)

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        email = (cleaned.get("email") or "").strip().lower()
        if email and email != self.customer.email:
            password = cleaned.get("current_password") or ""
            if not self.customer.check_password(password):
                self.add_error(
                    "current_password",
                    gettext("Enter your current password to change the e-mail address."),
                )
        return cleaned


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(max_length=PASSWORD_MAX_LENGTH, strip=False)
    new_password = forms.CharField(max_length=PASSWORD_MAX_LENGTH, strip=False)

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_current_password(self) -> str:
        password = self.cleaned_data["current_password"]
        if not self.customer.check_password(password):
            raise forms.ValidationError(gettext("Your current password is not correct."))
        return str(password)

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, self.customer)
        return str(password)


class SetPasswordForm(forms.Form):
    new_password = forms.CharField(max_length=PASSWORD_MAX_LENGTH, strip=False)

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.customer = customer

    def clean_new_password(self) -> str:
        password = self.cleaned_data["new_password"]
        password_validation.validate_password(password, self.customer)
        return str(password)


class PasswordResetForm(forms.Form):
    email = forms.EmailField(max_length=EMAIL_MAX_LENGTH)


class OrderLookupForm(forms.Form):
    number = forms.CharField(max_length=32)
    email = forms.EmailField(max_length=EMAIL_MAX_LENGTH)

    def clean_number(self) -> str:
        # Shoppers copy "#1001" from the e-mail's subject.
        return str(self.cleaned_data["number"]).strip().lstrip("#").strip()
