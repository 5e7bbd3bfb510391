"""Model instances (or some of their fields' values) from hand-written SQL, for the few reads
where building the ORM's query takes longer in Python than the database takes to run it (the
review page's: see :mod:`studyapp.cards.review`; a quiz question's and its answer's: see
:mod:`studyapp.quizzes.selectors`; the run page's poll: see :mod:`studyapp.sandbox.runs`). The
instances are what the ORM would have built: every column of the model, converted from the
database's values by the converters the ORM's compiler uses; the values are what
``values_list`` gives.

And the same for the few writes of the paths learners send most (a practice answer, a card's
answer, the schedules and review logs they move): :func:`row_update` and :func:`row_insert` run
an UPDATE or an INSERT whose SQL is written once per model, columns and database, with each
value prepared by its field's ``get_db_prep_save``, as the ORM's compilers prepare it, so the
row holds what ``save(update_fields=...)`` or ``create()`` would have stored. Unlike them they
send no signals (the models written this way have no receivers), fill in no defaults (every
column written is named: :func:`with_defaults` names the rest with their fields' defaults) and
give no primary key back. :func:`rows_insert` writes many rows in one statement (an attempt's
questions).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet


def table(model: type[Model]) -> str:
    """The model's table, quoted for SQL."""
    return connection.ops.quote_name(model._meta.db_table)


def quoted(name: str) -> str:
    """A column's name, quoted for SQL."""
    return connection.ops.quote_name(name)


@dataclass(frozen=True)
class Selected:
    """A model's columns in a hand-written query (``alias``: its table there), and the model
    instance built from them as the ORM builds one, with the database's values converted."""

    model: type[Model]
    alias: str

    @property
    def fields(self) -> tuple:
        return self.model._meta.concrete_fields

    def columns(self) -> str:
        return ", ".join(f"{self.alias}.{quoted(field.column)}" for field in self.fields)

    def instance(self, values: Sequence) -> Model | None:
        """The instance of these values; None for a row a LEFT JOIN did not find."""
        database = connections[DEFAULT_DB_ALIAS]  # this thread's connection, as ``connection``
        names, pk_index, converters = selected_converters(self.model, self.alias, database)
        if values[pk_index] is None:
            return None
        converted = list(values)
        for index, column, convert in converters:
            converted[index] = convert(converted[index], column, database)
        return self.model.from_db(database.alias, names, converted)


@lru_cache(maxsize=512)
def selected_converters(
    model: type[Model], alias: str, database: BaseDatabaseWrapper
) -> tuple[list, int, list]:
    """A model's attribute names, its primary key's place among them and the converters of its
    columns, as the ORM's compiler finds them, for :meth:`Selected.instance`: once per model
    and connection (each thread has its own, and a converter may read its connection's)."""
    fields = model._meta.concrete_fields
    converters = _converters([field.get_col(alias) for field in fields], database)
    names = [field.attname for field in fields]
    return names, names.index(model._meta.pk.attname), converters


@lru_cache(maxsize=128)
def field_converters(
    model: type[Model], names: tuple[str, ...], database: BaseDatabaseWrapper
) -> list[tuple[int, object, object]]:
    """The converters of some of a model's columns (``names``: field names, in the order the
    SQL selects them), as the ORM's compiler finds them for ``values_list``."""
    table_name = model._meta.db_table
    columns = [model._meta.get_field(name).get_col(table_name) for name in names]
    return _converters(columns, database)


def _converters(columns: list, database: BaseDatabaseWrapper) -> list[tuple[int, object, object]]:
    """(place, column, converter) for each converter of each column, as the ORM's compiler
    finds them: the backend's, then the field's."""
    return [
        (index, column, convert)
        for index, column in enumerate(columns)
        for convert in (
            *database.ops.get_db_converters(column),
            *column.get_db_converters(database),
        )
    ]


def values_read(sql: str, params: Sequence, *, model: type[Model], names: tuple[str, ...]):
    """The rows of ``sql``, whose columns are ``model``'s fields ``names`` in order, with their
    values converted as ``values_list`` converts them."""
    database = connections[DEFAULT_DB_ALIAS]
    converters = field_converters(model, names, database)
    with database.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converted = []
    for row in rows:
        values = list(row)
        for index, column, convert in converters:
            values[index] = convert(values[index], column, database)
        converted.append(tuple(values))
    return converted


def row_instances(row: Sequence, parts: tuple[Selected, ...]) -> list[Model | None]:
    """The instances of ``parts`` in one row, in order."""
    instances, start = [], 0
    for part in parts:
        end = start + len(part.fields)
        instances.append(part.instance(row[start:end]))
        start = end
    return instances


def row_read(sql: str, params: dict, parts: tuple[Selected, ...]) -> list[Model | None] | None:
    """The instances of ``parts`` in the first row of ``sql``; None when it has no row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return None if row is None else row_instances(row, parts)


def rows_read(sql: str, params: dict, parts: tuple[Selected, ...]) -> list[list[Model | None]]:
    """The instances of ``parts`` in every row of ``sql``."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return [row_instances(row, parts) for row in rows]


def row_read_with_many(
    sql: str, params: dict, parts: tuple[Selected, ...], many: Selected
) -> tuple[list[Model | None], list[Model]] | None:
    """The instances of ``parts`` in the first row of ``sql``, and of ``many`` (its last
    columns: a LEFT JOIN of the row's related objects) in each of its rows, the first row's
    alone converted; None when it has no row."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        return None
    start = sum(len(part.fields) for part in parts)
    related = [many.instance(row[start:]) for row in rows]
    return row_instances(rows[0], parts), [found for found in related if found is not None]


def related_known(instance: Model, name: str, objects: list[Model]) -> None:
    """Give ``instance``'s related objects ``name`` (a reverse foreign key or a many-to-many:
    ``version.options``) as ``prefetch_related`` would: ``instance.<name>.all()`` is then
    ``objects``, read by hand-written SQL, without a query."""
    known = QuerySet(model=getattr(instance, name).model)  # never run: its rows are known
    known._result_cache = list(objects)
    known._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = known


# -- writes ---------------------------------------------------------------------------------


@lru_cache(maxsize=128)
def _write_fields(model: type[Model], attnames: tuple[str, ...]) -> tuple:
    """The concrete fields of ``model`` behind ``attnames`` (``user_id``, ``due``...), in order."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    unknown = [name for name in attnames if name not in by_attname]
    if unknown:
        raise ValueError(f"{model.__name__} has no column {', '.join(unknown)}")
    return tuple(by_attname[name] for name in attnames)


@lru_cache(maxsize=128)
def update_sql(
    model: type[Model], attnames: tuple[str, ...], matching: tuple[str, ...], vendor: str
) -> str:
    """UPDATE of ``attnames`` of one row of ``model``, by its primary key, where its columns
    ``matching`` hold given values (the parameters: the new values, the key, the matched)."""
    sets = ", ".join(f"{quoted(field.column)} = %s" for field in _write_fields(model, attnames))
    where = [quoted(model._meta.pk.column)]
    where += [quoted(field.column) for field in _write_fields(model, matching)]
    conditions = " AND ".join(f"{column} = %s" for column in where)
    return f"UPDATE {table(model)} SET {sets} WHERE {conditions}"  # noqa: S608 (names only)


@lru_cache(maxsize=128)
def insert_sql(model: type[Model], attnames: tuple[str, ...], vendor: str, rows: int = 1) -> str:
    """INSERT of ``rows`` rows of ``model`` with the columns of ``attnames``."""
    columns = ", ".join(quoted(field.column) for field in _write_fields(model, attnames))
    marks = "(" + ", ".join("%s" for _ in attnames) + ")"
    values = ", ".join([marks] * rows)
    return f"INSERT INTO {table(model)} ({columns}) VALUES {values}"  # noqa: S608 (names only)


def _prepared(model: type[Model], attnames: tuple[str, ...], values: Sequence) -> list:
    return [
        field.get_db_prep_save(value, connection)
        for field, value in zip(_write_fields(model, attnames), values, strict=True)
    ]


def row_update(
    instance: Model, attnames: Sequence[str], *, matching: Mapping[str, Any] | None = None
) -> int:
    """Write the instance's current values of ``attnames`` to its row, if the row's columns
    ``matching`` still hold those values (an optimistic lock: ``{"version": read}``): how many
    rows changed (0 when the row is gone, or has changed)."""
    model, names = type(instance), tuple(attnames)
    matching = matching or {}
    matched = tuple(matching)
    params = [
        *_prepared(model, names, [getattr(instance, name) for name in names]),
        instance.pk,
        *_prepared(model, matched, [matching[name] for name in matched]),
    ]
    with connection.cursor() as cursor:
        cursor.execute(update_sql(model, names, matched, connection.vendor), params)
        return cursor.rowcount


def row_insert(model: type[Model], values: Mapping[str, Any]) -> None:
    """Insert one row of ``model`` with ``values`` (by attribute name: ``user_id``, not
    ``user``); a column not named is left to the database (NULL, or its ``db_default``)."""
    rows_insert(model, [values])


def rows_insert(model: type[Model], rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ``rows`` of ``model`` in one statement, each with the same columns (named as
    :func:`row_insert` names them); nothing for no rows."""
    if not rows:
        return
    names = tuple(rows[0])
    params = []
    for values in rows:
        if tuple(values) != names:
            raise ValueError(f"every row of {model.__name__} names the same columns, in order")
        params += _prepared(model, names, [values[name] for name in names])
    with connection.cursor() as cursor:
        cursor.execute(insert_sql(model, names, connection.vendor, len(rows)), params)


def with_defaults(model: type[Model], values: Mapping[str, Any]) -> dict[str, Any]:
    """``values`` and every other column of ``model`` but its key with the field's default, as
    an instance made with ``values`` holds them (what ``create`` or ``bulk_create`` would store:
    ``chosen=[]``, ``flagged=False``, NULL where no default is set)."""
    defaults = {
        field.attname: field.get_default()
        for field in model._meta.concrete_fields
        if not field.primary_key and field.attname not in values
    }
    return {**values, **defaults}
