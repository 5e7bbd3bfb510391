"""A JSON column that keeps any text a function, an event or a learner's code holds.

PostgreSQL's jsonb refuses two things JSON itself allows in a string: the NUL character
(``\\u0000``: "unsupported Unicode escape sequence") and a surrogate code point standing alone
(``\\ud800``). A handler that returns or logs a NUL, or an event sent with one, then failed to be
stored: the invocation stayed "running" and its caller waited for nothing. SQLite keeps both.

``AnyTextJSONField`` stores such characters escaped, on every database alike, and gives back
exactly what was saved. The escape is U+E000, a private-use character that nothing else gives a
meaning to: U+E000 itself is stored doubled, NUL as U+E000 "0", a lone surrogate as U+E000 "s"
and its four hex digits. Values without those characters (nearly all) are stored as they are.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import models

ESCAPE = "\ue000"
# What must be escaped: NUL, any surrogate code point (a Python string holds one only alone),
# and the escape character itself.
ESCAPED = re.compile("[\x00\ud800-\udfff\ue000]")
UNESCAPED = re.compile(f"{ESCAPE}({ESCAPE}|0|s[0-9a-f]{{4}})")


def _escape_one(match: re.Match) -> str:
    character = match.group()
    if character == ESCAPE:
        return ESCAPE + ESCAPE
    if character == "\x00":
        return ESCAPE + "0"
    return f"{ESCAPE}s{ord(character):04x}"


def _unescape_one(match: re.Match) -> str:
    code = match.group(1)
    if code == ESCAPE:
        return ESCAPE
    if code == "0":
        return "\x00"
    return chr(int(code[1:], 16))


def json_text_escaped(value: Any) -> Any:
    """``value`` (what json.loads gives: dicts, lists, strings, numbers...) with every string
    and key escaped for storage; a string or number that needs nothing is given back as it is,
    lists and dicts are always rebuilt."""
    if isinstance(value, str):
        return ESCAPED.sub(_escape_one, value) if ESCAPED.search(value) else value
    if isinstance(value, dict):
        return {json_text_escaped(key): json_text_escaped(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_text_escaped(item) for item in value]
    return value


def json_text_unescaped(value: Any) -> Any:
    """What :func:`json_text_escaped` stored, given back as it was."""
    if isinstance(value, str):
        return UNESCAPED.sub(_unescape_one, value) if ESCAPE in value else value
    if isinstance(value, dict):
        return {json_text_unescaped(key): json_text_unescaped(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_text_unescaped(item) for item in value]
    return value


class AnyTextJSONField(models.JSONField):
    """A ``JSONField`` whose strings may hold any character (see the module's docstring)."""

    def get_prep_value(self, value: Any) -> Any:
        return super().get_prep_value(json_text_escaped(value))

    def from_db_value(self, value, expression, connection):
        loaded = super().from_db_value(value, expression, connection)
        # SQLite gives back the JSON text as json.dumps wrote it (U+E000 as "\ue000"),
        # PostgreSQL as jsonb prints it (the character itself): look for either first.
        if isinstance(value, str) and ESCAPE not in value and "\\ue000" not in value:
            return loaded
        return json_text_unescaped(loaded)
