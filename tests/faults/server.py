"""Real processes for the fault tests: a file SQLite database, gunicorn as the Procfile starts
it, and a small cookie-keeping HTTP client (the learner's browser, without JavaScript).

Everything here waits on process events (a port answering, a process exiting) with bounded
deadlines; nothing sleeps for time to pass.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shlex
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

PROJECT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 60
PASSWORD = "correct-horse-42"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(folder: Path) -> dict[str, str]:
    """The environment of `make run` pointed at its own VAR_DIR and file database."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DEBUG", "SANDBOX_URL"}
    }
    env.update(
        VAR_DIR=str(folder),
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DJANGO_SETTINGS_MODULE="studyapp.settings",
        PATH=f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
        WEB_CONCURRENCY="2",
    )
    return env


def manage(env: dict[str, str], *args: str) -> str:
    completed = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, f"manage.py {args[0]} failed:\n{completed.stderr[-3000:]}"
    return completed.stdout


def var_dir_copy(prepared: Path, folder: Path) -> None:
    """Copy a prepared VAR_DIR (the ``prepared_var_dir`` fixture: its database file
    ``db.sqlite3`` included) into ``folder``."""
    shutil.copytree(prepared, folder, dirs_exist_ok=True)


def prepare_database(env: dict[str, str], *, prepared: Path, learners: list[str]) -> None:
    """As `make run` (a copy of the session's prepared VAR_DIR: the secret key, the migrated
    database, the static files and the shipped content); then the learners (password PASSWORD)."""
    var_dir_copy(prepared, Path(env["VAR_DIR"]))
    script = (
        "from django.contrib.auth import get_user_model\n"
        f"for name in {learners!r}:\n"
        f"    get_user_model().objects.create_user(\n"
        f"        username=name, password={PASSWORD!r}, sandbox_verified=True\n"
        f"    )\n"
    )
    manage(env, "shell", "-c", script)


def web_command(env: dict[str, str]) -> list[str]:
    """The Procfile's web line with its ${VAR:-default} filled in from ``env``."""
    for line in (PROJECT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == "web":
            filled = re.sub(
                r"\$\{(\w+)(?::-([^}]*))?\}",
                lambda m: env.get(m.group(1)) or (m.group(2) or ""),
                command.strip(),
            )
            return shlex.split(filled)
    raise AssertionError("the Procfile has no web line")


@dataclass
class WebServer:
    """gunicorn started as the Procfile's web line, on a port of its own."""

    env: dict[str, str]
    log: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    def start(self) -> None:
        env = {**self.env, "WEB_PORT": str(self.port)}
        self.process = subprocess.Popen(
            web_command(env),
            cwd=PROJECT,
            env=env,
            stdout=self.log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if Browser(self.port).get("/health/").status == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, f"gunicorn exited: {self.log.read_text()[-2000:]}"
            assert time.monotonic() < deadline, "gunicorn did not answer in time"
            time.sleep(0.05)  # the server is starting; no clock is waited out

    def stop(self) -> int:
        """SIGTERM (a graceful stop, as a deploy or `systemctl restart` does); the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError("gunicorn did not stop within 30 s of SIGTERM") from None
        finally:
            self.process = None

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


@dataclass
class Browser:
    """Cookies, the CSRF token, the htmx header; one new connection per request."""

    port: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, data: dict | None = None, *, htmx: bool = False
    ) -> Reply:
        body = urlencode(data or {}, doseq=True) if method == "POST" else None
        headers = {"Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if method == "POST":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        if htmx:
            headers["HX-Request"] = "true"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0].strip('"')
            headers_out = {k.lower(): v for k, v in response.getheaders()}
            return Reply(response.status, headers_out, text)
        finally:
            connection.close()

    def get(self, path: str, *, htmx: bool = False) -> Reply:
        return self.request("GET", path, htmx=htmx)

    def post(self, path: str, data: dict | None = None, *, htmx: bool = False) -> Reply:
        return self.request("POST", path, data, htmx=htmx)

    def log_in(self, username: str) -> None:
        form = self.get("/accounts/login/")
        token = CSRF_INPUT.search(form.text)
        assert token, "no CSRF token on the log-in page"
        data = {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token[1]}
        reply = self.post("/accounts/login/", data)
        assert reply.status == 302 and "sessionid" in self.cookies, reply.text[:500]


def sql(database: Path, query: str, *params) -> list[tuple]:
    """Read the app's database directly (a second connection, as an operator would)."""
    connection = sqlite3.connect(database, timeout=30)
    try:
        return connection.execute(query, params).fetchall()
    finally:
        connection.close()


def dumps(value) -> str:
    return json.dumps(value, sort_keys=True)


# -- what the fault tests read off pages and the database ----------------------------------------

OPTION = re.compile(r'name="option" value="([A-Z])"[^>]*?( checked)?>')  # an exam's options
REMAINING = re.compile(r'data-remaining="(\d+)"')  # an exam's seconds left
BATCH = re.compile(r"/sandbox/runs/([0-9a-f-]{36})/")  # the run a function page polls


def stored(value: str) -> datetime:
    """A time as SQLite stores it, read back as UTC."""
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def exam_state(database: Path, attempt_id: int) -> dict:
    """An exam attempt's deadline, start, submission and answers, as stored."""
    [(deadline, started, submitted)] = sql(
        database,
        "SELECT deadline, started_at, submitted_at FROM quizzes_attempt WHERE id = ?",
        attempt_id,
    )
    items = sql(
        database,
        "SELECT position, chosen, answered_at FROM quizzes_attemptquestion "
        "WHERE attempt_id = ? ORDER BY position",
        attempt_id,
    )
    return {"deadline": deadline, "started": started, "submitted": submitted, "items": items}


def run_form(**changes: str) -> dict[str, str]:
    """A function page's Run form with Lambda's defaults, and ``changes``."""
    form = {
        "memory_mb": "128",
        "timeout_s": "3",
        "ephemeral_storage_mb": "512",
        "log_format": "Text",
        "environment": "",
        "event": "{}",
        "count": "1",
    }
    return form | changes
