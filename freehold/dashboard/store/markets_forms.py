"""Forms of the markets screens: they check the shape of the input and name the field at fault.

`markets.services.market_save` checks the business rules again (a country in two markets, the
increment of increment rounding, the default market staying active), so these forms are the
friendly first line, not the only one.
"""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from django import forms
from django.conf import settings

from freehold.core.money import is_currency_code, minor_unit_exponent
from freehold.markets.countries import is_country_code, normalise_country_code
from freehold.markets.models import Market

UPLOAD_MAX_BYTES = 10 * 1024 * 1024  # the ECB's whole history since 1999 is about 7 MB


def language_choices() -> list[tuple[str, str]]:
    return [(code, f"{name} ({code})") for code, name in settings.LANGUAGES]


def split_codes(text: str) -> list[str]:
    """Codes typed with commas, semicolons, spaces or new lines between them."""
    return [code for code in re.split(r"[\s,;]+", text or "") if code]


class MarketForm(forms.ModelForm):
    """A market: its countries typed as codes, its languages ticked, one of them the default."""

    countries_text = forms.CharField(
        required=False,
        label="Countries",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Two-letter codes separated by commas or spaces, such as DE, FR, IT. The "
        "first is the market's main country (its sample prices and default URL use it).",
    )
    languages = forms.MultipleChoiceField(
        choices=language_choices,
        widget=forms.CheckboxSelectMultiple,
        label="Languages",
        help_text="The storefront languages this market is offered in.",
    )
    default_language = forms.ChoiceField(
        choices=language_choices,
        label="Default language",
        help_text="What a shopper of this market sees first; it must be one of the ticked.",
    )

    class Meta:
        model = Market
        fields = [
            "name",
            "code",
            "is_rest_of_world",
            "currency",
            "prices_include_tax",
            "pricing_mode",
            "price_adjustment_percent",
            "rounding",
            "rounding_increment",
            "duties_mode",
            "is_active",
            "position",
        ]
        labels = {
            "code": "Code",
            "is_rest_of_world": "Rest of the world",
            "prices_include_tax": "Prices include tax",
            "price_adjustment_percent": "Price adjustment (%)",
            "rounding": "Rounding",
            "rounding_increment": "Rounding increment",
            "duties_mode": "Duties and import taxes",
            "is_active": "Active",
        }
        help_texts = {
            "code": 'Short and stable, such as "eu" or "us": it names the market in orders '
            "and reports.",
            "currency": "ISO 4217 code, such as EUR, GBP, JPY. Prices are converted from the "
            "store's currency with the day's ECB rate.",
            "pricing_mode": "Fixed: set each variant's price on the market's Fixed prices page "
            "(variants without one are converted).",
            "rounding_increment": "For “multiple of the increment”: 10 rounds up to the next "
            "10 yen.",
        }
        widgets = {"currency": forms.TextInput(attrs={"size": 4, "autocapitalize": "characters"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        market: Market = self.instance
        if not self.is_bound:
            self.initial["countries_text"] = ", ".join(market.countries or [])
            languages = list(market.languages or []) or [settings.LANGUAGE_CODE]
            self.initial["languages"] = languages
            self.initial["default_language"] = languages[0]

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"] or "").strip().lower()

    def clean_currency(self) -> str:
        currency = str(self.cleaned_data["currency"] or "").strip().upper()
        if not is_currency_code(currency):
            raise forms.ValidationError(f"{currency or 'This'} is not an ISO 4217 currency code.")
        return currency

    def clean_countries_text(self) -> list[str]:
        codes = [
            normalise_country_code(code)
            for code in split_codes(self.cleaned_data["countries_text"])
        ]
        unknown = [code for code in codes if not is_country_code(code)]
        if unknown:
            raise forms.ValidationError(f"Not a country code: {', '.join(unknown)}.")
        return list(dict.fromkeys(codes))

    def clean(self) -> dict[str, Any]:
        """Cross-field checks, then the typed lists copied onto the market (before the model's
        own checks, which run after this)."""
        super().clean()
        data = self.cleaned_data
        languages = data.get("languages")
        default = data.get("default_language")
        if languages and default and default not in languages:
            self.add_error("default_language", "Tick the default language among the languages.")
        countries = data.get("countries_text")
        if countries == [] and not data.get("is_rest_of_world"):
            self.add_error(
                "countries_text",
                "List at least one country, or make this the rest of the world.",
            )
        if data.get("rounding") == Market.Rounding.INCREMENT and not data.get("rounding_increment"):
            self.add_error("rounding_increment", "Give the increment to round up to.")
        if isinstance(data.get("countries_text"), list):
            self.instance.countries = data["countries_text"]
        languages = data.get("languages")
        if languages:
            default = data.get("default_language") or languages[0]
            ordered = [default] + [code for code in languages if code != default]
            self.instance.languages = list(dict.fromkeys(ordered))
        return data

    def validate_unique(self) -> None:
        """The service names a taken code (and a second rest of the world), not the form."""


class FxUploadForm(forms.Form):
    file = forms.FileField(
        label="eurofxref XML file",
        help_text="The ECB's eurofxref-daily.xml, eurofxref-hist-90d.xml or eurofxref-hist.xml.",
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        if upload.size > UPLOAD_MAX_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB.")
        return bytes(upload.read())


def parse_amount(raw: str, currency: str = "") -> Decimal | None:
    """A typed price: empty means none; "12,50" is read as 12.50; no finer than `currency`'s
    minor unit (no yen cents). Raises ValueError saying what is wrong."""
    text = (raw or "").strip().replace(" ", "")
    if not text:
        return None
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("must be a number") from None
    if not value.is_finite():
        raise ValueError("must be a number")
    if value < 0:
        raise ValueError("cannot be negative")
    if value.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ValueError("has more than 4 decimals")
    if value >= Decimal(10) ** 14:
        raise ValueError("is too large")
    if currency and value != value.quantize(minor_unit_exponent(currency), rounding=ROUND_DOWN):
        places = -minor_unit_exponent(currency).as_tuple().exponent  # type: ignore[operator]
        raise ValueError(f"has more decimals than {currency} allows ({places})")
    return value
