"""What an instructor's quiz may draw from: the course's curated pool and their own questions,
never another instructor's own banks or imports."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from studyapp.quizzes import question_import, quizbuilder
from studyapp.quizzes.models import Question, Quiz
from studyapp.topics.models import Course

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

GIFT = """\
::{who} lambda:: [markdown]{who} asks: which service runs functions? {{
=AWS Lambda # It runs code without servers.
~Amazon EC2 # It runs servers.
}}
"""


def own_question(*, author, who: str) -> Question:
    """A published question ``author`` imported into the shared course, not in its pool."""
    course = Course.objects.get(slug="amazon-s3")
    report = question_import.questions_import(
        text=GIFT.format(who=who),
        format_name="gift",
        bank=course.slug,
        user=author,
        now=NOW,
        publish=True,
    )
    assert report.errors == []
    question = Question.objects.get(course=course, key=f"{who.lower()}-lambda")
    assert (question.status, question.in_pool) == ("published", False)
    return question


@pytest.fixture
def questions(bank, instructor, other_instructor) -> dict[str, Question]:
    return {
        "mine": own_question(author=instructor, who="Grace"),
        "theirs": own_question(author=other_instructor, who="Barbara"),
        "pool": bank["q0"],
    }


def quiz_of(owner) -> Quiz:
    return quizbuilder.quiz_create(owner=owner, title="Week 1", now=NOW)


def test_a_rule_draws_from_the_pool_and_the_owners_questions_only(questions, instructor):
    rule = quizbuilder.quiz_rule_add(quiz=quiz_of(instructor), count=50)

    pool = set(quizbuilder.rule_pool(rule))

    assert questions["mine"] in pool
    assert questions["pool"] in pool
    assert questions["theirs"] not in pool
    assert pool == set(Question.objects.in_pool()) | {questions["mine"]}


def test_each_instructors_rule_sees_their_own_question_and_not_the_others(
    questions, instructor, other_instructor
):
    mine = quizbuilder.quiz_rule_add(quiz=quiz_of(instructor), count=50)
    theirs = quizbuilder.quiz_rule_add(quiz=quiz_of(other_instructor), count=50)

    assert questions["theirs"] in quizbuilder.rule_pool(theirs)
    assert questions["mine"] not in quizbuilder.rule_pool(theirs)
    assert questions["theirs"] not in quizbuilder.rule_pool(mine)


def test_a_quizs_random_draw_never_takes_another_instructors_question(questions, instructor):
    quiz = quiz_of(instructor)
    quizbuilder.quiz_rule_add(quiz=quiz, count=50)

    drawn = quizbuilder.quiz_questions_draw(quiz, rng=random.Random(1))

    assert questions["mine"] in drawn
    assert questions["theirs"] not in drawn
    assert quizbuilder.quiz_question_estimate(quiz) == len(drawn)


def test_a_bank_the_instructor_uploaded_is_theirs_to_draw_from(
    questions, instructor, other_instructor
):
    Course.objects.filter(slug="amazon-s3").update(uploaded_by=other_instructor)
    rule = quizbuilder.quiz_rule_add(quiz=quiz_of(other_instructor), count=50)

    assert questions["mine"] in quizbuilder.rule_pool(rule)


def test_the_builders_search_offers_the_pool_and_my_questions_only(
    questions, instructor_client, instructor
):
    quiz = quiz_of(instructor)
    url = reverse("teach:quiz", args=[quiz.pk])

    page = instructor_client.get(url, {"text": "asks: which service"}).content.decode()
    pool = instructor_client.get(url, {"text": "Stem of q0"}).content.decode()

    assert "grace-lambda" in page
    assert "barbara-lambda" not in page
    assert "Stem of q0" in pool


def test_another_instructors_question_cannot_be_added_by_its_id(
    questions, instructor_client, instructor
):
    quiz = quiz_of(instructor)
    add = reverse("teach:quiz_item_add", args=[quiz.pk])

    refused = instructor_client.post(add, {"question": questions["theirs"].pk})
    instructor_client.post(add, {"question": questions["mine"].pk})

    assert refused.status_code == 404
    assert [item.question for item in quiz.items.all()] == [questions["mine"]]
