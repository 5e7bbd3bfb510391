"""The ``markdown`` and ``markdown_inline`` template filters, registered once for every template.

Settings list this module in the template engine's ``builtins``, so no template loads it.
"""

from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

from studyapp.markdown import render_inline, render_markdown

register = template.Library()


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def markdown_inline(text: str) -> SafeString:
    return render_inline(text)
