from __future__ import annotations

from django.core.exceptions import ValidationError
from stdnum import ean


def validate_gtin(value: str) -> None:
    """GTIN-8, UPC-A (GTIN-12), EAN-13 or GTIN-14 with a correct check digit."""
    if not value:
        return
    compact = value.replace(" ", "").replace("-", "")
    if not compact.isdigit() or len(compact) not in (8, 12, 13, 14):
        raise ValidationError(
            "A barcode (GTIN) has 8, 12, 13 or 14 digits; got %(value)s.",
            code="gtin_length",
            params={"value": value},
        )
    if not ean.is_valid(compact):
        raise ValidationError(
            "The barcode %(value)s has a wrong check digit.",
            code="gtin_check_digit",
            params={"value": value},
        )
