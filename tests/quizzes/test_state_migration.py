"""The migration that stores question schedules' FSRS state as the number cards use keeps
every row's state, and undoing it gives the names back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("quizzes", "0002_authoring")]
AFTER = [("quizzes", "0003_question_schedule_state_as_fsrs_state")]
WHEN = datetime(2026, 3, 2, tzinfo=UTC)

pytestmark = pytest.mark.usefixtures("latest_migrations_afterwards")


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def schedules_with_states(apps, states: list[tuple[str, dict]]) -> list[int]:
    User = apps.get_model("accounts", "User")
    Course = apps.get_model("topics", "Course")
    Question = apps.get_model("quizzes", "Question")
    QuestionSchedule = apps.get_model("quizzes", "QuestionSchedule")
    user = User.objects.create(username="migrating")
    course = Course.objects.create(slug="migrating", title="Migrating", source="x.md")
    ids = []
    for number, (state, fsrs_state) in enumerate(states):
        question = Question.objects.create(course=course, key=f"q-{number}", created_at=WHEN)
        ids.append(
            QuestionSchedule.objects.create(
                user=user,
                question=question,
                fsrs_state=fsrs_state,
                state=state,
                due=WHEN,
                last_reviewed_at=WHEN,
            ).pk
        )
    return ids


@pytest.mark.django_db(transaction=True)
def test_state_names_become_fsrs_numbers_and_back():
    old = migrate(BEFORE)
    ids = schedules_with_states(
        old,
        [("learning", {"state": 1}), ("review", {"state": 2}), ("relearning", {"state": 3})],
    )
    new = migrate(AFTER)
    stored = new.get_model("quizzes", "QuestionSchedule").objects.in_bulk(ids)
    assert [stored[pk].state for pk in ids] == [1, 2, 3]

    old = migrate(BEFORE)
    stored = old.get_model("quizzes", "QuestionSchedule").objects.in_bulk(ids)
    assert [stored[pk].state for pk in ids] == ["learning", "review", "relearning"]
    migrate([("quizzes", "0003_question_schedule_state_as_fsrs_state")])


@pytest.mark.django_db(transaction=True)
def test_a_blank_state_takes_the_state_of_the_stored_fsrs_card():
    ids = schedules_with_states(migrate(BEFORE), [("", {"state": 3})])
    stored = migrate(AFTER).get_model("quizzes", "QuestionSchedule").objects.get(pk=ids[0])
    assert stored.state == 3
