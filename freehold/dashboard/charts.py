"""Charts drawn on the server as SVG: a line chart and a bar chart, no JavaScript.

The dashboard's CSP forbids inline styles, so the SVG carries classes (styled by
`dashboard.css` and `home.css`) and SVG presentation attributes only, never `style="..."`.
Every chart is an `<svg role="img">` named by its `<title>` and described by its `<desc>`
(which states the figures in words); templates add a data table next to it for readers who
want the numbers.

Values are Decimals (money) or ints; they become floats only for coordinates, never for what
the chart prints, which the caller formats (`value_format`).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from markupsafe import Markup, escape

Number = Decimal | int
Formatter = Callable[[Number], str]

_ids = itertools.count(1)


@dataclass(frozen=True)
class Series:
    """One line: a name for the legend and one value per x label (None leaves a gap)."""

    name: str
    values: Sequence[Number | None]
    css_class: str = "line"


def plain(value: Number) -> str:
    return f"{value:,}"


def nice_ticks(maximum: Number, *, count: int = 4) -> list[Decimal]:
    """Round gridline values from 0 to at least `maximum`: 0, 250, 500, 750, 1000.

    The step is 1, 2, 2.5 or 5 times a power of ten, so labels read as people count.
    """
    top = Decimal(maximum)
    if top <= 0:
        return [Decimal(0), Decimal(1)]
    raw = top / count
    magnitude = Decimal(10) ** raw.adjusted()
    for factor in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10)):
        step = factor * magnitude
        if step >= raw:
            break
    ticks = [Decimal(0)]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return [_plain_decimal(tick) for tick in ticks]


def _plain_decimal(value: Decimal) -> Decimal:
    """2.50 as 2.5 and 1000.0 as 1000 (never 1E+3, which `normalize` gives)."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def _number(value: float) -> str:
    """A coordinate, short: 12.5 not 12.500000001."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _label_every(count: int, room: int) -> int:
    """Show every n-th x label so that at most `room` fit."""
    return max(1, -(-count // max(room, 1)))


def line_chart(
    *,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    value_format: Formatter = plain,
    width: int = 720,
    height: int = 260,
) -> Markup:
    """Lines over shared x labels with a y axis of round gridlines and a legend.

    The first series is drawn last (on top): pass the current period first and the previous
    one after it with `css_class="line previous"` (dashed in the stylesheet).
    """
    chart_id = f"chart-{next(_ids)}"
    left, right, top, bottom = 72, 28, 28, 34
    plot_width = width - left - right
    plot_height = height - top - bottom
    values = [value for line in series for value in line.values if value is not None]
    ticks = nice_ticks(max(values, default=0))
    ceiling = float(ticks[-1]) or 1.0
    points = max(len(labels), 1)

    def x(index: int) -> float:
        if points == 1:
            return left + plot_width / 2
        return left + plot_width * index / (points - 1)

    def y(value: Number) -> float:
        return top + plot_height * (1 - float(value) / ceiling)

    parts = [
        f'<svg class="chart chart-line" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<g class="gridlines" aria-hidden="true">',
    ]
    for tick in ticks:
        level = _number(y(tick))
        parts.append(
            f'<line class="gridline" x1="{left}" x2="{width - right}" y1="{level}" y2="{level}"/>'
            f'<text class="tick" x="{left - 6}" y="{level}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(value_format(tick))}</text>'
        )
    parts.append("</g>")
    baseline = _number(top + plot_height)
    parts.append(
        f'<g class="axes" aria-hidden="true"><line class="axis" x1="{left}" x2="{width - right}" '
        f'y1="{baseline}" y2="{baseline}"/><line class="axis" x1="{left}" x2="{left}" '
        f'y1="{top}" y2="{baseline}"/>'
    )
    every = _label_every(len(labels), plot_width // 70)
    for index, label in enumerate(labels):
        if index % every == 0:
            parts.append(
                f'<text class="tick" x="{_number(x(index))}" y="{height - bottom + 18}" '
                f'text-anchor="middle">{escape(label)}</text>'
            )
    parts.append("</g>")
    for line in reversed(series):
        segments: list[list[str]] = [[]]
        for index, value in enumerate(line.values[:points]):
            if value is None:
                segments.append([])
            else:
                segments[-1].append(f"{_number(x(index))},{_number(y(value))}")
        parts.append(f'<g class="{escape(line.css_class)}-group" aria-hidden="true">')
        for segment in segments:
            if len(segment) > 1:
                parts.append(
                    f'<polyline class="{escape(line.css_class)}" points="{" ".join(segment)}"/>'
                )
            elif segment:
                cx, cy = segment[0].split(",")
                parts.append(
                    f'<circle class="{escape(line.css_class)} dot" cx="{cx}" cy="{cy}" r="2.5"/>'
                )
        parts.append("</g>")
    # The legend, top left: a short stroke in the line's style and its name.
    parts.append('<g class="legend" aria-hidden="true">')
    offset = left
    for line in series:
        css_class = escape(line.css_class)
        parts.append(
            f'<line class="{css_class}" x1="{offset}" x2="{offset + 22}" y1="12" y2="12"/>'
            f'<text x="{offset + 28}" y="12" dominant-baseline="middle">{escape(line.name)}</text>'
        )
        offset += 40 + 7 * len(line.name)
    parts.append("</g></svg>")
    return Markup("".join(parts))


def bar_chart(
    *,
    title: str,
    description: str,
    bars: Sequence[tuple[str, Number]],
    value_format: Formatter = plain,
    width: int = 480,
    bar_height: int = 22,
) -> Markup:
    """Horizontal bars, largest first as given, each with its label and formatted value."""
    chart_id = f"chart-{next(_ids)}"
    label_width, value_width, gap = 120, 96, 6
    height = max(len(bars), 1) * (bar_height + gap) + gap
    room = width - label_width - value_width
    largest = max((float(value) for _, value in bars), default=0.0) or 1.0
    parts = [
        f'<svg class="chart chart-bar" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        '<g aria-hidden="true">',
    ]
    for index, (label, value) in enumerate(bars):
        top = gap + index * (bar_height + gap)
        middle = _number(top + bar_height / 2)
        length = max(float(value), 0.0) / largest * room
        parts.append(
            f'<text class="bar-label" x="{label_width - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{top}" width="{_number(max(length, 1.0))}" '
            f'height="{bar_height}" rx="2"/>'
            f'<text class="bar-value" x="{_number(label_width + length + 6)}" y="{middle}" '
            f'dominant-baseline="middle">{escape(value_format(value))}</text>'
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))


__all__ = ["Series", "bar_chart", "line_chart", "nice_ticks", "plain"]
