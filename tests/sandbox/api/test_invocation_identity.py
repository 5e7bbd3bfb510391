"""What a handler learns about its own invocation, as on AWS: the request id (the same in its
context, its START/END/REPORT lines, the Invoke answer, the destination records and the DLQ
message), the version that runs and the ARN it was invoked by."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from datetime import timedelta

import pytest

from studyapp.sandbox.async_invoke import async_events_run_due, dead_letter_put
from studyapp.sandbox.models import AsyncEvent, DestinationRecord, Function, Invocation, Queue
from studyapp.sandbox.sqs import messages_on

pytestmark = pytest.mark.django_db(transaction=True)

ARN = "arn:aws:lambda:us-east-1:123456789012:function:whoami"
ROLE = "arn:aws:iam::123456789012:role/lambda-basic"
DONE = "arn:aws:sqs:us-east-1:123456789012:whoami-done"
FAILED = "arn:aws:sqs:us-east-1:123456789012:whoami-failed"
DLQ = "arn:aws:sqs:us-east-1:123456789012:whoami-dlq"
HANDLER = """\
import os


def handler(event, context):
    if event.get("fail"):
        raise RuntimeError("failed in " + context.aws_request_id)
    return {
        "requestId": context.aws_request_id,
        "functionVersion": context.function_version,
        "environmentVersion": os.environ["AWS_LAMBDA_FUNCTION_VERSION"],
        "invokedArn": context.invoked_function_arn,
        "answer": ANSWER,
    }
"""


def package(answer: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("app.py", HANDLER.replace("ANSWER", repr(answer)))
    return buffer.getvalue()


@pytest.fixture
def whoami(lambda_client, full_isolation):
    lambda_client.create_function(
        FunctionName="whoami",
        Runtime="python3.13",
        Role=ROLE,
        Handler="app.handler",
        Code={"ZipFile": package("one")},
    )
    return "whoami"


def invoke(lambda_client, **kwargs) -> tuple[dict, dict]:
    response = lambda_client.invoke(Payload=b"{}", **kwargs)
    return json.loads(response["Payload"].read()), response


def run_events_until_finished(limit: int = 10) -> list[AsyncEvent]:
    """The worker's steps, the clock moved to each scheduled attempt."""
    for _ in range(limit):
        waiting = AsyncEvent.objects.exclude(status__in=AsyncEvent.FINISHED)
        if not waiting.exists():
            return list(AsyncEvent.objects.order_by("pk"))
        async_events_run_due(now=max(e.next_run_at for e in waiting) + timedelta(seconds=1))
    raise AssertionError("the events did not finish")


def test_a_synchronous_invocation_has_one_request_id_everywhere(lambda_client, whoami):
    answer, response = invoke(lambda_client, FunctionName=whoami, LogType="Tail")
    request_id = response["ResponseMetadata"]["RequestId"]
    assert answer["requestId"] == request_id
    tail = base64.b64decode(response["LogResult"]).decode()
    assert f"START RequestId: {request_id} Version: $LATEST" in tail
    assert f"END RequestId: {request_id}" in tail
    assert f"REPORT RequestId: {request_id}" in tail


def test_destination_records_carry_the_invocations_own_request_id(lambda_client, whoami):
    lambda_client.put_function_event_invoke_config(
        FunctionName=whoami,
        MaximumRetryAttempts=1,
        DestinationConfig={
            "OnSuccess": {"Destination": DONE},
            "OnFailure": {"Destination": FAILED},
        },
    )
    succeeding = lambda_client.invoke(FunctionName=whoami, InvocationType="Event", Payload=b"{}")
    failing = lambda_client.invoke(
        FunctionName=whoami, InvocationType="Event", Payload=b'{"fail": true}'
    )
    accepted_ok = succeeding["ResponseMetadata"]["RequestId"]
    accepted_failing = failing["ResponseMetadata"]["RequestId"]
    run_events_until_finished()

    success = DestinationRecord.objects.get(kind=DestinationRecord.Kind.ON_SUCCESS).record
    assert success["requestContext"]["requestId"] == accepted_ok
    assert success["responsePayload"]["requestId"] == accepted_ok

    failure = DestinationRecord.objects.get(kind=DestinationRecord.Kind.ON_FAILURE).record
    assert failure["requestContext"]["requestId"] == accepted_failing
    assert failure["requestContext"]["approximateInvokeCount"] == 2
    assert failure["responsePayload"]["errorMessage"] == f"failed in {accepted_failing}"
    # Both tries ran under the event's one request id, which their log lines name.
    tries = Invocation.objects.filter(request_id=accepted_failing).order_by("pk")
    assert tries.count() == 2
    for attempt in tries:
        assert f"START RequestId: {accepted_failing} Version: $LATEST" in attempt.result["logs"]
    learner_queues = Queue.objects.filter(name__in=["whoami-done", "whoami-failed"])
    bodies = [json.loads(m.body) for q in learner_queues.order_by("name") for m in messages_on(q)]
    assert [b["requestContext"]["requestId"] for b in bodies] == [accepted_ok, accepted_failing]


def test_the_dead_letter_message_names_the_invocations_own_request_id(
    lambda_client, whoami, learner
):
    lambda_client.put_function_event_invoke_config(FunctionName=whoami, MaximumRetryAttempts=0)
    dead_letter_put(
        user=learner, function=Function.objects.get(owner=learner, name=whoami), target_arn=DLQ
    )
    failing = lambda_client.invoke(
        FunctionName=whoami, InvocationType="Event", Payload=b'{"fail": true}'
    )
    request_id = failing["ResponseMetadata"]["RequestId"]
    run_events_until_finished()
    (message,) = messages_on(Queue.objects.get(owner=learner, name="whoami-dlq"))
    assert message.attributes["RequestID"] == {"DataType": "String", "StringValue": request_id}
    assert message.attributes["ErrorMessage"]["StringValue"] == f"failed in {request_id}"
    assert json.loads(message.body) == {"fail": True}


def test_the_handler_sees_the_version_that_runs_and_the_arn_it_was_invoked_by(
    lambda_client, whoami
):
    assert lambda_client.publish_version(FunctionName=whoami)["Version"] == "1"
    lambda_client.update_function_code(FunctionName=whoami, ZipFile=package("two"))
    assert lambda_client.publish_version(FunctionName=whoami)["Version"] == "2"
    lambda_client.update_function_code(FunctionName=whoami, ZipFile=package("three"))
    lambda_client.create_alias(FunctionName=whoami, Name="live", FunctionVersion="1")

    def seen(**kwargs):
        answer, response = invoke(lambda_client, FunctionName=whoami, **kwargs)
        assert answer["functionVersion"] == answer["environmentVersion"]
        assert answer["functionVersion"] == response["ExecutedVersion"]
        return answer["answer"], answer["functionVersion"], answer["invokedArn"]

    assert seen() == ("three", "$LATEST", ARN)
    assert seen(Qualifier="$LATEST") == ("three", "$LATEST", f"{ARN}:$LATEST")
    assert seen(Qualifier="2") == ("two", "2", f"{ARN}:2")
    assert seen(Qualifier="live") == ("one", "1", f"{ARN}:live")
    answer, response = invoke(lambda_client, FunctionName=f"{ARN}:2", LogType="Tail")
    assert (answer["functionVersion"], answer["invokedArn"]) == ("2", f"{ARN}:2")
    assert " Version: 2\n" in base64.b64decode(response["LogResult"]).decode()


def test_an_asynchronous_event_to_an_alias_runs_its_version_under_the_alias_arn(
    lambda_client, whoami
):
    lambda_client.publish_version(FunctionName=whoami)
    lambda_client.update_function_code(FunctionName=whoami, ZipFile=package("two"))
    lambda_client.create_alias(FunctionName=whoami, Name="live", FunctionVersion="1")
    lambda_client.put_function_event_invoke_config(
        FunctionName=whoami,
        Qualifier="live",
        DestinationConfig={"OnSuccess": {"Destination": DONE}},
    )
    lambda_client.invoke(
        FunctionName=whoami, Qualifier="live", InvocationType="Event", Payload=b"{}"
    )
    run_events_until_finished()
    record = DestinationRecord.objects.get().record
    assert record["responsePayload"]["functionVersion"] == "1"
    assert record["responsePayload"]["invokedArn"] == f"{ARN}:live"
    assert record["responseContext"]["executedVersion"] == "1"
    assert record["requestContext"]["functionArn"] == f"{ARN}:live"


def test_a_page_run_carries_the_request_id_its_row_was_given_before_it_ran(lambda_client, whoami):
    from studyapp.sandbox.function_settings import FunctionSettings
    from studyapp.sandbox.invoking import run_start
    from tests.plugins.task_worker import batch_finished

    function = Function.objects.active().get(name=whoami)
    started = run_start(
        function=function,
        user=function.owner,
        run_settings=FunctionSettings.of(function),
        event={},
        count=2,
    )
    chosen = sorted(invocation.request_id for invocation in started.invocations)
    assert all(chosen) and len(set(chosen)) == 2
    finished = batch_finished(user=function.owner, batch=started.batch)
    assert sorted(row.result["payload"]["requestId"] for row in finished) == chosen
    assert sorted(row.request_id for row in finished) == chosen
    assert {row.result["payload"]["invokedArn"] for row in finished} == {ARN}
