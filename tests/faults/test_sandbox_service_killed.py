"""The sandbox service killed in the middle of an invocation: the learner gets a clear error at
once, nothing waits for the lost answer, and once the service is back the next run works.

A real `manage.py lambda serve` runs a shipped sample that takes a minute; it is killed with
SIGKILL (no clean-up of its own) while the invocation is running, through the web layer's
run function (`invoking.run_start`), as the function page starts runs.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from studyapp.engine import client as sandbox_client
from studyapp.sandbox import invoking
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.models import Function, Invocation
from tests.faults.server import free_port
from tests.plugins.task_worker import batch_finished

pytestmark = pytest.mark.django_db(transaction=True)

PROJECT = Path(__file__).resolve().parents[2]
DEADLINE_S = 60
HTMX = {"HTTP_HX_REQUEST": "true"}


class Service:
    """`manage.py lambda serve` on a fixed port, so a restarted service is at the same URL."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        from django.conf import settings

        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "lambda", "serve", "--port", str(self.port)],
            cwd=PROJECT,
            env={**os.environ, "SANDBOX_SECRET": settings.SANDBOX_SECRET},
            stdout=subprocess.DEVNULL,
        )
        wait_for(lambda: self.answers(), "the sandbox service to answer /health")

    def answers(self) -> bool:
        assert self.process is not None and self.process.poll() is None, "the service exited"
        try:
            sandbox_client.health(base_url=self.url, timeout_s=2)
        except sandbox_client.SandboxUnavailableError:
            return False
        return True

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(sig)
            self.process.wait(timeout=30)
        self.process = None


def wait_for(condition, what: str):
    """Poll ``condition`` (process events, not a clock) until it is truthy; bounded."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"waited {DEADLINE_S} s for {what}")
        time.sleep(0.05)


@pytest.fixture
def service(settings) -> Iterator[Service]:
    service = Service()
    service.start()
    settings.SANDBOX_URL = service.url
    try:
        yield service
    finally:
        service.stop()


def processes_with(marker: str) -> list[int]:
    """Processes of this machine whose environment holds ``marker`` (the sandboxed runtime's)."""
    found = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes():
                found.append(int(environ.parent.name))
        except OSError:
            continue
    return found


def test_a_run_whose_sandbox_service_is_killed_ends_with_a_clear_error_and_the_next_works(
    samples, learner, client, service, settings, task_worker
):
    host = sandbox_client.health(base_url=service.url, secret=settings.SANDBOX_SECRET)["host"]
    function = Function.objects.samples().get(name="timeout-guard")
    marker = f"fault-{uuid.uuid4().hex}"
    slow = FunctionSettings.of(function)
    slow = FunctionSettings(
        **{
            **slow.__dict__,
            "timeout_s": 120,
            "environment": {**slow.environment, "ITEMS": "600", "RUN_MARKER": marker},
        }
    )  # 600 items of 100 ms: a minute of work, unless something stops it
    started = invoking.run_start(function=function, user=learner, run_settings=slow, event={})
    busy = wait_for(
        lambda: [
            env
            for env in sandbox_client.environments(
                base_url=service.url, secret=settings.SANDBOX_SECRET
            )["environments"]
            if env["state"] == "busy"
        ],
        "the invocation to be running in the service",
    )
    assert len(busy) == 1

    service.stop(signal.SIGKILL)

    [invocation] = batch_finished(user=learner, batch=started.batch, timeout_s=DEADLINE_S)
    assert invocation.status == Invocation.Status.ERROR and invocation.finished_at is not None
    assert invocation.message == "The sandbox is unavailable; try again in a moment."
    client.force_login(learner)
    page = client.get(f"/sandbox/runs/{started.batch}/", **HTMX)
    assert "The sandbox is unavailable; try again in a moment." in page.text
    assert service.url not in page.text and "lambda serve" not in page.text
    assert "every 1s" not in page.text  # polling ends
    if host["bubblewrap"]:
        # bubblewrap's --die-with-parent: the sandboxed runtime does not outlive the service.
        wait_for(lambda: not processes_with(marker), "the orphaned sandbox to be gone")

    service.start()
    quick = Function.objects.samples().get(name="cold-start-vs-warm")
    again = invoking.run_start(
        function=quick, user=learner, run_settings=FunctionSettings.of(quick), event={}
    )
    [next_run] = batch_finished(user=learner, batch=again.batch, timeout_s=DEADLINE_S)
    assert next_run.status == Invocation.Status.SUCCESS, next_run.message
    assert re.search(r"REPORT RequestId: \S+", next_run.result["logs"])
