"""The Runtime API's socket is created inside a sandbox's network namespace, both ways."""

from __future__ import annotations

import subprocess
import time

import pytest

from studyapp.engine import host_capabilities
from studyapp.engine.isolation import plain_sandbox_command, sandbox_python
from studyapp.engine.runtime_api import listener_in_namespace

CLIENT = """
import socket, time
for _ in range(500):
    try:
        connection = socket.create_connection(("127.0.0.1", 9001), timeout=5)
        break
    except OSError:
        time.sleep(0.01)
print(connection.recv(100).decode(), flush=True)
"""


def _namespace_pid(bwrap_pid: int) -> int:
    for _ in range(500):
        try:
            with open(f"/proc/{bwrap_pid}/task/{bwrap_pid}/children") as handle:
                children = handle.read().split()
        except OSError:
            children = []
        if children:
            return int(children[0])
        time.sleep(0.01)
    raise AssertionError("the sandbox did not start")


@pytest.mark.parametrize("use_fork", [False, True], ids=["thread-joins-as-root", "forked-child"])
def test_a_process_in_the_sandbox_reaches_the_socket_and_the_host_does_not(use_fork):
    host = host_capabilities()
    command = plain_sandbox_command(host, [sandbox_python(host), "-I", "-S", "-c", CLIENT])
    sandbox = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        listener = listener_in_namespace(_namespace_pid(sandbox.pid), use_fork=use_fork)
        with listener:
            listener.settimeout(10)
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"from the supervisor")
        assert sandbox.communicate(timeout=10)[0].strip() == "from the supervisor"
    finally:
        if sandbox.poll() is None:
            sandbox.kill()
            sandbox.wait()
