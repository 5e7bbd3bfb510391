"""An execution environment: one sandboxed runtime process that lives across invocations.

Lifecycle, as on Lambda:

    new --invoke--> INIT (spawn, until the runtime's first /next; timed, CPU unthrottled)
        --> busy --> idle
    new --initialise()--> INIT --> idle   (provisioned concurrency: the first invocation is warm)
    idle (frozen) --invoke--> busy --> idle ...
    idle (frozen) --park()--> parked (/tmp's unused blocks given back; pool.py)
        --invoke--> /tmp reserved again, thawed --> busy ...
    timeout / crash / OOM / init error --> reset (processes killed, /tmp kept; see below)
    destroy() --> dead (every process killed, cgroup and /tmp removed)
    (after a timeout the answer goes back first; the killing runs in the background)

The supervisor (this module) serves the runtime the Lambda Runtime API (runtime_api.py) on the
sandbox's own loopback and reads its stdout/stderr from a pipe and its log records from the
telemetry pipe (telemetry.py). The runtime is python3.13 (AWS's awslambdaric), nodejs<major>.x
(our bootstrap) or the function's own bootstrap (runtimes.py). Every limit is enforced from out
here: the wall-clock deadline by killing the whole cgroup, memory by the cgroup's SIGKILL, the
6 MB response limit by the API, logs by a cap on what is kept.

After a timeout, a crash, an OOM kill or a failed INIT the environment is reset, as on Lambda:
every process of it is killed and the next invocation starts a new runtime (a cold start, INIT
again), but the environment itself stays, and with it its /tmp (ephemeral.py), which the next
runtime finds as the last one left it. Only destroy() (idle reaping, eviction, closing the pool)
ends an environment and removes its /tmp.

    busy --timeout / crash / OOM / init error--> reset --invoke--> INIT --> busy ...

An environment's first runtime may be an interpreter started ahead of it (prestart.py, when the
pool has an InterpreterPool and one fits): INIT then starts when it is taken, and the sandbox,
cgroup and /tmp it was started in become the environment's own.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import selectors
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from . import logs as platform_logs
from .account import function_arn
from .billing import billed_duration_ms, invocation_cost, round_ms
from .cgroups import EnvironmentCgroup
from .config import FunctionConfig
from .ephemeral import EphemeralStorage, NoRoomError, storage_create
from .isolation import (
    NOFILE_LIMIT,
    SANDBOX_OPT,
    SANDBOX_TASK_ROOT,
    SANDBOX_UID,
    HostCapabilities,
    IsolationReport,
    bubblewrap_command,
    cpu_share,
    host_capabilities,
    launcher_command,
    sandbox_python,
)
from .logs import LogCollector, ReportMetrics
from .prestart import InterpreterPool, PrestartedInterpreter, specialised_environment
from .results import (
    FROM_RESPONSE,
    InvocationResult,
    error_object,
    exit_reason,
    runtime_exit_error,
    timeout_error,
)
from .runtime_api import (
    SANDBOX_API_HOST,
    SANDBOX_API_PORT,
    ApiMessage,
    Invocation,
    RuntimeApi,
    listener_in_namespace,
    listener_on_host,
    request_id_new,
    trace_id_new,
)
from .runtimes import (
    SANDBOX_RUNTIME_DIR,
    TELEMETRY_FD_ENV,
    runtime_command,
    runtime_directory,
    runtime_for,
)
from .spawning import SandboxSettings, spawner
from .staging import StagedFunction
from .telemetry import TelemetryFrames
from .waiting import wait_readable

MIB = 1024 * 1024
READ_CHUNK = 1 << 16
# How long a runtime that was refused its response (413) gets to log why and exit.
AFTER_REFUSAL_GRACE_S = 1.0
# How long a runtime that answered gets to ask for its next invocation before the next invocation
# is handed over anyway (it takes it when it asks).
AWAIT_NEXT_S = 0.25
# How long the freezer thread waits for that before it freezes the runtime where it is: short, as
# one thread freezes every environment (the next invocation thaws it and waits the rest).
FREEZER_AWAIT_NEXT_S = 0.02
# How long an environment is idle before the freezer thread takes it: invocations that follow one
# another closer than this never wake that thread (see _Freezer).
FREEZE_AFTER_IDLE_S = 0.002
# How many times a cold start or a thaw asks the pool to make room on the disk for its /tmp.
ROOM_TRIES = 8
# How long a new INIT waits for the old runtime of a reset environment to be killed.
RUNTIME_GONE_WAIT_S = 30.0


class _Alarm:
    """A time at which one sleeping thread wakes, set from any thread under the owner's lock.

    With a timerfd (Linux, Python 3.13+), setting the time is one system call and wakes nobody:
    the sleeper sleeps in the kernel until the time armed last. Without one, a condition: the
    sleeper wakes at the time it saw when it went to sleep, or when the time is set earlier.
    """

    def __init__(self, lock: threading.Lock) -> None:
        self.at = math.inf  # math.inf: not armed
        self._lock = lock
        self._condition = threading.Condition(lock)
        self._sleeping_until: float | None = None
        self._fd: int | None = None
        with contextlib.suppress(AttributeError, OSError):
            self._fd = os.timerfd_create(time.CLOCK_MONOTONIC, flags=os.TFD_CLOEXEC)

    def set(self, at: float) -> None:
        """Wake the sleeper at `at` (time.monotonic()), or never (math.inf). Hold the lock."""
        if at == self.at:
            return
        self.at = at
        if self._fd is not None:
            # An absolute time already past fires at once; 0 disarms.
            initial = 0.0 if at == math.inf else max(at, 1e-9)
            os.timerfd_settime(self._fd, flags=os.TFD_TIMER_ABSTIME, initial=initial)
        elif self._sleeping_until is not None and at < self._sleeping_until:
            self._condition.notify()

    def sleep(self) -> None:
        """Sleep until the time set (at once if it has passed). Hold the lock: it is released
        meanwhile and held again on return."""
        if self._fd is not None:
            self._lock.release()
            try:
                os.read(self._fd, 8)  # blocks until the time armed last, however often it moved
            finally:
                self._lock.acquire()
            return
        self._sleeping_until = self.at
        try:
            timeout = None if self.at == math.inf else max(0.0, self.at - time.monotonic())
            self._condition.wait(timeout)
        finally:
            self._sleeping_until = None


class _Freezer:
    """Freezes idle environments from one background thread, once their result has gone back.

    The caller gets its answer as soon as the runtime posts it, as on Lambda; the runtime then
    asks for its next invocation (/next), and that is when Lambda freezes it. This thread takes an
    environment once it has been idle for FREEZE_AFTER_IDLE_S, waits for that /next if it has not
    come yet (serving the Runtime API; a runtime that exits or loses a process to the OOM killer
    meanwhile is reset), then freezes it: freezing is off the caller's path, and the runtime's own
    way back to /next overlaps with the caller's work. An environment invoked again before its
    turn comes is not frozen at all (the invocation holds it, and its runtime sat in /next or is
    on its way there).

    Why the wait: waking a thread costs the caller a futex call, and the woken thread then takes
    the interpreter's lock from it at its next system call (tens of microseconds, more than the
    rest of a warm invocation's bookkeeping). So an idle environment is only noted down, and each
    note moves the thread's alarm (a timerfd: _Alarm) to the first time one is due: invocations
    that follow one another closer than FREEZE_AFTER_IDLE_S never wake it. A function's
    background threads run at most that much longer after /next than on Lambda, within the
    function's CPU share as always.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._due: dict[ExecutionEnvironment, tuple[float, int]] = {}
        self._lock = threading.Lock()
        self._alarm = _Alarm(self._lock)
        self._thread: threading.Thread | None = None

    def submit(self, environment: ExecutionEnvironment, generation: int) -> None:
        due = self._clock() + FREEZE_AFTER_IDLE_S
        with self._lock:
            self._due[environment] = (due, generation)
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._serve, name="sandbox-freezer", daemon=True
                )
                self._thread.start()
            alarm = self._alarm
            if due < alarm.at:
                alarm.set(due)
            elif alarm.at < due - FREEZE_AFTER_IDLE_S / 2:
                # The alarm is near, and may be for an earlier due of this environment that is
                # gone now: moved to the first due. An alarm left early costs a wake-up that
                # finds nothing due (and the interpreter's lock, taken from the caller); moving
                # it costs a system call, so invocations in a row move it every other time or
                # so, and never let it ring.
                first = min(when for when, _ in self._due.values())
                if alarm.at < first - FREEZE_AFTER_IDLE_S / 2:
                    alarm.set(first)

    def _serve(self) -> None:
        while True:
            for environment, generation in self._take_due():
                with contextlib.suppress(Exception):  # a failed freeze leaves it thawed, reported
                    environment._freeze_if_idle(generation)

    def _take_due(self) -> list[tuple[ExecutionEnvironment, int]]:
        """Sleep until some environment is due; those that are, taken off the list."""
        with self._lock:
            while True:
                now = self._clock()
                due = [
                    (environment, generation)
                    for environment, (when, generation) in self._due.items()
                    if when <= now
                ]
                for environment, _generation in due:
                    del self._due[environment]
                self._alarm.set(min((when for when, _ in self._due.values()), default=math.inf))
                if due:
                    return due
                self._alarm.sleep()


_freezer = _Freezer()


class _Teardowns:
    """Destroys dead environments from background threads, after their answer has gone back.

    Killing what a fork bomb started and removing its cgroup can take seconds; Lambda answers
    at the deadline and resets the sandbox afterwards, and so does this supervisor: the caller
    never waits on a teardown. ``wait`` lets an owner that must leave nothing behind (the pool
    closing, the command line's exit) wait for the ones still running.
    """

    def __init__(self) -> None:
        self._threads: set[threading.Thread] = set()
        self._lock = threading.Lock()

    def submit(self, environment: ExecutionEnvironment) -> None:
        thread = threading.Thread(
            target=self._run, args=(environment,), name="sandbox-teardown", daemon=True
        )
        with self._lock:  # started inside: wait() never joins a thread not yet started
            self._threads.add(thread)
            thread.start()

    def _run(self, environment: ExecutionEnvironment) -> None:
        try:
            environment._teardown()
        finally:
            with self._lock:
                self._threads.discard(threading.current_thread())

    def wait(self, timeout_s: float = 30.0) -> bool:
        """Wait for the teardowns under way; True when none is left."""
        give_up = time.monotonic() + timeout_s
        while True:
            with self._lock:
                pending = [t for t in self._threads if t is not threading.current_thread()]
            if not pending:
                return True
            for thread in pending:
                thread.join(max(0.0, give_up - time.monotonic()))
            if time.monotonic() >= give_up:
                with self._lock:
                    return not self._threads


_teardowns = _Teardowns()


def teardowns_wait(timeout_s: float = 30.0) -> bool:
    """Wait until every environment that was given up has been destroyed (True when done)."""
    return _teardowns.wait(timeout_s)


@dataclass
class _Outcome:
    kind: str  # message | exited | timeout | protocol
    message: ApiMessage | None = None
    detail: str = ""
    returncode: int | None = None


@dataclass
class _Verdict:
    status: str
    payload: Any
    keep_alive: bool = False
    exited: bool = False
    handler_ms: float | None = None
    log_line: Callable[[float], str] | None = None
    grace_s: float = 0.0  # how long the runtime may go on (logging, exiting) before it is killed
    response: bytes | None = None


ON_DEMAND = "on-demand"
PROVISIONED = "provisioned-concurrency"


def lambda_environment(
    config: FunctionConfig, log_stream_name: str, initialization_type: str = ON_DEMAND
) -> dict[str, str]:
    """The environment variables a function sees on Lambda, plus the function's own."""
    runtime = runtime_for(config.runtime)
    region = config.region
    env = {
        "PATH": "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": "/var/task",
        "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "_HANDLER": config.handler,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_LAMBDA_FUNCTION_NAME": config.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(config.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": config.version,
        "AWS_LAMBDA_INITIALIZATION_TYPE": initialization_type,
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{config.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name,
    }
    if runtime.execution_env:
        env["AWS_EXECUTION_ENV"] = runtime.execution_env
    if runtime.family == "nodejs":
        major = runtime.name.removeprefix("nodejs").removesuffix(".x")
        env["NODE_PATH"] = (
            f"/opt/nodejs/node{major}/node_modules:/opt/nodejs/node_modules:"
            "/var/runtime/node_modules:/var/runtime:/var/task"
        )
    env.update(config.environment)
    env["AWS_LAMBDA_LOG_FORMAT"] = config.log_format
    if config.log_format == "JSON":
        env.setdefault("AWS_LAMBDA_LOG_LEVEL", "INFO")  # the application log level's default
    return env


class ExecutionEnvironment:
    """One sandboxed runtime. Not thread-safe: the pool gives it one invocation at a time."""

    def __init__(
        self,
        config: FunctionConfig,
        staged: StagedFunction,
        *,
        settings: SandboxSettings | None = None,
        host: HostCapabilities | None = None,
        initialization_type: str = ON_DEMAND,
        interpreters: InterpreterPool | None = None,
        make_room: Callable[[int], bool] | None = None,
    ) -> None:
        self.config = config
        # Asked for room on the host's disk (so many bytes) when a /tmp does not fit: the pool
        # parks idle environments; True when the room is there now.
        self.make_room = make_room
        self.initialization_type = initialization_type
        self.staged = staged
        self.settings = settings or SandboxSettings()
        self.host = host or host_capabilities()
        self.id = uuid.uuid4().hex[:12]
        self.state = "new"  # new | idle | busy | reset (runtime gone, /tmp kept) | dead
        self.frozen = False
        self.parked = False  # frozen, with the unused blocks of its /tmp given back (park())
        self.created_at = time.time()
        self.last_used_at = self.created_at
        self.invocations = 0
        self.init_duration_ms: float | None = None
        today = datetime.now(UTC).strftime("%Y/%m/%d")
        self.log_stream_name = f"{today}/[{config.version}]{uuid.uuid4().hex}"
        self.uses_bubblewrap = self.settings.use_bubblewrap and self.host.bwrap is not None
        tree = self.host.cgroups if self.settings.use_cgroups else None
        self._tree = tree
        self._cgroup: EnvironmentCgroup | None = None
        self._process: subprocess.Popen | None = None
        self._pidfd: int | None = None
        self._fds: dict[str, int] = {}
        self._log_fds: tuple[int, ...] = ()  # the runtime's log pipes (see _watch_runtime)
        self._selector: selectors.BaseSelector | None = None
        self._api: RuntimeApi | None = None
        self._frames = TelemetryFrames()
        self.runtime = runtime_for(config.runtime)
        self._private_tmp: str | None = None
        self._storage: EphemeralStorage | None = None  # /tmp: lives as long as the environment
        self._runtimes_started = 0
        self._oom_kills_seen = 0
        self._teardown_lock = threading.Lock()
        # Cleared while a reset environment's old runtime is killed in the background: the next
        # INIT waits for it, so two runtimes never share the environment.
        self._runtime_gone = threading.Event()
        self._runtime_gone.set()
        self._idle_generation = 0  # bumped by every invocation: a pending freeze then lapses
        # Held by whoever talks to the runtime (an invocation, or the freezer thread waiting for
        # the runtime's /next after an answer); a destroy() meanwhile only kills (see destroy).
        self._driver = threading.Lock()
        self._settling = False  # the freezer thread is waiting for /next
        self._between_logs: LogCollector | None = None  # output between two invocations
        self.isolation = self._isolation_report()
        self._isolation_dict = self.isolation.to_dict()  # every result carries a copy
        # Interpreters started ahead (prestart.py): the first runtime may be one of them.
        self.interpreters = interpreters
        self._prestarted: PrestartedInterpreter | None = None
        self.prestarted_interpreter: str | None = None  # the id of the one taken, if any
        self._arns: dict[str | None, str] = {}  # the function's ARN per qualifier invoked

    # -- public -------------------------------------------------------------------------------

    @property
    def alive(self) -> bool:
        return self.state in ("idle", "busy", "reset")

    def describe(self) -> dict[str, Any]:
        return {
            "environment_id": self.id,
            "function_name": self.config.name,
            "account": self.config.account,
            "state": self.state,
            "frozen": self.frozen,
            "parked": self.parked,
            "memory_size_mb": self.config.memory_mb,
            "invocations": self.invocations,
            "created_at": self.created_at,
            "last_used_at": self.last_used_at,
            "init_duration_ms": self.init_duration_ms,
            "initialization_type": self.initialization_type,
            "prestarted_interpreter": self.prestarted_interpreter,
            "cpu": self.cpu_usage(),
        }

    def invoke(
        self,
        event: bytes,
        *,
        request_id: str | None = None,
        client_context: dict[str, Any] | None = None,
        identity: dict[str, Any] | None = None,
        invoked_qualifier: str | None = None,
    ) -> InvocationResult:
        """Run one invocation; a cold start first if this environment has not started yet.

        ``request_id`` is the invocation's id when the caller chose it (an asynchronous event
        keeps its id through every retry); ``invoked_qualifier`` is the version or alias the
        caller named, so the handler's ``invoked_function_arn`` is the ARN as invoked.
        """
        with self._driver:  # waits while the freezer thread finishes with the last answer
            return self._invoke(
                event,
                request_id=request_id,
                client_context=client_context,
                identity=identity,
                invoked_qualifier=invoked_qualifier,
            )

    def _invoke(
        self,
        event: bytes,
        *,
        request_id: str | None,
        client_context: dict[str, Any] | None,
        identity: dict[str, Any] | None,
        invoked_qualifier: str | None,
    ) -> InvocationResult:
        if self.state == "dead":
            raise RuntimeError("this execution environment has been destroyed")
        request_id = request_id or request_id_new()
        log_format = self.config.log_format
        logs = LogCollector(self.settings.log_cap_bytes)
        between, self._between_logs = self._between_logs, None
        if between is not None:  # what the runtime wrote after its last answer
            logs.add_output(between.text().encode())
        # What the runtime gets on /next, but its deadline: made now, so that the runtime's /next
        # is answered at once when it comes (waiting for it is on the caller's path).
        arn = self._arns.get(invoked_qualifier)
        if arn is None:
            arn = self._arns[invoked_qualifier] = function_arn(
                self.config.name, qualifier=invoked_qualifier, region=self.config.region
            )
        invocation = Invocation(
            request_id=request_id,
            event=event,
            deadline_ms=0,
            function_arn=arn,
            trace_id=trace_id_new(),
            client_context=client_context,
            identity=identity,
        )
        invocation.prepare()
        cold = self.state in ("new", "reset")
        if cold:
            self._runtime_gone.wait(RUNTIME_GONE_WAIT_S)
        init_ms: float | None = None
        self.state = "busy"
        if not cold:
            if not self._thaw():  # parked, and its /tmp could not be reserved again
                cold = True
            elif not self._settle(logs):  # the runtime went away after its last answer
                self._reset_runtime_now(logs)
                cold = True
        if cold:
            logs.add_platform(
                platform_logs.init_start_line(
                    region=self.config.region,
                    log_format=log_format,
                    function_name=self.config.name,
                    now=time.time(),
                    initialization_type=self.initialization_type,
                    runtime_version=self.runtime.version,
                    runtime_name=self.runtime.name,
                    function_version=self.config.version,
                )
            )
            failure = self._start(logs, request_id)
            init_ms = self.init_duration_ms
            if failure is not None:  # as on Lambda, the invocation still starts (and fails)
                logs.add_platform(
                    platform_logs.start_line(
                        request_id,
                        log_format=log_format,
                        now=time.time(),
                        version=self.config.version,
                    )
                )
                return self._finish(
                    logs, request_id, failure, duration_ms=0.0, init_ms=init_ms, cold=True
                )
        now = time.time()
        invocation.deadline_ms = int((now + self.config.timeout_s) * 1000)
        started = time.monotonic()
        assert self._api is not None
        self._api.deliver(invocation)  # at once when the runtime waits on /next, as it should
        # START goes before anything the runtime writes for this invocation: nothing is read
        # until _exchange.
        logs.add_platform(
            platform_logs.start_line(
                request_id, log_format=log_format, now=now, version=self.config.version
            )
        )
        outcome = self._exchange(started + self.config.timeout_s, logs)
        duration_ms = (time.monotonic() - started) * 1000
        return self._finish(
            logs, request_id, outcome, duration_ms=duration_ms, init_ms=init_ms, cold=cold
        )

    def initialise(self) -> str | None:
        """Run INIT ahead of any invocation (provisioned concurrency), or again after a reset.

        None once the runtime is ready (the environment is then idle and frozen, and its first
        invocation is warm: no INIT_START, no Init Duration); otherwise why INIT failed, and
        the environment is dead.
        """
        if self.state not in ("new", "reset"):
            raise RuntimeError("this execution environment has already started")
        self._runtime_gone.wait(RUNTIME_GONE_WAIT_S)
        self.state = "busy"
        logs = LogCollector(self.settings.log_cap_bytes)
        logs.add_platform(
            platform_logs.init_start_line(
                region=self.config.region,
                log_format=self.config.log_format,
                function_name=self.config.name,
                now=time.time(),
                initialization_type=self.initialization_type,
                runtime_version=self.runtime.version,
                runtime_name=self.runtime.name,
                function_version=self.config.version,
            )
        )
        failure = self._start(logs, "")
        self.last_used_at = time.time()
        with self._teardown_lock:
            if failure is None and self.state == "busy":
                self.state = "idle"
                self._freeze()
                return None
            self.state = "dead"
            self._kill_everything()
            self._release()
        return self._init_failure(failure)

    def _init_failure(self, outcome: _Outcome | None) -> str:
        if outcome is None:
            return "the environment was destroyed during INIT"
        message = outcome.message
        if message is not None and message.type == "init_error":
            try:
                error = json.loads(message.body)
                return f"{error['errorType']}: {error['errorMessage']}"
            except (ValueError, TypeError, KeyError):
                pass
        if outcome.kind == "timeout":
            return f"INIT did not finish within {self.settings.init_timeout_s:g} seconds"
        if outcome.kind == "exited":
            return exit_reason(outcome.returncode)
        return f"Runtime sent an invalid response ({outcome.detail or 'unexpected message'})"

    def cpu_usage(self) -> dict[str, int | None] | None:
        """The cgroup's CPU quota and period, CPU used and time throttled (None without one)."""
        group = self._cgroup
        return group.cpu_usage() if group is not None else None

    def destroy(self) -> None:
        """Kill every process of this environment and release everything it holds (when an
        invocation or the freezer thread is talking to it, that one releases it afterwards)."""
        with self._teardown_lock:
            was_busy = self.state == "busy" or self._settling
            self.state = "dead"
            self._kill_everything()
            if not was_busy:
                self._release()

    def _teardown(self) -> None:
        """The teardown thread's work: kill every process; a reset environment then releases its
        runtime only (its /tmp stays for the next runtime), a dead one everything."""
        with self._teardown_lock:
            self._kill_everything()
            if self.state == "reset":
                self._release_runtime()
            else:
                self._release()
        self._runtime_gone.set()

    # -- INIT ---------------------------------------------------------------------------------

    def _start(self, logs: LogCollector, request_id: str) -> _Outcome | None:
        """Spawn the runtime and wait for INIT; None when ready, else what went wrong.

        INIT ends when the runtime first asks the Runtime API for an invocation (/next), as on
        Lambda; a POST to /init/error or an exit before that is an INIT failure.
        """
        self._runtimes_started += 1
        self._oom_kills_seen = 0
        self._frames = TelemetryFrames()
        if self._runtimes_started == 1 and self.interpreters is not None:
            interpreter = self.interpreters.take(self)
            if interpreter is not None:
                return self._start_prestarted(interpreter, logs)
        if self.uses_bubblewrap and self.host.tmp_on_disk and self._storage is None:
            self._storage = self._storage_create()
        if self._tree is not None:
            # Groups a dead supervisor left are the host's housekeeping, done once before the
            # first INIT's clock starts: they are not this function's INIT and never count
            # against its 10 s.
            self._tree.sweep_stale()
        started = time.monotonic()
        procs_files: list[str] = []
        if self._tree is not None:
            # A new group for every runtime the environment starts (a reset starts another).
            self._cgroup = self._tree.create(f"{os.getpid()}-{self.id}-{self._runtimes_started}")
            self._cgroup.limit_memory(self.config.memory_mb * MIB)
            self._cgroup.limit_pids(self.settings.pids_limit)
            # INIT runs unthrottled, like Lambda's init phase; the share applies from the first
            # invocation on.
            self._cgroup.limit_cpu(float(self.host.cpu_count))
            procs_files = self._cgroup.procs_files()
            if self._freezing:
                self._tree.keep_freezer_active()  # a freeze and a thaw then cost microseconds
        log_r, log_w = os.pipe()
        self._fds = {"log_r": log_r}
        env = lambda_environment(self.config, self.log_stream_name, self.initialization_type)
        close_after_spawn = [log_w]
        inherited: tuple[int, ...] = ()
        if self.runtime.uses_telemetry_pipe:
            telemetry_r, telemetry_w = os.pipe()
            self._fds["telemetry_r"] = telemetry_r
            close_after_spawn.append(telemetry_w)
            inherited = (telemetry_w,)
            env[TELEMETRY_FD_ENV] = str(telemetry_w)
        runtime_dir = runtime_directory(
            self.runtime, uid=self.host.host_uid, gid=self.host.host_gid
        )
        listener = None
        if self.uses_bubblewrap:
            info_r, info_w = os.pipe()
            block_r, block_w = os.pipe()
            self._fds.update(info_r=info_r, block_w=block_w)
            close_after_spawn += [info_w, block_r]
            env["AWS_LAMBDA_RUNTIME_API"] = f"{SANDBOX_API_HOST}:{SANDBOX_API_PORT}"
            command = bubblewrap_command(
                self.host,
                task_dir=self.staged.task_dir,
                opt_dir=self.staged.opt_dir,
                tmp_dir=self._storage.path if self._storage is not None else None,
                tmp_mb=self.config.ephemeral_storage_mb,
                environment=env,
                info_fd=info_w,
                block_fd=block_r,
                runtime_dir=runtime_dir,
                argv=runtime_command(
                    self.runtime,
                    python=sandbox_python(self.host),
                    runtime_dir=SANDBOX_RUNTIME_DIR,
                    task_dir=SANDBOX_TASK_ROOT,
                    opt_dir=SANDBOX_OPT,
                    memory_mb=self.config.memory_mb,
                ),
            )
            popen_env: dict[str, str] = {}
            cwd = "/"
            pass_fds: tuple[int, ...] = (info_w, block_r, *inherited)
        else:
            listener = listener_on_host()
            env["AWS_LAMBDA_RUNTIME_API"] = f"{SANDBOX_API_HOST}:{listener.getsockname()[1]}"
            if self._private_tmp is None:  # kept across runtime restarts, as /tmp is
                self._private_tmp = tempfile.mkdtemp(prefix="studyapp-sandbox-tmp-")
            env["TMPDIR"] = self._private_tmp
            command = runtime_command(
                self.runtime,
                python=self.host.python,
                runtime_dir=runtime_dir or self._private_tmp,
                task_dir=self.staged.task_dir,
                opt_dir=self.staged.opt_dir or "/opt",
                memory_mb=self.config.memory_mb,
            )
            popen_env, cwd, pass_fds = env, self.staged.task_dir, inherited
        try:
            self._process = spawner.spawn(
                args=launcher_command(procs_files, command),
                stdin=subprocess.DEVNULL,
                stdout=log_w,
                stderr=log_w,
                pass_fds=pass_fds,
                env=popen_env,
                cwd=cwd,
                start_new_session=True,
            )
        except BaseException:
            if listener is not None:
                listener.close()
            raise
        finally:
            for fd in close_after_spawn:
                os.close(fd)
        self._watch_runtime()
        init_deadline = started + self.settings.init_timeout_s
        if listener is None:
            opened = self._open_api_in_namespace(init_deadline, logs)
            if isinstance(opened, _Outcome):
                return opened
            listener = opened
        self._api = RuntimeApi(listener, self._selector)
        if self.uses_bubblewrap:  # the socket is there: let bubblewrap start the runtime
            os.write(self._fds.pop("block_w"), b"1")
        return self._await_init(started, logs)

    def _start_prestarted(
        self, interpreter: PrestartedInterpreter, logs: LogCollector
    ) -> _Outcome | None:
        """INIT in an interpreter started ahead: from the moment it is taken (the function's
        code copied in, its limits, its environment, then the handler's import) to /next."""
        started = time.monotonic()
        self._prestarted = interpreter
        self.prestarted_interpreter = interpreter.id
        self._process, self._storage = interpreter.process, interpreter.storage
        self._fds = dict(interpreter.fds)
        self._watch_runtime()
        self._api = RuntimeApi(interpreter.listener, self._selector)
        env = lambda_environment(self.config, self.log_stream_name, self.initialization_type)
        self._cgroup = interpreter.cgroup
        interpreter.specialise(
            cgroup_name=f"{os.getpid()}-{self.id}-{self._runtimes_started}",
            environment=specialised_environment(interpreter, env),
            staged=self.staged,
            memory_mb=self.config.memory_mb,
            pids_limit=self.settings.pids_limit,
        )
        self._cgroup = interpreter.cgroup  # renamed
        return self._await_init(started, logs)

    def _watch_runtime(self) -> None:
        """One selector for the runtime's log pipes and its exit."""
        assert self._process is not None
        self._selector = selectors.DefaultSelector()
        self._log_fds = tuple(
            self._fds[name] for name in ("log_r", "telemetry_r") if name in self._fds
        )
        for fd in self._log_fds:
            os.set_blocking(fd, False)
            self._selector.register(fd, selectors.EVENT_READ)
        with contextlib.suppress(OSError, AttributeError):
            self._pidfd = os.pidfd_open(self._process.pid)
            self._selector.register(self._pidfd, selectors.EVENT_READ)

    def _await_init(self, started: float, logs: LogCollector) -> _Outcome | None:
        """Serve the Runtime API until the runtime's first /next (ready) or INIT fails."""
        outcome = self._exchange(started + self.settings.init_timeout_s, logs)
        self.init_duration_ms = round_ms((time.monotonic() - started) * 1000)
        message = outcome.message
        if message is not None and message.type == "ready":
            if self._cgroup is not None:
                self._cgroup.limit_cpu(cpu_share(self.config.memory_mb, self.host.cpu_count))
            return None
        if message is not None:
            if message.type == "init_error":
                return outcome
            return _Outcome("protocol", detail="unexpected message during INIT")
        return outcome

    def _open_api_in_namespace(self, deadline: float, logs: LogCollector):
        """bubblewrap's info (the sandbox's pid), then the API's socket in its namespace."""
        info_fd = self._fds.pop("info_r")
        data = b""
        try:
            while b"}" not in data:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return _Outcome("timeout")
                ready = wait_readable([info_fd], remaining)
                if not ready:
                    return _Outcome("timeout")
                chunk = os.read(info_fd, 4096)
                if not chunk:
                    return self._runtime_exited(logs)
                data += chunk
                if len(data) > 65536:
                    return _Outcome("protocol", detail="bubblewrap's info is too long")
        finally:
            os.close(info_fd)
        try:
            child_pid = int(json.loads(data)["child-pid"])
            return listener_in_namespace(child_pid)
        except (ValueError, KeyError, TypeError, OSError) as error:
            return _Outcome("protocol", detail=f"cannot open the Runtime API: {error}")

    # -- talking to the runtime ---------------------------------------------------------------

    def _exchange(self, deadline: float, logs: LogCollector) -> _Outcome:
        """Serve the Runtime API until the runtime says something that ends this phase (ready,
        init error, a result), exits, or the deadline passes."""
        assert self._selector is not None and self._api is not None
        selector, api = self._selector, self._api
        log_fds = self._log_fds
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return _Outcome("timeout")
            ready = selector.select(remaining)
            if len(ready) > 1:
                # The API first: a runtime that posts its result and exits has still answered.
                ready.sort(key=_api_first)
            exited = False
            for index, (key, events) in enumerate(ready):
                if key.data is api:
                    message = api.handle(key, events)
                    if message is not None:
                        # What it wrote before it answered was ready with the answer (a pipe's
                        # readiness is noted when it is written to, before the answer is sent),
                        # or before it: taken now, so that it goes with this invocation.
                        for later, _events in ready[index + 1 :]:
                            if later.fd in log_fds:
                                while self._read_logs(logs, later.fd) == READ_CHUNK:
                                    pass  # a pipe the function enlarged may hold more
                        return _Outcome("message", message=message)
                elif key.fd in log_fds:
                    self._read_logs(logs, key.fd)
                elif key.fd == self._pidfd:
                    exited = True
            if exited:
                return self._runtime_exited(logs)

    def _settle(self, logs: LogCollector, within_s: float = AWAIT_NEXT_S) -> bool:
        """After an answer, wait for the runtime's next /next (see _await_next); False when the
        runtime exited meanwhile or a process of the environment was OOM-killed: it is reset."""
        return self._await_next(logs, within_s) and not self._oom_happened()

    def _reset_runtime_now(self, logs: LogCollector) -> None:
        """The runtime went away between two invocations: kill what is left of it and release
        it (its /tmp stays), so that the invocation under way starts a new one (INIT)."""
        with self._teardown_lock:
            self._kill_everything()
            self._drain_logs(logs, until_eof=True)
            if self.state != "busy":
                raise RuntimeError("this execution environment has been destroyed")
            self._release_runtime()

    def _await_next(self, logs: LogCollector, within_s: float = AWAIT_NEXT_S) -> bool:
        """After a result, serve the API until the runtime asks for its next invocation, which
        is when Lambda freezes an environment: frozen there, the runtime sleeps in a read (cheap
        to freeze) and the next event is handed over at once. False when the runtime exited."""
        api, selector = self._api, self._selector
        if api is None or selector is None:
            return True
        log_fds = self._log_fds
        give_up = time.monotonic() + within_s
        while not api.waiting:
            remaining = give_up - time.monotonic()
            if remaining <= 0:
                return True  # still busy (a runtime that works after answering): freeze it so
            for key, events in sorted(selector.select(remaining), key=_api_first):
                if key.data is api:
                    api.handle(key, events)  # anything but /next now is misuse, answered as such
                elif key.fd in log_fds:
                    self._read_logs(logs, key.fd)
                elif key.fd == self._pidfd:
                    return False
        return True

    def _runtime_exited(self, logs: LogCollector) -> _Outcome:
        returncode = self._wait_for_exit()
        self._kill_everything()
        self._drain_logs(logs, until_eof=True)
        return _Outcome("exited", returncode=returncode)

    def _log_data(self, fd: int, data: bytes) -> bytes:
        """Log text from what a log pipe gave (telemetry frames are unpacked)."""
        if fd == self._fds.get("telemetry_r"):
            return self._frames.feed(data) if data else self._frames.rest()
        return data

    def _read_logs(self, logs: LogCollector, fd: int) -> int:
        """Read what is there: how many bytes (0 at end of file or when nothing was ready)."""
        data = _read_some(fd)
        if data is None:
            return 0
        if not data:
            with contextlib.suppress(KeyError, ValueError):
                self._selector.unregister(fd)  # type: ignore[union-attr]
            logs.add_output(self._log_data(fd, b""))
            return 0
        logs.add_output(self._log_data(fd, data))
        return len(data)

    def _drain_logs(self, logs: LogCollector, *, until_eof: bool = False) -> None:
        """Read what the function has written so far (all of it, up to EOF, once it is dead)."""
        fds = list(self._log_fds)
        give_up = time.monotonic() + (2.0 if until_eof else 0.5)
        while fds and time.monotonic() < give_up:
            for fd in list(fds):
                data = _read_some(fd)
                if data:
                    logs.add_output(self._log_data(fd, data))
                    continue
                if data == b"":
                    logs.add_output(self._log_data(fd, b""))
                if data == b"" or not until_eof:
                    fds.remove(fd)
            if fds and until_eof:
                ready = wait_readable(fds, give_up - time.monotonic())
                if not ready:
                    return

    # -- finishing an invocation --------------------------------------------------------------

    def _finish(
        self,
        logs: LogCollector,
        request_id: str,
        outcome: _Outcome,
        *,
        duration_ms: float,
        init_ms: float | None,
        cold: bool,
    ) -> InvocationResult:
        log_format = self.config.log_format
        verdict = self._judge(outcome, request_id)
        # The answer goes back now, as on Lambda; waiting for the runtime's next /next (and
        # noticing if it exits instead) is the freezer thread's, or the next invocation's.
        if verdict.keep_alive and self._oom_happened():
            verdict.keep_alive = False  # a process of the environment was OOM-killed: reset it
        if not verdict.keep_alive:
            if verdict.grace_s and self._process is not None and self._process.poll() is None:
                self._exchange(time.monotonic() + verdict.grace_s, logs)
            if outcome.kind == "timeout":
                # Answer at the deadline with what was logged so far; killing what the function
                # left running (a fork bomb's thousands of processes) happens afterwards.
                self._drain_logs(logs)
            else:
                self._kill_everything()
                self._drain_logs(logs, until_eof=True)
        oom = verdict.status == "error" and verdict.exited and self._oom_happened(since_start=True)
        status = "oom" if oom else verdict.status
        if status == "timeout":
            duration_ms = self.config.timeout_s * 1000.0
        if verdict.log_line:
            logs.add_platform(verdict.log_line(time.time()))
        error_type = verdict.payload.get("errorType") if status != "success" else None
        duration_ms = round_ms(duration_ms)
        memory_used = self._max_memory_used_mb(oom)
        init_reported = init_ms if cold else None
        billed = billed_duration_ms(duration_ms, init_reported)
        logs.add_platform(platform_logs.end_line(request_id, log_format=log_format))
        metrics = ReportMetrics(
            request_id=request_id,
            duration_ms=duration_ms,
            billed_duration_ms=billed,
            memory_size_mb=self.config.memory_mb,
            max_memory_used_mb=memory_used,
            init_duration_ms=init_reported,
            status=status,
            error_type=error_type,
        )
        report = platform_logs.report_line(metrics, log_format=log_format, now=time.time())
        logs.add_platform(report)
        self.invocations += 1
        self.last_used_at = time.time()
        teardown = False
        with self._teardown_lock:
            if verdict.keep_alive and self.state == "busy":
                self.state = "idle"
                self._idle_generation += 1
                if self._freezing:
                    _freezer.submit(self, self._idle_generation)
            else:
                teardown = True
                if self.state == "busy":  # not destroyed meanwhile: only the runtime goes
                    self.state = "reset"
                    self._runtime_gone.clear()
                else:
                    self.state = "dead"
        if teardown:
            _teardowns.submit(self)
        return InvocationResult(
            request_id=request_id,
            status=status,
            payload=verdict.payload,
            function_error=None if status == "success" else "Unhandled",
            error_type=error_type,
            logs=logs.text(),
            cold_start=cold,
            duration_ms=duration_ms,
            billed_duration_ms=billed,
            init_duration_ms=init_reported,
            memory_size_mb=self.config.memory_mb,
            max_memory_used_mb=memory_used,
            isolation={**self._isolation_dict, "missing": list(self.isolation.missing)},
            cost=invocation_cost(self.config.memory_mb, billed),
            environment_id=self.id,
            handler_ms=verdict.handler_ms,
            response=verdict.response,
        )

    def _judge(self, outcome: _Outcome, request_id: str) -> _Verdict:
        """Turn what happened into a status, Lambda's payload and the extra platform log line."""
        log_format = self.config.log_format
        message = outcome.message
        if message is not None and message.type == "result":
            if message.ok:
                return _Verdict(
                    "success",
                    FROM_RESPONSE,
                    keep_alive=True,
                    handler_ms=message.handler_ms,
                    response=message.body,
                )
            try:
                payload = json.loads(message.body)
            except ValueError:
                payload = None
            if not isinstance(payload, dict) or "errorType" not in payload:
                return self._judge(_Outcome("protocol", detail="bad error object"), request_id)
            # A runtime refused its response (413) exits, as AWS's runtime clients do.
            refused = message.after_response is not None
            return _Verdict(
                "error",
                payload,
                keep_alive=not refused,
                handler_ms=message.handler_ms,
                grace_s=AFTER_REFUSAL_GRACE_S if refused else 0.0,
            )
        if message is not None and message.type == "init_error":
            try:
                payload = json.loads(message.body)
                payload["requestId"] = request_id
                return _Verdict("error", payload)
            except (ValueError, TypeError):
                return self._judge(_Outcome("protocol", detail="bad init error"), request_id)
        if outcome.kind == "timeout":
            timeout_s = self.config.timeout_s
            return _Verdict(
                "timeout",
                timeout_error(request_id, timeout_s),
                log_line=lambda now: platform_logs.timeout_line(
                    request_id, timeout_s, log_format=log_format, now=now
                ),
            )
        if outcome.kind == "exited":
            reason = exit_reason(outcome.returncode)
            exited = True
        else:
            detail = outcome.detail or "unexpected message"
            reason = f"Runtime sent an invalid response ({detail})"
            exited = False
        return _Verdict(
            "error",
            runtime_exit_error(request_id, reason),
            exited=exited,
            log_line=lambda now: platform_logs.runtime_exit_line(
                request_id, reason, log_format=log_format, now=now
            ),
        )

    def _max_memory_used_mb(self, oom: bool) -> int:
        if oom:
            return self.config.memory_mb
        peak: int | None = None
        if self._cgroup is not None:
            peak = self._cgroup.peak_memory_bytes()
        if peak is None and self._process is not None:
            peak = _tree_peak_rss(self._process.pid)
        if not peak:
            return 0
        return min(self.config.memory_mb, math.ceil(peak / MIB))

    def _oom_happened(self, *, since_start: bool = False) -> bool:
        """Whether the kernel OOM-killed a process of this environment (since the last check)."""
        if self._cgroup is None:
            return False
        kills = self._cgroup.oom_kills()
        happened = kills > (0 if since_start else self._oom_kills_seen)
        self._oom_kills_seen = kills
        return happened

    # -- freezing and teardown ----------------------------------------------------------------

    @property
    def _freezing(self) -> bool:
        tree = self._tree
        return bool(self.settings.freeze_idle and self._cgroup and tree and tree.has_freezer)

    def _freeze(self) -> None:
        if self._freezing and self._cgroup is not None:
            self.frozen = self._cgroup.freeze()

    def _freeze_if_idle(self, generation: int) -> None:
        """The freezer thread's turn: once the runtime waits on /next, freeze, unless an
        invocation came (or it died) since; a runtime that exited instead is reset."""
        if not self._driver.acquire(blocking=False):
            return  # an invocation has it: it asks for another freeze when it ends
        try:
            with self._teardown_lock:
                if self.state != "idle" or self._idle_generation != generation or self.frozen:
                    return
                self._settling = not (self._api is None or self._api.waiting)
            alive = True
            if self._settling:
                between = LogCollector(self.settings.log_cap_bytes)
                alive = self._settle(between, FREEZER_AWAIT_NEXT_S)
                if between.text():
                    self._between_logs = between
            teardown = False
            with self._teardown_lock:
                settled_here, self._settling = self._settling, False
                if self.state == "dead":  # destroyed meanwhile: destroy() left the release to us
                    teardown = settled_here
                elif self.state == "idle" and self._idle_generation == generation:
                    if alive:
                        self._freeze()
                    else:
                        self.state = "reset"
                        self._runtime_gone.clear()
                        teardown = True
            if teardown:
                _teardowns.submit(self)
        finally:
            self._settling = False
            self._driver.release()

    def park(self) -> bool:
        """Give the unused blocks of an idle, frozen environment's /tmp back to the host's disk
        (ephemeral.py); the next invocation reserves them again before it thaws it. True when
        parked now; False when there is nothing to park (not idle and frozen with every task
        stopped, parked already, no disk-backed /tmp) or an invocation has the environment."""
        if not self._driver.acquire(blocking=False):
            return False
        try:
            with self._teardown_lock:
                storage, group = self._storage, self._cgroup
                if self.state != "idle" or not self.frozen or self.parked or storage is None:
                    return False
                if group is None or not group.frozen_now():  # a write may still be under way
                    return False
                self.parked = True  # before the trim: a trim that fails halfway still reserves
                storage.release_unused()
                return True
        finally:
            self._driver.release()

    def _thaw(self) -> bool:
        """Thaw the environment for its invocation, its /tmp reserved again first when it was
        parked. False when that reservation failed (the host's disk has no room, even once the
        pool made room): the runtime and the /tmp are then gone, and the invocation starts
        afresh (a cold start, which makes a new /tmp or is refused for want of room), never on
        an image that could not grow."""
        with self._teardown_lock:
            self._idle_generation += 1  # a freeze still pending for the last idle spell lapses
            if self.parked and self._storage is not None:
                self.parked = False
                try:
                    self._reserve(self._storage)
                except NoRoomError:
                    self._kill_everything()
                    self._release()
                    return False
            if self.frozen and self._cgroup is not None:
                self._cgroup.thaw()
                self.frozen = False
        return True

    def _storage_create(self) -> EphemeralStorage:
        """A new /tmp; when the host's disk has no room, again once the pool made room."""
        name, size_mb = f"{os.getpid()}-{self.id}", self.config.ephemeral_storage_mb
        return self._with_room(lambda: storage_create(name, size_mb))

    def _reserve(self, storage: EphemeralStorage) -> None:
        """Reserve a parked /tmp again; when the host's disk has no room, again once the pool
        made room."""
        self._with_room(storage.reserve)

    def _with_room(self, take: Callable[[], Any]) -> Any:
        """take() what needs room on the host's disk; on NoRoomError the pool makes room and it
        is tried again, up to ROOM_TRIES times: cold starts side by side may each take the room
        another one made before that one's second try. The last NoRoomError when the pool can
        make no more room or the tries run out."""
        tries = 1
        while True:
            try:
                return take()
            except NoRoomError as error:
                last = tries == ROOM_TRIES or self.make_room is None
                if last or not self.make_room(error.needed_bytes):
                    raise
            tries += 1

    def _wait_for_exit(self) -> int | None:
        if self._process is None:
            return None
        try:
            return self._process.wait(timeout=2.0)
        except subprocess.TimeoutExpired:
            self._kill_everything()
            return self._process.returncode

    def _kill_everything(self) -> None:
        if self._cgroup is not None:
            self._cgroup.kill_all()
        process = self._process
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, 9)
            with contextlib.suppress(ProcessLookupError):
                process.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5.0)
        self.frozen = False

    def _release(self) -> None:
        """Release everything the environment holds, /tmp included; the processes are dead."""
        self._release_runtime()
        if self._storage is not None:
            self._storage.remove()
            self._storage = None
        if self._private_tmp:
            shutil.rmtree(self._private_tmp, ignore_errors=True)
            self._private_tmp = None

    def _release_runtime(self) -> None:
        """Close the runtime's descriptors and remove its cgroup; its processes are dead."""
        if self._selector is not None:
            self._selector.close()
            self._selector = None
        if self._api is not None:
            self._api.close()
            self._api = None
        for fd in [*self._fds.values(), self._pidfd]:
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self._fds = {}
        self._log_fds = ()
        self._pidfd = None
        if self._cgroup is not None:
            self._cgroup.destroy()
            self._cgroup = None
        if self._prestarted is not None:  # its /var/task goes with it
            self._prestarted.remove_directory()
            self._prestarted = None

    def _isolation_report(self) -> IsolationReport:
        tree = self._tree
        bwrap = self.uses_bubblewrap
        memory = bool(tree and tree.has("memory"))
        cpu = bool(tree and tree.has("cpu"))
        pids = bool(tree and tree.has("pids"))
        freezer = bool(tree and tree.has_freezer and self.settings.freeze_idle)
        missing = list(self.host.missing)
        if not self.settings.use_bubblewrap and self.host.bwrap:
            missing.append("bubblewrap disabled by configuration")
        if not self.settings.use_cgroups and self.host.cgroups:
            missing.append("cgroups disabled by configuration")
        # Without bubblewrap the runtime runs as the supervisor itself.
        host_uid = self.host.host_uid if bwrap else os.geteuid()
        return IsolationReport(
            namespaces=bwrap,
            network=not bwrap,
            memory_cgroup=memory,
            cpu_cgroup=cpu,
            pids_limit=self.settings.pids_limit if pids else None,
            nofile=NOFILE_LIMIT,
            ephemeral_storage_mb=self.config.ephemeral_storage_mb if bwrap else None,
            tmp_apart_from_memory=bwrap and self.host.tmp_on_disk,
            readonly_root=bwrap,
            uid=SANDBOX_UID if bwrap else os.geteuid(),
            freezer=freezer,
            full=bwrap and memory and cpu and pids and host_uid != 0,
            missing=tuple(missing),
            host_uid=host_uid,
            host_root=host_uid == 0,
        )


def _api_first(item: tuple[selectors.SelectorKey, int]) -> int:
    return 0 if isinstance(item[0].data, RuntimeApi) else 1


def _read_some(fd: int) -> bytes | None:
    """Bytes read, b"" at end of file, None when nothing is ready."""
    try:
        return os.read(fd, READ_CHUNK)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def _as_float(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _tree_peak_rss(pid: int) -> int | None:
    """The largest VmHWM in a process tree (used only when there is no memory cgroup)."""
    peak = 0
    stack = [pid]
    seen: set[int] = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            with open(f"/proc/{current}/status") as handle:
                for line in handle:
                    if line.startswith("VmHWM:"):
                        peak = max(peak, int(line.split()[1]) * 1024)
            with open(f"/proc/{current}/task/{current}/children") as handle:
                stack.extend(int(child) for child in handle.read().split())
        except (OSError, ValueError):
            continue
    return peak or None


def make_request_error(error_type: str, message: str) -> dict[str, Any]:
    return error_object(error_type, message)
