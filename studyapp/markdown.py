"""The one place that turns Markdown (and the other text formats of questions) into safe HTML.

Every piece of Markdown the app shows (notes, card faces, questions, explanations, lessons,
anything an instructor or learner writes) goes through :func:`render_markdown`. The output is
always passed through nh3 with an explicit allow-list: classes (for code highlighting) and ids
(for heading anchors) survive, scripts, event handlers, styles and unknown tags do not.

Questions imported from Moodle keep the text format they were written in, and
:func:`render_text` shows each as Moodle does: ``html`` through the same allow-list,
``markdown`` through the renderer, ``plain`` escaped with its line breaks and double spaces
kept, ``moodle`` (Moodle's auto-format) with its line breaks kept and the HTML in it allowed
through the allow-list, as Moodle's ``text_to_html`` does.
"""

from __future__ import annotations

import hashlib
import re
import threading
from collections import OrderedDict
from collections.abc import Callable
from html import escape
from importlib.metadata import version
from pathlib import Path

import markdown
import nh3
from django.utils.safestring import SafeString, mark_safe

EXTENSIONS = [
    "abbr",
    "def_list",
    "footnotes",
    "tables",
    "sane_lists",
    "toc",
    "pymdownx.superfences",
    "pymdownx.highlight",
    "pymdownx.inlinehilite",
    "pymdownx.tasklist",
    "pymdownx.tilde",
    "pymdownx.betterem",
]
EXTENSION_CONFIGS = {
    "toc": {"permalink": False},
    "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight", "guess_lang": False},
    "pymdownx.tasklist": {"custom_checkbox": False},
}

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl", "dt",
    "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li",
    "mark", "ol", "p", "pre", "s", "samp", "small", "span", "strong", "sub", "summary", "sup",
    "table", "tbody", "td", "tfoot", "th", "thead", "tr", "u", "ul",
}  # fmt: skip
GLOBAL_ATTRIBUTES = {"class", "id", "title", "lang"}
ALLOWED_ATTRIBUTES = {
    "*": GLOBAL_ATTRIBUTES,
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "input": {"type", "checked", "disabled"},
    "ol": {"start"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

#: Which renderer this is: this module's code and the libraries it runs. HTML kept from a text
#: (a question version's, see ``studyapp.quizzes.rendering``) is used only while it is the same.
RENDERER = hashlib.sha256(
    "\n".join(
        [Path(__file__).read_text(encoding="utf-8")]
        + [version(name) for name in ("markdown", "pymdown-extensions", "pygments", "nh3")]
    ).encode()
).hexdigest()[:16]


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags and attributes; links get rel=noopener noreferrer."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


LIST_ITEM = re.compile(r"^( *)([*+-]|\d+[.)])( +|$)")
FENCE = re.compile(r"^ *(```|~~~)")


def normalize_list_indent(text: str) -> str:
    """Re-indent nested lists to four spaces a level, as Python-Markdown requires.

    People write nested bullets with two spaces (as GitHub renders them); without this they
    would come out flat. Continuation lines and fenced code inside an item move with it.
    """
    out: list[str] = []
    stack: list[tuple[int, int]] = []  # (indent as written, indent as rendered) per open item
    in_fence = False
    for line in text.split("\n"):
        is_fence = bool(FENCE.match(line))
        if is_fence:
            in_fence = not in_fence
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if not stripped:
            out.append(line)
            continue
        if not (in_fence or is_fence) and LIST_ITEM.match(line):
            while stack and stack[-1][0] >= indent:
                stack.pop()
            new_indent = stack[-1][1] + 4 if stack else 0
            stack.append((indent, new_indent))
            out.append(" " * new_indent + stripped)
        elif indent and stack:
            owner = next((entry for entry in reversed(stack) if entry[0] < indent), stack[0])
            out.append(" " * (owner[1] + 4 + max(0, indent - owner[0] - 4)) + stripped)
        else:
            if not indent and out and not out[-1].strip():
                stack.clear()
            out.append(line)
    return "\n".join(out)


class RenderedCache:
    """The HTML already rendered in this process, keyed by its source (and its text format).

    The key is the source itself, so an edited note or a new question version is a new key and
    nothing is ever invalidated; the least recently used entries go first once the sources and
    their HTML together pass ``max_chars``. Bounded by size rather than by count: the shipped
    questions alone have some 2,500 texts (stems, options, feedback, explanations), which a
    count of 2,048 entries went round and round without ever keeping, and one long note weighs
    as much as a thousand options. Safe to share between a worker's threads.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.chars = 0
        self._entries: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._lock = threading.Lock()

    def get_or_render(self, text: str, text_format: str, render: Callable[[], str]) -> str:
        key = (text_format, text)
        with self._lock:
            html = self._entries.get(key)
            if html is not None:
                self._entries.move_to_end(key)
                return html
        html = render()  # outside the lock: two threads may render one text, both alike
        size = len(text) + len(html)
        if size > self.max_chars // 8:  # one huge text would push everything else out
            return html
        with self._lock:
            if key not in self._entries:
                self._entries[key] = html
                self.chars += size
                while self.chars > self.max_chars:
                    (_, old_text), old_html = self._entries.popitem(last=False)
                    self.chars -= len(old_text) + len(old_html)
        return html

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.chars = 0


#: Some 16 MB of sources and HTML per process: every shipped note, card and question several
#: times over.
RENDERED = RenderedCache(max_chars=16_000_000)


_converters = threading.local()


def _converter() -> markdown.Markdown:
    """This thread's converter: setting up the extensions was two thirds of a render's time,
    so each thread builds one and resets it after every text."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS)
        _converters.markdown = converter
    return converter


def _markdown_to_html(text: str) -> str:
    converter = _converter()
    try:
        html = converter.convert(normalize_list_indent(text))
    finally:
        converter.reset()  # footnotes, abbreviations, heading ids: nothing carries over
    return sanitize_html(html)


def _render(text: str) -> str:
    return RENDERED.get_or_render(text, "markdown", lambda: _markdown_to_html(text))


def render_markdown(text: str) -> SafeString:
    """Render Markdown to sanitised HTML, safe to put into a template as it is."""
    return mark_safe(_render(text or ""))  # noqa: S308 - sanitised by nh3 above


def render_inline(text: str) -> SafeString:
    """Render a short Markdown fragment (a term, an option) without its wrapping paragraph."""
    html = _render(text or "")
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return mark_safe(html)  # noqa: S308 - sanitised by nh3 in _render


_BETWEEN_TAGS = re.compile(r">\s+<")


def _text_to_html(text: str, text_format: str) -> str:
    text = text.replace("\r\n", "\n")
    if text_format == "html":
        return sanitize_html(text)
    if text_format == "plain":
        # Moodle's FORMAT_PLAIN: escaped, double spaces kept, each line break a <br>.
        return escape(text).replace("  ", "&nbsp; ").replace("\n", "<br>\n")
    if text_format == "moodle":
        # Moodle's text_to_html: no breaks between tags, every other line break a <br>.
        return sanitize_html(_BETWEEN_TAGS.sub("><", text).replace("\n", "<br>\n"))
    return _render(text)


def _render_text(text: str, text_format: str) -> str:
    return RENDERED.get_or_render(text, text_format, lambda: _text_to_html(text, text_format))


def render_text(text: str, text_format: str = "markdown", *, inline: bool = False) -> SafeString:
    """Render a text written in ``text_format`` (markdown, html, plain or moodle) to safe HTML.

    ``inline`` drops a Markdown fragment's wrapping paragraph (for an option); the other
    formats have none to drop. An unknown format renders as Markdown."""
    if text_format not in ("html", "plain", "moodle"):
        return render_inline(text) if inline else render_markdown(text)
    return mark_safe(_render_text(text or "", text_format))  # noqa: S308 - sanitised or escaped
