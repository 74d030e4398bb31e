"""Trend charts for the clinician timeline, drawn on the server as plain inline SVG (no script, no CDN).

Each chart carries a <title> and a <desc> summarising it; the page also prints the same numbers as a table.
Colours and strokes come from classes styled in static/css/admin/diary.css (no inline style attributes).
"""

import datetime
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 76, 32, 12, 36

Point = tuple[datetime.date, float | None]


@dataclass(frozen=True)
class Series:
    name: str
    points: list[Point]


def _x_at(index: int, count: int, width: int = WIDTH) -> float:
    span = width - LEFT - RIGHT
    return LEFT + (span * index / (count - 1) if count > 1 else span / 2)


def _y_at(value: float, top_value: float, height: int = HEIGHT) -> float:
    return TOP + (height - TOP - BOTTOM) * (1 - value / top_value)


def _runs(points: list[Point]) -> list[list[tuple[int, float]]]:
    """Consecutive days with a value: each run is drawn as one line, gaps stay gaps."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, (_, value) in enumerate(points):
        if value is None:
            if runs[-1]:
                runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]


def line_chart(
    *,
    chart_id: str,
    title: str,
    description: str,
    series: list[Series],
    top_value: float,
    ticks: list[tuple[float, str]],
    width: int = WIDTH,
    height: int = HEIGHT,
) -> SafeString:
    """An SVG line chart of daily values, one line (and dots) per series, with labelled y ticks and dates.

    A narrower `width` (the patient's Progress page: a phone) keeps the text readable when scaled down.
    """
    count = len(series[0].points) if series else 0

    def _x(index: int, count: int) -> float:
        return _x_at(index, count, width)

    def _y(value: float, top_value: float) -> float:
        return _y_at(value, top_value, height)

    parts: list[SafeString] = []
    for value, label in ticks:
        y = _y(value, top_value)
        parts.append(
            format_html(
                '<line class="chart-grid" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                LEFT,
                _n(y),
                width - RIGHT,
                _n(y),
                LEFT - 6,
                _n(y + 4),
                label,
            )
        )
    if count:
        step = max(1, count // (6 if width >= WIDTH else 3))
        # Every step-th day and the last one, leaving out a label too close to the last to be read beside it.
        for index in [*(i for i in range(0, count - 1, step) if count - 1 - i >= step / 2), count - 1]:
            day = series[0].points[index][0]
            parts.append(
                format_html(
                    '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(_x(index, count)),
                    height - BOTTOM + 18,
                    f"{day:%d %b}",
                )
            )
    for number, one in enumerate(series):
        css = f"chart-series chart-series-{number % 6}"
        group = []
        for run in _runs(one.points):
            coords = " ".join(f"{_x(i, count):.1f},{_y(v, top_value):.1f}" for i, v in run)
            if len(run) > 1:
                group.append(format_html('<polyline class="chart-line" points="{}"/>', coords))
            group.extend(
                format_html(
                    '<circle class="chart-dot" cx="{}" cy="{}" r="3"><title>{}: {} on {}</title></circle>',
                    _n(_x(i, count)),
                    _n(_y(v, top_value)),
                    one.name,
                    _format(v),
                    f"{one.points[i][0]:%d %b %Y}",
                )
                for i, v in run
            )
        parts.append(format_html('<g class="{}">{}</g>', css, mark_safe("".join(group))))  # noqa: S308
    legend = format_html_join(
        "",
        '<li><span class="chart-key chart-series-{}"></span>{}</li>',
        ((number % 6, one.name) for number, one in enumerate(series)),
    )
    svg = format_html(
        '<svg class="trend-chart" id="{id}" viewBox="0 0 {w} {h}" role="img" aria-labelledby="{id}-title {id}-desc">'
        '<title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        '<line class="chart-axis" x1="{l}" y1="{t}" x2="{l}" y2="{b}"/>'
        '<line class="chart-axis" x1="{l}" y1="{b}" x2="{r}" y2="{b}"/>{body}</svg>',
        id=chart_id,
        w=width,
        h=height,
        title=title,
        desc=description,
        l=LEFT,
        t=TOP,
        b=height - BOTTOM,
        r=width - RIGHT,
        body=mark_safe("".join(parts)),  # noqa: S308 - every part was built with format_html
    )
    if len(series) > 1:
        return format_html('{}<ul class="chart-legend">{}</ul>', svg, legend)
    return svg


def _n(value: float) -> str:
    return f"{value:.1f}"


def _format(value: float) -> str:
    return f"{value:g}"


def summary(series: list[Series], unit: str = "") -> str:
    """A sentence per series: days with a value, lowest, highest and latest value."""
    sentences = []
    for one in series:
        values = [(day, v) for day, v in one.points if v is not None]
        if not values:
            sentences.append(f"{one.name}: no values.")
            continue
        numbers = [v for _, v in values]
        last_day, last = values[-1]
        days = "1 day" if len(values) == 1 else f"{len(values)} days"
        sentences.append(
            f"{one.name}: {days} with a value, lowest {_format(min(numbers))}{unit}, "
            f"highest {_format(max(numbers))}{unit}, latest {_format(last)}{unit} on {last_day:%d %b %Y}."
        )
    return " ".join(sentences) or "No data in this range."
