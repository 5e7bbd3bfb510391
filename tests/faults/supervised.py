"""The whole app as `make run` serves it: `python -m studyapp.processes` (supervisord with the
web server, the task worker and the sandbox service) on ports and a VAR_DIR of its own.

Processes are found and watched through supervisord's own XML-RPC interface on its control
socket under VAR_DIR/run/, as `supervisorctl` does. Every wait polls for a process event (a pid
changing, a state, a port answering, a row appearing) with a bounded deadline.
"""

from __future__ import annotations

import configparser
import http.client
import json
import os
import signal
import subprocess
import sys
import time
import xmlrpc.client
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from supervisor.xmlrpc import SupervisorTransport

from studyapp.engine import client as sandbox_client
from tests.faults.server import PROJECT, Reply, free_port, manage

DEADLINE_S = 90

# A learner's own function that takes a while, so that it is certainly running when a process
# is killed (an environment stays "busy" for `seconds`).
SLOW_FUNCTION = """
from django.contrib.auth import get_user_model
from studyapp.sandbox.models import Function

Function.objects.create(
    owner=get_user_model().objects.get(username="ada"),
    name="slow-job",
    title="Takes a while",
    handler="app.handler",
    timeout_s=60,
    code={"app.py": (
        "import time\\n"
        "def handler(event, context):\\n"
        "    time.sleep(event.get('seconds', 0))\\n"
        "    return {'slept': event.get('seconds', 0)}\\n"
    )},
)
"""


def wait_for[T](condition: Callable[[], T], what: str, *, deadline_s: float = DEADLINE_S) -> T:
    """Poll ``condition`` until it gives something truthy; fail after ``deadline_s``."""
    deadline = time.monotonic() + deadline_s
    while True:
        found = condition()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {deadline_s} s for {what}")
        time.sleep(0.05)  # polling for an event, not waiting out a clock


def patiently(
    send: Callable[[], Reply], *, failures: list[str] | None = None, deadline_s: float = DEADLINE_S
) -> Reply:
    """Send a request again while the server cannot be reached (as a learner clicks again);
    each failed try is noted in ``failures``."""
    deadline = time.monotonic() + deadline_s
    while True:
        try:
            return send()
        except (OSError, http.client.HTTPException) as error:
            if failures is not None:
                failures.append(type(error).__name__)
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@dataclass
class Stack:
    folder: Path
    env: dict[str, str]
    process: subprocess.Popen
    output: Path

    @property
    def web_port(self) -> int:
        return int(self.env["WEB_PORT"])

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.env['SANDBOX_PORT']}"

    @property
    def sandbox_secret(self) -> str:
        return (self.folder / "sandbox_secret").read_text().strip()

    def supervisor(self) -> Any:
        config = configparser.RawConfigParser()
        config.read(self.folder / "supervisord.conf")
        section = config["supervisorctl"]
        transport = SupervisorTransport(
            section["username"], section["password"], section["serverurl"]
        )
        return xmlrpc.client.ServerProxy("http://127.0.0.1", transport=transport).supervisor

    def info(self, name: str) -> dict[str, Any]:
        return self.supervisor().getProcessInfo(name)

    def running_pid(self, name: str, *, other_than: int = 0) -> int:
        """The pid of ``name`` once supervisord has it RUNNING (a new one, with other_than)."""

        def running() -> int:
            info = self.info(name)
            fresh = info["statename"] == "RUNNING" and info["pid"] != other_than
            return info["pid"] if fresh else 0

        return wait_for(running, f"{name} to be running under supervisord")

    def sigkill(self, name: str) -> int:
        """SIGKILL the process ``name`` alone, as the kernel's OOM killer would; its pid."""
        pid = self.running_pid(name)
        os.kill(pid, signal.SIGKILL)
        return pid

    def busy_environments(self) -> list[dict]:
        answer = sandbox_client.environments(base_url=self.sandbox_url, secret=self.sandbox_secret)
        return [env for env in answer["environments"] if env["state"] == "busy"]

    def sandbox_answers(self) -> bool:
        try:
            sandbox_client.health(base_url=self.sandbox_url, timeout_s=2)
        except sandbox_client.SandboxServiceError:
            return False
        return True

    def interrupt(self) -> int:
        """Ctrl-C: SIGINT to `make run`'s process; its exit status."""
        self.process.send_signal(signal.SIGINT)
        return self.process.wait(timeout=DEADLINE_S)

    def kill_all(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=DEADLINE_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def stack_start(folder: Path, env: dict[str, str]) -> Stack:
    """`python -m studyapp.processes` (what `make run` ends with) on free ports; returns once
    it printed that it serves and every process is RUNNING."""
    env = {**env, "WEB_PORT": str(free_port()), "SANDBOX_PORT": str(free_port())}
    env.pop("SANDBOX_URL", None)  # derived from SANDBOX_PORT, as under `make run`
    output = folder / "make-run.out"
    process = subprocess.Popen(
        [sys.executable, "-m", "studyapp.processes"],
        cwd=PROJECT,
        env=env,
        stdout=output.open("ab"),
        stderr=subprocess.STDOUT,
    )
    stack = Stack(folder=folder, env=env, process=process, output=output)

    def serving() -> bool:
        assert process.poll() is None, f"make run exited: {output.read_text()[-3000:]}"
        return "Serving http://" in output.read_text()

    try:
        wait_for(serving, "make run to say it serves", deadline_s=180)
        for name in ("web", "worker", "sandbox"):
            stack.running_pid(name)
    except BaseException:
        stack.kill_all()
        raise
    return stack


def access_key(env: dict[str, str], username: str) -> dict[str, str]:
    return json.loads(manage(env, "create_access_key", "--user", username, "--json"))
