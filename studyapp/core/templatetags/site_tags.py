"""``{% site_nav %}``: the header's main navigation, drawn by its partial of
``includes/header.html`` once per process for each thing it shows, then reused.

Every full page draws it, and its seven links (each a URL reversed) and their marks were most
of the header's time, though they depend on nothing but the section and page the request is in
and whether the learner teaches. Those, with the script prefix the URLs start with, are the
key; the partial is given only them, so nothing is ever invalidated and the markup stays in
the template, escaped by it.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

#: The pages the navigation marks by name rather than by section.
MARKED_PAGES = ("home", "teach")


@lru_cache(maxsize=256)
def nav_markup(prefix: str, section: str, page: str, instructor: bool) -> str:
    """The navigation of a page in ``section`` (``page`` if it is one marked by name), its URLs
    under ``prefix``, which :func:`site_nav` passes only to key it: reversing reads it."""
    context = {"section": section, "page": page, "instructor": instructor}
    return get_template("includes/header.html#nav").render(context)


@register.simple_tag(takes_context=True)
def site_nav(context: template.Context) -> SafeString:
    """The main navigation for the signed-in user, the link of the page's section marked."""
    request = context.get("request")
    match = request.resolver_match if request else None  # None on a page no URL matched
    section = match.app_name if match else ""
    page = match.url_name if match and match.url_name in MARKED_PAGES else ""
    instructor = context["user"].is_instructor
    markup = nav_markup(get_script_prefix(), section, page, instructor)
    return mark_safe(markup)  # noqa: S308 - escaped by the template
