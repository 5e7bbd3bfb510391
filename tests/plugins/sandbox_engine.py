"""Fixtures of the tests that start real sandboxes without Django (tests/engine/ and
tests/attacks/): a pool, functions from source, and the skip on hosts that cannot isolate.

Registered for the whole suite in tests/conftest.py (``pytest_plugins``); nothing here is
autouse, so only the folders whose conftest asks for ``require_full_isolation`` skip.
"""

from __future__ import annotations

import contextlib
import os
import resource
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from studyapp.engine import EnvironmentPool, FunctionConfig, host_capabilities
from studyapp.engine.cgroups import EnvironmentCgroup
from studyapp.engine.environment import teardowns_wait

MakeFunction = Callable[..., FunctionConfig]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pure: needs no sandbox (runs without bubblewrap/cgroups)")


@pytest.fixture
def require_full_isolation(request: pytest.FixtureRequest) -> None:
    """Skip, saying what is missing, unless the test is `pure` or the host can isolate fully."""
    if request.node.get_closest_marker("pure"):
        return
    host = host_capabilities()
    if not host.full:
        pytest.skip("sandbox tests need bubblewrap and cgroups: " + "; ".join(host.missing))


@pytest.fixture
def pool() -> Iterator[EnvironmentPool]:
    with EnvironmentPool() as environment_pool:
        yield environment_pool


@pytest.fixture
def make_function() -> MakeFunction:
    """make_function(source, **settings): a function whose app.py is `source` (dedented)."""

    def make(source: str, *, name: str = "test-fn", handler: str = "app.handler", **settings):
        return FunctionConfig(
            name=name, handler=handler, code={"app.py": textwrap.dedent(source)}, **settings
        )

    return make


@pytest.fixture
def descriptors_past_1024() -> Iterator[None]:
    """The next descriptors this process opens are numbered past 1,024 (where select() cannot
    go), as in a sandbox service holding hundreds of warm environments, about eleven each."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2048:
        pytest.skip(f"the hard open-files limit is {hard}, fewer than the test needs")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2048), hard))
    held = []
    try:
        while not held or held[-1] < 1100:
            held.append(os.open(os.devnull, os.O_RDONLY))
        yield
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


# The sandbox service's shared secret in these tests (see engine/auth.py).
SERVICE_SECRET = "engine-tests-shared-secret-0123456789abcdef"


@pytest.fixture
def service_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """SANDBOX_SECRET for this test: the client signs with it, services started now read it."""
    monkeypatch.setenv("SANDBOX_SECRET", SERVICE_SECRET)
    return SERVICE_SECRET


def only_reset_environments(pool: EnvironmentPool, count: int = 1) -> bool:
    """After timeouts or crashes: `count` environments are left, each reset (its runtime killed,
    its /tmp kept, as on Lambda), and no cgroup of theirs, so no process of theirs, remains
    once the background teardown that follows a timeout has finished."""
    assert teardowns_wait(30.0), "the teardowns did not finish within 30 s"
    environments = pool.environments()
    if [env["state"] for env in environments] != ["reset"] * count:
        return False
    groups = [
        path
        for env in environments
        for path in Path("/sys/fs/cgroup").glob(
            f"*/**/studyapp-sandbox/{os.getpid()}-{env['environment_id']}-*"
        )
    ]
    return groups == []


# Joins the cgroups named on its command line, then spends about 0.2 s in one system call (64 MiB
# from the kernel's random generator) and busy-loops after it.
IN_THE_KERNEL = """
import os, sys
for path in sys.argv[1:]:
    with open(path, "w") as procs:
        procs.write(str(os.getpid()))
print("joined", flush=True)
os.urandom(64 << 20)
while True:
    pass
"""


def cpu_seconds(pid: int) -> float:
    """User and system time of a process so far, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def process_in_cpu_debt(group_name: str) -> Iterator[tuple[EnvironmentCgroup, subprocess.Popen]]:
    """A process in a new cgroup allowed 1 ms of CPU per 100 ms, which has used 0.1 s of CPU in
    one system call, as a fork bomb at its memory limit does, busy in the kernel: Linux 6.18
    throttles a process only on its way back to user mode (measured: 0.15 s of one call within
    0.3 s). A group that overdrew its quota gets no CPU until the debt is paid back at the
    quota's rate, here for about 10 s; a kernel that throttles inside system calls gives the
    process its 0.1 s over 10 s instead, and no debt. The group and the process are removed
    afterwards."""
    group = host_capabilities().cgroups.create(group_name)
    child = None
    try:
        group.limit_cpu(0.01)
        child = subprocess.Popen(
            [sys.executable, "-c", IN_THE_KERNEL, *group.procs_files()],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert child.stdout is not None and child.stdout.readline() == "joined\n"
        give_up = time.monotonic() + 60
        while cpu_seconds(child.pid) < 0.1:
            assert time.monotonic() < give_up, "the child never used 0.1 s of CPU"
            time.sleep(0.01)
        yield group, child
    finally:
        if child is not None and child.poll() is None:
            child.kill()
            child.wait()
        group.destroy()
