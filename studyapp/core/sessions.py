"""The session store: Django's database sessions, with each request's read in SQL kept once.

Every signed-in request reads its session before anything else. Django's store builds that read
with the ORM each time (``Session.objects.get(session_key=..., expire_date__gt=now)``), which
takes longer in Python than the database takes to answer it; here the same SELECT is written
once per database vendor and run with the key and the time. Keys, expiry, writes, the table and
the stored format are Django's, so sessions written by either store are read by the other.
"""

from __future__ import annotations

from functools import cache

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


@cache
def session_read_sql(vendor: str) -> str:
    """The live session of a key: its data, when it has not expired (key and time as params)."""
    from django.contrib.sessions.models import Session

    quote = connections[router.db_for_read(Session)].ops.quote_name
    table, data, key, expiry = (
        quote(name)
        for name in (Session._meta.db_table, "session_data", "session_key", "expire_date")
    )
    # Only names are formatted in; the key and the time are parameters.
    return f"SELECT {data} FROM {table} WHERE {key} = %s AND {expiry} > %s"  # noqa: S608


class SessionStore(db.SessionStore):
    """Django's database session store; only its read of a session is kept SQL."""

    def load(self) -> dict:
        connection = connections[router.db_for_read(self.model)]
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(session_read_sql(connection.vendor), (self.session_key, now))
            row = cursor.fetchone()
        if row is None:  # no such session, or expired: a new one if anything is stored
            self._session_key = None
            return {}
        return self.decode(row[0])
