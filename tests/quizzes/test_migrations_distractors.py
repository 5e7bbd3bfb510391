"""The migration to negative distractors: multiple-response questions written with plain correct
marks get -1/k per distractor; imported questions keep the weights their file gave."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("latest_migrations_afterwards"),
]

BEFORE = [("quizzes", "0011_option_pinned")]
AFTER = [("quizzes", "0012_multiple_response_distractors_negative")]


def test_plain_multiple_response_distractors_become_negative_and_imported_ones_stay():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    now = timezone.now()
    course = old.get_model("topics", "Course").objects.create(slug="s3", title="S3", source="x")
    Question = old.get_model("quizzes", "Question")
    Version = old.get_model("quizzes", "QuestionVersion")
    Option = old.get_model("quizzes", "Option")
    written = {
        # key: (origin, kind, [(is_correct, fraction)])
        "content-two": ("content", "multiple", [(True, 0.5), (False, 0.0), (True, 0.5)]),
        "authored-three": (
            "authored",
            "multiple",
            [(True, 0.3333333), (True, 0.3333333), (True, 0.3333333), (False, 0.0)],
        ),
        "imported-two": ("imported", "multiple", [(True, 0.5), (True, 0.5), (False, 0.0)]),
        "content-weighted": ("content", "multiple", [(True, 0.7), (True, 0.3), (False, 0.0)]),
        "content-single": ("content", "single", [(True, 1.0), (False, 0.0), (False, 0.0)]),
    }
    versions = {}
    for key, (origin, kind, options) in written.items():
        question = Question.objects.create(key=key, course=course, origin=origin, created_at=now)
        versions[key] = Version.objects.create(
            question=question, number=1, stem_md="?", kind=kind, domain="D1", created_at=now
        )
        for position, (correct, fraction) in enumerate(options):
            Option.objects.create(
                version=versions[key],
                position=position,
                text_md=f"option {position}",
                is_correct=correct,
                fraction=fraction,
            )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    options = new.get_model("quizzes", "Option").objects.order_by("position")

    def fractions(key: str) -> list[float]:
        return list(options.filter(version_id=versions[key].id).values_list("fraction", flat=True))

    assert fractions("content-two") == [0.5, -0.5, 0.5]
    assert fractions("authored-three") == [0.3333333, 0.3333333, 0.3333333, -0.3333333]
    assert fractions("imported-two") == [0.5, 0.5, 0.0]
    assert fractions("content-weighted") == [0.7, 0.3, 0.0]
    assert fractions("content-single") == [1.0, 0.0, 0.0]
