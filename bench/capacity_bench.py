"""Capacity: how many learners at once one machine serves, open loop, with real think times.

    .venv/bin/python bench/capacity_bench.py [--databases sqlite,postgres] [--steps 1000,2000,...]
        [--step-seconds 60] [--total-seconds 1320] [--compress 1] [--goal-ms 250]

Learners ARRIVE (Poisson arrivals at N / mean session length, so N are in a session on average)
and each runs a session of a few minutes: a mix of reviewing cards, practice and exam questions,
reading topic pages, the dashboard and sandbox runs, with a human's think time between requests
(a topic page 30-90 s, a card 5-15 s, a question 30-120 s). The requests are sent on their
schedule whatever the server does (open loop): a learner who has to wait is not slowed down in
the others, and each latency is measured from the time the request was due, not from the time
the client got round to sending it (no coordinated omission). Within one learner a request that
needs the previous answer (the card's reveal needs the card) follows it, as in a browser.

The number of learners is stepped up (250, 500, 1000, 2000, 3000, ...) until a study path's p95
passes the goal (250 ms) or an error appears; the answer is the largest step served within it
(a first step not served is halved until one is, so a busy machine still gets a figure). An
untimed warm-up comes first.
Each step is measured stationary: learners who join are met mid-session (each at a random point
of its session and of its think time, the first request within JOIN_S), and a step's window
opens only once all of them have been met, so it counts the step's whole number of learners and
not the ramp towards it.

Time compression (--compress C, default 1: none): C times fewer learners, each thinking C times
faster. The server then gets the same request rate and the same mix of requests as N learners
at real think times (N / C learners each sending C times as often), from fewer distinct
sessions. The report says when it was used.

The deployment is the one `make run` starts: the Procfile's three lines (gunicorn gthread,
WEB_CONCURRENCY workers x WEB_THREADS threads; `manage.py task_worker`, WORKER_THREADS tasks at
once, which runs every sandbox invocation; the sandbox service), in a fresh VAR_DIR, on a fresh
SQLite file (WAL) or, when PostgreSQL answers at 127.0.0.1:5432, on a fresh PostgreSQL database
created for the run and dropped after it. In each step's window: the CPU seconds of each part of the
deployment (and of the client) per request served, printed as the steps go. After the load: the
memory of each process, and of a warm Python and a warm Node.js execution environment (their
cgroup's memory.current and peak). Prints one Markdown section. Bounded: a step cap, a time cap per
step and in all; every process started is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import math
import os
import random
import re
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(ROOT))

from databases import available, fresh_postgres  # noqa: E402
from load_bench import (  # noqa: E402
    ANSWER_FORM,
    CARD_LINK,
    OPTION,
    RUN_FORM,
    RUN_POLL,
    SAMPLE,
    Processes,
    free_port,
    manage,
    percentile,
    procfile_command,
    run_form_fields,
    wait_until_answering,
    web_workers_default,
)
from load_client import Browser, Response  # noqa: E402

PARENT_NAME = "studyapp-sandbox"  # studyapp.engine.cgroups: the environments' parent cgroup
# From 1,000: a quiet 2-core machine serves it, and `make bench` reaches the goal's 3,000 and
# the step above it within the time cap. A machine that does not serve the first is halved down.
DEFAULT_STEPS = (1000, 2000, 3000, 4000)
GOAL_MS = 250.0
GOAL_LEARNERS = 3000  # the goal: this many learners served on 2 cores, on each database
MIN_LEARNERS = 30  # the stepping halves the first step down to this, no further
WARMUP_COMPRESS = 10.0
MIN_SAMPLES = 20  # a path's p95 judges a step only with at least this many requests
REQUEST_TIMEOUT_S = 30.0
DRAIN_S = 35.0  # after a step, requests already sent may finish within this
DRAIN_BUDGET_S = 10.0  # what the time cap reserves for it (it is seldom longer)
SESSION_S = (180.0, 420.0)  # a learner's session: 3 to 7 minutes
# A learner who joins when the number goes up is met mid-think: the first request comes after
# up to this long. A step's window opens once all of them have been met, so that it measures
# the step's whole number of learners and not a ramp towards it.
JOIN_S = 60.0

# What a learner does next (weights), and how long a human takes (seconds, uniform).
ACTIONS = {"review": 30, "practice": 20, "exam": 10, "topic": 15, "dashboard": 10, "sandbox": 15}
THINK = {
    "topic": (30, 90),  # reading a topic page
    "card": (5, 15),  # reading a card before revealing it
    "rate": (2, 6),  # choosing a rating once the answer shows
    "question": (30, 120),  # reading and answering a question
    "feedback": (5, 15),  # reading a practice question's feedback
    "dashboard": (10, 30),
    "code": (20, 60),  # reading the sample and the event before running it
    "result": (10, 30),  # reading the run's result and logs
}
POLL_S = 1.0  # the sandbox page polls a run still going every second
# The badge the run's panel shows on an invocation that found its environment warm (no INIT).
WARM_RESULT = re.compile(r'start-badge">Warm start<')

# The study paths: each one's p95 is held to the goal.
PATHS = {
    "dashboard": "`GET /home/`",
    "topic": "`GET /topics/<course>/<topic>/`",
    "review next": "`GET /review/`",
    "review reveal": "`GET /review/cards/<id>/reveal/` (htmx)",
    "review answer": "`POST /review/cards/<id>/answer/` (htmx)",
    "practice start": "`POST /quizzes/practice/`",
    "practice question": "`GET /quizzes/attempts/<id>/`",
    "practice answer": "`POST /quizzes/attempts/<id>/<n>/answer/` (htmx)",
    "exam start": "`POST /quizzes/exam/` (20 questions)",
    "exam question": "`GET /quizzes/attempts/<id>/?q=<n>`",
    "exam answer": "`POST /quizzes/attempts/<id>/<n>/answer/` (htmx, saved)",
    "sandbox page": "`GET /sandbox/samples/<name>/`",
    "sandbox run": "`POST /sandbox/functions/<id>/run/` (htmx, queued for the worker)",
    "sandbox poll": "`GET /sandbox/runs/<batch>/?seen=<progress>` (htmx, every 1 s until the "
    "run ends; 204 while it has not moved)",
}

SETUP = """
import json
from datetime import timedelta
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.module_loading import import_string
from studyapp.cards.demo_data import demo_learners_build, demo_reviews_build
from studyapp.cards.models import Card
from studyapp.topics.models import Topic

now = timezone.now()
ids = demo_learners_build(count={learners}, prefix="capacity-learner", password="unused-1234")
# Verified for the sandbox, as a cohort's members are: unverified accounts may not run code.
get_user_model().objects.filter(pk__in=ids).update(sandbox_verified=True)
cards = list(Card.objects.order_by("pk").values_list("pk", flat=True))
rows = demo_reviews_build(user_ids=ids, card_ids=cards, reviews_per_learner={reviews}, now=now)
engine = import_module(settings.SESSION_ENGINE)
backend = next(
    name for name in settings.AUTHENTICATION_BACKENDS if hasattr(import_string(name), "get_user")
)
model = engine.SessionStore.get_model_class()  # the database session engine (`make run`'s)
expires = now + timedelta(seconds=settings.SESSION_COOKIE_AGE)
rows_of_sessions, sessions = [], []
for user in get_user_model().objects.filter(pk__in=ids).order_by("pk"):
    store = engine.SessionStore()
    key = store._get_new_session_key()
    data = {{
        SESSION_KEY: str(user.pk),
        BACKEND_SESSION_KEY: backend,
        HASH_SESSION_KEY: user.get_session_auth_hash(),
    }}
    rows_of_sessions.append(
        model(session_key=key, session_data=store.encode(data), expire_date=expires)
    )
    sessions.append(key)
model.objects.bulk_create(rows_of_sessions, batch_size=1000)
# The tables' statistics, which autovacuum gathers within a minute of a bulk load on a server
# running as it ships; without them (a server with autovacuum off, as this machine's) PostgreSQL
# takes every freshly loaded table for one row and plans the study paths' queries badly.
from django.db import connection
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
topics = [
    f"/topics/{{course}}/{{slug}}/"
    for course, slug in Topic.objects.active().values_list("course__slug", "slug")
]
print(json.dumps({{"topics": topics, "sessions": sessions, "reviews": rows, "cards": len(cards)}}))
"""


class Failure(Exception):
    """A response a learner would see as an error (already counted)."""


class StepOver(Exception):
    """The step ended while the learner was thinking: nothing more is sent."""


# -- the pure parts: arrivals, percentiles, the stepping rule --------------------------------


def poisson_arrivals(*, rate_per_s: float, duration_s: float, rng: random.Random) -> list[float]:
    """Arrival times in [0, duration_s) of a Poisson process of the given rate."""
    times: list[float] = []
    if rate_per_s <= 0:
        return times
    moment = rng.expovariate(rate_per_s)
    while moment < duration_s:
        times.append(moment)
        moment += rng.expovariate(rate_per_s)
    return times


def step_verdict(
    latencies: dict[str, list[float]], errors: dict[str, int], *, goal_ms: float
) -> tuple[bool, str]:
    """Whether a step was served within the goal, and why not: any error, or a study path with
    at least MIN_SAMPLES requests whose p95 passes the goal."""
    failed = sum(errors.values())
    if failed:
        worst = max(errors, key=errors.get)
        return False, f"{failed} errors ({errors[worst]} on {worst})"
    over = {
        path: percentile(values, 0.95)
        for path, values in latencies.items()
        if len(values) >= MIN_SAMPLES and percentile(values, 0.95) > goal_ms
    }
    if over:
        worst = max(over, key=over.get)
        return False, f"{worst} p95 {over[worst]:.0f} ms > {goal_ms:.0f} ms"
    return True, ""


def next_count(*, planned: list[int], tried: list[tuple[int, bool]]) -> int | None:
    """The stepping rule: the planned counts upwards while each is served; the first one not
    served ends the run. If not even the first is served, halve it until one is (down to
    MIN_LEARNERS), so a busy machine still gets a figure. None: stop."""
    if not tried:
        return planned[0]
    count, ok = tried[-1]
    went_down = any(not served for _, served in tried)
    if ok:
        if went_down:
            return None
        higher = [planned_count for planned_count in planned if planned_count > count]
        return higher[0] if higher else None
    if any(served for _, served in tried):
        return None
    half = count // 2
    return half if half >= MIN_LEARNERS else None


def think(kind: str, rng: random.Random, compress: float) -> float:
    low, high = THINK[kind]
    return rng.uniform(low, high) / compress


# -- one learner ------------------------------------------------------------------------------


@dataclass
class Step:
    learners: int
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    late_ms: list[float] = field(default_factory=list)  # client lag: sent after it was due
    in_flight: int = 0
    run_ms: list[float] = field(default_factory=list)  # sandbox: run sent -> result shown
    warm_runs: int = 0  # runs whose result says the sample found its environment warm
    sessions: int = 0
    empty_queue: int = 0
    elapsed_s: float = 0.0
    cpu_s: dict[str, float] = field(default_factory=dict)  # CPU seconds in the window

    def fail(self, path: str, message: str) -> None:
        self.errors[path] += 1
        if len(self.error_samples) < 8:
            self.error_samples.append(f"{path}: {message}")


@dataclass
class Learner:
    """One learner's identity and what the app remembers of them between sessions."""

    session_key: str
    port: int
    topics: list[str]
    practice_path: str = ""
    exam_path: str = ""
    exam_position: int = 0
    run_path: str = ""
    run_fields: dict[str, str] = field(default_factory=dict)


class Session:
    """One visit of a learner: actions with think times until the session's end."""

    def __init__(
        self, learner: Learner, population: Population, rng: random.Random, compress: float
    ):
        self.learner = learner
        self.population = population
        self.leaving = False  # set when the number of learners is lowered
        self.rng = rng
        self.compress = compress
        csrf = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(32))
        self.browser = Browser(
            "127.0.0.1",
            learner.port,
            timeout_s=REQUEST_TIMEOUT_S,
            cookies={"sessionid": learner.session_key, "csrftoken": csrf},
        )
        self.due = time.monotonic()

    async def pause(self, kind: str) -> None:
        """Think, then the next request is due; a connection left idle is closed meanwhile
        (the server would have closed it: a browser opens a new one)."""
        self.due = max(self.due, time.monotonic()) + think(kind, self.rng, self.compress)
        await self.browser.close()
        if self.leaving:
            raise StepOver
        await asyncio.sleep(max(0.0, self.due - time.monotonic()))
        if self.leaving:
            raise StepOver

    @property
    def step(self) -> Step:
        return self.population.step

    async def call(
        self, path: str, method: str, url: str, *, data=None, htmx=False, expect=(200,)
    ) -> Response:
        now = time.monotonic()
        due = min(self.due, now)  # a request that follows an answer at once is due at once
        step = self.step  # the request counts in the step it was due in
        step.late_ms.append((now - due) * 1000)
        step.in_flight += 1
        try:
            response = await self.browser.request(method, url, data=data, htmx=htmx)
        except Exception as error:
            step.fail(path, f"{method} {url}: {type(error).__name__} {error}")
            raise Failure from None
        finally:
            step.in_flight -= 1
        step.latencies[path].append((time.monotonic() - due) * 1000)
        self.due = time.monotonic()
        if response.status not in expect:
            snippet = re.sub(r"\s+", " ", response.text)[:160]
            step.fail(path, f"{method} {url}: HTTP {response.status} {snippet}")
            raise Failure
        return response

    async def run(self, ends_at: float) -> None:
        names, weights = zip(*ACTIONS.items(), strict=True)
        try:
            while time.monotonic() < ends_at:
                action = self.rng.choices(names, weights=weights)[0]
                try:
                    await getattr(self, action)()
                except Failure:  # counted; the learner reads the error page, then goes on
                    await self.pause("dashboard")
        except StepOver:
            pass
        finally:
            await self.browser.close()

    async def topic(self) -> None:
        await self.call("topic", "GET", self.rng.choice(self.learner.topics))
        await self.pause("topic")

    async def dashboard(self) -> None:
        await self.call("dashboard", "GET", "/home/")
        await self.pause("dashboard")

    async def review(self) -> None:
        page = await self.call("review next", "GET", "/review/")
        text = page.text
        for _ in range(self.rng.randint(3, 10)):
            found = CARD_LINK.search(text)
            if found is None:
                self.step.empty_queue += 1
                return await self.pause("dashboard")
            await self.pause("card")
            card, version = found.groups()
            url = f"/review/cards/{card}/reveal/?version={version}"
            await self.call("review reveal", "GET", url, htmx=True)
            await self.pause("rate")
            data = {
                "rating": self.rng.choices((1, 2, 3, 4), weights=(3, 2, 4, 1))[0],
                "version": version,
                "duration_ms": self.rng.randint(2000, 15000),
            }
            answer = await self.call(
                "review answer", "POST", f"/review/cards/{card}/answer/", data=data, htmx=True
            )
            text = answer.text
        return await self.pause("card")

    async def practice(self) -> None:
        learner = self.learner
        for _ in range(self.rng.randint(2, 6)):
            if not learner.practice_path:
                started = await self.call(
                    "practice start",
                    "POST",
                    "/quizzes/practice/",
                    data={"source": "all", "count": 20},
                    expect=(302,),
                )
                learner.practice_path = started.location
            page = await self.call(
                "practice question", "GET", learner.practice_path, expect=(200, 302)
            )
            if page.status == 302:  # the practice is over: the next action starts another
                learner.practice_path = ""
                continue
            form, options = ANSWER_FORM.search(page.text), OPTION.findall(page.text)
            if form is None or not options:
                self.step.fail("practice question", "no answer form")
                learner.practice_path = ""
                raise Failure
            await self.pause("question")
            data = {"option": [self.rng.choice(options)]}
            await self.call("practice answer", "POST", form.group(1), data=data, htmx=True)
            await self.pause("feedback")

    async def exam(self) -> None:
        learner = self.learner
        for _ in range(self.rng.randint(2, 6)):
            if not learner.exam_path or learner.exam_position >= 20:
                started = await self.call(
                    "exam start",
                    "POST",
                    "/quizzes/exam/",
                    data={"shape": "custom", "count": 20},
                    expect=(302,),
                )
                learner.exam_path, learner.exam_position = started.location.split("?")[0], 0
            learner.exam_position += 1
            url = f"{learner.exam_path}?q={learner.exam_position}"
            page = await self.call("exam question", "GET", url, expect=(200, 302))
            if page.status == 302:  # over (time up): a new exam next time
                learner.exam_path = ""
                continue
            form, options = ANSWER_FORM.search(page.text), OPTION.findall(page.text)
            if form is None or not options:
                self.step.fail("exam question", "no answer form")
                learner.exam_path = ""
                raise Failure
            await self.pause("question")
            data = {"option": [self.rng.choice(options)]}
            await self.call("exam answer", "POST", form.group(1), data=data, htmx=True)

    async def sandbox(self) -> None:
        learner = self.learner
        page = await self.call("sandbox page", "GET", f"/sandbox/samples/{SAMPLE}/")
        if not learner.run_path:
            form = RUN_FORM.search(page.text)
            if form is None:
                self.step.fail("sandbox page", "no run form")
                raise Failure
            learner.run_path, learner.run_fields = form.group(1), run_form_fields(page.text)
        await self.pause("code")
        sent = time.monotonic()
        data = {**learner.run_fields, "mode": "single", "count": "1"}
        result = await self.call("sandbox run", "POST", learner.run_path, data=data, htmx=True)
        for _ in range(int(60 * self.compress) + 1):
            poll = RUN_POLL.search(result.text)
            if poll is None:
                break
            self.due = time.monotonic() + POLL_S
            await asyncio.sleep(POLL_S)
            polled = await self.call(
                "sandbox poll", "GET", poll.group(1), htmx=True, expect=(200, 204)
            )
            if polled.status == 200:  # 204: nothing new, the page keeps its panel
                result = polled
        if "status-badge status-success" not in result.text:
            message = re.search(r'role="alert">([^<]*)<', result.text)
            shown = html.unescape(message.group(1)) if message else "no success shown"
            self.step.fail("sandbox run", shown.strip()[:160])
            raise Failure
        self.step.run_ms.append((time.monotonic() - sent) * 1000)
        if WARM_RESULT.search(result.text):
            self.step.warm_runs += 1
        await self.pause("result")


# -- a step -----------------------------------------------------------------------------------


class Population:
    """The learners in a session: as many as asked for on average, met mid-session when the
    number goes up, leaving at their next think when it goes down, and Poisson arrivals
    (at the number / the mean session) replacing those whose session ends."""

    def __init__(self, learners: list[Learner], *, compress: float, seed: int):
        self.rng = random.Random(seed)
        self.idle = list(learners)
        self.rng.shuffle(self.idle)
        self.compress = compress
        self.sessions: set[Session] = set()
        self.tasks: set[asyncio.Task] = set()
        self.simulated = 0
        self.step = Step(learners=0)  # not recorded until a step's window opens
        self.arriving = asyncio.create_task(self.arrivals())

    def begin(self, remaining_s: float, first_delay_s: float) -> None:
        if not self.idle:
            return
        learner = self.idle.pop()
        session = Session(learner, self, random.Random(self.rng.random()), self.compress)
        self.sessions.add(session)
        self.step.sessions += 1

        async def visit() -> None:
            try:
                await asyncio.sleep(first_delay_s)
                session.due = time.monotonic()
                await session.run(time.monotonic() + remaining_s)
            finally:
                self.sessions.discard(session)
                self.idle.insert(0, learner)

        task = asyncio.create_task(visit())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def set_learners(self, count: int) -> None:
        self.simulated = max(1, round(count / self.compress))
        staying = [session for session in self.sessions if not session.leaving]
        for _ in range(self.simulated - len(staying)):  # met at a random point of a session
            self.begin(
                self.rng.uniform(0, SESSION_S[1]) / self.compress,
                self.rng.uniform(0, JOIN_S) / self.compress,
            )
        if len(staying) > self.simulated:
            for session in self.rng.sample(staying, len(staying) - self.simulated):
                session.leaving = True

    async def arrivals(self) -> None:
        mean_session = sum(SESSION_S) / 2 / self.compress
        while True:
            rate = max(self.simulated, 1) / mean_session
            await asyncio.sleep(self.rng.expovariate(rate))
            if self.simulated:
                self.begin(self.rng.uniform(*SESSION_S) / self.compress, 0.0)

    async def close(self) -> None:
        self.arriving.cancel()
        for task in [self.arriving, *self.tasks]:
            task.cancel()
        await asyncio.gather(self.arriving, *self.tasks, return_exceptions=True)


async def drive(
    port: int, args, facts: dict, deadline: float, meter: CpuMeter | None = None
) -> list[Step]:
    learners = [Learner(key, port, facts["topics"]) for key in facts["sessions"]]
    # Untimed priming, as on a server that has been up a while: every worker's first requests,
    # the templates, the sandbox's first (cold) environments.
    priming = Population(learners, compress=WARMUP_COMPRESS, seed=args.seed + 1)
    priming.set_learners(args.steps[0])
    await asyncio.sleep(args.warmup_seconds)
    await priming.close()
    # Then one population for the whole run: the number of learners changes between the
    # steps' windows, and a learner's actions (a question read, then answered) go on across.
    population = Population(learners, compress=args.compress, seed=args.seed)
    tried: list[tuple[int, bool]] = []
    steps: list[Step] = []
    count = next_count(planned=args.steps, tried=tried)
    population.set_learners(count)
    await asyncio.sleep(args.settle_seconds)  # unrecorded: the first think times run out
    try:
        while count is not None:
            if len(tried) >= args.max_steps:
                print("  step cap reached", file=sys.stderr, flush=True)
                break
            joining_s = JOIN_S / args.compress if steps else 0.0  # the first step settled
            if time.monotonic() + joining_s + args.step_seconds + DRAIN_BUDGET_S > deadline:
                print(f"  time cap reached before {count} learners", file=sys.stderr, flush=True)
                break
            await asyncio.sleep(joining_s)  # unrecorded: the learners who joined are all met
            step = population.step = Step(learners=count)
            started = time.monotonic()
            cpu_before = meter.totals() if meter else {}
            await asyncio.sleep(args.step_seconds)
            step.elapsed_s = time.monotonic() - started
            if meter:
                cpu_after = meter.totals()
                step.cpu_s = {k: cpu_after[k] - cpu_before[k] for k in cpu_after}
            population.step = Step(learners=0)  # the load goes on, unrecorded
            waited = time.monotonic()
            while step.in_flight and time.monotonic() - waited < DRAIN_S:
                await asyncio.sleep(0.1)  # the window's last requests finish and count
            steps.append(step)
            ok, why = step_verdict(step.latencies, step.errors, goal_ms=args.goal_ms)
            tried.append((count, ok))
            total = sum(len(v) for v in step.latencies.values())
            print(
                f"  {count} learners: {total} requests, {total / step.elapsed_s:.1f} req/s, "
                f"{'served' if ok else 'NOT served: ' + why}",
                file=sys.stderr,
                flush=True,
            )
            for sample in step.error_samples:
                print(f"    error: {sample}", file=sys.stderr, flush=True)
            if step.cpu_s and total:
                per = ", ".join(f"{k} {v / total * 1000:.1f}" for k, v in step.cpu_s.items())
                busy = sum(step.cpu_s.values()) / step.elapsed_s
                print(
                    f"    CPU ms per request: {per}; all {busy:.2f} cores busy, "
                    f"load {load_average()}",
                    file=sys.stderr,
                    flush=True,
                )
            count = next_count(planned=args.steps, tried=tried)
            if count is not None:
                population.set_learners(count)  # the next window opens once they are met
    finally:
        await population.close()
    return steps


# -- CPU per process ---------------------------------------------------------------------------

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
CPU_GROUPS = ("gunicorn", "task worker", "sandbox", "postgres backends", "load client")


def _machine_busy_s() -> float:
    """CPU seconds the whole machine spent busy (every core, every process) since boot."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS


def _process_table() -> dict[int, tuple[int, int, int]]:
    """Every process on the machine, from one pass over /proc: pid -> (parent pid, utime + stime
    in clock ticks, start time). One read of /proc/<pid>/stat each gives all three."""
    table: dict[int, tuple[int, int, int]] = {}
    with os.scandir("/proc") as entries:
        for entry in entries:
            if not entry.name.isdigit():
                continue
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except (OSError, IndexError):
                continue  # ended since the listing
            # After the command: state, ppid (index 1), ..., utime, stime (11, 12), ...,
            # starttime (19), as proc(5) numbers them from 3.
            table[int(entry.name)] = (
                int(fields[1]),
                int(fields[11]) + int(fields[12]),
                int(fields[19]),
            )
    return table


class CpuMeter:
    """CPU seconds of each part of the deployment: a thread reads /proc every second and keeps
    each process's last utime + stime, so one that ends (a database backend closed at
    CONN_MAX_AGE, an environment) still counts up to its last reading. PostgreSQL backends
    count when their command line names the run's database (other databases' are not ours).

    The meter runs on the machine it measures, so it is kept cheap: one pass over /proc a
    reading, each process's stat read once (its parent, its CPU and its start, which tells a
    reused pid from the process it replaced), and a command line read once per process. Its
    own CPU counts as the load client's."""

    INTERVAL_S = 1.0

    def __init__(self, roots: dict[str, int], database_name: str = ""):
        import threading

        self.roots = roots
        self.marker = f" {database_name} ".encode() if database_name else b""
        self.seen: dict[tuple[int, int], tuple[str, int]] = {}  # (pid, start) -> group, ticks
        self.backend: dict[tuple[int, int], bool] = {}  # (pid, start) -> one of the run's backends
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.stopping.wait(self.INTERVAL_S):
            self.read()

    def _is_backend(self, pid: int, start: int) -> bool:
        key = (pid, start)
        if key not in self.backend:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                return False
            self.backend[key] = self.marker in cmdline
        return self.backend[key]

    def read(self) -> None:
        table = _process_table()
        offspring: dict[int, list[int]] = defaultdict(list)
        for pid, (parent, _ticks, _start) in table.items():
            offspring[parent].append(pid)
        found = {os.getpid(): "load client"}
        for group, root in self.roots.items():
            stack = [root]
            while stack:
                pid = stack.pop()
                if pid in table and pid not in found:
                    found[pid] = group
                    stack += offspring[pid]
        for pid, (_parent, ticks, start) in table.items():
            group = found.get(pid)
            if group is None and self.marker and self._is_backend(pid, start):
                group = "postgres backends"
            if group is not None:
                self.seen[(pid, start)] = (group, ticks)

    def totals(self) -> dict[str, float]:
        self.read()
        sums = dict.fromkeys(CPU_GROUPS, 0.0)
        for group, ticks in self.seen.values():
            sums[group] += ticks / CLOCK_TICKS
        sums["rest of the machine"] = _machine_busy_s() - sum(sums.values())
        return sums

    def stop(self) -> None:
        self.stopping.set()


# -- memory -----------------------------------------------------------------------------------


def _status_kib(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def _pss_kib(pid: int) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    return 0


def children(pid: int) -> list[int]:
    found: list[int] = []
    with contextlib.suppress(OSError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):
                found += [int(c) for c in (task / "children").read_text().split()]
    return found


def descendants(pid: int) -> list[int]:
    stack, found = children(pid), []
    while stack:
        child = stack.pop()
        found.append(child)
        stack += children(child)
    return found


def process_memory(label: str, pid: int) -> tuple[str, int, int]:
    return label, _status_kib(pid, "VmRSS"), _pss_kib(pid)


def cgroup_memory_of(pid: int) -> tuple[int, int] | None:
    """The current and peak memory (bytes) of the memory cgroup a process is in (v1 or v2)."""
    from studyapp.engine.cgroups import _cgroup_mounts  # the engine's own reading of mounts

    v1, v2 = _cgroup_mounts()
    with contextlib.suppress(OSError, ValueError):
        for line in Path(f"/proc/{pid}/cgroup").read_text().splitlines():
            _, controllers, path = line.split(":", 2)
            if "memory" in controllers.split(",") and "memory" in v1:
                directory = v1["memory"] / path.lstrip("/")
                names = ("memory.usage_in_bytes", "memory.max_usage_in_bytes")
            elif controllers == "" and v2 is not None and not v1.get("memory"):
                directory = v2 / path.lstrip("/")
                names = ("memory.current", "memory.peak")
            else:
                continue
            current = int((directory / names[0]).read_text())
            peak_file = directory / names[1]
            return current, int(peak_file.read_text()) if peak_file.exists() else current
    return None


def deployment_memory(web: subprocess.Popen, worker, sandbox) -> list[tuple[str, int, int]]:
    rows = [process_memory("gunicorn master", web.pid)]
    rows += [
        process_memory(f"gunicorn worker {n}", pid)
        for n, pid in enumerate(sorted(children(web.pid)), 1)
    ]
    rows.append(process_memory("task worker (`manage.py task_worker`)", worker.pid))
    rows += [process_memory("  its child", pid) for pid in descendants(worker.pid)]
    rows.append(process_memory("sandbox service (`manage.py lambda serve`)", sandbox.pid))
    return rows


def in_environment_cgroup(proc_cgroup: str) -> bool:
    """Whether /proc/<pid>/cgroup puts the process in an environment's own memory cgroup (a
    child of the engine's parent), not in the parent itself (which holds them all)."""
    lines = proc_cgroup.splitlines()
    memory = [line for line in lines if "memory" in line.split(":", 2)[1].split(",")]
    memory = memory or [line for line in lines if line.startswith("0::")]
    return bool(memory) and f"/{PARENT_NAME}/" in memory[0]


def environments_in_service(sandbox: subprocess.Popen) -> list[tuple[int, int]]:
    """memory.current and peak of each execution environment the service holds (by cgroup)."""
    own = Path(f"/proc/{sandbox.pid}/cgroup").read_text()
    seen: dict[str, tuple[int, int]] = {}
    for pid in descendants(sandbox.pid):
        with contextlib.suppress(OSError):
            text = Path(f"/proc/{pid}/cgroup").read_text()
            if text != own and text not in seen and in_environment_cgroup(text):
                figures = cgroup_memory_of(pid)
                if figures:
                    seen[text] = figures
    return list(seen.values())


WARM_MEMORY = """
import json, sys
sys.path.insert(0, {bench!r})
from runtime_bench import functions
from studyapp.engine import EnvironmentPool
from studyapp.engine.cgroups import CgroupTree

figures = {{}}
for runtime, function in functions().items():
    if runtime == "provided.al2023":
        continue
    with EnvironmentPool() as pool:
        for _ in range(3):
            result = pool.invoke(function, {{}})
        [slot] = pool._slots.values()  # the benchmark looks inside; nothing else should
        [environment] = slot.idle
        group = environment._cgroup
        current = peak = None
        if group is not None:
            directory = group._dir("memory")
            for name in ("memory.current", "memory.usage_in_bytes"):
                if directory is not None and (directory / name).exists():
                    current = int((directory / name).read_text())
                    break
            peak = group.peak_memory_bytes()
        figures[runtime] = {{
            "current": current, "peak": peak, "reported_mb": result.max_memory_used_mb,
            "status": result.status,
        }}
print(json.dumps(figures))
"""


def warm_environment_memory(env: dict[str, str]) -> dict:
    """A warm Python and Node.js environment with a trivial handler: what its cgroup holds."""
    completed = subprocess.run(
        [sys.executable, "-c", WARM_MEMORY.format(bench=str(BENCH_DIR))],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if completed.returncode != 0:
        return {"error": completed.stderr.strip().splitlines()[-1:]}
    return json.loads(completed.stdout.strip().splitlines()[-1])


# -- a whole run on one database --------------------------------------------------------------


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


@dataclass
class Outcome:
    database: str
    steps: list[Step]
    web_command: list[str]
    worker_command: list[str]
    memory: list[tuple[str, int, int]]
    environments: list[tuple[int, int]]
    warm: dict
    facts: dict
    load_before: str
    load_after: str
    seconds: float


def run_on(database: str, args, deadline: float) -> Outcome:
    """Set up, step up the learners until ``deadline`` at most, read the memory, tear down."""
    began = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix=f"capacity-bench-{database}-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SANDBOX_URL"}
    }
    databases = contextlib.ExitStack()
    if database == "postgres":
        url = databases.enter_context(fresh_postgres("capacity_bench"))
    else:
        url = f"sqlite:///{folder / 'db.sqlite3'}"
    env.update(
        VAR_DIR=str(folder),
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="studyapp.settings",
        PATH=f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    processes = Processes()
    try:
        manage(env, "secret_key_create")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "import_content")
        pool = max(args.steps)
        pool = math.ceil(pool / args.compress * 1.25) + 10
        setup = SETUP.format(learners=pool, reviews=args.reviews)
        facts = json.loads(manage(env, "shell", "-c", setup).strip().splitlines()[-1])
        sandbox_port, web_port = free_port(), free_port()
        env.update(
            SANDBOX_PORT=str(sandbox_port),
            SANDBOX_URL=f"http://127.0.0.1:{sandbox_port}",
            WEB_PORT=str(web_port),
        )
        (folder / "run").mkdir(exist_ok=True)
        env["WEB_CONCURRENCY"] = str(args.workers)
        commands = {name: procfile_command(name, env) for name in ("sandbox", "worker", "web")}
        for name in ("sandbox", "worker"):
            if commands[name][0].endswith("python"):
                commands[name][0] = sys.executable
        sandbox = processes.start(commands["sandbox"], env, folder / "sandbox.log")
        wait_until_answering(f"{env['SANDBOX_URL']}/health", sandbox, "the sandbox service")
        worker = processes.start(commands["worker"], env, folder / "worker.log")
        web = processes.start(commands["web"], env, folder / "web.log")
        wait_until_answering(f"http://127.0.0.1:{web_port}/health/", web, "gunicorn")
        if worker.poll() is not None:
            raise SystemExit(f"the task worker exited with {worker.returncode}")
        load_before = load_average()
        print(f"{database}: stepping (load {load_before})", file=sys.stderr, flush=True)
        meter = CpuMeter(
            {"gunicorn": web.pid, "task worker": worker.pid, "sandbox": sandbox.pid},
            url.rsplit("/", 1)[1] if database == "postgres" else "",
        )
        try:
            steps = asyncio.run(drive(web_port, args, facts, deadline, meter))
        finally:
            meter.stop()
        load_after = load_average()
        memory = deployment_memory(web, worker, sandbox)
        environments = environments_in_service(sandbox)
    finally:
        processes.stop_all()
        databases.close()
        if args.keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    warm = warm_environment_memory(env) if database == args.databases[0] else {}
    return Outcome(
        database=database,
        steps=steps,
        web_command=commands["web"],
        worker_command=commands["worker"],
        memory=memory,
        environments=environments,
        warm=warm,
        facts=facts,
        load_before=load_before,
        load_after=load_after,
        seconds=time.monotonic() - began,
    )


# -- report -----------------------------------------------------------------------------------

LABEL = {"sqlite": "SQLite (WAL, file)", "postgres": "PostgreSQL 127.0.0.1:5432"}


def served(outcome: Outcome, goal_ms: float) -> tuple[int, str]:
    """The largest count served, and what ended the stepping."""
    verdicts = [
        (step.learners, *step_verdict(step.latencies, step.errors, goal_ms=goal_ms))
        for step in outcome.steps
    ]
    best = max((count for count, ok, _ in verdicts if ok), default=0)
    above = sorted((count, why) for count, ok, why in verdicts if not ok and count > best)
    if above:
        return best, f"at {above[0][0]:,}: {above[0][1]}"
    return best, "every step served (the step cap or the time cap ended the run)"


def step_table(outcome: Outcome) -> list[str]:
    lines = [
        "| learners | sessions begun | requests | req/s | s between a learner's requests "
        "| worst p95 (path) | errors | client late p99 | run to result p50 / p95 "
        "| runs warm | served |",
        "|---:|---:|---:|---:|---:|---|---:|---:|---|---:|---|",
    ]
    for step in outcome.steps:
        total = sum(len(v) for v in step.latencies.values())
        judged = {
            p: percentile(v, 0.95) for p, v in step.latencies.items() if len(v) >= MIN_SAMPLES
        }
        worst = max(judged, key=judged.get) if judged else ""
        worst_text = f"{judged[worst]:.0f} ms ({worst})" if worst else "-"
        late = f"{percentile(step.late_ms, 0.99):.0f} ms" if step.late_ms else "-"
        runs = (
            f"{percentile(step.run_ms, 0.5):.0f} / {percentile(step.run_ms, 0.95):.0f} ms"
            if step.run_ms
            else "-"
        )
        ok, why = step_verdict(step.latencies, step.errors, goal_ms=GOAL_MS)
        lines.append(
            f"| {step.learners:,} | {step.sessions:,} | {total:,} | {total / step.elapsed_s:.1f} "
            f"| {step.learners * step.elapsed_s / max(total, 1):.1f} | {worst_text} "
            f"| {sum(step.errors.values())} | {late} | {runs} "
            f"| {step.warm_runs} of {len(step.run_ms)} "
            f"| {'yes' if ok else 'no: ' + why} |"
        )
    return lines


def path_table(step: Step) -> list[str]:
    lines = [
        "| path | requests | errors | p50 ms | p95 ms | p99 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in PATHS:
        values, errors = step.latencies.get(name, []), step.errors.get(name, 0)
        if not values:
            if errors:
                lines.append(f"| {name} | 0 | {errors} | | | |")
            continue
        p50, p95, p99 = (percentile(values, f) for f in (0.5, 0.95, 0.99))
        mark = "" if len(values) >= MIN_SAMPLES else " (too few to judge)"
        lines.append(
            f"| {name}{mark} | {len(values):,} | {errors} | {p50:.1f} | {p95:.1f} | {p99:.1f} |"
        )
    return lines


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


def report(outcomes: list[Outcome], args) -> str:
    first = outcomes[0]
    web = " ".join(first.web_command[1:])
    worker = " ".join(first.worker_command[2:])
    think = ", ".join(f"{kind} {low}-{high} s" for kind, (low, high) in THINK.items())
    mix = ", ".join(f"{name} {weight}" for name, weight in ACTIONS.items())
    compress = (
        "No time compression: real think times, real session lengths."
        if args.compress == 1
        else f"Time compression x{args.compress:g}: {args.compress:g} times fewer simulated "
        f"learners, each thinking {args.compress:g} times faster, so the server gets the request "
        "rate and mix of the stated number of learners at real think times (from fewer "
        "distinct sessions). The learner counts below are the equivalent real learners."
    )
    lines = [
        "## Capacity (open loop, real think times)",
        "",
        f"Learners arrive (Poisson, at N / {sum(SESSION_S) / 2:.0f} s, the mean session, so N "
        f"are in a session on average) and each stays {SESSION_S[0]:.0f}-{SESSION_S[1]:.0f} s, "
        f"choosing actions by weight ({mix}) with a human's think time before each request "
        f"({think}); a sandbox run is followed by polls every second until its result shows, "
        'as the page does ("runs warm": how many of a step\'s runs the page showed as a warm '
        "start, each learner running the sample in a function of their own). One population "
        "of learners runs for the whole run: its number "
        "is set for each step (learners met at a random point of a session join when it goes "
        f"up, each within {JOIN_S:.0f} s, learners leave at their next think when it goes "
        "down), and each step is a "
        f"{args.step_seconds:.0f}-second window of it that counts every request due in it "
        "(those still running at its end are waited for), so a question read in one window is "
        "answered in the next as a learner would. Open loop: each request is sent when due "
        'whatever the server does, and its latency runs from when it was due ("client late" '
        "is how late the client itself sent; a large value would mean the client, not the "
        "server, was the limit). Steps go up until a study path's p95 (with at least "
        f"{MIN_SAMPLES} requests) passes {args.goal_ms:.0f} ms or a request fails; served is the "
        "largest step within that (if the first step is not served, it is halved, down to "
        f"{MIN_LEARNERS}, until one is). Untimed before the first window: "
        f"{args.warmup_seconds:.0f} s of priming (the first step's learners at ten times the "
        "rate: the workers' first requests, the sandbox's first environments, as on a server "
        f"that has been up a while), then {args.settle_seconds:.0f} s for the first learners' "
        f"think times to run out; before each later window, {JOIN_S:.0f} s for the learners who "
        "joined to be met. The time cap (--total-seconds, shared by the databases) "
        "limits how many steps fit: on a quiet machine that serves more, give it more "
        "(e.g. 1800).",
        "",
        compress,
        "",
        f"The deployment `make run` starts, from the Procfile: gunicorn `{web}` "
        f"({args.workers} workers x {args.threads} threads), the task worker "
        f"(`{worker}`, which runs every sandbox invocation) and the sandbox service, "
        "in a fresh VAR_DIR, with the "
        f"shipped content ({first.facts['cards']} cards, {len(first.facts['topics'])} topics) "
        f"and {len(first.facts['sessions']):,} learners with {args.reviews} review-log rows "
        "each (signed in beforehand: a session each, as a returning learner has). Client: the "
        "benchmark's own asyncio HTTP/1.1 client on the same machine, a new connection after "
        "each think time (the server closes idle keep-alive connections sooner).",
        "",
        "| | " + " | ".join(LABEL[o.database] for o in outcomes) + " |",
        "|---|" + "---|" * len(outcomes),
    ]
    results = [served(o, args.goal_ms) for o in outcomes]
    lines.append(
        f"| learners served (p95 of every study path < {args.goal_ms:.0f} ms, no errors) | "
        + " | ".join(f"**{best:,}**" for best, _ in results)
        + " |"
    )
    lines.append(
        f"| goal: at least {GOAL_LEARNERS:,} served | "
        + " | ".join("met" if best >= GOAL_LEARNERS else "not met" for best, _ in results)
        + " |"
    )
    lines.append("| what ended the stepping | " + " | ".join(why for _, why in results) + " |")
    lines.append(
        "| load average (1 / 5 / 15 min) before, after | "
        + " | ".join(f"{o.load_before}; {o.load_after}" for o in outcomes)
        + " |"
    )
    lines.append(
        "| wall time of the run | " + " | ".join(f"{o.seconds:.0f} s" for o in outcomes) + " |"
    )
    for outcome in outcomes:
        lines += ["", f"### Steps on {LABEL[outcome.database]}", "", *step_table(outcome)]
        judged = outcome.steps[-1] if outcome.steps else None
        if judged is not None:
            lines += [
                "",
                f"Each path at the last step ({judged.learners:,} learners):",
                "",
                *path_table(judged),
            ]
            if judged.empty_queue:
                lines.append(f"\nThe review queue was empty {judged.empty_queue} times.")
            if judged.error_samples:
                lines += ["", "First errors:", ""] + [f"- `{e}`" for e in judged.error_samples]
    lines += ["", "### Memory after the load", ""]
    lines += [
        "RSS (and PSS, which shares the pages common to the processes fairly) of each process "
        "of the deployment, read from /proc right after the last step.",
        "",
        "| process | " + " | ".join(f"RSS / PSS, {LABEL[o.database]}" for o in outcomes) + " |",
        "|---|" + "---|" * len(outcomes),
    ]
    labels = [row[0] for row in first.memory]
    for index, label in enumerate(labels):
        cells = []
        for outcome in outcomes:
            if index < len(outcome.memory) and outcome.memory[index][0] == label:
                _, rss, pss = outcome.memory[index]
                cells.append(f"{mib(rss)} / {mib(pss)}")
            else:
                cells.append("-")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for outcome in outcomes:
        if outcome.environments:
            current = sorted(c for c, _ in outcome.environments)
            lines.append(
                f"\nOn {LABEL[outcome.database]} the sandbox service held "
                f"{len(current)} execution environment(s) of the `{SAMPLE}` sample after the "
                f"load: memory.current of their cgroups {current[0] / 2**20:.1f}-"
                f"{current[-1] / 2**20:.1f} MiB."
            )
    warm = first.warm
    if warm and "error" not in warm:
        lines += [
            "",
            "A warm environment with a trivial handler (returns a constant; three invocations, "
            "then read): what its cgroup holds, which is what a warm environment costs beyond "
            "its handler (the handler itself allocates nothing). Goal: < 15 MB (14.3 MiB) per "
            "warm Python environment.",
            "",
            "| runtime | memory.current | memory.peak | Max Memory Used (REPORT) | goal | |",
            "|---|---:|---:|---:|---|---|",
        ]
        for runtime, figures in warm.items():
            current, peak = figures.get("current"), figures.get("peak")
            shown = f"{current / 2**20:.1f} MiB" if current else "n/a (no memory cgroup)"
            peak_text = f"{peak / 2**20:.1f} MiB" if peak else "-"
            goal = "< 15 MB" if runtime.startswith("python") else ""
            met = ""
            if goal and current:
                met = "met" if current < 15 * 10**6 else "not met"
            lines.append(
                f"| {runtime} | {shown} | {peak_text} | {figures.get('reported_mb')} MB | "
                f"{goal} | {met} |"
            )
    elif warm:
        lines.append(f"\nWarm environment memory: not measured ({warm['error']}).")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--databases", default="auto", help="sqlite,postgres or auto (PostgreSQL if it answers)"
    )
    parser.add_argument("--steps", default=",".join(str(s) for s in DEFAULT_STEPS))
    parser.add_argument("--max-steps", type=int, default=8, help="the step cap")
    parser.add_argument("--step-seconds", type=float, default=60.0)
    parser.add_argument(
        "--warmup-seconds", type=float, default=20.0, help="untimed priming, before the run"
    )
    parser.add_argument(
        "--settle-seconds",
        type=float,
        default=JOIN_S,
        help="untimed, after the first learners are met, before the first step's window",
    )
    parser.add_argument(
        "--total-seconds",
        type=float,
        default=1320.0,
        help="time cap of the whole run, shared by the databases (setup and steps); "
        "a quiet machine that serves many steps needs more, e.g. 1800",
    )
    parser.add_argument("--compress", type=float, default=1.0)
    parser.add_argument("--goal-ms", type=float, default=GOAL_MS)
    parser.add_argument("--reviews", type=int, default=30, help="review-log rows per learner")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folders")
    args = parser.parse_args()
    args.steps = sorted(int(s) for s in args.steps.split(","))
    args.workers = int(os.environ.get("WEB_CONCURRENCY") or web_workers_default())
    args.threads = int(os.environ.get("WEB_THREADS", "4"))
    if args.compress < 1:
        raise SystemExit("--compress is 1 (none) or more")
    if args.databases == "auto":
        args.databases = available()
    else:
        args.databases = args.databases.split(",")

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    began = time.monotonic()
    try:
        outcomes = []
        for index, database in enumerate(args.databases):
            now = time.monotonic()
            share = (began + args.total_seconds - now) / (len(args.databases) - index)
            outcomes.append(run_on(database, args, now + share))
    finally:
        signal.signal(signal.SIGTERM, previous)
    print(report(outcomes, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
