"""Question texts are shown in the format they were written in, as Moodle shows them."""

from __future__ import annotations

import pytest

from studyapp.markdown import render_text


def test_html_is_kept_as_html_through_the_allow_list():
    html = '<p>Pick <b>one</b></p><script>alert(1)</script><p onclick="x()">x</p>'

    assert render_text(html, "html") == "<p>Pick <b>one</b></p><p>x</p>"


def test_indented_html_is_html_not_a_code_block():
    html = "<ul>\n    <li>one</li>\n    <li>two</li>\n</ul>"

    assert render_text(html, "html") == html


def test_literal_angle_brackets_in_html_text_stay_escaped():
    assert render_text("Use &lt;html&gt; here", "html") == "Use &lt;html&gt; here"


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("#", "#"),
        ("2*3*4", "2*3*4"),
        ("C:\\temp", "C:\\temp"),
        ("1 < 2 & <b>", "1 &lt; 2 &amp; &lt;b&gt;"),
        ("line one\nline two", "line one<br>\nline two"),
        ("two  spaces", "two&nbsp; spaces"),
    ],
)
def test_plain_text_is_escaped_with_its_line_breaks_kept(text, shown):
    assert render_text(text, "plain") == shown


def test_moodle_auto_format_keeps_line_breaks_and_allowed_html():
    text = "First <b>bold</b>\nsecond\n<p>a</p>\n<p>b</p>"

    assert render_text(text, "moodle") == "First <b>bold</b><br>\nsecond<br>\n<p>a</p><p>b</p>"


def test_moodle_auto_format_drops_what_the_allow_list_does_not_allow():
    shown = render_text('<img src="x" onerror="alert(1)">2*3*4', "moodle")

    assert shown == ('<img src="x">2*3*4')


def test_markdown_goes_through_the_markdown_renderer():
    assert render_text("Which is **bold**?", "markdown") == "<p>Which is <strong>bold</strong>?</p>"


def test_an_inline_markdown_option_has_no_paragraph_and_other_formats_are_unchanged():
    assert render_text("`code`", "markdown", inline=True) == "<code>code</code>"
    assert render_text("a\nb", "plain", inline=True) == "a<br>\nb"
