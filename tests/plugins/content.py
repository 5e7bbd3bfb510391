"""The shipped content in the test database: imported for real once a session, then restored.

``content_import`` reads every notes, question, sample and card file and renders the notes:
seconds per test on a busy machine, for about a hundred tests that only read what it leaves.
The first test that asks imports the content for real and the rows it wrote are kept in
memory; every later test gets those same rows (ids included) written back in one bulk INSERT
per table, inside its own database transaction as before, so each test still starts from
exactly what an import leaves and may change it freely. Tests of the import itself call
``content_import`` (or ``manage.py import_content``) directly and are not affected. A test whose
database already holds content rows when it asks gets a real import: restoring ids there
could clash.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, models, transaction

from studyapp.content.importing import ImportSummary, content_import

# The apps whose rows the content import writes (it writes no user, key or progress row).
CONTENT_APPS = ("topics", "cards", "quizzes", "sandbox")


@dataclass(frozen=True)
class TableRows:
    model: type[models.Model]
    attnames: tuple[str, ...]
    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class Snapshot:
    summary: ImportSummary
    tables: tuple[TableRows, ...]


_snapshots: dict[Path, Snapshot] = {}


def content_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.app_label in CONTENT_APPS and model._meta.managed and not model._meta.proxy
    ]


def stored_fields(model: type[models.Model]) -> tuple[str, ...]:
    """The columns a row is written with: every concrete field but database-generated ones."""
    return tuple(
        field.attname
        for field in model._meta.concrete_fields
        if not getattr(field, "generated", False)
    )


def content_is_empty() -> bool:
    return not any(model._base_manager.exists() for model in content_models())


def content_snapshot(summary: ImportSummary) -> Snapshot:
    tables = []
    for model in content_models():
        attnames = stored_fields(model)
        rows = tuple(model._base_manager.order_by("pk").values_list(*attnames))
        if rows:
            tables.append(TableRows(model, attnames, rows))
    return Snapshot(summary=copy.deepcopy(summary), tables=tuple(tables))


def content_restore(snapshot: Snapshot) -> None:
    with transaction.atomic():  # foreign keys are checked at its end, whatever the table order
        for table in snapshot.tables:
            table.model._base_manager.bulk_create(
                [table.model(**dict(zip(table.attnames, row, strict=True))) for row in table.rows]
            )
        restored = [table.model for table in snapshot.tables]
        with connection.cursor() as cursor:  # PostgreSQL: sequences past the restored ids
            for statement in connection.ops.sequence_reset_sql(no_style(), restored):
                cursor.execute(statement)


def content_import_cached(source: Path) -> ImportSummary:
    """What ``content_import(source)`` leaves in the database, and its summary."""
    source = Path(source).resolve()
    snapshot = _snapshots.get(source)
    if not content_is_empty():
        return content_import(source)
    if snapshot is None:
        summary = content_import(source)
        _snapshots[source] = content_snapshot(summary)
        return summary
    content_restore(snapshot)
    return copy.deepcopy(snapshot.summary)


@pytest.fixture
def samples(db, settings) -> ImportSummary:
    """The shipped content (notes, questions, samples, events, cards) in the test database."""
    return content_import_cached(settings.CONTENT_DIR)


@pytest.fixture
def api_samples(transactional_db, settings) -> ImportSummary:
    """The shipped content in a transactional test database (for a live server's threads)."""
    return content_import_cached(settings.CONTENT_DIR)
