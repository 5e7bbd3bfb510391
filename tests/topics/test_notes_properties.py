"""Properties of the notes reader on text nobody designed for it: it never crashes, every line
ends somewhere, and what it takes points back at the line it came from."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from studyapp.topics.notes import notes_parse

words = (
    st.text(alphabet=st.sampled_from("abcdefghij XYZ:-–—*_#.1`"), min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)
indents = st.sampled_from(["", "", " ", "  ", "   ", "    ", "\t"])
markers = st.sampled_from(["*", "-", "+", "1.", "2)"])
term_forms = st.sampled_from(
    [
        "**{t}**: {d}",
        "**{t}:** {d}",
        "**{t}** - {d}",
        "**{t}** – {d}",
        "**{t}** — {d}",
        "**{t}**",
        "__{t}__: {d}",
        "**{t}** {d}",
    ]
)


@st.composite
def note_line(draw) -> str:
    kind = draw(st.sampled_from(["heading", "bold", "term", "bullet", "text", "blank", "fence"]))
    if kind == "heading":
        return "#" * draw(st.integers(1, 6)) + " " + draw(words)
    if kind == "bold":
        return "**" + draw(words) + "**" + draw(st.sampled_from(["", ":", " :"]))
    if kind == "term":
        form = draw(term_forms).format(t=draw(words), d=draw(words))
        return draw(indents) + draw(markers) + " " + form
    if kind == "bullet":
        return draw(indents) + draw(markers) + " " + draw(words)
    if kind == "fence":
        return draw(indents) + draw(st.sampled_from(["```", "~~~", "```python"]))
    if kind == "blank":
        return ""
    return draw(indents) + draw(words)


notes_texts = st.lists(note_line(), max_size=40).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(notes_texts)
def test_every_line_ends_somewhere(text):
    course, _ = notes_parse(text, name="notes.md")
    if course is None:
        return
    assert set(course.line_places) == set(range(1, len(text.splitlines()) + 1))


@settings(max_examples=300, deadline=None)
@given(notes_texts)
def test_every_key_term_points_at_a_line_that_names_it(text):
    course, _ = notes_parse(text, name="notes.md")
    lines = text.splitlines()
    for term in course.key_terms if course else []:
        assert term.term in lines[term.line - 1]
        assert term.definition.strip()
        assert term.slug


@settings(max_examples=300, deadline=None)
@given(notes_texts)
def test_warnings_and_problems_point_at_lines_of_the_file(text):
    course, problems = notes_parse(text, name="notes.md")
    count = max(len(text.splitlines()), 1)
    for item in [*problems, *(course.warnings if course else [])]:
        assert 1 <= item.line <= count
        assert item.message


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_parses_without_crashing(text):
    course, problems = notes_parse(text, name="any.md")
    assert course is not None or problems
