"""Runtime through the Lambda API, with boto3: CreateFunction and UpdateFunctionConfiguration
take it (AWS's enum error otherwise), every configuration answer gives it, and a function runs
in the runtime it names."""

from __future__ import annotations

import base64
import io
import json
import re
import zipfile

import pytest
from botocore.exceptions import ClientError

from studyapp.engine.runtimes import node_runtime_name
from studyapp.sandbox.models import Function

pytestmark = pytest.mark.django_db(transaction=True)

ROLE = "arn:aws:iam::123456789012:role/lambda-basic"
NODE = node_runtime_name()
RUNTIMES = f"[python3.13, {NODE}, provided.al2023]"
NODE_HANDLER = (
    "export const handler = async (event, context) => {\n"
    '  console.log("orders", JSON.stringify(event));\n'
    "  return { runtime: process.env.AWS_EXECUTION_ENV, total: event.qty * 3 };\n"
    "};\n"
)
BOOTSTRAP = """#!/bin/sh
set -eu
API="http://${AWS_LAMBDA_RUNTIME_API}/2018-06-01/runtime/invocation"
while true; do
  curl -sS -D /tmp/headers -o /tmp/event "$API/next"
  id=$(grep -i '^lambda-runtime-aws-request-id:' /tmp/headers | cut -d' ' -f2 | tr -d '\\r')
  curl -sS -o /dev/null -X POST "$API/$id/response" -d "{\\"handler\\": \\"${_HANDLER}\\"}"
done
"""
# A package with a handler for each runtime, each saying which runtime ran it.
BOTH_RUNTIMES = {
    "app.py": "import os\n\ndef handler(e, c):\n    return os.environ['AWS_EXECUTION_ENV']\n",
    "index.mjs": "export const handler = async () =>\n  process.env.AWS_EXECUTION_ENV;\n",
}


def package(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def create_node(lambda_client, name="orders-node"):
    return lambda_client.create_function(
        FunctionName=name,
        Runtime=NODE,
        Role=ROLE,
        Handler="index.handler",
        Code={"ZipFile": package({"index.mjs": NODE_HANDLER})},
    )


def error_of(call) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error = caught.value.response
    return (
        error["ResponseMetadata"]["HTTPStatusCode"],
        error["Error"]["Code"],
        error["Error"]["Message"],
    )


def test_create_function_takes_the_node_runtime_and_answers_it(lambda_client, learner):
    created = create_node(lambda_client)
    assert created["Runtime"] == NODE
    assert created["Handler"] == "index.handler"
    function = Function.objects.get(owner=learner, name="orders-node")
    assert (function.runtime, function.module_path) == (NODE, "index.mjs")


def test_a_node_function_created_through_the_api_runs_in_node(lambda_client, full_isolation):
    create_node(lambda_client)
    response = lambda_client.invoke(
        FunctionName="orders-node", Payload=json.dumps({"qty": 4}).encode(), LogType="Tail"
    )
    assert json.loads(response["Payload"].read()) == {
        "runtime": f"AWS_Lambda_{NODE}",
        "total": 12,
    }
    log = base64.b64decode(response["LogResult"]).decode()
    assert re.search(r"\tINFO\torders \{\"qty\":4\}\n", log)


def test_a_custom_runtime_function_runs_its_bootstrap(lambda_client, full_isolation):
    lambda_client.create_function(
        FunctionName="orders-custom",
        Runtime="provided.al2023",
        Role=ROLE,
        Handler="orders.run",
        Code={"ZipFile": package({"bootstrap": BOOTSTRAP})},
    )
    response = lambda_client.invoke(FunctionName="orders-custom", Payload=b"{}")
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"handler": "orders.run"}


def test_an_unknown_runtime_is_refused_with_awss_enum_error(lambda_client, learner):
    status, code, message = error_of(
        lambda: lambda_client.create_function(
            FunctionName="orders-old",
            Runtime="python2.7",
            Role=ROLE,
            Handler="app.handler",
            Code={"ZipFile": package({"app.py": "def handler(e, c):\n    return 1\n"})},
        )
    )
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message == (
        "Value python2.7 at 'runtime' failed to satisfy constraint: Member must satisfy enum "
        f"value set: {RUNTIMES}"
    )
    assert not Function.objects.filter(name="orders-old").exists()


def test_get_function_and_its_configuration_give_the_runtime(lambda_client):
    create_node(lambda_client)
    function = lambda_client.get_function(FunctionName="orders-node")
    configuration = lambda_client.get_function_configuration(FunctionName="orders-node")
    assert function["Configuration"]["Runtime"] == configuration["Runtime"] == NODE
    arn = configuration["RuntimeVersionConfig"]["RuntimeVersionArn"]
    python_arn = lambda_client.get_function_configuration(FunctionName="cold-start-vs-warm")[
        "RuntimeVersionConfig"
    ]["RuntimeVersionArn"]
    assert re.fullmatch(r"arn:aws:lambda:us-east-1::runtime:[0-9a-f]{64}", arn)
    assert arn != python_arn


def test_list_functions_gives_each_functions_runtime(lambda_client):
    create_node(lambda_client)
    listed = {}
    for page in lambda_client.get_paginator("list_functions").paginate():
        listed.update({item["FunctionName"]: item["Runtime"] for item in page["Functions"]})
    assert listed["orders-node"] == NODE
    assert listed["cold-start-vs-warm"] == "python3.13"
    assert listed["nodejs-sqs-partial-batch"] == NODE
    assert listed["custom-runtime-bootstrap"] == "provided.al2023"


def test_update_function_configuration_changes_the_runtime_and_handler(lambda_client, learner):
    lambda_client.create_function(
        FunctionName="orders-move",
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package({"app.py": "def handler(e, c):\n    return 1\n"})},
    )
    updated = lambda_client.update_function_configuration(
        FunctionName="orders-move", Runtime=NODE, Handler="index.handler"
    )
    assert (updated["Runtime"], updated["Handler"]) == (NODE, "index.handler")
    assert lambda_client.get_function_configuration(FunctionName="orders-move")["Runtime"] == NODE
    function = Function.objects.get(owner=learner, name="orders-move")
    assert (function.runtime, function.handler) == (NODE, "index.handler")


def test_update_function_configuration_refuses_an_unknown_runtime_and_changes_nothing(
    lambda_client, learner
):
    create_node(lambda_client)
    status, code, message = error_of(
        lambda: lambda_client.update_function_configuration(
            FunctionName="orders-node", Runtime="java21", MemorySize=512
        )
    )
    assert (status, code) == (400, "InvalidParameterValueException")
    assert message == (
        "Value java21 at 'runtime' failed to satisfy constraint: Member must satisfy enum "
        f"value set: {RUNTIMES}"
    )
    function = Function.objects.get(owner=learner, name="orders-node")
    assert (function.runtime, function.memory_mb) == (NODE, 128)


def test_a_node_function_moved_to_a_new_runtime_runs_the_new_one(
    lambda_client, learner, full_isolation
):
    """Changing the runtime is a new configuration: the next invocation starts the new runtime."""
    lambda_client.create_function(
        FunctionName="orders-both",
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package(BOTH_RUNTIMES)},
    )
    before = lambda_client.invoke(FunctionName="orders-both", Payload=b"{}")
    lambda_client.update_function_configuration(
        FunctionName="orders-both", Runtime=NODE, Handler="index.handler"
    )
    after = lambda_client.invoke(FunctionName="orders-both", Payload=b"{}")
    assert json.loads(before["Payload"].read()) == "AWS_Lambda_python3.13"
    assert json.loads(after["Payload"].read()) == f"AWS_Lambda_{NODE}"


def test_a_published_version_keeps_the_runtime_it_was_published_with(lambda_client, full_isolation):
    """A version is an immutable snapshot: moving $LATEST to Node.js leaves version 1 on Python."""
    lambda_client.create_function(
        FunctionName="orders-pinned",
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package(BOTH_RUNTIMES)},
    )
    lambda_client.publish_version(FunctionName="orders-pinned")
    lambda_client.update_function_configuration(
        FunctionName="orders-pinned", Runtime=NODE, Handler="index.handler"
    )

    def ran(qualifier: str) -> str:
        response = lambda_client.invoke(FunctionName="orders-pinned", Qualifier=qualifier)
        return json.loads(response["Payload"].read())

    assert ran("1") == "AWS_Lambda_python3.13"
    assert ran("$LATEST") == f"AWS_Lambda_{NODE}"
    pinned = lambda_client.get_function_configuration(FunctionName="orders-pinned", Qualifier="1")
    assert (pinned["Runtime"], pinned["Handler"]) == ("python3.13", "app.handler")
    versions = lambda_client.list_versions_by_function(FunctionName="orders-pinned")["Versions"]
    assert [(v["Version"], v["Runtime"]) for v in versions] == [
        ("$LATEST", NODE),
        ("1", "python3.13"),
    ]
