"""Access rules shared by every app."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required

from studyapp.accounts.models import TEACH_PERMISSION

# Instructor-only views: a learner gets 403 (not a log-in page: they are logged in).
instructor_required = permission_required(TEACH_PERMISSION, raise_exception=True)
