"""Scale-out settings: with REDIS_URL the cache, the sessions and the task queue use Redis.

These run a real `manage.py` process against the Redis server on this machine (skipped with a
reason where none answers).
"""

from __future__ import annotations

import json
import os
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


@pytest.mark.skipif(not redis_answers(), reason="no Redis server answers at 127.0.0.1:6379")
def test_redis_url_moves_cache_sessions_and_tasks_to_redis(tmp_path):
    env = {**os.environ, "REDIS_URL": REDIS_URL, "VAR_DIR": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report == {
        "cache": "django.core.cache.backends.redis.RedisCache",
        "cache_roundtrip": {"ok": 1},
        "sessions": "django.contrib.sessions.backends.cached_db",
        "tasks": "RQBackend",
    }


def test_without_redis_url_the_defaults_need_no_service(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"VAR_DIR": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    report = json.loads(completed.stdout.strip().splitlines()[-1])
    assert report["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert report["sessions"] == "django.contrib.sessions.backends.db"
    assert report["tasks"] == "DatabaseBackend"
