"""Spaced repetition of questions: each graded answer moves the learner's FSRS schedule.

The rating comes from :func:`studyapp.quizzes.grading.answer_rating` (wrong: Again; right but
flagged or slow: Hard; right: Good); the interval comes from the one scheduler wrapper,
:func:`studyapp.cards.scheduling.fsrs_review`, with the learner's own study settings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from studyapp.accounts.models import User
from studyapp.cards.models import StudySettings
from studyapp.cards.scheduling import SETTINGS, fsrs_review
from studyapp.core.rows import Selected, row_read, table
from studyapp.quizzes.models import AttemptQuestion, QuestionReview, QuestionSchedule

SCHEDULE = Selected(QuestionSchedule, "q")
SETTINGS_WITH_SCHEDULE_SQL = f"""SELECT {SETTINGS.columns()}, {SCHEDULE.columns()}
    FROM {table(User)} u
    LEFT JOIN {table(StudySettings)} x ON x.user_id = u.id
    LEFT JOIN {table(QuestionSchedule)} q ON q.user_id = u.id AND q.question_id = %(question)s
    WHERE u.id = %(user)s"""  # noqa: S608


def study_settings_with_question_schedule(
    user, *, question_id: int
) -> tuple[StudySettings, QuestionSchedule | None]:
    """The learner's study settings (unsaved defaults when they never changed them) and their
    schedule of the question, or None, in one hand-written query (see
    :mod:`studyapp.core.rows`; a card's are read by
    :func:`studyapp.cards.scheduling.study_settings_with_schedule`)."""
    settings, schedule = row_read(
        SETTINGS_WITH_SCHEDULE_SQL, {"user": user.pk, "question": question_id}, (SETTINGS, SCHEDULE)
    )
    return settings if settings is not None else StudySettings(user=user), schedule


def question_review_record(
    *,
    user,
    item: AttemptQuestion,
    rating: int,
    reviewed_at: datetime,
    duration: timedelta | None,
) -> QuestionSchedule:
    """Apply one rating to the learner's schedule of the item's question and log the review."""
    question_id = item.version.question_id
    settings, schedule = study_settings_with_question_schedule(user, question_id=question_id)
    duration_ms = int(duration.total_seconds() * 1000) if duration is not None else None
    outcome = fsrs_review(
        fsrs_state=schedule.fsrs_state if schedule else None,
        rating=rating,
        reviewed_at=reviewed_at,
        duration_ms=duration_ms,
        settings=settings,
    )
    if schedule is None:
        schedule = QuestionSchedule(user=user, question_id=question_id)
    schedule.fsrs_state = outcome.fsrs_state
    schedule.state = outcome.state
    schedule.due = outcome.due
    schedule.last_reviewed_at = reviewed_at
    schedule.reviews += 1
    schedule.save()
    QuestionReview.objects.create(
        user=user,
        question_id=question_id,
        attempt_question=item,
        rating=rating,
        reviewed_at=reviewed_at,
        duration_ms=duration_ms,
        review_log=outcome.review_log,
    )
    return schedule
