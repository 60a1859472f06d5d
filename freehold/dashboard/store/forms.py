"""Forms of the settings area: they check the shape of the input and name the field at fault.

The services check the business rules again (and the models' own rules through full_clean),
so these forms are the friendly first line, not the only one.
"""

from __future__ import annotations

import re
from typing import Any

from babel.numbers import list_currencies
from django import forms

from freehold.api.models import SCOPES
from freehold.customers.models import Customer
from freehold.dashboard.access import AREAS
from freehold.dashboard.store.services import link_problem
from freehold.markets.countries import is_country_code, normalise_country_code
from freehold.markets.models import ShippingRate, ShippingZone
from freehold.markets.zones import PatternError, normalise_region_code, parse_postcode_pattern
from freehold.storefront.models import FONT_CHOICES, StoreSettings
from freehold.webhooks.models import EVENTS

LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")
COLOUR_FIELDS = ("color_primary", "color_accent", "color_background", "color_text")


def check_link(value: str) -> str:
    """A link in the store's menus and banners: a path on the store or a full URL."""
    value = value.strip()
    problem = link_problem(value)
    if problem:
        raise forms.ValidationError(problem)
    return value


class DetailsForm(forms.ModelForm):
    """Store details, business identity, tax, returns and stock threshold."""

    class Meta:
        model = StoreSettings
        fields = [
            "name", "tagline", "currency", "language",
            "legal_name", "legal_form", "representatives", "address_line1", "address_line2",
            "postal_code", "city", "region", "country_code", "email", "phone",
            "register_name", "register_number", "vat_id",
            "tax_label", "tax_rate_percent", "prices_include_tax",
            "return_window_days", "low_stock_threshold",
        ]  # fmt: skip
        labels = {
            "name": "Store name",
            "country_code": "Country",
            "email": "Contact e-mail",
            "vat_id": "VAT ID",
            "tax_rate_percent": "Tax rate (%)",
            "return_window_days": "Returns window (days)",
            "low_stock_threshold": "Low-stock threshold",
        }
        widgets = {"email": forms.EmailInput(), "phone": forms.TextInput(attrs={"type": "tel"})}

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        if code not in list_currencies():
            raise forms.ValidationError("Use an ISO 4217 currency code such as EUR.")
        return str(code)

    def clean_language(self) -> str:
        code = self.cleaned_data["language"].strip()
        if not LANGUAGE.match(code):
            raise forms.ValidationError("Use a language code such as en or de-AT.")
        return str(code)

    def clean_country_code(self) -> str:
        code = normalise_country_code(self.cleaned_data["country_code"])
        if code and not is_country_code(code):
            raise forms.ValidationError("Use a two-letter country code such as DE.")
        return code

    def clean_phone(self) -> str:
        phone = " ".join(self.cleaned_data["phone"].split())
        if phone and not re.fullmatch(r"\+?[0-9 ()./-]{4,32}", phone):
            raise forms.ValidationError("Use digits, spaces and + ( ) - / only.")
        return phone


class ThemeForm(forms.ModelForm):
    """Logo, colours, fonts, announcement bar and hero."""

    logo_upload = forms.ImageField(
        required=False, label="New logo", help_text="PNG, JPEG, WebP or GIF."
    )
    remove_logo = forms.BooleanField(required=False, label="Remove the logo")
    hero_image_upload = forms.ImageField(
        required=False, label="New hero image", help_text="Wide, at least 1600 pixels across."
    )
    remove_hero_image = forms.BooleanField(required=False, label="Remove the hero image")

    class Meta:
        model = StoreSettings
        fields = [
            "color_primary", "color_accent", "color_background", "color_text",
            "font_heading", "font_body",
            "announcement_enabled", "announcement_text", "announcement_url",
            "hero_title", "hero_subtitle", "hero_cta_label", "hero_cta_url",
        ]  # fmt: skip
        labels = {
            "color_primary": "Primary colour",
            "color_accent": "Accent colour",
            "color_background": "Background colour",
            "color_text": "Text colour",
            "announcement_url": "Announcement link",
            "hero_cta_label": "Hero button label",
            "hero_cta_url": "Hero button link",
        }
        widgets = {name: forms.TextInput(attrs={"type": "color"}) for name in COLOUR_FIELDS} | {
            "font_heading": forms.Select(choices=FONT_CHOICES),
            "font_body": forms.Select(choices=FONT_CHOICES),
        }

    def clean_announcement_url(self) -> str:
        return check_link(self.cleaned_data["announcement_url"])

    def clean_hero_cta_url(self) -> str:
        return check_link(self.cleaned_data["hero_cta_url"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("announcement_enabled") and not cleaned.get("announcement_text"):
            self.add_error("announcement_text", "Write the announcement, or switch it off.")
        return cleaned


class MenuItemForm(forms.Form):
    title = forms.CharField(max_length=255)
    url = forms.CharField(max_length=512, label="Link", help_text="/collections/new or a URL.")

    def clean_url(self) -> str:
        return check_link(self.cleaned_data["url"])


class ZoneForm(forms.ModelForm):
    """A zone's countries, regions and postcode patterns, typed as text (one list each)."""

    countries_text = forms.CharField(
        required=False,
        label="Countries",
        help_text="Two-letter codes separated by commas or spaces, such as DE, AT, CH.",
    )
    regions_text = forms.CharField(
        required=False,
        label="Regions",
        help_text="Subdivision codes separated by commas or spaces, such as US-AK, US-HI, "
        "CA-NU, ES-CN. A region here is taken out of its country's zone.",
    )
    postcodes_text = forms.CharField(
        required=False,
        label="Postcode patterns",
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One per line, country first: GB BT* (starting with), FR 20000-20999 "
        "(range), GB BT1 1AA (exact). Case and spaces do not matter.",
    )
    # The model's field -> the form field that shows it.
    TEXT_FIELDS = {
        "countries": "countries_text",
        "regions": "regions_text",
        "postcodes": "postcodes_text",
    }

    class Meta:
        model = ShippingZone
        fields = ["name", "is_rest_of_world", "position"]
        help_texts = {
            "is_rest_of_world": "Serves every address no other zone names. A zone without "
            "rates stops shipping to what it names (Hawaii, the BT postcodes…)."
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["countries_text"] = ", ".join(self.instance.countries)
            self.initial["regions_text"] = ", ".join(self.instance.regions)
            self.initial["postcodes_text"] = "\n".join(self.instance.postcodes)

    def clean_countries_text(self) -> list[str]:
        text = self.cleaned_data["countries_text"]
        codes = [normalise_country_code(code) for code in re.split(r"[\s,;]+", text) if code]
        unknown = [code for code in codes if not is_country_code(code)]
        if unknown:
            raise forms.ValidationError(f"Not a country code: {', '.join(unknown)}.")
        return list(dict.fromkeys(codes))

    def clean_regions_text(self) -> list[str]:
        entries = [
            entry for entry in re.split(r"[\s,;]+", self.cleaned_data["regions_text"]) if entry
        ]
        codes, problems = [], []
        for entry in entries:
            try:
                codes.append(normalise_region_code(entry))
            except PatternError as error:
                problems.append(str(error))
        if problems:
            raise forms.ValidationError(" ".join(problems))
        return list(dict.fromkeys(codes))

    def clean_postcodes_text(self) -> list[str]:
        entries = [
            entry.strip()
            for entry in re.split(r"[\n,;]+", self.cleaned_data["postcodes_text"])
            if entry.strip()
        ]
        patterns, problems = [], []
        for entry in entries:
            try:
                patterns.append(parse_postcode_pattern(entry).text)
            except PatternError as error:
                problems.append(str(error))
        if problems:
            raise forms.ValidationError(" ".join(problems))
        return list(dict.fromkeys(patterns))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # Set before the model's own validation (which runs after this), so its rules
        # (something to serve, nothing claimed by two zones) see the new lists.
        for model_field, form_field in self.TEXT_FIELDS.items():
            if form_field in cleaned:
                setattr(self.instance, model_field, cleaned[form_field])
        return cleaned

    def add_error(self, field: str | None, error: Any) -> None:
        # The model names `countries`, `regions`, `postcodes`; this form shows them as text.
        error_dict = getattr(error, "error_dict", None)
        if error_dict is not None:
            for model_field, form_field in self.TEXT_FIELDS.items():
                if model_field in error_dict:
                    error_dict[form_field] = error_dict.pop(model_field)
        super().add_error(self.TEXT_FIELDS.get(field or "", field), error)


class RateForm(forms.ModelForm):
    class Meta:
        model = ShippingRate
        fields = [
            "name", "code", "carrier", "price_amount", "currency", "free_over_amount",
            "min_subtotal_amount", "max_subtotal_amount",
            "min_delivery_days", "max_delivery_days", "min_weight_grams", "max_weight_grams",
            "is_active", "position",
        ]  # fmt: skip
        labels = {
            "price_amount": "Price",
            "free_over_amount": "Free over",
            "min_subtotal_amount": "Order subtotal from",
            "max_subtotal_amount": "Order subtotal below",
            "min_delivery_days": "Delivery days (from)",
            "max_delivery_days": "Delivery days (to)",
            "min_weight_grams": "Weight from (g)",
            "max_weight_grams": "Weight up to (g)",
        }
        help_texts = {
            "currency": "Amounts are in this currency; carts in another currency see them "
            "converted (rounded up), unless a rate with the same code is given in theirs.",
            "min_subtotal_amount": "Items after discounts; leave empty for no minimum.",
            "max_subtotal_amount": "Exclusive: 50 here and 50 as the next band's minimum "
            "leave no gap.",
        }

    def clean_currency(self) -> str:
        code = self.cleaned_data["currency"].strip().upper()
        if code not in list_currencies():
            raise forms.ValidationError("Use an ISO 4217 currency code such as EUR.")
        return str(code)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for low, high, what in [
            ("min_delivery_days", "max_delivery_days", "delivery days"),
            ("min_weight_grams", "max_weight_grams", "weight"),
        ]:
            lowest, highest = cleaned.get(low), cleaned.get(high)
            if lowest is not None and highest is not None and lowest > highest:
                self.add_error(high, f"The highest {what} must not be below the lowest.")
        lowest, highest = cleaned.get("min_subtotal_amount"), cleaned.get("max_subtotal_amount")
        if lowest is not None and highest is not None and lowest >= highest:
            self.add_error(
                "max_subtotal_amount", "The subtotal band must end above where it starts."
            )
        return cleaned

    def validate_constraints(self) -> None:
        # The ordered-range check constraints are reported by clean() next to their fields;
        # the code's uniqueness per zone and currency by the service, next to the code.
        pass


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(
        choices=Customer.StaffRole.choices,
        initial=Customer.StaffRole.STAFF,
        widget=forms.RadioSelect,
        help_text="Owners and admins may do everything, staff only the areas ticked below.",
    )
    permissions = forms.MultipleChoiceField(
        choices=AREAS, required=False, widget=forms.CheckboxSelectMultiple
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("role") == Customer.StaffRole.STAFF and not cleaned.get("permissions"):
            self.add_error("permissions", "Tick at least one area for a staff member.")
        return cleaned


class StaffInviteForm(StaffRoleForm):
    email = forms.EmailField(label="E-mail")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)

    field_order = ["email", "first_name", "last_name", "role", "permissions"]


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses it: “ERP sync”, “Warehouse”.")
    scopes = forms.MultipleChoiceField(choices=SCOPES, widget=forms.CheckboxSelectMultiple)


class WebhookForm(forms.Form):
    url = forms.URLField(
        max_length=2048, label="URL", assume_scheme="https", help_text="Where to POST the events."
    )
    events = forms.MultipleChoiceField(choices=EVENTS, widget=forms.CheckboxSelectMultiple)
