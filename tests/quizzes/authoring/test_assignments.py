"""Cohort assignments: quizzes, topics and decks with due dates, and each learner's status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from freezegun import freeze_time

from studyapp.accounts.cohorts import cohort_join
from studyapp.cards.models import Card
from studyapp.cards.review import review_record
from studyapp.quizzes import quizbuilder
from studyapp.quizzes.assignments import (
    assignment_create,
    cohort_assignments,
    learner_assignments,
)
from studyapp.quizzes.attempts import attempt_submit
from studyapp.quizzes.models import Assignment
from studyapp.topics.models import Topic
from studyapp.topics.reading import reading_mark

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def status_of(learner, title_part: str) -> str:
    rows = learner_assignments(learner, now=NOW)
    return next(row.status for row in rows if title_part in row.title)


def test_a_quiz_assignment_is_not_started_then_started_then_done(cohort, quiz, learner, instructor):
    assignment_create(cohort=cohort, kind="quiz", quiz=quiz, by=instructor, now=NOW)
    assert status_of(learner, "Week 1") == "not started"

    attempt = quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)
    assert status_of(learner, "Week 1") == "started"

    attempt_submit(attempt=attempt, now=NOW)
    assert status_of(learner, "Week 1") == "done"


def test_a_topic_assignment_is_done_once_the_topic_is_marked_read(
    cohort, bank, learner, instructor
):
    topic = Topic.objects.get(slug="storage-classes")
    assignment_create(cohort=cohort, kind="topic", topic=topic, by=instructor, now=NOW)
    assert status_of(learner, "Read: Storage Classes") == "not started"

    reading_mark(user=learner, topic=topic, read=True, now=NOW)

    assert status_of(learner, "Read: Storage Classes") == "done"


def test_a_deck_is_done_once_every_card_was_reviewed(cohort, bank, learner, instructor):
    topic = Topic.objects.get(slug="buckets-and-objects")
    cards = list(Card.objects.filter(note__topic=topic))
    assert cards, "the test course gives the topic cards"
    assignment_create(cohort=cohort, kind="deck", topic=topic, by=instructor, now=NOW)

    review_record(user=learner, card=cards[0], rating=3, duration_ms=1000, now=NOW)
    partly = status_of(learner, "cards of Buckets")
    for card in cards[1:]:
        review_record(user=learner, card=card, rating=3, duration_ms=1000, now=NOW)

    assert partly == ("started" if len(cards) > 1 else "done")
    assert status_of(learner, "cards of Buckets") == "done"


def test_open_work_comes_first_soonest_due_first_and_overdue_is_marked(
    cohort, bank, learner, instructor
):
    topics = {t.slug: t for t in Topic.objects.all()}
    for slug, days in (("storage-classes", 3), ("buckets-and-objects", -1)):
        assignment_create(
            cohort=cohort,
            kind="topic",
            topic=topics[slug],
            by=instructor,
            now=NOW,
            due_at=NOW + timedelta(days=days),
        )

    rows = learner_assignments(learner, now=NOW)

    assert [row.title for row in rows] == ["Read: Buckets and Objects", "Read: Storage Classes"]
    assert [row.overdue for row in rows] == [True, False]


def test_the_home_page_lists_the_learners_assignments_with_status(
    client, cohort, quiz, learner, instructor
):
    assignment_create(
        cohort=cohort, kind="quiz", quiz=quiz, by=instructor, now=NOW, due_at=NOW + timedelta(1)
    )
    client.force_login(learner)

    with freeze_time(NOW):  # the assignment is due a day after NOW
        html = client.get(reverse("home")).content.decode()

    assert "Quiz: Week 1" in html
    assert reverse("quizzes:assigned", args=[quiz.pk]) in html
    assert "not started" in html


def test_the_instructor_assigns_a_quiz_from_the_cohort_page(instructor_client, cohort, quiz):
    url = reverse("teach:cohort_assignments", args=[cohort.pk])

    response = instructor_client.post(
        url, {"kind": "quiz", "quiz": quiz.pk, "due_at": "2099-01-01T10:00"}
    )

    assert response.status_code == 302
    assignment = Assignment.objects.get()
    assert (assignment.cohort, assignment.quiz, assignment.due_at.year) == (cohort, quiz, 2099)
    assert "Quiz: Week 1" in instructor_client.get(url).content.decode()


def test_a_quiz_assignment_needs_a_quiz(instructor_client, cohort):
    response = instructor_client.post(
        reverse("teach:cohort_assignments", args=[cohort.pk]), {"kind": "quiz"}
    )

    assert response.status_code == 400
    assert "Choose one of your published quizzes." in response.content.decode()


def test_the_cohort_page_counts_who_finished(cohort, quiz, learner, instructor):
    assignment_create(cohort=cohort, kind="quiz", quiz=quiz, by=instructor, now=NOW)
    attempt = quizbuilder.quiz_attempt_start(user=learner, quiz=quiz, now=NOW)
    attempt_submit(attempt=attempt, now=NOW)

    [row] = cohort_assignments(cohort)

    assert (row.done, row.started, row.of) == (1, 0, 1)


def test_statuses_take_the_same_number_of_queries_for_more_learners(
    cohort, quiz, bank, instructor, django_user_model, django_assert_max_num_queries
):
    topic = Topic.objects.get(slug="storage-classes")
    assignment_create(cohort=cohort, kind="quiz", quiz=quiz, by=instructor, now=NOW)
    assignment_create(cohort=cohort, kind="topic", topic=topic, by=instructor, now=NOW)
    assignment_create(cohort=cohort, kind="deck", topic=topic, by=instructor, now=NOW)
    assignment_create(cohort=cohort, kind="deck", course=topic.course, by=instructor, now=NOW)
    for number in range(20):
        user = django_user_model.objects.create_user(username=f"l{number}")
        cohort_join(user=user, code=cohort.code, now=NOW)
    cohort = type(cohort).objects.get(pk=cohort.pk)

    with django_assert_max_num_queries(6):
        rows = cohort_assignments(cohort)

    assert [row.of for row in rows] == [21, 21, 21, 21]
