"""SQL for the sums the database keeps by triggers (``TopicAnswers``, ``DomainQuarter``): each
trigger adds what a new row counts and takes back what an old row counted, both given as one
SELECT of the sums' key columns and counts.

The migrations that create the triggers build their statements here, from constants and column
names only, never from input. A removed row is taken back with an update only: when a learner
or a topic is deleted their sums may already be gone, and nothing is written back for them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def quarter_of(vendor: str, column: str) -> str:
    """The UTC quarter-hour since the epoch of a timestamp column, as
    :func:`studyapp.progress.selectors.quarter_hour` computes it (CAST truncates, which is FLOOR
    for every moment after 1970)."""
    if vendor == "postgresql":
        days = f"(EXTRACT(EPOCH FROM {column}) / 86400.0)"
        return f"FLOOR(({days} * 96.0::float8) + 1.0e-06::float8)::integer"
    return f"CAST((((julianday({column}) - 2440587.5) * 96.0) + 1.0e-06) AS INTEGER)"


@dataclass(frozen=True)
class Sums:
    table: str
    keys: tuple[str, ...]
    counts: tuple[str, ...]

    def add(self, select: str) -> str:
        """Add the rows of ``select`` (its columns: the keys, then the counts)."""
        columns = ", ".join((*self.keys, *self.counts))
        sets = ", ".join(f"{name} = {self.table}.{name} + excluded.{name}" for name in self.counts)
        # Every SELECT given has a WHERE, which keeps SQLite from reading ON CONFLICT as the
        # ON of a join.
        return (
            f"INSERT INTO {self.table} ({columns}) {select} "
            f"ON CONFLICT ({', '.join(self.keys)}) DO UPDATE SET {sets};"
        )

    def take_back(self, select: str) -> str:
        """Take back the rows of ``select`` from the sums they were added to."""
        sets = ", ".join(f"{name} = {self.table}.{name} - t.{name}" for name in self.counts)
        match = " AND ".join(f"{self.table}.{name} = t.{name}" for name in self.keys)
        return f"UPDATE {self.table} SET {sets} FROM ({select}) AS t WHERE {match};"  # noqa: S608


@dataclass(frozen=True)
class Trigger:
    """One table's trigger: what a row of it counts (a SELECT from ``NEW`` or ``OLD``), and the
    columns whose change moves that. ``inserts`` is False for a table whose new rows count
    nothing yet (an attempt starts with no answers): only its changes are followed."""

    name: str
    table: str
    columns: str
    counted: Callable[[str], str]
    inserts: bool = True


def sqlite_triggers(sums: Sums, triggers: list[Trigger]) -> list[str]:
    statements = []
    for trigger in triggers:
        added = sums.add(trigger.counted("NEW"))
        removed = sums.take_back(trigger.counted("OLD"))
        name, table = trigger.name, trigger.table
        if trigger.inserts:
            statements += [
                f"CREATE TRIGGER {name}_added AFTER INSERT ON {table} FOR EACH ROW BEGIN "
                f"{added} END;",
                f"CREATE TRIGGER {name}_removed AFTER DELETE ON {table} FOR EACH ROW BEGIN "
                f"{removed} END;",
            ]
        statements.append(
            f"CREATE TRIGGER {name}_changed AFTER UPDATE OF {trigger.columns} ON {table} "
            f"FOR EACH ROW BEGIN {removed} {added} END;"
        )
    return statements


def postgresql_triggers(sums: Sums, triggers: list[Trigger]) -> list[str]:
    statements = []
    for trigger in triggers:
        added = sums.add(trigger.counted("NEW"))
        removed = sums.take_back(trigger.counted("OLD"))
        name = trigger.name
        events = "INSERT OR DELETE OR UPDATE OF" if trigger.inserts else "UPDATE OF"
        statements += [
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {removed} END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {added} END IF; "
            f"RETURN NULL; END $$;",
            f"CREATE TRIGGER {name} AFTER {events} {trigger.columns} ON {trigger.table} "
            f"FOR EACH ROW EXECUTE FUNCTION {name}();",
        ]
    return statements


def triggers_created(vendor: str, sums: Sums, triggers: list[Trigger]) -> list[str]:
    if vendor == "postgresql":
        return postgresql_triggers(sums, triggers)
    if vendor == "sqlite":
        return sqlite_triggers(sums, triggers)
    raise NotImplementedError(f"no triggers for {sums.table} on {vendor}")


def triggers_dropped(vendor: str, sums: Sums, triggers: list[Trigger]) -> list[str]:
    statements = []
    for trigger in triggers:
        if vendor == "postgresql":
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger.name} ON {trigger.table};",
                f"DROP FUNCTION IF EXISTS {trigger.name}();",
            ]
        else:
            statements += [
                f"DROP TRIGGER IF EXISTS {trigger.name}_{event};"
                for event in ("added", "removed", "changed")
            ]
    return [*statements, f"DELETE FROM {sums.table};"]  # noqa: S608
