"""Search speed on the shipped content: server time per query, p50/p95/max, against 50 ms.

Builds a throwaway database (SQLite in a temporary folder, or the PostgreSQL server named by
``DATABASE_URL``, where Django's test database is created and dropped), imports content/, then
times many queries two ways: the ``search()`` function alone, and the whole ``/topics/search/``
request through Django's test client (middleware, session, template), which is the server time
a learner waits for. Prints one Markdown section.
"""

from __future__ import annotations

import io
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
GOAL_MS = 50.0
ROUNDS = 5


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def queries_from_content() -> list[str]:
    """Realistic queries: every key term, every topic title, words being typed, and odd input."""
    from studyapp.topics.models import KeyTerm, Topic

    terms = list(KeyTerm.objects.active().values_list("term", flat=True))
    titles = list(Topic.objects.active().values_list("title", flat=True))
    typed = [term[: max(3, len(term) // 2)] for term in terms]
    odd = ['"', "*", "OR", "NEAR(", "lambda AND", "x" * 200, "provisioned concurrency", ""]
    phrases = [
        f"{a.split()[0]} {b.split()[-1]}" for a, b in zip(terms, reversed(terms), strict=True)
    ]
    return terms + titles + typed + odd + phrases


def time_calls(call, queries: list[str]) -> list[float]:
    timings = []
    for _ in range(ROUNDS):
        for query in queries:
            started = time.perf_counter()
            call(query)
            timings.append((time.perf_counter() - started) * 1000)
    return timings


def row(name: str, timings: list[float]) -> str:
    p50, p95, worst = statistics.median(timings), percentile(timings, 0.95), max(timings)
    met = "yes" if p95 < GOAL_MS else "**no**"
    figures = f"{p50:.2f} | {p95:.2f} | {worst:.2f}"
    return f"| {name} | {len(timings)} | {figures} | < {GOAL_MS:.0f} | {met} |"


def main() -> int:
    workdir = tempfile.mkdtemp(prefix="search-bench-")
    os.environ.setdefault("VAR_DIR", workdir)
    Path(workdir, "staticfiles").mkdir()
    if "DATABASE_URL" not in os.environ:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import setup_test_environment

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    setup_test_environment()
    is_postgres = connection.vendor == "postgresql"
    old_name = connection.settings_dict["NAME"]
    if is_postgres:
        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    try:
        return run(settings, connection, call_command)
    finally:
        if is_postgres:
            connection.creation.destroy_test_db(old_name, verbosity=0)


def run(settings, connection, call_command) -> int:
    from django.contrib.auth import get_user_model
    from django.test import Client

    from studyapp.topics.models import SearchEntry
    from studyapp.topics.search import search

    call_command("import_content", "--source", str(settings.CONTENT_DIR), stdout=io.StringIO())
    queries = queries_from_content()
    user = get_user_model().objects.create_user(username="bench", password="bench-pass-1234")
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    for query in queries[:10]:  # warm caches: templates, statements
        search(query)
        client.get("/topics/search/", {"q": query})

    function_ms = time_calls(search, queries)
    page_ms = time_calls(lambda q: client.get("/topics/search/", {"q": q}), queries)
    fragment_ms = time_calls(
        lambda q: client.get("/topics/search/", {"q": q}, headers={"HX-Request": "true"}), queries
    )
    top = search("provisioned concurrency")[0].title
    vendor = (
        "PostgreSQL (full-text search)" if connection.vendor == "postgresql" else "SQLite (FTS5)"
    )
    lines = [
        "## Search",
        "",
        f"Topic and key-term search on the shipped content ({SearchEntry.objects.count()} indexed "
        f"entries) on {vendor}: {len(queries)} queries (every key term and topic title, "
        f"half-typed terms, two-word phrases, odd input), each run {ROUNDS} times. Times are "
        "server time in milliseconds; the goal is < 50 ms at p95.",
        "",
        "| measured | runs | p50 ms | p95 ms | max ms | goal | met |",
        "|---|---|---|---|---|---|---|",
        row("`search()` alone", function_ms),
        row("results page `/topics/search/?q=`", page_ms),
        row("live-search fragment (htmx)", fragment_ms),
        "",
        f'First hit for "provisioned concurrency": {top}.',
    ]
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
