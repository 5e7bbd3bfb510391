"""PostgreSQL: each search entry's weighted tsvector, stored and generated, with a GIN index.

As djangoproject.com's docs search does: the document is computed once when a row is written
(a generated column, so it can never drift from the text), and ``SearchEntry.objects.search()``
matches and ranks against it through the index instead of building a vector per row per query.
The weights are the ones search.py ranked with before: A title, B key terms, C text, D section
and course titles, all with the ``english`` configuration.

Only on PostgreSQL; SQLite keeps its FTS5 table (0003). The column is not a model field:
Django never writes it, and reads it only through ``SearchEntryQuerySet.search()``.
"""

from django.db import migrations

CONFIG = "'english'::regconfig"
DOCUMENT = " || ".join(
    f"setweight(to_tsvector({CONFIG}, coalesce({column}, '')), '{weight}')"
    for column, weight in (("title", "A"), ("terms", "B"), ("body", "C"), ("context", "D"))
)
CREATE = [
    f"ALTER TABLE topics_searchentry ADD COLUMN document tsvector "
    f"GENERATED ALWAYS AS ({DOCUMENT}) STORED",
    "CREATE INDEX topics_searchentry_document ON topics_searchentry USING gin (document)",
]
DROP = [
    "DROP INDEX IF EXISTS topics_searchentry_document",
    "ALTER TABLE topics_searchentry DROP COLUMN IF EXISTS document",
]


def create_document(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop_document(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0003_search_fts"),
    ]

    operations = [migrations.RunPython(create_document, drop_document)]
