"""Fixtures for the sandbox engine's tests: real handlers, real sandboxes, no Django needed.

Tests that start sandboxes skip (with the reason) on machines without bubblewrap and cgroups;
tests marked `pure` (billing, validation) run everywhere.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator

import pytest

from studyapp.sandbox.engine import EnvironmentPool, FunctionConfig, host_capabilities


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "pure: needs no sandbox (runs without bubblewrap/cgroups)")


@pytest.fixture(autouse=True)
def _require_full_isolation(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("pure"):
        return
    host = host_capabilities()
    if not host.full:
        pytest.skip("sandbox tests need bubblewrap and cgroups: " + "; ".join(host.missing))


# The sandbox service's shared secret in these tests (see engine/auth.py).
SERVICE_SECRET = "engine-tests-shared-secret-0123456789abcdef"


@pytest.fixture
def service_secret(monkeypatch: pytest.MonkeyPatch) -> str:
    """SANDBOX_SECRET for this test: the client signs with it, services started now read it."""
    monkeypatch.setenv("SANDBOX_SECRET", SERVICE_SECRET)
    return SERVICE_SECRET


@pytest.fixture
def pool() -> Iterator[EnvironmentPool]:
    with EnvironmentPool() as environment_pool:
        yield environment_pool


MakeFunction = Callable[..., FunctionConfig]


@pytest.fixture
def make_function() -> MakeFunction:
    """make_function(source, **settings): a function whose app.py is `source` (dedented)."""

    def make(source: str, *, name: str = "test-fn", handler: str = "app.handler", **settings):
        return FunctionConfig(
            name=name, handler=handler, code={"app.py": textwrap.dedent(source)}, **settings
        )

    return make
