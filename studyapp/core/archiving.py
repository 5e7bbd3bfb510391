"""Archiving: rows that leave the content are stamped ``archived_at``, never deleted.

Every archivable model uses :class:`ArchivableQuerySet` (directly or through a subclass), so
"not archived" is written ``.active()`` everywhere.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def active_q(*paths: str) -> Q:
    """ "Not archived" for each related row along ``paths`` ("" is the row itself).

    ``Card.objects.filter(active_q("", "note"))`` keeps cards whose card and note are active.
    """
    return Q(
        **{
            f"{path}__archived_at__isnull" if path else "archived_at__isnull": True
            for path in paths
        }
    )


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        """The rows that are not archived."""
        return self.filter(active_q(""))

    def archived(self):
        return self.filter(archived_at__isnull=False)
