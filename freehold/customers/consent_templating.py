"""What the theme's templates need to know about consent (Jinja globals).

`consent_banner()` decides whether a page carries the consent banner at all. The decision
depends on the page's market country only, which is part of its URL, so a cached page is the
same for everyone who asks for that URL: the banner's markup is there but hidden, and
consent.js shows it when the visitor has not answered the current wording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jinja2 import pass_context
from jinja2.runtime import Context

from freehold.customers.consent import WORDING_VERSION, consent_required


@dataclass(frozen=True)
class BannerSettings:
    show: bool  # only where consent is required first; elsewhere the footer link is enough
    version: str


@pass_context
def consent_banner(context: Context) -> BannerSettings:
    from freehold.markets.middleware import market_of

    request: Any = context.get("request")
    country = market_of(request if hasattr(request, "COOKIES") else None).country
    # Without a known country, ask: the same safe reading as `consent_state`.
    return BannerSettings(
        show=consent_required(country) if country else True, version=WORDING_VERSION
    )


GLOBALS = {"consent_banner": consent_banner}
