"""What tests compare stored rows with: a row's columns as the database holds them."""

from __future__ import annotations

from django.db import connection


def stored_columns(model, pk: int, columns: list[str] | None = None) -> tuple:
    """The row's ``columns`` (all but its id by default) as the database holds them, with no
    conversion back to Python: two rows written the same way hold the same values."""
    quote = connection.ops.quote_name
    if columns is None:
        columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {names} FROM {quote(model._meta.db_table)} WHERE id = %s",
            [pk],
        )
        return cursor.fetchone()
