"""Nothing is lost when the task worker dies: a real `manage.py task_worker` is killed mid-attempt.

The whole scenario runs in processes of its own against a file-based SQLite database (the test
database of pytest-django lives in memory, which another process cannot see).
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3]
DEADLINE_S = 90

SETUP = """
from django.contrib.auth import get_user_model
from studyapp.sandbox.async_invoke import async_event_accept, event_invoke_config_put
from studyapp.sandbox.concurrency import account_for
from studyapp.sandbox.models import Function

learner = get_user_model().objects.create_user(
    username="ada", password="correct-horse-42", sandbox_verified=True
)
account = account_for(learner)
account.time_factor = 0.01  # a minute passes in 0.6 s
account.save()
function = Function.objects.create(
    owner=learner,
    name="slow-failure",
    title="Fails after a while",
    handler="app.handler",
    timeout_s=5,
    code={"app.py": (
        "import time\\n"
        "def handler(event, context):\\n"
        "    time.sleep(1.5)\\n"
        "    raise RuntimeError('still broken')\\n"
    )},
)
event_invoke_config_put(
    user=learner, function=function, max_retry_attempts=2, max_event_age_s=None,
    on_success=None, on_failure="arn:aws:sqs:us-east-1:123456789012:failures",
)
async_event_accept(user=learner, function=function, payload={"n": 1}, request_id="evt-1")
"""


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "task_worker", "--interval", "0.05"],
        cwd=PROJECT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def rows(database: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(database, timeout=30) as connection:
        return connection.execute(sql).fetchall()


def wait_for(database: Path, sql: str, expected, process: subprocess.Popen | None = None):
    """Poll the database (process events, not a clock) until ``sql`` gives ``expected``."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        found = rows(database, sql)
        if found == expected:
            return found
        if process is not None and process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}")
        if time.monotonic() > deadline:
            pytest.fail(f"waited {DEADLINE_S} s for {sql!r} to give {expected!r}; got {found!r}")
        time.sleep(0.05)


def test_an_event_survives_a_worker_killed_mid_attempt_with_every_attempt_recorded(
    tmp_path, sandbox_service_url, sandbox_secret, full_isolation, prepared_var_dir
):
    database = tmp_path / "db.sqlite3"
    shutil.copy(prepared_var_dir / "db.sqlite3", database)  # migrated
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "SANDBOX_URL": sandbox_service_url,
        "SANDBOX_SECRET": sandbox_secret,
        "DJANGO_SETTINGS_MODULE": "studyapp.settings",
    }
    manage(env, "shell", "-c", SETUP)
    log = tmp_path / "worker.log"
    attempts = "SELECT number, outcome FROM sandbox_asyncattempt ORDER BY number"

    first = worker(env, log)
    try:
        wait_for(database, attempts, [(1, "function_error"), (2, "running")], first)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert rows(database, attempts) == [(1, "function_error"), (2, "running")]
    assert rows(database, "SELECT status FROM sandbox_asyncevent") == [("running",)]

    second = worker(env, log)
    try:
        wait_for(
            database,
            "SELECT status, condition FROM sandbox_asyncevent",
            [("failed", "RetriesExhausted")],
            second,
        )
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(timeout=20)
    assert rows(database, attempts) == [
        (1, "function_error"),
        (2, "interrupted"),
        (3, "function_error"),
        (4, "function_error"),
    ]
    (record,) = rows(database, "SELECT kind, record FROM sandbox_destinationrecord")
    assert record[0] == "on_failure"
    assert '"approximateInvokeCount": 4' in record[1]
    assert '"condition": "RetriesExhausted"' in record[1]
