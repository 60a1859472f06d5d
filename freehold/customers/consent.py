"""What a visitor has agreed to, read the same way everywhere (events, pixels, e-mail).

The banner's answer lives in a first-party cookie (`fh_consent`, set by the consent view) so
cached pages need no per-visitor HTML; every answer is also kept as `Consent` rows (the proof).
Rules (compliance-rules.md, section 3, and the ePrivacy Directive Art. 5(3)):

- In the EU/EEA, the UK and Switzerland, non-essential cookies and identifiers (the analytics
  visitor id, ad pixels) need consent first: nothing until the visitor says yes.
- Elsewhere they are allowed until the visitor says no.
- `Sec-GPC: 1` (Global Privacy Control) is an opt-out of sale and sharing (CCPA/CPRA): no
  ad-platform pixel, whatever the banner said; it is honoured without asking who sent it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

CONSENT_COOKIE = "fh_consent"
# Bumped when the banner's wording changes: answers to older wording are asked again.
WORDING_VERSION = "2026-11"
COOKIE_MAX_AGE = 60 * 60 * 24 * 365 // 2  # six months, then the banner asks again
# Prior consent needed for non-essential cookies: EU 27, EEA, United Kingdom, Switzerland.
CONSENT_REQUIRED_COUNTRIES = frozenset(
    [
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
        "IS",
        "LI",
        "NO",
        "GB",
        "CH",
    ]
)


@dataclass(frozen=True)
class ConsentState:
    analytics: bool | None  # None: not answered (yet, or to an older wording)
    marketing: bool | None
    sale_sharing_opt_out: bool  # the Do Not Sell or Share form, or GPC
    gpc: bool
    required: bool  # the visitor's country needs consent before any non-essential cookie

    @property
    def answered(self) -> bool:
        return self.analytics is not None

    @property
    def allows_analytics(self) -> bool:
        """May the first-party visitor id cookie be set and read?"""
        return bool(self.analytics) if self.analytics is not None else not self.required

    @property
    def allows_marketing(self) -> bool:
        """May ad platforms' pixels run (they share data: a "sale or sharing" under CCPA)?"""
        if self.gpc or self.sale_sharing_opt_out:
            return False
        return bool(self.marketing) if self.marketing is not None else not self.required


def parse_cookie(value: str) -> dict[str, str]:
    """`a=1&m=0&s=1&v=2026-11` -> {"a": "1", ...}; anything malformed reads as unanswered."""
    parts: dict[str, str] = {}
    for item in (value or "").split("&"):
        key, _, flag = item.partition("=")
        if key in {"a", "m", "s", "v"} and len(flag) <= 16:
            parts[key] = flag
    return parts


def cookie_value(*, analytics: bool, marketing: bool, sale_sharing_opt_out: bool) -> str:
    return (
        f"a={int(analytics)}&m={int(marketing)}&s={int(sale_sharing_opt_out)}&v={WORDING_VERSION}"
    )


def consent_required(country: str) -> bool:
    return country.upper() in CONSENT_REQUIRED_COUNTRIES


def consent_state(request: Any) -> ConsentState:
    """The visitor's consent for this request (cookie, GPC header, market country)."""
    parts = parse_cookie(request.COOKIES.get(CONSENT_COOKIE, ""))
    current = parts.get("v") == WORDING_VERSION
    country = str(getattr(request, "market_country", "") or "")
    gpc = request.headers.get("Sec-GPC", "").strip() == "1"

    def flag(key: str) -> bool | None:
        return parts[key] == "1" if current and key in parts else None

    return ConsentState(
        analytics=flag("a"),
        marketing=flag("m"),
        sale_sharing_opt_out=parts.get("s") == "1" or gpc,
        gpc=gpc,
        # Without a known country, ask: the safe reading of the law.
        required=consent_required(country) if country else True,
    )
