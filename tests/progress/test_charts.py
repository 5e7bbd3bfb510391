"""Charts are accessible SVG drawn by a template from their geometry: a title, a summary, the data
as a table, and no script or style. core/charts.py computes numbers only; the template writes."""

from __future__ import annotations

import re
from datetime import date

from django.template.loader import render_to_string
from django.utils import translation

from studyapp.core.charts import (
    Label,
    Line,
    bar_list,
    calendar_heatmap,
    line_chart,
    matrix_heatmap,
    multi_line_chart,
    stacked_bar_chart,
)


def svg_of(chart) -> str:
    return render_to_string("includes/chart_svg.html", {"chart": chart})


def page_of(chart) -> str:
    return render_to_string("includes/chart.html", {"chart": chart})


def bars(labels, values, **words):
    return stacked_bar_chart(
        title=words.get("title", "Due"),
        summary=words.get("summary", ""),
        slug=words.get("slug", "due"),
        labels=labels,
        series=[("Reviews", values)],
    )


def test_a_bar_chart_has_a_bar_per_value_with_its_label_and_value():
    chart = bars(["Mon", "Tue"], [1, 3])
    svg = svg_of(chart)
    assert svg.count('class="chart-bar chart-series-0"') == 2
    assert "<title>Tue, Reviews: 3</title>" in svg
    assert chart.rows == [("Mon", "1", "1"), ("Tue", "3", "3")]


def test_bar_heights_are_proportional_to_the_values():
    chart = bars(["a", "b"], [5, 10])
    heights = [rect.height for rect in chart.rects]
    assert heights[1] == 2 * heights[0]
    drawn = [float(h) for h in re.findall(r'<rect [^>]*height="([\d.]+)"', svg_of(chart))]
    assert drawn == heights


def test_stacked_bars_sit_on_each_other_and_get_a_legend():
    chart = stacked_bar_chart(
        title="Due",
        summary="",
        slug="due",
        labels=["Mon"],
        series=[("Cards", [2]), ("Questions", [3])],
    )
    keys, (cards, questions) = chart.rects[:2], chart.rects[2:]
    assert [key.css for key in keys] == [
        "chart-bar-key chart-series-0",
        "chart-bar-key chart-series-1",
    ]
    assert questions.y + questions.height == cards.y  # questions on top of the cards
    assert chart.rows == [("Mon", "2", "3", "5")]
    assert ">Questions</text>" in svg_of(chart)


def test_text_in_a_chart_is_escaped():
    chart = bars(["<i>"], [1], title="<script>x</script>", summary="a & b")
    html = page_of(chart)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert "a &amp; b" in html
    assert "&lt;i&gt;" in html and "<i>" not in html


def test_a_line_chart_draws_the_reference_line_at_its_value():
    chart = line_chart(
        title="Scores",
        summary="",
        slug="scores",
        labels=["1", "2"],
        values=[100, 1000],
        y_min=100,
        y_max=1000,
        reference=(750, "pass"),
    )
    # plot top is 12, height 180: 750 sits 650/900 of the way up.
    assert chart.lines[1] == Line(48, 62.0, 628, 62.0, "chart-reference")
    assert chart.polylines[0].points == ((48.0, 192.0), (628.0, 12.0))
    svg = svg_of(chart)
    assert '<line class="chart-reference" x1="48" y1="62.0" x2="628" y2="62.0"/>' in svg
    assert 'points="48.0,192.0 628.0,12.0"' in svg
    assert ">pass</text>" in svg


def test_coordinates_are_written_with_a_point_whatever_the_locale():
    chart = line_chart(
        title="Scores", summary="", slug="s", labels=["1"], values=[1], y_min=0, y_max=3
    )
    with translation.override("de"):
        svg = svg_of(chart)
    assert 'cy="132.0"' in svg and "132,0" not in svg


def test_the_calendar_heatmap_covers_the_year_and_shades_by_count():
    counts = {date(2026, 11, 2): 1, date(2026, 11, 3): 8}
    chart = calendar_heatmap(
        title="Year", summary="", slug="year", counts=counts, end=date(2026, 11, 27)
    )
    assert len(chart.rects) == 52 * 7 + 5  # 52 full weeks and Monday-Friday of this one
    svg = svg_of(chart)
    assert svg.count("<rect") == 52 * 7 + 5
    assert "<title>2026-11-03: 8 reviews</title>" in svg
    assert "<title>2026-11-02: 1 review</title>" in svg
    assert 'class="heat-4"' in svg and 'class="heat-1"' in svg
    assert chart.rows == [("2026-11-02", 1), ("2026-11-03", 8)]
    assert Label(28 + 48 * 13, 10, "Nov") in chart.labels  # 1 November starts week 48


def test_the_matrix_heatmap_marks_missing_data_apart_from_zero():
    chart = matrix_heatmap(
        title="Mastery",
        summary="",
        slug="mastery",
        row_labels=["ada"],
        column_labels=["Layers", "VPC"],
        values=[[0.0, None]],
    )
    svg = svg_of(chart)
    assert 'class="mastery-0"' in svg and 'class="mastery-none"' in svg
    assert "<title>ada, VPC: no data</title>" in svg
    cell = chart.rects[0]  # column labels slant up from the middle of their cell's top
    assert f'transform="rotate(-55 {float(cell.x + 10)} {cell.y - 7})"' in svg
    assert chart.rows == [("ada", "0%", "—")]


def test_a_multi_line_chart_leaves_a_gap_where_there_is_no_data():
    chart = multi_line_chart(
        title="Retention",
        summary="",
        slug="retention",
        labels=["1", "2", "3", "4"],
        series=[("Young", [0.5, 1.0, None, 0.0])],
        y_min=0,
        y_max=1,
        percent=True,
    )
    assert [len(line.points) for line in chart.polylines] == [2]  # the lone 4th point: no line
    assert len(chart.points) == 3
    assert chart.rows[2] == ("3", "—")
    assert "<title>4, Young: 0%</title>" in svg_of(chart)


def test_a_bar_list_marks_bars_short_of_the_reference_and_says_what_is_missing():
    chart = bar_list(
        title="Readiness",
        summary="",
        slug="readiness",
        labels=["D1", "D2", "D3"],
        values=[800, 600, None],
        x_min=100,
        x_max=1000,
        reference=(750, "750"),
        missing="too few answers",
    )
    css = [rect.css for rect in chart.rects if "chart-bar" in rect.css]
    assert css == ["chart-bar chart-bar-good", "chart-bar chart-bar-short"]
    assert chart.lines[0].x1 == round(230 + 340 * 650 / 900, 1)
    svg = svg_of(chart)
    assert ">too few answers</text>" in svg
    assert chart.rows[2] == ("D3", "too few answers")


def test_the_chart_template_gives_title_summary_and_a_data_table():
    html = page_of(bars(["Mon"], [3], summary="3 due"))
    assert '<figure class="chart-figure" id="chart-due">' in html
    assert "<strong>Due</strong>" in html and "3 due" in html
    assert '<th scope="row">Mon</th><td>3</td>' in html
    assert 'role="img"' in html
    assert 'aria-labelledby="chart-due-title chart-due-desc"' in html
    assert '<title id="chart-due-title">Due</title>' in html
    assert '<desc id="chart-due-desc">3 due</desc>' in html
    assert "<script" not in html and "style=" not in html


def test_a_chart_s_ids_do_not_depend_on_what_was_drawn_before():
    first = svg_of(bars(["Mon"], [3], title="Reviews", slug="reviews"))
    svg_of(bars(["Tue"], [1], title="Another", slug="another"))
    assert svg_of(bars(["Mon"], [3], title="Reviews", slug="reviews")) == first


def test_different_charts_on_one_page_label_themselves_with_different_ids():
    a = svg_of(bars(["Mon"], [3], title="Reviews", slug="reviews"))
    b = svg_of(bars(["Mon"], [3], title="Answers", slug="answers"))
    ids = [re.search(r'<title id="([^"]+)"', svg).group(1) for svg in (a, b)]
    assert ids[0] != ids[1]
    assert f'aria-labelledby="{ids[0]} ' in a


def test_a_long_label_is_shortened_and_keeps_its_whole_text_as_a_tooltip():
    name = "a-learner-with-a-very-long-username"
    chart = matrix_heatmap(
        title="Mastery",
        summary="",
        slug="mastery",
        row_labels=[name],
        column_labels=["Layers"],
        values=[[0.5]],
    )
    svg = svg_of(chart)
    assert f"<title>{name}</title>a-learner-with-a-very…</text>" in svg


def test_the_matrix_heatmap_makes_room_for_its_longest_labels():
    short = matrix_heatmap(
        title="M", summary="", slug="m", row_labels=["ada"], column_labels=["VPC"], values=[[1.0]]
    )
    long = matrix_heatmap(
        title="M",
        summary="",
        slug="m",
        row_labels=["a-much-longer-username"],
        column_labels=["Provisioned Concurrency"],
        values=[[1.0]],
    )
    left = [chart.rects[0].x for chart in (short, long)]
    assert left[1] > left[0] + 100  # row labels get the room they need on the left
    assert long.rects[0].y > short.rects[0].y + 60  # and column labels above the grid
    assert long.width > long.rects[0].x + 22 + 60  # and room to lean into on the right


def test_a_chart_drawn_again_with_one_day_more_shows_the_new_day_and_keeps_the_rest():
    end = date(2026, 11, 27)
    before = calendar_heatmap(
        title="Year", summary="", slug="year", counts={date(2026, 11, 3): 8}, end=end
    )
    after = calendar_heatmap(
        title="Year",
        summary="",
        slug="year",
        counts={date(2026, 11, 3): 8, end: 2},
        end=end,
    )
    first, second = page_of(before), page_of(after)
    assert "<title>2026-11-27: 2 reviews</title>" not in first
    assert "<title>2026-11-27: 2 reviews</title>" in second
    assert '<th scope="row">2026-11-27</th><td>2</td>' in second
    assert page_of(before) == first  # drawn from the kept shapes, alike
    assert svg_of(after).count("<rect") == svg_of(before).count("<rect")
