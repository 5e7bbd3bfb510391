"""Quizzes: the builder, random draws, and taking an assigned quiz within its rules."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse

from studyapp.quizzes import quizbuilder
from studyapp.quizzes.attempts import attempt_answer, attempt_submit
from studyapp.quizzes.models import Attempt, Quiz
from studyapp.topics.models import Topic

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_hand_picked_questions_come_first_in_order_then_each_rules_draw(quiz, bank):
    topic = Topic.objects.get(slug="storage-classes")
    quizbuilder.quiz_rule_add(quiz=quiz, count=3, topic=topic)

    drawn = quizbuilder.quiz_questions_draw(quiz, rng=random.Random(1))

    assert [q.key for q in drawn[:2]] == ["q0", "q1"]
    assert len(drawn) == 5
    assert len({q.pk for q in drawn}) == 5
    assert all(topic in q.current_version.topics.all() for q in drawn[2:])


def test_a_rule_never_draws_a_hand_picked_question(quiz):
    quizbuilder.quiz_rule_add(quiz=quiz, count=50)

    drawn = quizbuilder.quiz_questions_draw(quiz, rng=random.Random(2))

    assert len(drawn) == 10


def test_a_domain_rule_draws_only_that_domain(instructor, bank):
    quiz = quizbuilder.quiz_create(owner=instructor, title="D3", now=NOW)
    quizbuilder.quiz_rule_add(quiz=quiz, count=5, domain="D3")

    drawn = quizbuilder.quiz_questions_draw(quiz, rng=random.Random(3))

    assert {q.current_version.domain for q in drawn} == {"D3"}
    assert len(drawn) == 2


def test_items_move_and_are_removed(quiz):
    first, second = quiz.items.order_by("position")

    quizbuilder.quiz_item_move(quiz=quiz, item_id=second.pk, offset=-1)
    assert [i.question.key for i in quiz.items.order_by("position")] == ["q1", "q0"]

    quizbuilder.quiz_item_remove(quiz=quiz, item_id=first.pk)
    assert [i.question.key for i in quiz.items.all()] == ["q1"]


def test_a_practice_quiz_starts_a_practice_attempt_tied_to_the_quiz(quiz, quiz_assignment, learner):
    attempt = quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)

    assert (attempt.mode, attempt.quiz, attempt.deadline) == ("practice", quiz, None)
    assert attempt.question_count == 2


def test_a_timed_quiz_has_its_time_limit(quiz, quiz_assignment, learner):
    quiz.mode, quiz.time_limit_minutes = Quiz.Mode.TIMED, 20
    quiz.save()

    attempt = quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)

    assert attempt.mode == Attempt.Mode.EXAM
    assert attempt.deadline == NOW + timedelta(minutes=20)


def test_a_timed_quiz_ends_when_the_quiz_closes(quiz, quiz_assignment, learner):
    quiz.mode, quiz.time_limit_minutes, quiz.closes_at = "timed", 60, NOW + timedelta(minutes=5)
    quiz.save()

    attempt = quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)

    assert attempt.deadline == NOW + timedelta(minutes=5)


def test_the_attempts_allowed_are_enforced_with_a_message(quiz, quiz_assignment, learner):
    quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)

    with pytest.raises(quizbuilder.QuizClosed, match=r"used your 1 attempt at this quiz\."):
        quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)


def test_a_quiz_cannot_be_started_before_it_opens(quiz, quiz_assignment, learner):
    quiz.opens_at = NOW + timedelta(days=1)
    quiz.save()

    with pytest.raises(quizbuilder.QuizClosed, match="This quiz opens on 03 Mar 2026 at 09:00"):
        quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)


def test_a_quiz_cannot_be_started_after_it_closes(quiz, quiz_assignment, learner):
    quiz.closes_at = NOW - timedelta(minutes=1)
    quiz.save()

    with pytest.raises(quizbuilder.QuizClosed, match="This quiz closed on"):
        quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)


def test_shuffled_options_are_shown_in_the_attempts_order(quiz, quiz_assignment, learner):
    quiz.shuffle_options = True
    quiz.save()

    attempt = quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW, rng=random.Random(5))

    item = attempt.items.get(position=1)
    shown = item.shown_options()
    assert [o.pk for o in shown] == item.option_order
    assert sorted(item.option_order) == sorted(o.pk for o in item.version.options.all())
    assert [o.shown_letter for o in shown] == ["A", "B", "C", "D"]


def test_the_learner_starts_an_assigned_quiz_from_its_page(client, quiz, quiz_assignment, learner):
    client.force_login(learner)
    page = client.get(reverse("quizzes:assigned", args=[quiz.pk]))
    assert "Start the quiz" in page.content.decode()

    response = client.post(reverse("quizzes:assigned", args=[quiz.pk]))

    attempt = Attempt.objects.get(user=learner)
    assert response.url == attempt.get_absolute_url()


def test_the_quiz_page_says_why_it_cannot_be_started(client, quiz, quiz_assignment, learner):
    quiz.closes_at = datetime(2020, 1, 1, tzinfo=UTC)
    quiz.save()
    client.force_login(learner)

    response = client.post(reverse("quizzes:assigned", args=[quiz.pk]), follow=True)

    assert "This quiz closed on 01 Jan 2020 at 00:00 UTC." in response.content.decode()
    assert not Attempt.objects.exists()


def test_a_quiz_not_assigned_to_the_learner_is_404(client, quiz, learner):
    client.force_login(learner)

    assert client.get(reverse("quizzes:assigned", args=[quiz.pk])).status_code == 404


def test_the_cohort_instructor_may_read_a_members_result_but_not_answer(
    client, quiz, quiz_assignment, learner, instructor
):
    attempt = quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)
    for item in attempt.items.all():
        correct = [o.pk for o in item.version.options.all() if o.is_correct]
        attempt_answer(attempt=attempt, position=item.position, option_ids=correct, now=NOW)
    attempt_submit(attempt=attempt, now=NOW)
    client.force_login(instructor)

    assert client.get(reverse("quizzes:review", args=[attempt.pk])).status_code == 200
    assert client.post(reverse("quizzes:submit", args=[attempt.pk])).status_code == 404


def test_another_instructor_cannot_read_the_attempt(
    client, quiz, quiz_assignment, learner, other_instructor
):
    attempt = quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)
    client.force_login(other_instructor)

    assert client.get(reverse("quizzes:result", args=[attempt.pk])).status_code == 404


def test_the_builder_adds_a_question_found_by_text(instructor_client, quiz, bank):
    url = reverse("teach:quiz", args=[quiz.pk])

    found = instructor_client.get(url, {"text": "Stem of q5"})
    instructor_client.post(
        reverse("teach:quiz_item_add", args=[quiz.pk]), {"question": bank["q5"].pk}
    )

    assert "Stem of q5" in found.content.decode()
    assert [i.question.key for i in quiz.items.all()] == ["q0", "q1", "q5"]


def test_the_builder_saves_settings_and_checks_the_window(instructor_client, quiz):
    url = reverse("teach:quiz", args=[quiz.pk])
    data = {
        "title": "Week 1",
        "mode": "timed",
        "time_limit_minutes": "30",
        "attempts_allowed": "2",
        "status": "published",
        "opens_at": "2026-03-05T10:00",
        "closes_at": "2026-03-04T10:00",
    }

    refused = instructor_client.post(url, data)
    saved = instructor_client.post(url, {**data, "closes_at": "2026-03-06T10:00"})

    assert refused.status_code == 400
    assert "The quiz must close after it opens." in refused.content.decode()
    assert saved.status_code == 302
    quiz.refresh_from_db()
    assert (quiz.mode, quiz.time_limit_minutes, quiz.attempts_allowed) == ("timed", 30, 2)
