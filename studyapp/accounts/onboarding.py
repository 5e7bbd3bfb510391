"""The first-run start on the home page: what the account keeps of it (only its dismissal).

Whether each step is done is read from what the learner did (progress/first_run.py); the
account only remembers that the learner put the start away before finishing it.
"""

from __future__ import annotations

from datetime import datetime

from studyapp.accounts.models import User


def start_dismiss(*, user: User, now: datetime) -> None:
    """Put the first-run start away for good (the first dismissal's time is kept)."""
    User.objects.filter(pk=user.pk, start_dismissed_at__isnull=True).update(start_dismissed_at=now)
    if user.start_dismissed_at is None:
        user.start_dismissed_at = now
