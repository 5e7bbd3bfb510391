"""Template helpers of the topic pages (the Markdown filters are builtins: studyapp.core)."""

from __future__ import annotations

from django import template

from studyapp.topics.rendering import term_anchor

register = template.Library()


@register.filter
def anchor(term) -> str:
    """The id of a key term's defining occurrence on its topic page."""
    return term_anchor(term)
