"""The RFM grid as server-rendered SVG, and the cohort heat map's intensity classes.

Strict CSP: no `style` attributes. Cells carry classes (`rfm-<class>`, `heat-<0..10>`) that
audience.css colours; the SVG is named by its title and described in words by its desc.
"""

from __future__ import annotations

import itertools
from decimal import Decimal

from markupsafe import Markup, escape

from freehold.insights import scores

HEAT_LEVELS = 10
_ids = itertools.count(1)


def heat_level(value: Decimal | int, maximum: Decimal | int) -> int:
    """0 (nothing) to 10 (the largest value), rounded up so any non-zero value shows."""
    if not maximum or value <= 0:
        return 0
    level = int(-(-Decimal(value) * HEAT_LEVELS // Decimal(maximum)))
    return min(max(level, 1), HEAT_LEVELS)


def rfm_grid(grid: dict[tuple[int, int], int], *, cell: int = 96) -> Markup:
    """A 5x5 grid: recency 5 (top) to 1 against frequency-monetary 1 to 5, each cell coloured
    by its class and showing its customers; the class name in cells that start a class."""
    chart_id = f"rfm-grid-{next(_ids)}"
    left, top, bottom = 44, 8, 40
    width = left + 5 * cell + 8
    height = top + 5 * cell + bottom
    total = sum(grid.values())
    described = ", ".join(
        f"{scores.class_label(scores.GRID[key])} R{key[0]} FM{key[1]}: {count}"
        for key, count in sorted(grid.items(), reverse=True)
        if count
    )
    parts = [
        f'<svg class="chart rfm-grid" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">Customers by recency and frequency-monetary score</title>',
        f'<desc id="{chart_id}-desc">{escape(total)} scored customers. '
        f"{escape(described or 'No customers scored yet.')}</desc>",
        '<g aria-hidden="true">',
    ]
    labelled: set[str] = set()
    for row, recency in enumerate(range(5, 0, -1)):
        y = top + row * cell
        parts.append(
            f'<text class="tick" x="{left - 8}" y="{y + cell // 2}" text-anchor="end" '
            f'dominant-baseline="middle">R{recency}</text>'
        )
        for column, fm in enumerate(range(1, 6)):
            x = left + column * cell
            name = scores.GRID[(recency, fm)]
            count = grid.get((recency, fm), 0)
            parts.append(
                f'<rect class="rfm-cell rfm-{name}" x="{x}" y="{y}" width="{cell - 2}" '
                f'height="{cell - 2}" rx="3"/>'
                f'<text class="rfm-count" x="{x + cell // 2}" y="{y + cell // 2 + 6}" '
                f'text-anchor="middle">{count:,}</text>'
            )
            if name not in labelled:
                labelled.add(name)
                parts.append(
                    f'<text class="rfm-name" x="{x + 6}" y="{y + 16}">'
                    f"{escape(scores.class_label(name))}</text>"
                )
    base = top + 5 * cell
    for column, fm in enumerate(range(1, 6)):
        parts.append(
            f'<text class="tick" x="{left + column * cell + cell // 2}" y="{base + 16}" '
            f'text-anchor="middle">FM{fm}</text>'
        )
    parts.append(
        f'<text class="tick" x="{left + 5 * cell // 2}" y="{base + 34}" text-anchor="middle">'
        "Frequency and monetary score (mean of F and M)</text>"
    )
    parts.append("</g></svg>")
    return Markup("".join(parts))
