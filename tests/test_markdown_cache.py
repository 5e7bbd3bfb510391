"""Rendered HTML is kept per process, keyed by its source: a text is rendered once, an edited
text is a new key, and the store stays within its size, dropping the least recently used."""

from __future__ import annotations

from studyapp.markdown import RENDERED, RenderedCache, render_markdown, render_text


def renderer(calls: list[str], html: str):
    def render() -> str:
        calls.append(html)
        return html

    return render


def test_a_text_is_rendered_once_and_then_served_from_the_store():
    store = RenderedCache(max_chars=10_000)
    calls: list[str] = []
    first = store.get_or_render("**a**", "markdown", renderer(calls, "<p><strong>a</strong></p>"))
    again = store.get_or_render("**a**", "markdown", renderer(calls, "not asked for"))
    assert first == again == "<p><strong>a</strong></p>"
    assert calls == ["<p><strong>a</strong></p>"]


def test_the_same_text_in_another_format_is_another_entry():
    store = RenderedCache(max_chars=10_000)
    calls: list[str] = []
    store.get_or_render("a  b", "markdown", renderer(calls, "<p>a b</p>"))
    plain = store.get_or_render("a  b", "plain", renderer(calls, "a&nbsp; b"))
    assert plain == "a&nbsp; b"
    assert len(calls) == 2


def test_the_store_keeps_within_its_size_dropping_the_least_recently_used():
    store = RenderedCache(max_chars=80)  # room for eight entries of 10 characters
    calls: list[str] = []
    for name in "abcdefgh":
        store.get_or_render(name * 2, "markdown", renderer(calls, name * 8))
    store.get_or_render("aa", "markdown", renderer(calls, "unused"))  # a is used again
    store.get_or_render("ii", "markdown", renderer(calls, "i" * 8))  # so b goes
    assert store.chars == 80
    store.get_or_render("aa", "markdown", renderer(calls, "unused"))
    store.get_or_render("bb", "markdown", renderer(calls, "b" * 8))
    assert calls == [name * 8 for name in "abcdefghib"]


def test_a_text_too_big_for_the_store_is_rendered_each_time_and_evicts_nothing():
    store = RenderedCache(max_chars=800)
    calls: list[str] = []
    store.get_or_render("small", "markdown", renderer(calls, "<p>small</p>"))
    for _ in range(2):
        store.get_or_render("x" * 200, "markdown", renderer(calls, "<p>big</p>"))
    store.get_or_render("small", "markdown", renderer(calls, "unused"))
    assert calls == ["<p>small</p>", "<p>big</p>", "<p>big</p>"]


def test_an_edited_text_renders_anew_and_the_process_store_serves_both():
    RENDERED.clear()
    before = render_markdown("Lambda bills **per millisecond**.")
    after = render_markdown("Lambda bills **per 1 ms**.")
    assert before == "<p>Lambda bills <strong>per millisecond</strong>.</p>"
    assert after == "<p>Lambda bills <strong>per 1 ms</strong>.</p>"
    assert render_markdown("Lambda bills **per millisecond**.") == before
    assert render_text("<script>x</script><b>ok</b>", "html") == "<b>ok</b>"
    assert RENDERED.chars > 0


def test_footnotes_and_abbreviations_of_one_text_never_reach_the_next():
    RENDERED.clear()
    first = render_markdown("Cold starts[^1] and *[VPC]: Virtual Private Cloud\n\n[^1]: INIT.")
    second = render_markdown("A VPC and a plain note.")
    assert "footnote" in first
    assert "footnote" not in second and "<abbr" not in second
    assert second == "<p>A VPC and a plain note.</p>"
