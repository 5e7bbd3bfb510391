"""Roles: creating the Instructors group and making a user an instructor."""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission

from studyapp.accounts.models import INSTRUCTORS_GROUP, User


def instructors_group_ensure() -> Group:
    """Return the Instructors group, creating it with the teach permission if needed."""
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    teach = Permission.objects.get(content_type__app_label="accounts", codename="teach")
    group.permissions.add(teach)
    return group


def instructor_grant(*, user: User) -> None:
    user.groups.add(instructors_group_ensure())
