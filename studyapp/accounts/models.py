"""Users and their roles.

A learner is any user; an instructor is a user in the "Instructors" group, which grants the
``accounts.teach`` permission. Staff users reach the Django admin.
"""

from __future__ import annotations

import zoneinfo

from django.contrib.auth.models import AbstractUser, Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from studyapp.core.archiving import ArchivableQuerySet

INSTRUCTORS_GROUP = "Instructors"
TEACH_PERMISSION = "accounts.teach"
#: Set on the session's user by accounts.backends.RoleBackend, read in the same query as the
#: user: whether the teach permission is theirs, directly or by a group.
TEACH_GRANTED = "teach_granted"


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
    sandbox_verified = models.BooleanField(
        default=False,
        db_default=False,  # a row written without it (older code, a data migration): not verified
        help_text="An administrator verified this account: it may run code in the sandbox "
        "without belonging to a cohort.",
    )
    start_dismissed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When the learner put away the first-run start on the home page, if they did.",
    )

    class Meta:
        permissions = [("teach", "Can author questions, build quizzes and run cohorts")]

    @property
    def is_instructor(self) -> bool:
        if not hasattr(self, TEACH_GRANTED):  # not read by the backend: a test, a command
            self.permissions_load()
        return self.has_perm(TEACH_PERMISSION)

    def permissions_load(self) -> None:
        """Read the user's own and their groups' permissions in one query, where Django's model
        backend reads them in two, and keep them where that backend looks first (it never
        reads them again for this user object): every page's header asks for the role."""
        if not self.is_active or self.is_superuser or hasattr(self, "_perm_cache"):
            return  # the backend answers these without reading permissions, or has them
        rows = (
            Permission.objects.filter(Q(user=self) | Q(group__user=self))
            .values_list("content_type__app_label", "codename")
            .order_by()
        )
        self._perm_cache = {f"{app_label}.{codename}" for app_label, codename in rows}


class CohortQuerySet(ArchivableQuerySet):
    def taught_by(self, user: User) -> CohortQuerySet:
        return self.active().filter(instructor=user)

    def joined_by(self, user: User) -> CohortQuerySet:
        return self.active().filter(memberships__user=user)


class Cohort(models.Model):
    """A class of learners that one instructor teaches; learners join with its invite code."""

    name = models.CharField(max_length=120)
    instructor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="cohorts_taught")
    code = models.CharField(max_length=12, unique=True, help_text="The invite code learners type.")
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    joined_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cohort", "user"], name="membership_once_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"


class AccessKey(models.Model):
    """A key pair for the Lambda-compatible API, signed with AWS Signature Version 4.

    The secret is never stored: it is derived from the app's SECRET_KEY and this key's salt
    (see access_keys.py), shown once at creation, and recomputed to check a signature.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="access_keys")
    access_key_id = models.CharField(max_length=20, unique=True)
    salt = models.CharField(max_length=32)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.access_key_id


class SignUp(models.Model):
    """One account created through the sign-up page, and from where: the sign-up rate limit
    counts these (shared by every web process, unlike a per-process cache)."""

    address = models.GenericIPAddressField()
    created_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"sign-up from {self.address} at {self.created_at:%Y-%m-%d %H:%M}"
