"""Review requests under load: the next card and an answer, with 1,000 learners and 1M reviews.

Builds a fresh SQLite database in a temporary folder (WAL, as the app runs it) with
``studyapp.cards.demo_data``: 1,000 cards, 1,000 learners, 1,000 review-log rows each (125
studied cards per learner). Then, for a sample of learners, it times the app's own views through
Django's test client (server time: middleware, session, queries, templates; no network):

- next card: ``GET /review/`` (the whole review page with the next card),
- reveal: ``GET /review/cards/<id>/reveal/`` (htmx fragment with the answer and the intervals),
- answer: ``POST /review/cards/<id>/answer/`` (htmx; records the answer and renders the next card).

Goal: p95 under 20 ms for the next-card and answer requests. Prints a Markdown section.
Options: --learners, --reviews (per learner), --cards, --sample; for a quick run while working on
the views, fewer learners (``--learners 200 --sample 100``) keep 1,000 reviews per learner.
The temporary folder (about 400 MB at the default size) is deleted when the benchmark ends.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEXT_CARD = re.compile(r"/review/cards/(\d+)/reveal/\?version=(\d+)")
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--reviews", type=int, default=1000, help="review-log rows per learner")
    parser.add_argument("--cards", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=300, help="learners timed")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="review-bench-"))
    try:
        return bench(args, folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def bench(args: argparse.Namespace, folder: Path) -> int:
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "studyapp.settings")
    os.environ.setdefault("VAR_DIR", str(folder))
    import warnings

    import django
    from django.db import connections

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from studyapp.accounts.models import User
    from studyapp.cards.demo_data import (
        demo_cards_build,
        demo_learners_build,
        demo_reviews_build,
    )
    from studyapp.cards.models import ReviewLog

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    call_command("migrate", verbosity=0)

    started = time.monotonic()
    now = timezone.now()
    card_ids = demo_cards_build(topics_per_course=20, cards_per_topic=max(1, args.cards // 20))
    user_ids = demo_learners_build(count=args.learners, password="bench-password-1")
    rows = demo_reviews_build(
        user_ids=user_ids, card_ids=card_ids, reviews_per_learner=args.reviews, now=now
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    build_s = time.monotonic() - started
    assert ReviewLog.objects.count() == rows

    timings: dict[str, list[float]] = {"next card": [], "reveal": [], "answer": []}
    cpu: dict[str, list[float]] = {name: [] for name in timings}

    def timed(name: str, send, *args, **kwargs):
        """Send one request, recording wall time, this thread's CPU time and the query count."""
        began, began_cpu = time.perf_counter(), time.thread_time()
        with CaptureQueriesContext(connection) as captured:
            response = send(*args, **kwargs)
        timings[name].append((time.perf_counter() - began) * 1000)
        cpu[name].append((time.thread_time() - began_cpu) * 1000)
        queries[name] = max(queries.get(name, 0), len(captured))
        return response

    queries: dict[str, int] = {}
    step = max(1, len(user_ids) // args.sample)
    for user_id in user_ids[::step][: args.sample]:
        client = Client()
        client.force_login(User.objects.get(pk=user_id))
        for _ in range(3):  # three cards in a row per learner
            page = timed("next card", client.get, "/review/")
            shown = NEXT_CARD.search(page.content.decode())
            if shown is None:
                break  # nothing left today for this learner
            card_id, version = int(shown.group(1)), int(shown.group(2))
            reveal_url = f"/review/cards/{card_id}/reveal/?version={version}"
            timed("reveal", client.get, reveal_url, HTTP_HX_REQUEST="true")
            data = {"rating": "3", "version": str(version), "duration_ms": "4200"}
            answer_url = f"/review/cards/{card_id}/answer/"
            response = timed("answer", client.post, answer_url, data, HTTP_HX_REQUEST="true")
            assert response.status_code == 200
    connections.close_all()

    goal_ms = 20.0
    load = os.getloadavg()
    print("## Review requests (cards)")
    print()
    print(
        f"{args.learners:,} learners, {args.cards:,} cards, {rows:,} review-log rows "
        f"({args.reviews:,} per learner) in SQLite (WAL), built in {build_s:.0f} s with "
        "`studyapp.cards.demo_data`. Server time of the app's views through Django's test "
        f"client, {args.sample} learners, up to 3 cards each. Queries: the most one request "
        "ran (session and user included). Wall time is what a client waits for; CPU time "
        "is the serving thread's own work (Python and SQLite, which runs in-process), which "
        f"is what a busy machine does not inflate: load average {load[0]:.1f} on "
        f"{os.cpu_count()} cores while this ran."
    )
    print()
    print(
        "| request | n | wall p50 ms | wall p95 ms | wall p99 ms | CPU p50 ms | CPU p95 ms "
        "| max queries | goal p95 | met (wall / CPU) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, values in timings.items():
        p95, cpu95 = percentile(values, 0.95), percentile(cpu[name], 0.95)
        goal = f"< {goal_ms:.0f} ms" if name != "reveal" else "-"
        met = "-"
        if name != "reveal":
            met = f"{'yes' if p95 < goal_ms else 'no'} / {'yes' if cpu95 < goal_ms else 'no'}"
        print(
            f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p95:.1f} | "
            f"{percentile(values, 0.99):.1f} | {statistics.median(cpu[name]):.1f} | "
            f"{cpu95:.1f} | {queries[name]} | {goal} | {met} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
