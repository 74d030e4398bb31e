"""Trend charts for the clinician timeline, drawn on the server as plain inline SVG (no script, no CDN).

Each chart carries a <title> and a <desc> summarising it; the page also prints the same numbers as a table.
Colours and strokes come from classes styled in static/css/admin/diary.css (no inline style attributes).
"""

import datetime
import functools
from dataclasses import dataclass

from django.utils.html import conditional_escape
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

    # Written with f-strings, every text escaped as format_html escapes it (numbers and dates formatted here need
    # none): a chart has a few hundred points, and format_html per point was most of a chart's cost.
    parts: list[str] = []
    for value, label in ticks:
        y = _n(_y(value, top_value))
        parts.append(
            f'<line class="chart-grid" x1="{LEFT}" y1="{y}" x2="{width - RIGHT}" y2="{y}"/>'
            f'<text class="chart-tick" x="{LEFT - 6}" y="{_n(_y(value, top_value) + 4)}" text-anchor="end">'
            f"{conditional_escape(label)}</text>"
        )
    if count:
        step = max(1, count // (6 if width >= WIDTH else 3))
        # Every step-th day and the last one, leaving out a label too close to the last to be read beside it.
        for index in [*(i for i in range(0, count - 1, step) if count - 1 - i >= step / 2), count - 1]:
            day = series[0].points[index][0]
            parts.append(
                f'<text class="chart-tick" x="{_n(_x(index, count))}" y="{height - BOTTOM + 18}" '
                f'text-anchor="middle">{day:%d %b}</text>'
            )
    for number, one in enumerate(series):
        name = conditional_escape(one.name)
        group = []
        for run in _runs(one.points):
            placed = [(i, v, _x(i, count), _y(v, top_value)) for i, v in run]
            if len(run) > 1:
                coords = " ".join(f"{x:.1f},{y:.1f}" for _, _, x, y in placed)
                group.append(f'<polyline class="chart-line" points="{coords}"/>')
            group.extend(
                f'<circle class="chart-dot" cx="{_n(x)}" cy="{_n(y)}" r="3"><title>{name}: '
                f"{_format(v)} on {day_label(one.points[i][0])}</title></circle>"
                for i, v, x, y in placed
            )
        parts.append(f'<g class="chart-series chart-series-{number % 6}">{"".join(group)}</g>')
    legend = "".join(
        f'<li><span class="chart-key chart-series-{number % 6}"></span>{conditional_escape(one.name)}</li>'
        for number, one in enumerate(series)
    )
    chart_id = conditional_escape(chart_id)
    svg = (
        f'<svg class="trend-chart" id="{chart_id}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">'
        f'<title id="{chart_id}-title">{conditional_escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{conditional_escape(description)}</desc>'
        f'<line class="chart-axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{height - BOTTOM}"/>'
        f'<line class="chart-axis" x1="{LEFT}" y1="{height - BOTTOM}" x2="{width - RIGHT}" y2="{height - BOTTOM}"/>'
        f"{''.join(parts)}</svg>"
    )
    if len(series) > 1:
        svg += f'<ul class="chart-legend">{legend}</ul>'
    return mark_safe(svg)  # noqa: S308 - every text above is escaped


@functools.lru_cache(maxsize=4096)
def day_label(day: datetime.date) -> str:
    """ "09 Mar 2026", as a chart's dots and tables print a day: made once per day and process (`strftime` costs about
    ten microseconds, and a year's charts print a few thousand days)."""
    return f"{day:%d %b %Y}"


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
            f"highest {_format(max(numbers))}{unit}, latest {_format(last)}{unit} on {day_label(last_day)}."
        )
    return " ".join(sentences) or "No data in this range."
