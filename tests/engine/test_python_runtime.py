"""python3.13 runs AWS's own runtime interface client (awslambdaric) against the sandbox's
Runtime API: each place where the sandbox's earlier bootstrap differed from AWS now matches."""

from __future__ import annotations

import json
import re

JSON_LOGS = """
import logging
logger = logging.getLogger()

def handler(event, context):
    logger.info("with extra", extra={"orderId": 42})
    logger.info({"kept": "as an object"})
    try:
        1 / 0
    except ZeroDivisionError:
        logger.exception("failed")
    if event.get("fail"):
        raise ValueError("unhandled")
    return "ok"
"""


def _json_records(logs: str) -> list[dict]:
    records = []
    for line in logs.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            if "type" not in record:  # the platform's own records have a type
                records.append(record)
    return records


def test_json_logs_keep_extra_fields_at_the_top_level(pool, make_function):
    result = pool.invoke(make_function(JSON_LOGS, log_format="JSON"), {})
    record = _json_records(result.logs)[0]
    assert record["message"] == "with extra" and record["orderId"] == 42
    assert record["requestId"] == result.request_id and record["logger"] == "root"


def test_json_logs_keep_a_dict_message_as_an_object(pool, make_function):
    result = pool.invoke(make_function(JSON_LOGS, log_format="JSON"), {})
    assert _json_records(result.logs)[1]["message"] == {"kept": "as an object"}


def test_json_exception_records_carry_their_location(pool, make_function):
    result = pool.invoke(make_function(JSON_LOGS, log_format="JSON"), {})
    record = _json_records(result.logs)[2]
    assert record["level"] == "ERROR" and record["errorType"] == "ZeroDivisionError"
    assert record["location"] == "/var/task/app.py:handler:11"


def test_json_log_timestamps_are_whole_seconds(pool, make_function):
    result = pool.invoke(make_function(JSON_LOGS, log_format="JSON"), {})
    for record in _json_records(result.logs):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", record["timestamp"])


def test_json_unhandled_error_record_has_exactly_awss_keys(pool, make_function):
    result = pool.invoke(make_function(JSON_LOGS, log_format="JSON"), {"fail": True})
    record = _json_records(result.logs)[-1]
    assert set(record) == {
        "timestamp",
        "level",
        "errorMessage",
        "errorType",
        "requestId",
        "stackTrace",
    }
    assert record["errorType"] == "ValueError" and record["errorMessage"] == "unhandled"


def test_json_mode_sets_the_application_log_level(pool, make_function):
    function = make_function(
        "import os\ndef handler(event, context):\n    return os.environ['AWS_LAMBDA_LOG_LEVEL']\n",
        log_format="JSON",
    )
    assert pool.invoke(function, {}).payload == "INFO"


def test_stack_traces_have_no_caret_lines(pool, make_function):
    function = make_function(
        """
        def handler(event, context):
            values = {"a": [1]}
            return values["a"][0] + values["b"][0]
        """
    )
    result = pool.invoke(function, {})
    assert result.error_type == "KeyError"
    frames = "".join(result.payload["stackTrace"])
    assert 'values["a"][0] + values["b"][0]' in frames
    assert "^" not in frames and "~" not in frames
    assert "^^" not in result.logs and "~~" not in result.logs


def test_missing_handler_fails_init_with_handler_not_found(pool, make_function):
    function = make_function("def other(event, context):\n    return 1\n")
    result = pool.invoke(function, {})
    assert result.status == "error" and result.error_type == "Runtime.HandlerNotFound"
    assert result.payload["errorMessage"] == "Handler 'handler' missing on module 'app'"
    assert "LAMBDA_WARNING: Unhandled exception." in result.logs
    assert result.logs.index("INIT_START") < result.logs.index("START RequestId:")
    assert result.logs.index("START RequestId:") < result.logs.index("END RequestId:")
    # INIT failed: the environment is gone and the next invocation starts cold.
    assert pool.invoke(function, {}).cold_start


def test_import_error_fails_init_with_import_module_error(pool, make_function):
    result = pool.invoke(make_function("import not_installed_anywhere\n"), {})
    assert result.error_type == "Runtime.ImportModuleError"
    assert result.payload["errorMessage"] == (
        "Unable to import module 'app': No module named 'not_installed_anywhere'"
    )


def test_decimal_results_are_serialised_exactly(pool, make_function):
    function = make_function(
        """
        from decimal import Decimal
        def handler(event, context):
            return {"amount": Decimal("12345678901234567890.123456789")}
        """
    )
    result = pool.invoke(function, {})
    assert result.status == "success"
    assert result.response == b'{"amount": 12345678901234567890.123456789}'


def test_a_bytes_result_passes_through_as_the_body(pool, make_function):
    function = make_function("def handler(event, context):\n    return b'raw body'\n")
    result = pool.invoke(function, {})
    assert result.status == "success" and result.response == b"raw body"
    assert result.payload == "raw body"


def test_a_set_result_is_a_marshal_error(pool, make_function):
    result = pool.invoke(make_function("def handler(event, context):\n    return {1}\n"), {})
    assert result.error_type == "Runtime.MarshalError"
    assert result.payload["errorMessage"] == (
        "Unable to marshal response: Object of type set is not JSON serializable"
    )


def test_text_logs_keep_a_traceback_as_one_record_with_its_lines(pool, make_function):
    """The telemetry pipe's frames keep multi-line records whole (without it, AWS's client
    joins the lines with carriage returns)."""
    function = make_function("def handler(event, context):\n    raise ValueError('boom')\n")
    result = pool.invoke(function, {})
    assert "\r" not in result.logs
    assert "[ERROR] ValueError: boom\nTraceback (most recent call last):\n" in result.logs


def _pinned(distribution: str) -> str:
    import tomllib
    from pathlib import Path

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    for requirement in pyproject["project"]["dependencies"]:
        name, _, version = requirement.partition("==")
        if name == distribution:
            return version
    raise AssertionError(f"{distribution} is not pinned in pyproject.toml")


BOTO3 = """
import boto3
import botocore

def handler(event, context):
    client = boto3.client("s3", region_name="us-east-1")
    return {
        "boto3": boto3.__version__,
        "botocore": botocore.__version__,
        "file": boto3.__file__,
        "client": client.meta.service_model.service_name,
    }
"""


def test_a_handler_imports_the_boto3_the_project_pins(pool, make_function):
    # Making an S3 client took 0.18 s of CPU at 512 MB on one host, and 1.1 s of CPU (15 s) at
    # 128 MB's share: which boto3 the handler finds is what this test is about, not how fast.
    result = pool.invoke(make_function(BOTO3, memory_mb=1769, timeout_s=30), {})
    assert result.status == "success", result.payload
    assert result.payload == {
        "boto3": _pinned("boto3"),
        "botocore": _pinned("botocore"),
        "file": "/var/runtime/boto3/__init__.py",
        "client": "s3",
    }


BOTO3_WRITE = """
import os
import boto3

def handler(event, context):
    folder = os.path.dirname(boto3.__file__)
    outcomes = {}
    for label, attempt in {
        "append": lambda: open(boto3.__file__, "a").write("x = 1\\n"),
        "create": lambda: open(os.path.join(folder, "extra.py"), "w").write("x = 1\\n"),
        "remove": lambda: os.remove(boto3.__file__),
    }.items():
        try:
            attempt()
            outcomes[label] = "written"
        except OSError as error:
            outcomes[label] = os.strerror(error.errno)
    outcomes["read_only_mount"] = bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    return outcomes
"""


def test_the_runtimes_boto3_is_read_only_to_the_handler(pool, make_function):
    result = pool.invoke(make_function(BOTO3_WRITE), {})
    refused = {"Read-only file system", "Permission denied"}  # mount and owner both refuse
    assert result.payload.pop("read_only_mount") is True
    assert set(result.payload) == {"append", "create", "remove"}
    assert set(result.payload.values()) <= refused


def test_a_functions_own_boto3_comes_before_the_runtimes(pool, make_function):
    config = make_function("import boto3\ndef handler(event, context):\n    return boto3.OWN\n")
    code = {**config.code, "boto3/__init__.py": "OWN = 'packaged with the function'\n"}
    from dataclasses import replace

    result = pool.invoke(replace(config, code=code), {})
    assert result.payload == "packaged with the function"
