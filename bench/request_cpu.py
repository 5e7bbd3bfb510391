"""CPU per request of the paths the capacity bench's learners use, in one process, no load.

    .venv/bin/python bench/request_cpu.py [--databases sqlite,postgres] [--requests 200]
        [--paths "review answer,sandbox poll"] [--profile PATH] [--statements]

Builds a fresh database (SQLite in a temporary VAR_DIR; PostgreSQL when one answers locally, a
database created for the run and dropped after it) with the content and 20 learners with a
review history, as the load bench does. Then, in a child process on that database, it sends
each path's requests through Django's test client, signed in through the database session
store, after a warm-up, and measures the process's CPU time around each request: the Python
of the middleware, the view, the ORM and the templates, plus SQLite's own work (it runs in the
process). The test client adds its own small cost to every path alike. Each request is framed
as a WSGI server frames it, by Django's check of the connection at its start and end (which the
test client leaves out): the connection's health check, a SELECT 1 before a request's first
statement, is counted as in a served request.

On PostgreSQL the database's own work is in another process, the connection's backend: its
CPU time (utime + stime of /proc/<pid>/stat, in clock ticks of 10 ms) is read around each
request and summed over the path's batch, so the backend's figure is a mean over the batch,
good to a tick or so in total. The child keeps its one connection for the whole run
(DB_CONN_MAX_AGE), so every figure is that one backend's. The tables are analysed after the
load, as autovacuum would have them on a server running as it ships (STATISTICS below).

Each path's statements, as Django runs them (the health check's SELECT 1 is not among them),
are counted from one request of the path; ``--statements`` lists them.

The dashboard is Home of a learner who has reviewed and practised; the dashboard start is Home
of one who has reviewed but not practised yet, the first run's start in its place (as every
learner of the capacity bench has it until their first practice answer).

The sandbox poll is the page's poll of a run still in flight (one invocation running in a live
process, one queued), answered as the page asks after its first answer. With ``--profile
PATH``, cProfile's report of that one path instead (cumulative, then own time).

It needs the machine to itself no more than any measurement does: run it on a quiet machine,
and compare figures taken together.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import html
import json
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(ROOT))

from databases import available, fresh_postgres  # noqa: E402
from load_bench import ANSWER_FORM, CARD_LINK, OPTION, manage  # noqa: E402

LEARNERS = 20
WARMUP_ROUNDS = 20
SAMPLE = "cold-start-vs-warm"
POLL = re.compile(r'hx-get="(/sandbox/runs/[^"]+)"')
HTMX = {"HTTP_HX_REQUEST": "true"}
BACKEND = "studyapp.accounts.backends.RoleBackend"
PATHS = (
    "floor",
    "dashboard",
    "dashboard start",
    "topic",
    "review next",
    "review reveal",
    "review answer",
    "practice start",
    "practice question",
    "practice answer",
    "exam start",
    "sandbox page",
    "sandbox poll",
)

SETUP = """
from django.utils import timezone
from studyapp.accounts.models import User
from studyapp.cards.demo_data import demo_learners_build, demo_reviews_build
from studyapp.cards.models import Card

users = demo_learners_build(count={learners}, prefix="cpu-learner", password="unused-1234")
User.objects.filter(pk__in=users).update(sandbox_verified=True)
cards = list(Card.objects.order_by("pk").values_list("pk", flat=True))
demo_reviews_build(
    user_ids=users, card_ids=cards, reviews_per_learner=8 * (len(cards) * 3 // 4),
    now=timezone.now(),
)
"""

# PostgreSQL plans from the tables' statistics, which autovacuum gathers within a minute of a
# bulk load on a server running as it ships; a server with autovacuum off (this machine's) never
# gathers them, and its plans for the freshly loaded tables (every table taken for one row) cost
# the backend several times what they cost on a server that has them. SQLite keeps none unless
# asked, and is measured as it runs.
STATISTICS = """
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
"""


class Learners:
    """The requests of each path, with what the next one needs (a card, a question, a poll)."""

    def __init__(self) -> None:
        from django.test import Client
        from django.utils import timezone

        from studyapp.accounts.models import User
        from studyapp.sandbox.models import Function, Invocation
        from studyapp.sandbox.runs import RUNNER_ID
        from studyapp.topics.models import Topic

        users = list(User.objects.filter(username__startswith="cpu-learner-").order_by("pk"))
        self.user, self.reviewers = users[0], iter(users[1:])
        self.client = Client(HTTP_HOST="127.0.0.1")
        self.client.force_login(self.user, backend=BACKEND)
        self.newcomer = Client(HTTP_HOST="127.0.0.1")  # reviewed, never practised: the start
        self.newcomer.force_login(users[-1], backend=BACKEND)
        self.reviewer = Client(HTTP_HOST="127.0.0.1")  # a learner whose queue is not empty
        self.reviewer.force_login(next(self.reviewers), backend=BACKEND)
        self.topics = [
            f"/topics/{course}/{slug}/"
            for course, slug in Topic.objects.active().values_list("course__slug", "slug")
        ]
        sample = Function.objects.get(owner=None, name=SAMPLE)
        batch, now = uuid.uuid4(), timezone.now()
        for position, status in enumerate(("running", "queued")):
            running = status == "running"
            Invocation.objects.create(
                function=sample,
                user=self.user,
                batch=batch,
                position=position,
                status=status,
                config={"timeout_s": 3},
                created_at=now,
                started_at=now if running else None,
                runner=RUNNER_ID if running else "",
            )
        self.poll = f"/sandbox/runs/{batch}/"
        self.card: tuple[str, str] | None = None
        self.attempt = ""
        self.answered = 0
        self.question: tuple[str, str] | None = None
        self.visits = 0

    @staticmethod
    def checked(response, *statuses: int):
        if response.status_code not in (statuses or (200,)):
            raise SystemExit(f"HTTP {response.status_code}: {response.content[:300]!r}")
        return response

    def floor(self) -> None:
        self.checked(self.client.get("/health/me/"))

    def dashboard(self) -> None:
        self.checked(self.client.get("/home/"))

    def dashboard_start(self) -> None:
        if 'id="start-practice"' not in self.checked(self.newcomer.get("/home/")).text:
            raise SystemExit("the newcomer's Home is not the first run's start")

    def topic(self) -> None:
        self.visits += 1
        self.checked(self.client.get(self.topics[self.visits % len(self.topics)]))

    def review_next(self) -> None:
        page = self.checked(self.reviewer.get("/review/"))
        found = CARD_LINK.search(page.text)
        if found is None:  # this learner's queue is empty: the next learner's
            self.reviewer.force_login(next(self.reviewers), backend=BACKEND)
            return self.review_next()
        self.card = found.groups()
        return None

    def review_reveal(self) -> None:
        card, version = self.card
        url = f"/review/cards/{card}/reveal/?version={version}"
        self.checked(self.reviewer.get(url, **HTMX))

    def review_answer(self) -> None:
        card, version = self.card
        data = {"rating": 3, "version": version, "duration_ms": 5000}
        answer = self.checked(self.reviewer.post(f"/review/cards/{card}/answer/", data, **HTMX))
        found = CARD_LINK.search(answer.text)
        self.card = found.groups() if found else None

    def practice_question(self) -> None:
        if not self.attempt or self.answered >= 20:
            data = {"source": "all", "count": 20}
            started = self.checked(self.client.post("/quizzes/practice/", data), 302)
            self.attempt, self.answered = started["Location"], 0
        page = self.checked(self.client.get(self.attempt), 200, 302)
        if page.status_code == 302:  # over: the next one starts another
            self.attempt = ""
            return self.practice_question()
        form, options = ANSWER_FORM.search(page.text), OPTION.findall(page.text)
        self.question = (form.group(1), options[0])
        return None

    def practice_answer(self) -> None:
        url, option = self.question
        self.checked(self.client.post(url, {"option": [option]}, **HTMX))
        self.answered += 1

    def practice_start(self) -> None:
        data = {"source": "all", "count": 20}
        self.checked(self.client.post("/quizzes/practice/", data), 302)

    def exam_start(self) -> None:
        data = {"shape": "custom", "count": 20}
        self.checked(self.client.post("/quizzes/exam/", data), 302)

    def sandbox_page(self) -> None:
        self.checked(self.client.get(f"/sandbox/samples/{SAMPLE}/"))

    def sandbox_poll(self) -> None:
        answer = self.checked(self.client.get(self.poll, **HTMX), 200, 204)
        if answer.status_code == 200:  # the panel: its poll is the next one (204 keeps it)
            self.poll = html.unescape(POLL.search(answer.text).group(1))

    def paths(self) -> dict[str, tuple[Callable[[], None] | None, Callable[[], None]]]:
        """Each path: what must come before each of its requests (untimed), and the request."""
        return {
            "floor": (None, self.floor),
            "dashboard": (None, self.dashboard),
            "dashboard start": (None, self.dashboard_start),
            "topic": (None, self.topic),
            "review next": (None, self.review_next),
            "review reveal": (self.review_next, self.review_reveal),
            "review answer": (self.review_next, self.review_answer),
            "practice start": (None, self.practice_start),
            "practice question": (None, self.practice_question),
            "practice answer": (self.practice_question, self.practice_answer),
            "exam start": (None, self.exam_start),
            "sandbox page": (None, self.sandbox_page),
            "sandbox poll": (None, self.sandbox_poll),
        }


def backend_pid() -> int | None:
    """The process of PostgreSQL serving this process's connection; None on SQLite."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    return connection.connection.info.backend_pid


def backend_ticks(pid: int | None) -> int:
    """The CPU time the backend has spent, user and system, in clock ticks (0 without one)."""
    if pid is None:
        return 0
    # The fields after the command's closing parenthesis start at the state, field 3;
    # utime and stime are fields 14 and 15.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def served(request: Callable[[], None]) -> None:
    """One request as a WSGI server has Django serve it: the connection checked at its start
    (age, and the health check armed for its first statement) and at its end."""
    from django.db import close_old_connections

    close_old_connections()
    request()
    close_old_connections()


def statements(before: Callable[[], None] | None, request: Callable[[], None]) -> list[str]:
    """The statements one request of a path runs, in order."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if before is not None:
        before()
    with CaptureQueriesContext(connection) as captured:
        served(request)
    return [query["sql"] for query in captured.captured_queries]


def measure(requests: int, names: list[str], profile: str) -> None:
    """In the child process, on the database prepared: the figures, as JSON on stdout."""
    import django

    django.setup()
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    learners = Learners()
    paths = learners.paths()
    for _ in range(WARMUP_ROUNDS):
        for before, request in paths.values():
            if before is not None:
                before()
            served(request)
    if profile:
        before, request = paths[profile]
        profiler = cProfile.Profile()
        for _ in range(requests):
            if before is not None:
                before()
            profiler.enable()
            served(request)
            profiler.disable()
        stats = pstats.Stats(profiler, stream=sys.stderr)
        stats.sort_stats("cumulative").print_stats(40)
        stats.sort_stats("tottime").print_stats(25)
        return
    figures = {}
    pid = backend_pid()
    for name in names:
        before, request = paths[name]
        run = statements(before, request)
        spent, ticks = [], 0
        for _ in range(requests):
            if before is not None:
                before()
            ticks_before = backend_ticks(pid)
            start = time.process_time()
            served(request)
            spent.append((time.process_time() - start) * 1000)
            ticks += backend_ticks(pid) - ticks_before
        spent.sort()
        figures[name] = {
            "mean": sum(spent) / len(spent),
            "median": spent[len(spent) // 2],
            "backend": ticks * tick_ms / requests if pid is not None else None,
            "statements": run,
        }
    if pid is not None and backend_pid() != pid:
        raise SystemExit("the connection was replaced during the run: its backend's CPU is lost")
    print(json.dumps(figures))


def run(database: str, args: argparse.Namespace) -> dict:
    """Prepare a fresh database, measure in a child process on it, and return its figures."""
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="request-cpu-")))
        env = {**os.environ, "VAR_DIR": str(folder), "DJANGO_SETTINGS_MODULE": "studyapp.settings"}
        env.pop("DEBUG", None)
        env["DB_CONN_MAX_AGE"] = "3600"  # one connection, one backend, for the whole run
        if database == "postgres":
            env["DATABASE_URL"] = stack.enter_context(fresh_postgres("request_cpu"))
        else:
            env.pop("DATABASE_URL", None)
        manage(env, "secret_key_create")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "import_content")
        manage(env, "shell", "-c", SETUP.format(learners=LEARNERS))
        manage(env, "shell", "-c", STATISTICS)
        command = [
            sys.executable,
            __file__,
            "--measure",
            "--requests",
            str(args.requests),
            "--paths",
            args.paths,
            "--profile",
            args.profile,
        ]
        completed = subprocess.run(
            command, cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
        if completed.returncode != 0:
            raise SystemExit(f"{database}: the measuring process failed:\n{completed.stderr}")
        if args.profile:
            print(completed.stderr)
            return {}
        return json.loads(completed.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", default=",".join(available()))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--paths", default="", help="comma-separated; default: every path")
    parser.add_argument("--profile", default="", help="one path: cProfile's report of it")
    parser.add_argument("--statements", action="store_true", help="list each path's statements")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    names = [name.strip() for name in args.paths.split(",") if name.strip()]
    if args.measure:
        measure(args.requests, names or list(PATHS), args.profile)
        return 0
    load = os.getloadavg()
    print(f"CPU per request, {args.requests} requests a path; load {load[0]:.2f} {load[1]:.2f}\n")
    for database in args.databases.split(","):
        figures = run(database, args)
        if not figures:
            continue
        backend = any(figure["backend"] is not None for figure in figures.values())
        print(
            f"| {database} | mean ms | median ms |"
            + (" backend ms |" if backend else "")
            + " statements |\n|---|---:|---:|"
            + ("---:|" if backend else "")
            + "---:|"
        )
        for name, figure in figures.items():
            print(
                f"| {name} | {figure['mean']:.2f} | {figure['median']:.2f} |"
                + (f" {figure['backend']:.2f} |" if backend else "")
                + f" {len(figure['statements'])} |"
            )
        print()
        if args.statements:
            for name, figure in figures.items():
                print(f"{database}, {name}: {len(figure['statements'])} statements")
                for sql in figure["statements"]:
                    print(f"    {sql}")
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
