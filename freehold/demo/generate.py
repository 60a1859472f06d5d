"""Pure, seeded generation of the demo catalog and customers: plain data, no database.

The same seed gives the same products, variants, prices and people on every machine
(`random.Random` with a string seed is stable across Python processes), so tests can compare
two runs without two databases, and `seed.py` only has to write what it is given.

Times are offsets into the past (`..._seconds_ago`), turned into dates when written, so the
data itself does not depend on the day it is generated.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import slugify
from stdnum.iso7064 import mod_11_10

from freehold.catalog.html import html_to_text, sanitise_html, truncate
from freehold.demo import brand
from freehold.demo.catalog_data import (
    BRAND,
    COLOURS,
    COUNTRY_NAMES,
    FEATURE_SENTENCES,
    MATERIALS,
    NAME_MODIFIERS,
    NAME_WORDS,
    PARTNER_BRANDS,
    PRODUCT_TYPES,
    MaterialChoice,
    ProductType,
    Style,
)
from freehold.demo.people_data import COUNTRIES, Country

DAY = 86_400
CATALOG_AGE_DAYS = 720
CUSTOMER_HISTORY_DAYS = 548  # 18 months
CENT = Decimal("0.01")
SIZE_WEIGHT_FACTORS = {"XS": 0.9, "S": 0.95, "M": 1.0, "L": 1.05, "XL": 1.1, "XXL": 1.16}


@dataclass(frozen=True)
class PricePoint:
    seconds_ago: int
    price: Decimal
    compare_at_price: Decimal | None


@dataclass(frozen=True)
class VariantSpec:
    sku: str
    barcode: str
    options: tuple[str, ...]
    price: Decimal
    compare_at_price: Decimal | None
    cost: Decimal
    weight_grams: int
    stock_quantity: int
    inventory_policy: str
    colour: str
    price_history: tuple[PricePoint, ...]

    @property
    def title(self) -> str:
        return " / ".join(self.options)

    @property
    def is_available(self) -> bool:
        """Same rule as `Variant.is_available` (every demo variant tracks its stock)."""
        return self.stock_quantity > 0 or self.inventory_policy == "continue"

    @property
    def is_on_sale(self) -> bool:
        return self.compare_at_price is not None and self.compare_at_price > self.price


@dataclass(frozen=True)
class ImageSpec:
    silhouette: str
    colour: str
    angle: str
    alt: str

    @property
    def key(self) -> str:
        """Names the shared picture: every product image with this key uses the same files."""
        return f"{self.silhouette}-{slugify(self.colour)}-{self.angle}"


@dataclass(frozen=True)
class ProductSpec:
    number: int
    handle: str
    title: str
    description_html: str
    product_type: str
    brand: str
    tags: tuple[str, ...]
    status: str
    options: tuple[tuple[str, tuple[str, ...]], ...]
    variants: tuple[VariantSpec, ...]
    images: tuple[ImageSpec, ...]
    seo_title: str
    seo_description: str
    hs_code: str
    country_of_origin: str
    created_seconds_ago: int


@dataclass(frozen=True)
class AddressSpec:
    first_name: str
    last_name: str
    company: str
    line1: str
    line2: str
    city: str
    city_area: str
    region: str
    postal_code: str
    country_code: str
    phone: str
    is_default: bool


@dataclass(frozen=True)
class CustomerSpec:
    email: str
    first_name: str
    last_name: str
    phone: str
    country_code: str
    language: str
    joined_seconds_ago: int
    addresses: tuple[AddressSpec, ...]


def gtin_check_digit(payload: str) -> str:
    """The GS1 check digit: weights 3 and 1 alternating from the rightmost payload digit."""
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1) for index, digit in enumerate(reversed(payload))
    )
    return str((10 - total % 10) % 10)


def gtin13(product_number: int, variant_number: int) -> str:
    """An EAN-13 in GS1's "restricted circulation" range (prefix 20 to 29).

    Valid for every checker, and never the number of a real product in a real shop.
    """
    payload = f"20{product_number:07d}{variant_number:03d}"
    return payload + gtin_check_digit(payload)


def german_vat_id(body: str) -> str:
    """DE + 8 digits + the ISO 7064 MOD 11,10 check digit."""
    return f"DE{body}{mod_11_10.calc_check_digit(body)}"


def ascii_name(value: str) -> str:
    """A name as it can appear in an e-mail address: 'Sørensen' -> 'sorensen'."""
    special = str.maketrans(
        {"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "ł": "l", "Ł": "L", "đ": "d", "'": ""}
    )
    decomposed = unicodedata.normalize("NFKD", value.translate(special))
    plain = "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c in " -"))
    return plain.lower().replace(" ", "").replace("-", "")


def _code(value: str) -> str:
    return "".join(c for c in value.upper() if c.isalnum()) or "X"


def _sku(
    product_type: ProductType, number: int, size: str, colour: str, material: MaterialChoice | None
) -> str:
    """NWKN00042-M-NAV-MER: type, product number, then a short code per option value."""
    parts = [f"NW{product_type.code}{number:05d}"]
    if size:
        parts.append(_code(size))
    parts.append(COLOURS[colour].code)
    if material:
        parts.append(_code(material.value)[:3])
    return "-".join(parts)


def _pattern(rng: random.Random, pattern: str) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return "".join(
        str(rng.randrange(10)) if c == "#" else rng.choice(letters) if c == "A" else c
        for c in pattern
    )


class CatalogGenerator:
    """Draws products one at a time; keeps the handles and titles it has used unique."""

    def __init__(self, seed: int):
        self.rng = random.Random(f"freehold-demo-{seed}-catalog")
        self.titles: set[str] = set()
        self.handles: set[str] = set()

    def products(self, count: int) -> Iterator[ProductSpec]:
        for number in range(1, count + 1):
            yield self.product(number)

    def _title(self, style: Style) -> str:
        rng = self.rng
        for _ in range(20):
            modifier = rng.choice(NAME_MODIFIERS)
            title = " ".join(
                part for part in (rng.choice(NAME_WORDS), modifier, style.noun) if part
            )
            if title not in self.titles:
                break
        edition = 2
        base = title
        while title in self.titles:
            title = f"{base} No. {edition}"
            edition += 1
        self.titles.add(title)
        return title

    def _handle(self, title: str) -> str:
        base = slugify(title)
        handle, number = base, 1
        while handle in self.handles:
            number += 1
            handle = f"{base}-{number}"
        self.handles.add(handle)
        return handle

    def product(self, number: int) -> ProductSpec:
        rng = self.rng
        product_type: ProductType = rng.choice(PRODUCT_TYPES)
        style: Style = rng.choice(product_type.styles)
        title = self._title(style)
        colours = rng.sample(
            product_type.palette, rng.choices((1, 2, 3, 4), weights=(20, 35, 30, 15))[0]
        )
        options: list[tuple[str, tuple[str, ...]]] = []
        sizes: tuple[str, ...] = ()
        if product_type.sizes and rng.random() < product_type.size_chance:
            sizes = product_type.sizes
            if len(sizes) > 4 and rng.random() < 0.35:
                sizes = sizes[1:-1] if rng.random() < 0.5 else sizes[:-1]
            options.append(("Size", sizes))
        options.append(("Colour", tuple(colours)))
        materials: tuple[MaterialChoice, ...] = ()
        if product_type.material_choices and rng.random() < 0.3:
            materials = product_type.material_choices
            options.append(("Material", tuple(choice.value for choice in materials)))

        created = rng.randrange(CATALOG_AGE_DAYS * DAY)
        status = rng.choices(("active", "draft", "archived"), weights=(92, 5, 3))[0]
        base_price = rng.choice(style.prices)
        on_sale = status == "active" and rng.random() < 0.15
        sale_colours = set(colours) if rng.random() < 0.7 else {colours[-1]}
        sale_factor = rng.choice((Decimal("0.7"), Decimal("0.75"), Decimal("0.8")))
        stock_profile = rng.choices(("normal", "low", "sold-out"), weights=(79, 15, 6))[0]
        continue_selling = rng.random() < 0.04
        raised = created > 120 * DAY and rng.random() < 0.1
        sale_started = rng.randrange(2 * DAY, 28 * DAY) if created > 30 * DAY else created
        earlier_promotion = created > 62 * DAY and rng.random() < 0.5
        cost_share = Decimal(rng.randrange(350, 501)) / 1000
        origin = rng.choice(product_type.origins)

        variants = []
        combinations = self._combinations(sizes, colours, materials)
        for index, (size, colour, material) in enumerate(combinations, start=1):
            regular = Decimal(base_price + (material.price_delta if material else 0))
            discounted = on_sale and colour in sale_colours
            price = (regular * sale_factor).quantize(Decimal(1)) if discounted else regular
            history = self._price_history(
                regular=regular,
                price=price,
                discounted=discounted,
                created=created,
                sale_started=sale_started,
                raised=raised,
                earlier_promotion=earlier_promotion,
            )
            weight = round(product_type.weight_grams * SIZE_WEIGHT_FACTORS.get(size, 1.0))
            values = tuple(
                value for value in (size, colour, material.value if material else "") if value
            )
            variants.append(
                VariantSpec(
                    sku=_sku(product_type, number, size, colour, material),
                    barcode=gtin13(number, index),
                    options=values,
                    price=price,
                    compare_at_price=regular if discounted else None,
                    cost=(regular * cost_share).quantize(CENT),
                    weight_grams=weight,
                    stock_quantity=self._stock(stock_profile, continue_selling),
                    inventory_policy="continue" if continue_selling else "deny",
                    colour=colour,
                    price_history=history,
                )
            )

        material_tags = {style.material} | {choice.tag for choice in materials}
        features = list(style.features)
        gift = base_price < 60 and rng.random() < 0.25
        tags = sorted(
            {style.season, *material_tags, *features} | ({"gift-idea"} if gift else set())
        )
        description = self._description(title, product_type, style, materials, features, origin)
        intro = html_to_text(description.split("</p>", 1)[0])
        images = [
            ImageSpec(
                style.silhouette,
                colours[0],
                "front",
                f"{title} in {colours[0].lower()}, front view",
            )
        ]
        images.append(
            ImageSpec(
                style.silhouette, colours[0], "back", f"{title} in {colours[0].lower()}, back view"
            )
        )
        images += [
            ImageSpec(style.silhouette, colour, "front", f"{title} in {colour.lower()}, front view")
            for colour in colours[1:3]
        ]
        return ProductSpec(
            number=number,
            handle=self._handle(title),
            title=title,
            description_html=description,
            product_type=product_type.name,
            brand=BRAND if rng.random() < 0.9 else rng.choice(PARTNER_BRANDS),
            tags=tuple(tags),
            status=status,
            options=tuple(options),
            variants=tuple(variants),
            images=tuple(images),
            seo_title=f"{title} · {brand.STORE_NAME}",
            seo_description=truncate(intro, 155),
            hs_code=product_type.hs_code,
            country_of_origin=origin,
            created_seconds_ago=created,
        )

    @staticmethod
    def _combinations(
        sizes: Sequence[str], colours: Sequence[str], materials: Sequence[MaterialChoice]
    ) -> list[tuple[str, str, MaterialChoice | None]]:
        """Variants in the order a shopper reads the options: size, then colour, then material."""
        return [
            (size, colour, material)
            for size in (sizes or ("",))
            for colour in colours
            for material in (materials or (None,))
        ]

    def _stock(self, profile: str, continue_selling: bool) -> int:
        rng = self.rng
        if profile == "sold-out" or (continue_selling and rng.random() < 0.6):
            return 0
        if profile == "low":
            return rng.choice((0, 1, 1, 2, 3))
        return 0 if rng.random() < 0.08 else rng.randrange(1, 80)

    def _price_history(
        self,
        *,
        regular: Decimal,
        price: Decimal,
        discounted: bool,
        created: int,
        sale_started: int,
        raised: bool,
        earlier_promotion: bool,
    ) -> tuple[PricePoint, ...]:
        """Every price the variant had, oldest first; the last one is its price now.

        Sale items get a history worth showing the EU rule on: sometimes a short promotion
        50-odd days ago, then the reduction within the last four weeks.
        """
        first = (regular * Decimal("0.9")).quantize(Decimal(1)) if raised else regular
        if discounted and sale_started == created:
            return (PricePoint(created, price, regular),)
        history = [PricePoint(created, first, None)]
        if raised:
            history.append(PricePoint(min(created - DAY, 90 * DAY), regular, None))
        if discounted:
            if earlier_promotion:
                promotion = (regular * Decimal("0.85")).quantize(Decimal(1))
                history.append(PricePoint(56 * DAY, promotion, regular))
                history.append(PricePoint(49 * DAY, regular, None))
            history.append(PricePoint(sale_started, price, regular))
        return tuple(history)

    def _description(
        self,
        title: str,
        product_type: ProductType,
        style: Style,
        materials: Sequence[MaterialChoice],
        features: Sequence[str],
        origin: str,
    ) -> str:
        rng = self.rng
        material = MATERIALS[style.material]
        intro = rng.choice(product_type.intros).format(title=title, material=material.text.lower())
        sentences = " ".join(
            FEATURE_SENTENCES[feature] for feature in features if feature in FEATURE_SENTENCES
        )
        bullets = [f"<li><strong>Material:</strong> {material.text}</li>"]
        if materials:
            choices = ", ".join(choice.value.lower() for choice in materials)
            bullets.append(f"<li><strong>Choose from:</strong> {choices}</li>")
        if product_type.fit:
            bullets.append(f"<li><strong>Fit:</strong> {rng.choice(product_type.fit)}</li>")
        if product_type.detail:
            detail = product_type.detail.format(
                capacity=rng.choice((12, 18, 20, 24, 28, 32)),
                width=rng.choice((30, 45, 60)),
                length=rng.choice((160, 180, 200)),
            )
            bullets.append(f"<li>{detail}</li>")
        bullets.append(f"<li><strong>Care:</strong> {material.care}</li>")
        bullets.append(f"<li><strong>Made in</strong> {COUNTRY_NAMES[origin]}</li>")
        html = f"<p>{intro} {sentences}</p><ul>{''.join(bullets)}</ul>"
        return sanitise_html(html)


def generate_products(*, count: int, seed: int) -> Iterator[ProductSpec]:
    return CatalogGenerator(seed).products(count)


def _address(
    rng: random.Random, country: Country, first: str, last: str, *, phone: str, is_default: bool
) -> AddressSpec:
    city = rng.choice(country.cities)
    street = rng.choice(country.streets)
    number = rng.randrange(1, 180)
    city_area = ""
    if country.code == "JP":
        # Japanese addresses: district (city_area) and chōme-block-house numbers.
        city_area = street
        line1 = f"{rng.randrange(1, 6)}-{rng.randrange(1, 30)}-{rng.randrange(1, 20)}"
    elif country.number_first:
        line1 = f"{number} {street}"
    else:
        line1 = f"{street} {number}"
    line2 = ""
    if country.unit_prefix and rng.random() < 0.35:
        line2 = f"{country.unit_prefix}{rng.randrange(1, 40)}"
    return AddressSpec(
        first_name=first,
        last_name=last,
        company="",
        line1=line1,
        line2=line2,
        city=city.name,
        city_area=city_area,
        region=city.region,
        postal_code=_pattern(rng, city.postal_pattern),
        country_code=country.code,
        phone=phone,
        is_default=is_default,
    )


def generate_customers(*, count: int, seed: int) -> Iterator[CustomerSpec]:
    """Customers from 28 countries, weighted towards the brand's German home market.

    The first customers take one country each, so even a small demo shows an international
    customer base; sign-ups grow over the 18 months (more recent ones are more frequent).
    """
    rng = random.Random(f"freehold-demo-{seed}-customers")
    weights = [country.weight for country in COUNTRIES]
    for number in range(1, count + 1):
        country = (
            COUNTRIES[number - 1]
            if number <= len(COUNTRIES)
            else rng.choices(COUNTRIES, weights)[0]
        )
        first, last = rng.choice(country.given_names), rng.choice(country.family_names)
        phone = _pattern(rng, country.phone_pattern) if rng.random() < 0.7 else ""
        addresses = [_address(rng, country, first, last, phone=phone, is_default=True)]
        if rng.random() < 0.2:
            addresses.append(_address(rng, country, first, last, phone=phone, is_default=False))
        joined = round(CUSTOMER_HISTORY_DAYS * DAY * (1 - rng.random() ** 0.7))
        yield CustomerSpec(
            email=f"{ascii_name(first)}.{ascii_name(last)}.{number}@example.com",
            first_name=first,
            last_name=last,
            phone=phone,
            country_code=country.code,
            language=country.language,
            joined_seconds_ago=joined,
            addresses=tuple(addresses),
        )
