"""The Jinja2 environment of the storefront theme: the globals and filters templates use.

Templates (built-in or a merchant's override) get: `url()`, `static()`, `money()`, `image()`,
`store()` (the StoreSettings row), `menu(handle)`, `chrome()`, `absolute_url(path)`,
`social_links()` and the `json_data` filter for JSON inside <script> elements.

Translation: Jinja's i18n extension with Django's gettext, newstyle, so `{{ _("Hello %(name)s",
name=x) }}` translates into the active language and still escapes `x`; `{% trans %}` blocks
work too. `money()`, `format_date()`, `format_number()` and country names follow the active
language (`active_language()`), so one URL (one language) always renders the same page.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import translation
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from freehold.core import clock
from freehold.core.money import Money
from freehold.storefront import selectors
from freehold.storefront.models import StoreSettings

DEFAULT_LOCALE = "en"
I18N_EXTENSION = "jinja2.ext.i18n"
_PLACEHOLDER_SVG = (
    '<svg viewBox="0 0 24 24" width="48" height="48" aria-hidden="true" focusable="false">'
    '<path fill="none" stroke="currentColor" stroke-width="1.2" d="M3 5h18v14H3zM3 16l5-5 4 4 3-3 '
    '6 6M15.5 9.5a1.5 1.5 0 1 0 0-.01"/></svg>'
)


# --- Request-bound helpers ------------------------------------------------------------------


def _request(context: Context) -> HttpRequest | None:
    request = context.get("request")
    return request if isinstance(request, HttpRequest) else None


@pass_context
def chrome(context: Context) -> selectors.Chrome:
    return selectors.chrome(_request(context))


@pass_context
def store(context: Context) -> StoreSettings:
    return selectors.chrome(_request(context)).settings


@pass_context
def menu(context: Context, handle: str) -> list[Any]:
    return selectors.chrome(_request(context)).menu(handle)


@pass_context
def social_links(context: Context) -> list[selectors.SocialLink]:
    return selectors.chrome(_request(context)).social_links


@lru_cache(maxsize=512)
def country_name(code: str, language: str = DEFAULT_LOCALE) -> str:
    """'DE' as 'Germany' (or 'Deutschland' in German); unknown codes as given."""
    try:
        return str(Locale.parse(babel_locale(language)).territories.get(code.upper(), code))
    except (UnknownLocaleError, ValueError, AttributeError):
        return code


@pass_context
def business_address(context: Context) -> list[str]:
    """The store's postal address, one line each, with the country spelt out."""
    settings = selectors.chrome(_request(context)).settings
    lines = [line for line in settings.address_lines if line != settings.country_code]
    if settings.country_code:
        lines.append(country_name(settings.country_code, active_language(_request(context))))
    return lines


def absolute_url_for(request: HttpRequest | None, path: str) -> str:
    """An absolute URL on this store: FREEHOLD_SITE_URL if set, else the request's host."""
    if path.startswith(("http://", "https://")):
        return path
    if settings.SITE_URL or request is None:
        return f"{settings.SITE_URL}{path}"
    return request.build_absolute_uri(path)


@pass_context
def absolute_url(context: Context, path: str) -> str:
    return absolute_url_for(_request(context), path)


@pass_context
def theme_css_url(context: Context) -> str:
    """/theme.css versioned by the settings' last change, so browsers may keep it a year."""
    request = _request(context)
    version = selectors.theme_version(selectors.chrome(request).settings)
    path = reverse("theme-css")
    market_prefix = getattr(request, "market_prefix", "")
    if market_prefix:  # /theme.css never carries a market prefix (resolution.UNPREFIXED_PATHS)
        path = path.replace(f"/{market_prefix}/", "/", 1)
    return f"{path}?v={version}"


def current_year() -> int:
    return clock.now().year


# --- Money, numbers, dates: in the active language ------------------------------------------


@lru_cache(maxsize=32)
def babel_locale(language: str) -> str:
    """A Babel locale name for a store language such as 'de', 'de-AT', 'pt_BR' or 'zh-hans'."""
    try:
        return str(Locale.parse((language or DEFAULT_LOCALE).replace("-", "_")))
    except (UnknownLocaleError, ValueError, TypeError):
        return DEFAULT_LOCALE


def active_language(request: HttpRequest | None = None) -> str:
    """The language this page is written in: the active translation, else the store's, else en.

    The market middleware activates the language of the URL (`/de-de/...`); a request it did
    not mark (no `request.market`: a store without markets) that still runs in the default
    language keeps the store's own language for numbers and money, as before markets existed.
    """
    language = translation.get_language() or ""
    if language and (
        language != settings.LANGUAGE_CODE or getattr(request, "market", None) is not None
    ):
        return language
    if request is not None:
        store_language = selectors.chrome(request).settings.language
        if store_language:
            return store_language
    return language or DEFAULT_LOCALE


def format_money(value: Money | Decimal | None, currency: str = "", *, language: str = "") -> str:
    """An amount for people reading `language` (default: the active language)."""
    if value is None:
        return ""
    if not isinstance(value, Money):
        value = Money(Decimal(value), currency)
    return value.format(babel_locale(language or translation.get_language() or DEFAULT_LOCALE))


@pass_context
def money(context: Context, value: Money | Decimal | None, currency: str = "") -> str:
    return format_money(value, currency, language=active_language(_request(context)))


def format_date_for(
    value: dt.date | dt.datetime | None, format: str = "medium", *, language: str
) -> str:
    """A date (or a moment's day, in the store's time zone) as `language` writes it."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_time_zone())
        value = value.date()
    return babel_format_date(value, format, locale=babel_locale(language))


def format_number_for(value: Any, *, language: str) -> str:
    """A number with the grouping and decimal marks of `language`: 1,234.5 / 1.234,5."""
    if value is None or value == "":
        return ""
    return format_decimal(value, locale=babel_locale(language))


def _time_zone() -> dt.tzinfo:
    return ZoneInfo(settings.TIME_ZONE)


@pass_context
def format_date(
    context: Context, value: dt.date | dt.datetime | None, format: str = "medium"
) -> str:
    """`{{ format_date(order.placed_at) }}`: "12 Mar 2026", "12.03.2026", "2026/03/12"..."""
    return format_date_for(value, format, language=active_language(_request(context)))


@pass_context
def time_tag(
    context: Context, value: dt.date | dt.datetime | None, format: str = "medium"
) -> Markup:
    """`<time datetime="2026-03-12T…">12 Mar 2026</time>`: machine and reader both served."""
    if value is None:
        return Markup("")
    return Markup('<time datetime="{}">{}</time>').format(
        value.isoformat(),
        format_date_for(value, format, language=active_language(_request(context))),
    )


@pass_context
def html_lang(context: Context) -> str:
    """The page's `lang` attribute in BCP 47: "de", "ja", "zh-Hans"."""
    return babel_locale(active_language(_request(context))).replace("_", "-")


@pass_context
def format_number(context: Context, value: Any) -> str:
    return format_number_for(value, language=active_language(_request(context)))


@pass_context
def country(context: Context, code: str) -> str:
    """A country code as the active language names it: 'DE' → 'Germany', 'Allemagne'..."""
    return country_name(code, active_language(_request(context)))


# --- Images ---------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def media_url(path: str) -> str:
    return settings.MEDIA_URL + quote(path)


def _renditions(img: Any) -> list[tuple[int, dict[str, str]]]:
    raw = getattr(img, "renditions", None) or {}
    items: list[tuple[int, dict[str, str]]] = []
    if isinstance(raw, Mapping):
        for key, files in raw.items():
            if str(key).isdigit() and isinstance(files, Mapping):
                items.append((int(key), {str(k): str(v) for k, v in files.items() if v}))
    return sorted(items)


def _jpeg(files: Mapping[str, str]) -> str | None:
    return files.get("jpeg") or files.get("jpg")


def _dimensions(img: Any) -> tuple[int, int]:
    width, height = int(getattr(img, "width", 0) or 0), int(getattr(img, "height", 0) or 0)
    return (width, height) if width and height else (1, 1)


def image_sources(img: Any, widths: Sequence[int] | None = None) -> dict[str, Any] | None:
    """URLs, srcsets and size of an image: renditions if generated, else the original file."""
    if img is None or not getattr(img, "file", None):
        return None
    width, height = _dimensions(img)
    renditions = _renditions(img)
    if widths:
        chosen = [(w, f) for w, f in renditions if w in set(widths)]
        renditions = chosen or renditions
    jpegs = [(w, _jpeg(f)) for w, f in renditions if _jpeg(f)]
    webps = [(w, f["webp"]) for w, f in renditions if f.get("webp")]
    if jpegs:
        srcset = ", ".join(f"{media_url(path)} {w}w" for w, path in jpegs if path)
        # The fallback src: the rendition closest to 800 pixels wide.
        src = media_url(min(jpegs, key=lambda item: abs(item[0] - 800))[1] or "")
    else:
        src = img.file.url
        srcset = f"{src} {width}w" if width > 1 else f"{src} 1x"
    return {
        "src": src,
        "srcset": srcset,
        "webp": ", ".join(f"{media_url(path)} {w}w" for w, path in webps),
        "width": width,
        "height": height,
        "alt": getattr(img, "alt", "") or "",
    }


def image(
    img: Any,
    sizes: str = "100vw",
    widths: Sequence[int] | None = None,
    *,
    alt: str | None = None,
    loading: str = "lazy",
    priority: bool = False,
    css_class: str = "",
    element_id: str = "",
) -> Markup:
    """A responsive <picture>: WebP and JPEG srcsets, intrinsic width/height, lazy by default.

    `priority=True` is for the one image that is the page's largest paint (hero, main
    product image): eager and fetchpriority=high. No image gives a placeholder block.
    """
    sources = image_sources(img, widths)
    text = alt if alt is not None else (sources["alt"] if sources else "")
    if sources is None:
        # A decorative image (alt="") gives a decorative placeholder; else it is labelled.
        role = (
            Markup(' role="img" aria-label="{}"').format(text)
            if text
            else Markup(' aria-hidden="true"')
        )
        return Markup('<span class="placeholder{cls}"{id}{role}>{svg}</span>').format(
            cls=Markup(" " + escape(css_class)) if css_class else "",
            id=Markup(f' id="{escape(element_id)}"') if element_id else "",
            role=role,
            svg=Markup(_PLACEHOLDER_SVG),
        )
    attributes = {
        "src": sources["src"],
        "srcset": sources["srcset"],
        "sizes": sizes,
        "width": sources["width"],
        "height": sources["height"],
        "alt": text,
        "id": element_id,
        "class": css_class,
    }
    if priority:
        # The page's largest paint: fetched first and decoded with the page, not later.
        attributes.update(loading="eager", fetchpriority="high")
    else:
        attributes.update(loading=loading, decoding="async")
    img_tag = Markup("<img{}>").format(
        Markup("").join(
            Markup(' {}="{}"').format(name, value)
            for name, value in attributes.items()
            if value != "" or name == "alt"
        )
    )
    if not sources["webp"]:
        return img_tag
    return Markup('<picture><source type="image/webp" srcset="{}" sizes="{}">{}</picture>').format(
        sources["webp"], sizes, img_tag
    )


def social_image(img: Any) -> dict[str, Any] | None:
    """The image for Open Graph: a JPEG no wider than 1200 pixels, or the original."""
    if img is None or not getattr(img, "file", None):
        return None
    width, height = _dimensions(img)
    fitting = [(w, _jpeg(f)) for w, f in _renditions(img) if _jpeg(f) and w <= 1200]
    if fitting:
        chosen_width, path = fitting[-1]
        return {
            "url": media_url(path or ""),
            "width": chosen_width,
            "height": round(chosen_width * height / width),
        }
    return {"url": img.file.url, "width": width, "height": height}


# --- Links a merchant typed ----------------------------------------------------------------

SAFE_URL_PREFIXES = ("/", "#", "?", "https://", "http://", "mailto:", "tel:")


def safe_url(value: object) -> str:
    """A merchant-entered link, or '#' when it is not a path or an http(s)/mailto/tel URL.

    Menu items are validated on save, but announcement and hero links are free text: a
    `javascript:` URL must never reach an href, CSP or not.
    """
    url = str(value or "").strip()
    if url.startswith("//") or not url.lower().startswith(SAFE_URL_PREFIXES):
        return "#"
    return url


# --- JSON inside HTML -----------------------------------------------------------------------

_JSON_ESCAPES = {
    ord("<"): "\\u003c",
    ord(">"): "\\u003e",
    ord("&"): "\\u0026",
    0x2028: "\\u2028",
    0x2029: "\\u2029",
}


def json_data(value: Any) -> Markup:
    """JSON safe to place inside <script type="application/…json">: no `</script>` breakout."""
    return Markup(
        json.dumps(value, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_JSON_ESCAPES)
    )


_PLAIN_URLS: dict[tuple[str, str, Any, str], str] = {}


def url(name: str, *args: Any, **kwargs: Any) -> str:
    """`reverse()` for templates; a URL without arguments is reversed once per process.

    A page asks for the same dozen plain URLs (cart, checkout, account, search...) every time:
    the cache is keyed on everything `reverse()` reads besides the name (the script prefix, the
    request's and the settings' URLconf), so it answers what `reverse()` would.
    """
    if args or kwargs:
        return reverse(name, args=args or None, kwargs=kwargs or None)
    key = (name, get_script_prefix(), get_urlconf(), str(settings.ROOT_URLCONF))
    found = _PLAIN_URLS.get(key)
    if found is None:
        found = _PLAIN_URLS[key] = reverse(name)
    return found


def environment(**options: Any) -> Environment:
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    extensions = list(options.pop("extensions", ()))
    if I18N_EXTENSION not in extensions:
        extensions.append(I18N_EXTENSION)
    env = Environment(extensions=extensions, **options)
    # Django's own gettext: the active language (URL prefix, `translation.override`) decides.
    # Newstyle: `_()` escapes the values interpolated into a translation under autoescaping.
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(
        url=url,
        static=static,
        money=money,
        image=image,
        image_sources=image_sources,
        social_image=social_image,
        theme_css_url=theme_css_url,
        current_year=current_year,
        store=store,
        chrome=chrome,
        menu=menu,
        social_links=social_links,
        business_address=business_address,
        absolute_url=absolute_url,
        format_date=format_date,
        format_number=format_number,
        time_tag=time_tag,
        html_lang=html_lang,
        country_name=country,
    )
    # Prices, links and the selector of the shopper's market (imported here: markets
    # imports storefront's settings).
    from freehold.markets.templating import GLOBALS as MARKET_GLOBALS

    env.globals.update(MARKET_GLOBALS)
    from freehold.customers.consent_templating import GLOBALS as CONSENT_GLOBALS

    env.globals.update(CONSENT_GLOBALS)
    from freehold.marketplace.inform import TEMPLATE_GLOBALS as INFORM_GLOBALS

    env.globals.update(INFORM_GLOBALS)
    from freehold.marketplace.dsa import TEMPLATE_GLOBALS as DSA_GLOBALS

    env.globals.update(DSA_GLOBALS)
    from freehold.marketplace.vendor_templating import TEMPLATE_GLOBALS as VENDOR_GLOBALS

    env.globals.update(VENDOR_GLOBALS)
    env.filters.update(
        money=money,
        json_data=json_data,
        safe_url=safe_url,
        format_date=format_date,
        format_number=format_number,
    )
    return env
