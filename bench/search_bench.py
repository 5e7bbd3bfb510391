"""Search speed on the shipped content, on SQLite and on PostgreSQL: server time per query.

    .venv/bin/python bench/search_bench.py

Runs once on SQLite (FTS5, a file in a temporary folder) and, when PostgreSQL answers at
127.0.0.1:5432, once on PostgreSQL (full-text search on the stored tsvector with its GIN index,
in a fresh database created for the run and dropped after it); each run is a child process of
its own. Each imports content/, then times many queries two ways: the ``search()`` function
alone, and the whole ``/topics/search/`` request through Django's test client (middleware,
session, template), which is the server time a learner waits for. Goals at p95: < 50 ms on
SQLite, < 10 ms on PostgreSQL. Prints one Markdown section with both side by side.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(BENCH_DIR))

from databases import LABEL, available, fresh_postgres  # noqa: E402

GOAL_MS = {"sqlite": 50.0, "postgres": 10.0}
ROUNDS = 5
CHILD = "SEARCH_BENCH_CHILD"
MEASURED = {
    "function": "`search()` alone",
    "page": "results page `/topics/search/?q=`",
    "fragment": "live-search fragment (htmx)",
}


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


def cells(timings: list[float], goal_ms: float) -> str:
    p50, p95, worst = statistics.median(timings), percentile(timings, 0.95), max(timings)
    met = "yes" if p95 < goal_ms else "**no**"
    return f"{p50:.2f} / {p95:.2f} / {worst:.2f} | < {goal_ms:.0f} | {met}"


def measure() -> int:
    """In the child: set Django up on DATABASE_URL (or a new SQLite file), time, print JSON."""
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
    call_command("migrate", verbosity=0)
    try:
        return run(settings, connection, call_command)
    finally:
        connection.close()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> int:
    if os.environ.get(CHILD):
        return measure()
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env[CHILD] = "1"
    results = {}
    for database in available():
        with contextlib.ExitStack() as stack:
            if database == "postgres":
                env["DATABASE_URL"] = stack.enter_context(fresh_postgres("search_bench"))
            completed = subprocess.run(
                [sys.executable, __file__],
                env=env,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
        if completed.returncode != 0:
            raise SystemExit(f"search bench on {database} failed:\n{completed.stderr[-3000:]}")
        results[database] = json.loads(completed.stdout.strip().splitlines()[-1])
        env.pop("DATABASE_URL", None)
    print(report(results))
    return 0


def report(results: dict[str, dict]) -> str:
    first = next(iter(results.values()))
    load = ", ".join(f"{LABEL[db]} {result['load']:.1f}" for db, result in results.items())
    lines = [
        "## Search",
        "",
        f"Topic and key-term search on the shipped content ({first['entries']} indexed entries): "
        f"{first['queries']} queries (every key term and topic title, half-typed terms, "
        f"two-word phrases, odd input), each run {ROUNDS} times, on SQLite (FTS5) and on "
        "PostgreSQL (full-text search on the stored generated tsvector and its GIN index) when "
        "it answers. Server time in milliseconds, p50 / p95 / max. Load average (1 min) when "
        f"measured: {load}, on {os.cpu_count()} cores.",
        "",
        "| measured | runs | "
        + " | ".join(f"{LABEL[db]} p50 / p95 / max ms | goal p95 | met" for db in results)
        + " |",
        "|---|---|" + "---|---|---|" * len(results),
    ]
    for key, name in MEASURED.items():
        row = [f"| {name} | {len(first['timings'][key])}"]
        row += [cells(result["timings"][key], GOAL_MS[db]) for db, result in results.items()]
        lines.append(" | ".join(row) + " |")
    lines.append("")
    for db, result in results.items():
        lines.append(f'- {LABEL[db]}: first hit for "provisioned concurrency": {result["top"]}.')
    if "postgres" not in results:
        lines.append("- PostgreSQL did not answer at 127.0.0.1:5432: not measured.")
    return "\n".join(lines)


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
    figures = {
        "entries": SearchEntry.objects.count(),
        "queries": len(queries),
        "timings": {"function": function_ms, "page": page_ms, "fragment": fragment_ms},
        "top": top,
        "load": os.getloadavg()[0],
    }
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
