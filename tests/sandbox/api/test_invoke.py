"""Lambda's Invoke and function reads, driven by boto3 against a live server."""

from __future__ import annotations

import base64
import json

import pytest

from studyapp.sandbox.functions import function_copy
from studyapp.sandbox.models import Function

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_synchronous_invoke_returns_the_handlers_response(lambda_client):
    response = lambda_client.invoke(FunctionName="cold-start-vs-warm", Payload=b"{}")
    assert response["StatusCode"] == 200
    assert response["ExecutedVersion"] == "$LATEST"
    assert "FunctionError" not in response
    body = json.loads(response["Payload"].read())
    assert body["invocation_count"] >= 1


def test_a_function_error_comes_back_with_x_amz_function_error(lambda_client):
    response = lambda_client.invoke(
        FunctionName="handled-vs-unhandled-error", Payload=json.dumps({"mode": "unhandled"})
    )
    assert response["StatusCode"] == 200
    assert response["FunctionError"] == "Unhandled"
    body = json.loads(response["Payload"].read())
    assert body["errorType"] == "PaymentDeclinedError"


def test_log_type_tail_returns_the_last_4_kb_of_logs_in_base64(lambda_client):
    response = lambda_client.invoke(
        FunctionName="cold-start-vs-warm", Payload=b"{}", LogType="Tail"
    )
    logs = base64.b64decode(response["LogResult"]).decode()
    assert len(base64.b64decode(response["LogResult"])) <= 4096
    assert "START RequestId:" in logs
    assert "REPORT RequestId:" in logs
    assert response["ResponseMetadata"]["RequestId"] in logs


def test_a_dry_run_checks_the_function_without_running_it(lambda_client, learner):
    from studyapp.sandbox.models import Invocation

    response = lambda_client.invoke(FunctionName="cold-start-vs-warm", InvocationType="DryRun")
    assert response["StatusCode"] == 204
    assert not Invocation.objects.filter(user=learner).exists()


def test_an_unknown_function_is_resource_not_found(lambda_client):
    with pytest.raises(lambda_client.exceptions.ResourceNotFoundException) as raised:
        lambda_client.invoke(FunctionName="no-such-function", Payload=b"{}")
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 404
    arn = "arn:aws:lambda:us-east-1:123456789012:function:no-such-function"
    assert error["Error"]["Code"] == "ResourceNotFoundException"
    assert error["Error"]["Message"] == f"Function not found: {arn}"


def test_a_payload_over_6_mb_is_request_too_large(lambda_client):
    payload = json.dumps({"data": "x" * (6 * 1024 * 1024)})
    with pytest.raises(lambda_client.exceptions.RequestTooLargeException) as raised:
        lambda_client.invoke(FunctionName="cold-start-vs-warm", Payload=payload)
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413


def test_list_functions_shows_the_samples_in_lambdas_shape(lambda_client):
    functions = lambda_client.list_functions(MaxItems=50)["Functions"]
    names = {function["FunctionName"] for function in functions}
    assert {"cold-start-vs-warm", "sqs-partial-batch"} <= names
    sample = next(f for f in functions if f["FunctionName"] == "cold-start-vs-warm")
    assert (
        sample["FunctionArn"] == "arn:aws:lambda:us-east-1:123456789012:function:cold-start-vs-warm"
    )
    assert sample["Runtime"] == "python3.13"
    assert sample["Version"] == "$LATEST"
    assert sample["PackageType"] == "Zip"
    assert "State" not in sample
    assert "LastUpdateStatus" not in sample
    assert sample["EphemeralStorage"] == {"Size": 512}


def test_get_function_and_its_configuration_by_name_or_arn(lambda_client):
    arn = "arn:aws:lambda:us-east-1:123456789012:function:environment-config"
    configuration = lambda_client.get_function_configuration(FunctionName=arn)
    assert configuration["FunctionName"] == "environment-config"
    assert configuration["MemorySize"] == 256
    assert configuration["Environment"]["Variables"]["TABLE_NAME"] == "orders-prod"
    function = lambda_client.get_function(FunctionName="environment-config")
    assert function["Configuration"]["CodeSha256"] == configuration["CodeSha256"]


@pytest.mark.parametrize("payload", [b'"x"', b"3", b"null", b"[1]"])
def test_any_json_value_is_an_event(lambda_client, learner, full_isolation, payload):
    echo = function_copy(
        function=Function.objects.samples().get(name="cold-start-vs-warm"), user=learner
    )
    echo.code = {echo.module_path: "def handler(event, context):\n    return {'event': event}\n"}
    echo.save()
    response = lambda_client.invoke(FunctionName=echo.name, Payload=payload)
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"event": json.loads(payload)}


def test_text_jsonb_refuses_goes_through_and_comes_back_exactly(
    lambda_client, learner, full_isolation
):
    """A NUL in the event, the answer and the logs, a lone surrogate in the event, and U+E000
    (what the database's escape uses). PostgreSQL's jsonb refuses NUL and lone surrogates: the
    call answered a server error, and an answer holding a NUL was never stored (its caller
    waited 60 s). The handler leaves the surrogate out of its answer: AWS's runtime client
    cannot encode one (UnicodeEncodeError, Runtime.ExitError), on Lambda as here."""
    echo = function_copy(
        function=Function.objects.samples().get(name="cold-start-vs-warm"), user=learner
    )
    echo.code = {
        echo.module_path: (
            "def handler(event, context):\n"
            "    print('log\\x00line')\n"
            "    kept = {key: value for key, value in event.items() if key != 'lone'}\n"
            "    return {'event': kept, 'own': 'a\\x00b\\ue000c'}\n"
        )
    }
    echo.save()
    payload = rb'{"nul": "x\u0000y", "lone": "\udfff", "escape": "\ue000\u0000", "\u0000": 1}'
    response = lambda_client.invoke(FunctionName=echo.name, Payload=payload, LogType="Tail")
    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {
        "event": {"nul": "x\x00y", "escape": "\ue000\x00", "\x00": 1},
        "own": "a\x00b\ue000c",
    }
    assert "log\x00line" in base64.b64decode(response["LogResult"]).decode()


def test_a_copy_of_a_sample_leaves_the_sample_reachable_by_its_name(lambda_client, learner):
    sample = Function.objects.samples().get(name="cold-start-vs-warm")
    copy = function_copy(function=sample, user=learner)
    assert copy.name == "cold-start-vs-warm-copy"
    reached = lambda_client.get_function(FunctionName="cold-start-vs-warm")["Configuration"]
    assert reached["FunctionName"] == "cold-start-vs-warm"
    assert reached["CodeSha256"] != "" and copy.name != reached["FunctionName"]
    copied = lambda_client.get_function(FunctionName=copy.name)["Configuration"]
    assert copied["FunctionName"] == "cold-start-vs-warm-copy"
