"""Limits are enforced, not displayed: CPU share, memory peak, rlimits, the isolation report.

The CPU share is checked through its mechanism (the cgroup's quota and its throttling counters),
not by timing work: wall times depend on what else the machine runs. The 128 MB vs 1,769 MB
wall-time ratio is a figure of bench/sandbox_bench.py.
"""

from __future__ import annotations

import os
import signal
import textwrap

import pytest

from studyapp.engine import (
    EnvironmentPool,
    IsolationUnavailableError,
    SandboxSettings,
    full_isolation_available,
    host_capabilities,
)
from studyapp.engine.cgroups import (
    CPU_PERIOD_US,
    PARENT_CPU_SHARES_V1,
    PARENT_CPU_WEIGHT_V2,
    CgroupTree,
)
from studyapp.engine.identity import SANDBOX_HOST_UID
from studyapp.engine.isolation import cpu_share
from tests.plugins.sandbox_engine import process_in_cpu_debt

CPU_BOUND = """
    import time
    def handler(event, context):
        wall, cpu = time.perf_counter(), time.process_time()
        total = 0
        for i in range(event["n"]):
            total += i * i
        return {"wall_ms": (time.perf_counter() - wall) * 1000,
                "cpu_ms": (time.process_time() - cpu) * 1000}
"""
WORK = {"n": 1_500_000}  # about 60 ms of CPU time on these machines


def cpu_of(pool, name):
    [environment] = [env for env in pool.environments() if env["function_name"] == name]
    return environment["cpu"]


@pytest.mark.parametrize("memory_mb", [128, 1769, 3008, 10240])
def test_the_cpu_quota_is_memory_over_1769_mb_per_vcpu_capped_at_the_hosts_cores(
    pool, make_function, memory_mb
):
    pool.invoke(make_function("def handler(e, c):\n    return 1\n", memory_mb=memory_mb), {})
    cores = host_capabilities().cpu_count
    expected = min(memory_mb * 100_000 // 1769, cores * 100_000)
    assert cpu_of(pool, "test-fn")["quota_us"] == expected
    assert cpu_of(pool, "test-fn")["period_us"] == 100_000


def test_under_contention_the_environments_together_weigh_a_quarter_of_one_web_thread(
    pool, make_function
):
    """Every environment lives below one parent group whose CPU weight is a quarter of a
    process's beside it: on busy cores the site's pages come first; each environment's quota
    (its Lambda share) is its own, as above."""
    pool.invoke(make_function("def handler(e, c):\n    return 1\n"), {})
    tree = CgroupTree.detect()
    assert tree is not None and tree.has("cpu")
    parent = tree.parents["cpu"]
    if tree.version == 1:
        assert (parent / "cpu.shares").read_text().strip() == str(PARENT_CPU_SHARES_V1) == "256"
    else:
        assert (parent / "cpu.weight").read_text().strip() == str(PARENT_CPU_WEIGHT_V2) == "25"
    assert cpu_of(pool, "test-fn")["quota_us"] == 128 * 100_000 // 1769


@pytest.mark.pure
def test_128_mb_gets_7_2_ms_of_cpu_per_100_ms():
    # 0.072 vCPU is well above cgroup v1's 1 ms minimum quota with a 100 ms period.
    assert cpu_share(128, 2) * CPU_PERIOD_US == pytest.approx(7235.7, abs=0.1)


def test_a_cpu_bound_handler_at_128_mb_is_throttled_most_of_the_time(pool, make_function):
    result = pool.invoke(make_function(CPU_BOUND, memory_mb=128, timeout_s=30), WORK)
    cpu = cpu_of(pool, "test-fn")
    assert cpu["nr_throttled"] > 0
    # At 0.072 vCPU a job waits about 13 ms for every 1 ms it runs.
    assert cpu["throttled_us"] > 0.5 * result.payload["wall_ms"] * 1000


def test_a_cpu_bound_handler_with_a_whole_vcpu_is_hardly_throttled(pool, make_function):
    result = pool.invoke(make_function(CPU_BOUND, memory_mb=1769, timeout_s=30), WORK)
    cpu = cpu_of(pool, "test-fn")
    assert cpu["throttled_us"] < 0.1 * result.payload["wall_ms"] * 1000


def test_init_runs_unthrottled_and_the_share_applies_from_the_first_invocation(pool, make_function):
    heavy_init = "total = sum(i * i for i in range(1_500_000))\n" + textwrap.dedent(CPU_BOUND)
    function = make_function(heavy_init, memory_mb=128, timeout_s=30)
    pool.invoke(function, {"n": 1})
    assert cpu_of(pool, "test-fn")["nr_throttled"] == 0
    pool.invoke(function, WORK)
    assert cpu_of(pool, "test-fn")["nr_throttled"] > 0


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
        "ephemeral_storage_mb": 512,
        "tmp_apart_from_memory": True,
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


def test_killing_does_not_wait_for_the_cpu_quota_that_processes_overdrew_in_the_kernel():
    """Killed, a process still has to run to exit; a group in CPU debt would get no CPU for
    seconds (a fork bomb's teardown at 128 MB outlived the command that started it)."""
    with process_in_cpu_debt(f"{os.getpid()}-overdrawn-1") as (group, child):
        assert group.kill_all()

        assert group.pids() == []
        assert child.wait(timeout=5) == -signal.SIGKILL
