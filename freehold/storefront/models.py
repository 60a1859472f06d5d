"""The brand: settings a merchant edits without code, menus and content pages."""

from __future__ import annotations

import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from freehold.catalog.models import Collection, MediaImage
from freehold.core import clock
from freehold.markets.links import market_path

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
hex_colour = RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use a colour such as #1a2b3c.")

# Font stacks installed on the shopper's device: no web-font download, no third-party host.
FONT_STACKS = {
    "system": 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    "humanist": (
        'Seravek, "Gill Sans Nova", Ubuntu, Calibri, "DejaVu Sans", source-sans-pro, sans-serif'
    ),
    "geometric": 'Avenir, Montserrat, Corbel, "URW Gothic", source-sans-pro, sans-serif',
    "classical": 'Optima, Candara, "Noto Sans", source-sans-pro, sans-serif',
    "transitional": 'Charter, "Bitstream Charter", "Sitka Text", Cambria, serif',
    "old-style": '"Iowan Old Style", "Palatino Linotype", "URW Palladio L", P052, serif',
    "didone": 'Didot, "Bodoni MT", "Noto Serif Display", "URW Palladio L", P052, Sylfaen, serif',
    "monospace": 'ui-monospace, "Cascadia Code", "Source Code Pro", Menlo, Consolas, monospace',
}
FONT_CHOICES = [(key, key.replace("-", " ").title()) for key in FONT_STACKS]


def relative_luminance(hex_value: str) -> float:
    channels = [int(hex_value[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio between two #rrggbb colours (1 to 21)."""
    a, b = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (a + 0.05) / (b + 0.05)


class StoreSettings(models.Model):
    """One row (pk=1): the store's identity, look and home page."""

    name = models.CharField(max_length=255, default="Freehold Store")
    tagline = models.CharField(max_length=255, blank=True)
    currency = models.CharField(max_length=3, default="USD", help_text="Base currency (ISO 4217)")
    # One sales tax for every order until markets bring tax by destination (the cross-border
    # issue): enough for a store selling at home, such as German VAT included in prices.
    tax_label = models.CharField(max_length=32, default="VAT", blank=True)
    tax_rate_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="19 for 19 %. 0 charges no tax.",
    )
    prices_include_tax = models.BooleanField(
        default=True,
        help_text="On: catalog prices already contain the tax (EU, UK). Off: tax is added at "
        "checkout (US, Canada).",
    )
    language = models.CharField(max_length=16, default="en")

    # Business identity (EU e-Commerce Directive Art. 5; shown on Contact and Imprint).
    legal_name = models.CharField(max_length=255, blank=True)
    legal_form = models.CharField(max_length=128, blank=True)
    representatives = models.CharField(max_length=255, blank=True)
    address_line1 = models.CharField(max_length=255, blank=True)
    address_line2 = models.CharField(max_length=255, blank=True)
    postal_code = models.CharField(max_length=32, blank=True)
    city = models.CharField(max_length=255, blank=True)
    region = models.CharField(max_length=255, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    register_name = models.CharField(
        max_length=255, blank=True, help_text="e.g. Amtsgericht Berlin"
    )
    register_number = models.CharField(max_length=64, blank=True)
    vat_id = models.CharField(max_length=32, blank=True)

    # Look.
    logo = models.ForeignKey(
        MediaImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    color_primary = models.CharField(max_length=7, default="#1f3a5f", validators=[hex_colour])
    color_accent = models.CharField(max_length=7, default="#b4442c", validators=[hex_colour])
    color_background = models.CharField(max_length=7, default="#ffffff", validators=[hex_colour])
    color_text = models.CharField(max_length=7, default="#1b1b1b", validators=[hex_colour])
    font_heading = models.CharField(max_length=16, choices=FONT_CHOICES, default="transitional")
    font_body = models.CharField(max_length=16, choices=FONT_CHOICES, default="system")

    # Home page.
    announcement_enabled = models.BooleanField(default=False)
    announcement_text = models.CharField(max_length=255, blank=True)
    announcement_url = models.CharField(max_length=512, blank=True)
    hero_title = models.CharField(max_length=255, blank=True)
    hero_subtitle = models.CharField(max_length=512, blank=True)
    hero_cta_label = models.CharField(max_length=64, blank=True)
    hero_cta_url = models.CharField(max_length=512, blank=True)
    hero_image = models.ForeignKey(
        MediaImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    featured_collections = models.ManyToManyField(
        Collection, through="FeaturedCollection", blank=True, related_name="+"
    )
    featured_products_per_collection = models.PositiveSmallIntegerField(default=4)

    # Search engines and social networks.
    seo_title = models.CharField(max_length=255, blank=True)
    seo_description = models.CharField(max_length=512, blank=True)
    social_image = models.ForeignKey(
        MediaImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    twitter_handle = models.CharField(max_length=64, blank=True)
    instagram_url = models.URLField(blank=True)
    facebook_url = models.URLField(blank=True)
    tiktok_url = models.URLField(blank=True)

    # After-sales: how long after delivery a customer may ask to return goods (a store policy,
    # separate from the EU 14-day withdrawal right, which is fixed by law).
    return_window_days = models.PositiveSmallIntegerField(
        default=30, help_text="Days after delivery in which customers may request a return."
    )
    # Inventory: a tracked variant whose stock falls to this many units or fewer is "low"
    # (dashboard badge, `inventory.low` webhook).
    low_stock_threshold = models.PositiveIntegerField(
        default=5, help_text="Stock at or below which a variant counts as running low."
    )

    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        verbose_name = "store settings"
        verbose_name_plural = "store settings"

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        for field in ("color_text", "color_primary"):
            value = getattr(self, field)
            if HEX_COLOUR.match(value) and HEX_COLOUR.match(self.color_background):
                ratio = contrast_ratio(value, self.color_background)
                if ratio < 4.5:
                    errors[field] = (
                        f"Contrast with the background is {ratio:.1f}:1; readable text needs 4.5:1."
                    )
        if errors:
            raise ValidationError(errors)

    @property
    def address_lines(self) -> list[str]:
        locality = " ".join(p for p in (self.postal_code, self.city) if p)
        return [
            line
            for line in (
                self.address_line1,
                self.address_line2,
                locality,
                self.region,
                self.country_code,
            )
            if line
        ]


class FeaturedCollection(models.Model):
    settings = models.ForeignKey(StoreSettings, on_delete=models.CASCADE)
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Menu(models.Model):
    handle = models.SlugField(unique=True, help_text="'main' is the header, 'footer' the footer.")
    title = models.CharField(max_length=255)

    def __str__(self) -> str:
        return self.title


class MenuItem(models.Model):
    menu = models.ForeignKey(Menu, on_delete=models.CASCADE, related_name="items")
    title = models.CharField(max_length=255)
    url = models.CharField(
        max_length=512, help_text="A path such as /collections/new or a full URL."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if not (
            self.url.startswith("/") or self.url.startswith(("https://", "http://", "mailto:"))
        ):
            raise ValidationError({"url": "Use a path starting with / or a full http(s) URL."})


class Page(models.Model):
    """About, Shipping, Returns…: content pages at /pages/<handle>."""

    class Template(models.TextChoices):
        CONTENT = "content", "Content"
        CONTACT = "contact", "Contact (shows the business identity)"

    handle = models.SlugField(max_length=255, unique=True)
    title = models.CharField(max_length=255)
    body_html = models.TextField(blank=True)
    template = models.CharField(max_length=16, choices=Template.choices, default=Template.CONTENT)
    is_published = models.BooleanField(default=True)
    seo_title = models.CharField(max_length=255, blank=True)
    seo_description = models.CharField(max_length=512, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return market_path(f"/pages/{self.handle}")


class PageTranslation(models.Model):
    """A content page in one language; an empty field shows the page's own content."""

    page = models.ForeignKey(Page, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=16)
    title = models.CharField(max_length=255, blank=True)
    body_html = models.TextField(blank=True)
    seo_title = models.CharField(max_length=255, blank=True)
    seo_description = models.CharField(max_length=512, blank=True)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["page", "language"], name="page_translation_unique")
        ]

    def __str__(self) -> str:
        return f"{self.page_id} [{self.language}]"


class MenuItemTranslation(models.Model):
    """A menu link's text in one language (the link itself is the same everywhere)."""

    item = models.ForeignKey(MenuItem, on_delete=models.CASCADE, related_name="translations")
    language = models.CharField(max_length=16)
    title = models.CharField(max_length=255)
    updated_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["item", "language"], name="menu_item_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.item_id} [{self.language}]"
