"""The Node.js and custom-runtime samples, run through the real sandbox service, do what their
lessons say."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from studyapp.engine.runtimes import node_runtime_name
from studyapp.sandbox import invoking, runs
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.models import EventTemplate, Function
from studyapp.sandbox.sqs import event_source_queue, message_send, messages_on, queue_poll
from tests.plugins.task_worker import invocation_tasks_run

pytestmark = pytest.mark.django_db(transaction=True)

NODE = node_runtime_name()
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def sample(name: str) -> Function:
    return Function.objects.samples().get(name=name)


def default_event(function: Function):
    return EventTemplate.objects.get(pk=function.default_event_id).body


def run(function: Function, user, event=None):
    started = invoking.run_start(
        function=function,
        user=user,
        run_settings=FunctionSettings.of(function),
        event=default_event(function) if event is None else event,
        count=1,
    )
    assert invocation_tasks_run() == 1
    [invocation] = runs.batch_invocations(user=user, batch=started.batch)
    return invocation


def node_log_line(invocation, level: str, message: str) -> bool:
    """Whether the log has Node's line: time, request id, level and message, tab-separated."""
    pattern = (
        rf"^\d{{4}}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{{3}}Z\t{invocation.request_id}\t{level}\t"
        + re.escape(message)
        + "$"
    )
    return re.search(pattern, invocation.result["logs"], re.M) is not None


def test_the_new_samples_name_their_runtimes(samples):
    assert {
        name: sample(name).runtime
        for name in (
            "nodejs-api-gateway-proxy",
            "nodejs-sqs-partial-batch",
            "nodejs-cold-start-vs-warm",
            "custom-runtime-bootstrap",
        )
    } == {
        "nodejs-api-gateway-proxy": NODE,
        "nodejs-sqs-partial-batch": NODE,
        "nodejs-cold-start-vs-warm": NODE,
        "custom-runtime-bootstrap": "provided.al2023",
    }


# -- API Gateway (Node.js) ----------------------------------------------------------------------


def test_node_api_gateway_answers_the_default_get_with_the_proxy_shape(
    samples, learner, sandbox_service
):
    invocation = run(sample("nodejs-api-gateway-proxy"), learner)
    assert invocation.status == "success", invocation.result
    payload = invocation.result["payload"]
    assert payload == {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {},
        "body": json.dumps({"id": "101", "name": "Notebook", "price": 4.5}, separators=(",", ":")),
        "isBase64Encoded": False,
    }
    assert node_log_line(invocation, "INFO", "GET /items/101")


@pytest.mark.parametrize(
    ("event", "status", "body"),
    [
        ({"httpMethod": "GET", "path": "/items/999"}, 404, {"message": "Item 999 not found"}),
        (
            {"httpMethod": "POST", "path": "/items", "body": '{"name": "Pen"}'},
            400,
            {"message": 'Body must be JSON like {"name": "Pen", "price": 1.5}'},
        ),
        (
            {"httpMethod": "POST", "path": "/items", "body": '{"name": "Pen", "price": 1.5}'},
            201,
            {"id": "103", "name": "Pen", "price": 1.5},
        ),
        (
            {"httpMethod": "DELETE", "path": "/items/101"},
            404,
            {"message": "No route for DELETE /items/101"},
        ),
    ],
)
def test_node_api_gateway_routes_as_its_lesson_says(
    samples, learner, sandbox_service, event, status, body
):
    invocation = run(sample("nodejs-api-gateway-proxy"), learner, event=event)
    payload = invocation.result["payload"]
    assert (payload["statusCode"], json.loads(payload["body"])) == (status, body)


def test_node_api_gateway_refuses_another_event_with_a_type_error(
    samples, learner, sandbox_service
):
    invocation = run(sample("nodejs-api-gateway-proxy"), learner, event={"key1": "value1"})
    assert invocation.status == "error"
    assert invocation.result["payload"]["errorType"] == "TypeError"
    assert invocation.result["payload"]["errorMessage"] == (
        "Expected an API Gateway REST proxy event (try api-gateway-v1)"
    )


# -- SQS partial batch (Node.js) ----------------------------------------------------------------


def test_node_sqs_sample_reports_only_the_broken_message(samples, learner, sandbox_service):
    function = sample("nodejs-sqs-partial-batch")
    event = default_event(function)
    broken = [r["messageId"] for r in event["Records"] if not r["body"].rstrip().endswith("}")]
    invocation = run(function, learner)
    assert invocation.status == "success", invocation.result
    assert invocation.result["payload"] == {"batchItemFailures": [{"itemIdentifier": broken[0]}]}
    assert node_log_line(invocation, "INFO", "1 of 3 messages failed")
    assert re.search(
        rf"\t{invocation.request_id}\tERROR\tmessage {broken[0]} failed: ",
        invocation.result["logs"],
    )


def test_node_sqs_sample_behind_a_queue_leaves_only_the_failed_message(
    samples, learner, sandbox_service
):
    queue = event_source_queue(user=learner, function=sample("nodejs-sqs-partial-batch"), now=T0)
    good = json.dumps({"orderId": "o-1", "sku": "BOOK-1", "quantity": 2})
    bad = json.dumps({"orderId": "o-2", "sku": "BOOK-2", "quantity": 0})
    sent = [message_send(queue=queue, body=body, now=T0) for body in (good, bad, good)]
    batch = queue_poll(queue=queue, now=T0)
    assert batch.outcome == "partial"
    assert batch.failed_ids == [str(sent[1].message_id)]
    assert list(messages_on(queue)) == [sent[1]]


# -- cold and warm starts (Node.js) -------------------------------------------------------------


def test_node_cold_start_pays_the_top_level_await_once(samples, learner, sandbox_service):
    function = sample("nodejs-cold-start-vs-warm")
    first, second = run(function, learner), run(function, learner)
    assert (first.status, second.status) == ("success", "success")
    assert (first.cold_start, second.cold_start) == (True, False)
    assert first.result["payload"]["invocation_count"] == 1
    assert second.result["payload"]["invocation_count"] == 2
    assert first.result["payload"]["init_ms_measured_in_code"] >= 400
    assert first.result["init_duration_ms"] >= 400 and second.result["init_duration_ms"] is None
    assert "INIT_START Runtime Version: nodejs:" in first.result["logs"]
    assert "INIT_START" not in second.result["logs"]
    assert first.result["payload"]["request_id"] == first.request_id
    assert node_log_line(second, "INFO", "invocation 2 in this environment (cold=false)")


# -- a custom runtime ---------------------------------------------------------------------------


def test_custom_runtime_bootstrap_serves_invocations_from_one_process(
    samples, learner, sandbox_service
):
    function = sample("custom-runtime-bootstrap")
    first, second = run(function, learner), run(function, learner)
    assert (first.status, second.status) == ("success", "success"), first.result
    assert (first.cold_start, second.cold_start) == (True, False)
    size = len(json.dumps(default_event(function)).encode())
    for invocation, number in ((first, 1), (second, 2)):
        payload = invocation.result["payload"]
        assert payload["handler"] == "function.handler"
        assert payload["invocation"] == number
        assert payload["requestId"] == invocation.request_id
        assert payload["eventBytes"] == size
        assert payload["deadlineMs"] > 0
    assert "INIT: custom runtime for handler function.handler in /var/task" in first.result["logs"]
    assert "INIT:" not in second.result["logs"]
    assert (
        f"invocation 2 of this environment, request {second.request_id}" in (second.result["logs"])
    )


def test_custom_runtime_bootstrap_posts_an_error_when_the_event_asks(
    samples, learner, sandbox_service
):
    invocation = run(sample("custom-runtime-bootstrap"), learner, event={"fail": True})
    assert invocation.status == "error"
    assert invocation.result["function_error"] == "Unhandled"
    assert invocation.result["payload"] == {
        "errorType": "Custom.RequestedFailure",
        "errorMessage": "The event asked this handler to fail",
    }
