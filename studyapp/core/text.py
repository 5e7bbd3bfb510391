"""Short text a person types into a plain form field (a cohort's name, a quiz's title), checked
as the column that keeps it allows: Django's forms check their own fields, these are read
straight from the request."""

from __future__ import annotations

import re

from studyapp.core.errors import Invalid

# C0 controls but tab, line feed and carriage return, and DEL. PostgreSQL refuses NUL in text
# outright; none of them belongs in a name.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def short_text_checked(value: str, *, max_length: int, label: str) -> str:
    """``value`` without the spaces around it, if a column of ``max_length`` characters keeps
    it as typed; ``Invalid`` otherwise, saying what to change (``label`` names the field:
    "The cohort's name"). Empty text passes: whether it may be empty is the caller's rule."""
    text = value.strip()
    if len(text) > max_length:
        raise Invalid(f"{label} is {len(text)} characters long; at most {max_length} fit.")
    if CONTROL_CHARACTER.search(text):
        raise Invalid(f"{label} contains a control character (such as NUL); type it without.")
    return text
