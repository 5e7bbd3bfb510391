"""The geometry of the accessible SVG charts: numbers and coordinates, no markup.

templates/includes/chart.html draws a Chart: the SVG (templates/includes/chart_svg.html) with
its title and description, the one-sentence summary, and the data as a table, so a screen
reader (or anyone who wants the numbers) gets the same facts. Nothing here writes SVG or HTML;
the template escapes every text. Colours come from the CSS classes named here
(static/css/progress.css), so charts follow the light and dark themes. A chart's ids come from
its slug, which the page gives it: the same in every process, different for each chart on a page.

The shapes are named tuples, immutable values like the frozen dataclasses they were: a page
draws hundreds of them (a year's heatmap alone has 371 cells), and a tuple is made, hashed and
compared in C, several times faster than a dataclass's generated methods.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import NamedTuple

# The largest size (in the chart's own units) a chart's text is drawn at: 13px on phones
# (static/css/progress.css), and a generous average advance of one character, in em. Label
# room is worked out from these, so no label is cut off at the chart's edge.
TICK_PX = 13
CHAR_EM = 0.62
COLUMN_LABEL_ANGLE = 55  # degrees the matrix's column labels lean


class Rect(NamedTuple):
    """A bar, a heatmap cell or a legend key; tip is its tooltip (empty: none)."""

    x: float
    y: float
    width: float
    height: float
    css: str
    tip: str = ""
    rx: float = 0


class Line(NamedTuple):
    """An axis or a reference line."""

    x1: float
    y1: float
    x2: float
    y2: float
    css: str


class Polyline(NamedTuple):
    points: tuple[tuple[float, float], ...]
    css: str


class Point(NamedTuple):
    cx: float
    cy: float
    r: float
    css: str
    tip: str


class Label(NamedTuple):
    """A text on the chart: a tick, a row or column label, a legend name, a value."""

    x: float
    y: float
    text: str
    anchor: str = "start"  # start, middle or end
    css: str = "chart-tick"
    rotate: float = 0  # degrees around (x, y)
    title: str = ""  # the whole text when ``text`` is shortened (the label's tooltip)


@dataclass
class Chart:
    """One chart: its words (title, summary, table) and what to draw, in drawing order by kind:
    rects, then polylines, points, lines, and labels on top."""

    title: str
    summary: str
    slug: str
    width: float
    height: float
    headers: tuple[str, ...]
    rows: list[tuple[object, ...]] = field(default_factory=list)
    rects: list[Rect] = field(default_factory=list)
    polylines: list[Polyline] = field(default_factory=list)
    points: list[Point] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def line_chart(
    *,
    title: str,
    summary: str,
    slug: str,
    labels: Sequence[str],
    values: Sequence[float],
    y_min: float,
    y_max: float,
    reference: tuple[float, str] | None = None,
    value_header: str = "Value",
    label_header: str = "When",
) -> Chart:
    width, height, left, bottom, top = 640, 220, 48, 28, 12
    plot_w, plot_h = width - left - 12, height - bottom - top

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value - y_min) / (y_max - y_min)

    def x_of(index: int) -> float:
        return left + (plot_w * index / (len(values) - 1) if len(values) > 1 else plot_w / 2)

    chart = Chart(
        title=title,
        summary=summary,
        slug=slug,
        width=width,
        height=height,
        headers=(label_header, value_header),
        rows=[(label, _fmt(value)) for label, value in zip(labels, values, strict=True)],
    )
    chart.lines.append(Line(left, top + plot_h, width - 12, top + plot_h, "chart-axis"))
    chart.labels += [
        Label(left - 6, _n(y_of(y_max) + 4), _fmt(y_max), "end"),
        Label(left - 6, _n(y_of(y_min)), _fmt(y_min), "end"),
    ]
    if reference is not None:
        ref_value, ref_label = reference
        ref_y = _n(y_of(ref_value))
        chart.lines.append(Line(left, ref_y, width - 12, ref_y, "chart-reference"))
        chart.labels.append(Label(width - 14, _n(y_of(ref_value) - 4), ref_label, "end"))
    if values:
        chart.polylines.append(
            Polyline(tuple((_n(x_of(i)), _n(y_of(v))) for i, v in enumerate(values)), "chart-line")
        )
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            chart.points.append(
                Point(_n(x_of(index)), _n(y_of(value)), 4, "chart-point", f"{label}: {_fmt(value)}")
            )
    return chart


def calendar_heatmap(
    *, title: str, summary: str, slug: str, counts: dict[date, int], end: date, weeks: int = 53
) -> Chart:
    """A year of days as GitHub-style squares, Monday at the top, the last column ending at end."""
    days, labels = _calendar(end, weeks)
    peak = max(counts.values(), default=0)
    chart = Chart(
        title=title,
        summary=summary,
        slug=slug,
        width=CALENDAR_LEFT + weeks * CALENDAR_STEP,
        height=CALENDAR_TOP + 7 * CALENDAR_STEP,
        headers=("Day", "Reviews"),
        labels=list(labels),
    )
    rects, rows = chart.rects, chart.rows
    for day, iso, empty in days:
        value = counts.get(day, 0)
        if not value:
            rects.append(empty)
            continue
        level = 1 + min(3, int(4 * value / (peak + 1)))
        tip = f"{iso}: {value} review{'' if value == 1 else 's'}"
        rects.append(Rect(empty.x, empty.y, empty.width, empty.height, f"heat-{level}", tip, 2))
        rows.append((iso, value))
    return chart


CALENDAR_CELL, CALENDAR_STEP, CALENDAR_LEFT, CALENDAR_TOP = 11, 13, 28, 16


@lru_cache(maxsize=8)
def _calendar(
    end: date, weeks: int
) -> tuple[tuple[tuple[date, str, Rect], ...], tuple[Label, ...]]:
    """The calendar heatmap's days up to ``end``, in order, each with its ISO date and its cell
    as drawn for a day without answers, and its labels (weekdays, then months): the same for
    every calendar ending that day, so worked out once."""
    start = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    labels = [
        Label(0, CALENDAR_TOP + row * CALENDAR_STEP + 9, label)
        for label, row in (("Mon", 0), ("Wed", 2), ("Fri", 4))
    ]
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        iso = day.isoformat()
        x = CALENDAR_LEFT + offset // 7 * CALENDAR_STEP
        y = CALENDAR_TOP + day.weekday() * CALENDAR_STEP
        empty = Rect(x, y, CALENDAR_CELL, CALENDAR_CELL, "heat-0", f"{iso}: 0 reviews", 2)
        days.append((day, iso, empty))
        if day.day == 1:
            labels.append(Label(x, 10, day.strftime("%b")))
    return tuple(days), tuple(labels)


def matrix_heatmap(
    *,
    title: str,
    summary: str,
    slug: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
) -> Chart:
    """Rows x columns of values from 0 to 1 (None: no data), e.g. learners x topics mastery."""
    cell, angle = 22, math.radians(COLUMN_LABEL_ANGLE)
    # Room for the longest (shortened) labels: row labels left of the grid, column labels
    # leaning up and to the right above it, so none is cut off at the chart's edges.
    row_room = max((text_width(_shorten(label)) for label in row_labels), default=0)
    col_room = max((text_width(_shorten(label)) for label in column_labels), default=0)
    left = max(60, math.ceil(row_room + 12))
    top = max(30, math.ceil(col_room * math.sin(angle) + TICK_PX * math.cos(angle) + 10))
    lean = math.ceil(col_room * math.cos(angle) + TICK_PX * 0.3 * math.sin(angle) - cell / 2)
    chart = Chart(
        title=title,
        summary=summary,
        slug=slug,
        width=left + len(column_labels) * cell + max(8, lean + 8),
        height=top + len(row_labels) * cell + 8,
        headers=("", *column_labels),
    )
    for col, label in enumerate(column_labels):
        x = _n(left + col * cell + cell / 2)
        chart.labels.append(_label(x, top - 6, label, rotate=-COLUMN_LABEL_ANGLE))
    for row, label in enumerate(row_labels):
        y = top + row * cell
        chart.labels.append(_label(left - 6, y + 15, label, anchor="end"))
        for col, value in enumerate(values[row]):
            level = "none" if value is None else str(min(4, int(value * 5)))
            shown = "no data" if value is None else f"{value:.0%}"
            chart.rects.append(
                Rect(
                    left + col * cell + 1,
                    y + 1,
                    cell - 2,
                    cell - 2,
                    f"mastery-{level}",
                    f"{label}, {column_labels[col]}: {shown}",
                    3,
                )
            )
        chart.rows.append(
            (label, *("—" if value is None else f"{value:.0%}" for value in values[row]))
        )
    return chart


def stacked_bar_chart(
    *,
    title: str,
    summary: str,
    slug: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    label_header: str = "Day",
    tick_every: int = 5,
) -> Chart:
    """Bars made of up to four stacked parts (e.g. cards and questions due), with a legend when
    there are two parts or more."""
    width, height, left, bottom, top = 640, 236, 40, 28, 28
    plot_w, plot_h = width - left - 8, height - bottom - top
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    y_max = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    chart = Chart(
        title=title,
        summary=summary,
        slug=slug,
        width=width,
        height=height,
        headers=(label_header, *(name for name, _ in series), "Total"),
        rows=[
            (label, *(_fmt(values[i]) for _, values in series), _fmt(totals[i]))
            for i, label in enumerate(labels)
        ],
    )
    chart.lines.append(Line(left, top + plot_h, width - 8, top + plot_h, "chart-axis"))
    chart.labels += [
        Label(left - 6, top + 10, _fmt(y_max), "end"),
        Label(left - 6, top + plot_h, "0", "end"),
    ]
    _legend(chart, [name for name, _ in series], x=left, y=12, kind="bar")
    for index, label in enumerate(labels):
        x = left + index * slot + slot * 0.15
        base = top + plot_h
        for number, (name, values) in enumerate(series):
            value = values[index]
            bar_h = plot_h * value / y_max if y_max else 0
            if value:
                chart.rects.append(
                    Rect(
                        _n(x),
                        _n(base - bar_h),
                        _n(slot * 0.7),
                        _n(bar_h),
                        f"chart-bar chart-series-{number}",
                        f"{label}, {name}: {_fmt(value)}",
                    )
                )
            base -= bar_h
        if index % tick_every == 0:
            chart.labels.append(Label(_n(x + slot * 0.35), height - 8, label, "middle"))
    return chart


def multi_line_chart(
    *,
    title: str,
    summary: str,
    slug: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_min: float,
    y_max: float,
    percent: bool = False,
    label_header: str = "When",
) -> Chart:
    """Several lines over the same labels; None leaves a gap (no data that period)."""
    width, height, left, bottom, top = 640, 236, 48, 28, 28
    plot_w, plot_h = width - left - 12, height - bottom - top

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value - y_min) / (y_max - y_min)

    def x_of(index: int) -> float:
        return left + (plot_w * index / (len(labels) - 1) if len(labels) > 1 else plot_w / 2)

    def shown(value: float | None) -> str:
        if value is None:
            return "—"
        return f"{value:.0%}" if percent else _fmt(value)

    chart = Chart(
        title=title,
        summary=summary,
        slug=slug,
        width=width,
        height=height,
        headers=(label_header, *(name for name, _ in series)),
        rows=[
            (label, *(shown(values[i]) for _, values in series)) for i, label in enumerate(labels)
        ],
    )
    chart.lines.append(Line(left, top + plot_h, width - 12, top + plot_h, "chart-axis"))
    chart.labels += [
        Label(left - 6, _n(y_of(y_max) + 4), shown(y_max), "end"),
        Label(left - 6, _n(y_of(y_min)), shown(y_min), "end"),
    ]
    _legend(chart, [name for name, _ in series], x=left, y=12, kind="line")
    for number, (name, values) in enumerate(series):
        segment: list[tuple[float, float]] = []
        segments = [segment]
        for index, value in enumerate(values):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            x, y = _n(x_of(index)), _n(y_of(value))
            segment.append((x, y))
            chart.points.append(
                Point(
                    x,
                    y,
                    3,
                    f"chart-point chart-series-{number}",
                    f"{labels[index]}, {name}: {shown(value)}",
                )
            )
        chart.polylines += [
            Polyline(tuple(points), f"chart-line chart-series-{number}")
            for points in segments
            if len(points) > 1
        ]
    step = max(1, len(labels) // 6)
    for index, label in enumerate(labels):
        if index % step == 0:
            chart.labels.append(Label(_n(x_of(index)), height - 8, label, "middle"))
    return chart


def bar_list(
    *,
    title: str,
    summary: str,
    slug: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    x_min: float,
    x_max: float,
    reference: tuple[float, str] | None = None,
    notes: Sequence[str] = (),
    label_header: str = "",
    value_header: str = "Value",
    missing: str = "not enough data",
) -> Chart:
    """Horizontal bars, one a row (e.g. readiness per exam domain); None says ``missing``."""
    row_h, top, right = 30, 22, 70
    width = 640
    # The labels' column grows (up to a limit) for long labels; longer ones are shortened.
    left = min(300, max(230, math.ceil(max(map(text_width, labels), default=0) + 16)))
    plot_w = width - left - right
    height = top + row_h * len(labels) + 8

    def x_of(value: float) -> float:
        return left + plot_w * (min(max(value, x_min), x_max) - x_min) / (x_max - x_min)

    note_list = list(notes) or [""] * len(labels)
    chart = Chart(
        title=title,
        summary=summary,
        slug=slug,
        width=width,
        height=height,
        headers=(label_header, value_header, *(["Based on"] if notes else [])),
        rows=[
            (label, missing if value is None else _fmt(value), *([note] if notes else []))
            for label, value, note in zip(labels, values, note_list, strict=True)
        ],
    )
    chart.labels += [
        Label(left, 12, _fmt(x_min), "start"),
        Label(left + plot_w, 12, _fmt(x_max), "end"),
    ]
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * row_h
        limit = int((left - 16) // (TICK_PX * CHAR_EM))
        chart.labels.append(
            _label(left - 8, y + 18, label, limit=limit, anchor="end", css="chart-tick chart-label")
        )
        chart.rects.append(Rect(left, y + 6, plot_w, row_h - 12, "chart-track", rx=3))
        if value is None:
            chart.labels.append(Label(left + 6, y + 19, missing))
            continue
        passes = reference is None or value >= reference[0]
        chart.rects.append(
            Rect(
                left,
                y + 6,
                _n(x_of(value) - left),
                row_h - 12,
                "chart-bar chart-bar-good" if passes else "chart-bar chart-bar-short",
                f"{label}: {_fmt(value)}",
                3,
            )
        )
        chart.labels.append(Label(left + plot_w + 6, y + 19, _fmt(value)))
    if reference is not None:
        ref_value, ref_label = reference
        ref_x = _n(x_of(ref_value))
        chart.lines.append(Line(ref_x, top, ref_x, height - 4, "chart-reference"))
        chart.labels.append(Label(ref_x, 12, ref_label, "middle"))
    return chart


def _legend(chart: Chart, names: Sequence[str], *, x: int, y: int, kind: str) -> None:
    if len(names) < 2:
        return
    for number, name in enumerate(names):
        left = x + number * 150
        chart.rects.append(
            Rect(left, y - 10, 12, 12, f"chart-{kind}-key chart-series-{number}", rx=2)
        )
        chart.labels.append(Label(left + 16, y, name))


def _n(value: float) -> float:
    """A coordinate to one decimal: enough for a crisp SVG, short in the page."""
    return round(value, 1)


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shorten(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def text_width(text: str) -> float:
    """A generous estimate of how wide ``text`` is drawn at the charts' largest text size."""
    return len(text) * TICK_PX * CHAR_EM


def _label(
    x: float,
    y: float,
    text: str,
    *,
    limit: int = 22,
    anchor: str = "start",
    css: str = "chart-tick",
    rotate: float = 0,
) -> Label:
    """A label of at most ``limit`` characters; a shortened one keeps its whole text as a
    tooltip."""
    shown = _shorten(text, limit)
    return Label(x, y, shown, anchor, css, rotate, title=text if shown != text else "")
