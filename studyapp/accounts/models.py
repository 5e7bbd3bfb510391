"""Users and their roles.

A learner is any user; an instructor is a user in the "Instructors" group, which grants the
``accounts.teach`` permission. Staff users reach the Django admin.
"""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models

INSTRUCTORS_GROUP = "Instructors"
TEACH_PERMISSION = "accounts.teach"


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known time zone.")


class User(AbstractUser):
    time_zone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_time_zone],
        help_text="Your local time zone: days start and end by it.",
    )

    class Meta:
        permissions = [("teach", "Can author questions, build quizzes and run cohorts")]

    @property
    def is_instructor(self) -> bool:
        return self.has_perm(TEACH_PERMISSION)
