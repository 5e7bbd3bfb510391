"""The database keeps ``TopicAnswers`` up to date: triggers on the answers, on the topics a
question version tests and on an attempt's learner, and the answers graded before them added up
once.

What a set of answers adds is always the same grouped SELECT: the graded answers
(``correct`` set) joined to their attempt's learner and to every topic their question version
tests, counted per learner and topic, and those right. It is the definition of
:func:`studyapp.progress.selectors.graded_topic_answers` and ``accuracy_rows``, written out once
here for both databases; :mod:`studyapp.progress.triggers` makes the triggers of it.
"""

from django.db import migrations

from studyapp.progress.triggers import Sums, Trigger, triggers_created, triggers_dropped

SUMS = "progress_topicanswers"
ANSWERS = "quizzes_attemptquestion"
ATTEMPTS = "quizzes_attempt"
TESTS = "quizzes_questionversion_topics"  # version -> topic


def tally(learner: str, topic: str, joins: str, where: str, group: str) -> str:
    """Per learner and topic: graded answers and those right, from ``aq`` (the answers)."""
    return (
        f"SELECT {learner} AS user_id, {topic} AS topic_id, COUNT(*) AS graded, "  # noqa: S608
        f"SUM(CASE WHEN aq.correct THEN 1 ELSE 0 END) AS correct FROM {ANSWERS} aq {joins} "
        f"WHERE aq.correct IS NOT NULL AND {where} GROUP BY {group}"
    )


def answers_stored(where: str) -> str:
    """The answers in the table that ``where`` picks (``aq``, ``a`` and ``vt`` in scope)."""
    joins = (
        f"JOIN {ATTEMPTS} a ON a.id = aq.attempt_id "
        f"JOIN {TESTS} vt ON vt.questionversion_id = aq.version_id"
    )
    return tally("a.user_id", "vt.topic_id", joins, where, "a.user_id, vt.topic_id")


def answer_row(row: str) -> str:
    """One answer, from a trigger's row (``NEW`` or ``OLD``) rather than the table."""
    return (
        f"SELECT a.user_id AS user_id, vt.topic_id AS topic_id, 1 AS graded, "  # noqa: S608
        f"CASE WHEN {row}.correct THEN 1 ELSE 0 END AS correct FROM {ATTEMPTS} a "
        f"JOIN {TESTS} vt ON vt.questionversion_id = {row}.version_id "
        f"WHERE a.id = {row}.attempt_id AND {row}.correct IS NOT NULL"
    )


def version_topic_row(row: str) -> str:
    """The answers a version's link to a topic (a row of its many-to-many table) counts."""
    joins = f"JOIN {ATTEMPTS} a ON a.id = aq.attempt_id"
    return tally("a.user_id", f"{row}.topic_id", joins,
                 f"aq.version_id = {row}.questionversion_id", "a.user_id")  # fmt: skip


def attempt_row(row: str) -> str:
    """The answers an attempt counts for its learner."""
    joins = f"JOIN {TESTS} vt ON vt.questionversion_id = aq.version_id"
    return tally(f"{row}.user_id", "vt.topic_id", joins, f"aq.attempt_id = {row}.id",
                 "vt.topic_id")  # fmt: skip


SUMS_KEPT = Sums(SUMS, keys=("user_id", "topic_id"), counts=("graded", "correct"))
TRIGGERS = [
    Trigger("progress_topic_answer", ANSWERS, "attempt_id, version_id, correct", answer_row),
    Trigger("progress_topic_tested", TESTS, "questionversion_id, topic_id", version_topic_row),
    Trigger("progress_topic_attempt", ATTEMPTS, "user_id", attempt_row, inserts=False),
]


def triggers_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = triggers_created(vendor, SUMS_KEPT, TRIGGERS)
    for statement in [SUMS_KEPT.add(answers_stored("true")), *statements]:
        schema_editor.execute(statement, params=None)


def triggers_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in triggers_dropped(vendor, SUMS_KEPT, TRIGGERS):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0003_topic_answers"),
        ("quizzes", "0016_question_version_html"),
    ]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
