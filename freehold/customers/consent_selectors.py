"""Reading a customer's consent records: the current answer per purpose and the history.

The current answer for a purpose is its latest row (`Consent` orders newest first). Purposes
never answered have no row: the dashboard shows them as "not asked", which for e-mail means
no marketing (opt-in) and for the others whatever the visitor's browser says.
"""

from __future__ import annotations

from dataclasses import dataclass

from freehold.customers.models import Consent, Customer

HISTORY_ROWS = 50


@dataclass(frozen=True)
class PurposeState:
    purpose: str
    label: str
    latest: Consent | None

    @property
    def granted(self) -> bool | None:
        return None if self.latest is None else self.latest.granted


@dataclass(frozen=True)
class ConsentOverview:
    current: list[PurposeState]
    history: list[Consent]
    total: int


def consent_overview(customer: Customer, *, limit: int = HISTORY_ROWS) -> ConsentOverview:
    """Every purpose's current state and the latest `limit` rows, in two queries.

    The current states come from the history when it holds every purpose; a customer with
    more rows than `limit` gets one more query per purpose missing from it (rare: a purpose
    answered long ago and never since).
    """
    rows = list(
        Consent.objects.filter(customer=customer).order_by("-recorded_at", "-id")[: limit + 1]
    )
    history = rows[:limit]
    latest: dict[str, Consent] = {}
    for row in rows:
        latest.setdefault(row.purpose, row)
    total = len(rows)
    if len(rows) > limit:
        total = Consent.objects.filter(customer=customer).count()
        for purpose in Consent.Purpose.values:
            if purpose not in latest:
                found = (
                    Consent.objects.filter(customer=customer, purpose=purpose)
                    .order_by("-recorded_at", "-id")
                    .first()
                )
                if found is not None:
                    latest[purpose] = found
    current = [
        PurposeState(purpose=value, label=str(label), latest=latest.get(value))
        for value, label in Consent.Purpose.choices
    ]
    return ConsentOverview(current=current, history=history, total=total)
