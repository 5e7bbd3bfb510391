"""The sandbox engine's tests: real handlers, real sandboxes, no Django needed.

Tests that start sandboxes skip (with the reason) on machines without bubblewrap and cgroups;
tests marked `pure` (billing, validation) run everywhere. The fixtures (pool, make_function)
live in tests/plugins/sandbox_engine.py, shared with tests/attacks/.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _require_full_isolation(require_full_isolation) -> None:
    """Every engine test needs the isolation its sandboxes rely on (or is `pure`)."""
