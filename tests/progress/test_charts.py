"""Charts are accessible SVG: a title, a summary, data as a table, and no script or style."""

from __future__ import annotations

import re
from datetime import date

from django.template.loader import render_to_string

from studyapp.core.charts import bar_chart, calendar_heatmap, line_chart, matrix_heatmap


def test_a_bar_chart_has_a_bar_per_value_with_its_label_and_value():
    chart = bar_chart(title="Due", summary="3 due", labels=["Mon", "Tue"], values=[1, 3])
    assert chart.svg.count('class="chart-bar"') == 2
    assert "<title>Tue: 3</title>" in chart.svg
    assert chart.rows == [("Mon", "1"), ("Tue", "3")]


def test_bar_heights_are_proportional_to_the_values():
    chart = bar_chart(title="Due", summary="", labels=["a", "b"], values=[5, 10])
    heights = [float(part.split('"')[0]) for part in chart.svg.split('height="')[1:]]
    assert heights[1] == 2 * heights[0]


def test_text_in_a_chart_is_escaped():
    chart = bar_chart(title="<script>x</script>", summary="a & b", labels=["<i>"], values=[1])
    assert "<script>" not in chart.svg
    assert "&lt;script&gt;" in chart.svg
    assert "a &amp; b" in chart.svg
    assert "&lt;i&gt;" in chart.svg


def test_a_line_chart_draws_the_reference_line_at_its_value():
    chart = line_chart(
        title="Scores",
        summary="",
        labels=["1", "2"],
        values=[100, 1000],
        y_min=100,
        y_max=1000,
        reference=(750, "pass"),
    )
    # plot top is 12, height 180: 750 sits 650/900 of the way up.
    assert 'class="chart-reference" x1="48" y1="62.0"' in chart.svg
    assert 'points="48.0,192.0 628.0,12.0"' in chart.svg


def test_the_calendar_heatmap_covers_the_year_and_shades_by_count():
    counts = {date(2026, 11, 2): 1, date(2026, 11, 3): 8}
    chart = calendar_heatmap(title="Year", summary="", counts=counts, end=date(2026, 11, 27))
    assert chart.svg.count("<rect") == 52 * 7 + 5  # 52 full weeks and Monday-Friday of this one
    assert "<title>2026-11-03: 8 reviews</title>" in chart.svg
    assert 'class="heat-4"' in chart.svg and 'class="heat-1"' in chart.svg
    assert chart.rows == [("2026-11-02", 1), ("2026-11-03", 8)]


def test_the_matrix_heatmap_marks_missing_data_apart_from_zero():
    chart = matrix_heatmap(
        title="Mastery",
        summary="",
        row_labels=["ada"],
        column_labels=["Layers", "VPC"],
        values=[[0.0, None]],
    )
    assert 'class="mastery-0"' in chart.svg and 'class="mastery-none"' in chart.svg
    assert chart.rows == [("ada", "0%", "—")]


def test_the_chart_template_gives_title_summary_and_a_data_table():
    chart = bar_chart(title="Due", summary="3 due", labels=["Mon"], values=[3], slug="due")
    html = render_to_string("includes/chart.html", {"chart": chart})
    assert '<figure class="chart-figure" id="chart-due">' in html
    assert "<strong>Due</strong>" in html and "3 due" in html
    assert '<th scope="row">Mon</th><td>3</td>' in html
    assert 'role="img"' in html
    assert "<script" not in html and "style=" not in html


def test_a_chart_s_title_and_description_ids_do_not_depend_on_what_was_drawn_before():
    def draw():
        return bar_chart(title="Reviews", summary="Per day", labels=["Mon"], values=[3]).svg

    first = draw()
    bar_chart(title="Another", summary="Drawn in between", labels=["Tue"], values=[1])
    assert draw() == first


def test_different_charts_on_one_page_label_themselves_with_different_ids():
    a = bar_chart(title="Reviews", summary="Per day", labels=["Mon"], values=[3]).svg
    b = bar_chart(title="Answers", summary="Per day", labels=["Mon"], values=[3]).svg
    ids = [re.search(r'<title id="([^"]+)"', svg).group(1) for svg in (a, b)]
    assert ids[0] != ids[1]
    assert f'aria-labelledby="{ids[0]} ' in a
