"""The path converter of the URLs' numbers: ``<int64:card_id>``.

Django's ``int`` matches any run of digits, and an id no row can have then reaches the database:
PostgreSQL finds no row, but SQLite refuses to bind a number above 2**63 - 1 (OverflowError, a
server error where the page is simply not there). ``int64`` matches only the numbers a 64-bit
signed column holds, so a longer one is a URL of no page (404) before any view runs; every
number in the URLs uses it (tests/test_urls.py holds them to it). ``int64_or_none`` reads a
number from a form or a query string by the same rule.
"""

from __future__ import annotations

import re

INT64_MAX = 2**63 - 1
INT64_MIN = -(2**63)
WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")


def int64_or_none(value: str | None) -> int | None:
    """The whole number written in a form's or a query string's value (ASCII digits, a leading
    minus at most), if a 64-bit column can hold it; None for anything else. ``int()`` would also
    take spaces, a plus, underscores and other scripts' digits, and ``str.isdigit`` passes "²",
    which ``int()`` then refuses; a number outside the range would fail a query on SQLite
    (which cannot bind one) instead of matching nothing."""
    if not value or not WHOLE_NUMBER.fullmatch(value):
        return None
    number = int(value)
    return number if INT64_MIN <= number <= INT64_MAX else None


class Int64Converter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > INT64_MAX:
            raise ValueError(f"{value} is above a 64-bit integer")  # the URL does not match
        return number

    def to_url(self, value: int) -> str:
        return str(value)
