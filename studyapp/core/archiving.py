"""Archiving: rows that leave the content are stamped ``archived_at``, never deleted.

Every archivable model uses :class:`ArchivableQuerySet` (directly or through a subclass), so
"not archived" is written ``.active()`` everywhere.
"""

from __future__ import annotations

from django.db import models


class ArchivableQuerySet(models.QuerySet):
    def active(self):
        """The rows that are not archived."""
        return self.filter(archived_at__isnull=True)

    def archived(self):
        return self.filter(archived_at__isnull=False)
