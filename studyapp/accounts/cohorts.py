"""Cohorts: an instructor creates one, shares its invite code or link, learners join.

An instructor reaches only their own cohorts; a learner only the cohorts they joined.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.db import IntegrityError, transaction

from studyapp.accounts.models import Cohort, Membership, User
from studyapp.core.errors import Invalid, NotFound
from studyapp.core.text import short_text_checked

# No 0/O, 1/I/L: codes are read aloud and typed from a projector.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class CohortError(Invalid):
    """A request about a cohort that cannot be met; the message is for the person."""


def cohort_code_new() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def cohort_code_normalize(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def cohort_create(*, instructor: User, name: str) -> Cohort:
    name = short_text_checked(
        name, max_length=Cohort._meta.get_field("name").max_length, label="The cohort's name"
    )
    if not name:
        raise CohortError("Give the cohort a name.")
    if not instructor.is_instructor:
        raise CohortError("Only instructors create cohorts.")
    for _ in range(5):
        try:
            with transaction.atomic():
                return Cohort.objects.create(
                    name=name, instructor=instructor, code=cohort_code_new()
                )
        except IntegrityError:  # the same code drawn twice: draw again
            continue
    raise CohortError("Could not draw a free invite code; try again.")


def cohort_code_regenerate(*, cohort: Cohort) -> Cohort:
    """A new invite code (the old one stops working); members stay."""
    cohort.code = cohort_code_new()
    cohort.save(update_fields=["code"])
    return cohort


def cohort_by_code(code: str) -> Cohort | None:
    """The open cohort whose invite code this is (typed in any case, with spaces or dashes)."""
    return Cohort.objects.filter(code=cohort_code_normalize(code), archived_at__isnull=True).first()


def cohort_join(*, user: User, code: str, now: datetime) -> Cohort:
    cohort = cohort_by_code(code)
    if cohort is None:
        raise CohortError(
            f"No cohort has the code {code.strip()!r}. Check it with your instructor."
        )
    if cohort.instructor_id == user.id:
        raise CohortError("You teach this cohort; learners join it.")
    Membership.objects.get_or_create(cohort=cohort, user=user, defaults={"joined_at": now})
    return cohort


def cohort_leave(*, user: User, cohort: Cohort) -> None:
    Membership.objects.filter(cohort=cohort, user=user).delete()


def cohort_for_instructor(*, user: User, cohort_id: int) -> Cohort:
    """The cohort if this instructor teaches it; 404 otherwise (even if it exists)."""
    cohort = Cohort.objects.taught_by(user).filter(id=cohort_id).first()
    if cohort is None:
        raise NotFound("No such cohort.")
    return cohort


def cohort_members(*, cohort: Cohort):
    return (
        Membership.objects.filter(cohort=cohort).select_related("user").order_by("user__username")
    )
