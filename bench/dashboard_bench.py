"""Dashboards at scale: 1,000 learners and 1,000,000 review-log rows on SQLite.

Builds a fresh database in its own directory (VAR_DIR, default /tmp/lambda-study-bench; the
developer's var/ is never touched) with ``manage.py seed_demo``, then renders the learner
dashboard for a sample of learners and the 30-learner cohort dashboard through Django's test
client, timing the server side of each request. Prints a Markdown section for bench/RESULTS.md.

    .venv/bin/python bench/dashboard_bench.py [--learners N] [--reviews N] [--reuse]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL_HOME_MS = 150
GOAL_COHORT_MS = 300
GOAL_SEED_S = 120


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=200, help="learner pages to time")
    parser.add_argument("--reuse", action="store_true", help="keep an already seeded database")
    args = parser.parse_args()

    var_dir = Path(os.environ.get("BENCH_VAR_DIR", "/tmp/lambda-study-bench"))
    var_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "VAR_DIR": str(var_dir)}
    env.pop("DATABASE_URL", None)  # always the bench's own SQLite file
    database = var_dir / "db.sqlite3"
    seed_seconds = None
    if not (args.reuse and database.exists()):
        for leftover in var_dir.glob("db.sqlite3*"):
            leftover.unlink()
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--verbosity", "0"], env=env, check=True, cwd=ROOT)
        started = time.monotonic()
        subprocess.run(
            [*manage, "seed_demo", "--learners", str(args.learners), "--reviews",
             str(args.reviews)],
            env=env, check=True, cwd=ROOT, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        seed_seconds = time.monotonic() - started

    os.environ.update(VAR_DIR=str(var_dir), DJANGO_SETTINGS_MODULE="studyapp.settings")
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse

    from studyapp.accounts.models import Cohort, User
    from studyapp.cards.models import ReviewLog

    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DEBUG = True  # count queries
    reviews = ReviewLog.objects.count()
    learners = list(
        User.objects.filter(review_logs__isnull=False).distinct().values_list("pk", flat=True)
    )
    cohort = Cohort.objects.get(name="Demo cohort")
    instructor = cohort.instructor
    members = cohort.memberships.count()

    cpu_ms: dict[str, list[float]] = {"home": [], "cohort": []}

    def timed(client: Client, url: str, kind: str = "") -> tuple[float, int]:
        reset_queries()
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.get(url)
        elapsed = (time.perf_counter() - started) * 1000
        if kind:
            cpu_ms[kind].append((time.process_time() - cpu_started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        return elapsed, len(connection.queries)

    rng = random.Random(1)
    client = Client()
    home_ms, home_queries = [], set()
    users = {u.pk: u for u in User.objects.filter(pk__in=rng.sample(learners, 50))}
    sample = [rng.choice(list(users)) for _ in range(args.requests)]
    client.force_login(users[sample[0]])
    timed(client, reverse("home"))  # warm-up: templates, imports
    for pk in sample:
        client.force_login(users[pk])
        elapsed, queries = timed(client, reverse("home"), "home")
        home_ms.append(elapsed)
        home_queries.add(queries)
    client.force_login(instructor)
    url = reverse("progress:cohort", args=[cohort.pk])
    timed(client, url)
    cohort_runs = [timed(client, url, "cohort") for _ in range(50)]
    cohort_ms = [ms for ms, _ in cohort_runs]
    cohort_queries = {q for _, q in cohort_runs}

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1]

    def verdict(value: float, goal: float) -> str:
        return "met" if value < goal else "NOT met"

    print("## Dashboards (learner and cohort) on SQLite\n")
    print(
        f"{len(learners):,} learners with {reviews:,} review-log rows (plus quiz attempts and "
        f"reading), built by `manage.py seed_demo` in a separate database; server time of each "
        f"request through Django's test client (middleware, queries, charts and template), "
        f"{len(home_ms)} learner dashboards of 50 random learners and {len(cohort_ms)} renders "
        f"of the {members}-learner cohort dashboard.\n"
    )
    load = os.getloadavg()[0]
    print(
        f"Load average when measured: {load:.1f} on {os.cpu_count()} cores (wall-clock times "
        f"include waiting for a CPU when the machine is shared; the CPU-time row does not).\n"
    )
    print("| figure | value | goal | |")
    print("|---|---|---|---|")
    home_p95, cohort_p95 = p95(home_ms), p95(cohort_ms)
    print(
        f"| learner dashboard p50 / p95 | {statistics.median(home_ms):.0f} ms / "
        f"{home_p95:.0f} ms | p95 < {GOAL_HOME_MS} ms | {verdict(home_p95, GOAL_HOME_MS)} |"
    )
    print(
        f"| cohort dashboard p50 / p95 | {statistics.median(cohort_ms):.0f} ms / "
        f"{cohort_p95:.0f} ms | < {GOAL_COHORT_MS} ms | {verdict(cohort_p95, GOAL_COHORT_MS)} |"
    )
    print(
        f"| SQL queries a page (learner, cohort) | {sorted(home_queries)}, "
        f"{sorted(cohort_queries)} | constant | "
        f"{'met' if len(home_queries) == len(cohort_queries) == 1 else 'NOT met'} |"
    )
    print(
        f"| CPU time of the server a page, p95 (learner, cohort) | "
        f"{p95(cpu_ms['home']):.0f} ms, {p95(cpu_ms['cohort']):.0f} ms | | |"
    )
    if seed_seconds is not None:
        print(
            f"| `seed_demo --learners {args.learners} --reviews {args.reviews}` | "
            f"{seed_seconds:.0f} s | < {GOAL_SEED_S} s | {verdict(seed_seconds, GOAL_SEED_S)} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
