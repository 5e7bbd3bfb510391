"""Every failure comes back in Lambda's own shape, and the environment is reset when Lambda's is."""

from __future__ import annotations

import json
import time

from tests.plugins.sandbox_engine import only_reset_environments

ECHO = "def handler(event, context):\n    return event\n"


def test_unhandled_exception_returns_lambdas_error_object(pool, make_function):
    function = make_function(
        """
        def handler(event, context):
            raise Exception("Handler fails")
        """
    )
    result = pool.invoke(function, {})
    assert result.status == "error" and result.function_error == "Unhandled"
    assert result.error_type == "Exception"
    assert result.payload == {
        "errorMessage": "Handler fails",
        "errorType": "Exception",
        "requestId": result.request_id,
        "stackTrace": [
            '  File "/var/task/app.py", line 3, in handler\n    raise Exception("Handler fails")\n'
        ],
    }
    assert "[ERROR] Exception: Handler fails\nTraceback (most recent call last):\n" in result.logs


def test_environment_stays_warm_after_an_unhandled_exception(pool, make_function):
    function = make_function(
        """
        calls = 0
        def handler(event, context):
            global calls
            calls += 1
            if event.get("fail"):
                raise ValueError("no")
            return calls
        """
    )
    assert pool.invoke(function, {"fail": True}).error_type == "ValueError"
    after = pool.invoke(function, {})
    assert (after.cold_start, after.payload) == (False, 2)


def test_timeout_returns_sandbox_timedout_and_the_next_call_is_cold(pool, make_function):
    function = make_function(
        """
        import time
        def handler(event, context):
            if event.get("hang"):
                time.sleep(60)
            return "fast"
        """,
        timeout_s=1,
    )
    started = time.monotonic()
    result = pool.invoke(function, {"hang": True})
    elapsed = time.monotonic() - started
    assert result.status == "timeout" and result.function_error == "Unhandled"
    assert result.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": f"RequestId: {result.request_id} Error: Task timed out after 1.00 seconds",
    }
    assert result.duration_ms == 1000.0
    assert f"{result.request_id} Task timed out after 1.00 seconds" in result.logs
    assert elapsed < 3
    following = pool.invoke(function, {})
    assert following.cold_start and following.payload == "fast"


def test_timeout_kills_a_handler_that_catches_everything_and_ignores_sigterm(pool, make_function):
    function = make_function(
        """
        import signal, time
        def handler(event, context):
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            while True:
                try:
                    time.sleep(0.05)
                except BaseException:
                    pass
        """,
        timeout_s=1,
    )
    started = time.monotonic()
    result = pool.invoke(function, {})
    assert result.status == "timeout"
    assert time.monotonic() - started < 3
    assert only_reset_environments(pool)


def test_out_of_memory_is_runtime_exit_error_with_max_memory_equal_to_memory_size(
    pool, make_function
):
    function = make_function(
        """
        def handler(event, context):
            hoard = []
            while True:
                hoard.append(bytearray(8 * 1024 * 1024))
        """,
        timeout_s=10,
    )
    result = pool.invoke(function, {})
    assert result.status == "oom"
    assert result.payload == {
        "errorType": "Runtime.ExitError",
        "errorMessage": f"RequestId: {result.request_id} Error: Runtime exited with error: "
        "signal: killed",
    }
    assert result.max_memory_used_mb == result.memory_size_mb == 128
    assert "Max Memory Used: 128 MB\t" in result.logs
    assert "Runtime.OutOfMemory" in result.logs
    assert only_reset_environments(pool)


def test_a_child_process_killed_for_memory_resets_the_environment_though_the_handler_succeeds(
    pool, make_function
):
    function = make_function(
        """
        import subprocess, sys
        calls = 0
        def handler(event, context):
            global calls
            calls += 1
            if not event["hoard"]:
                return {"calls": calls}
            hoarder = "hoard = []\\nwhile True:\\n    hoard.append(bytearray(8 * 1024 * 1024))"
            child = subprocess.run([sys.executable, "-c", hoarder])
            return {"calls": calls, "child": child.returncode}
        """,
        timeout_s=10,
    )
    assert pool.invoke(function, {"hoard": False}).payload == {"calls": 1}
    assert pool.invoke(function, {"hoard": False}).payload == {"calls": 2}  # warm, no OOM yet
    hoarding = pool.invoke(function, {"hoard": True})
    assert hoarding.status == "success" and hoarding.payload == {"calls": 3, "child": -9}
    # As on Lambda, the OOM kill resets the environment: the next invocation starts anew.
    after = pool.invoke(function, {"hoard": False})
    assert after.cold_start and after.payload == {"calls": 1}


def test_sys_exit_is_runtime_exited_without_providing_a_reason(pool, make_function):
    function = make_function("import sys\ndef handler(event, context):\n    sys.exit()\n")
    result = pool.invoke(function, {})
    assert result.status == "error" and result.error_type == "Runtime.ExitError"
    assert result.payload["errorMessage"] == (
        f"RequestId: {result.request_id} Error: Runtime exited without providing a reason"
    )


def test_nonzero_exit_reports_the_exit_status(pool, make_function):
    function = make_function("import os\ndef handler(event, context):\n    os._exit(3)\n")
    result = pool.invoke(function, {})
    assert result.payload["errorMessage"].endswith("Runtime exited with error: exit status 3")


def test_os_abort_is_reported_as_signal_aborted(pool, make_function):
    function = make_function("import os\ndef handler(event, context):\n    os.abort()\n")
    result = pool.invoke(function, {})
    assert result.status == "error" and result.error_type == "Runtime.ExitError"
    assert result.payload["errorMessage"].endswith("Runtime exited with error: signal: aborted")


def test_segfault_through_ctypes_is_reported_as_segmentation_fault(pool, make_function):
    function = make_function(
        "import ctypes\ndef handler(event, context):\n    ctypes.string_at(0)\n"
    )
    result = pool.invoke(function, {})
    assert result.payload["errorMessage"].endswith(
        "Runtime exited with error: signal: segmentation fault"
    )
    assert pool.invoke(function, {}).cold_start


def test_response_over_6_mb_is_function_response_size_too_large(pool, make_function):
    function = make_function(
        "def handler(event, context):\n    return 'x' * (6 * 1024 * 1024 + 200)\n",
        memory_mb=512,
    )
    result = pool.invoke(function, {})
    assert result.status == "error" and result.error_type == "Function.ResponseSizeTooLarge"
    size = 6 * 1024 * 1024 + 202  # the JSON string's quotes
    assert result.payload == {
        "errorMessage": f"Response payload size ({size} bytes) exceeded maximum allowed payload "
        "size (6291556 bytes).",
        "errorType": "Function.ResponseSizeTooLarge",
    }


def test_runtime_refused_its_response_logs_why_and_the_next_invocation_is_cold(pool, make_function):
    function = make_function(
        "def handler(event, context):\n    return 'x' * (6 * 1024 * 1024 + 200)\n",
        memory_mb=512,
    )
    result = pool.invoke(function, {})
    assert "LAMBDA_RUNTIME Failed to post handler success response. Http response code: 413." in (
        result.logs
    )
    assert pool.invoke(function, {}).cold_start


def test_response_just_under_6_mb_is_returned(pool, make_function):
    function = make_function(
        "def handler(event, context):\n    return 'x' * (6 * 1024 * 1024 - 100)\n",
        memory_mb=512,
    )
    result = pool.invoke(function, {})
    assert result.status == "success" and len(result.payload) == 6 * 1024 * 1024 - 100


def test_request_over_6_mb_is_refused_before_anything_runs(pool, make_function):
    result = pool.invoke(make_function(ECHO), {"blob": "x" * (6 * 1024 * 1024)})
    assert result.status == "error" and result.error_type == "RequestTooLargeException"
    assert result.function_error is None and result.logs == ""
    assert pool.stats.created == 0


def test_missing_module_is_runtime_import_module_error(pool, make_function):
    function = make_function("import not_a_real_module\ndef handler(e, c):\n    return 1\n")
    result = pool.invoke(function, {})
    assert result.status == "error" and result.error_type == "Runtime.ImportModuleError"
    assert result.payload["errorMessage"] == (
        "Unable to import module 'app': No module named 'not_a_real_module'"
    )
    assert result.payload["requestId"] == result.request_id
    assert result.logs.startswith("INIT_START")
    assert "[ERROR] Runtime.ImportModuleError: Unable to import module 'app'" in result.logs
    assert result.cold_start and result.init_duration_ms is not None
    assert only_reset_environments(pool)


def test_wrong_module_name_in_handler_is_runtime_import_module_error(pool, make_function):
    result = pool.invoke(make_function(ECHO, handler="missing.handler"), {})
    assert result.payload["errorMessage"] == (
        "Unable to import module 'missing': No module named 'missing'"
    )


def test_missing_function_is_runtime_handler_not_found(pool, make_function):
    result = pool.invoke(make_function(ECHO, handler="app.nope"), {})
    assert result.error_type == "Runtime.HandlerNotFound"
    assert result.payload["errorMessage"] == "Handler 'nope' missing on module 'app'"


def test_syntax_error_is_runtime_user_code_syntax_error(pool, make_function):
    result = pool.invoke(make_function("def handler(event, context)\n    return 1\n"), {})
    assert result.error_type == "Runtime.UserCodeSyntaxError"
    assert result.payload["errorMessage"].startswith("Syntax error in module 'app': ")


def test_exception_during_init_is_reported_with_its_own_type(pool, make_function):
    result = pool.invoke(make_function("raise KeyError('config')\n"), {})
    assert result.error_type == "KeyError"
    assert result.payload["stackTrace"][-1].startswith('  File "/var/task/app.py", line 1')
    assert not any("/root/" in frame for frame in result.payload["stackTrace"])


def test_non_serialisable_return_is_runtime_marshal_error(pool, make_function):
    function = make_function("def handler(event, context):\n    return {1, 2}\n")
    result = pool.invoke(function, {})
    assert result.error_type == "Runtime.MarshalError"
    assert result.payload["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )


def test_json_log_format_writes_app_records_and_platform_report(pool, make_function):
    function = make_function(
        """
        import logging
        def handler(event, context):
            logging.getLogger().info("structured")
            return 1
        """,
        log_format="JSON",
    )
    result = pool.invoke(function, {})
    records = [json.loads(line) for line in result.logs.splitlines() if line.startswith("{")]
    kinds = [record.get("type") for record in records]
    assert kinds[0] == "platform.initStart" and "platform.start" in kinds
    app = next(record for record in records if record.get("message") == "structured")
    assert app["level"] == "INFO" and app["logger"] == "root"
    assert app["requestId"] == result.request_id and app["timestamp"].endswith("Z")
    report = records[-1]
    assert report["type"] == "platform.report"
    assert report["record"]["requestId"] == result.request_id
    assert report["record"]["status"] == "success"
    assert set(report["record"]["metrics"]) == {
        "durationMs",
        "billedDurationMs",
        "memorySizeMB",
        "maxMemoryUsedMB",
        "initDurationMs",
    }
    assert "REPORT RequestId" not in result.logs


def test_log_format_can_be_chosen_with_the_environment_variable(pool, make_function):
    function = make_function(ECHO, environment={"AWS_LAMBDA_LOG_FORMAT": "JSON"})
    assert json.loads(pool.invoke(function, {}).logs.splitlines()[-1])["type"] == "platform.report"
