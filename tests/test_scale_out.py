"""Scale-out settings: with REDIS_URL the cache, the sessions and the task queue use Redis.

These run a real `manage.py` process against the Redis server on this machine (skipped with a
reason where none answers).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

PROBE = """
import json
from django.conf import settings
from django.core.cache import cache
from django.tasks import task_backends
cache.set("scale-out-probe", {"ok": 1}, 30)
print(json.dumps({
    "cache": settings.CACHES["default"]["BACKEND"],
    "cache_roundtrip": cache.get("scale-out-probe"),
    "sessions": settings.SESSION_ENGINE,
    "tasks": type(task_backends["default"]).__name__,
}))
"""


def redis_answers() -> bool:
    host, port = "127.0.0.1", 6379
    try:
        with socket.create_connection((host, port), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def probe_report(env: dict[str, str]) -> dict:
    """What PROBE, run by `manage.py shell` with ``env``, reports of the configured backends."""
    completed = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not redis_answers(), reason="no Redis server answers at 127.0.0.1:6379")
def test_redis_url_moves_cache_sessions_and_tasks_to_redis(tmp_path):
    env = {**os.environ, "REDIS_URL": REDIS_URL, "VAR_DIR": str(tmp_path)}
    report = probe_report(env)
    assert report == {
        "cache": "django.core.cache.backends.redis.RedisCache",
        "cache_roundtrip": {"ok": 1},
        "sessions": "django.contrib.sessions.backends.cached_db",
        "tasks": "RQBackend",
    }


def test_without_redis_url_the_defaults_need_no_service(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"VAR_DIR": str(tmp_path)}
    report = probe_report(env)
    assert report["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert report["sessions"] == "studyapp.core.sessions"  # Django's database sessions
    assert report["tasks"] == "DatabaseBackend"


ENQUEUE = """
from studyapp.accounts.models import User
from studyapp.cards.optimising import parameters_optimise
user = User.objects.create_user(username="rq-learner", password="x-42-y-42-z")
print(parameters_optimise.enqueue(user_id=user.id).id)
"""

RESULT = """
import sys
from studyapp.cards.optimising import parameters_optimise
result = parameters_optimise.get_result(sys.argv[-1])
print(result.status, "|", result.return_value)
"""


@pytest.mark.skipif(not redis_answers(), reason="no Redis server answers at 127.0.0.1:6379")
def test_with_redis_url_a_task_runs_on_an_rq_worker(tmp_path, prepared_var_dir):
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    env = {
        **os.environ,
        "REDIS_URL": REDIS_URL,
        "VAR_DIR": str(tmp_path),
        # Its own database, whatever database the suite itself runs on.
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    shutil.copy(prepared_var_dir / "db.sqlite3", tmp_path / "db.sqlite3")  # migrated

    def manage(*args: str) -> str:
        completed = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        return completed.stdout.strip().splitlines()[-1] if completed.stdout.strip() else ""

    task_id = manage("shell", "--no-imports", "-c", ENQUEUE)
    manage("rqworker", "--burst", "--job-class", "django_tasks_rq.backend.Job", "default")
    script = RESULT.replace("sys.argv[-1]", repr(task_id))
    assert manage("shell", "--no-imports", "-c", script) == (
        "SUCCESSFUL | skipped: 0 reviews a day or more apart, 512 needed"
    )
