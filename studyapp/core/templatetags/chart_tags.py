"""``{% chart_shapes chart %}`` and ``{% chart_rows chart %}``: a chart's many alike shapes and
table rows, each drawn by its partial of ``includes/chart_shapes.html`` once per process and
then reused.

A year's calendar heatmap has some 370 cells and a table row per active day; drawn node by
node they were most of the dashboard's time, though from one request to the next only today's
cell and row change. Each shape (a named tuple of :mod:`studyapp.core.charts`) and each table
row (a tuple) is its own key, so a changed one is simply a new key: nothing is ever
invalidated, and the markup stays in the template, escaped by it. Shapes are kept by type as
well as value: as tuples, a shape of one kind could equal a shape of another.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from studyapp.core.charts import Chart, Label, Line, Point, Polyline, Rect

register = template.Library()

#: Distinct shapes and rows kept per process (a few hundred bytes each).
KEPT = 20_000
PARTIALS = {Rect: "rect", Polyline: "polyline", Point: "point", Line: "line", Label: "label"}


@lru_cache(maxsize=KEPT, typed=True)
def shape_markup(shape: Rect | Polyline | Point | Line | Label) -> str:
    """One shape, written without localisation (coordinates always have a decimal point)."""
    partial = PARTIALS[type(shape)]
    return get_template(f"includes/chart_shapes.html#{partial}").render({"shape": shape})


@lru_cache(maxsize=KEPT)
def row_markup(row: tuple[object, ...], language: str | None) -> str:
    """One row of a chart's table, its numbers as the active ``language`` writes them."""
    return get_template("includes/chart_shapes.html#row").render({"row": row})


@register.simple_tag
def chart_shapes(chart: Chart) -> SafeString:
    """The chart's shapes in drawing order: rects, polylines, points, lines, labels on top."""
    shapes = [*chart.rects, *chart.polylines, *chart.points, *chart.lines, *chart.labels]
    return mark_safe("".join(shape_markup(shape) for shape in shapes))  # noqa: S308 - escaped by the template


@register.simple_tag
def chart_rows(chart: Chart) -> SafeString:
    language = translation.get_language()
    rows = (row_markup(tuple(row), language) for row in chart.rows)
    return mark_safe("".join(rows))  # noqa: S308 - escaped by the template
