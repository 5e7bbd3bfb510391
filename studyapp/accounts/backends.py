"""The authentication backend: Django's model backend, reading the user's role with the user.

Every page's header asks whether the signed-in user is an instructor. Django reads the session's
user with one query; this backend adds to that query whether the teach permission is the user's
(directly or by a group), so the role costs no query of its own. Nothing is kept between
requests: a permission granted or revoked counts from the user's next request, in every process.
Only the read's SQL is kept, built by the ORM once per process: building the subqueries takes
about 0.9 ms of Python each time, where the whole read from the SQL kept takes about 0.1 ms;
its row becomes the user as the ORM would build it (core/rows.py), without a raw queryset's
per-read work of matching columns to fields.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from studyapp.accounts.models import TEACH_GRANTED, TEACH_PERMISSION, User
from studyapp.core.rows import Selected

USER = Selected(User, "u")  # the alias is never written: the kept SQL names the table


def teach_granted() -> Q:
    """Whether the outer user holds the teach permission, by themselves or by a group (their
    active and superuser status aside: ``User.has_perm`` and the backend answer those)."""
    app_label, codename = TEACH_PERMISSION.split(".")
    teach = Permission.objects.filter(content_type__app_label=app_label, codename=codename)
    directly = Exists(teach.filter(user=OuterRef("pk")))
    by_group = Exists(teach.filter(group__user=OuterRef("pk")))
    return directly | by_group


@cache
def user_read_sql(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """The session's user's read: every column of the user and :func:`teach_granted`, the SQL
    the ORM builds (the user's id as its last parameter), once per database vendor."""
    query = User._default_manager.annotate(**{TEACH_GRANTED: teach_granted()}).query
    sql, params = query.get_compiler(connection=connection).as_sql()
    quote = connection.ops.quote_name
    where = f"{quote(User._meta.db_table)}.{quote(User._meta.pk.column)} = %s"
    return f"{sql} WHERE {where}", tuple(params)


class RoleBackend(ModelBackend):
    """Django's model backend, whose session user also knows whether it may teach."""

    def get_user(self, user_id: Any) -> User | None:
        sql, params = user_read_sql(connection.vendor)
        pk = User._meta.pk.to_python(user_id)
        with connection.cursor() as cursor:
            cursor.execute(sql, (*params, pk))
            row = cursor.fetchone()
        if row is None:
            return None
        user = USER.instance(row[:-1])  # the user's columns, then teach_granted
        setattr(user, TEACH_GRANTED, bool(row[-1]))  # SQLite gives 0 or 1
        return user if self.user_can_authenticate(user) else None

    def has_perm(self, user_obj: Any, perm: str, obj: Any = None) -> bool:
        if perm == TEACH_PERMISSION and obj is None and hasattr(user_obj, TEACH_GRANTED):
            return user_obj.is_active and getattr(user_obj, TEACH_GRANTED)
        return super().has_perm(user_obj, perm, obj=obj)
