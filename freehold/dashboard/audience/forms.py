"""The segment editor's form: a name, match all/any, and numbered rule rows.

Rows are `rules-<n>-field`, `rules-<n>-relation`, `rules-<n>-value`; a row without a field is
an empty row and ignored. Without JavaScript the editor shows the saved rows and a few empty
ones ("Add a rule" shows more); with it, the relation list follows the chosen field.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from freehold.insights import scores, segments

EMPTY_ROWS = 2
MAX_ROWS = segments.MAX_RULES


@dataclass
class RuleRow:
    index: int
    field: str = ""
    relation: str = ""
    value: str = ""
    error: str = ""


@dataclass
class SegmentForm:
    name: str = ""
    match_all: bool = True
    rows: list[RuleRow] = field(default_factory=list)
    name_error: str = ""
    error: str = ""

    @property
    def rules(self) -> list[dict[str, str]]:
        return [
            {"field": row.field, "relation": row.relation, "value": row.value}
            for row in self.rows
            if row.field
        ]

    def pad(self, extra: int = EMPTY_ROWS) -> SegmentForm:
        """Add empty rows to fill in (up to the limit)."""
        for _ in range(extra):
            if len(self.rows) >= MAX_ROWS:
                break
            self.rows.append(RuleRow(index=len(self.rows)))
        return self

    def check(self) -> bool:
        """Put each bad rule's message on its row; True when all rules are fine."""
        filled = [row for row in self.rows if row.field]
        errors = segments.rule_errors(self.rules)
        for position, row in enumerate(filled):
            row.error = errors.get(position, "")
            if row.error:
                # The service counts filled rows; the editor names the row as shown.
                row.error = row.error.replace(f"Rule {position + 1}:", f"Rule {row.index + 1}:", 1)
        return not errors


def from_data(data: Mapping[str, Any]) -> SegmentForm:
    form = SegmentForm(
        name=str(data.get("name", "")).strip(),
        match_all=str(data.get("match", "all")) != "any",
    )
    indexes = set()
    for key in data:
        parts = str(key).split("-")
        if len(parts) == 3 and parts[0] == "rules" and parts[1].isdigit():
            indexes.add(int(parts[1]))
    for position, number in enumerate(sorted(indexes)[:MAX_ROWS]):
        form.rows.append(
            RuleRow(
                index=position,
                field=str(data.get(f"rules-{number}-field", "")).strip(),
                relation=str(data.get(f"rules-{number}-relation", "")).strip(),
                value=str(data.get(f"rules-{number}-value", "")).strip(),
            )
        )
    return form


def from_segment(segment: Any) -> SegmentForm:
    form = SegmentForm(name=segment.name, match_all=segment.match_all)
    for position, rule in enumerate(segment.rules or []):
        form.rows.append(
            RuleRow(
                index=position,
                field=str(rule.get("field", "")),
                relation=str(rule.get("relation", "")),
                value=str(rule.get("value", "")),
            )
        )
    return form


def field_choices() -> list[tuple[str, str]]:
    return [(code, spec.label) for code, spec in segments.FIELDS.items()]


# Every relation a rule may use, as a field without JavaScript lists them.
RELATION_CHOICES: list[tuple[str, str]] = [
    ("equals", "is / has / bought"),
    ("not_equals", "is not / has not / never bought"),
    ("greater_than", "is more than"),
    ("less_than", "is less than"),
    ("before", "before"),
    ("after", "on or after"),
]


def relations_json() -> str:
    """What audience.js needs to narrow the relation list and hint at the value."""
    return json.dumps(
        {
            code: {"relations": spec.relations, "help": spec.help, "kind": spec.kind}
            for code, spec in segments.FIELDS.items()
        }
    )


def rfm_class_choices() -> list[tuple[str, str]]:
    return [(code, label) for code, (label, _) in scores.CLASSES.items()]
