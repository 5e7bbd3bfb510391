"""provided.al2023: the function's own executable `bootstrap` speaks the Runtime API."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from studyapp.engine import FunctionConfig

PROJECT = Path(__file__).resolve().parents[2]

# A custom runtime written in Python with nothing but the standard library.
LOOPING_BOOTSTRAP = """#!/usr/bin/env python3
import json, os, urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
count = 0
while True:
    with urllib.request.urlopen(api + "next") as answer:
        request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
        headers = dict(answer.headers)
        event = json.loads(answer.read())
    count += 1
    body = {"count": count, "handler": os.environ["_HANDLER"], "headers": headers, "event": event,
            "execution_env": os.environ.get("AWS_EXECUTION_ENV")}
    if event.get("fail"):
        request = urllib.request.Request(
            api + request_id + "/error",
            data=b"not an error object",
            headers={"Lambda-Runtime-Function-Error-Type": "Custom.Failure"},
            method="POST",
        )
    else:
        request = urllib.request.Request(
            api + request_id + "/response", data=json.dumps(body).encode(), method="POST"
        )
    urllib.request.urlopen(request).read()
"""

FAILING_INIT = """#!/usr/bin/env python3
import json, os, urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/init/error"
error = {"errorMessage": "config missing", "errorType": "Custom.InitFailed"}
request = urllib.request.Request(
    api,
    data=json.dumps(error).encode(),
    headers={"Lambda-Runtime-Function-Error-Type": "Custom.InitFailed"},
    method="POST",
)
urllib.request.urlopen(request).read()
raise SystemExit(1)
"""


def custom_function(source: str, **settings) -> FunctionConfig:
    return FunctionConfig(
        name=settings.pop("name", "custom-fn"),
        handler=settings.pop("handler", "function.handler"),
        runtime="provided.al2023",
        code={"bootstrap": source},
        **settings,
    )


def test_a_python_written_bootstrap_runs_twice_warm_and_sees_deadline_and_handler(pool):
    function = custom_function(LOOPING_BOOTSTRAP, handler="my.handler", timeout_s=5)
    before_ms = time.time() * 1000
    first, second = pool.invoke(function, {"n": 1}), pool.invoke(function, {"n": 2})
    assert first.status == second.status == "success"
    assert first.cold_start and not second.cold_start
    assert [first.payload["count"], second.payload["count"]] == [1, 2]
    assert second.payload["handler"] == "my.handler" and second.payload["event"] == {"n": 2}
    deadline = int(first.payload["headers"]["Lambda-Runtime-Deadline-Ms"])
    assert before_ms + 4000 < deadline < time.time() * 1000 + 5000


def test_next_carries_every_header_of_lambdas_runtime_api(pool):
    result = pool.invoke(
        custom_function(LOOPING_BOOTSTRAP, name="headers"),
        {},
        client_context={"custom": {"k": "v"}},
        identity={"cognitoIdentityId": "id-1", "cognitoIdentityPoolId": "pool-1"},
    )
    headers = result.payload["headers"]
    assert headers["Lambda-Runtime-Aws-Request-Id"] == result.request_id
    assert headers["Lambda-Runtime-Invoked-Function-Arn"] == (
        "arn:aws:lambda:us-east-1:123456789012:function:headers"
    )
    assert headers["Lambda-Runtime-Trace-Id"].startswith("Root=1-")
    assert json.loads(headers["Lambda-Runtime-Client-Context"]) == {"custom": {"k": "v"}}
    assert json.loads(headers["Lambda-Runtime-Cognito-Identity"]) == {
        "cognitoIdentityId": "id-1",
        "cognitoIdentityPoolId": "pool-1",
    }
    assert headers["Content-Type"] == "application/json"


def test_an_error_post_takes_its_type_from_the_error_type_header(pool):
    function = custom_function(LOOPING_BOOTSTRAP)
    result = pool.invoke(function, {"fail": True})
    assert result.status == "error" and result.error_type == "Custom.Failure"
    assert result.payload == {"errorMessage": "not an error object", "errorType": "Custom.Failure"}
    assert not pool.invoke(function, {}).cold_start  # a reported error keeps it warm


def test_init_error_fails_the_invocation_and_the_environment(pool):
    function = custom_function(FAILING_INIT)
    result = pool.invoke(function, {})
    assert result.status == "error" and result.error_type == "Custom.InitFailed"
    assert result.payload["errorMessage"] == "config missing"
    assert pool.invoke(function, {}).cold_start


def test_custom_runtimes_have_no_execution_env(pool):
    result = pool.invoke(custom_function(LOOPING_BOOTSTRAP), {})
    assert result.payload["execution_env"] is None  # AWS_EXECUTION_ENV is a managed runtime's


def test_cli_runs_a_custom_runtime_with_function_as_handler(tmp_path):
    bootstrap = tmp_path / "bootstrap"
    bootstrap.write_text(LOOPING_BOOTSTRAP)
    bootstrap.chmod(0o755)
    done = subprocess.run(
        [
            sys.executable, "-m", "studyapp.engine", "invoke",
            "--runtime", "provided.al2023", "--handler", f"{bootstrap}:function.handler",
            "--repeat", "2", "--json",
        ],
        capture_output=True, text=True, cwd=PROJECT, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads(done.stdout)
    assert [r["payload"]["count"] for r in results] == [1, 2]
    assert results[0]["payload"]["handler"] == "function.handler"
    assert [r["cold_start"] for r in results] == [True, False]


def test_cli_refuses_a_custom_runtime_file_not_named_bootstrap(tmp_path):
    other = tmp_path / "run.sh"
    other.write_text("#!/bin/sh\n")
    other.chmod(0o755)
    done = subprocess.run(
        [
            sys.executable, "-m", "studyapp.engine", "invoke",
            "--runtime", "provided.al2023", "--handler", str(other),
        ],
        capture_output=True, text=True, cwd=PROJECT, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "a custom runtime's executable is a file named bootstrap" in done.stderr


def test_init_start_names_the_custom_runtime(pool):
    result = pool.invoke(custom_function(LOOPING_BOOTSTRAP), {})
    assert result.logs.startswith("INIT_START Runtime Version: provided:al2023.v0\t")


ONE_SHOT_BOOTSTRAP = """#!/usr/bin/env python3
import json, os, urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
with urllib.request.urlopen(api + "next") as answer:
    request_id = answer.headers["Lambda-Runtime-Aws-Request-Id"]
    event = json.loads(answer.read())
request = urllib.request.Request(
    api + request_id + "/response", data=json.dumps({"pid": os.getpid()}).encode(), method="POST"
)
urllib.request.urlopen(request).read()
"""


def test_a_runtime_that_exits_after_answering_gives_its_answer_and_the_next_one_starts_anew(pool):
    # The answer goes back as soon as it is posted; that the runtime then exits instead of
    # asking for the next invocation is noticed before the next event is handed over.
    function = custom_function(ONE_SHOT_BOOTSTRAP)
    first, second = pool.invoke(function, {}), pool.invoke(function, {})
    assert (first.status, first.cold_start) == ("success", True)
    assert (second.status, second.cold_start) == ("success", True)
    assert second.environment_id == first.environment_id  # reset, as after a crash: /tmp kept
    assert "INIT_START" in second.logs and second.init_duration_ms is not None
