"""Fixtures for the sandbox attack tests: hostile handlers against the real engine.

Tests that start sandboxes skip (with the reason) on machines without bubblewrap and cgroups;
tests marked `pure` (billing, validation) run everywhere. The fixtures (pool, make_function)
live in tests/plugins/sandbox_engine.py, shared with tests/engine/.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from studyapp.engine import EnvironmentPool, FunctionConfig


@pytest.fixture(autouse=True)
def _require_full_isolation(require_full_isolation) -> None:
    """Every attack needs the isolation it attacks (or is `pure`)."""


@pytest.fixture(autouse=True)
def engine_still_works_afterwards(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every attack is followed by a healthy invocation on a fresh pool."""
    yield
    if request.node.get_closest_marker("pure"):
        return
    healthy = FunctionConfig(
        name="healthy",
        handler="app.handler",
        code={"app.py": "def handler(event, context):\n    return 'fine'\n"},
    )
    with EnvironmentPool() as pool:
        assert pool.invoke(healthy, {}).payload == "fine"
