"""An attempt's questions, a practice answer, its question's schedule and its review log are
written in SQL kept once (``rows_insert``, ``row_update``, ``row_insert``): the rows hold exactly
what the ORM's ``bulk_create``, ``save`` and ``create`` store, column by column, on either
database."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from studyapp.core.rows import row_insert, row_update, rows_insert, with_defaults
from studyapp.quizzes import attempts
from studyapp.quizzes.models import Attempt, AttemptQuestion, QuestionReview, QuestionSchedule
from tests.rows import stored_columns

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
#: An aware time off UTC, with microseconds: stored as the same instant.
KATHMANDU_MOMENT = datetime(2026, 3, 2, 14, 45, 7, 123456, tzinfo=ZoneInfo("Asia/Kathmandu"))
#: JSON as FSRS logs it, with what a naive serialiser gets wrong.
REVIEW_LOG = {"rating": 3, "λ": [1, 2.5, None, True], "nested": {"text": 'a "quote" \\ é'}}


def test_an_inserted_review_holds_what_create_stores(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=1)
    item = practice.items.select_related("version").get()
    values = {
        "user_id": learner.pk,
        "question_id": item.version.question_id,
        "attempt_question_id": item.pk,
        "rating": 3,
        "reviewed_at": KATHMANDU_MOMENT,
        "duration_ms": None,
        "review_log": REVIEW_LOG,
    }
    created = QuestionReview.objects.create(**values)
    row_insert(QuestionReview, values)
    inserted = QuestionReview.objects.exclude(pk=created.pk).get()
    assert stored_columns(QuestionReview, inserted.pk) == stored_columns(QuestionReview, created.pk)
    assert inserted.review_log == REVIEW_LOG
    assert inserted.reviewed_at == KATHMANDU_MOMENT


def test_an_attempts_questions_hold_what_bulk_create_stores(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, rng=random.Random(3))  # the whole bank
    written = list(exam.items.order_by("position"))
    assert len(written) == exam.question_count >= 5
    assert [item.position for item in written] == list(range(1, len(written) + 1))
    assert all(item.option_order for item in written)
    copy = Attempt.objects.create(user=learner, mode=exam.mode, started_at=T0, config={})
    created = AttemptQuestion.objects.bulk_create(
        AttemptQuestion(
            attempt=copy,
            position=item.position,
            version_id=item.version_id,
            option_order=item.option_order,
        )
        for item in written
    )
    for ours, theirs in zip(written, created, strict=True):
        stored, expected = (
            stored_columns(AttemptQuestion, row.pk)[1:] for row in (ours, theirs)
        )  # all but attempt_id
        assert stored == expected
    assert all(item.chosen == [] for item in written)
    assert not any(item.flagged or item.response or item.answered_at for item in written)


def test_rows_inserted_together_must_name_the_same_columns_and_none_is_nothing(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=2, rng=random.Random(2))
    item = practice.items.first()
    first = with_defaults(AttemptQuestion, {"attempt_id": practice.pk, "position": 9})
    first["version_id"] = item.version_id
    second = {**first, "position": 10}
    del second["flagged"]
    with pytest.raises(ValueError, match="names the same columns"):
        rows_insert(AttemptQuestion, [first, second])
    rows_insert(AttemptQuestion, [])
    assert practice.items.count() == 2


def test_an_updated_answer_holds_what_save_stores(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=2, rng=random.Random(1))
    saved, written = practice.items.order_by("position")
    for item in (saved, written):
        item.chosen, item.response = [31, 7], "éλ 'x'"
        item.answered_at, item.correct, item.mark = KATHMANDU_MOMENT, False, 0.3333333
    saved.save(update_fields=attempts.PRACTICE_ANSWER_FIELDS)
    assert row_update(written, attempts.PRACTICE_ANSWER_FIELDS) == 1
    columns = list(attempts.PRACTICE_ANSWER_FIELDS)
    assert stored_columns(AttemptQuestion, written.pk, columns) == stored_columns(
        AttemptQuestion, saved.pk, columns
    )
    written.refresh_from_db()
    assert (written.chosen, written.answered_at, written.mark) == (
        [31, 7],
        KATHMANDU_MOMENT,
        0.3333333,
    )


def test_an_update_of_a_row_that_is_gone_changes_nothing(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=1)
    item = practice.items.get()
    AttemptQuestion.objects.filter(pk=item.pk).delete()
    item.response = "late"
    assert row_update(item, ["response"]) == 0
    assert not AttemptQuestion.objects.filter(response="late").exists()


def test_a_column_the_model_does_not_have_is_refused_and_nothing_is_written(bank, learner):
    with pytest.raises(ValueError, match="QuestionReview has no column user"):
        row_insert(QuestionReview, {"user": learner, "rating": 3})
    assert not QuestionReview.objects.exists()


def test_a_question_answered_again_moves_its_one_schedule_and_logs_each_review(bank, learner):
    first = attempts.practice_start(user=learner, now=T0, count=1)
    item = first.items.select_related("version").get()
    wrong = next(o.id for o in item.version.options.all() if not o.is_correct)
    attempts.attempt_answer(attempt=first, position=1, option_ids=[wrong], now=T0)
    after_first = QuestionSchedule.objects.get(user=learner)

    later = T0 + timedelta(days=1)
    again = attempts.practice_start(user=learner, now=later, count=1, source="due")
    repeat = again.items.select_related("version").get()
    assert repeat.version.question_id == item.version.question_id
    right = [o.id for o in repeat.version.options.all() if o.is_correct]
    attempts.attempt_answer(attempt=again, position=1, option_ids=right, now=later)

    schedule = QuestionSchedule.objects.get(user=learner)  # still one
    assert (schedule.pk, schedule.reviews) == (after_first.pk, 2)
    assert schedule.last_reviewed_at == later
    assert schedule.due > after_first.due
    assert schedule.fsrs_state != after_first.fsrs_state
    reviews = list(QuestionReview.objects.order_by("reviewed_at"))
    assert [(r.attempt_question_id, r.reviewed_at) for r in reviews] == [
        (item.pk, T0),
        (repeat.pk, later),
    ]
    assert all(review.review_log for review in reviews)


def test_an_update_that_matches_a_value_the_row_no_longer_holds_changes_nothing(bank, learner):
    """The optimistic lock a card's answer uses: written only while ``matching`` still holds."""
    practice = attempts.practice_start(user=learner, now=T0, count=1)
    item = practice.items.get()
    AttemptQuestion.objects.filter(pk=item.pk).update(response="first")
    item.response = "second"
    assert row_update(item, ["response"], matching={"response": "stale"}) == 0
    assert AttemptQuestion.objects.get(pk=item.pk).response == "first"
    assert row_update(item, ["response"], matching={"response": "first"}) == 1
    assert AttemptQuestion.objects.get(pk=item.pk).response == "second"


def test_no_model_written_in_kept_sql_has_save_signal_receivers():
    """row_update and row_insert send no signals: a receiver connected to one of the models
    they write would be skipped on the answers' paths, so none may be."""
    from django.db.models import signals

    from studyapp.cards.models import CardSchedule, ReviewLog

    written = (AttemptQuestion, QuestionSchedule, QuestionReview, CardSchedule, ReviewLog)
    for signal in (signals.pre_save, signals.post_save):
        assert not [model for model in written if signal.has_listeners(sender=model)]
