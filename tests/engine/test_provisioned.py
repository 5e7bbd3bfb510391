"""Provisioned concurrency: environments initialised ahead, used first, kept, released."""

from __future__ import annotations

import threading
import time

import pytest

from studyapp.engine import ConfigError, EnvironmentPool

PROBE = """
    import os, time, uuid
    ENVIRONMENT = uuid.uuid4().hex
    INITIALISATION = os.environ["AWS_LAMBDA_INITIALIZATION_TYPE"]
    def handler(event, context):
        time.sleep(event.get("sleep", 0))
        return {"environment": ENVIRONMENT, "initialization_type": INITIALISATION}
"""


def test_provisioned_environments_run_init_ahead_and_serve_without_an_init_duration(
    pool, make_function
):
    function = make_function(PROBE)
    answer = pool.provision(function, 2)
    assert answer["provisioned"] == 2 and "error" not in answer
    assert all(env["init_duration_ms"] is not None for env in answer["environments"])
    result = pool.invoke(function, {})
    assert result.status == "success"
    assert result.cold_start is False and result.init_duration_ms is None
    assert "INIT_START" not in result.logs and "Init Duration" not in result.logs
    assert result.payload["initialization_type"] == "provisioned-concurrency"


def test_on_demand_environments_say_so_in_their_initialization_type(pool, make_function):
    result = pool.invoke(make_function(PROBE), {})
    assert result.payload["initialization_type"] == "on-demand"


def test_invocations_beyond_the_provisioned_count_spill_over_to_cold_on_demand_environments(
    pool, make_function
):
    function = make_function(PROBE)
    pool.provision(function, 2)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(pool.invoke(function, {"sleep": 1.0})))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    by_type: dict[str, list] = {}
    for result in results:
        by_type.setdefault(result.payload["initialization_type"], []).append(result)
    assert len(by_type["provisioned-concurrency"]) == 2
    assert all(not r.cold_start for r in by_type["provisioned-concurrency"])
    [spilled] = by_type["on-demand"]
    assert spilled.cold_start is True and spilled.init_duration_ms is not None


def test_idle_provisioned_environments_are_used_before_warm_on_demand_ones(pool, make_function):
    function = make_function(PROBE)
    on_demand = pool.invoke(function, {})
    pool.provision(function, 1)
    result = pool.invoke(function, {})
    assert result.payload["initialization_type"] == "provisioned-concurrency"
    assert result.environment_id != on_demand.environment_id


def test_a_count_of_zero_releases_the_provisioned_environments(pool, make_function):
    function = make_function(PROBE)
    pool.provision(function, 2)
    assert pool.provision(function, 0) == {"provisioned": 0, "environments": []}
    assert pool.environments() == []
    result = pool.invoke(function, {})
    assert result.cold_start is True and result.payload["initialization_type"] == "on-demand"


def test_lowering_the_count_releases_only_the_extra_environments(pool, make_function):
    function = make_function(PROBE)
    pool.provision(function, 3)
    answer = pool.provision(function, 1)
    assert answer["provisioned"] == 1
    assert [env["provisioned"] for env in pool.environments()] == [True]


def test_provisioned_environments_survive_the_idle_reaper(make_function):
    with EnvironmentPool(idle_timeout_s=60) as pool:
        provisioned = make_function(PROBE, name="kept")
        on_demand = make_function(PROBE, name="reaped")
        pool.provision(provisioned, 1)
        pool.invoke(on_demand, {})
        later = time.time() + 3600  # an hour on: far past the idle timeout
        assert pool.reap_idle(now=later) == 1
        [environment] = pool.environments()
        assert environment["function_name"] == "kept" and environment["provisioned"] is True
        assert pool.invoke(provisioned, {}).cold_start is False


def test_a_provisioned_environment_that_times_out_is_initialised_again(pool, make_function):
    function = make_function(PROBE, timeout_s=1)
    pool.provision(function, 1)
    timed_out = pool.invoke(function, {"sleep": 2})
    assert timed_out.status == "timeout"
    deadline = time.monotonic() + 30
    while not [env for env in pool.environments() if env["provisioned"] and env["state"] == "idle"]:
        assert time.monotonic() < deadline, "the environment was not initialised again"
        time.sleep(0.05)  # its INIT runs again in the background
    result = pool.invoke(function, {})
    # The same environment (its /tmp kept, as on Lambda), with a new runtime that is warm.
    assert result.cold_start is False and result.environment_id == timed_out.environment_id
    assert len(pool.environments()) == 1


def test_an_init_error_is_reported_and_nothing_is_provisioned(pool, make_function):
    function = make_function("raise RuntimeError('no config')\ndef handler(e, c):\n    return 1\n")
    answer = pool.provision(function, 2)
    assert answer["provisioned"] == 0
    assert "0 of 2 environments are initialised" in answer["error"]
    assert "RuntimeError: no config" in answer["error"]


def test_the_count_must_fit_what_one_account_may_hold_on_the_host(pool, make_function):
    with pytest.raises(ConfigError, match="count must be a whole number from 0 to 16"):
        pool.provision(make_function(PROBE), 17)


def test_provisioning_a_new_version_releases_the_old_versions_provisioned_environments(
    pool, make_function
):
    old = make_function(PROBE, memory_mb=128)
    new = make_function(PROBE, memory_mb=256)
    pool.provision(old, 2)
    answer = pool.provision(new, 2)
    assert answer["provisioned"] == 2
    environments = pool.environments()
    assert len(environments) == 2
    assert {env["pool_key"] for env in environments} == {new.pool_key()}
    assert all(env["provisioned"] and env["memory_size_mb"] == 256 for env in environments)


def test_a_busy_provisioned_environment_of_the_old_version_finishes_on_demand_and_is_reaped(
    make_function,
):
    with EnvironmentPool(idle_timeout_s=60) as pool:
        old = make_function(PROBE, memory_mb=128)
        new = make_function(PROBE, memory_mb=256)
        pool.provision(old, 1)
        running = threading.Thread(target=pool.invoke, args=(old, {"sleep": 1.0}))
        running.start()
        deadline = time.monotonic() + 30
        while not [env for env in pool.environments() if env["state"] == "busy"]:
            assert time.monotonic() < deadline, "the invocation did not start"
            time.sleep(0.01)  # the invocation is being handed to the environment
        pool.provision(new, 1)
        running.join(timeout=60)
        [kept_old] = [env for env in pool.environments() if env["pool_key"] == old.pool_key()]
        assert kept_old["provisioned"] is False
        assert pool.reap_idle(now=time.time() + 3600) == 1
        [environment] = pool.environments()
        assert environment["pool_key"] == new.pool_key() and environment["provisioned"] is True


def test_releasing_with_a_count_of_zero_also_releases_older_versions(pool, make_function):
    old = make_function(PROBE, memory_mb=128)
    pool.provision(old, 1)
    assert pool.provision(make_function(PROBE, memory_mb=256), 0)["provisioned"] == 0
    assert pool.environments() == []


def test_provisioning_leaves_other_functions_and_other_accounts_provisioned(pool, make_function):
    mine = make_function(PROBE, account="learner-1")
    other_function = make_function(PROBE, name="other-fn", account="learner-1")
    other_account = make_function(PROBE, account="learner-2")
    pool.provision(other_function, 1)
    pool.provision(other_account, 1)
    pool.provision(mine, 1)
    kept = {(env["function_name"], env["account"]) for env in pool.environments()}
    assert kept == {("test-fn", "learner-1"), ("other-fn", "learner-1"), ("test-fn", "learner-2")}
    assert all(env["provisioned"] for env in pool.environments())
