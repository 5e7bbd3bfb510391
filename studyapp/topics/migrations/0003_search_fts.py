"""The SQLite full-text index of search entries: an FTS5 table kept in step by triggers.

Only on SQLite; PostgreSQL searches topics_searchentry with tsvectors and needs nothing here.
If a later migration rebuilds topics_searchentry on SQLite (an AlterField does), the triggers
go with the old table: recreate them there with the same SQL.
"""

from django.db import migrations

COLUMNS = "title, terms, context, body"
NEW = "new.title, new.terms, new.context, new.body"
OLD = "old.title, old.terms, old.context, old.body"

CREATE = [
    f"""CREATE VIRTUAL TABLE topics_search_fts USING fts5(
        {COLUMNS},
        content='topics_searchentry', content_rowid='id',
        tokenize='porter unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER topics_search_fts_insert AFTER INSERT ON topics_searchentry BEGIN
        INSERT INTO topics_search_fts(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",  # noqa: S608 - constants only
    f"""CREATE TRIGGER topics_search_fts_delete AFTER DELETE ON topics_searchentry BEGIN
        INSERT INTO topics_search_fts(topics_search_fts, rowid, {COLUMNS})
        VALUES ('delete', old.id, {OLD});
    END""",  # noqa: S608 - constants only
    f"""CREATE TRIGGER topics_search_fts_update AFTER UPDATE ON topics_searchentry BEGIN
        INSERT INTO topics_search_fts(topics_search_fts, rowid, {COLUMNS})
        VALUES ('delete', old.id, {OLD});
        INSERT INTO topics_search_fts(rowid, {COLUMNS}) VALUES (new.id, {NEW});
    END""",  # noqa: S608 - constants only
    "INSERT INTO topics_search_fts(topics_search_fts) VALUES ('rebuild')",
]
DROP = [
    "DROP TRIGGER IF EXISTS topics_search_fts_update",
    "DROP TRIGGER IF EXISTS topics_search_fts_delete",
    "DROP TRIGGER IF EXISTS topics_search_fts_insert",
    "DROP TABLE IF EXISTS topics_search_fts",
]


def create_fts(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_fts(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0002_search_entry"),
    ]

    operations = [migrations.RunPython(create_fts, drop_fts)]
