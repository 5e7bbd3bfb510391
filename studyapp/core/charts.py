"""Charts as server-rendered, accessible SVG: no chart script to download.

Every chart comes with a title, a one-sentence text summary, and its data as a table, so a
screen reader (or anyone who wants the numbers) gets the same facts. Colours come from CSS
classes (static/css/progress.css), so charts follow the light and dark themes.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Chart:
    title: str
    summary: str
    svg: SafeString
    headers: tuple[str, ...]
    rows: list[tuple[object, ...]] = field(default_factory=list)
    slug: str = ""


def chart_uid(*, title: str, summary: str) -> str:
    """The id suffix a chart's title and description go by: the same for the same chart in
    every process and every request (no counter), different for different charts on a page."""
    return hashlib.blake2s(f"{title}\0{summary}".encode(), digest_size=5).hexdigest()


def _svg(*, title: str, summary: str, width: int, height: int, body: list[str]) -> SafeString:
    uid = chart_uid(title=title, summary=summary)
    return mark_safe(  # noqa: S308 - every text below is escaped as it is written
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-labelledby="chart-title-{uid} chart-desc-{uid}" preserveAspectRatio="xMidYMid meet">'
        f'<title id="chart-title-{uid}">{escape(title)}</title>'
        f'<desc id="chart-desc-{uid}">{escape(summary)}</desc>' + "".join(body) + "</svg>"
    )


def _nice_max(value: float) -> float:
    """A round axis maximum at or above value (1, 2, 5 x 10^n)."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def bar_chart(
    *,
    title: str,
    summary: str,
    labels: Sequence[str],
    values: Sequence[float],
    value_header: str = "Value",
    label_header: str = "Day",
    tick_every: int = 5,
    slug: str = "",
) -> Chart:
    width, height, left, bottom, top = 640, 220, 40, 28, 12
    plot_w, plot_h = width - left - 8, height - bottom - top
    y_max = _nice_max(max(values, default=0))
    slot = plot_w / max(len(values), 1)
    body = [
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            left, top + plot_h, width - 8, top + plot_h,
        ),
        format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                    left - 6, top + 10, _fmt(y_max)),
        format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">0</text>',
                    left - 6, top + plot_h),
    ]  # fmt: skip
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        bar_h = plot_h * value / y_max if y_max else 0
        x = left + index * slot + slot * 0.15
        body.append(
            format_html(
                '<rect class="chart-bar" x="{}" y="{}" width="{}" height="{}">'
                "<title>{}: {}</title></rect>",
                _n(x), _n(top + plot_h - bar_h), _n(slot * 0.7), _n(bar_h), label, _fmt(value),
            )
        )  # fmt: skip
        if index % tick_every == 0:
            body.append(
                format_html(
                    '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x + slot * 0.35), height - 8, label,
                )
            )  # fmt: skip
    return Chart(
        title=title,
        summary=summary,
        svg=_svg(title=title, summary=summary, width=width, height=height, body=body),
        headers=(label_header, value_header),
        rows=[(label, _fmt(value)) for label, value in zip(labels, values, strict=True)],
        slug=slug,
    )


def line_chart(
    *,
    title: str,
    summary: str,
    labels: Sequence[str],
    values: Sequence[float],
    y_min: float,
    y_max: float,
    reference: tuple[float, str] | None = None,
    value_header: str = "Value",
    label_header: str = "When",
    slug: str = "",
) -> Chart:
    width, height, left, bottom, top = 640, 220, 48, 28, 12
    plot_w, plot_h = width - left - 12, height - bottom - top

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * (value - y_min) / (y_max - y_min)

    def x_of(index: int) -> float:
        return left + (plot_w * index / (len(values) - 1) if len(values) > 1 else plot_w / 2)

    body = [
        format_html('<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
                    left, top + plot_h, width - 12, top + plot_h),
        format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                    left - 6, _n(y_of(y_max) + 4), _fmt(y_max)),
        format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                    left - 6, _n(y_of(y_min)), _fmt(y_min)),
    ]  # fmt: skip
    if reference is not None:
        ref_value, ref_label = reference
        body.append(
            format_html(
                '<line class="chart-reference" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                left, _n(y_of(ref_value)), width - 12, _n(y_of(ref_value)),
                width - 14, _n(y_of(ref_value) - 4), ref_label,
            )
        )  # fmt: skip
    if values:
        points = " ".join(f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        body.append(format_html('<polyline class="chart-line" points="{}"/>', points))
        for index, (label, value) in enumerate(zip(labels, values, strict=True)):
            body.append(
                format_html(
                    '<circle class="chart-point" cx="{}" cy="{}" r="4">'
                    "<title>{}: {}</title></circle>",
                    _n(x_of(index)), _n(y_of(value)), label, _fmt(value),
                )
            )  # fmt: skip
    return Chart(
        title=title,
        summary=summary,
        svg=_svg(title=title, summary=summary, width=width, height=height, body=body),
        headers=(label_header, value_header),
        rows=[(label, _fmt(value)) for label, value in zip(labels, values, strict=True)],
        slug=slug,
    )


def calendar_heatmap(
    *, title: str, summary: str, counts: dict[date, int], end: date, weeks: int = 53, slug: str = ""
) -> Chart:
    """A year of days as GitHub-style squares, Monday at the top, the last column ending at end."""
    cell, gap, left, top = 11, 2, 28, 16
    start = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    peak = max(counts.values(), default=0)
    body = []
    for label, row in (("Mon", 0), ("Wed", 2), ("Fri", 4)):
        body.append(
            format_html('<text class="chart-tick" x="0" y="{}">{}</text>',
                        top + row * (cell + gap) + 9, label)
        )  # fmt: skip
    day = start
    while day <= end:
        week, weekday = (day - start).days // 7, day.weekday()
        value = counts.get(day, 0)
        level = 0 if value == 0 or peak == 0 else 1 + min(3, int(4 * value / (peak + 1)))
        body.append(
            format_html(
                '<rect class="heat-{}" x="{}" y="{}" width="{}" height="{}" rx="2">'
                "<title>{}: {} review{}</title></rect>",
                level, left + week * (cell + gap), top + weekday * (cell + gap), cell, cell,
                day.isoformat(), value, "" if value == 1 else "s",
            )
        )  # fmt: skip
        if day.day == 1:
            body.append(
                format_html('<text class="chart-tick" x="{}" y="10">{}</text>',
                            left + week * (cell + gap), day.strftime("%b"))
            )  # fmt: skip
        day += timedelta(days=1)
    width = left + weeks * (cell + gap)
    height = top + 7 * (cell + gap)
    rows = [(d.isoformat(), n) for d, n in sorted(counts.items()) if start <= d <= end and n]
    return Chart(
        title=title,
        summary=summary,
        svg=_svg(title=title, summary=summary, width=width, height=height, body=body),
        headers=("Day", "Reviews"),
        rows=rows,
        slug=slug,
    )


def matrix_heatmap(
    *,
    title: str,
    summary: str,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    values: Sequence[Sequence[float | None]],
    slug: str = "",
) -> Chart:
    """Rows x columns of values from 0 to 1 (None: no data), e.g. learners x topics mastery."""
    cell, left, top = 22, 150, 120
    body = []
    for col, label in enumerate(column_labels):
        x = left + col * cell + cell / 2
        body.append(
            format_html(
                '<text class="chart-tick" x="{}" y="{}" '
                'transform="rotate(-55 {} {})">{}</text>',
                _n(x), top - 6, _n(x), top - 6, _shorten(label),
            )
        )  # fmt: skip
    table_rows = []
    for row, label in enumerate(row_labels):
        y = top + row * cell
        body.append(
            format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                        left - 6, y + 15, _shorten(label))
        )  # fmt: skip
        for col, value in enumerate(values[row]):
            level = "none" if value is None else str(min(4, int(value * 5)))
            shown = "no data" if value is None else f"{value:.0%}"
            body.append(
                format_html(
                    '<rect class="mastery-{}" x="{}" y="{}" width="{}" height="{}" rx="3">'
                    "<title>{}, {}: {}</title></rect>",
                    level, left + col * cell + 1, y + 1, cell - 2, cell - 2,
                    label, column_labels[col], shown,
                )
            )  # fmt: skip
        table_rows.append(
            (label, *("—" if value is None else f"{value:.0%}" for value in values[row]))
        )
    width = left + len(column_labels) * cell + 8
    height = top + len(row_labels) * cell + 8
    return Chart(
        title=title,
        summary=summary,
        svg=_svg(title=title, summary=summary, width=width, height=height, body=body),
        headers=("", *column_labels),
        rows=table_rows,
        slug=slug,
    )


def stacked_bar_chart(
    *,
    title: str,
    summary: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    label_header: str = "Day",
    tick_every: int = 5,
    slug: str = "",
) -> Chart:
    """Bars made of up to four stacked parts (e.g. cards and questions due), with a legend."""
    width, height, left, bottom, top = 640, 236, 40, 28, 28
    plot_w, plot_h = width - left - 8, height - bottom - top
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    y_max = _nice_max(max(totals, default=0))
    slot = plot_w / max(len(labels), 1)
    body = [
        format_html('<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
                    left, top + plot_h, width - 8, top + plot_h),
        format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                    left - 6, top + 10, _fmt(y_max)),
        format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">0</text>',
                    left - 6, top + plot_h),
        *_legend([name for name, _ in series], x=left, y=12, kind="bar"),
    ]  # fmt: skip
    for index, label in enumerate(labels):
        x = left + index * slot + slot * 0.15
        base = top + plot_h
        for number, (name, values) in enumerate(series):
            value = values[index]
            bar_h = plot_h * value / y_max if y_max else 0
            if value:
                body.append(
                    format_html(
                        '<rect class="chart-bar chart-series-{}" x="{}" y="{}" width="{}" '
                        'height="{}"><title>{}, {}: {}</title></rect>',
                        number, _n(x), _n(base - bar_h), _n(slot * 0.7), _n(bar_h),
                        label, name, _fmt(value),
                    )
                )  # fmt: skip
            base -= bar_h
        if index % tick_every == 0:
            body.append(
                format_html(
                    '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x + slot * 0.35), height - 8, label,
                )
            )  # fmt: skip
    rows = [
        (label, *(_fmt(values[i]) for _, values in series), _fmt(totals[i]))
        for i, label in enumerate(labels)
    ]
    return Chart(
        title=title,
        summary=summary,
        svg=_svg(title=title, summary=summary, width=width, height=height, body=body),
        headers=(label_header, *(name for name, _ in series), "Total"),
        rows=rows,
        slug=slug,
    )


def multi_line_chart(
    *,
    title: str,
    summary: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    y_min: float,
    y_max: float,
    percent: bool = False,
    label_header: str = "When",
    slug: str = "",
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

    body = [
        format_html('<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>',
                    left, top + plot_h, width - 12, top + plot_h),
        format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                    left - 6, _n(y_of(y_max) + 4), shown(y_max)),
        format_html('<text class="chart-tick" x="{}" y="{}" text-anchor="end">{}</text>',
                    left - 6, _n(y_of(y_min)), shown(y_min)),
        *_legend([name for name, _ in series], x=left, y=12, kind="line"),
    ]  # fmt: skip
    for number, (name, values) in enumerate(series):
        segment: list[str] = []
        segments = [segment]
        for index, value in enumerate(values):
            if value is None:
                segment = []
                segments.append(segment)
                continue
            segment.append(f"{x_of(index):.1f},{y_of(value):.1f}")
            body.append(
                format_html(
                    '<circle class="chart-point chart-series-{}" cx="{}" cy="{}" r="3">'
                    "<title>{}, {}: {}</title></circle>",
                    number, _n(x_of(index)), _n(y_of(value)), labels[index], name, shown(value),
                )
            )  # fmt: skip
        for points in segments:
            if len(points) > 1:
                body.append(
                    format_html(
                        '<polyline class="chart-line chart-series-{}" points="{}"/>',
                        number, " ".join(points),
                    )
                )  # fmt: skip
    step = max(1, len(labels) // 6)
    for index, label in enumerate(labels):
        if index % step == 0:
            body.append(
                format_html(
                    '<text class="chart-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
                    _n(x_of(index)), height - 8, label,
                )
            )  # fmt: skip
    rows = [(label, *(shown(values[i]) for _, values in series)) for i, label in enumerate(labels)]
    return Chart(
        title=title,
        summary=summary,
        svg=_svg(title=title, summary=summary, width=width, height=height, body=body),
        headers=(label_header, *(name for name, _ in series)),
        rows=rows,
        slug=slug,
    )


def bar_list(
    *,
    title: str,
    summary: str,
    labels: Sequence[str],
    values: Sequence[float | None],
    x_min: float,
    x_max: float,
    reference: tuple[float, str] | None = None,
    notes: Sequence[str] = (),
    label_header: str = "",
    value_header: str = "Value",
    missing: str = "not enough data",
    slug: str = "",
) -> Chart:
    """Horizontal bars, one a row (e.g. readiness per exam domain); None says ``missing``."""
    row_h, left, top, right = 30, 230, 22, 70
    width = 640
    plot_w = width - left - right
    height = top + row_h * len(labels) + 8

    def x_of(value: float) -> float:
        return left + plot_w * (min(max(value, x_min), x_max) - x_min) / (x_max - x_min)

    body = [
        format_html('<text class="chart-tick" x="{}" y="12" text-anchor="start">{}</text>',
                    left, _fmt(x_min)),
        format_html('<text class="chart-tick" x="{}" y="12" text-anchor="end">{}</text>',
                    left + plot_w, _fmt(x_max)),
    ]  # fmt: skip
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = top + index * row_h
        body.append(
            format_html('<text class="chart-tick chart-label" x="{}" y="{}" text-anchor="end">'
                        "{}</text>", left - 8, y + 18, _shorten(label, 34))
        )  # fmt: skip
        body.append(
            format_html(
                '<rect class="chart-track" x="{}" y="{}" width="{}" height="{}" rx="3"/>',
                left, y + 6, plot_w, row_h - 12,
            )
        )  # fmt: skip
        if value is None:
            body.append(
                format_html('<text class="chart-tick" x="{}" y="{}">{}</text>',
                            left + 6, y + 19, missing)
            )  # fmt: skip
            continue
        passes = reference is None or value >= reference[0]
        body.append(
            format_html(
                '<rect class="chart-bar {}" x="{}" y="{}" width="{}" height="{}" rx="3">'
                "<title>{}: {}</title></rect>"
                '<text class="chart-tick" x="{}" y="{}">{}</text>',
                "chart-bar-good" if passes else "chart-bar-short",
                left, y + 6, _n(x_of(value) - left), row_h - 12, label, _fmt(value),
                left + plot_w + 6, y + 19, _fmt(value),
            )
        )  # fmt: skip
    if reference is not None:
        ref_value, ref_label = reference
        body.append(
            format_html(
                '<line class="chart-reference" x1="{}" y1="{}" x2="{}" y2="{}"/>'
                '<text class="chart-tick" x="{}" y="12" text-anchor="middle">{}</text>',
                _n(x_of(ref_value)), top, _n(x_of(ref_value)), height - 4,
                _n(x_of(ref_value)), ref_label,
            )
        )  # fmt: skip
    note_list = list(notes) or [""] * len(labels)
    rows = [
        (label, missing if value is None else _fmt(value), *([note] if notes else []))
        for label, value, note in zip(labels, values, note_list, strict=True)
    ]
    return Chart(
        title=title,
        summary=summary,
        svg=_svg(title=title, summary=summary, width=width, height=height, body=body),
        headers=(label_header, value_header, *(["Based on"] if notes else [])),
        rows=rows,
        slug=slug,
    )


def _legend(names: Sequence[str], *, x: int, y: int, kind: str) -> list[str]:
    if len(names) < 2:
        return []
    parts = []
    for number, name in enumerate(names):
        left = x + number * 150
        parts.append(
            format_html(
                '<rect class="chart-{}-key chart-series-{}" x="{}" y="{}" width="12" height="12" '
                'rx="2"/><text class="chart-tick" x="{}" y="{}">{}</text>',
                kind, number, left, y - 10, left + 16, y, name,
            )
        )  # fmt: skip
    return parts


def _n(value: float) -> str:
    """A coordinate with one decimal: enough for a crisp SVG, short in the page."""
    return f"{value:.1f}"


def _fmt(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _shorten(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"
