"""The database keeps ``StudyQuarter`` up to date: triggers on the review log and the question
reviews, and the answers given before them added up once.

The expressions are those of :mod:`studyapp.progress.selectors` (``quarter_hour``,
``scheduled_interval_days``; 20 is ``MATURE_DAYS - 1``), written out for each database, so the
rows hold exactly the sums the dashboard's history queries grouped. A removed answer is taken
back with an update only: when a learner is deleted their rows may already be gone, and nothing
is written back for them.

Every statement is built from the constants and column names below, never from input.
"""

from django.db import migrations

COUNTS = "reviews, review_ms, young, young_passed, mature, mature_passed, answers, answer_ms"
ADD = ", ".join(f"{name} = progress_studyquarter.{name} + excluded.{name}" for name in
                COUNTS.split(", "))  # fmt: skip
REVIEW_COLUMNS = "user_id, reviewed_at, duration_ms, rating, state_before, due_before, elapsed_days"
ANSWER_COLUMNS = "user_id, reviewed_at, duration_ms"


def epoch_days(vendor: str, column: str) -> str:
    if vendor == "postgresql":
        return f"(EXTRACT(EPOCH FROM {column}) / 86400.0)"
    return f"(julianday({column}) - 2440587.5)"


def quarter(vendor: str, row: str) -> str:
    days = epoch_days(vendor, f"{row}.reviewed_at")
    if vendor == "postgresql":
        return f"FLOOR(({days} * 96.0::float8) + 1.0e-06::float8)::integer"
    # CAST truncates, which is FLOOR for every moment after 1970.
    return f"CAST((({days} * 96.0) + 1.0e-06) AS INTEGER)"


def review_values(vendor: str, row: str, sign: str = "") -> list[str]:
    """What one review-log row adds: reviews, review_ms, young, young_passed, mature,
    mature_passed, answers, answer_ms."""
    interval = (
        f"({epoch_days(vendor, f'{row}.due_before')} - {epoch_days(vendor, f'{row}.reviewed_at')}"
        f" + {row}.elapsed_days)"
    )
    in_review = f"{row}.state_before = 2"
    passed = f"{row}.rating >= 2"

    def count(condition: str) -> str:
        return f"{sign}(CASE WHEN {condition} THEN 1 ELSE 0 END)"

    return [
        f"{sign}1",
        f"{sign}COALESCE({row}.duration_ms, 0)",
        count(f"{in_review} AND {interval} <= 20"),
        count(f"{in_review} AND {interval} <= 20 AND {passed}"),
        count(f"{in_review} AND {interval} > 20"),
        count(f"{in_review} AND {interval} > 20 AND {passed}"),
        "0",
        "0",
    ]


def answer_values(row: str, sign: str = "") -> list[str]:
    return ["0"] * 6 + [f"{sign}1", f"{sign}COALESCE({row}.duration_ms, 0)"]


def upsert(vendor: str, row: str, values: list[str]) -> str:
    return (
        f"INSERT INTO progress_studyquarter (user_id, quarter, {COUNTS}) "  # noqa: S608
        f"VALUES ({row}.user_id, {quarter(vendor, row)}, {', '.join(values)}) "
        f"ON CONFLICT (user_id, quarter) DO UPDATE SET {ADD};"
    )


def take_back(vendor: str, row: str, values: list[str]) -> str:
    sets = ", ".join(
        f"{name} = {name} - {value}" for name, value in zip(COUNTS.split(", "), values, strict=True)
    )
    return (
        f"UPDATE progress_studyquarter SET {sets} "  # noqa: S608
        f"WHERE user_id = {row}.user_id AND quarter = {quarter(vendor, row)};"
    )


TABLES = {
    # table: (trigger name, the columns whose change moves a row's answer)
    "cards_reviewlog": ("progress_review", REVIEW_COLUMNS),
    "quizzes_questionreview": ("progress_answer", ANSWER_COLUMNS),
}


def row_values(vendor: str, table: str, row: str) -> list[str]:
    if table == "cards_reviewlog":
        return review_values(vendor, row)
    return answer_values(row)


def sqlite_triggers() -> list[str]:
    statements = []
    for table, (name, columns) in TABLES.items():
        new, old = row_values("sqlite", table, "NEW"), row_values("sqlite", table, "OLD")
        statements += [
            f"CREATE TRIGGER {name}_added AFTER INSERT ON {table} FOR EACH ROW BEGIN "
            f"{upsert('sqlite', 'NEW', new)} END;",
            f"CREATE TRIGGER {name}_removed AFTER DELETE ON {table} FOR EACH ROW BEGIN "
            f"{take_back('sqlite', 'OLD', old)} END;",
            f"CREATE TRIGGER {name}_changed AFTER UPDATE OF {columns} ON {table} FOR EACH ROW "
            f"BEGIN {take_back('sqlite', 'OLD', old)} {upsert('sqlite', 'NEW', new)} END;",
        ]
    return statements


def postgresql_triggers() -> list[str]:
    statements = []
    for table, (name, columns) in TABLES.items():
        new, old = row_values("postgresql", table, "NEW"), row_values("postgresql", table, "OLD")
        statements += [
            f"CREATE FUNCTION {name}_quarter() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {take_back('postgresql', 'OLD', old)} "
            f"END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {upsert('postgresql', 'NEW', new)} END IF; "
            f"RETURN NULL; END $$;",
            f"CREATE TRIGGER {name}_quarter AFTER INSERT OR DELETE OR UPDATE OF {columns} "
            f"ON {table} FOR EACH ROW EXECUTE FUNCTION {name}_quarter();",
        ]
    return statements


def history_added_up(vendor: str) -> list[str]:
    """The answers given before the triggers, added up per learner and quarter-hour."""
    reviews = review_values(vendor, "r")
    answers = answer_values("a")
    names = COUNTS.split(", ")
    sums = ", ".join(f"SUM({value})" for value in reviews[:6])
    answer_sums = ", ".join(f"SUM({value})" for value in answers[6:])
    return [
        f"INSERT INTO progress_studyquarter (user_id, quarter, {COUNTS}) "  # noqa: S608
        f"SELECT r.user_id, {quarter(vendor, 'r')} AS q, {sums}, 0, 0 "
        f"FROM cards_reviewlog r GROUP BY r.user_id, q;",
        f"INSERT INTO progress_studyquarter (user_id, quarter, {COUNTS}) "  # noqa: S608
        f"SELECT a.user_id, {quarter(vendor, 'a')} AS q, 0, 0, 0, 0, 0, 0, {answer_sums} "
        f"FROM quizzes_questionreview a WHERE true GROUP BY a.user_id, q "
        f"ON CONFLICT (user_id, quarter) DO UPDATE SET "
        + ", ".join(f"{n} = progress_studyquarter.{n} + excluded.{n}" for n in names[6:])
        + ";",
    ]


def triggers_create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        statements = postgresql_triggers()
    elif vendor == "sqlite":
        statements = sqlite_triggers()
    else:
        raise NotImplementedError(f"no study-quarter triggers for {vendor}")
    for statement in [*history_added_up(vendor), *statements]:
        schema_editor.execute(statement, params=None)


def triggers_drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, (name, _) in TABLES.items():
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_quarter ON {table};")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS {name}_quarter();")
        else:
            for event in ("added", "removed", "changed"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {name}_{event};")
    schema_editor.execute("DELETE FROM progress_studyquarter;")


class Migration(migrations.Migration):
    dependencies = [
        ("progress", "0001_study_quarter"),
        ("cards", "0006_note_override"),
        ("quizzes", "0015_question_media"),
    ]

    operations = [migrations.RunPython(triggers_create, triggers_drop)]
