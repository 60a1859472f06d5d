"""Server-drawn SVG charts: well-formed, accessible, styled by classes only."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from freehold.dashboard import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def line_chart(**overrides):
    arguments = {
        "title": "Sales by day",
        "description": "Sales 30.00 against 12.00.",
        "labels": ["Mon", "Tue", "Wed"],
        "series": [
            charts.Series("This week", [Decimal("10.00"), Decimal("20.00"), None], "line"),
            charts.Series("Week before", [Decimal(4), Decimal(8), Decimal(0)], "line previous"),
        ],
        "value_format": lambda value: f"€{value}",
    }
    arguments.update(overrides)
    return charts.line_chart(**arguments)


@pytest.mark.parametrize(
    ("maximum", "expected"),
    [
        (0, ["0", "1"]),
        (Decimal("7.5"), ["0", "2", "4", "6", "8"]),
        (100, ["0", "25", "50", "75", "100"]),
        (Decimal("1234.56"), ["0", "500", "1000", "1500"]),
        (Decimal("0.3"), ["0", "0.1", "0.2", "0.3"]),
    ],
)
def test_gridlines_are_round_numbers_reaching_the_maximum(maximum, expected):
    ticks = charts.nice_ticks(maximum)

    assert [str(tick) for tick in ticks] == expected
    assert ticks[-1] >= maximum


def test_a_line_chart_is_an_image_named_and_described_for_screen_readers():
    svg = parse(line_chart())

    assert svg.get("role") == "img"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert title is not None and title.text == "Sales by day"
    assert desc is not None and desc.text == "Sales 30.00 against 12.00."
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"


def test_each_series_is_a_line_with_its_class_and_gaps_are_not_drawn():
    svg = parse(line_chart())

    polylines = svg.findall(f".//{SVG}polyline")
    classes = sorted(line.get("class") for line in polylines)
    assert classes == ["line", "line previous"]
    current = next(line for line in polylines if line.get("class") == "line")
    assert len(current.get("points").split()) == 2  # the third day is still to come
    previous = next(line for line in polylines if line.get("class") == "line previous")
    assert len(previous.get("points").split()) == 3


def test_a_higher_value_is_drawn_higher():
    svg = parse(line_chart())
    current = next(line for line in svg.findall(f".//{SVG}polyline") if line.get("class") == "line")
    (_, y_first), (_, y_second) = (point.split(",") for point in current.get("points").split())

    assert float(y_second) < float(y_first)


def test_axes_gridlines_and_labels_use_the_formatter():
    svg = parse(line_chart())
    texts = [text.text for text in svg.iter(f"{SVG}text")]

    assert "€0" in texts and "€20" in texts
    assert {"Mon", "Tue", "Wed"} <= set(texts)
    assert {"This week", "Week before"} <= set(texts)
    assert len(svg.findall(f".//{SVG}line[@class='gridline']")) == len(charts.nice_ticks(20))
    assert len(svg.findall(f".//{SVG}line[@class='axis']")) == 2


def test_long_axes_thin_their_labels():
    labels = [f"{day:02d} Nov" for day in range(1, 91)]
    svg = parse(line_chart(labels=labels, series=[charts.Series("Sales", [1] * 90)]))
    shown = [text.text for text in svg.iter(f"{SVG}text") if text.text in labels]

    assert 5 <= len(shown) <= 12
    assert shown[0] == "01 Nov"


def test_a_lone_value_is_drawn_as_a_dot():
    svg = parse(line_chart(series=[charts.Series("Sales", [None, Decimal(5), None])]))

    assert svg.findall(f".//{SVG}polyline") == []
    assert len(svg.findall(f".//{SVG}circle")) == 1


def test_text_is_escaped():
    svg = line_chart(title="<script>alert(1)</script>", labels=["A & B", "<b>", "c"])

    assert "<script>" not in svg
    assert "A &amp; B" in svg and "&lt;b&gt;" in svg


def test_no_inline_styles_anywhere():
    bars = charts.bar_chart(title="t", description="d", bars=[("Germany", Decimal(3))])

    assert "style=" not in line_chart() and "style=" not in bars


def test_bar_chart_bars_are_proportional_and_labelled():
    svg = parse(
        charts.bar_chart(
            title="Sales by country",
            description="Germany 300, France 150.",
            bars=[("Germany", Decimal(300)), ("France", Decimal(150))],
            value_format=lambda value: f"€{value}",
        )
    )

    rects = svg.findall(f".//{SVG}rect")
    widths = [float(rect.get("width")) for rect in rects]
    assert widths[0] == pytest.approx(2 * widths[1])
    texts = [text.text for text in svg.iter(f"{SVG}text")]
    assert texts == ["Germany", "€300", "France", "€150"]
    assert svg.find(f"{SVG}title").text == "Sales by country"


def test_charts_without_data_still_render():
    empty_line = parse(line_chart(labels=[], series=[charts.Series("Sales", [])]))
    empty_bars = parse(charts.bar_chart(title="t", description="No sales.", bars=[]))

    assert empty_line.get("role") == "img" and empty_bars.get("role") == "img"


def test_every_chart_gets_its_own_ids():
    first, second = parse(line_chart()), parse(line_chart())

    assert first.find(f"{SVG}title").get("id") != second.find(f"{SVG}title").get("id")
