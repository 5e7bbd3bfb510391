"""Limits are enforced, not displayed: CPU share, memory peak, rlimits, the isolation report."""

from __future__ import annotations

import os

import pytest

from studyapp.sandbox.engine import (
    EnvironmentPool,
    IsolationUnavailableError,
    SandboxSettings,
    full_isolation_available,
)
from studyapp.sandbox.engine.identity import SANDBOX_HOST_UID

CPU_BOUND = """
    import time
    def handler(event, context):
        started = time.perf_counter()
        total = 0
        for i in range(event["n"]):
            total += i * i
        return time.perf_counter() - started
"""


def test_cpu_share_is_proportional_to_memory(pool, make_function):
    # About 40 ms of work with a whole core; at 128 MB (0.072 vCPU) it takes ~14 times longer.
    # The faster of two runs each, so that a busy host does not decide the outcome.
    work = {"n": 600_000}
    small, large = (
        min(pool.invoke(make_function(CPU_BOUND, name=f"cpu-{mb}", memory_mb=mb), work).payload
            for _ in range(2))
        for mb in (128, 1769)
    )  # fmt: skip
    assert small / large > 4, f"128 MB took {small:.3f} s, 1769 MB took {large:.3f} s"


def test_max_memory_used_is_the_real_peak_from_the_cgroup(pool, make_function):
    function = make_function(
        """
        def handler(event, context):
            block = bytearray(60 * 1024 * 1024)
            return len(block)
        """,
        memory_mb=256,
    )
    result = pool.invoke(function, {})
    assert 60 <= result.max_memory_used_mb < 256


def test_file_descriptor_and_core_limits_are_lambdas_and_cannot_be_raised(pool, make_function):
    function = make_function(
        """
        import resource
        def handler(event, context):
            nofile = resource.getrlimit(resource.RLIMIT_NOFILE)
            core = resource.getrlimit(resource.RLIMIT_CORE)
            try:
                resource.setrlimit(resource.RLIMIT_NOFILE, (4096, 4096))
                raised = True
            except (ValueError, OSError):
                raised = False
            return [list(nofile), list(core), raised]
        """
    )
    assert pool.invoke(function, {}).payload == [[1024, 1024], [0, 0], False]


def test_every_result_reports_the_active_isolation(pool, make_function):
    result = pool.invoke(make_function("def handler(e, c):\n    return 1\n"), {})
    assert result.isolation == {
        "namespaces": True,
        "network": False,
        "memory_cgroup": True,
        "cpu_cgroup": True,
        "pids_limit": 1024,
        "nofile": 1024,
        "tmpfs_mb": 512,
        "readonly_root": True,
        "uid": 993,
        "freezer": True,
        "full": True,
        "missing": [],
        "host_uid": SANDBOX_HOST_UID if os.geteuid() == 0 else os.geteuid(),
        "host_root": False,
    }
    assert full_isolation_available() is True


def test_runs_without_bubblewrap_and_cgroups_and_says_isolation_is_not_full(make_function):
    degraded = SandboxSettings(use_bubblewrap=False, use_cgroups=False)
    with EnvironmentPool(settings=degraded) as pool:
        function = make_function("def handler(event, context):\n    return 'still runs'\n")
        result = pool.invoke(function, {})
        assert result.payload == "still runs"
        assert result.isolation["full"] is False and result.isolation["namespaces"] is False
        assert result.isolation["network"] is True
        assert "bubblewrap disabled by configuration" in result.isolation["missing"]
        with pytest.raises(IsolationUnavailableError):
            pool.invoke(function, {}, require_full_isolation=True)
