"""The migration to partial credit: answers graded before it keep their all-or-nothing mark."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("latest_migrations_afterwards"),
]

BEFORE = [("quizzes", "0009_questionversion_combined_feedback")]
AFTER = [("quizzes", "0010_question_types_typed_answers_partial_credit")]


def test_graded_answers_get_a_mark_of_one_or_zero_and_attempts_their_count(learner):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    now = timezone.now()
    course = old.get_model("topics", "Course").objects.create(slug="s3", title="S3", source="x")
    question = old.get_model("quizzes", "Question").objects.create(
        key="q", course=course, created_at=now
    )
    version = old.get_model("quizzes", "QuestionVersion").objects.create(
        question=question, number=1, stem_md="?", kind="single", domain="D1", created_at=now
    )
    attempt = old.get_model("quizzes", "Attempt").objects.create(
        user_id=learner.pk, mode="practice", started_at=now, correct_count=1, question_count=3
    )
    open_attempt = old.get_model("quizzes", "Attempt").objects.create(
        user_id=learner.pk, mode="exam", started_at=now
    )
    Item = old.get_model("quizzes", "AttemptQuestion")
    for position, correct in enumerate([True, False, None], start=1):
        Item.objects.create(attempt=attempt, position=position, version=version, correct=correct)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps

    items = new.get_model("quizzes", "AttemptQuestion").objects.order_by("position")
    assert list(items.values_list("mark", "response")) == [(1.0, ""), (0.0, ""), (None, "")]
    attempts = new.get_model("quizzes", "Attempt").objects
    assert attempts.get(pk=attempt.pk).marks == 1.0
    assert attempts.get(pk=open_attempt.pk).marks is None
