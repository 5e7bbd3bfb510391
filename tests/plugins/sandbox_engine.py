"""Fixtures of the tests that start real sandboxes without Django (tests/engine/ and
tests/attacks/): a pool, functions from source, and the skip on hosts that cannot isolate.

Registered for the whole suite in tests/conftest.py (``pytest_plugins``); nothing here is
autouse, so only the folders whose conftest asks for ``require_full_isolation`` skip.
"""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from studyapp.engine import EnvironmentPool, FunctionConfig, host_capabilities
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
