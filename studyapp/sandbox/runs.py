"""Running functions in the sandbox service without holding a web request.

``run_start`` records the invocations (status ``queued``), hands them to a small thread pool in
this web process and waits at most ``wait_s`` (about 2 s) before returning, so a quick run shows
its result at once and a long one is followed by the page (an htmx partial polls
``batch_invocations``). The threads only make the HTTP call to the sandbox service and store the
result: untrusted code runs in the service's sandboxes, never in a web worker.

Limits, so that one learner cannot starve the others:
- at most ``SANDBOX_MAX_RUNNING_PER_LEARNER`` of a learner's invocations are in flight at once;
  a run that would start while that many are in flight is refused with a clear message;
- "run N at once" (N <= ``SANDBOX_MAX_BATCH``) runs on as many lanes as the learner has free
  slots; each lane runs its share of the batch one after another (like reserved concurrency).

Isolation policy: shipped samples run with whatever isolation the host offers (each result says
which protections were active); learner-owned code runs only when the service reports full
isolation (bubblewrap + memory, pids and cpu cgroups), otherwise the run is refused with an
explanation (``isolation_refusal``).

Trade-off of threads (instead of a task queue): nothing outlives the web process. When a web
worker restarts while its thread is waiting on the service, the invocation stays ``running`` in
the database with no one to finish it. ``invocations_expire_stale`` (called on every read) marks
such an invocation failed with a clear message: at once when it belongs to this process and no
thread here runs it any more, and for other processes once it is past any deadline it could
still meet (its timeout plus a margin, per invocation queued ahead of it in its batch).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import OperationalError, close_old_connections, connection, transaction
from django.utils import timezone

from studyapp.core.errors import Conflict, Invalid, NotFound
from studyapp.engine import client
from studyapp.engine.config import MAX_REQUEST_BYTES, ConfigError, FunctionConfig
from studyapp.engine.hosts import routing_key
from studyapp.engine.shapes import FunctionSpec
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.models import Function, Invocation

logger = logging.getLogger(__name__)
MAX_WORKER_THREADS = 32
WRITE_ATTEMPTS = 25
STALE_MARGIN_S = 60
INTERRUPTED_MESSAGE = (
    "This run was interrupted: the web server restarted while it was running, so its result "
    "is lost. Run it again."
)
# What a learner reads when the sandbox service cannot be reached: under `make run` it is being
# started again by supervisord (studyapp/processes.py). The details (URLs, what to run) go to
# the log, for the operator.
SANDBOX_RESTARTING = "The sandbox is restarting, try again in a few seconds."
ISOLATION_REFUSAL = (
    "Your own code runs only with the sandbox's full isolation (bubblewrap namespaces plus "
    "memory, process and CPU limits), and this machine cannot provide it ({missing}). "
    "Shipped samples still run, with the protections that are available."
)


def sandbox_error_message(error: client.SandboxServiceError) -> str:
    """The learner's words for a failed call to the sandbox service (the details are logged)."""
    if isinstance(error, client.SandboxUnavailableError):
        logger.warning("sandbox service unavailable: %s", error)
        return SANDBOX_RESTARTING
    return str(error)


# Which web process runs an invocation; set on the row so a later read can tell whether the
# thread that was running it is gone (see invocations_expire_stale).
RUNNER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
_running_here: set[int] = set()
_running_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


class RunRefused(Conflict):
    """The run cannot start; the message is written for the learner."""


class EventError(Invalid, ValueError):
    """The event text is not valid JSON; the message says where."""


@dataclass(frozen=True)
class RunStarted:
    batch: uuid.UUID
    invocations: list[Invocation]  # as they were when run_start returned
    futures: list[Future]

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until every invocation of the run is stored (scripts and tests); True if so."""
        return not futures_wait(self.futures, timeout=timeout_s).not_done


def event_parse(text: str) -> Any:
    """The event as JSON, or EventError with the line and column of the first mistake."""
    if len(text.encode()) > MAX_REQUEST_BYTES:
        raise EventError(f"The event is larger than Lambda's {MAX_REQUEST_BYTES:,}-byte limit.")
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise EventError(
            f"The event is not valid JSON: {error.msg} at line {error.lineno}, "
            f"column {error.colno}."
        ) from None


def isolation_refusal(*, function: Function, health: dict[str, Any]) -> str | None:
    """Why this function may not run on a host described by the service's /health, or None."""
    if function.is_sample or health.get("full_isolation") is True:
        return None
    missing = (health.get("host") or {}).get("missing") or ["bubblewrap or cgroups missing"]
    return ISOLATION_REFUSAL.format(missing="; ".join(missing))


def engine_account(user) -> str:
    """The learner's account in the sandbox service (FunctionConfig.account).

    Warm environments are pooled by account, name, code and settings, so two learners' runs of
    the same sample never share an environment, as two AWS accounts' functions never do, while
    the function still sees its own plain name. Made from the user's id and sign-up time, so a
    reused id never inherits warm state.
    """
    return hashlib.sha256(f"{user.pk}:{user.date_joined.isoformat()}".encode()).hexdigest()[:16]


@cache
def _layer_files_cached(path: str, stamp: tuple) -> dict[str, str]:
    files = {}
    for file in sorted(Path(path).rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts:
            files[file.relative_to(path).as_posix()] = file.read_text(encoding="utf-8")
    return files


def layer_files(name: str) -> dict[str, str]:
    """A layer of content/layers/ as relative path -> text (merged under /opt by the engine)."""
    folder = Path(django_settings.CONTENT_DIR) / "layers" / name
    if not folder.is_dir():
        raise RunRefused(f"The layer {name!r} is missing from the content folder.")
    stamp = tuple((str(file), file.stat().st_mtime_ns) for file in sorted(folder.rglob("*")))
    return _layer_files_cached(str(folder), stamp)


def function_spec(function: Function, user, run_settings: FunctionSettings) -> FunctionSpec:
    """The FunctionConfig dict the sandbox service runs (validated here as the engine would)."""
    code = dict(function.code)
    if run_settings.code is not None:
        code[function.module_path] = run_settings.code
    config = FunctionConfig(
        name=function.name,
        account=engine_account(user),
        handler=function.handler,
        code=code,
        memory_mb=run_settings.memory_mb,
        timeout_s=run_settings.timeout_s,
        ephemeral_storage_mb=run_settings.ephemeral_storage_mb,
        environment=run_settings.environment,
        layers=tuple(layer_files(name) for name in function.layers),
        log_format=run_settings.log_format,
    )
    try:
        config.validate()
    except ConfigError as error:
        raise RunRefused(f"Lambda would refuse this configuration: {error}.") from None
    return config.to_dict()


def config_snapshot(function: Function, spec: dict[str, Any]) -> dict[str, Any]:
    code_sha = hashlib.sha256(json.dumps(spec["code"], sort_keys=True).encode()).hexdigest()
    return {
        "handler": spec["handler"],
        "memory_mb": spec["memory_mb"],
        "timeout_s": spec["timeout_s"],
        "ephemeral_storage_mb": spec["ephemeral_storage_mb"],
        "environment": spec["environment"],
        "log_format": spec["log_format"],
        "layers": list(function.layers),
        "code_sha256": code_sha,
    }


def run_start(
    *,
    function: Function,
    user,
    run_settings: FunctionSettings,
    event: Any,
    count: int = 1,
    now: datetime | None = None,
    wait_s: float = 2.0,
) -> RunStarted:
    """Queue ``count`` invocations, start them in the sandbox service, wait up to ``wait_s``."""
    now = now or timezone.now()
    max_batch = django_settings.SANDBOX_MAX_BATCH
    limit = django_settings.SANDBOX_MAX_RUNNING_PER_LEARNER
    if not 1 <= count <= max_batch:
        raise RunRefused(f"Run between 1 and {max_batch} invocations at once.")
    if function.owner_id is not None and function.owner_id != user.pk:
        raise NotFound("No such function.")
    spec = function_spec(function, user, run_settings)
    require_full = not function.is_sample
    if require_full:
        try:
            health = client.health(
                base_url=django_settings.SANDBOX_URL,
                secret=django_settings.SANDBOX_SECRET,
                timeout_s=3.0,
                route=routing_key(spec),
            )
        except client.SandboxServiceError as error:
            raise RunRefused(sandbox_error_message(error)) from None
        refusal = isolation_refusal(function=function, health=health)
        if refusal:
            raise RunRefused(refusal)
    invocations_expire_stale(user=user, now=now)
    batch = uuid.uuid4()
    snapshot = config_snapshot(function, spec)
    with transaction.atomic():
        # Serialise a learner's concurrent starts, so two clicks cannot both pass the limit.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        in_flight = Invocation.objects.filter(user=user).in_flight().count()
        if in_flight >= limit:
            raise RunRefused(
                f"You already have {in_flight} invocation{'s' if in_flight != 1 else ''} "
                f"running; the sandbox runs at most {limit} of yours at once so that everyone "
                "gets a turn. Wait for one to finish, then run again."
            )
        invocations = Invocation.objects.bulk_create(
            Invocation(
                function=function,
                user=user,
                batch=batch,
                position=position,
                status=Invocation.Status.QUEUED,
                event=event,
                config=snapshot,
                runner=RUNNER_ID,
                created_at=now,
            )
            for position in range(count)
        )
        ids = [invocation.pk for invocation in invocations]
        if any(pk is None for pk in ids):  # a backend that does not return ids from bulk_create
            ids = list(
                Invocation.objects.filter(batch=batch)
                .order_by("position")
                .values_list("pk", flat=True)
            )
        # Registered before the rows are committed: no reader can see them as abandoned.
        with _running_lock:
            _running_here.update(ids)
    lanes = min(count, limit - in_flight)
    futures = [
        _pool().submit(
            _lane_run,
            ids[lane::lanes],
            spec=spec,
            event=event,
            require_full_isolation=require_full,
        )
        for lane in range(lanes)
    ]
    if wait_s > 0:
        futures_wait(futures, timeout=wait_s)
    return RunStarted(
        batch=batch, invocations=batch_invocations(user=user, batch=batch), futures=futures
    )


def _pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(MAX_WORKER_THREADS, thread_name_prefix="sandbox-run")
        return _executor


def _lane_run(
    ids: list[int], *, spec: dict[str, Any], event: Any, require_full_isolation: bool
) -> None:
    """Run the invocations one after another (a thread of the pool; its own DB connection)."""
    try:
        for pk in ids:
            try:
                invocation_execute(
                    pk=pk,
                    spec=spec,
                    event=event,
                    require_full_isolation=require_full_isolation,
                )
            except Exception:
                logger.exception("sandbox invocation %s could not be stored", pk)
            finally:
                with _running_lock:
                    _running_here.discard(pk)
    finally:
        connection.close()


def invocation_execute(
    *,
    pk: int,
    spec: dict[str, Any],
    event: Any,
    require_full_isolation: bool,
) -> None:
    """Mark one invocation running, call the sandbox service, store the result."""
    close_old_connections()
    started = _retrying_update(
        Invocation.objects.filter(pk=pk, status=Invocation.Status.QUEUED),
        status=Invocation.Status.RUNNING,
        started_at=timezone.now(),
        runner=RUNNER_ID,
    )
    if not started:  # expired or finished meanwhile
        return
    fields: dict[str, Any]
    try:
        result = client.invoke(
            spec,
            event,
            require_full_isolation=require_full_isolation,
            base_url=django_settings.SANDBOX_URL,
            secret=django_settings.SANDBOX_SECRET,
        )
    except client.SandboxRequestError as error:
        fields = {"status": Invocation.Status.ERROR, "message": f"{error.error_type}: {error}"}
    except client.SandboxServiceError as error:
        fields = {"status": Invocation.Status.ERROR, "message": sandbox_error_message(error)}
    except Exception as error:  # the row must not stay "running" forever
        fields = {"status": Invocation.Status.ERROR, "message": f"The run failed: {error}"}
    else:
        status = result.get("status")
        if status not in Invocation.Status.values or status in Invocation.IN_FLIGHT:
            status = Invocation.Status.ERROR
        fields = {
            "status": status,
            "result": result,
            "request_id": str(result.get("request_id") or "")[:64],
        }
    _retrying_update(Invocation.objects.filter(pk=pk), finished_at=timezone.now(), **fields)


def _retrying_update(queryset, **values: Any) -> int:
    """UPDATE, retried a few times while SQLite reports the table locked by another connection.

    A thread must not lose a result because a reader held a lock for a moment (SQLite's busy
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


def invocations_expire_stale(*, user, now: datetime | None = None) -> int:
    """Mark the user's in-flight invocations that nothing can finish any more as failed."""
    now = now or timezone.now()
    with _running_lock:
        running_here = set(_running_here)
    stale = []
    for invocation in Invocation.objects.filter(user=user).in_flight():
        if invocation.runner == RUNNER_ID:
            if invocation.pk not in running_here:
                stale.append(invocation.pk)
            continue
        timeout = int(invocation.config.get("timeout_s", 3)) + STALE_MARGIN_S
        deadline = (invocation.started_at or invocation.created_at) + timedelta(
            seconds=timeout * (1 if invocation.started_at else invocation.position + 1)
        )
        if now > deadline:
            stale.append(invocation.pk)
    if not stale:
        return 0
    return (
        Invocation.objects.filter(pk__in=stale)
        .in_flight()
        .update(status=Invocation.Status.ERROR, message=INTERRUPTED_MESSAGE, finished_at=now)
    )


def batch_invocations(*, user, batch: uuid.UUID, now: datetime | None = None) -> list[Invocation]:
    """The invocations of one run of the user's, in order (another learner's batch: 404)."""
    invocations_expire_stale(user=user, now=now)
    invocations = list(
        Invocation.objects.filter(user=user, batch=batch)
        .select_related("function")
        .order_by("position")
    )
    if not invocations:
        raise NotFound("No such run.")
    return invocations


def function_history(*, function: Function, user, limit: int = 20) -> list[Invocation]:
    return list(
        Invocation.objects.filter(function=function, user=user).order_by("-created_at", "-id")[
            :limit
        ]
    )


@dataclass(frozen=True)
class EnvironmentSummary:
    """How a batch was served: environments created (cold starts) and reused (warm)."""

    invocations: int
    finished: int
    environments: int
    cold_starts: int
    warm_starts: int


def batch_environments(invocations: list[Invocation]) -> EnvironmentSummary:
    results = [inv.result for inv in invocations if inv.result]
    environment_ids = {r["environment_id"] for r in results if r.get("environment_id")}
    cold = sum(1 for r in results if r.get("cold_start") and r.get("environment_id"))
    warm = sum(1 for r in results if r.get("environment_id") and not r.get("cold_start"))
    return EnvironmentSummary(
        invocations=len(invocations),
        finished=sum(1 for inv in invocations if inv.finished),
        environments=len(environment_ids),
        cold_starts=cold,
        warm_starts=warm,
    )
