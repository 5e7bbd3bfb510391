"""Asynchronous invocations: Lambda's retries, maximum event age, destinations and the DLQ.

The steps run here with a fixed clock (``async_events_run_due(now=...)``), against a real
sandbox service; the worker-restart test runs the real task worker.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from studyapp.sandbox.async_invoke import (
    async_event_accept,
    async_events_run_due,
    dead_letter_put,
    event_invoke_config_put,
)
from studyapp.sandbox.concurrency import reserved_concurrency_put
from studyapp.sandbox.models import (
    AsyncAttempt,
    AsyncEvent,
    ConcurrencyLease,
    DestinationRecord,
    Function,
    Queue,
)
from studyapp.sandbox.sqs import messages_on

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FAILS = {"mode": "unhandled", "amount": 2500}
SUCCEEDS = {"mode": "handled", "amount": 10}
FAILURES = "arn:aws:sqs:us-east-1:123456789012:payment-failures"


@pytest.fixture
def payments(samples, sandbox_service):
    return Function.objects.samples().get(name="handled-vs-unhandled-error")


def async_settings_put(learner, function, **settings) -> None:
    """PutFunctionEventInvokeConfig with the ``settings`` named; the others unset."""
    unset = dict.fromkeys(("max_retry_attempts", "max_event_age_s", "on_success", "on_failure"))
    event_invoke_config_put(user=learner, function=function, **(unset | settings))


def accept(learner, function, payload, now=T0) -> AsyncEvent:
    return async_event_accept(
        user=learner, function=function, payload=payload, request_id=str(uuid.uuid4()), now=now
    )


def run_until_finished(event: AsyncEvent, *, limit: int = 10) -> AsyncEvent:
    """Move the clock to each scheduled attempt and run it, as the worker would."""
    for _ in range(limit):
        event.refresh_from_db()
        if event.finished:
            return event
        async_events_run_due(now=event.next_run_at)
    raise AssertionError("the event did not finish")


def test_a_failing_event_is_tried_three_times_then_sent_to_the_on_failure_destination(
    learner, payments
):
    async_settings_put(learner, payments, on_failure=FAILURES)
    event = run_until_finished(accept(learner, payments, FAILS))
    assert event.status == AsyncEvent.Status.FAILED
    assert event.condition == "RetriesExhausted"
    attempts = list(event.timeline.all())
    assert [a.outcome for a in attempts] == [AsyncAttempt.Outcome.FUNCTION_ERROR] * 3
    record = DestinationRecord.objects.get(event=event, kind=DestinationRecord.Kind.ON_FAILURE)
    assert record.record["version"] == "1.0"
    assert record.record["requestContext"] == {
        "requestId": event.request_id,
        "functionArn": (
            "arn:aws:lambda:us-east-1:123456789012:function:handled-vs-unhandled-error:$LATEST"
        ),
        "condition": "RetriesExhausted",
        "approximateInvokeCount": 3,
    }
    assert record.record["requestPayload"] == FAILS
    assert record.record["responseContext"] == {
        "statusCode": 200,
        "executedVersion": "$LATEST",
        "functionError": "Unhandled",
    }
    assert record.record["responsePayload"]["errorType"] == "PaymentDeclinedError"
    queue = Queue.objects.get(owner=learner, name="payment-failures")
    assert [json.loads(m.body) for m in messages_on(queue)] == [record.record]


def test_retries_wait_one_then_two_minutes_scaled_by_the_study_time_factor(learner, payments):
    event = run_until_finished(accept(learner, payments, FAILS))
    first, second, third = event.timeline.all()
    # the default factor 1/60 turns Lambda's 1 and 2 minutes into 1 and 2 seconds
    assert second.started_at - first.finished_at == timedelta(seconds=1)
    assert third.started_at - second.finished_at == timedelta(seconds=2)
    assert "retry 1 in 1 min" in first.next_step


def test_maximum_retry_attempts_zero_sends_the_event_to_the_dlq_after_one_try(learner, payments):
    async_settings_put(learner, payments, max_retry_attempts=0)
    dead_letter_put(
        user=learner, function=payments, target_arn="arn:aws:sqs:us-east-1:123456789012:dlq"
    )
    event = run_until_finished(accept(learner, payments, FAILS))
    assert event.timeline.count() == 1
    record = DestinationRecord.objects.get(event=event)
    assert record.kind == DestinationRecord.Kind.DEAD_LETTER
    assert record.record == FAILS  # a DLQ message is the original event...
    attributes = record.attributes  # ...with these attributes, typed as AWS types them
    assert attributes["RequestID"] == {"DataType": "String", "StringValue": event.request_id}
    assert attributes["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert attributes["ErrorMessage"]["DataType"] == "String"
    assert "Card declined" in attributes["ErrorMessage"]["StringValue"]
    (message,) = messages_on(Queue.objects.get(owner=learner, name="dlq"))
    assert json.loads(message.body) == FAILS
    assert message.attributes["ErrorCode"] == {"DataType": "Number", "StringValue": "200"}
    assert message.attributes["RequestID"]["StringValue"] == event.request_id


def test_a_success_goes_to_the_on_success_destination(learner, payments):
    async_settings_put(
        learner, payments, on_success="arn:aws:sqs:us-east-1:123456789012:payments-done"
    )
    event = run_until_finished(accept(learner, payments, SUCCEEDS))
    assert event.status == AsyncEvent.Status.SUCCEEDED
    record = DestinationRecord.objects.get(event=event)
    assert record.kind == DestinationRecord.Kind.ON_SUCCESS
    assert record.record["requestContext"]["condition"] == "Success"
    assert record.record["responseContext"] == {"statusCode": 200, "executedVersion": "$LATEST"}
    assert record.record["responsePayload"] == {"ok": True, "charged": 10.0}


def test_a_throttled_event_is_retried_until_it_is_too_old(learner, payments):
    reserved_concurrency_put(user=learner, function=payments, reserved=1)
    # The one reserved slot is held by a long-running invocation for the whole test.
    ConcurrencyLease.objects.create(
        user=learner, function=payments, acquired_at=T0, expires_at=T0 + timedelta(days=3650)
    )
    async_settings_put(learner, payments, max_event_age_s=60, on_failure=FAILURES)
    event = run_until_finished(accept(learner, payments, SUCCEEDS), limit=20)
    assert event.status == AsyncEvent.Status.FAILED
    assert event.condition == "EventAgeExceeded"
    outcomes = {attempt.outcome for attempt in event.timeline.all()}
    assert outcomes == {AsyncAttempt.Outcome.THROTTLED}
    assert event.function_errors == 0
    assert event.finished_at - event.created_at == timedelta(seconds=1)  # 60 s at 1/60
    record = DestinationRecord.objects.get(event=event)
    assert record.record["requestContext"]["condition"] == "EventAgeExceeded"


def test_reserved_concurrency_zero_sends_the_event_straight_to_the_on_failure_destination(
    learner, payments
):
    reserved_concurrency_put(user=learner, function=payments, reserved=0)
    async_settings_put(learner, payments, on_failure=FAILURES)
    event = run_until_finished(accept(learner, payments, SUCCEEDS))
    assert event.status == AsyncEvent.Status.FAILED
    assert event.condition == "ZeroReservedConcurrency"
    assert event.timeline.count() == 0  # never invoked, never retried
    record = DestinationRecord.objects.get(event=event)
    assert record.record["requestContext"] == {
        "requestId": event.request_id,
        "functionArn": (
            "arn:aws:lambda:us-east-1:123456789012:function:handled-vs-unhandled-error:$LATEST"
        ),
        "condition": "ZeroReservedConcurrency",
        "approximateInvokeCount": 0,
    }
    assert record.record["requestPayload"] == SUCCEEDS
    assert "responseContext" not in record.record
    assert "responsePayload" not in record.record


def test_a_duplicate_task_for_an_attempt_already_made_does_nothing(learner, payments):
    from studyapp.sandbox.async_invoke import async_event_attempt_run

    event = accept(learner, payments, SUCCEEDS)
    async_event_attempt_run(event_id=event.pk, number=1, now=T0)
    async_event_attempt_run(event_id=event.pk, number=1, now=T0)
    assert event.timeline.count() == 1


def test_an_event_for_a_version_runs_that_version_and_its_record_says_so(learner, sandbox_service):
    from studyapp.sandbox.deploying import function_code_replace, function_create
    from studyapp.sandbox.versions import version_publish
    from tests.factories import new_function_make

    def code(answer):
        return {"app.py": f"def handler(event, context):\n    return {{'v': {answer!r}}}\n"}

    function = function_create(
        user=learner, new=new_function_make(name="checkout"), code=code("one")
    )
    version_publish(function=function)
    function_code_replace(function=function, user=learner, code=code("two"))
    # As on AWS, an event to version 1 follows version 1's settings.
    async_settings_put(
        learner, function, on_success="arn:aws:sqs:us-east-1:123456789012:done", qualifier="1"
    )
    event = async_event_accept(
        user=learner,
        function=function,
        payload={},
        request_id=str(uuid.uuid4()),
        qualifier="1",
        now=T0,
    )
    event = run_until_finished(event)
    record = DestinationRecord.objects.get(event=event).record
    assert record["responsePayload"] == {"v": "one"}
    assert record["responseContext"]["executedVersion"] == "1"
    assert record["requestContext"]["functionArn"].endswith(":function:checkout:1")
