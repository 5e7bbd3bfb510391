"""Idempotent writes for importers: create or update a row by its key, archive what is gone.

Both count what they did in a ``Counter`` (``created``, ``updated``, ``archived``), which the
content import reports; saving only what differs keeps a re-import of unchanged content at zero.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from django.db import models


def row_upsert[M: models.Model](
    model: type[M], changes: Counter, *, lookup: dict, values: dict
) -> M:
    """Create or update one row; save only when something differs, counting what happened."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        row = model.objects.create(**lookup, **values)
        changes["created"] += 1
        return row
    differing = {name: value for name, value in values.items() if getattr(row, name) != value}
    if differing:
        for name, value in differing.items():
            setattr(row, name, value)
        # A modification time (auto_now) moves with every update: the Anki export relies on it.
        stamps = [f.name for f in model._meta.concrete_fields if getattr(f, "auto_now", False)]
        row.save(update_fields=[*differing, *stamps])
        changes["updated"] += 1
    return row


def archive_missing(
    queryset: models.QuerySet, changes: Counter, *, keep_ids: set[int], now: datetime
) -> None:
    """Archive the active rows of ``queryset`` (an ArchivableQuerySet) not in ``keep_ids``."""
    archived = queryset.active().exclude(id__in=keep_ids)
    changes["archived"] += archived.update(archived_at=now)
