"""The app served as `make run` serves it: gunicorn with whitenoise, after collectstatic."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.faults.server import var_dir_copy

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_http(url: str, *, deadline: float) -> None:
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def served_app(tmp_path_factory, prepared_var_dir):
    """After `make run`'s preparation (collectstatic included), a copy of the session's."""
    var_dir = tmp_path_factory.mktemp("var")
    var_dir_copy(prepared_var_dir, var_dir)
    env = {**os.environ, "VAR_DIR": str(var_dir), "DATABASE_URL": f"sqlite:///{var_dir}/db.sqlite3"}
    port = free_port()
    server = subprocess.Popen(
        [BIN / "gunicorn", "studyapp.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/health/", deadline=time.monotonic() + 30)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_gunicorn_serves_the_landing_page(served_app):
    with urllib.request.urlopen(served_app + "/") as response:
        assert response.status == 200
        assert "Learn AWS Lambda until it sticks" in response.read().decode()


def test_static_files_are_served_with_a_long_cache_lifetime(served_app):
    with urllib.request.urlopen(served_app + "/") as response:
        page = response.read().decode()
    css_path = next(
        part.split('"')[0] for part in page.split('href="')[1:] if part.startswith("/static/css/")
    )
    assert css_path != "/static/css/app.css", "expected a content-hashed file name"
    with urllib.request.urlopen(served_app + css_path) as response:
        assert response.status == 200
        assert "max-age=315360000" in response.headers["Cache-Control"]
        assert "immutable" in response.headers["Cache-Control"]
