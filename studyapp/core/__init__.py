"""What every app shares and nothing app-specific: the bottom layer of the project.

Archiving (``archiving``), idempotent row writes for importers (``upserts``), the
``course/slug`` topic key (``topic_keys``), domain errors (``errors``), CSV safety (``csv``),
htmx helpers (``htmx``), model instances from hand-written SQL (``rows``) and the Markdown
template filters (``templatetags``). It imports Django and the standard library only, never
another studyapp module but ``studyapp.markdown``.
"""
