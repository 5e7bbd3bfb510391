"""The data migration that fixes "Timed exam: 1 questions" in attempts taken before the fix."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("latest_migrations_afterwards"),
]

BEFORE = [("quizzes", "0004_questionversion_shuffle_options")]
AFTER = [("quizzes", "0005_attempt_title_one_question")]


def test_old_one_question_exam_titles_say_question(learner):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Attempt = old.get_model("quizzes", "Attempt")
    titles = ["Timed exam: 1 questions", "Timed exam: 10 questions", "Full exam"]
    for title in titles:
        Attempt.objects.create(
            user_id=learner.pk, mode="exam", title=title, started_at=timezone.now()
        )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    stored = sorted(new.get_model("quizzes", "Attempt").objects.values_list("title", flat=True))
    assert stored == ["Full exam", "Timed exam: 1 question", "Timed exam: 10 questions"]
