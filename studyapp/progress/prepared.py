"""Queries compiled once per process: a selector's queryset, its SQL kept, its values filled in.

The learner's dashboard runs a dozen small grouped queries on every view. Building and
compiling each queryset costs far more than running it (the forecast's: about 1.6 ms of Python
against 0.1 ms in the database), and the SQL is the same from one view to the next: only the
learner, the moment and the like change. A :class:`Prepared` query is the queryset a selector
builds, with a :class:`Parameter` in place of each value that changes, compiled to SQL the
first time it runs on a database; each run then fills in the values, prepared for the database
as Django prepares a lookup's value (a datetime as the database stores it), and runs the SQL.
The queryset stays the one definition of the read (the same Q objects and expressions as
everywhere else); its rows come back as the database gives them, numbers and text, save the
columns the prepared query says how to convert (a datetime, which SQLite gives without its
time zone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Expression, Field, QuerySet
from django.utils.dateparse import parse_datetime


@dataclass(frozen=True)
class Blank:
    """Where a parameter's value goes among a compiled query's parameters."""

    name: str
    field: Field


class Parameter(Expression):
    """A value of a prepared query given at each run, of the type ``output_field`` says."""

    def __init__(self, name: str, output_field: Field) -> None:
        super().__init__(output_field=output_field)
        self.name = name

    def __repr__(self) -> str:
        return f"Parameter({self.name!r})"

    def as_sql(self, compiler, connection) -> tuple[str, list[Blank]]:
        return "%s", [Blank(self.name, self.output_field)]

    def get_group_by_cols(self) -> list:
        return []  # one value for every row, as a Value is: nothing to group by


class Prepared:
    """A read whose queryset ``build`` gives, compiled once per database vendor and process."""

    def __init__(
        self, build: Callable[[], QuerySet], *, convert: Mapping[str, Callable] | None = None
    ) -> None:
        self.build = build
        self.convert = dict(convert or {})  # column name -> what turns its value into Python's
        self.compiled: dict[str, tuple[str, tuple[Any, ...]]] = {}

    def sql(self) -> tuple[str, tuple[Any, ...]]:
        """The SQL and its parameters (a :class:`Blank` for each value given at each run)."""
        found = self.compiled.get(connection.vendor)
        if found is None:
            sql, params = self.build().query.get_compiler(connection=connection).as_sql()
            found = self.compiled[connection.vendor] = (sql, tuple(params))
        return found

    def rows(self, **values: Any) -> list[tuple]:
        """The rows, each a tuple in the order of the queryset's columns (a ``values_list``'s)."""
        with self.run(values) as cursor:
            return cursor.fetchall()

    def dicts(self, **values: Any) -> list[dict[str, Any]]:
        """The rows, each a dict by column name (a ``values`` queryset's)."""
        with self.run(values) as cursor:
            names = [column[0] for column in cursor.description]
            rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for name, convert in self.convert.items():
            for row in rows:
                row[name] = convert(row[name])
        return rows

    @contextmanager
    def run(self, values: dict[str, Any]) -> Iterator[CursorWrapper]:
        """A cursor that has run the query with these values."""
        sql, params = self.sql()
        filled = [
            p.field.get_db_prep_value(values[p.name], connection) if isinstance(p, Blank) else p
            for p in params
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, filled)
            yield cursor


def moment(value: datetime | str | None) -> datetime | None:
    """A datetime column's value as a cursor gives it (aware on PostgreSQL; naive, or text for
    a computed column, on SQLite, which stores UTC) as Django's ORM gives it: aware, in UTC."""
    if value is None:
        return None
    if isinstance(value, str):
        value = parse_datetime(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
