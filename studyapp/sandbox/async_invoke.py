"""Asynchronous invocations (InvocationType=Event): a durable queue, retries, destinations, DLQ.

An accepted event is an ``AsyncEvent`` row plus a task of Django's tasks framework (the database
backend by default, so both are in the same database and commit together). Each try is an
``AsyncAttempt`` row: the event's timeline. The rules are Lambda's:

- a function error (timeouts and out-of-memory included) is retried up to
  ``max_retry_attempts`` times (0-2, default 2), about 1 minute before the first retry and about
  2 minutes before the second;
- throttles and an unreachable sandbox are retried with exponential back-off (1 s doubling up to
  5 minutes) without using up retries, until the event is older than ``max_event_age_s``;
- then the event goes to the on-failure destination and/or the dead-letter queue (condition
  ``RetriesExhausted`` or ``EventAgeExceeded``); a success goes to the on-success destination.

Every delay and the maximum age are multiplied by the learner's study time factor
(``LambdaAccount.time_factor``, default 1/60: a minute passes in a second).

Durability: an attempt first claims the event with a conditional UPDATE (only one task can win
attempt N), then schedules a watch task. If the worker dies mid-attempt, the watch task (run by
the next worker) sees that the runner is gone (same host: its process no longer exists; other
hosts: the lease ran out), records the attempt as interrupted and queues the next one, so no
event is lost and every attempt stays in the timeline. An interrupted attempt does not use up a
retry (the function's outcome is unknown, like a Lambda system error).
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from studyapp.core.errors import Invalid, NotFound
from studyapp.core.tasks import domain_errors_logged
from studyapp.engine import client
from studyapp.engine.account import function_arn, sqs_queue_arn
from studyapp.sandbox.concurrency import account_for, invoke_config_for
from studyapp.sandbox.invoking import function_run
from studyapp.sandbox.messages import sandbox_error_message
from studyapp.sandbox.models import (
    AsyncAttempt,
    AsyncEvent,
    DestinationRecord,
    Function,
    FunctionInvokeConfig,
)
from studyapp.sandbox.runs import RUNNER_ID, runner_alive
from studyapp.sandbox.sqs import message_send, queue_for_arn, queue_name_from_arn
from studyapp.sandbox.versions import version_route

MAX_ASYNC_PAYLOAD_BYTES = 1_048_576  # 1 MB since late 2025 (was 256 KB)
RETRY_DELAYS_S = (60, 120)  # before the first and the second retry
THROTTLE_BACKOFF_START_S = 1
THROTTLE_BACKOFF_MAX_S = 300
WATCH_INTERVAL_S = 2.0
LEASE_MARGIN_S = 20  # a cold start (INIT up to 10 s) plus the trip to the sandbox service


class DestinationError(Invalid, ValueError):
    """A destination Lambda (or the sandbox) cannot deliver to; the message is for the caller."""


class EventInvokeConfigMissing(Exception):
    """The function has no asynchronous-invocation settings to update or delete."""


# -- accepting ----------------------------------------------------------------------------------


def async_event_accept(
    *,
    user,
    function: Function,
    payload: Any,
    request_id: str,
    qualifier: str = "",
    now: datetime | None = None,
) -> AsyncEvent:
    """Queue an event for the function (the 202 of InvocationType=Event); ``qualifier`` names
    the version or alias to run (each attempt routes an alias anew, as Lambda does)."""
    now = now or timezone.now()
    with transaction.atomic():
        event = AsyncEvent.objects.create(
            user=user,
            function=function,
            request_id=request_id,
            qualifier="" if qualifier == "$LATEST" else qualifier,
            payload=payload,
            created_at=now,
            next_run_at=now,
        )
        async_event_attempt.enqueue(event_id=event.pk, number=1)
    return event


# -- one step -----------------------------------------------------------------------------------


def scaled(seconds: float, *, user) -> timedelta:
    return timedelta(seconds=seconds * account_for(user).time_factor)


def async_event_attempt_run(*, event_id: int, number: int, now: datetime | None = None) -> None:
    """Run attempt ``number`` of the event if it is still due (else: a stale task, a no-op)."""
    now = now or timezone.now()
    event = AsyncEvent.objects.select_related("function", "user").filter(pk=event_id).first()
    if event is None or event.finished or event.attempts != number - 1 or event.next_run_at > now:
        return
    function, user = event.function, event.user
    config = invoke_config_for(user=user, function=function)
    if now - event.created_at >= scaled(config.max_event_age_s, user=user):
        _finish_failed(event, condition="EventAgeExceeded", now=now)
        return
    if config.reserved_concurrency == 0:
        # Lambda does not retry what can never run: straight to the on-failure destination.
        _finish_failed(event, condition="ZeroReservedConcurrency", now=now)
        return
    lease = timedelta(seconds=function.timeout_s + LEASE_MARGIN_S)
    with transaction.atomic():
        claimed = AsyncEvent.objects.filter(
            pk=event.pk,
            attempts=number - 1,
            status__in=[AsyncEvent.Status.QUEUED, AsyncEvent.Status.WAITING],
        ).update(status=AsyncEvent.Status.RUNNING, attempts=number, lease_expires_at=now + lease)
        if not claimed:
            return
        attempt = AsyncAttempt.objects.create(
            event=event, number=number, started_at=now, runner=RUNNER_ID
        )
        async_event_watch.using(run_after=now + timedelta(seconds=WATCH_INTERVAL_S)).enqueue(
            event_id=event.pk, number=number
        )
    started = time.monotonic()
    try:
        target, executed_version = version_route(
            function=function, qualifier=event.qualifier or None
        )
    except LookupError:  # the version or alias was deleted while the event waited
        target, executed_version = None, ""
    try:
        if target is None:
            result: dict[str, Any] | None = {
                "status": "error",
                "function_error": "Unhandled",
                "payload": {
                    "errorType": "ResourceNotFoundException",
                    "errorMessage": f"Function not found: {function_arn(function.name)}:"
                    f"{event.qualifier}",
                },
            }
        else:
            result = function_run(user=user, function=target, event=event.payload, source="async")
            result["executed_version"] = executed_version
        outcome = _outcome_of(result)
    except client.SandboxServiceError as error:
        result = {"status": "unavailable", "message": sandbox_error_message(error)}
        outcome = AsyncAttempt.Outcome.UNAVAILABLE
    # The clock moves on from ``now`` by the time the attempt took (tests pass a fixed now).
    finished = now + timedelta(seconds=time.monotonic() - started)
    attempt_finish(attempt=attempt, outcome=outcome, result=result, now=finished)


def _outcome_of(result: dict[str, Any]) -> str:
    status = result.get("status")
    if status == "success":
        return AsyncAttempt.Outcome.SUCCESS
    if status == "throttled":
        return AsyncAttempt.Outcome.THROTTLED
    return AsyncAttempt.Outcome.FUNCTION_ERROR


def attempt_finish(
    *, attempt: AsyncAttempt, outcome: str, result: dict[str, Any] | None, now: datetime
) -> None:
    """Record how the attempt ended and decide what happens to the event next."""
    with transaction.atomic():
        recorded = AsyncAttempt.objects.filter(
            pk=attempt.pk, outcome=AsyncAttempt.Outcome.RUNNING
        ).update(outcome=outcome, result=result, finished_at=now)
        event = AsyncEvent.objects.select_related("function", "user").get(pk=attempt.event_id)
        if not recorded or event.status != AsyncEvent.Status.RUNNING:
            return  # the watch task already gave this attempt up as interrupted
        if event.attempts != attempt.number:
            return
        user, function = event.user, event.function
        config = invoke_config_for(user=user, function=function)
        event.last_result = result
        event.lease_expires_at = None
        if outcome == AsyncAttempt.Outcome.SUCCESS:
            event.save(update_fields=["last_result", "lease_expires_at"])
            _finish(event, status=AsyncEvent.Status.SUCCEEDED, condition="", now=now)
            _deliver_success(event, config=config, now=now)
            _note(
                attempt,
                "Succeeded: the on-success destination gets a record."
                if config.on_success
                else "Succeeded.",
            )
            return
        if outcome == AsyncAttempt.Outcome.FUNCTION_ERROR:
            event.function_errors += 1
            if event.function_errors > config.max_retry_attempts:
                event.save(update_fields=["last_result", "lease_expires_at", "function_errors"])
                _finish_failed(event, condition="RetriesExhausted", now=now)
                _note(attempt, "Retries exhausted.")
                return
            delay_s = RETRY_DELAYS_S[min(event.function_errors, len(RETRY_DELAYS_S)) - 1]
            why = f"Function error: retry {event.function_errors} in {delay_s // 60} min"
        else:  # throttled, or the sandbox could not be reached: back off, retries kept
            delay_s = min(THROTTLE_BACKOFF_START_S * 2**event.throttles, THROTTLE_BACKOFF_MAX_S)
            event.throttles += 1
            why = f"{AsyncAttempt.Outcome(outcome).label}: try again in {delay_s} s"
        delay = scaled(delay_s, user=user)
        too_old_at = event.created_at + scaled(config.max_event_age_s, user=user)
        event.status = AsyncEvent.Status.WAITING
        event.next_run_at = min(now + delay, too_old_at)
        event.save()
        _note(attempt, f"{why} ({delay.total_seconds():.2f} s at study speed).")
        async_event_attempt.using(run_after=event.next_run_at).enqueue(
            event_id=event.pk, number=event.attempts + 1
        )


def _note(attempt: AsyncAttempt, text: str) -> None:
    AsyncAttempt.objects.filter(pk=attempt.pk).update(next_step=text[:300])


def async_event_watch_run(*, event_id: int, number: int, now: datetime | None = None) -> None:
    """While attempt ``number`` runs, check that its worker is alive; give it up if not."""
    now = now or timezone.now()
    event = AsyncEvent.objects.filter(pk=event_id).first()
    if event is None or event.status != AsyncEvent.Status.RUNNING or event.attempts != number:
        return
    attempt = AsyncAttempt.objects.filter(event=event, number=number).first()
    runner = attempt.runner if attempt else ""
    lease_over = event.lease_expires_at is None or now >= event.lease_expires_at
    if not lease_over and runner_alive(runner):
        async_event_watch.using(run_after=now + timedelta(seconds=WATCH_INTERVAL_S)).enqueue(
            event_id=event.pk, number=number
        )
        return
    with transaction.atomic():
        if attempt is not None:
            AsyncAttempt.objects.filter(pk=attempt.pk, outcome=AsyncAttempt.Outcome.RUNNING).update(
                outcome=AsyncAttempt.Outcome.INTERRUPTED,
                finished_at=now,
                next_step="The worker running this attempt stopped; trying again now.",
            )
        moved = AsyncEvent.objects.filter(
            pk=event.pk, status=AsyncEvent.Status.RUNNING, attempts=number
        ).update(status=AsyncEvent.Status.QUEUED, next_run_at=now, lease_expires_at=None)
        if moved:
            async_event_attempt.enqueue(event_id=event.pk, number=number + 1)


def async_events_run_due(*, now: datetime | None = None) -> int:
    """Run every due attempt right here (what the worker's tasks do); how many ran."""
    now = now or timezone.now()
    due = AsyncEvent.objects.filter(
        status__in=[AsyncEvent.Status.QUEUED, AsyncEvent.Status.WAITING], next_run_at__lte=now
    ).values_list("pk", "attempts")
    for pk, attempts in list(due):
        async_event_attempt_run(event_id=pk, number=attempts + 1, now=now)
    return len(due)


# -- finishing and destinations -----------------------------------------------------------------


def _finish(event: AsyncEvent, *, status: str, condition: str, now: datetime) -> None:
    event.status = status
    event.condition = condition
    event.finished_at = now
    event.lease_expires_at = None
    event.save(update_fields=["status", "condition", "finished_at", "lease_expires_at"])


def _finish_failed(event: AsyncEvent, *, condition: str, now: datetime) -> None:
    with transaction.atomic():
        if AsyncEvent.objects.filter(pk=event.pk, status__in=AsyncEvent.FINISHED).exists():
            return
        _finish(event, status=AsyncEvent.Status.FAILED, condition=condition, now=now)
        config = invoke_config_for(user=event.user, function=event.function)
        _deliver_failure(event, config=config, condition=condition, now=now)


def destination_record(event: AsyncEvent, *, condition: str, now: datetime) -> dict[str, Any]:
    """Lambda's destination record for an asynchronous invocation."""
    result = event.last_result or {}
    if condition == "ZeroReservedConcurrency":
        result = {}  # never invoked: no response context, no response payload
    response: dict[str, Any] = {
        "statusCode": 200,
        "executedVersion": result.get("executed_version") or "$LATEST",
    }
    if condition != "Success" and result.get("function_error"):
        response["functionError"] = result["function_error"]
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
        "requestContext": {
            "requestId": event.request_id,
            "functionArn": f"{function_arn(event.function.name)}:{event.qualifier or '$LATEST'}",
            "condition": condition,
            "approximateInvokeCount": event.attempts,
        },
        "requestPayload": event.payload,
    }
    if condition != "ZeroReservedConcurrency":
        record["responseContext"] = response
    if "payload" in result and result.get("status") != "throttled":
        record["responsePayload"] = result["payload"]
    return record


def _deliver_success(event: AsyncEvent, *, config: FunctionInvokeConfig, now: datetime) -> None:
    if config.on_success:
        record = destination_record(event, condition="Success", now=now)
        _store(event, DestinationRecord.Kind.ON_SUCCESS, config.on_success, record, {}, now)


def _deliver_failure(
    event: AsyncEvent, *, config: FunctionInvokeConfig, condition: str, now: datetime
) -> None:
    if config.on_failure:
        record = destination_record(event, condition=condition, now=now)
        _store(event, DestinationRecord.Kind.ON_FAILURE, config.on_failure, record, {}, now)
    if config.dead_letter:
        result = event.last_result or {}
        payload = result.get("payload") if isinstance(result.get("payload"), dict) else {}
        error_message = str(payload.get("errorMessage") or result.get("message") or "")
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": event.request_id},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {
                "DataType": "String",
                "StringValue": error_message.encode()[:1024].decode(errors="ignore"),
            },
        }
        _store(
            event,
            DestinationRecord.Kind.DEAD_LETTER,
            config.dead_letter,
            event.payload,
            attributes,
            now,
        )


def _store(
    event: AsyncEvent,
    kind: str,
    target: str,
    record: Any,
    attributes: dict[str, dict[str, str]],
    now: datetime,
) -> None:
    DestinationRecord.objects.create(
        user=event.user,
        function=event.function,
        event=event,
        kind=kind,
        target=target,
        record=record,
        attributes=attributes,
        created_at=now,
    )
    queue = queue_for_arn(user=event.user, arn=target, now=now)
    if queue is not None:
        message_send(
            queue=queue,
            body=json.dumps(record),
            attributes=attributes,
            now=now,
        )


# -- configuration ------------------------------------------------------------------------------


def destination_check(arn: str) -> str:
    """The sandbox delivers to its simulated SQS queues: ``arn:aws:sqs:<region>:<acct>:<name>``."""
    if not arn:
        return ""
    if queue_name_from_arn(arn) is None:
        raise DestinationError(
            f"The destination {arn} is not supported here: the sandbox delivers to its "
            f"simulated SQS queues ({sqs_queue_arn('QUEUE_NAME')})."
        )
    return arn


def event_invoke_config_put(
    *,
    user,
    function: Function,
    max_retry_attempts: int | None,
    max_event_age_s: int | None,
    on_success: str | None,
    on_failure: str | None,
    now: datetime | None = None,
) -> FunctionInvokeConfig:
    """PutFunctionEventInvokeConfig: settings left out go back to their defaults, like on AWS."""
    _event_settings_check(max_retry_attempts=max_retry_attempts, max_event_age_s=max_event_age_s)
    config = invoke_config_for(user=user, function=function)
    config.max_retry_attempts = 2 if max_retry_attempts is None else max_retry_attempts
    config.max_event_age_s = 21600 if max_event_age_s is None else max_event_age_s
    config.max_retry_attempts_given = max_retry_attempts is not None
    config.max_event_age_given = max_event_age_s is not None
    config.on_success = destination_check(on_success or "")
    config.on_failure = destination_check(on_failure or "")
    config.event_config_set = True
    config.event_config_modified_at = now or timezone.now()
    config.save()
    return config


def event_invoke_config_update(
    *,
    user,
    function: Function,
    max_retry_attempts: int | None,
    max_event_age_s: int | None,
    on_success: str | None,
    on_failure: str | None,
    now: datetime | None = None,
) -> FunctionInvokeConfig:
    """UpdateFunctionEventInvokeConfig: only the settings given change (``None``: unchanged).

    Raises ``EventInvokeConfigMissing`` when there is nothing to update, as AWS does.
    """
    _event_settings_check(max_retry_attempts=max_retry_attempts, max_event_age_s=max_event_age_s)
    config = invoke_config_for(user=user, function=function)
    if not config.event_config_set:
        raise EventInvokeConfigMissing(function.name)
    if max_retry_attempts is not None:
        config.max_retry_attempts = max_retry_attempts
        config.max_retry_attempts_given = True
    if max_event_age_s is not None:
        config.max_event_age_s = max_event_age_s
        config.max_event_age_given = True
    if on_success is not None:
        config.on_success = destination_check(on_success)
    if on_failure is not None:
        config.on_failure = destination_check(on_failure)
    config.event_config_modified_at = now or timezone.now()
    config.save()
    return config


def event_invoke_config_delete(*, user, function: Function) -> None:
    """DeleteFunctionEventInvokeConfig (``EventInvokeConfigMissing`` when there is none)."""
    config = invoke_config_for(user=user, function=function)
    if not config.event_config_set:
        raise EventInvokeConfigMissing(function.name)
    FunctionInvokeConfig.objects.filter(pk=config.pk).update(
        event_config_set=False,
        max_retry_attempts=2,
        max_event_age_s=21600,
        max_retry_attempts_given=False,
        max_event_age_given=False,
        on_success="",
        on_failure="",
    )


def _event_settings_check(*, max_retry_attempts: int | None, max_event_age_s: int | None) -> None:
    if max_retry_attempts is not None and not 0 <= max_retry_attempts <= 2:
        raise DestinationError("MaximumRetryAttempts must be between 0 and 2.")
    if max_event_age_s is not None and not 60 <= max_event_age_s <= 21600:
        raise DestinationError("MaximumEventAgeInSeconds must be between 60 and 21600.")


def dead_letter_put(*, user, function: Function, target_arn: str) -> FunctionInvokeConfig:
    config = invoke_config_for(user=user, function=function)
    config.dead_letter = destination_check(target_arn)
    config.save()
    return config


# -- reads for the pages ------------------------------------------------------------------------


def events_for(*, user, function: Function, limit: int = 20) -> list[AsyncEvent]:
    return list(
        AsyncEvent.objects.filter(user=user, function=function)
        .prefetch_related("timeline")
        .order_by("-created_at", "-id")[:limit]
    )


def event_for(*, user, request_id: str) -> AsyncEvent:
    event = (
        AsyncEvent.objects.filter(user=user, request_id=request_id)
        .select_related("function")
        .prefetch_related("timeline", "records")
        .first()
    )
    if event is None:
        raise NotFound("No such event.")
    return event


def records_for(*, user, function: Function, limit: int = 20) -> list[DestinationRecord]:
    return list(
        DestinationRecord.objects.filter(user=user, function=function).order_by(
            "-created_at", "-id"
        )[:limit]
    )


# -- tasks (run by the task worker; see studyapp/sandbox/tasks.py) -------------------------------


@task()
@domain_errors_logged
def async_event_attempt(event_id: int, number: int) -> None:
    """Run try ``number`` of an asynchronous event (a stale or duplicate task does nothing)."""
    async_event_attempt_run(event_id=event_id, number=number)


@task()
@domain_errors_logged
def async_event_watch(event_id: int, number: int) -> None:
    """Check that the worker running try ``number`` is alive; take the event over if not."""
    async_event_watch_run(event_id=event_id, number=number)
