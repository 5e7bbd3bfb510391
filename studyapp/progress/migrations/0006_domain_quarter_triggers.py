"""The database keeps ``DomainQuarter`` up to date: triggers on the answers, on a question
version's domain and on an attempt's learner, and the answers graded before them added up once.

What a set of answers adds is always the same grouped SELECT: the graded answers (``correct``
and ``answered_at`` set) joined to their attempt's learner and their question version's domain,
counted per learner, domain and UTC quarter-hour of ``answered_at``, and those right: the
definition of :func:`studyapp.progress.selectors.domain_rows`, by quarter-hour. Written out once
here for both databases; :mod:`studyapp.progress.triggers` makes the triggers of it.
"""

from django.db import migrations

from studyapp.progress.triggers import (
    Sums,
    Trigger,
    quarter_of,
    triggers_created,
    triggers_dropped,
)

ANSWERS = "quizzes_attemptquestion"
ATTEMPTS = "quizzes_attempt"
VERSIONS = "quizzes_questionversion"
SUMS = Sums("progress_domainquarter", keys=("user_id", "quarter", "domain"),
            counts=("graded", "correct"))  # fmt: skip


def tally(vendor: str, *, learner: str, domain: str, joins: str, where: str, group: str) -> str:
    """Per learner, quarter-hour and domain: graded answers and those right, from ``aq``."""
    quarter = quarter_of(vendor, "aq.answered_at")
    return (
        f"SELECT {learner} AS user_id, {quarter} AS quarter, {domain} AS domain, "  # noqa: S608
        f"COUNT(*) AS graded, SUM(CASE WHEN aq.correct THEN 1 ELSE 0 END) AS correct "
        f"FROM {ANSWERS} aq {joins} "
        f"WHERE aq.correct IS NOT NULL AND aq.answered_at IS NOT NULL AND {where} "
        f"GROUP BY {group}, {quarter}"
    )


def answers_stored(vendor: str) -> str:
    joins = f"JOIN {ATTEMPTS} a ON a.id = aq.attempt_id JOIN {VERSIONS} v ON v.id = aq.version_id"
    return tally(vendor, learner="a.user_id", domain="v.domain", joins=joins, where="true",
                 group="a.user_id, v.domain")  # fmt: skip


def answer_row(vendor: str):
    """One answer, from a trigger's row (``NEW`` or ``OLD``) rather than the table."""

    def counted(row: str) -> str:
        quarter = quarter_of(vendor, f"{row}.answered_at")
        return (
            f"SELECT a.user_id AS user_id, {quarter} AS quarter, v.domain AS domain, "  # noqa: S608
            f"1 AS graded, CASE WHEN {row}.correct THEN 1 ELSE 0 END AS correct "
            f"FROM {ATTEMPTS} a JOIN {VERSIONS} v ON v.id = {row}.version_id "
            f"WHERE a.id = {row}.attempt_id AND {row}.correct IS NOT NULL "
            f"AND {row}.answered_at IS NOT NULL"
        )

    return counted


def version_row(vendor: str):
    """The answers to a question version, in its domain."""

    def counted(row: str) -> str:
        joins = f"JOIN {ATTEMPTS} a ON a.id = aq.attempt_id"
        return tally(vendor, learner="a.user_id", domain=f"{row}.domain", joins=joins,
                     where=f"aq.version_id = {row}.id", group="a.user_id")  # fmt: skip

    return counted


def attempt_row(vendor: str):
    """The answers of an attempt, for its learner."""

    def counted(row: str) -> str:
        joins = f"JOIN {VERSIONS} v ON v.id = aq.version_id"
        return tally(vendor, learner=f"{row}.user_id", domain="v.domain", joins=joins,
                     where=f"aq.attempt_id = {row}.id", group="v.domain")  # fmt: skip

    return counted


def triggers(vendor: str) -> list[Trigger]:
    return [
        Trigger("progress_domain_answer", ANSWERS, "attempt_id, version_id, correct, answered_at",
                answer_row(vendor)),
        Trigger("progress_domain_version", VERSIONS, "domain", version_row(vendor),
                inserts=False),  # a new version has no answers yet
        Trigger("progress_domain_attempt", ATTEMPTS, "user_id", attempt_row(vendor),
                inserts=False),
    ]  # fmt: skip


def triggers_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = triggers_created(vendor, SUMS, triggers(vendor))
    for statement in [SUMS.add(answers_stored(vendor)), *statements]:
        schema_editor.execute(statement, params=None)


def triggers_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in triggers_dropped(vendor, SUMS, triggers(vendor)):
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("progress", "0005_domain_quarter")]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
