"""The one way a function is invoked: the page's Run, the Lambda API's synchronous and
asynchronous Invoke, and the SQS event source all go through here.

Whoever asks, an invocation takes the same four steps:

1. the spec: the FunctionConfig the sandbox service runs (``concurrency.engine_spec``), with
   the function's reserved concurrency;
2. a lease (``concurrency.concurrency_acquire``) under the same rules for everyone: the
   function's reserved concurrency (0 throttles every invocation), the learner's cap on
   invocations in flight (``SANDBOX_MAX_RUNNING_PER_LEARNER``, page runs, API calls, asynchronous
   events and SQS batches counted together) and the account's concurrency; a throttle carries
   Lambda's Reason and is recorded like any other invocation;
3. the record: ``Invocation`` rows, queued (``config["source"]`` says who asked), each with
   its request id chosen here, before the run: the handler's ``context.aws_request_id``, its
   log lines, the API's ``x-amzn-RequestId`` and an asynchronous event's destination records
   all name the same id (an asynchronous event keeps its own through every retry);
4. the run, by the task worker: ``invocation_lanes_run`` (a task of Django's tasks framework)
   calls the sandbox service, stores each result and releases the lease.

An invocation by version or alias (``qualifier``) runs the function as that version was
published (``versions.version_route`` picks it; an alias's weights pick anew for each call):
the spec carries the ``version`` that runs, so it gets that version's own environments, and the
service is told the qualifier the caller named, so the handler sees the ARN it was invoked by.

The web process never calls the sandbox service to invoke, and holds no thread pool:

- the page's Run (``run_start``) queues the task and returns; the page follows the run by
  polling its batch (``runs.batch_invocations``). "Run N at once" takes up to N leases (one per
  lane); the task runs the lanes side by side and each lane its share of the batch one after
  another, as reserved concurrency would;
- the API's synchronous Invoke (``invocation_call``) must answer with the result: it queues the
  same task and waits for the row to be finished, at most the function's timeout plus
  ``CALL_MARGIN_S`` (a cold start and the wait for a free worker). A call no worker started by
  then is given up (it never runs) and answered as the sandbox being unavailable;
- an asynchronous attempt and an SQS batch are already tasks in the worker: they take the lease
  and record the row the same way and run step 4 inside their own task (``function_run``),
  rather than queue another task and wait for it, which would leave one worker waiting on itself.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings as django_settings
from django.db import OperationalError, close_old_connections, connection, transaction
from django.tasks import task
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend

from studyapp.core.errors import NotFound
from studyapp.engine import client
from studyapp.engine.config import LATEST
from studyapp.engine.shapes import FunctionSpec, InvokeResult
from studyapp.sandbox import versions
from studyapp.sandbox.concurrency import (
    LEASE_MARGIN_S,
    Throttled,
    concurrency_acquire,
    concurrency_release,
    concurrency_renew,
    engine_spec,
    throttled_result,
)
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.messages import SANDBOX_UNAVAILABLE, logger, sandbox_error_message
from studyapp.sandbox.models import ConcurrencyLease, Function, Invocation
from studyapp.sandbox.runs import (
    RUNNER_ID,
    RunRefused,
    RunStarted,
    config_snapshot,
    invocations_expire_stale,
    isolation_refusal,
    isolation_required,
)

CALL_MARGIN_S = 30.0  # a synchronous call waits its timeout plus this for the worker
CALL_POLL_S = 0.05
WRITE_ATTEMPTS = 25
NOT_STARTED = "No task worker started this invocation in time, so it was given up."

task_logger = logging.getLogger("studyapp.tasks")


class RunThrottled(RunRefused):
    """The page's run was throttled (the invocation is recorded); the message says why."""


class InvocationFailed(Exception):
    """A synchronous call the sandbox could not run: ``message`` is for the caller, and
    ``unavailable`` says whether the service could not be reached (rather than refusing it)."""

    def __init__(self, message: str, *, unavailable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.unavailable = unavailable


# -- the steps every caller takes ----------------------------------------------------------------


def _throttle_record(
    *,
    function: Function,
    user,
    spec: dict[str, Any],
    event: Any,
    throttle: Throttled,
    source: str,
    now: datetime,
    request_id: str,
    batch: uuid.UUID | None = None,
) -> Invocation:
    return Invocation.objects.create(
        function=function,
        user=user,
        batch=batch or uuid.uuid4(),
        status=Invocation.Status.THROTTLED,
        request_id=request_id,
        event=event,
        config={**config_snapshot(function, spec), "source": source},
        result=_throttled(throttle, request_id=request_id),
        message=throttle.explanation,
        created_at=now,
        started_at=now,
        finished_at=now,
    )


def _throttled(throttle: Throttled, *, request_id: str) -> InvokeResult:
    """The throttle's result object, under the invocation's own request id (as AWS answers a
    throttled call with its x-amzn-RequestId)."""
    return {**throttled_result(throttle), "request_id": request_id}


def _spec_of(
    *,
    user,
    function: Function,
    version: str,
    run_settings: FunctionSettings | None = None,
) -> FunctionSpec:
    """The engine's spec of the function as ``version`` ($LATEST or a published number)."""
    return {
        **engine_spec(user=user, function=function, run_settings=run_settings),
        "version": version,
    }


def _leases_take(
    *, user, function: Function, lanes: int, hold_s: float, now: datetime
) -> list[ConcurrencyLease] | Throttled:
    """Up to ``lanes`` leases (at least one), or why the first one was throttled."""
    leases: list[ConcurrencyLease] = []
    for _ in range(lanes):
        lease = concurrency_acquire(user=user, function=function, now=now, hold_s=hold_s)
        if isinstance(lease, Throttled):
            if not leases:
                return lease
            break
        leases.append(lease)
    return leases


@dataclass(frozen=True)
class _Queued:
    """One invocation queued by ``_invocation_queue``: its lease and its row."""

    lease: ConcurrencyLease
    invocation: Invocation


def _invocation_queue(
    *,
    user,
    function: Function,
    spec: dict[str, Any],
    event: Any,
    source: str,
    request_id: str,
    now: datetime,
) -> _Queued | InvokeResult:
    """Steps 2 and 3 for one invocation (in the caller's transaction): its lease and its queued
    row; or, when no lease is free, the throttled invocation recorded and its result."""
    lease = concurrency_acquire(user=user, function=function, now=now)
    if isinstance(lease, Throttled):
        _throttle_record(
            function=function,
            user=user,
            spec=spec,
            event=event,
            throttle=lease,
            source=source,
            now=now,
            request_id=request_id,
        )
        return _throttled(lease, request_id=request_id)
    invocation = Invocation.objects.create(
        function=function,
        user=user,
        status=Invocation.Status.QUEUED,
        request_id=request_id,
        event=event,
        config={**config_snapshot(function, spec), "source": source},
        created_at=now,
    )
    return _Queued(lease=lease, invocation=invocation)


def _lanes_enqueue(
    *,
    lanes: list[dict[str, Any]],
    spec: dict[str, Any],
    require_full_isolation: bool,
    client_context: dict[str, Any] | None = None,
    invoked_qualifier: str | None = None,
) -> None:
    """Queue the task so that the worker finds the rows it runs committed: in the same
    transaction when the task queue is a table of this database (the worker sees the task and
    its rows together; one write instead of two, which on SQLite is one turn of its single
    write lock fewer for every run from the page), otherwise once they are committed."""

    def enqueue() -> None:
        invocation_lanes_run.enqueue(
            lanes=lanes,
            spec=spec,
            require_full_isolation=require_full_isolation,
            client_context=client_context,
            invoked_qualifier=invoked_qualifier,
        )

    if _queue_in_database():
        enqueue()
    else:
        transaction.on_commit(enqueue)


def _queue_in_database() -> bool:
    """Whether tasks are rows of this database (django-tasks-db's backend), not Redis's."""
    return isinstance(invocation_lanes_run.get_backend(), DatabaseBackend)


# -- the page ----------------------------------------------------------------------------------


def run_start(
    *,
    function: Function,
    user,
    run_settings: FunctionSettings,
    event: Any,
    count: int = 1,
    now: datetime | None = None,
) -> RunStarted:
    """Queue ``count`` invocations of the function with the page's settings (a batch).

    Raises RunRefused for a batch size out of range or a configuration Lambda would refuse, and
    RunThrottled (after recording the throttled invocation) when no lease is free.
    """
    now = now or timezone.now()
    max_batch = django_settings.SANDBOX_MAX_BATCH
    if not 1 <= count <= max_batch:
        raise RunRefused(f"Run between 1 and {max_batch} invocations at once.")
    if function.owner_id is not None and function.owner_id != user.pk:
        raise NotFound("No such function.")
    spec = _spec_of(user=user, function=function, version=LATEST, run_settings=run_settings)
    invocations_expire_stale(user=user, now=now)
    batch = uuid.uuid4()
    timeout_s = int(spec["timeout_s"])
    hold_s = (timeout_s + LEASE_MARGIN_S) * count
    with transaction.atomic():
        leases = _leases_take(user=user, function=function, lanes=count, hold_s=hold_s, now=now)
        if isinstance(leases, Throttled):
            _throttle_record(
                function=function,
                user=user,
                spec=spec,
                event=event,
                throttle=leases,
                source="page",
                now=now,
                request_id=str(uuid.uuid4()),
                batch=batch,
            )
            throttle = leases
        else:
            throttle = None
            snapshot = {**config_snapshot(function, spec), "source": "page"}
            invocations = [
                Invocation.objects.create(
                    function=function,
                    user=user,
                    batch=batch,
                    position=position,
                    status=Invocation.Status.QUEUED,
                    request_id=str(uuid.uuid4()),
                    event=event,
                    config=snapshot,
                    created_at=now,
                )
                for position in range(count)
            ]
            ids = [invocation.pk for invocation in invocations]
            _lanes_enqueue(
                lanes=[
                    {"lease": lease.pk, "invocations": ids[lane :: len(leases)]}
                    for lane, lease in enumerate(leases)
                ],
                spec=spec,
                require_full_isolation=isolation_required(function),
            )
    if throttle is not None:
        raise RunThrottled(throttle.explanation)
    # The rows as stored (queued): reading them back would only repeat what was just written.
    return RunStarted(batch=batch, invocations=invocations)


# -- the Lambda API's synchronous Invoke --------------------------------------------------------


def invocation_call(
    *,
    user,
    function: Function,
    event: Any,
    client_context: dict[str, Any] | None = None,
    version: str = LATEST,
    qualifier: str | None = None,
    source: str = "api",
    now: datetime | None = None,
) -> InvokeResult:
    """Run one invocation through the task worker and wait for it: the engine's result object
    (a throttle in the same shape). Raises InvocationFailed when it could not run.

    ``function`` is the function as ``version`` was published (``versions.version_route``);
    ``qualifier`` the version or alias the caller named, if any. ``source`` says who asked
    (the API's Invoke, or the deployed function's page invoking by qualifier)."""
    now = now or timezone.now()
    spec = _spec_of(user=user, function=function, version=version)
    with transaction.atomic():
        queued = _invocation_queue(
            user=user,
            function=function,
            spec=spec,
            event=event,
            source=source,
            request_id=str(uuid.uuid4()),
            now=now,
        )
        if not isinstance(queued, _Queued):
            return queued
        _lanes_enqueue(
            lanes=[{"lease": queued.lease.pk, "invocations": [queued.invocation.pk]}],
            spec=spec,
            require_full_isolation=isolation_required(function),
            client_context=client_context,
            invoked_qualifier=qualifier,
        )
    return _finished_result(queued.invocation.pk, wait_s=int(spec["timeout_s"]) + CALL_MARGIN_S)


def qualified_call(
    *,
    user,
    function: Function,
    qualifier: str | None,
    event: Any,
    client_context: dict[str, Any] | None = None,
    source: str = "api",
) -> tuple[InvokeResult, str]:
    """``invocation_call`` of the function as ``qualifier`` names it ($LATEST, a version, or an
    alias, whose weights pick a version anew for each call): the result and the version that
    ran (ExecutedVersion). ``versions.VersionMissing`` / ``AliasMissing`` when there is none."""
    target, executed_version = versions.version_route(function=function, qualifier=qualifier)
    result = invocation_call(
        user=user,
        function=target,
        event=event,
        client_context=client_context,
        version=executed_version,
        qualifier=qualifier,
        source=source,
    )
    return result, executed_version


def _finished_result(pk: int, *, wait_s: float) -> InvokeResult:
    """Wait (polling the row) until the invocation is stored, at most ``wait_s``."""
    give_up = time.monotonic() + wait_s
    while True:
        try:
            row = Invocation.objects.filter(pk=pk).values("status", "result", "message").first()
        except OperationalError as error:  # SQLite: the worker is writing it right now
            if "locked" not in str(error):
                raise
            time.sleep(CALL_POLL_S)
            continue
        if row is None:
            raise InvocationFailed(SANDBOX_UNAVAILABLE, unavailable=True)
        if row["status"] not in Invocation.IN_FLIGHT:
            if row["result"] is not None:
                return row["result"]
            message = row["message"] or SANDBOX_UNAVAILABLE
            raise InvocationFailed(message, unavailable=message == SANDBOX_UNAVAILABLE)
        if time.monotonic() >= give_up:
            given_up = Invocation.objects.filter(pk=pk, status=Invocation.Status.QUEUED).update(
                status=Invocation.Status.ERROR, message=NOT_STARTED, finished_at=timezone.now()
            )
            if given_up:
                logger.warning("invocation %s: no task worker started it in time", pk)
                raise InvocationFailed(SANDBOX_UNAVAILABLE, unavailable=True)
            give_up = time.monotonic() + CALL_MARGIN_S  # it started at the last moment
        time.sleep(CALL_POLL_S)  # the worker writes the row; nothing to be told by


# -- asynchronous attempts and SQS batches (already tasks in the worker) ------------------------


def function_run(
    *,
    user,
    function: Function,
    event: Any,
    client_context: dict[str, Any] | None = None,
    source: str,
    request_id: str | None = None,
    version: str = LATEST,
    qualifier: str | None = None,
) -> InvokeResult:
    """Run one invocation right here (a task of the worker): the engine's result object.

    Same lease and record as every invocation. ``request_id``: the invocation's id when the
    caller has one (an asynchronous event's own, through every retry), else a new one;
    ``version`` and ``qualifier`` as for ``invocation_call``. Raises
    ``client.SandboxServiceError`` when the service is down or refuses the request (the row
    records it too).
    """
    now = timezone.now()
    spec = _spec_of(user=user, function=function, version=version)
    with transaction.atomic():
        queued = _invocation_queue(
            user=user,
            function=function,
            spec=spec,
            event=event,
            source=source,
            request_id=request_id or str(uuid.uuid4()),
            now=now,
        )
    if not isinstance(queued, _Queued):
        return queued
    lease = queued.lease
    try:
        outcome = invocation_execute(
            pk=queued.invocation.pk,
            lease_id=lease.pk,
            spec=spec,
            require_full_isolation=isolation_required(function),
            client_context=client_context,
            invoked_qualifier=qualifier,
        )
    finally:
        concurrency_release(lease)
    if isinstance(outcome, client.SandboxServiceError):
        raise outcome
    return outcome or {}


# -- step 4: the run, in the task worker --------------------------------------------------------


@task()
def invocation_lanes_run(
    lanes: list[dict[str, Any]],
    spec: dict[str, Any],
    require_full_isolation: bool,
    client_context: dict[str, Any] | None = None,
    invoked_qualifier: str | None = None,
) -> None:
    """Run the lanes of a batch side by side; each lane runs its invocations in order."""
    if len(lanes) == 1:
        _lane_run(lanes[0], spec, require_full_isolation, client_context, invoked_qualifier)
        return
    threads = [
        threading.Thread(
            target=_lane_thread,
            args=(lane, spec, require_full_isolation, client_context, invoked_qualifier),
            name=f"sandbox-lane-{number}",
        )
        for number, lane in enumerate(lanes)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def _lane_thread(
    lane: dict[str, Any],
    spec: dict[str, Any],
    require_full_isolation: bool,
    client_context: dict[str, Any] | None,
    invoked_qualifier: str | None,
) -> None:
    try:
        _lane_run(lane, spec, require_full_isolation, client_context, invoked_qualifier)
    finally:
        connection.close()  # this thread's own connection


def _lane_run(
    lane: dict[str, Any],
    spec: dict[str, Any],
    require_full_isolation: bool,
    client_context: dict[str, Any] | None,
    invoked_qualifier: str | None,
) -> None:
    try:
        for pk in lane["invocations"]:
            try:
                invocation_execute(
                    pk=pk,
                    lease_id=lane["lease"],
                    spec=spec,
                    require_full_isolation=require_full_isolation,
                    client_context=client_context,
                    invoked_qualifier=invoked_qualifier,
                )
            except Exception:
                task_logger.exception("sandbox invocation %s could not be stored", pk)
    finally:
        concurrency_release(lane["lease"])


def invocation_execute(
    *,
    pk: int,
    lease_id: int,
    spec: dict[str, Any],
    require_full_isolation: bool,
    client_context: dict[str, Any] | None = None,
    invoked_qualifier: str | None = None,
) -> InvokeResult | client.SandboxServiceError | None:
    """Mark one queued invocation running, call the sandbox service (under the request id the
    row was given), store what happened.

    Returns the engine's result, or the service's error; None when the invocation was no longer
    queued (given up or finished meanwhile).
    """
    if not connection.in_atomic_block:  # a caller's transaction keeps its connection
        close_old_connections()
    invocation = Invocation.objects.select_related("function").filter(pk=pk).first()
    if invocation is None:
        return None
    started = _retrying_update(
        Invocation.objects.filter(pk=pk, status=Invocation.Status.QUEUED),
        status=Invocation.Status.RUNNING,
        started_at=timezone.now(),
        runner=RUNNER_ID,
    )
    if not started:
        return None
    concurrency_renew(lease_id=lease_id, function=invocation.function)
    fields: dict[str, Any]
    outcome: InvokeResult | client.SandboxServiceError
    try:
        result = client.invoke(
            spec,
            invocation.event,
            request_id=invocation.request_id or None,
            invoked_qualifier=invoked_qualifier,
            client_context=client_context,
            require_full_isolation=require_full_isolation,
            base_url=django_settings.SANDBOX_URL,
            secret=django_settings.SANDBOX_SECRET,
        )
    except client.SandboxServiceError as error:
        outcome = error
        fields = {"status": Invocation.Status.ERROR, "message": _failure_message(error)}
    except Exception as error:  # the row must not stay "running" forever
        task_logger.exception("sandbox invocation %s failed", pk)
        outcome = client.SandboxServiceError(str(error))
        fields = {"status": Invocation.Status.ERROR, "message": SANDBOX_UNAVAILABLE}
    else:
        outcome = result
        status = result.get("status")
        if status not in Invocation.Status.values or status in Invocation.IN_FLIGHT:
            status = Invocation.Status.ERROR
        fields = {
            "status": status,
            "result": result,
            "request_id": str(result.get("request_id") or "")[:64],
        }
    _retrying_update(Invocation.objects.filter(pk=pk), finished_at=timezone.now(), **fields)
    return outcome


def _failure_message(error: client.SandboxServiceError) -> str:
    if isinstance(error, client.SandboxRequestError) and error.error_type == "IsolationUnavailable":
        return isolation_refusal(str(error).partition(": ")[2])
    return sandbox_error_message(error)


def _retrying_update(queryset, **values: Any) -> int:
    """UPDATE, retried a few times while SQLite reports the table locked by another connection.

    A worker must not lose a result because a reader held a lock for a moment (SQLite's busy
    timeout does not cover every case, e.g. shared-cache databases).
    """
    for attempt in range(WRITE_ATTEMPTS):
        try:
            return queryset.update(**values)
        except OperationalError as error:
            if "locked" not in str(error) or attempt == WRITE_ATTEMPTS - 1:
                raise
            time.sleep(0.02 * (attempt + 1))  # back off and let the other connection finish
    return 0
