"""The pool: concurrent invocations run side by side; throttling; stats."""

from __future__ import annotations

import threading

from studyapp.engine.pool import EnvironmentPool
from studyapp.engine.prestart import InterpreterPool

OVERLAP = """
    import time, uuid
    ENVIRONMENT = uuid.uuid4().hex
    def handler(event, context):
        started = time.time()
        time.sleep(0.3)
        return {"environment": ENVIRONMENT, "started": started, "ended": time.time()}
"""


def test_two_concurrent_invocations_run_in_two_environments_at_the_same_time(pool, make_function):
    function = make_function(OVERLAP)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(pool.invoke(function, {}))) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    first, second = (result.payload for result in results)
    assert first["environment"] != second["environment"]
    assert first["started"] < second["ended"] and second["started"] < first["ended"]
    assert pool.stats.created == 2
    assert len(pool.environments()) == 2


def test_reserved_concurrency_of_zero_throttles_every_invocation(pool, make_function):
    result = pool.invoke(make_function(OVERLAP, reserved_concurrency=0), {})
    assert result.status == "throttled"
    assert result.payload == {
        "errorMessage": "Rate Exceeded.",
        "errorType": "TooManyRequestsException",
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
    }
    assert pool.stats.throttled == 1 and pool.stats.created == 0


def test_changing_reserved_concurrency_keeps_the_warm_environment(pool, make_function):
    first = pool.invoke(make_function(OVERLAP), {})
    second = pool.invoke(make_function(OVERLAP, reserved_concurrency=5), {})
    assert (first.cold_start, second.cold_start) == (True, False)
    assert second.environment_id == first.environment_id
    assert pool.stats.created == 1


def test_lowering_reserved_concurrency_to_zero_throttles_even_with_a_warm_environment(
    pool, make_function
):
    pool.invoke(make_function(OVERLAP), {})
    result = pool.invoke(make_function(OVERLAP, reserved_concurrency=0), {})
    assert result.status == "throttled"
    assert len(pool.environments()) == 1


NAMES = """
    import os, uuid
    ENVIRONMENT = uuid.uuid4().hex
    def handler(event, context):
        return {
            "environment": ENVIRONMENT,
            "function_name": context.function_name,
            "variable": os.environ["AWS_LAMBDA_FUNCTION_NAME"],
            "log_group": context.log_group_name,
        }
"""


def test_two_accounts_functions_of_one_name_never_share_an_environment(pool, make_function):
    mine = pool.invoke(make_function(NAMES, name="shared-name", account="learner-1"), {})
    theirs = pool.invoke(make_function(NAMES, name="shared-name", account="learner-2"), {})
    assert mine.cold_start and theirs.cold_start
    assert mine.payload["environment"] != theirs.payload["environment"]
    again = pool.invoke(make_function(NAMES, name="shared-name", account="learner-1"), {})
    assert again.environment_id == mine.environment_id


def test_the_account_never_shows_in_the_name_the_function_sees(pool, make_function):
    result = pool.invoke(make_function(NAMES, name="shared-name", account="learner-1"), {})
    assert result.payload["function_name"] == result.payload["variable"] == "shared-name"
    assert result.payload["log_group"] == "/aws/lambda/shared-name"
    [environment] = pool.environments()
    assert environment["account"] == "learner-1"


def test_stats_count_created_and_reused_environments(pool, make_function):
    function = make_function("def handler(e, c):\n    return 1\n")
    for _ in range(3):
        pool.invoke(function, {})
    assert pool.stats.to_dict() == {
        "created": 1,
        "reused": 2,
        "reaped": 0,
        "destroyed": 0,
        "throttled": 0,
        "invocations": 3,
    }


def test_cold_and_warm_starts_work_with_descriptors_numbered_past_1024(
    descriptors_past_1024, make_function
):
    function = make_function("def handler(event, context):\n    print('hi')\n    return 7\n")
    with InterpreterPool(1) as interpreters:
        assert interpreters.wait_full(30.0), "no interpreter could be started ahead"
        with EnvironmentPool(interpreters=interpreters) as pool:
            taken = pool.invoke(function, {})  # the prestarted interpreter
            second = pool.invoke(function, {})  # warm
        with EnvironmentPool() as pool:
            own = pool.invoke(function, {})  # no interpreter ahead: bubblewrap started here
    for result in (taken, second, own):
        assert result.status == "success", result.logs
        assert result.payload == 7
        assert "hi" in result.logs
    assert interpreters.stats.taken == 1
