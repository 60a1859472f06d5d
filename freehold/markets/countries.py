"""Which country codes a merchant may use: ISO 3166-1 alpha-2, from Babel's territory list.

Babel (already a dependency) names every CLDR territory; its keys also hold UN M.49 regions
("150"), groupings (EU, EZ, UN, QO), pseudo-locales (XA, XB), "unknown" (ZZ) and codes that ISO
only reserves (AC, CP, CQ, DG, EA, IC, TA). None of those is a shipping destination, so they
are left out. Kosovo (XK) stays: it is user-assigned, not ISO, but carriers and address forms
use it.
"""

from __future__ import annotations

from functools import cache

from babel import Locale

_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})
_ONLY_RESERVED = frozenset({"AC", "CP", "CQ", "DG", "EA", "IC", "TA"})


@cache
def country_codes() -> frozenset[str]:
    territories = Locale("en").territories
    return frozenset(
        code
        for code in territories
        if isinstance(code, str)
        and len(code) == 2
        and code.isalpha()
        and code not in _NOT_COUNTRIES
        and code not in _ONLY_RESERVED
    )


def normalise_country_code(code: str) -> str:
    """The stored form: no surrounding spaces, upper case ("de " -> "DE")."""
    return code.strip().upper()


def is_country_code(code: str) -> bool:
    return code in country_codes()
