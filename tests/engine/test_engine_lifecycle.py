"""Execution environments behave like Lambda's: INIT once, warm reuse, context, logs, layers."""

from __future__ import annotations

import os
import re
import time
import uuid
from pathlib import Path

import pytest

from studyapp.engine import EnvironmentPool, FunctionConfig
from studyapp.engine.environment import FREEZE_AFTER_IDLE_S, _Freezer

REPORT_PATTERN = re.compile(
    r"^REPORT RequestId: (?P<id>[0-9a-f-]{36})\t"
    r"Duration: \d+\.\d{2} ms\t"
    r"Billed Duration: \d+ ms\t"
    r"Memory Size: 128 MB\t"
    r"Max Memory Used: \d+ MB\t"
    r"(?:Init Duration: \d+\.\d{2} ms\t)?$",
    re.MULTILINE,
)

COUNTER = """
    import os
    count = 0
    def handler(event, context):
        global count
        count += 1
        path = "/tmp/visits"
        before = open(path).read() if os.path.exists(path) else ""
        with open(path, "a") as handle:
            handle.write("x")
        return {"count": count, "tmp_before": before}
"""


def test_warm_invocation_keeps_module_globals_and_tmp(pool, make_function):
    function = make_function(COUNTER)
    first = pool.invoke(function, {})
    second = pool.invoke(function, {})
    assert first.payload == {"count": 1, "tmp_before": ""}
    assert second.payload == {"count": 2, "tmp_before": "x"}
    assert (first.cold_start, second.cold_start) == (True, False)
    assert first.environment_id == second.environment_id
    assert pool.stats.created == 1 and pool.stats.reused == 1


def test_cold_start_logs_init_start_and_reports_init_duration(pool, make_function):
    result = pool.invoke(make_function("def handler(event, context):\n    return 1\n"), {})
    first_line = result.logs.splitlines()[0]
    assert re.match(
        r"^INIT_START Runtime Version: python:3\.\d+\.v\d+\tRuntime Version ARN: ", first_line
    )
    assert result.init_duration_ms is not None and result.init_duration_ms > 0
    assert f"Init Duration: {result.init_duration_ms:.2f} ms\t" in result.logs


def test_warm_invocation_has_no_init_start_and_no_init_duration(pool, make_function):
    function = make_function("def handler(event, context):\n    return 1\n")
    pool.invoke(function, {})
    warm = pool.invoke(function, {})
    assert warm.init_duration_ms is None
    assert "INIT_START" not in warm.logs and "Init Duration" not in warm.logs


def test_log_lines_follow_lambdas_text_format_with_exact_tabs(pool, make_function):
    function = make_function(
        """
        def handler(event, context):
            print("plain print")
            return "ok"
        """
    )
    cold = pool.invoke(function, {})
    warm = pool.invoke(function, {})
    for result in (cold, warm):
        request_id = result.request_id
        lines = result.logs.splitlines()
        start = lines.index(f"START RequestId: {request_id} Version: $LATEST")
        assert lines[start + 1] == "plain print"
        assert lines[-2] == f"END RequestId: {request_id}"
        assert result.logs.endswith("\t\n")
        match = REPORT_PATTERN.search(result.logs)
        assert match is not None and match.group("id") == request_id
    assert "\tInit Duration: " in cold.logs.splitlines()[-1]
    assert "Init Duration" not in warm.logs.splitlines()[-1]


def test_runtime_logger_writes_level_timestamp_and_request_id(pool, make_function):
    function = make_function(
        """
        import logging
        logger = logging.getLogger()
        logger.setLevel(logging.INFO)
        def handler(event, context):
            logger.info("hello %s", "world")
            return None
        """
    )
    result = pool.invoke(function, {})
    pattern = (
        r"^\[INFO\]\t\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t"
        + re.escape(result.request_id)
        + r"\thello world$"
    )
    assert re.search(pattern, result.logs, re.MULTILINE)


def test_context_object_has_lambdas_fields(pool, make_function):
    function = make_function(
        """
        def handler(event, context):
            return {
                "function_name": context.function_name,
                "function_version": context.function_version,
                "invoked_function_arn": context.invoked_function_arn,
                "memory_limit_in_mb": context.memory_limit_in_mb,
                "aws_request_id": context.aws_request_id,
                "log_group_name": context.log_group_name,
                "log_stream_name": context.log_stream_name,
                "identity": [
                    type(context.identity).__name__,
                    context.identity.cognito_identity_id,
                    context.identity.cognito_identity_pool_id,
                ],
                "client_context": context.client_context,
                "remaining": context.get_remaining_time_in_millis(),
            }
        """,
        name="context-probe",
        memory_mb=256,
    )
    result = pool.invoke(function, {})
    context = result.payload
    assert context["function_name"] == "context-probe"
    assert context["function_version"] == "$LATEST"
    assert context["invoked_function_arn"].endswith(":function:context-probe")
    assert context["invoked_function_arn"].startswith("arn:aws:lambda:us-east-1:")
    assert context["memory_limit_in_mb"] == "256"
    assert context["aws_request_id"] == result.request_id
    assert uuid.UUID(result.request_id).version == 4
    assert context["log_group_name"] == "/aws/lambda/context-probe"
    assert re.match(r"^\d{4}/\d\d/\d\d/\[\$LATEST\][0-9a-f]{32}$", context["log_stream_name"])
    # AWS's runtime gives an empty CognitoIdentity, never None: code that reads it runs here too.
    assert context["identity"] == ["CognitoIdentity", None, None]
    assert context["client_context"] is None
    assert 2000 < context["remaining"] <= 3000


def test_request_id_is_a_fresh_uuid4_per_invocation_in_context_and_logs(pool, make_function):
    function = make_function("def handler(event, context):\n    return context.aws_request_id\n")
    first, second = pool.invoke(function, {}), pool.invoke(function, {})
    assert first.payload == first.request_id and second.payload == second.request_id
    assert first.request_id != second.request_id
    assert f"START RequestId: {second.request_id} Version: $LATEST" in second.logs


def test_remaining_time_counts_down_during_an_invocation(pool, make_function):
    function = make_function(
        """
        import time
        def handler(event, context):
            first = context.get_remaining_time_in_millis()
            time.sleep(0.2)
            return [first, context.get_remaining_time_in_millis()]
        """
    )
    first, later = pool.invoke(function, {}).payload
    assert 150 <= first - later <= 1000


@pytest.mark.pure
def test_remaining_time_never_goes_below_zero():
    from awslambdaric.lambda_context import LambdaContext  # the python runtime's own

    past = int(time.time() * 1000) - 5000
    context = LambdaContext("r", None, None, past)
    assert context.get_remaining_time_in_millis() == 0


def test_standard_environment_variables_are_set_and_host_ones_are_not(pool, make_function):
    os.environ["STUDYAPP_HOST_SECRET"] = "do-not-leak"
    function = make_function(
        "import os\ndef handler(event, context):\n    return dict(os.environ)\n",
        name="env-probe",
        environment={"GREETING": "hi"},
    )
    env = pool.invoke(function, {}).payload
    expected = {
        "AWS_LAMBDA_FUNCTION_NAME": "env-probe",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/env-probe",
        "AWS_REGION": "us-east-1",
        "LAMBDA_TASK_ROOT": "/var/task",
        "_HANDLER": "app.handler",
        "TZ": ":UTC",
        "GREETING": "hi",
    }
    assert {key: env.get(key) for key in expected} == expected
    assert env["AWS_EXECUTION_ENV"].startswith("AWS_Lambda_python3.")
    assert env["AWS_LAMBDA_LOG_STREAM_NAME"].startswith(time.strftime("%Y/%m/%d", time.gmtime()))
    assert "STUDYAPP_HOST_SECRET" not in env and "HOME" not in env


def test_code_is_at_var_task_read_only_and_is_the_working_directory(pool, make_function):
    function = make_function(
        """
        import os
        def handler(event, context):
            try:
                open("/var/task/new.txt", "w")
                writable = True
            except OSError:
                writable = False
            return {"cwd": os.getcwd(), "files": sorted(os.listdir("/var/task")),
                    "writable": writable}
        """
    )
    assert pool.invoke(function, {}).payload == {
        "cwd": "/var/task",
        "files": ["app.py"],
        "writable": False,
    }


def test_layers_are_mounted_at_opt_with_opt_python_on_sys_path(pool, tmp_path: Path):
    layer = tmp_path / "layer"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "shared_tools.py").write_text("def shout(text):\n    return text.upper()\n")
    function = FunctionConfig(
        name="layered",
        handler="app.handler",
        code={
            "app.py": "import sys, shared_tools\n"
            "def handler(event, context):\n"
            "    on_path = '/opt/python' in sys.path\n"
            "    return [shared_tools.shout('hi'), shared_tools.__file__, on_path]\n"
        },
        layers=(str(layer),),
    )
    assert pool.invoke(function, {}).payload == ["HI", "/opt/python/shared_tools.py", True]


def test_later_layers_override_earlier_ones_in_opt(pool):
    function = FunctionConfig(
        name="two-layers",
        handler="app.handler",
        code={"app.py": "import a, b\ndef handler(event, context):\n    return [a.V, b.V]\n"},
        layers=(
            {"python/a.py": "V = 'a1'\n", "python/b.py": "V = 'b1'\n"},
            {"python/b.py": "V = 'b2'\n"},
        ),
    )
    assert pool.invoke(function, {}).payload == ["a1", "b2"]


def test_idle_environment_is_frozen_and_thawed_for_the_next_invocation(pool, make_function):
    function = make_function(COUNTER)
    pool.invoke(function, {})
    # Frozen right after the result went back (by the freezer thread, off the caller's path).
    give_up = time.monotonic() + 5
    while not pool.environments()[0]["frozen"] and time.monotonic() < give_up:
        time.sleep(0.005)
    [environment] = pool.environments()
    assert environment["state"] == "idle" and environment["frozen"] is True
    assert pool.invoke(function, {}).payload["count"] == 2


@pytest.mark.pure
def test_invocations_in_a_row_keep_the_freezers_alarm_ahead_of_them():
    """The freezer thread takes an environment idle for FREEZE_AFTER_IDLE_S; invocations closer
    together than that never wake it (a wake-up takes the interpreter's lock from the caller):
    each one's note keeps the alarm at least half that time ahead."""
    clock = [time.monotonic() + 3600.0]  # the thread sleeps until the alarm: not in this test
    freezer = _Freezer(clock=lambda: clock[0])
    environment = object()
    for generation in range(20):
        freezer.submit(environment, generation)
        assert freezer._alarm.at >= clock[0] + FREEZE_AFTER_IDLE_S / 2
        clock[0] += 0.3 * FREEZE_AFTER_IDLE_S


def test_idle_environments_are_reaped_after_the_idle_timeout(make_function):
    with EnvironmentPool(idle_timeout_s=60) as pool:
        function = make_function(COUNTER)
        pool.invoke(function, {})
        assert pool.reap_idle(now=time.time() + 30) == 0
        assert pool.reap_idle(now=time.time() + 61) == 1
        assert pool.environments() == [] and pool.stats.reaped == 1
        again = pool.invoke(function, {})
        assert again.cold_start and again.payload["count"] == 1


def test_destroying_an_environment_removes_every_process_and_its_cgroup(pool, make_function):
    function = make_function("def handler(event, context):\n    return 1\n")
    pool.invoke(function, {})
    [slot] = pool._slots.values()
    [environment] = slot.idle
    group = environment._cgroup
    directories = group.directories()
    assert group.pids()
    pool.close()
    assert environment.state == "dead"
    assert not any(directory.exists() for directory in directories)
    assert environment._process.poll() is not None


def test_configuration_change_gets_a_new_environment(pool, make_function):
    pool.invoke(make_function(COUNTER), {})
    changed = pool.invoke(make_function(COUNTER, memory_mb=256), {})
    assert changed.cold_start and changed.payload["count"] == 1
    assert pool.stats.created == 2


def test_an_idle_environments_background_thread_stops_while_it_is_frozen(pool, make_function):
    function = make_function(
        """
        import threading, time
        ticks = []
        def tick():
            while True:
                ticks.append(time.monotonic())
                time.sleep(0.01)
        threading.Thread(target=tick, daemon=True).start()
        def handler(event, context):
            return len(ticks)
        """
    )
    first = pool.invoke(function, {}).payload
    time.sleep(0.5)
    second = pool.invoke(function, {}).payload
    # Running, the thread would have ticked about 50 times in the half second; frozen, it got at
    # most the few ticks before the freeze took hold and the one on thawing.
    assert second - first < 15
