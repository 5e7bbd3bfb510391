"""Spaced repetition of questions: each graded answer moves the learner's FSRS schedule.

The rating comes from :func:`studyapp.quizzes.grading.answer_rating` (wrong: Again; right but
flagged or slow: Hard; right: Good); the interval comes from the one scheduler wrapper,
:func:`studyapp.cards.scheduling.fsrs_review`, with the learner's own study settings.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from studyapp.cards.scheduling import fsrs_review, study_settings_with_schedule
from studyapp.core.rows import row_insert, row_update
from studyapp.quizzes.models import AttemptQuestion, QuestionReview, QuestionSchedule

#: What a review moves in a question's schedule.
SCHEDULE_FIELDS = ("fsrs_state", "state", "due", "last_reviewed_at", "reviews")


def question_review_record(
    *,
    user,
    item: AttemptQuestion,
    rating: int,
    reviewed_at: datetime,
    duration: timedelta | None,
) -> QuestionSchedule:
    """Apply one rating to the learner's schedule of the item's question and log the review
    (both written in SQL kept once: :func:`studyapp.core.rows.row_update`)."""
    question_id = item.version.question_id
    settings, schedule = study_settings_with_schedule(
        user, schedule=QuestionSchedule, item="question_id", item_id=question_id
    )
    duration_ms = int(duration.total_seconds() * 1000) if duration is not None else None
    outcome = fsrs_review(
        fsrs_state=schedule.fsrs_state if schedule else None,
        rating=rating,
        reviewed_at=reviewed_at,
        duration_ms=duration_ms,
        settings=settings,
    )
    first = schedule is None
    if first:
        schedule = QuestionSchedule(user=user, question_id=question_id)
    schedule.fsrs_state = outcome.fsrs_state
    schedule.state = outcome.state
    schedule.due = outcome.due
    schedule.last_reviewed_at = reviewed_at
    schedule.reviews += 1
    if first or not row_update(schedule, SCHEDULE_FIELDS):
        schedule.save()  # the first review of the question (or its schedule was just deleted)
    row_insert(
        QuestionReview,
        {
            "user_id": user.pk,
            "question_id": question_id,
            "attempt_question_id": item.pk,
            "rating": rating,
            "reviewed_at": reviewed_at,
            "duration_ms": duration_ms,
            "review_log": outcome.review_log,
        },
    )
    return schedule
