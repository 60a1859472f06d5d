"""The products area's forms. They parse what staff typed; the catalog services check the
business rules (a SKU not taken, one value per option, at most three options) and their
`ValidationFailed` errors are put back next to the field they name (`attach_error`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from freehold.catalog.models import Product, StockMovement, Variant
from freehold.catalog.validators import validate_gtin
from freehold.core.errors import FreeholdError
from freehold.core.money import Money

MONEY_ERRORS = {"min_value": "cannot be negative.", "invalid": "is not a number."}


def money_field(label: str, *, required: bool = True, help_text: str = "") -> forms.DecimalField:
    """An amount staff type: not negative, at most four decimal places."""
    return forms.DecimalField(
        label=label,
        required=required,
        help_text=help_text,
        min_value=Decimal(0),
        max_digits=16,
        decimal_places=4,
        error_messages=MONEY_ERRORS,
        widget=forms.NumberInput(attrs={"step": "0.01", "min": "0", "inputmode": "decimal"}),
    )


MAX_OPTION_VALUES = 100


def attach_error(form: forms.Form, error: FreeholdError | ValidationError) -> None:
    """Show a service's error on the form field it names (else above the form)."""
    if isinstance(error, ValidationError):
        if hasattr(error, "error_dict"):
            for name, messages in error.message_dict.items():
                field_name = name.rsplit(".", 1)[-1]
                target = field_name if field_name in form.fields else None
                for message in messages:
                    form.add_error(target, message)
            return
        form.add_error(None, " ".join(error.messages))
        return
    name = error.field or ""
    form.add_error(name if name in form.fields else None, error.message)


def amount(value: Decimal | None, currency: str) -> Decimal | None:
    """A stored amount (4 places) as staff type it: 49.00 EUR, 4900 JPY."""
    return None if value is None else Money(value, currency).quantize().amount


def split_tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


class ProductFilterForm(forms.Form):
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Title, handle or SKU"}),
    )
    status = forms.ChoiceField(
        label="Status", required=False, choices=[("", "Any status"), *Product.Status.choices]
    )
    type = forms.ChoiceField(label="Type", required=False)
    brand = forms.ChoiceField(label="Brand", required=False)
    low = forms.BooleanField(label="Running low", required=False)

    def __init__(self, *args: Any, types: list[str], brands: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        type_field, brand_field = self.fields["type"], self.fields["brand"]
        assert isinstance(type_field, forms.ChoiceField)
        assert isinstance(brand_field, forms.ChoiceField)
        type_field.choices = [("", "Any type"), *((t, t) for t in types)]
        brand_field.choices = [("", "Any brand"), *((b, b) for b in brands)]
        self.fields["low"].widget = forms.CheckboxInput(attrs={"value": "1"})


TAX_CLASSES = [
    ("standard", "Standard rate"),
    ("reduced", "Reduced rate"),
    ("super_reduced", "Super-reduced rate"),
    ("zero", "Zero rate"),
]


class ProductForm(forms.Form):
    """A product's own fields (its variants, options and images have their own forms)."""

    title = forms.CharField(label="Title", max_length=255)
    handle = forms.SlugField(
        label="Handle",
        max_length=255,
        required=False,
        allow_unicode=True,
        help_text="The address: /products/<handle>. A change leaves a redirect from the old one.",
    )
    description_html = forms.CharField(
        label="Description",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="HTML: paragraphs, lists, bold, links. Scripts and styles are removed.",
    )
    status = forms.ChoiceField(label="Status", choices=Product.Status.choices)
    product_type = forms.CharField(label="Type", max_length=255, required=False)
    brand = forms.CharField(label="Brand", max_length=255, required=False)
    tags = forms.CharField(
        label="Tags", required=False, help_text="Separated by commas: summer, linen"
    )
    seo_title = forms.CharField(label="SEO title", max_length=255, required=False)
    seo_description = forms.CharField(
        label="SEO description",
        max_length=512,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    tax_class = forms.ChoiceField(
        label="Tax class",
        choices=TAX_CLASSES,
        initial="standard",
        required=False,
        help_text="Which VAT/GST rate applies: most goods are standard; books and food are "
        "often reduced.",
    )
    hs_code = forms.CharField(
        label="HS code", max_length=16, required=False, help_text="Harmonized System code"
    )
    country_of_origin = forms.CharField(
        label="Country of origin",
        max_length=2,
        required=False,
        help_text="Two-letter code, e.g. PT",
        widget=forms.TextInput(attrs={"size": 3}),
    )

    def clean_tax_class(self) -> str:
        return str(self.cleaned_data.get("tax_class") or "standard")

    def clean_country_of_origin(self) -> str:
        value: str = self.cleaned_data["country_of_origin"].strip().upper()
        if value and (len(value) != 2 or not value.isalpha()):
            raise ValidationError("use the two-letter country code, e.g. PT.")
        return value

    def clean_tags(self) -> list[str]:
        return split_tags(self.cleaned_data["tags"])

    @classmethod
    def initial_for(cls, product: Product) -> dict[str, Any]:
        return {
            "title": product.title,
            "handle": product.handle,
            "description_html": product.description_html,
            "status": product.status,
            "product_type": product.product_type,
            "brand": product.brand,
            "tags": ", ".join(tag.name for tag in product.tags.all()),
            "seo_title": product.seo_title,
            "seo_description": product.seo_description,
            "tax_class": product.tax_class or "standard",
            "hs_code": product.hs_code,
            "country_of_origin": product.country_of_origin,
        }


class NewProductForm(ProductForm):
    """A new product starts with one variant; options and images come on its edit page."""

    price = money_field("Price")
    compare_at_price = money_field("Compare-at price", required=False)
    sku = forms.CharField(label="SKU", max_length=255, required=False)
    barcode = forms.CharField(
        label="Barcode (GTIN)", max_length=32, required=False, validators=[validate_gtin]
    )
    stock_quantity = forms.IntegerField(label="Stock", min_value=0, initial=0)

    field_order = ["title", "description_html", "price", "compare_at_price", "sku", "barcode"]


class OptionsForm(forms.Form):
    """Up to three options, each a name and its values separated by commas."""

    remove_missing = forms.BooleanField(
        label="Delete variants whose combination is no longer listed", required=False
    )
    price = money_field(
        "Price of new variants", required=False, help_text="Empty: the first variant's price."
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for number in (1, 2, 3):
            self.fields[f"option{number}_name"] = forms.CharField(
                label=f"Option {number} name", max_length=255, required=False
            )
            self.fields[f"option{number}_values"] = forms.CharField(
                label=f"Option {number} values",
                required=False,
                help_text="Separated by commas: S, M, L",
            )

    @classmethod
    def initial_for(cls, product: Product) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        for option in product.options.all():
            initial[f"option{option.position}_name"] = option.name
            initial[f"option{option.position}_values"] = ", ".join(option.values)
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        for number in (1, 2, 3):
            name = (data.get(f"option{number}_name") or "").strip()
            values = split_tags(data.get(f"option{number}_values") or "")
            if values and not name:
                self.add_error(f"option{number}_name", "give the option a name (e.g. Size).")
            if name and not values:
                self.add_error(f"option{number}_values", f"give {name} at least one value.")
            if len(values) > MAX_OPTION_VALUES:
                self.add_error(f"option{number}_values", "at most 100 values.")
        return data

    def options(self) -> list[tuple[str, list[str]]]:
        data = self.cleaned_data
        return [
            (data[f"option{n}_name"].strip(), split_tags(data[f"option{n}_values"]))
            for n in (1, 2, 3)
            if (data.get(f"option{n}_name") or "").strip()
        ]

    def field_for(self, service_field: str) -> str | None:
        """`options[2].values` (the service's name) -> `option2_values` (this form's)."""
        if service_field.startswith("options[") and "]." in service_field:
            number, part = service_field[len("options[") :].split("].", 1)
            name = f"option{number}_{part}"
            return name if name in self.fields else None
        return None


class VariantRowForm(forms.Form):
    """One row of the variant grid on the edit page (prefix: the variant's id)."""

    sku = forms.CharField(label="SKU", max_length=255, required=False)
    price = money_field("Price")
    compare_at_price = money_field("Compare-at", required=False)
    cost = money_field("Cost", required=False)
    weight_grams = forms.IntegerField(
        label="Weight (g)",
        min_value=0,
        error_messages={"min_value": "cannot be negative."},
        widget=forms.NumberInput(attrs={"min": "0"}),
    )
    barcode = forms.CharField(
        label="Barcode", max_length=32, required=False, validators=[validate_gtin]
    )
    inventory_policy = forms.ChoiceField(
        label="When sold out",
        choices=[("deny", "Stop selling"), ("continue", "Keep selling")],
    )
    track_inventory = forms.BooleanField(label="Track stock", required=False)

    FIELDS = (
        "sku",
        "price",
        "compare_at_price",
        "cost",
        "weight_grams",
        "barcode",
        "inventory_policy",
        "track_inventory",
    )

    @staticmethod
    def initial_for(variant: Variant) -> dict[str, Any]:
        return {
            "sku": variant.sku,
            "price": amount(variant.price_amount, variant.currency),
            "compare_at_price": amount(variant.compare_at_price_amount, variant.currency),
            "cost": amount(variant.cost_amount, variant.currency),
            "weight_grams": variant.weight_grams,
            "barcode": variant.barcode,
            "inventory_policy": variant.inventory_policy,
            "track_inventory": variant.track_inventory,
        }

    def changes(self, variant: Variant) -> dict[str, Any]:
        """Only what differs from the variant: an untouched row writes nothing."""
        current = {
            "sku": variant.sku,
            "price": variant.price_amount,
            "compare_at_price": variant.compare_at_price_amount,
            "cost": variant.cost_amount,
            "weight_grams": variant.weight_grams,
            "barcode": variant.barcode,
            "inventory_policy": variant.inventory_policy,
            "track_inventory": variant.track_inventory,
        }
        return {
            name: self.cleaned_data[name]
            for name in self.FIELDS
            if self.cleaned_data[name] != current[name]
        }


class StockAdjustForm(forms.Form):
    delta = forms.IntegerField(
        label="Change",
        min_value=-1_000_000,
        max_value=1_000_000,
        help_text="Units to add; a minus sign takes units away (e.g. -2).",
    )
    reason = forms.ChoiceField(
        label="Reason",
        choices=[(c, label) for c, label in StockMovement.Reason.choices if c != "sold"],
    )
    note = forms.CharField(label="Note", max_length=255, required=False)

    def clean_delta(self) -> int:
        delta: int = self.cleaned_data["delta"]
        if delta == 0:
            raise ValidationError("adjust by at least one unit.")
        return delta


class BulkRowForm(forms.Form):
    """One variant in the bulk price-and-stock grid (prefix: the variant's id).

    `stock_was` is the stock the page showed: the change saved is the difference, so units
    sold while staff were typing are not put back.
    """

    price = money_field("Price")
    compare_at_price = money_field("Compare-at", required=False)
    stock = forms.IntegerField(
        label="Stock", required=False, widget=forms.NumberInput(attrs={"step": "1"})
    )
    stock_was = forms.IntegerField(required=False, widget=forms.HiddenInput)


class BulkReasonForm(forms.Form):
    reason = forms.ChoiceField(
        label="Reason for stock changes",
        choices=[(c, label) for c, label in StockMovement.Reason.choices if c != "sold"],
        initial=StockMovement.Reason.CORRECTION,
    )


class ImageUploadForm(forms.Form):
    alt = forms.CharField(
        label="Alt text",
        max_length=512,
        required=False,
        help_text="What the picture shows, for people who cannot see it (applies to all files).",
    )
