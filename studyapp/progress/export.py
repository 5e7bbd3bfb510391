"""A learner's own data as one JSON document: reviews, answers, reading, functions.

Only rows owned by the learner are read (every query filters on the learner); nothing of other
learners, and no secrets (passwords, access-key salts) are included. The questions of an open
attempt are named only once disclosed (:mod:`studyapp.quizzes.disclosure`): an open exam's
only after it ends.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypedDict

from studyapp.accounts.models import Membership, User
from studyapp.cards.models import CardSchedule, ReviewLog, StudySettings
from studyapp.quizzes.disclosure import attempt_answers_export
from studyapp.quizzes.models import Attempt, QuestionReview, QuestionSchedule
from studyapp.sandbox.models import Function, Invocation
from studyapp.topics.models import ReadingProgress

EXPORT_FORMAT = 1

Rows = list[dict[str, Any]]


class ExportedUser(TypedDict):
    username: str
    email: str
    time_zone: str
    date_joined: datetime


class LearnerExport(TypedDict):
    """The export's document (format 1): each list holds the named model's rows as values()."""

    format: int
    exported_at: datetime
    user: ExportedUser
    study_settings: Rows
    cohorts: Rows
    card_reviews: Rows
    card_schedules: Rows
    attempts: Rows
    attempt_answers: Rows
    question_reviews: Rows
    question_schedules: Rows
    reading: Rows
    functions: Rows
    invocations: Rows


def learner_export(user: User, *, now: datetime) -> LearnerExport:
    """Everything the app keeps about ``user``'s studying, as plain JSON-ready values."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": now,
        "user": {
            "username": user.username,
            "email": user.email,
            "time_zone": user.time_zone,
            "date_joined": user.date_joined,
        },
        "study_settings": list(
            StudySettings.objects.filter(user=user).values(
                "desired_retention",
                "new_per_day",
                "reviews_per_day",
                "learning_steps",
                "relearning_steps",
                "maximum_interval",
                "day_starts_at_hour",
                "bury_siblings",
                "leech_action",
                "parameters",
            )
        ),
        "cohorts": list(Membership.objects.filter(user=user).values("cohort__name", "joined_at")),
        "card_reviews": list(
            ReviewLog.objects.filter(user=user)
            .order_by("reviewed_at", "id")
            .values(
                "id",
                "card_id",
                "card__note__key",
                "rating",
                "reviewed_at",
                "duration_ms",
                "elapsed_days",
                "state_before",
                "state_after",
                "due_before",
                "due_after",
                "fsrs_review_log",
            )
        ),
        "card_schedules": list(
            CardSchedule.objects.filter(user=user)
            .order_by("card_id")
            .values(
                "card_id",
                "note__key",
                "fsrs_card",
                "due",
                "state",
                "stability",
                "last_review",
                "introduced_at",
                "reps",
                "lapses",
                "suspended",
                "leech",
            )
        ),
        "attempts": list(
            Attempt.objects.filter(user=user)
            .order_by("started_at", "id")
            .values(
                "id",
                "mode",
                "title",
                "started_at",
                "deadline",
                "submitted_at",
                "ending",
                "config",
                "question_count",
                "correct_count",
                "scaled_score",
                "passed",
            )
        ),
        "attempt_answers": attempt_answers_export(user=user),
        "question_reviews": list(
            QuestionReview.objects.filter(user=user)
            .order_by("reviewed_at", "id")
            .values("question__key", "rating", "reviewed_at", "duration_ms", "review_log")
        ),
        "question_schedules": list(
            QuestionSchedule.objects.filter(user=user)
            .order_by("question_id")
            .values("question__key", "fsrs_state", "state", "due", "last_reviewed_at", "reviews")
        ),
        "reading": list(
            ReadingProgress.objects.filter(user=user)
            .order_by("topic_id")
            .values("topic__course__slug", "topic__slug", "last_viewed_at", "read_at")
        ),
        "functions": list(
            Function.objects.filter(owner=user)
            .order_by("name")
            .values(
                "id",
                "name",
                "title",
                "handler",
                "memory_mb",
                "timeout_s",
                "ephemeral_storage_mb",
                "environment",
                "log_format",
                "layers",
                "code",
                "copied_from__name",
                "created_at",
                "updated_at",
                "archived_at",
            )
        ),
        "invocations": list(
            Invocation.objects.filter(user=user)
            .order_by("created_at", "id")
            .values(
                "function_id",
                "function__name",
                "batch",
                "position",
                "status",
                "request_id",
                "event",
                "config",
                "result",
                "message",
                "created_at",
                "started_at",
                "finished_at",
            )
        ),
    }
