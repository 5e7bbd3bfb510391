"""Template helpers of the topic pages: Markdown through the project's one renderer."""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from studyapp.markdown import render_inline, render_markdown
from studyapp.topics.rendering import term_anchor

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def markdown_inline(text: str) -> SafeString:
    return render_inline(text)


@register.filter
def anchor(term) -> str:
    """The id of a key term's defining occurrence on its topic page."""
    return term_anchor(term)
