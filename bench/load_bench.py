"""Load: 50 concurrent learners for 60 s against the app served as `make run` serves it.

    .venv/bin/python bench/load_bench.py [--learners 50] [--duration 60] [--think 0]

Builds a fresh VAR_DIR in a temporary folder (file SQLite in WAL mode, as `make run` has it):
migrate, collectstatic, import_content, the learners (each with a modest review history on the
shipped cards, so reviews are due as well as new cards). Then starts the Procfile's web line
(gunicorn, gthread, WEB_CONCURRENCY workers x WEB_THREADS threads), the task worker (`manage.py
task_worker`, which runs the sandbox invocations) and the sandbox service (`manage.py lambda
serve`), logs every learner in (CSRF cookie + session cookie) and runs them all at once on
loopback with its own asyncio HTTP/1.1 keep-alive client (bench/load_client.py), one connection
per learner. Each learner loops over the main paths as the browser makes the requests (full pages
without htmx, fragments and answers with the htmx header and the CSRF header), with no think time
by default (a closed loop: each learner sends its next request when the previous one answered).

The floor is `GET /health/me/`: the trivial authenticated view (the session and the user read,
through every middleware, nothing rendered), sent by the same learners in the same loop, so it
queues as every other request does; every figure is also given as a ratio to the floor's.
`GET /health/` (one `SELECT 1`, no session read) is sent too and shown as a row. Goals: no
errors; under load, the review and practice paths within 3x of the floor at p95; alone, the
review and practice paths and the topic page within 4x, the dashboard within 8x (alone: a few
learners kept out of the crowd, one at a time, each until its review queue is empty). Prints a
Markdown section. Bounded: it stops after the duration, and every process it started is stopped
at the end (also on Ctrl-C or an error).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import html
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))
sys.path.insert(1, str(ROOT))

from load_client import Browser, Response  # noqa: E402

from studyapp.processes import procfile_commands, web_workers_default  # noqa: E402

PASSWORD = "load-bench-2026"
SAMPLE = "cold-start-vs-warm"
GOAL_RATIO = 3.0  # under load: review and practice paths
# Alone (one learner, no queueing): each path's allowed p95 as a multiple of the floor's.
ALONE_GOALS = {
    "review next": 4.0,
    "review answer": 4.0,
    "practice question": 4.0,
    "practice answer": 4.0,
    "topic": 4.0,
    "dashboard": 8.0,
}
WHY_ALONE = (
    "Why, alone: the floor reads the session and the user and renders nothing. A practice "
    "question or answer also reads the attempt and the shown question with its options in one "
    "hand-written query each (an answer also grades it under a lock and moves the question's "
    "FSRS schedule), and renders the page; the dashboard reads the sums the database keeps of "
    "the learner's answers (per quarter-hour, per topic, per domain and quarter-hour), the "
    "queue and the masteries, and draws five SVG charts; on a "
    "shared 2-core machine the p95 of a 15-second sample also catches other processes' bursts."
)
START_TIMEOUT_S = 60
# Learners kept out of the crowd for the phase alone, used one at a time, each until its review
# queue is empty: one learner's queue (the cards due and the day's new ones) runs dry after about
# 45 answers, and a p95 of so few is their third slowest; 12 cover 15 s on a fast machine.
ALONE_LEARNERS = 12
PRACTICE_QUESTIONS = 20
# Ratings chosen for the review answers: enough Again and Hard to keep cards in (re)learning,
# so a learner's queue does not run dry within the run.
RATINGS = (1, 2, 3, 4)
RATING_WEIGHTS = (3, 2, 4, 1)

# path name -> (what it is, whether the 3x goal applies)
PATHS = {
    "floor": (
        "`GET /health/me/`: the trivial signed-in view, session and user read (the floor)",
        False,
    ),
    "health": ("`GET /health/`: the health check, one `SELECT 1` and no session read", False),
    "dashboard": ("`GET /home/`: the learner's dashboard", False),
    "topic": ("`GET /topics/<course>/<topic>/`: a topic page", False),
    "review next": ("`GET /review/`: the review page with the next card", True),
    "review reveal": ("`GET /review/cards/<id>/reveal/` (htmx): the answer side", False),
    "review answer": ("`POST /review/cards/<id>/answer/` (htmx): record, next card", True),
    "practice question": ("`GET /quizzes/attempts/<id>/`: a practice question", True),
    "practice answer": ("`POST /quizzes/attempts/<id>/<n>/answer/` (htmx): grade", True),
    "practice start": ("`POST /quizzes/practice/`: a new 20-question practice", False),
    "sandbox run": ("`POST /sandbox/functions/<id>/run/` (htmx): run the sample", False),
    "sandbox poll": (
        "`GET /sandbox/runs/<batch>/?seen=<progress>` (htmx): a run not finished at once "
        "(204 while it has not moved)",
        False,
    ),
}

SETUP = """
import json
from django.utils import timezone
from studyapp.accounts.models import User
from studyapp.cards.demo_data import demo_learners_build, demo_reviews_build
from studyapp.cards.models import Card
from studyapp.topics.models import Topic

now = timezone.now()
users = demo_learners_build(count={learners}, prefix="load-learner", password={password!r})
# Verified for the sandbox, as a cohort's members are: unverified accounts may not run code.
User.objects.filter(pk__in=users).update(sandbox_verified=True)
cards = list(Card.objects.order_by("pk").values_list("pk", flat=True))
rows = demo_reviews_build(
    user_ids=users, card_ids=cards, reviews_per_learner=8 * (len(cards) * 3 // 4), now=now
)
topics = [
    f"/topics/{{course}}/{{slug}}/"
    for course, slug in Topic.objects.active().values_list("course__slug", "slug")
]
print(json.dumps({{"topics": topics, "reviews": rows, "cards": len(cards)}}))
"""

CARD_LINK = re.compile(r"/review/cards/(\d+)/reveal/\?version=(\d+)")
ANSWER_FORM = re.compile(r'action="(/quizzes/attempts/\d+/\d+/answer/)"')
OPTION = re.compile(r'name="option" value="([^"]+)"')
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RUN_FORM = re.compile(r'hx-post="(/sandbox/functions/\d+/run/)"')
# The poll's address names how far the run had got (?seen=...); a poll finding it no further is
# answered 204 No Content, and the page (htmx) keeps the panel it shows.
RUN_POLL = re.compile(r'hx-get="(/sandbox/runs/[0-9a-f-]+/(?:\?seen=[0-9a-f]+)?)"')
INPUT = re.compile(r"<input\b[^>]*>")
TEXTAREA = re.compile(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', re.S)
SELECTED = re.compile(r'<select[^>]*name="log_format".*?<option value="([^"]+)"[^>]*selected', re.S)


class Failure(Exception):
    """A response that a learner would see as an error."""


# -- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def procfile_command(name: str, env: dict[str, str]) -> list[str]:
    """The Procfile's line for ``name`` with its ${VAR:-default} filled in from ``env``, as
    `make run` fills it in."""
    commands = procfile_commands(procfile=ROOT / "Procfile", env=env)
    if name not in commands:
        raise SystemExit(f"the Procfile has no {name!r} line")
    return commands[name]


@dataclass
class Processes:
    started: list[subprocess.Popen] = field(default_factory=list)

    def start(self, command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its children
        )
        self.started.append(process)
        return process

    def stop_all(self) -> None:
        for process in reversed(self.started):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        deadline = time.monotonic() + 25
        for process in reversed(self.started):
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGKILL)  # whatever of the group is left
            if process.poll() is None:
                process.wait(timeout=10)
        self.started.clear()


def manage(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        raise SystemExit(f"manage.py {args[0]} failed:\n{completed.stderr[-3000:]}")
    return completed.stdout


def wait_until_answering(url: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with {process.returncode} while starting")
        if time.monotonic() > deadline:
            raise SystemExit(f"{what} did not answer {url} within {START_TIMEOUT_S} s")
        time.sleep(0.1)  # waiting for a process to start, not for time to pass


def sandbox_start(processes: Processes, env: dict[str, str], folder: Path) -> str:
    port = free_port()
    command = procfile_command("sandbox", {**env, "SANDBOX_PORT": str(port)})
    command[0] = sys.executable if command[0].endswith("python") else command[0]
    process = processes.start(command, env, folder / "sandbox.log")
    url = f"http://127.0.0.1:{port}"
    wait_until_answering(url + "/health", process, "the sandbox service")
    return url


# -- the learners -----------------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: list[str] = field(default_factory=list)
    queue_empty: int = 0
    reconnects: int = 0  # keep-alive connections the server closed and the client reopened
    recording: bool = False

    def add(self, path: str, response: Response) -> None:
        if self.recording:
            self.latencies[path].append(response.elapsed_ms)

    def fail(self, path: str, message: str) -> None:
        if self.recording:
            self.errors[path] += 1
            if len(self.error_samples) < 10:
                self.error_samples.append(f"{path}: {message}")


@dataclass
class Learner:
    number: int
    browser: Browser
    stats: Stats
    topics: list[str]
    rng: random.Random
    run_path: str = ""
    run_fields: dict[str, str] = field(default_factory=dict)
    card: tuple[str, str] | None = None  # (card id, version) shown and not yet answered
    attempt_path: str = ""
    queue_dry: bool = False  # the review page showed no card

    async def call(
        self,
        path: str,
        method: str,
        url: str,
        *,
        data=None,
        htmx: bool = False,
        expect: tuple[int, ...] = (200,),
        timed: tuple[int, ...] = (200, 302),
    ) -> Response:
        try:
            response = await self.browser.request(method, url, data=data, htmx=htmx)
        except Exception as error:
            self.stats.fail(path, f"{method} {url}: {type(error).__name__} {error}")
            raise Failure(str(error)) from None
        if response.status not in expect:
            snippet = re.sub(r"\s+", " ", response.text)[:160]
            self.stats.fail(path, f"{method} {url}: HTTP {response.status} {snippet}")
            raise Failure(f"HTTP {response.status}")
        if response.status in timed:
            self.stats.add(path, response)
        return response

    async def log_in(self) -> None:
        page = await self.call("login", "GET", "/accounts/login/")
        token = CSRF_INPUT.search(page.text)
        data = {
            "username": f"load-learner-{self.number}",
            "password": PASSWORD,
            "csrfmiddlewaretoken": token.group(1) if token else "",
        }
        response = await self.call("login", "POST", "/accounts/login/", data=data, expect=(302,))
        if "sessionid" not in self.browser.cookies:
            raise SystemExit(f"learner {self.number} could not log in: {response.status}")
        sample = await self.call("sandbox page", "GET", f"/sandbox/samples/{SAMPLE}/")
        self.run_path = RUN_FORM.search(sample.text).group(1)
        self.run_fields = run_form_fields(sample.text)

    async def floor(self) -> None:
        await self.call("floor", "GET", "/health/me/")

    async def health(self) -> None:
        await self.call("health", "GET", "/health/")

    async def dashboard(self) -> None:
        await self.call("dashboard", "GET", "/home/")

    async def topic(self) -> None:
        await self.call("topic", "GET", self.rng.choice(self.topics))

    async def review(self) -> None:
        page = await self.call("review next", "GET", "/review/")
        found = CARD_LINK.search(page.text)
        if found is None:
            self.stats.queue_empty += self.stats.recording
            self.queue_dry = True
            return
        card, version = found.groups()
        await self.call(
            "review reveal", "GET", f"/review/cards/{card}/reveal/?version={version}", htmx=True
        )
        rating = self.rng.choices(RATINGS, weights=RATING_WEIGHTS)[0]
        data = {"rating": rating, "version": version, "duration_ms": self.rng.randint(2000, 9000)}
        fragment = await self.call(
            "review answer", "POST", f"/review/cards/{card}/answer/", data=data, htmx=True
        )
        if 'id="review-session"' not in fragment.text:
            self.stats.fail("review answer", "the answer did not render the session")

    async def practice(self) -> None:
        if not self.attempt_path:
            await self.practice_start()
        page = await self.call(
            "practice question", "GET", self.attempt_path, expect=(200, 302), timed=(200,)
        )
        if page.status == 302:  # the practice is over (its result page): start the next one
            await self.practice_start()
            page = await self.call("practice question", "GET", self.attempt_path)
        form = ANSWER_FORM.search(page.text)
        options = OPTION.findall(page.text)
        if form is None or not options:
            self.stats.fail("practice question", "no answer form on the question page")
            raise Failure("no answer form")
        data = {"option": [self.rng.choice(options)]}
        fragment = await self.call("practice answer", "POST", form.group(1), data=data, htmx=True)
        if 'id="practice-question"' not in fragment.text:
            self.stats.fail("practice answer", "the answer did not render the feedback")

    async def practice_start(self) -> None:
        data = {"source": "all", "count": PRACTICE_QUESTIONS}
        response = await self.call(
            "practice start", "POST", "/quizzes/practice/", data=data, expect=(302,)
        )
        if "/quizzes/attempts/" not in response.location:
            self.stats.fail("practice start", f"redirected to {response.location}")
            raise Failure("practice did not start")
        self.attempt_path = response.location

    async def sandbox(self) -> None:
        data = {**self.run_fields, "mode": "single", "count": "1"}
        result = await self.call("sandbox run", "POST", self.run_path, data=data, htmx=True)
        for _ in range(60):  # a run still going is followed as the page does (every 1 s)
            poll = RUN_POLL.search(result.text)
            if poll is None:
                break
            await asyncio.sleep(1.0)
            polled = await self.call(
                "sandbox poll", "GET", poll.group(1), htmx=True, expect=(200, 204), timed=(200, 204)
            )
            if polled.status == 200:
                result = polled
        if "status-badge status-success" not in result.text:
            message = re.search(r'role="alert">([^<]*)<', result.text)
            self.stats.fail(
                "sandbox run", html.unescape(message.group(1)) if message else "no success shown"
            )

    async def loop(
        self, stop_at: float, think_s: float, *, sandbox: bool = True, until_dry: bool = False
    ) -> None:
        """Round after round of the paths until ``stop_at`` (or, ``until_dry``, until the
        review queue is empty)."""
        steps = [
            self.floor,
            self.health,
            self.dashboard,
            self.topic,
            self.review,
            self.practice,
            *([self.sandbox] if sandbox else []),
        ]
        while time.monotonic() < stop_at:
            # A new order each round, so no path always follows another (a slow sandbox run
            # would otherwise put its queue in front of the same next path every time).
            self.rng.shuffle(steps)
            for step in steps:
                if time.monotonic() >= stop_at:
                    return
                with contextlib.suppress(Failure):  # counted as an error; the loop goes on
                    await step()
                if until_dry and self.queue_dry:
                    return
                if think_s:
                    await asyncio.sleep(think_s)


def run_form_fields(page: str) -> dict[str, str]:
    """The run form's settings as the page filled them in (the sample's own)."""
    fields: dict[str, str] = {}
    for tag in INPUT.findall(page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name and name.group(1) in {"memory_mb", "timeout_s", "ephemeral_storage_mb"}:
            fields[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, text in TEXTAREA.findall(page):
        if name in {"environment", "event"}:
            fields[name] = html.unescape(text).lstrip("\n")
    log_format = SELECTED.search(page)
    fields["log_format"] = log_format.group(1) if log_format else "Text"
    return fields


async def drive(port: int, args, topics: list[str]) -> tuple[Stats, float, Stats, float]:
    """Log everyone in, warm up, run the crowd for the duration, then learners alone (one at a
    time)."""
    stats = Stats()
    learners = [
        Learner(
            number=number,
            browser=Browser("127.0.0.1", port),
            stats=stats,
            topics=topics,
            rng=random.Random(args.seed + number),
        )
        for number in range(args.learners + ALONE_LEARNERS)
    ]
    # The last ones are kept out of the crowd for the phase alone, so that their review queues
    # still have cards then (a crowd learner's can run dry on a fast machine, and review reveal
    # and answer would go unmeasured).
    crowd, kept = learners[: args.learners], learners[args.learners :]
    try:
        # Log in a few at a time (password hashing is deliberately slow), then one untimed
        # pass of the stateful paths each: the sandbox's cold starts and first practice.
        gate = asyncio.Semaphore(4)

        async def prepare(learner: Learner) -> None:
            async with gate:
                await learner.log_in()
            for step in (learner.review, learner.practice, learner.sandbox):
                await step()

        await asyncio.gather(*(prepare(learner) for learner in learners))
        if stats.error_samples:
            raise SystemExit("warm-up failed: " + "; ".join(stats.error_samples))
        stats.recording = True
        started = time.monotonic()
        stop_at = started + args.duration
        await asyncio.gather(*(learner.loop(stop_at, args.think) for learner in crowd))
        elapsed = time.monotonic() - started
        stats.recording = False
        stats.reconnects = sum(learner.browser.reconnects for learner in crowd)
        alone = Stats(recording=True)
        started = time.monotonic()
        stop_at = started + args.solo
        for learner in kept:  # one at a time, each until its review queue is empty
            learner.stats = alone
            # Without the sandbox run: its time is the function's own, and following a run (a
            # poll a second) took most of the 15 s, leaving a dozen samples of each page.
            await learner.loop(stop_at, 0, sandbox=False, until_dry=True)
            if time.monotonic() >= stop_at:
                break
        alone_elapsed = time.monotonic() - started
    finally:
        await asyncio.gather(*(learner.browser.close() for learner in learners))
    return stats, elapsed, alone, alone_elapsed


# -- report -----------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def figures_table(stats: Stats, elapsed: float) -> tuple[list[str], dict[str, float]]:
    """The Markdown table of one run and each path's p95 as a ratio to the floor's."""
    floor = stats.latencies["floor"]
    floor_p50, floor_p95, floor_p99 = (percentile(floor, f) for f in (0.5, 0.95, 0.99))
    lines = [
        "| path | requests | errors | req/s | p50 ms | p95 ms | p99 ms | p50 / floor | "
        "p95 / floor | p99 / floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ratios: dict[str, float] = {}
    for name in PATHS:
        values = stats.latencies.get(name, [])
        errors = stats.errors.get(name, 0)
        if not values:
            if errors:
                lines.append(f"| {name} | 0 | {errors} | | | | | | | |")
            continue
        p50, p95, p99 = (percentile(values, f) for f in (0.5, 0.95, 0.99))
        ratios[name] = p95 / floor_p95
        lines.append(
            f"| {name} | {len(values):,} | {errors} | {len(values) / elapsed:.1f} | "
            f"{p50:.1f} | {p95:.1f} | {p99:.1f} | {p50 / floor_p50:.2f} | "
            f"{p95 / floor_p95:.2f} | {p99 / floor_p99:.2f} |"
        )
    total = sum(len(v) for v in stats.latencies.values())
    lines.append(
        f"| **all** | {total:,} | {sum(stats.errors.values())} | {total / elapsed:.1f} "
        "| | | | | | |"
    )
    return lines, ratios


def goal_line(ratios: dict[str, float]) -> tuple[str, bool]:
    """Under load: the worst of the review and practice paths against GOAL_RATIO. A path of the
    goal with no request measured leaves the goal unmet: it was not shown."""
    goal_paths = [name for name, (_, goal) in PATHS.items() if goal]
    missing = [name for name in goal_paths if name not in ratios]
    if missing:
        return f"not measured for {', '.join(missing)}: not met", False
    worst = max(goal_paths, key=lambda name: ratios[name])
    met = all(ratios[name] <= GOAL_RATIO for name in goal_paths)
    return f"worst is {worst} at {ratios[worst]:.2f}x: {'met' if met else 'not met'}", met


def alone_goal_lines(ratios: dict[str, float]) -> tuple[list[str], bool]:
    """Alone: each path of ALONE_GOALS against its own multiple of the floor."""
    lines, met = [], True
    for name, goal in ALONE_GOALS.items():
        if name not in ratios:
            met = False
            lines.append(
                f"- Alone, {name} within {goal:g}x of the floor at p95: not measured (no request "
                "of it alone), not met."
            )
            continue
        ok = ratios[name] <= goal
        met = met and ok
        lines.append(
            f"- Alone, {name} within {goal:g}x of the floor at p95: {ratios[name]:.2f}x, "
            f"{'met' if ok else 'not met'}."
        )
    return lines, met


def report(
    args, stats: Stats, elapsed: float, alone: Stats, alone_elapsed: float, web_command, facts
) -> str:
    lines = [
        "## Load",
        "",
        f"{args.learners} simulated learners at once for {args.duration:.0f} s on loopback, "
        f"against the app started as `make run` starts it: `{' '.join(web_command[1:])}` "
        f"(gunicorn, {args.workers} workers x {args.threads} threads), the task worker and the "
        "sandbox service beside it, SQLite "
        "in WAL mode on a file. A fresh database with the shipped content "
        f"({facts['cards']} cards, {len(facts['topics'])} topics, 80 questions) and "
        f"{facts['reviews']:,} review-log rows of history "
        f"({facts['reviews'] // (args.learners + ALONE_LEARNERS)} "
        "per learner, so reviews are due as well as new cards). The client is the benchmark's "
        "own asyncio HTTP/1.1 keep-alive client (one connection per learner, session and CSRF "
        "cookies, the htmx header on fragments), on the same machine as the server. Each "
        "learner loops over, in a new random order each round: the floor, the health check, "
        "the dashboard, a topic "
        "page, the review page + reveal + answer, a practice question + answer (a new "
        "20-question practice when one ends), and a run of the `cold-start-vs-warm` sample "
        "(warm after an untimed first pass); "
        + (
            "a closed loop with no think time (each learner sends its next request as soon as "
            "the previous one answered), so the server is saturated and the latencies include "
            "queueing: these are capacity figures."
            if not args.think
            else f"{args.think:g} s of think time after each step."
        ),
        "",
        "The floor is `GET /health/me/` (the session and the user read, through every "
        "middleware, nothing rendered: the cheapest page a signed-in learner can ask for), sent "
        "in the same loop, so it waits in the same queues; `GET /health/` (one `SELECT 1`, no "
        "session read) is a row of its own. "
        "Latency is the client's: from sending the request to the last byte of the response.",
        "",
    ]
    crowd_lines, ratios = figures_table(stats, elapsed)
    lines += crowd_lines
    total_errors = sum(stats.errors.values())
    total = sum(len(v) for v in stats.latencies.values())
    crowd_goal, _ = goal_line(ratios)
    lines += [
        "",
        f"- Goal, no errors: {total_errors} errors in {total:,} requests: "
        f"{'met' if total_errors == 0 else 'not met'}.",
        f"- Goal, review and practice within {GOAL_RATIO:g}x of the floor at p95: {crowd_goal}.",
    ]
    if stats.queue_empty:
        lines.append(f"- The review queue was empty {stats.queue_empty} times (no answer then).")
    lines.append(
        f"- With no think time each learner always has one request in flight, so the mean "
        f"latency is about learners / throughput (Little's law): {args.learners} / "
        f"{total / elapsed:.0f} req/s = {args.learners / (total / elapsed) * 1000:.0f} ms. The "
        "server's capacity sets the latencies, and every path (the floor too) waits in the same "
        "queues, which is why the ratios under load are close to 1."
        if not args.think
        else ""
    )
    slow = sum(1 for values in stats.latencies.values() for value in values if value > 1000)
    lines.append(
        f"- Requests slower than 1 s: {slow:,} of {total:,}; keep-alive connections the server "
        f"closed and the client reopened (counted from login on): {stats.reconnects:,}."
    )
    if stats.error_samples:
        lines += ["", "First errors:", ""] + [f"- `{e}`" for e in stats.error_samples]
    alone_lines, alone_ratios = figures_table(alone, alone_elapsed)
    alone_goals, alone_met = alone_goal_lines(alone_ratios)
    lines += [
        "",
        f"Then learners alone for {args.solo:.0f} s: {ALONE_LEARNERS} more learners, kept out "
        "of the crowd so that their review queues still have cards, one at a time, each until "
        f"its review queue is empty ({alone.queue_empty} ran dry in turn); the same loop without "
        "the sandbox run, no one else: the server time of each path without queueing, and the "
        "same ratios.",
        "",
        *alone_lines,
        "",
        *alone_goals,
        *([] if alone_met else ["", WHY_ALONE]),
        "",
        "Paths:",
        "",
        *(f"- {name}: {text}" for name, (text, _) in PATHS.items()),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds timed")
    parser.add_argument("--think", type=float, default=0.0, help="seconds after each step")
    parser.add_argument(
        "--solo", type=float, default=15.0, help="seconds of learners alone, after the crowd"
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    args.workers = int(os.environ.get("WEB_CONCURRENCY") or web_workers_default())
    args.threads = int(os.environ.get("WEB_THREADS", "4"))

    folder = Path(tempfile.mkdtemp(prefix="load-bench-"))
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SANDBOX_URL"}
    }
    env.update(
        VAR_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="studyapp.settings",
        PATH=f"{ROOT / '.venv' / 'bin'}:{env.get('PATH', '')}",
    )
    processes = Processes()

    def stop(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        manage(env, "secret_key_create")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        manage(env, "import_content")
        # The crowd and the learners kept for the phase alone.
        setup = SETUP.format(learners=args.learners + ALONE_LEARNERS, password=PASSWORD)
        facts = json.loads(manage(env, "shell", "-c", setup).strip().splitlines()[-1])
        env["SANDBOX_URL"] = sandbox_start(processes, env, folder)
        # The task worker runs every sandbox invocation (the web process only queues it).
        worker_command = procfile_command("worker", env)
        if worker_command[0].endswith("python"):
            worker_command[0] = sys.executable
        processes.start(worker_command, env, folder / "worker.log")
        port = free_port()
        env["WEB_PORT"] = str(port)
        env["WEB_CONCURRENCY"] = str(args.workers)
        web_command = procfile_command("web", env)
        web = processes.start(web_command, env, folder / "web.log")
        wait_until_answering(f"http://127.0.0.1:{port}/health/", web, "gunicorn")
        figures = asyncio.run(drive(port, args, facts["topics"]))
        print(report(args, *figures, web_command, facts))
    finally:
        processes.stop_all()
        signal.signal(signal.SIGTERM, previous)
        if args.keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
