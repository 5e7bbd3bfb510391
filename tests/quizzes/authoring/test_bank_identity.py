"""A question's key is unique within its bank: the same title in two banks is two questions."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from studyapp.quizzes.models import Question
from studyapp.topics.models import Course
from tests.quizzes.authoring.conftest import import_questions

pytestmark = pytest.mark.django_db

GREETING = "::Greeting::Which word greets?{{=hello ~goodbye ~{wrong}}}\n"


@pytest.fixture
def second_bank(course) -> Course:
    return Course.objects.create(slug="second-bank", title="Second bank", source="", position=9)


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_same_title_in_two_banks_makes_two_questions(course, second_bank, tmp_path):
    first = write(tmp_path, "first.gift", GREETING.format(wrong="farewell"))
    second = write(tmp_path, "second.gift", GREETING.format(wrong="ciao"))

    import_questions(first, "gift", "--bank", "amazon-s3")
    _, report, _ = import_questions(second, "gift", "--bank", "second-bank")

    assert (report["created"], report["updated"]) == (1, 0)
    questions = Question.objects.filter(key="greeting").order_by("course__slug")
    assert [(q.course.slug, q.current_version.options.last().text_md) for q in questions] == [
        ("amazon-s3", "farewell"),
        ("second-bank", "ciao"),
    ]


def test_importing_into_another_bank_never_moves_or_changes_the_first_banks_question(
    course, second_bank, tmp_path
):
    first = write(tmp_path, "first.gift", GREETING.format(wrong="farewell"))
    import_questions(first, "gift", "--bank", "amazon-s3")
    before = Question.objects.get(course=course, key="greeting")

    import_questions(
        write(tmp_path, "second.gift", GREETING.format(wrong="ciao")),
        "gift",
        "--bank",
        "second-bank",
    )

    after = Question.objects.get(pk=before.pk)
    assert (after.course_id, after.current_version_id) == (course.pk, before.current_version_id)


def test_a_key_is_unique_within_its_bank(course):
    now = timezone.now()
    Question.objects.create(key="q2", course=course, created_at=now)

    with pytest.raises(IntegrityError), transaction.atomic():
        Question.objects.create(key="q2", course=course, created_at=now)


def test_the_report_lists_each_question_by_key_line_and_what_happened(course, tmp_path):
    text = "::Q1::One?{=a ~b}\n\n::Q2::Two?{=a ~b}\n\n::Essay::Explain.{}\n"
    import_questions(write(tmp_path, "bank.gift", text), "gift", "--bank", "amazon-s3")
    edited = text.replace("Two?", "Two, edited?") + "\n::Q3::Three?{=a ~b}\n"

    _, report, stderr = import_questions(
        write(tmp_path, "edited.gift", edited), "gift", "--bank", "amazon-s3"
    )

    assert report["questions"] == [
        {"line": 1, "key": "q1", "title": "Q1", "action": "unchanged"},
        {"line": 3, "key": "q2", "title": "Q2", "action": "updated"},
        {"line": 7, "key": "q3", "title": "Q3", "action": "created"},
    ]
    assert report["skipped_items"] == [
        {"line": 5, "reason": "essay questions are not supported, skipped"}
    ]
    assert "edited.gift:5: skipped: essay questions are not supported, skipped" in stderr


@pytest.mark.django_db(transaction=True)
def test_the_migrations_keep_every_question_and_put_shipped_ones_in_the_pool(content_dir):
    executor = MigrationExecutor(connection)
    executor.migrate([("quizzes", "0002_authoring")])
    old = executor.loader.project_state([("quizzes", "0002_authoring")]).apps
    course = old.get_model("topics", "Course").objects.create(slug="c", title="C", source="")
    old_question = old.get_model("quizzes", "Question")
    old_question.objects.create(key="kept", course=course, created_at=timezone.now())
    old_question.objects.create(
        key="shipped", course=course, origin="content", created_at=timezone.now()
    )

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    assert list(Question.objects.order_by("key").values_list("key", "course__slug")) == [
        ("kept", "c"),
        ("shipped", "c"),
    ]
    assert set(Question.objects.filter(in_pool=True).values_list("key", flat=True)) == {"shipped"}
