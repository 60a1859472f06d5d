"""The import screen's upload form: a file, its format (or "detect"), and whether to fetch images.

The form checks what can be checked without reading the file (its size, that it is not empty);
what the file *is* is the services' job (`import_run_create` detects the format and refuses an
unknown file with an error naming the "file" field, which the view puts next to it).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings

from freehold.imports.records import (
    AMAZON_LISTINGS,
    SHOPIFY_CUSTOMERS,
    SHOPIFY_PRODUCTS,
    WOOCOMMERCE_PRODUCTS,
)

# What people call the formats, in the order the form offers them.
FORMAT_LABELS: dict[str, str] = {
    SHOPIFY_PRODUCTS: "Shopify products CSV",
    SHOPIFY_CUSTOMERS: "Shopify customers CSV",
    AMAZON_LISTINGS: "Amazon All Listings Report",
    WOOCOMMERCE_PRODUCTS: "WooCommerce products CSV",
}
# The dashboard area a format writes into: who may import it.
FORMAT_AREAS: dict[str, str] = {
    SHOPIFY_PRODUCTS: "products",
    SHOPIFY_CUSTOMERS: "customers",
    AMAZON_LISTINGS: "products",
    WOOCOMMERCE_PRODUCTS: "products",
}
DETECT = ""


def upload_max_bytes() -> int:
    """The largest file imported at once (FREEHOLD_IMPORT_MAX_MB): it is kept in the database."""
    return int(settings.IMPORT_MAX_BYTES)


def size_text(size: int) -> str:
    """1.5 MB, 64 MB, 900 KB: for the form's help and its error."""
    if size >= 1024 * 1024:
        value, unit = size / (1024 * 1024), "MB"
    elif size >= 1024:
        value, unit = size / 1024, "KB"
    else:
        return f"{size} bytes"
    return f"{value:.1f}".removesuffix(".0") + f" {unit}"


class ImportUploadForm(forms.Form):
    file = forms.FileField(label="File")
    format = forms.ChoiceField(label="Format", required=False)
    fetch_images = forms.BooleanField(
        label="Fetch images",
        required=False,
        initial=True,
        help_text="Download the images the file links to after the import. An image that "
        "cannot be reached leaves its product imported, with the image pending to try again.",
    )

    def __init__(self, *args: Any, formats: list[str], **kwargs: Any) -> None:
        """`formats`: the ones this staff member may import (their areas' formats)."""
        super().__init__(*args, **kwargs)
        format_field = self.fields["format"]
        assert isinstance(format_field, forms.ChoiceField)
        format_field.choices = [(DETECT, "Detect automatically")] + [
            (code, FORMAT_LABELS[code]) for code in FORMAT_LABELS if code in formats
        ]
        if not any(FORMAT_AREAS[code] == "products" for code in formats):
            del self.fields["fetch_images"]  # customers only: no images to fetch
        self.fields["file"].help_text = (
            "A CSV file exported from Shopify or WooCommerce, or Amazon's tab-separated "
            f"All Listings Report; at most {size_text(upload_max_bytes())}. Nothing is "
            "imported before you have seen the preview and confirmed it."
        )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        limit = upload_max_bytes()
        if upload.size > limit:
            raise forms.ValidationError(
                f"The file is {size_text(upload.size)}; at most {size_text(limit)} can be "
                "imported at once. Split it into smaller files."
            )
        data = bytes(upload.read())
        if not data.strip():
            raise forms.ValidationError("The file is empty.")
        return data

    def clean_format(self) -> str | None:
        return self.cleaned_data.get("format") or None
