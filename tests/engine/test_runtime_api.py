"""The Lambda Runtime API each execution environment gets on its own loopback.

The Python runtime speaks it; these tests also talk to it from inside a handler, the way a
misbehaving runtime would, and check the answers Lambda's runtime API gives.
"""

from __future__ import annotations

import json
import re
import socket

import pytest

PROBE = """
import http.client, json, os

def handler(event, context):
    host, port = os.environ["AWS_LAMBDA_RUNTIME_API"].rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=2)
    path = event["path"].replace("{id}", context.aws_request_id)
    connection.request(event["method"], "/2018-06-01/runtime/" + path, body=b"{}")
    answer = connection.getresponse()
    return {"status": answer.status, "body": answer.read().decode()}
"""


def test_the_runtime_api_is_on_the_environments_own_loopback(pool, make_function):
    function = make_function(
        "import os\ndef handler(event, context):\n    return os.environ['AWS_LAMBDA_RUNTIME_API']\n"
    )
    assert pool.invoke(function, {}).payload == "127.0.0.1:9001"


def test_the_hosts_port_9001_is_not_the_sandboxes_runtime_api(pool, make_function):
    """The API's socket lives in the sandbox's network namespace: the host cannot reach it."""
    function = make_function("def handler(event, context):\n    return 1\n")
    assert pool.invoke(function, {}).status == "success"  # an environment is up and idle
    with socket.socket() as probe:
        probe.settimeout(1)
        answer = probe.connect_ex(("127.0.0.1", 9001))
        if answer == 0:  # something of the host's own listens there (e.g. `lambda serve`)
            probe.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
            assert b"Lambda-Runtime-Aws-Request-Id" not in probe.recv(4096)


def test_context_and_trace_id_come_from_the_next_invocations_headers(pool, make_function):
    function = make_function(
        """
        import os
        def handler(event, context):
            return {
                "request_id": context.aws_request_id,
                "arn": context.invoked_function_arn,
                "remaining": context.get_remaining_time_in_millis(),
                "trace": os.environ.get("_X_AMZN_TRACE_ID"),
                "custom": context.client_context.custom,
                "identity": context.identity.cognito_identity_id,
            }
        """,
        name="headers-fn",
    )
    environment_result = pool.invoke(
        function,
        {},
        client_context={"custom": {"k": "v"}},
        identity={"cognitoIdentityId": "us-east-1:abc", "cognitoIdentityPoolId": "pool"},
    )
    payload = environment_result.payload
    assert payload["request_id"] == environment_result.request_id
    assert payload["arn"] == "arn:aws:lambda:us-east-1:123456789012:function:headers-fn"
    assert 2000 < payload["remaining"] <= 3000
    assert re.fullmatch(
        r"Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0", payload["trace"]
    )
    assert payload["custom"] == {"k": "v"}
    assert payload["identity"] == "us-east-1:abc"


def test_each_invocation_has_its_own_trace_id(pool, make_function):
    function = make_function(
        "import os\ndef handler(event, context):\n    return os.environ['_X_AMZN_TRACE_ID']\n"
    )
    first, second = pool.invoke(function, {}), pool.invoke(function, {})
    assert not second.cold_start and first.payload != second.payload


@pytest.mark.parametrize(
    ("method", "path", "status", "answer"),
    [
        (
            "POST",
            "invocation/not-this-one/response",
            400,
            {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"},
        ),
        (
            "GET",
            "invocation/next",
            403,
            {
                "errorMessage": "State transition from Running to Ready failed for runtime. "
                "Error: State transition is not allowed",
                "errorType": "InvalidStateTransition",
            },
        ),
        (
            "POST",
            "init/error",
            403,
            {
                "errorMessage": "State transition from Running to InitError failed for runtime. "
                "Error: State transition is not allowed",
                "errorType": "InvalidStateTransition",
            },
        ),
    ],
    ids=["response-for-another-request", "next-while-running", "init-error-after-init"],
)
def test_misuse_of_the_runtime_api_gets_lambdas_answer(
    pool, make_function, method, path, status, answer
):
    function = make_function(PROBE)
    result = pool.invoke(function, {"method": method, "path": path})
    assert result.status == "success"
    assert result.payload["status"] == status
    assert json.loads(result.payload["body"]) == answer


def test_a_path_the_api_does_not_serve_is_404(pool, make_function):
    result = pool.invoke(make_function(PROBE), {"method": "GET", "path": "nothing/here"})
    assert result.payload == {"status": 404, "body": "404 page not found\n"}


def test_the_wrong_method_is_405(pool, make_function):
    result = pool.invoke(make_function(PROBE), {"method": "POST", "path": "invocation/next"})
    assert result.payload["status"] == 405


def test_misuse_leaves_the_invocation_and_the_environment_working(pool, make_function):
    function = make_function(PROBE)
    pool.invoke(function, {"method": "GET", "path": "invocation/next"})
    again = pool.invoke(function, {"method": "GET", "path": "nothing"})
    assert again.status == "success" and not again.cold_start
