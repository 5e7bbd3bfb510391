"""Runs from the page: the function's spec, the isolation policy, the run's invocations as the
page follows them, and runs nothing can finish any more.

A run is started by ``invoking.run_start`` (the one invocation path); the page polls
``batch_invocations`` (an htmx partial) until every invocation of the batch is stored. Each
answer names how far the run had got (``batch_signature``); a poll finding the run just as far
(``batch_unchanged``, one query) is answered with nothing to change.

Isolation policy: shipped samples run with whatever isolation the host offers (each result says
which protections were active); learner-owned code runs only when the sandbox service has full
isolation (bubblewrap + memory, pids and cpu cgroups), otherwise the service refuses it and the
learner reads why (``isolation_required``, ``isolation_refusal``).

A run is lost only when the task worker running it dies: the row then stays in flight with no
one to finish it. ``invocations_expire_stale`` (called on every read of a run; a poll that
finds one of its run's invocations stale by the same rule, ``invocation_stale``, reads the run in
full) marks such an invocation failed with a clear message: at once when its runner was a
process of this host that no longer exists, otherwise once it is past any deadline it could
still meet (its timeout plus a margin, per invocation queued ahead of it in its lane, plus the
time a task may wait for a worker).
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone

from studyapp.core.errors import Conflict, Invalid, NotFound
from studyapp.core.rows import quoted, table, values_read
from studyapp.engine.config import MAX_REQUEST_BYTES, ConfigError, FunctionConfig
from studyapp.engine.shapes import FunctionSpec
from studyapp.sandbox.function_settings import FunctionSettings
from studyapp.sandbox.models import Function, Invocation, handler_file

STALE_MARGIN_S = 60
# How long a queued invocation may wait for a task worker before it counts as lost.
QUEUE_WAIT_S = 120
INTERRUPTED_MESSAGE = (
    "This run was interrupted: the task worker running it stopped, so its result is lost. "
    "Run it again."
)
ISOLATION_REFUSAL = (
    "Your own code runs only with the sandbox's full isolation (bubblewrap namespaces plus "
    "memory, process and CPU limits), and this machine cannot provide it ({missing}). "
    "Shipped samples still run, with the protections that are available."
)


# The process running an invocation (a task worker), as ``host:pid``; set on the row so that a
# later read can tell whether it is gone (see invocations_expire_stale).
RUNNER_ID = f"{socket.gethostname()}:{os.getpid()}"


class RunRefused(Conflict):
    """The run cannot start; the message is written for the learner."""


class EventError(Invalid, ValueError):
    """The event text is not valid JSON; the message says where."""


@dataclass(frozen=True)
class RunStarted:
    batch: uuid.UUID
    invocations: list[Invocation]  # as they were when run_start returned


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


def isolation_required(function: Function) -> bool:
    """Learner-owned code runs only with the sandbox's full isolation; shipped samples run with
    whatever the host offers (each result says which protections were active)."""
    return not function.is_sample


def isolation_refusal(missing: str) -> str:
    """What the learner reads when the sandbox refused their code for lack of full isolation."""
    return ISOLATION_REFUSAL.format(missing=missing or "bubblewrap or cgroups missing")


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
    runtime = run_settings.runtime or function.runtime
    handler = run_settings.handler or function.handler
    code = dict(function.code)
    if run_settings.code is not None:
        code[handler_file(runtime=runtime, handler=handler, code=code)] = run_settings.code
    config = FunctionConfig(
        name=function.name,
        account=engine_account(user),
        runtime=runtime,
        handler=handler,
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
        "runtime": spec["runtime"],
        "handler": spec["handler"],
        "memory_mb": spec["memory_mb"],
        "timeout_s": spec["timeout_s"],
        "ephemeral_storage_mb": spec["ephemeral_storage_mb"],
        "environment": spec["environment"],
        "log_format": spec["log_format"],
        "layers": list(function.layers),
        "code_sha256": code_sha,
    }


def runner_alive(runner: str) -> bool:
    """Whether the process named ``host:pid`` still runs (unknown hosts count as alive)."""
    host, _, pid = runner.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def invocation_stale(
    *,
    started_at: datetime | None,
    runner: str,
    created_at: datetime,
    position: int,
    config: dict[str, Any],
    now: datetime,
) -> bool:
    """Whether an invocation in flight is one nothing can finish any more: its runner, a process
    of this host, is gone, or it is past any deadline it could still meet."""
    if started_at and runner and not runner_alive(runner):
        return True
    timeout = int(config.get("timeout_s", 3)) + STALE_MARGIN_S
    if started_at:
        deadline = started_at + timedelta(seconds=timeout)
    else:
        deadline = created_at + timedelta(seconds=QUEUE_WAIT_S + timeout * (position + 1))
    return now > deadline


def invocations_expire_stale(*, user, now: datetime | None = None) -> int:
    """Mark the user's in-flight invocations that nothing can finish any more as failed."""
    now = now or timezone.now()
    stale = [
        invocation.pk
        for invocation in Invocation.objects.filter(user=user).in_flight()
        if invocation_stale(
            started_at=invocation.started_at,
            runner=invocation.runner,
            created_at=invocation.created_at,
            position=invocation.position,
            config=invocation.config,
            now=now,
        )
    ]
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


def batch_signature(statuses: list[str]) -> str:
    """A short name for how far a run has got: its invocations' statuses, in order.

    The result panel of a run in flight shows nothing else that changes (an invocation's
    result, message and request id are stored with its final status, once), so two reads with
    the same signature show the same panel.
    """
    return hashlib.blake2b(",".join(statuses).encode(), digest_size=6).hexdigest()


# What the poll reads of a run: one row per invocation, in order, without the function or the
# results, in SQL kept once (the ORM took longer to build the query than to run it).
PROGRESS_FIELDS = ("status", "started_at", "runner", "created_at", "position", "config")
PROGRESS_SQL = f"""SELECT {", ".join(map(quoted, PROGRESS_FIELDS))} FROM {table(Invocation)}
    WHERE {quoted("user_id")} = %s AND {quoted("batch")} = %s
    ORDER BY {quoted("position")}"""  # noqa: S608


def batch_unchanged(*, user, batch: uuid.UUID, seen: str, now: datetime | None = None) -> bool:
    """Whether the user's run is still as the page last showed it (``seen``, its
    batch_signature), in one query and without reading the function or the results: the
    page's poll of a run in flight, every second.

    False when anything moved, when an invocation of it is stale (the full read then marks it),
    and for no run or another learner's (the full read answers 404).
    """
    if not seen:
        return False
    now = now or timezone.now()
    batch_value = Invocation._meta.get_field("batch").get_db_prep_value(batch, connection)
    rows = values_read(
        PROGRESS_SQL, (user.pk, batch_value), model=Invocation, names=PROGRESS_FIELDS
    )
    if not rows:
        return False
    for status, started_at, runner, created_at, position, config in rows:
        if status in Invocation.IN_FLIGHT and invocation_stale(
            started_at=started_at,
            runner=runner,
            created_at=created_at,
            position=position,
            config=config,
            now=now,
        ):
            return False
    return batch_signature([row[0] for row in rows]) == seen


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
