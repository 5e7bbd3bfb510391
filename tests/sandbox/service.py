"""A real sandbox service process for the web tests (`manage.py lambda serve --port 0`).

Import the fixtures into a test module or conftest to use them:
``from tests.sandbox.service import sandbox_service, sandbox_service_url  # noqa: F401``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.engine import client
from studyapp.engine.hosts import hosts_ranked

PROJECT = Path(__file__).resolve().parents[2]
START_TIMEOUT_S = 30


@pytest.fixture(scope="session")
def sandbox_service_url(sandbox_secret: str) -> Iterator[str]:
    """Start the service on a free port, wait for /health, stop it (SIGTERM) at the end."""
    process = subprocess.Popen(
        [sys.executable, "manage.py", "lambda", "serve", "--port", "0"],
        cwd=PROJECT,
        env={**os.environ, "SANDBOX_SECRET": sandbox_secret},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        found = re.search(r"http://[\d.]+:\d+", line)
        if found is None:
            pytest.fail(f"the sandbox service did not start: {line!r}")
        url = found.group(0)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                client.health(base_url=url, timeout_s=2)
                break
            except client.SandboxUnavailableError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)  # the process is starting, not a clock being waited out
        yield url
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def sandbox_service(sandbox_service_url: str, settings) -> str:
    """Point the web app at the running service for one test."""
    settings.SANDBOX_URL = sandbox_service_url
    return sandbox_service_url


@pytest.fixture
def full_isolation(sandbox_service: str, settings) -> None:
    """Skip (with the reason) where learner code cannot run: no bubblewrap or cgroups."""
    health = client.health(base_url=sandbox_service, secret=settings.SANDBOX_SECRET)
    if not health["full_isolation"]:
        pytest.skip("learner code needs full isolation: " + "; ".join(health["host"]["missing"]))


def provisioned_environments(sandbox_url: str, user, function) -> list[dict]:
    """The provisioned environments of this learner's function in the sandbox service now."""
    from django.conf import settings

    from studyapp.engine.hosts import routing_key
    from studyapp.sandbox.runs import engine_account

    account = engine_account(user)
    answer = client.environments(
        base_url=sandbox_url,
        secret=settings.SANDBOX_SECRET,
        route=routing_key({"account": account, "name": function.name}),
    )
    return [
        env
        for env in answer["environments"]
        if env["provisioned"]
        and env["account"] == account
        and env["function_name"] == function.name
    ]


def down_host_ranked_first(key: str, running: str) -> str:
    """A sandbox URL where nothing listens (a low port on another loopback address) that `key`
    ranks above the running service, so a run must fail over from it.

    Rendezvous hashing puts any one candidate first half the time; among 9,867 candidates the
    chance that none is first is about 1 in 10,000 even when the running service's own score is
    high, where 39 candidates on one address failed about once in 40 runs."""
    candidates = (
        f"http://127.0.0.{host}:{port}" for host in range(2, 255) for port in range(1, 40)
    )
    return next(url for url in candidates if hosts_ranked(key, [url, running])[0] == url)
