"""Practice and timed exams as services: drawing, answering, the deadline, grading, schedules.

Time is an argument: every test passes ``now`` and moves it, nothing sleeps.
"""

from __future__ import annotations

import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.db import DatabaseError, connection, transaction

from studyapp.core.errors import NotFound
from studyapp.quizzes import attempts, grading
from studyapp.quizzes.models import Attempt, QuestionReview, QuestionSchedule
from studyapp.quizzes.selectors import attempt_for_viewer, questions_due_count
from tests.plugins.courses import import_content, question_md, questions_file

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def correct_ids(item) -> list[int]:
    return [o.id for o in item.version.options.all() if o.is_correct]


def wrong_ids(item) -> list[int]:
    return [next(o.id for o in item.version.options.all() if not o.is_correct)]


def answer(attempt, position, option_ids, now):
    return attempts.attempt_answer(
        attempt=attempt, position=position, option_ids=option_ids, now=now
    )


def test_a_full_exam_uses_the_whole_bank_when_it_has_fewer_than_75_questions(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, rng=random.Random(3))
    assert exam.question_count == 10
    assert exam.config == {"full": True, "requested": 75, "drawn": 10}
    assert exam.deadline == T0 + timedelta(seconds=10 * 144)


def test_an_exam_of_a_chosen_number_gets_144_seconds_a_question(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=4, rng=random.Random(3))
    assert exam.items.count() == 4
    assert exam.deadline - exam.started_at == timedelta(minutes=4 * 144 / 60)


def test_an_exam_draws_every_domain_by_weight(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=8, rng=random.Random(3))
    domains = sorted(item.version.domain for item in exam.items.select_related("version"))
    assert domains == ["D1", "D1", "D2", "D2", "D3", "D3", "D4", "D4"]


def test_an_exam_answer_is_saved_and_can_change_until_submission(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=3)
    item = exam.items.get(position=1)
    answer(exam, 1, wrong_ids(item), T0 + timedelta(minutes=1))
    answer(exam, 1, correct_ids(item), T0 + timedelta(minutes=2))
    item.refresh_from_db()
    assert item.chosen == sorted(correct_ids(item))
    assert item.correct is None  # graded only at submission


def test_the_server_refuses_an_answer_at_the_deadline(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=3)
    item = exam.items.get(position=1)
    with pytest.raises(attempts.DeadlinePassed):
        answer(exam, 1, correct_ids(item), exam.deadline)
    item.refresh_from_db()
    assert item.chosen == []


def test_an_answer_one_second_before_the_deadline_is_accepted(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=3)
    item = exam.items.get(position=1)
    answer(exam, 1, correct_ids(item), exam.deadline - timedelta(seconds=1))
    item.refresh_from_db()
    assert item.chosen == sorted(correct_ids(item))


def test_a_late_answer_submits_the_exam_as_it_stood(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=3)
    first, second = exam.items.get(position=1), exam.items.get(position=2)
    answer(exam, 1, correct_ids(first), T0 + timedelta(minutes=1))
    with pytest.raises(attempts.DeadlinePassed):
        answer(exam, 2, correct_ids(second), exam.deadline + timedelta(hours=3))
    exam.refresh_from_db()
    assert exam.submitted_at == exam.deadline
    assert exam.ending == Attempt.Ending.DEADLINE
    assert exam.correct_count == 1
    assert exam.scaled_score == grading.scaled_score(correct=1, total=3)


def test_opening_an_expired_exam_submits_it(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=3)
    assert attempts.attempt_open(attempt=exam, position=1, now=exam.deadline) is None
    exam.refresh_from_db()
    assert exam.is_submitted


def test_a_flag_after_the_deadline_is_refused(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=3)
    with pytest.raises(attempts.DeadlinePassed):
        attempts.attempt_flag(attempt=exam, position=1, flagged=True, now=exam.deadline)


def test_no_answer_is_taken_after_submission(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=3)
    attempts.attempt_submit(attempt=exam, now=T0 + timedelta(minutes=1))
    item = exam.items.get(position=1)
    with pytest.raises(attempts.AttemptClosed):
        answer(exam, 1, correct_ids(item), T0 + timedelta(minutes=2))


def test_submission_grades_all_or_nothing_and_counts_unanswered_as_wrong(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=10, rng=random.Random(1))
    items = {item.version.question.key: item for item in exam.items.select_related("version")}
    multiple = items["q1"]  # correct options A and C
    answer(exam, multiple.position, correct_ids(multiple)[:1], T0 + timedelta(minutes=1))
    single = items["q2"]
    answer(exam, single.position, correct_ids(single), T0 + timedelta(minutes=1))
    attempts.attempt_submit(attempt=exam, now=T0 + timedelta(minutes=5))
    exam.refresh_from_db()
    graded = {item.version.question.key: item.correct for item in exam.items.all()}
    assert graded["q1"] is False
    assert graded["q2"] is True
    assert sum(graded.values()) == 1
    assert (exam.correct_count, exam.scaled_score, exam.passed) == (1, 190, False)


def test_a_perfect_exam_passes_with_1000(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=5)
    for item in exam.items.all():
        answer(exam, item.position, correct_ids(item), T0 + timedelta(minutes=1))
    attempts.attempt_submit(attempt=exam, now=T0 + timedelta(minutes=2))
    exam.refresh_from_db()
    assert (exam.scaled_score, exam.passed, exam.ending) == (1000, True, "submitted")


def test_a_multiple_response_question_refuses_nothing_but_a_single_answer_takes_one(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=10, rng=random.Random(1))
    single = next(i for i in exam.items.select_related("version") if i.version.kind == "single")
    two = [o.id for o in single.version.options.all()][:2]
    with pytest.raises(attempts.AttemptError):
        answer(exam, single.position, two, T0)


def test_an_option_of_another_question_is_refused(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=2)
    other = exam.items.get(position=2)
    with pytest.raises(attempts.AttemptError):
        answer(exam, 1, correct_ids(other), T0)


def test_practice_grades_an_answer_at_once(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=3)
    item = practice.items.get(position=1)
    graded = answer(practice, 1, correct_ids(item), T0 + timedelta(seconds=30))
    assert graded.correct is True


def test_a_practice_answer_is_final(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=3)
    item = practice.items.get(position=1)
    answer(practice, 1, wrong_ids(item), T0)
    with pytest.raises(attempts.AttemptClosed):
        answer(practice, 1, correct_ids(item), T0)


def attempt_locked_elsewhere(attempt) -> bool:
    """Whether another connection finds the attempt's row locked (asking without waiting)."""
    found = {}

    def lock() -> None:
        try:
            with transaction.atomic():
                list(Attempt.objects.select_for_update(nowait=True).filter(pk=attempt.pk))
            found["locked"] = False
        except DatabaseError:
            found["locked"] = True
        finally:
            connection.close()

    other = threading.Thread(target=lock)
    other.start()
    other.join()
    return found["locked"]


@pytest.mark.skipif(
    not connection.features.has_select_for_update,
    reason="SQLite's write transaction holds the whole database",
)
@pytest.mark.django_db(transaction=True)
def test_an_answer_holds_its_attempt_locked_until_its_transaction_ends(bank, learner):
    # What keeps two answers (two tabs) from both ending a session, or one from being saved
    # after a submission: each reads the attempt under the lock, and so sees the other's work.
    practice = attempts.practice_start(user=learner, now=T0, count=3, rng=random.Random(1))
    with transaction.atomic():
        attempts.attempt_answer(attempt=practice, position=1, letters=["A"], now=T0)
        assert attempt_locked_elsewhere(practice)
    assert not attempt_locked_elsewhere(practice)


def test_practice_ends_when_every_question_is_answered(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=2)
    for item in practice.items.all():
        answer(practice, item.position, correct_ids(item), T0)
    practice.refresh_from_db()
    assert practice.is_submitted
    assert practice.correct_count == 2


def test_practice_can_be_limited_to_a_domain_and_a_topic(bank, learner):
    from studyapp.topics.models import Topic

    topic = Topic.objects.get(slug="buckets-and-objects")
    practice = attempts.practice_start(
        user=learner, now=T0, count=10, domains=["D1"], topic_ids=[topic.id]
    )
    keys = sorted(i.version.question.key for i in practice.items.select_related("version"))
    assert keys == ["q1"]  # q0..q2 are D1; odd numbers test buckets-and-objects


def test_questions_i_missed_are_those_whose_last_answer_was_wrong(bank, learner):
    first = attempts.practice_start(user=learner, now=T0, count=10, rng=random.Random(2))
    items = list(first.items.select_related("version__question"))
    for item in items[:3]:
        answer(first, item.position, wrong_ids(item), T0)
    answer(first, items[3].position, correct_ids(items[3]), T0)
    # answered wrong earlier, right later: no longer missed
    later = attempts.practice_start(user=learner, now=T0, count=10, source="all")
    again = next(
        i for i in later.items.all() if i.version.question_id == items[0].version.question_id
    )
    answer(later, again.position, correct_ids(again), T0 + timedelta(hours=1))
    missed = attempts.practice_start(user=learner, now=T0, count=10, source="missed")
    keys = {i.version.question.key for i in missed.items.select_related("version__question")}
    assert keys == {items[1].version.question.key, items[2].version.question.key}


def test_nothing_missed_yet_is_said_plainly(bank, learner):
    with pytest.raises(attempts.NoQuestions):
        attempts.practice_start(user=learner, now=T0, count=5, source="missed")


def test_a_wrong_practice_answer_schedules_the_question_again_soon(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=3)
    item = practice.items.select_related("version").get(position=1)
    answer(practice, 1, wrong_ids(item), T0)
    schedule = QuestionSchedule.objects.get(user=learner, question=item.version.question)
    review = QuestionReview.objects.get(user=learner)
    assert review.rating == grading.AGAIN
    assert schedule.due <= T0 + timedelta(minutes=10)


def test_a_right_answer_is_rated_good_and_comes_back_later(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=3)
    attempts.attempt_open(attempt=practice, position=1, now=T0)
    item = practice.items.select_related("version").get(position=1)
    answer(practice, 1, correct_ids(item), T0 + timedelta(seconds=40))
    review = QuestionReview.objects.get(user=learner)
    assert (review.rating, review.duration_ms) == (grading.GOOD, 40_000)
    assert QuestionSchedule.objects.get(user=learner).due > T0 + timedelta(seconds=40)


def test_a_right_but_slow_answer_is_rated_hard(bank, learner):
    practice = attempts.practice_start(user=learner, now=T0, count=3)
    attempts.attempt_open(attempt=practice, position=1, now=T0)
    item = practice.items.get(position=1)
    answer(practice, 1, correct_ids(item), T0 + timedelta(minutes=6))
    assert QuestionReview.objects.get(user=learner).rating == grading.HARD


def test_a_right_but_flagged_exam_answer_is_rated_hard_at_submission(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=2)
    item = exam.items.get(position=1)
    answer(exam, 1, correct_ids(item), T0 + timedelta(seconds=20))
    attempts.attempt_flag(attempt=exam, position=1, flagged=True, now=T0 + timedelta(seconds=21))
    assert not QuestionReview.objects.exists()  # an exam schedules nothing before submission
    attempts.attempt_submit(attempt=exam, now=T0 + timedelta(minutes=1))
    reviews = list(QuestionReview.objects.all())
    assert [r.rating for r in reviews] == [grading.HARD]  # the unanswered one is not scheduled


def test_questions_answered_wrong_are_due_again_the_same_study_day_and_offered_as_a_practice(
    bank, learner
):
    practice = attempts.practice_start(user=learner, now=T0, count=2)
    for item in practice.items.all():
        answer(practice, item.position, wrong_ids(item), T0)
    assert questions_due_count(learner, T0) == 2
    later = T0 + timedelta(hours=1)
    due = attempts.practice_start(user=learner, now=later, count=10, source="due")
    assert due.items.count() == 2


def test_an_attempt_is_visible_to_its_owner(bank, learner):
    exam = attempts.exam_start(user=learner, now=T0, count=2)
    assert attempt_for_viewer(learner, exam.pk) == exam


def test_another_learner_cannot_see_an_attempt(bank, learner, django_user_model):
    exam = attempts.exam_start(user=learner, now=T0, count=2)
    other = django_user_model.objects.create_user(username="bob", password="correct-horse-42")
    with pytest.raises(NotFound):
        attempt_for_viewer(other, exam.pk)


def test_an_instructor_cannot_see_a_learners_attempt_without_a_cohort(bank, learner, instructor):
    exam = attempts.exam_start(user=learner, now=T0, count=2)
    with pytest.raises(NotFound):
        attempt_for_viewer(instructor, exam.pk)


def test_an_attempt_keeps_the_version_it_answered_after_the_question_is_edited(
    content_dir, learner
):
    write = content_dir / "quizzes" / "bank.md"
    write.write_text(questions_file(question_md("kept")), encoding="utf-8")
    import_content(content_dir)
    attempt = attempts.practice_start(user=learner, now=T0, count=1)
    item = attempt.items.get()
    first_option = item.version.options.first()
    answer(attempt, 1, [first_option.id], T0)
    write.write_text(questions_file(question_md("kept", stem="Reworded.")), encoding="utf-8")
    import_content(content_dir)
    item.refresh_from_db()
    assert item.version.number == 1
    assert item.version.stem_md.startswith("Stem of kept")
    assert item.chosen == [first_option.id]
    assert item.version.question.current_version.number == 2
