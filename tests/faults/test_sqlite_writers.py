"""SQLite under concurrent writers: no "database is locked" ever reaches a learner.

Several processes at once, each with its own connection to one file database configured by the
app's settings (WAL, a 30 s busy timeout, IMMEDIATE write transactions), write through the real
service functions (review answers, practice and exam answers, flags, submissions, reading
progress, sessions) while another reads the dashboard. Every process must finish without an
OperationalError, and every write it reports must be in the database.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from tests.faults.server import PROJECT, app_env, prepare_database, sql

DEADLINE_S = 240
ROUNDS = 40

# One script, several roles; each waits for the GO file so that all start together, and prints
# what it wrote as one JSON line. Clocks are arguments (`now=`), moved by the script itself.
WORKER = """
import json, os, pathlib, time
from datetime import UTC, datetime, timedelta
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from studyapp.cards.review import review_next, review_record
from studyapp.progress.dashboards import learner_dashboard
from studyapp.quizzes import attempts
from studyapp.topics.models import Topic
from studyapp.topics.reading import reading_mark, reading_visit_record

role, rounds = os.environ["ROLE"], int(os.environ["ROUNDS"])
user = get_user_model().objects.get(username=os.environ["LEARNER"])
now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
go = pathlib.Path(os.environ["GO"])
while not go.exists():
    time.sleep(0.005)  # a start line for all the processes

wrote = {}
if role == "review":
    recorded = 0
    for step in range(rounds):
        shown = review_next(user, now=now).current
        if shown is None:
            now += timedelta(days=1)
            continue
        result = review_record(
            user=user, card=shown.card, rating=1 + step % 4, duration_ms=1000, now=now,
            version=shown.version,
        )
        recorded += result.recorded
        now += timedelta(minutes=2)
    wrote = {"reviews": recorded}
elif role in ("practice", "exam"):
    start = attempts.practice_start if role == "practice" else attempts.exam_start
    attempt = start(user=user, now=now, count=rounds)
    for item in attempt.items.select_related("version").order_by("position"):
        option = item.version.options.order_by("pk").first()
        attempts.attempt_open(attempt=attempt, position=item.position, now=now)
        attempts.attempt_answer(
            attempt=attempt, position=item.position, option_ids=[option.pk], now=now
        )
        if role == "exam" and item.position % 3 == 0:
            attempts.attempt_flag(attempt=attempt, position=item.position, flagged=True, now=now)
        now += timedelta(seconds=20)
    attempts.attempt_submit(attempt=attempt, now=now)
    wrote = {"attempt": attempt.pk, "answers": attempt.items.count()}
elif role == "reading":
    topics = list(Topic.objects.active().order_by("pk"))
    for step in range(rounds):
        topic = topics[step % len(topics)]
        reading_visit_record(user=user, topic=topic, now=now)
        reading_mark(user=user, topic=topic, read=True, now=now)
        now += timedelta(minutes=1)
    wrote = {"read": min(rounds, len(topics))}
elif role == "reader":
    settings.ALLOWED_HOSTS = ["testserver"]
    browser = Client()
    pages = 0
    for step in range(rounds // 4):
        browser.force_login(user)  # a session written, as every log-in does
        learner_dashboard(user, now=now)
        pages += browser.get("/home/").status_code == 200
        browser.logout()
    wrote = {"pages": pages}
print(json.dumps(wrote))
"""

ROLES = [
    ("review", "ada"),
    ("review", "bo"),
    ("practice", "cy"),
    ("exam", "di"),
    ("reading", "ed"),
    ("reader", "flo"),
]


def test_concurrent_writers_never_see_database_is_locked_and_every_write_lands(
    tmp_path, prepared_var_dir
):
    env = app_env(tmp_path)
    prepare_database(env, prepared=prepared_var_dir, learners=[learner for _, learner in ROLES])
    go = tmp_path / "go"
    workers = [
        subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", WORKER],
            cwd=PROJECT,
            env={**env, "ROLE": role, "LEARNER": learner, "ROUNDS": str(ROUNDS), "GO": str(go)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for role, learner in ROLES
    ]
    try:
        go.touch()
        outputs = []
        deadline = time.monotonic() + DEADLINE_S
        for (role, learner), worker in zip(ROLES, workers, strict=True):
            out, err = worker.communicate(timeout=max(1, deadline - time.monotonic()))
            assert "database is locked" not in err, f"{role} ({learner}) saw a lock:\n{err}"
            assert worker.returncode == 0, f"{role} ({learner}) failed:\n{err[-3000:]}"
            outputs.append(json.loads(out.strip().splitlines()[-1]))
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait()

    database = tmp_path / "db.sqlite3"
    wrote = dict(zip([learner for _, learner in ROLES], outputs, strict=True))

    def count(query: str, learner: str) -> int:
        return sql(
            database,
            query + " WHERE user_id = (SELECT id FROM accounts_user WHERE username = ?)",
            learner,
        )[0][0]

    for learner in ("ada", "bo"):
        assert wrote[learner]["reviews"] > 0
        assert count("SELECT COUNT(*) FROM cards_reviewlog", learner) == wrote[learner]["reviews"]
    for learner in ("cy", "di"):
        attempt = wrote[learner]["attempt"]
        answered = sql(
            database,
            "SELECT COUNT(*) FROM quizzes_attemptquestion "
            "WHERE attempt_id = ? AND answered_at IS NOT NULL",
            attempt,
        )[0][0]
        assert answered == wrote[learner]["answers"] > 0
        submitted = sql(database, "SELECT submitted_at FROM quizzes_attempt WHERE id = ?", attempt)
        assert submitted[0][0] is not None
        reviews = count("SELECT COUNT(*) FROM quizzes_questionreview", learner)
        assert reviews == wrote[learner]["answers"]
    read = count("SELECT COUNT(*) FROM topics_readingprogress", "ed")
    assert read == wrote["ed"]["read"] > 0
    assert wrote["flo"]["pages"] == ROUNDS // 4
