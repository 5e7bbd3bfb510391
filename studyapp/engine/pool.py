"""Warm pools of execution environments, keyed by function name + code hash + configuration.

An invocation takes an idle environment of its function if there is one (warm) and starts a new
one otherwise (cold), so concurrent invocations of one function run side by side in separate
environments, as on Lambda. Idle environments are frozen and reaped after `idle_timeout_s`.
Closing the pool destroys every environment it started, with all of their processes.

An environment idle for PARK_AFTER_IDLE_S is parked (`park_idle`, on the reaper's interval): the
blocks its /tmp does not use go back to the host's disk, and its next invocation reserves them
again before the environment is thawed (ephemeral.py). So the disk does not bound how many
environments stay warm for `idle_timeout_s`, while every environment that runs has all of its
/tmp reserved: one whose reservation fails is not run on that image but starts afresh, a cold
start. Invocations in a row never park, and pay nothing for it. When the disk has no room for a
new /tmp (or for a parked one's blocks), idle environments are parked at once, least recently
used first, before anything is refused.

Provisioned concurrency (`provision(config, N)`): N environments are started through INIT ahead
of any invocation (AWS_LAMBDA_INITIALIZATION_TYPE=provisioned-concurrency) and are never reaped
or evicted. Invocations take an idle provisioned environment first (warm: no Init Duration),
then an idle on-demand one, and only then start an on-demand environment (a cold start): the
spill-over beyond N. A provisioned environment that is reset (timeout, crash, OOM) goes through
INIT again in the background, its /tmp kept (one that then fails INIT is gone);
`provision(config, 0)` releases them all. Provisioning a function (account + name) also
releases the provisioned environments of its other pool keys: after its code or settings
change, the old version's provisioned environments go away (idle ones are destroyed, busy ones
finish their invocation as on-demand environments the reaper takes later).

Interpreters started ahead (`interpreters`, an InterpreterPool of prestart.py, which may be
shared among pools and is closed by its owner): a new environment's first runtime is taken from
it when one fits, so a cold start pays only the function's own INIT.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import threading
import time
import uuid
import weakref
from dataclasses import asdict, dataclass, field
from typing import Any

from .config import MAX_REQUEST_BYTES, ConfigError, FunctionConfig
from .environment import PROVISIONED, ExecutionEnvironment, teardowns_wait
from .ephemeral import free_bytes
from .isolation import HostCapabilities, host_capabilities
from .prestart import InterpreterPool
from .results import InvocationResult, error_object
from .spawning import SandboxSettings
from .staging import StagedFunction, stage_function

# How long an environment is idle before its /tmp's unused blocks go back to the host's disk:
# longer than the pause between a learner's runs in a row, which then pay nothing; far shorter
# than the minutes an idle environment is kept warm.
PARK_AFTER_IDLE_S = 30.0
# How long making room waits for an evicted environment's /tmp blocks to come back, at most.
RELEASE_CHECKS, RELEASE_CHECK_S = 50, 0.01


class IsolationUnavailableError(RuntimeError):
    """Full isolation was required (learner-edited code) but this host cannot provide it."""


@dataclass
class PoolStats:
    created: int = 0
    reused: int = 0
    reaped: int = 0
    destroyed: int = 0
    throttled: int = 0
    invocations: int = 0

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass
class _FunctionSlot:
    config: FunctionConfig
    staged: StagedFunction
    idle: list[ExecutionEnvironment] = field(default_factory=list)
    busy: set[ExecutionEnvironment] = field(default_factory=set)
    # Provisioned concurrency: how many are wanted, and which environments (idle or busy) are.
    provisioned_target: int = 0
    provisioned: set[ExecutionEnvironment] = field(default_factory=set)

    def take_idle(self) -> ExecutionEnvironment:
        """An idle provisioned environment if there is one, else the most recently used."""
        for environment in reversed(self.idle):
            if environment in self.provisioned:
                self.idle.remove(environment)
                return environment
        return self.idle.pop()


_open_pools: weakref.WeakSet[EnvironmentPool] = weakref.WeakSet()


@atexit.register
def _close_open_pools() -> None:
    for pool in list(_open_pools):
        pool.close()


def event_bytes(event: Any) -> bytes:
    """The event as JSON bytes. Any JSON value is an event (`"x"`, `3`, `null`, `[1]`), as on
    Lambda: a str is a JSON string; only bytes are taken as JSON text already (checked)."""
    if isinstance(event, bytes | bytearray):
        data = bytes(event)
        try:
            json.loads(data)
        except ValueError as error:
            raise ConfigError(f"event is not valid JSON: {error}") from None
        return data
    return json.dumps(event).encode()


class EnvironmentPool:
    """Holds warm environments; safe to call from many threads."""

    def __init__(
        self,
        *,
        idle_timeout_s: float = 600.0,
        max_environments: int = 32,
        max_environments_per_account: int = 16,
        settings: SandboxSettings | None = None,
        host: HostCapabilities | None = None,
        reap_interval_s: float | None = None,
        interpreters: InterpreterPool | None = None,
    ) -> None:
        self.interpreters = interpreters
        self.idle_timeout_s = idle_timeout_s
        self.max_environments = max_environments
        # One account (a learner) may hold at most this many of the host's environments, so one
        # caller cannot take them all; its own oldest idle one makes room first.
        self.max_environments_per_account = max_environments_per_account
        self.settings = settings or SandboxSettings()
        self.host = host or host_capabilities()
        self.stats = PoolStats()
        self._slots: dict[str, _FunctionSlot] = {}
        self._lock = threading.Lock()
        self._closed = False
        self._stop = threading.Event()
        self._reaper: threading.Thread | None = None
        if reap_interval_s:
            self._reaper = threading.Thread(
                target=self._reap_forever,
                args=(reap_interval_s,),
                name="sandbox-reaper",
                daemon=True,
            )
            self._reaper.start()
        _open_pools.add(self)

    def __enter__(self) -> EnvironmentPool:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- invoking -----------------------------------------------------------------------------

    def invoke(
        self,
        config: FunctionConfig,
        event: Any,
        *,
        client_context: dict[str, Any] | None = None,
        identity: dict[str, Any] | None = None,
        require_full_isolation: bool = False,
        request_id: str | None = None,
        invoked_qualifier: str | None = None,
        pool_key: str | None = None,
    ) -> InvocationResult:
        """Run one invocation on a warm environment if one is idle, on a new one otherwise.

        ``request_id`` (else a new one) names the invocation in its result and log lines;
        ``invoked_qualifier`` is the version or alias the caller named (the invoked ARN's);
        ``pool_key`` is ``config.pool_key()`` when the caller has it already (it hashes the code:
        a code directory's files are walked, which the command line does once per run).

        Raises ConfigError for a configuration or event Lambda would refuse, and
        IsolationUnavailableError when full isolation is required but missing.
        """
        config.validate()
        if require_full_isolation and not self._full_isolation():
            raise IsolationUnavailableError(
                "full isolation is not available on this host: " + "; ".join(self.host.missing)
            )
        payload = event_bytes(event)
        if len(payload) > MAX_REQUEST_BYTES:
            return self._refused(
                config,
                request_id,
                "error",
                error_object(
                    "RequestTooLargeException",
                    f"Request must be smaller than {MAX_REQUEST_BYTES} bytes for the "
                    "InvokeFunction operation",
                ),
            )
        key = pool_key or config.pool_key()  # once: it hashes the code
        environment = self._checkout(config, key)
        if environment is None:
            return self._refused(
                config,
                request_id,
                "throttled",
                {
                    **error_object("TooManyRequestsException", "Rate Exceeded."),
                    "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded"
                    if config.reserved_concurrency is not None
                    else "ConcurrentInvocationLimitExceeded",
                },
            )
        try:
            result = environment.invoke(
                payload,
                request_id=request_id,
                client_context=client_context,
                identity=identity,
                invoked_qualifier=invoked_qualifier,
            )
        except BaseException:
            environment.destroy()
            raise
        finally:
            self._checkin(config, environment, key=key)
        return result

    def _checkout(self, config: FunctionConfig, key: str) -> ExecutionEnvironment | None:
        evicted: ExecutionEnvironment | None = None
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is closed")
            self.stats.invocations += 1
            slot = self._slots.get(key)
            limit = config.reserved_concurrency
            busy_here = len(slot.busy) if slot else 0
            if limit is not None and busy_here >= limit:
                # Checked before reusing a warm one: the key leaves reserved concurrency out, so
                # environments started under a higher limit may still be idle here.
                self.stats.throttled += 1
                return None
            if slot is not None and slot.idle:
                environment = slot.take_idle()
                slot.busy.add(environment)
                self.stats.reused += 1
                return environment
            if (
                self._live_count(config.account) >= self.max_environments_per_account
                and (evicted := self._evict_oldest_idle(config.account)) is None
            ) or (
                evicted is None
                and self._live_count() >= self.max_environments
                and (evicted := self._evict_oldest_idle()) is None
            ):
                self.stats.throttled += 1
                return None
            if slot is None:
                slot = self._slots[key] = _FunctionSlot(config, stage_function(config))
            environment = ExecutionEnvironment(
                config,
                slot.staged,
                settings=self.settings,
                host=self.host,
                interpreters=self.interpreters,
                make_room=self._make_room_on_disk,
            )
            slot.busy.add(environment)
            self.stats.created += 1
        if evicted is not None:
            evicted.destroy()
        return environment

    def _checkin(
        self,
        config: FunctionConfig,
        environment: ExecutionEnvironment,
        *,
        replace: bool = True,
        key: str | None = None,
    ) -> None:
        key = key or config.pool_key()
        refill = False
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                return
            slot.busy.discard(environment)
            if environment.state == "reset" and environment in slot.provisioned:
                if not self._closed:  # INIT again in the background, its /tmp kept
                    slot.busy.add(environment)
                    threading.Thread(
                        target=self._initialise_again,
                        args=(config, environment),
                        name="sandbox-provisioner",
                        daemon=True,
                    ).start()
            elif environment.alive and not self._closed:
                slot.idle.append(environment)
            else:
                self.stats.destroyed += 1
                if environment in slot.provisioned:
                    slot.provisioned.discard(environment)
                    refill = replace and not self._closed
            self._drop_slot_if_empty(key)
        if refill:
            threading.Thread(
                target=self._provision_missing,
                args=(key,),
                name="sandbox-provisioner",
                daemon=True,
            ).start()

    def _initialise_again(self, config: FunctionConfig, environment: ExecutionEnvironment) -> None:
        """A provisioned environment was reset (timeout, crash): INIT it again, as Lambda does."""
        environment.initialise()
        self._checkin(config, environment, replace=False)

    def _live_count(self, account: str | None = None) -> int:
        """Environments alive on this host (of one account, when given)."""
        return sum(
            len(slot.idle) + len(slot.busy)
            for slot in self._slots.values()
            if account is None or slot.config.account == account
        )

    def _evict_oldest_idle(self, account: str | None = None) -> ExecutionEnvironment | None:
        """Take the least recently used idle on-demand environment (of one account, when given)
        out of the pool; the caller destroys it outside the lock."""
        candidates = [
            (env.last_used_at, key, env)
            for key, s in self._slots.items()
            for env in s.idle
            if env not in s.provisioned and (account is None or s.config.account == account)
        ]
        if not candidates:
            return None
        _, key, environment = min(candidates, key=lambda item: item[0])
        self._slots[key].idle.remove(environment)
        self.stats.reaped += 1
        self._drop_slot_if_empty(key)
        return environment

    def _drop_slot_if_empty(self, key: str) -> None:
        slot = self._slots.get(key)
        if slot is not None and not slot.idle and not slot.busy and not slot.provisioned_target:
            del self._slots[key]
            slot.staged.cleanup()

    def _refused(
        self, config: FunctionConfig, request_id: str | None, status: str, payload: dict
    ) -> InvocationResult:
        isolation = ExecutionEnvironment(
            config, StagedFunction("", None), settings=self.settings, host=self.host
        ).isolation
        return InvocationResult(
            request_id=request_id or str(uuid.uuid4()),
            status=status,
            payload=payload,
            function_error=None,
            error_type=payload["errorType"],
            logs="",
            cold_start=False,
            duration_ms=0.0,
            billed_duration_ms=0,
            init_duration_ms=None,
            memory_size_mb=config.memory_mb,
            max_memory_used_mb=0,
            isolation=isolation.to_dict(),
        )

    def _full_isolation(self) -> bool:
        return self.host.full and self.settings.use_bubblewrap and self.settings.use_cgroups

    # -- provisioned concurrency --------------------------------------------------------------

    def provision(
        self, config: FunctionConfig, count: int, *, require_full_isolation: bool = False
    ) -> dict[str, Any]:
        """Keep `count` environments of this function initialised ahead of invocations.

        Starts the missing ones through INIT (side by side) and releases the extra ones (idle
        ones are destroyed, busy ones become on-demand); `count` 0 releases them all. Returns
        `{"provisioned": ready, "environments": [...]}`, plus `"error"` when fewer than `count`
        are ready (an INIT error, or this host's limit on environments).
        """
        config.validate()
        limit = min(self.max_environments, self.max_environments_per_account)
        if type(count) is not int or not 0 <= count <= limit:
            raise ConfigError(
                f"count must be a whole number from 0 to {limit} "
                "(the environments one account may hold on this sandbox host)"
            )
        if require_full_isolation and count and not self._full_isolation():
            raise IsolationUnavailableError(
                "full isolation is not available on this host: " + "; ".join(self.host.missing)
            )
        key = config.pool_key()
        released: list[ExecutionEnvironment] = []
        with self._lock:
            if self._closed:
                raise RuntimeError("the pool is closed")
            released.extend(self._release_other_versions(config))
            slot = self._slots.get(key)
            if slot is None:
                if not count:
                    for environment in released:
                        environment.destroy()
                    return {"provisioned": 0, "environments": []}
                slot = self._slots[key] = _FunctionSlot(config, stage_function(config))
            slot.provisioned_target = count
            extra = len(slot.provisioned) - count
            for environment in sorted(slot.provisioned, key=lambda env: env in slot.busy):
                if extra <= 0:
                    break
                slot.provisioned.discard(environment)
                extra -= 1
                if environment in slot.idle:
                    slot.idle.remove(environment)
                    released.append(environment)
                    self.stats.destroyed += 1
            self._drop_slot_if_empty(key)
        for environment in released:
            environment.destroy()
        errors = self._provision_missing(key) if count else []
        with self._lock:
            slot = self._slots.get(key)
            ready = [env for env in slot.provisioned if env.alive] if slot else []
            answer: dict[str, Any] = {
                "provisioned": len(ready),
                "environments": [
                    {**env.describe(), "pool_key": key, "provisioned": True} for env in ready
                ],
            }
        if len(ready) < count:
            answer["error"] = f"{len(ready)} of {count} environments are initialised: " + (
                "; ".join(sorted(set(errors))) or "this sandbox host has no room for more"
            )
        return answer

    def _release_other_versions(self, config: FunctionConfig) -> list[ExecutionEnvironment]:
        """Stop keeping the function's environments of other pool keys of the same version
        (hold the lock): new code or settings of $LATEST replace the old; a published version's
        provisioned environments are its own, whatever another version keeps.

        Returns the idle ones, to destroy outside the lock; busy ones become on-demand.
        """
        key = config.pool_key()
        idle: list[ExecutionEnvironment] = []
        for other_key, slot in list(self._slots.items()):
            if (
                other_key == key
                or slot.config.name != config.name
                or slot.config.account != config.account
                or slot.config.version != config.version
                or not (slot.provisioned_target or slot.provisioned)
            ):
                continue
            slot.provisioned_target = 0
            for environment in list(slot.provisioned):
                slot.provisioned.discard(environment)
                if environment in slot.idle:
                    slot.idle.remove(environment)
                    idle.append(environment)
                    self.stats.destroyed += 1
            self._drop_slot_if_empty(other_key)
        return idle

    def _provision_missing(self, key: str) -> list[str]:
        """Start environments until the slot has its target; why any of them failed INIT."""
        starting: list[ExecutionEnvironment] = []
        evicted: list[ExecutionEnvironment] = []
        with self._lock:
            slot = self._slots.get(key)
            if slot is None or self._closed:
                return []
            for _ in range(slot.provisioned_target - len(slot.provisioned)):
                if self._live_count() >= self.max_environments:
                    victim = self._evict_oldest_idle()
                    if victim is None:
                        break
                    evicted.append(victim)
                environment = ExecutionEnvironment(
                    slot.config,
                    slot.staged,
                    settings=self.settings,
                    host=self.host,
                    initialization_type=PROVISIONED,
                    interpreters=self.interpreters,
                    make_room=self._make_room_on_disk,
                )
                slot.busy.add(environment)  # busy with INIT: no invocation may take it yet
                slot.provisioned.add(environment)
                starting.append(environment)
                self.stats.created += 1
            config = slot.config
        for environment in evicted:
            environment.destroy()
        errors: list[str] = []

        def initialise(environment: ExecutionEnvironment) -> None:
            error = environment.initialise()
            if error is not None:
                errors.append(error)
            self._checkin(config, environment, replace=False)

        threads = [
            threading.Thread(target=initialise, args=(env,), name="sandbox-init", daemon=True)
            for env in starting
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return errors

    # -- housekeeping -------------------------------------------------------------------------

    def reap_idle(self, now: float | None = None) -> int:
        """Destroy environments idle for at least `idle_timeout_s`; how many were reaped."""
        now = time.time() if now is None else now
        doomed: list[ExecutionEnvironment] = []
        with self._lock:
            for key, slot in list(self._slots.items()):
                stale = [
                    e
                    for e in slot.idle
                    if now - e.last_used_at >= self.idle_timeout_s and e not in slot.provisioned
                ]
                for environment in stale:
                    slot.idle.remove(environment)
                doomed.extend(stale)
                self._drop_slot_if_empty(key)
            self.stats.reaped += len(doomed)
        for environment in doomed:
            environment.destroy()
        return len(doomed)

    def park_idle(self, now: float | None = None) -> int:
        """Park the environments idle (and frozen) for at least PARK_AFTER_IDLE_S: give their
        /tmp's unused blocks back to the host's disk; how many were parked now."""
        now = time.time() if now is None else now
        with self._lock:
            due = [
                environment
                for slot in self._slots.values()
                for environment in slot.idle
                if now - environment.last_used_at >= PARK_AFTER_IDLE_S and not environment.parked
            ]
        parked = 0
        for environment in due:  # outside the lock: an invocation may take it meanwhile
            # A trim the filesystem refuses leaves the image as reserved as it was; it is
            # reserved again at the thaw all the same.
            with contextlib.suppress(OSError):
                parked += environment.park()
        return parked

    def _make_room_on_disk(self, needed_bytes: int) -> bool:
        """Make `needed_bytes` free on the host's disk for a /tmp; whether it is free now.

        First idle environments are parked, least recently used first and whatever their park
        delay: environments used within it still hold their whole /tmp, and when more of them
        come and go than the disk holds images, a cold start parks them rather than fail. One
        that cannot be parked at once (its freeze not yet complete) is skipped. When that is
        not enough (the parked ones' own blocks fill the disk's share), the least recently used
        idle environments are let go, as at the host's limit on environments."""
        with self._lock:
            unparked = sorted(
                (env for slot in self._slots.values() for env in slot.idle if not env.parked),
                key=lambda env: env.last_used_at,
            )
        for environment in unparked:
            if free_bytes() >= needed_bytes:
                return True
            with contextlib.suppress(OSError):
                environment.park()
        while (free := free_bytes()) < needed_bytes:
            with self._lock:
                evicted = self._evict_oldest_idle()
            if evicted is None:
                return False
            evicted.destroy()
            # The image's blocks come back once its loop device lets go of it, a moment after
            # the unmount: waited for, so that one eviction is not taken for too little.
            for _ in range(RELEASE_CHECKS):
                if free_bytes() > free:
                    break
                time.sleep(RELEASE_CHECK_S)
        return True

    def _reap_forever(self, interval_s: float) -> None:
        while not self._stop.wait(interval_s):
            self.reap_idle()
            self.park_idle()

    def environments(self) -> list[dict[str, Any]]:
        """What is warm (and what is running) right now."""
        with self._lock:
            return [
                {
                    **environment.describe(),
                    "pool_key": key,
                    "provisioned": environment in slot.provisioned,
                }
                for key, slot in self._slots.items()
                for environment in [*slot.idle, *slot.busy]
            ]

    def close(self) -> None:
        """Destroy every environment this pool started, with all of their processes."""
        self._stop.set()
        with self._lock:
            self._closed = True
            slots = list(self._slots.values())
            self._slots.clear()
        for slot in slots:
            for environment in [*slot.idle, *slot.busy]:
                environment.destroy()
                self.stats.destroyed += 1
            slot.staged.cleanup()
        teardowns_wait()
        if self._reaper is not None and self._reaper is not threading.current_thread():
            self._reaper.join(timeout=5)
