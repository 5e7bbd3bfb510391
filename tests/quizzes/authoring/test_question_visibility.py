"""Who sees a question: the curated pool feeds practice and exams for everyone; an instructor's
imports reach learners only through that instructor's quizzes."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from django.utils import timezone

from studyapp.quizzes import attempts
from studyapp.quizzes.models import Question
from tests.quizzes.authoring.conftest import import_questions

pytestmark = pytest.mark.django_db

GIFT = "::Instructor test::An instructor's own test question?{=yes ~no}\n"


def imported(tmp_path: Path, *flags: str) -> Question:
    path = tmp_path / "own.gift"
    path.write_text(GIFT, encoding="utf-8")
    code, _, stderr = import_questions(path, "gift", "--bank", "amazon-s3", "--publish", *flags)
    assert code == 0, stderr
    return Question.objects.get(key="instructor-test")


def keys_in_practice_and_exam(user) -> set[str]:
    now = timezone.now()
    practice = attempts.practice_start(user=user, now=now, count=200, rng=random.Random(2))
    exam = attempts.exam_start(user=user, now=now, count=200, rng=random.Random(3))
    return {item.version.question.key for a in (practice, exam) for item in a.items.all()}


def test_shipped_content_questions_are_in_the_curated_pool(bank):
    assert Question.objects.exists()
    assert not Question.objects.filter(in_pool=False).exists()


def test_a_published_import_never_reaches_a_learner_in_practice_or_exams(
    bank, course, learner, tmp_path
):
    imported(tmp_path)

    seen = keys_in_practice_and_exam(learner)

    assert seen
    assert "instructor-test" not in seen


def test_a_question_published_to_the_pool_reaches_every_learner(bank, learner, tmp_path):
    question = imported(tmp_path, "--pool")

    assert question.in_pool
    assert "instructor-test" in keys_in_practice_and_exam(learner)
