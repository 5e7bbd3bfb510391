"""The path converter of the URLs' numbers: ``<int64:card_id>``.

Django's ``int`` matches any run of digits, and an id no row can have then reaches the database:
PostgreSQL finds no row, but SQLite refuses to bind a number above 2**63 - 1 (OverflowError, a
server error where the page is simply not there). ``int64`` matches only the numbers a 64-bit
signed column holds, so a longer one is a URL of no page (404) before any view runs; every
number in the URLs uses it (tests/test_urls.py holds them to it).
"""

from __future__ import annotations

INT64_MAX = 2**63 - 1


class Int64Converter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > INT64_MAX:
            raise ValueError(f"{value} is above a 64-bit integer")  # the URL does not match
        return number

    def to_url(self, value: int) -> str:
        return str(value)
