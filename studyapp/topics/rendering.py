"""A topic's body as HTML, with each of its key terms marked up as an accessible definition.

The body goes through the project's one renderer (studyapp/markdown.py) first. Only then are
the bold occurrences of the topic's key terms (``**Term**`` in the notes) wrapped: the wrapper
is fixed markup, the term is the sanitised HTML that was already there, the tooltip is the
definition's first paragraph as escaped plain text, and ids are built from slugs. No text
from the notes reaches the page without passing nh3 or escaping.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence

from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe

from studyapp.markdown import render_inline, render_markdown
from studyapp.topics.models import KeyTerm

STRONG = re.compile(r"<strong>(?P<inner>(?:(?!</?strong>).)*?)</strong>", re.DOTALL)


def term_anchor(term: KeyTerm) -> str:
    """The id of a term's first, defining occurrence on its topic page."""
    return f"term-{term.slug}"


def term_tooltip_text(term: KeyTerm) -> str:
    """The definition's first paragraph as plain text (not yet escaped)."""
    first = term.definition_md.strip().split("\n\n", 1)[0]
    return " ".join(html.unescape(strip_tags(str(render_markdown(first)))).split())


def _term_markup(inner_html: str, term: KeyTerm, occurrence: int) -> str:
    tip_id = escape(f"tip-{term.slug}-{occurrence}")
    anchor = f' id="{escape(term_anchor(term))}"' if occurrence == 1 else ""
    return (
        f'<span class="term"><dfn{anchor} class="term-name">'
        f'<button type="button" class="term-button" aria-describedby="{tip_id}">'
        f"{inner_html}</button></dfn>"
        f'<span class="term-tip" role="tooltip" id="{tip_id}">'
        f"{escape(term_tooltip_text(term))}</span></span>"
    )


def body_with_terms(body_md: str, key_terms: Sequence[KeyTerm]) -> SafeString:
    """Render ``body_md`` and mark up every bold occurrence of one of ``key_terms``."""
    body_html = str(render_markdown(body_md))
    by_html = {str(render_inline(term.term)): term for term in key_terms}
    seen: Counter[str] = Counter()

    def wrap(match: re.Match[str]) -> str:
        term = by_html.get(match.group("inner"))
        if term is None:
            return match.group(0)
        seen[term.slug] += 1
        return _term_markup(match.group("inner"), term, seen[term.slug])

    return mark_safe(STRONG.sub(wrap, body_html))  # noqa: S308 - only sanitised or escaped parts
