"""The database keeps ``TopicAnswers`` up to date: triggers on the answers, on the topics a
question version tests and on an attempt's learner, and the answers graded before them added up
once.

What a set of answers adds is always the same grouped SELECT: the graded answers
(``correct`` set) joined to their attempt's learner and to every topic their question version
tests, counted per learner and topic, and those right. It is the definition of
:func:`studyapp.progress.selectors.graded_topic_answers` and ``accuracy_rows``, written out once
here for both databases. Each trigger adds the answers a new row brings in, and takes back with
an update only the answers an old row took away: when a learner or a topic is deleted, their
rows may already be gone, and nothing is written back for them.

Every statement is built from the constants and column names below, never from input.
"""

from django.db import migrations

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


def add(select: str) -> str:
    # "WHERE true" keeps SQLite from reading ON CONFLICT as a join's ON; every SELECT here has
    # a WHERE already.
    return (
        f"INSERT INTO {SUMS} (user_id, topic_id, graded, correct) {select} "  # noqa: S608
        f"ON CONFLICT (user_id, topic_id) DO UPDATE SET "
        f"graded = {SUMS}.graded + excluded.graded, correct = {SUMS}.correct + excluded.correct;"
    )


def take_back(select: str) -> str:
    return (
        f"UPDATE {SUMS} SET graded = {SUMS}.graded - t.graded, "  # noqa: S608
        f"correct = {SUMS}.correct - t.correct FROM ({select}) AS t "
        f"WHERE {SUMS}.user_id = t.user_id AND {SUMS}.topic_id = t.topic_id;"
    )


TRIGGERS = {
    # name: (table, the columns whose change moves its answers, what a row of it counts)
    "progress_topic_answer": (ANSWERS, "attempt_id, version_id, correct", answer_row),
    "progress_topic_tested": (TESTS, "questionversion_id, topic_id", version_topic_row),
    "progress_topic_attempt": (ATTEMPTS, "user_id", attempt_row),
}


def sqlite_triggers() -> list[str]:
    statements = []
    for name, (table, columns, counted) in TRIGGERS.items():
        added, removed = add(counted("NEW")), take_back(counted("OLD"))
        if table != ATTEMPTS:  # an attempt starts with no answers
            statements.append(
                f"CREATE TRIGGER {name}_added AFTER INSERT ON {table} FOR EACH ROW BEGIN "
                f"{added} END;"
            )
            statements.append(
                f"CREATE TRIGGER {name}_removed AFTER DELETE ON {table} FOR EACH ROW BEGIN "
                f"{removed} END;"
            )
        statements.append(
            f"CREATE TRIGGER {name}_changed AFTER UPDATE OF {columns} ON {table} FOR EACH ROW "
            f"BEGIN {removed} {added} END;"
        )
    return statements


def postgresql_triggers() -> list[str]:
    statements = []
    for name, (table, columns, counted) in TRIGGERS.items():
        added, removed = add(counted("NEW")), take_back(counted("OLD"))
        events = "UPDATE OF" if table == ATTEMPTS else "INSERT OR DELETE OR UPDATE OF"
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {removed} END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {added} END IF; "
            f"RETURN NULL; END $$;",
            f"CREATE TRIGGER {name} AFTER {events} {columns} ON {table} FOR EACH ROW "
            f"EXECUTE FUNCTION {name}();",
        ]
    return statements


def triggers_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = postgresql_triggers()
    elif vendor == "sqlite":
        statements = sqlite_triggers()
    else:
        raise NotImplementedError(f"no topic-answer triggers for {vendor}")
    for statement in [add(answers_stored("true")), *statements]:
        schema_editor.execute(statement, params=None)


def triggers_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for name, (table, _, _) in TRIGGERS.items():
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}();")
        else:
            for event in ("added", "removed", "changed"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event};")
    schema_editor.execute("DELETE FROM progress_topicanswers;")


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0003_topic_answers"),
        ("quizzes", "0016_question_version_html"),
    ]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
